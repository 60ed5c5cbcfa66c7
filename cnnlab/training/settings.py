"""What a run trains, on what, and how: TrainingSettings, the named recipes, the dataset choices."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from cnnlab import builder, config, data, models

SOURCES = ("embedded", "full")
SCHEDULES = models.SCHEDULES
MAX_STEPS_PER_EXECUTION = 100
PRESET_FIELDS = ("optimizer", "learning_rate", "batch_size", "dropout", "schedule", "optimizer_options")


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _optimizer_accepts(optimizer: str, options: tuple) -> bool:
    """True if every (name, value) pair names an argument of that Keras optimizer."""
    factories = {"adam": "Adam", "rmsprop": "RMSprop", "adadelta": "Adadelta", "sgd": "SGD"}
    if optimizer not in factories:
        return True  # reported by its own check
    accepted = inspect.signature(getattr(models.keras.optimizers, factories[optimizer])).parameters
    return all(isinstance(pair, tuple) and len(pair) == 2 and pair[0] in accepted for pair in options)


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that decides what a run trains, on what, and how.

    `preset` is a key of models.PRESETS or a models.Preset (a network made elsewhere in the app).
    `schedule` is "constant", "one_cycle" (warm up for `warmup_fraction` of the steps to the
    learning rate, then cosine decay to 0 at the last step) or "plateau" (halve the learning rate
    when validation accuracy stalls). `optimizer_options` are (name, value) pairs given to the Keras
    optimizer, e.g. (("beta_1", 0.7),). `steps_per_execution` batches run per call into TensorFlow;
    None picks about a quarter of a second of work per call, so the curves still move every second.
    """

    dataset: str = "mnist"
    source: str = "embedded"
    preset: str | models.Preset = "fast_cnn"
    epochs: int = 3
    batch_size: int = 128
    optimizer: str = "adam"
    learning_rate: float = 0.01
    optimizer_options: tuple = (("beta_1", 0.7), ("beta_2", 0.9))
    schedule: str = "one_cycle"
    warmup_fraction: float = 0.2
    dropout: float = 0.0
    augmentation: bool = False
    validation_split: float = 0.1
    seed: int = 1
    steps_per_execution: int | None = None
    max_train_examples: int | None = None
    architecture: tuple = ()  # builder.Block rows of a network built by hand; empty: the preset

    def __post_init__(self):
        for passed, message in self._checks():
            if not passed:
                raise ValueError(message)

    def _checks(self) -> list[tuple[bool, str]]:
        known_preset = isinstance(self.preset, models.Preset) or self.preset in models.PRESETS
        return [
            (self.dataset in config.DATASET_NAMES, f"The dataset must be one of {', '.join(config.DATASET_NAMES)}."),
            (self.source in SOURCES, "The source must be 'embedded' or 'full'."),
            (known_preset, f"The preset must be one of {', '.join(models.PRESETS)}, or a models.Preset."),
            (_whole(self.epochs, 1, 200), "The number of epochs must be a whole number from 1 to 200."),
            (_whole(self.batch_size, 1, 4096), "The batch size must be a whole number from 1 to 4096."),
            (self.optimizer in models.OPTIMIZERS, f"The optimizer must be one of {', '.join(models.OPTIMIZERS)}."),
            (
                _optimizer_accepts(self.optimizer, self.optimizer_options),
                f"The optimizer options {self.optimizer_options!r} are not arguments of {self.optimizer}.",
            ),
            (0 < self.learning_rate <= 10, "The learning rate must be above 0 and at most 10."),
            (self.schedule in SCHEDULES, f"The schedule must be one of {', '.join(SCHEDULES)}."),
            (0 <= self.warmup_fraction < 1, "The warm-up share must be at least 0 and below 1."),
            (0 <= self.dropout < 1, "Dropout must be at least 0 and below 1."),
            (0 < self.validation_split <= 0.5, "The validation split must be above 0 and at most 0.5."),
            (_whole(self.seed, 0, 2**31 - 1), "The seed must be a whole number from 0 to 2,147,483,647."),
            (
                self.steps_per_execution is None or _whole(self.steps_per_execution, 1, MAX_STEPS_PER_EXECUTION),
                f"Steps per execution must be None or a whole number from 1 to {MAX_STEPS_PER_EXECUTION}.",
            ),
            (
                self.max_train_examples is None or _whole(self.max_train_examples, 1, 10**7),
                "The limit on training examples must be None or a positive whole number.",
            ),
            (
                isinstance(self.architecture, tuple) and all(isinstance(b, builder.Block) for b in self.architecture),
                "A built architecture must be a tuple of builder.Block.",
            ),
        ]

    @property
    def network(self) -> models.Preset:
        """The Preset this run builds."""
        return self.preset if isinstance(self.preset, models.Preset) else models.PRESETS[self.preset]


