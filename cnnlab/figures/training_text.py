"""What a student reads about a training run: the progress line, how it ended, the result, the layers."""

from __future__ import annotations

import numpy as np


def progress_text(progress) -> str:
    """One line a student reads under the progress bar, e.g. "Epoch 2 of 5 · batch 40 of 211 · …".

    Args:
        progress: a cnnlab.training.Progress.

    Returns:
        A sentence of parts joined by " · ".
    """
    if progress.state == "waiting":
        return "Waiting for a free training slot…"
    if progress.state == "loading":
        return "Loading the images and building the network…"
    parts = [f"Epoch {max(progress.epoch, 1)} of {progress.total_epochs}"]
    parts.append(f"batch {progress.batch:,} of {progress.batches_per_epoch:,}")
    if progress.samples_per_second:
        parts.append(f"{progress.samples_per_second:,.0f} images/s")
    if progress.learning_rate is not None:
        parts.append(f"learning rate {progress.learning_rate:.2g}")
    if progress.state == "evaluating":
        parts.append("testing on unseen images…")
    elif progress.seconds_left is not None:
        parts.append(f"about {progress.seconds_left:,.0f} s left")
    return " · ".join(parts)


LAYER_KINDS = {
    "Conv2D": "convolution: {filters} filters of {size}",
    "MaxPooling2D": "max-pooling: keeps the largest of each 2×2",
    "Activation": "ReLU: negative numbers become 0",
    "Flatten": "flatten: lays the maps out in one long row",
    "Dense": "dense: {units:,} neurons, each sees everything before it",
    "Dropout": "dropout: switches off a random share while training",
    "InputLayer": "the image",
}


def readable_shape(shape: tuple) -> str:
    """What a layer hands on, in words: "24 maps of 24×24" or "256 numbers".

    Args:
        shape: the output shape without the batch axis, e.g. (24, 24, 24) or (256,).

    Returns:
        A short phrase with thousands separators.
    """
    if len(shape) == 3:
        height, width, channels = shape
        return f"{channels:,} map{'s' if channels != 1 else ''} of {height}×{width}"
    return f"{int(np.prod(shape)):,} numbers"


def layer_rows(model) -> list[dict]:
    """The layers of a model as rows a student reads: name, what it does, what comes out, weights.

    Args:
        model: a keras.Model whose layers are named.

    Returns:
        One dict per layer: "Layer", "What it does", "What comes out", "Weights" (text with separators).
    """
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        template = "output: a probability for each of the {units} classes" if layer.name == "output" else None
        template = template or LAYER_KINDS.get(kind, kind)
        size = "×".join(str(side) for side in getattr(layer, "kernel_size", ()))
        what = template.format(filters=getattr(layer, "filters", 0), size=size, units=getattr(layer, "units", 0))
        rows.append(
            {
                "Layer": layer.name,
                "What it does": what,
                "What comes out": readable_shape(tuple(layer.output.shape[1:])),
                "Weights": f"{layer.count_params():,}",
            }
        )
    return rows


def ending_messages(run) -> list[tuple[str, str]]:
    """What a student reads about how a run ended, each with the colour of its box.

    Args:
        run: a finished, stopped or failed cnnlab.training.TrainingRun.

    Returns:
        (kind, text) pairs, kind "error", "warning" or "success"; a run whose network only
        guesses never gets "success".
    """
    from cnnlab import training  # the figures package stays importable without TensorFlow

    result, messages = run.result(), []
    if run.error:
        messages.append(("error", run.error))
    if run.divergence:
        messages.append(("warning", training.explain(run.divergence, run.divergence_details)))
    elif result is None and not run.error:
        why = "this browser tab was closed" if run.abandoned else "it was stopped before the first batch"
        messages.append(("warning", f"Training stopped because {why}: there is no model to test."))
    elif result is not None and run.state == "stopped":
        messages.append(("warning", "You stopped training early: this is the network as it was at that moment."))
    if result is not None and result.is_guessing:
        guessing = (
            f"The network is guessing: {result.test_accuracy:.1%} right is what picking a class at random scores "
            "(1 in 10). Its steps were too large, so every step overshot (or too few to learn anything): "
            "try a learning rate of 0.001."
        )
        messages.append(("warning", guessing))
    elif result is not None:
        shared = (
            "Your network now appears as **Your trained model** on the **Draw a digit** and **Feature maps** pages."
        )
        messages.append(("success", shared))
    return messages


DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


def missing_sets_text(missing: list[str]) -> str:
    """Why only built-in sets are offered, e.g. "The full 60,000-image set is not on this server for Fashion-MNIST, …".

    Args:
        missing: dataset names whose full set is missing (not empty).

    Returns:
        One sentence, without commands.
    """
    if len(missing) > 1:
        names = " or ".join(DATASET_TITLES[name] for name in missing)
        return (
            f"The full 60,000-image set is not on this server for {names}, so only the small built-in sets are offered."
        )
    name = DATASET_TITLES[missing[0]]
    return f"The full 60,000-image set is not on this server for {name}, so only its small built-in set is offered."


def curves_text(steps_per_execution: int) -> str:
    """The legend of the learning curves, in words, honest about points that stand for groups of batches."""
    each = (
        "each batch"
        if steps_per_execution == 1
        else (f"the mean of each group of {steps_per_execution} batches (trained in one go)")
    )
    return (
        f"Faint line: {each}; solid line: their moving average; blue dots: the mean over each epoch; "
        "orange: the validation images, checked after each epoch. Green: the learning rate."
    )


def accuracy_text(result) -> str:
    """The test result as a line of Markdown: "Test accuracy: **0.9875** (1,975 of 2,000 images right), …".

    Args:
        result: a cnnlab.training.TrainingResult.

    Returns:
        Markdown text with thousands separators.
    """
    right = round(result.test_accuracy * result.test_count)
    return (
        f"Test accuracy: **{result.test_accuracy:.4f}** ({right:,} of {result.test_count:,} images right), "
        f"after {result.training_seconds:,.1f} s of training"
    )
