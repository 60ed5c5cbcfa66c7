"""What a run needs before its first batch: the images, the compiled model, its input pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import keras

from cnnlab import builder, data, models, pipeline
from cnnlab.training import schedules
from cnnlab.training.settings import TrainingSettings


@dataclass(frozen=True)
class Plan:
    """What a run needs to train: the compiled model, its batches, the validation and test images (uint8, labels)."""

    model: keras.Model
    batches: object
    validation: object
    test: tuple
    fit_count: int
    steps_per_execution: int
    warmup_steps: int


def prepare(settings: TrainingSettings) -> Plan:
    """Load the images (uint8, no copies), seed, build and compile the model, make its input pipelines.

    Args:
        settings: the run's settings.

    Returns:
        A Plan: the model compiled with the settings' optimizer, schedule and steps per execution;
        tf.data training batches; the validation and test sets as (uint8 (N, 28, 28), int (N,)).
    """
    (x_train, y_train), test = data.load_dataset(settings.dataset, settings.source)
    validation_count = max(1, round(len(x_train) * settings.validation_split))
    x_fit, y_fit = x_train[:-validation_count], y_train[:-validation_count]
    if settings.max_train_examples is not None:
        x_fit, y_fit = x_fit[: settings.max_train_examples], y_fit[: settings.max_train_examples]
    keras.utils.set_random_seed(settings.seed)
    if settings.architecture:  # a network from the builder instead of the preset
        model = builder.build_model(settings.architecture)
    else:
        model = models.build_model(settings.network, dropout=settings.dropout)
    augmentation = 1.0 if settings.augmentation else 0.0
    clothes = settings.dataset == "fashion_mnist"
    batches = pipeline.make_dataset(
        x_fit, y_fit, settings.batch_size, augmentation=augmentation, seed=settings.seed, clothes=clothes
    )
    total_steps = settings.epochs * len(batches)
    rate = schedules.learning_rate(settings.schedule, settings.learning_rate, total_steps, settings.warmup_fraction)
    warmup = round(total_steps * settings.warmup_fraction) if settings.schedule == "one_cycle" else 0
    optimizer = models.make_optimizer(settings.optimizer, rate, dict(settings.optimizer_options))
    steps = settings.steps_per_execution or schedules.steps_per_execution(model, settings.batch_size)
    models.compile_model(model, optimizer, steps)
    validation = (x_train[-validation_count:], y_train[-validation_count:])
    return Plan(model, batches, validation, test, len(x_fit), steps, warmup)