def default_settings(**changes) -> TrainingSettings:
    """The Train page's starting settings: the fast CNN, 3 epochs of the small built-in MNIST set in batches of 128.

    (Batches of 128 rather than the recipe's 256: on 9,000 images, more and smaller steps reach
    98.7 % in 3 epochs, where batches of 256 need 5 for 98.6 %.)

    Args:
        changes: fields to override, e.g. epochs=1. Unless optimizer_options is among them, the
            preset's optimizer options apply while its own optimizer is chosen, and none otherwise.

    Returns:
        A TrainingSettings.
    """
    defaults = TrainingSettings()
    fields = {name: getattr(defaults, name) for name in defaults.__dataclass_fields__ if name != "optimizer_options"}
    return settings_from_controls(**(fields | changes))


def preset_settings(key: str) -> dict:
    """The training settings a preset's source uses, as TrainingSettings fields.

    Args:
        key: a key of models.PRESETS.

    Returns:
        {"optimizer", "learning_rate", "batch_size", "dropout", "schedule", "optimizer_options"}: values.
    """
    preset = models.PRESETS[key]
    return {name: getattr(preset, name) for name in PRESET_FIELDS}


def settings_from_controls(**fields) -> TrainingSettings:
    """Settings from the Train page's controls: the preset's optimizer options apply while its optimizer is chosen.

    Args:
        fields: TrainingSettings fields; optimizer_options, if given, is kept as it is.

    Returns:
        A TrainingSettings.
    """
    if "optimizer_options" not in fields:
        network = TrainingSettings(**(fields | {"optimizer_options": ()})).network
        chosen = fields.get("optimizer", TrainingSettings.optimizer)
        fields = fields | {"optimizer_options": network.optimizer_options if chosen == network.optimizer else ()}
    return TrainingSettings(**fields)


def control_values(settings: TrainingSettings, choices: dict[str, tuple[str, str]], fields: tuple) -> dict:
    """What the Train page's controls show for some settings.

    Args:
        settings: the settings to show.
        choices: dataset_choices(): {label: (dataset, source)}.
        fields: the TrainingSettings fields that have a control.

    Returns:
        {field: value} for those fields, plus "images": the label of the settings' dataset and
        source (the first label if they are not offered); a network made elsewhere shows as the
        default preset.
    """
    values = {name: getattr(settings, name) for name in fields}
    if not isinstance(settings.preset, str):
        values["preset"] = TrainingSettings.preset
    labels = {pair: label for label, pair in reversed(choices.items())}
    return values | {"images": labels.get((settings.dataset, settings.source), next(iter(choices)))}


# Named recipes for `python -m cnnlab.training --recipe NAME`: a preset's own settings, plus changes.
RECIPES = {
    "fast": {"preset": "fast_cnn", "epochs": 2},
    "fast_longer": {"preset": "fast_cnn", "epochs": 3},
} | {key: {"preset": key, "epochs": preset.epochs} for key, preset in models.PRESETS.items()}


def recipe_settings(name: str, **changes) -> TrainingSettings:
    """The settings of a named recipe.

    Args:
        name: a key of RECIPES ("fast", "fast_longer", or a preset key).
        changes: fields to override, e.g. dataset="mnist", source="full", epochs=3.

    Returns:
        A TrainingSettings.
    """
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of {', '.join(RECIPES)}.")
    recipe = RECIPES[name]
    fields = preset_settings(recipe["preset"]) | recipe | changes
    return TrainingSettings(**fields)


def missing_full_sets(available: Callable[[str], bool] | None = None) -> list[str]:
    """The datasets whose full 60,000-image set is not on this machine, e.g. ["fashion_mnist"].

    Args:
        available: says whether a full dataset is on disk (data.full_available by default).

    Returns:
        Dataset names in config.DATASET_NAMES order.
    """
    available = available or data.full_available
    return [name for name in config.DATASET_NAMES if not available(name)]


def dataset_choices(available: Callable[[str], bool] | None = None) -> dict[str, tuple[str, str]]:
    """The datasets a run can use on this machine, by the name a student reads.

    Args:
        available: says whether a full dataset is on disk (data.full_available by default).

    Returns:
        {label: (dataset, source)}, embedded MNIST first; full sets only when present.
    """
    available = available or data.full_available
    choices = {"MNIST, small built-in set (10,000 training images)": ("mnist", "embedded")}
    if available("mnist"):
        choices["MNIST, full set (60,000 training images)"] = ("mnist", "full")
    if available("fashion_mnist"):
        choices["Fashion-MNIST, full set (60,000 training images)"] = ("fashion_mnist", "full")
    choices["Fashion-MNIST, small built-in set (10,000 training images)"] = ("fashion_mnist", "embedded")
    return choices
