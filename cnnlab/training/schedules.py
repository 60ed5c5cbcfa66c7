"""How the learning rate moves during a run, and how many batches run per call into TensorFlow."""

from __future__ import annotations

import keras

from cnnlab import models

PLATEAU = {"monitor": "val_accuracy", "factor": 0.5, "patience": 1, "min_lr": 1e-5}
WORK_PER_CALL = 3.2e9  # multiply-adds per call: about a quarter of a second of training on 2 quiet cores
MOST_STEPS_PER_CALL = 20


def learning_rate(schedule: str, peak: float, total_steps: int, warmup_fraction: float = 0.2):
    """The learning rate an optimizer gets: a float, or a Keras schedule that moves with every batch.

    Args:
        schedule: "constant" and "plateau" give the float `peak` (the plateau callback halves it
            later); "one_cycle" rises in a straight line from 0 to `peak` over the first
            `warmup_fraction` of the steps, then falls along half a cosine to 0 at the last step.
        peak: the largest learning rate, a positive float.
        total_steps: the batches the whole run trains.
        warmup_fraction: the share of the steps spent warming up, in [0, 1).

    Returns:
        A float or a keras.optimizers.schedules.CosineDecay.
    """
    if schedule not in models.SCHEDULES:
        raise ValueError(f"Unknown schedule {schedule!r}; choose one of {', '.join(models.SCHEDULES)}.")
    if schedule != "one_cycle":
        return peak
    warmup = round(total_steps * warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=max(total_steps - warmup, 1),
        alpha=0.0,
        warmup_target=peak,
        warmup_steps=warmup,
    )


def plateau_callbacks(schedule: str) -> list:
    """The Keras callbacks a schedule needs: the halving on a validation plateau, or none."""
    return [keras.callbacks.ReduceLROnPlateau(**PLATEAU)] if schedule == "plateau" else []


def steps_per_execution(model: keras.Model, batch_size: int) -> int:
    """Batches per call into TensorFlow: about a quarter of a second of work, from 1 to MOST_STEPS_PER_CALL.

    A call costs Python and TensorFlow overhead whatever its size; with small networks that overhead
    is a large part of each batch. Running several batches per call saves most of it, and the curves,
    which update after each call, still move at least once a second on a busy machine.

    Args:
        model: the built model.
        batch_size: images per batch.

    Returns:
        A whole number of batches.
    """
    work_per_batch = max(models.multiply_adds(model), 1) * batch_size
    return int(min(max(WORK_PER_CALL // work_per_batch, 1), MOST_STEPS_PER_CALL))
