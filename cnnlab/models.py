"""The architectures of the source documents as presets, and the models shipped with the app.

Every layer is named, so pages look layers up by name (`conv_1`, `relu_1`, `pool_1`, ...),
never by index. Convolutions are kept separate from their ReLU so that a student can see a
feature map before and after the activation.

A network from elsewhere in the app trains like a preset: make a `Preset` with its own blocks
and pass it as `TrainingSettings.preset`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import keras
from keras import layers

from cnnlab import config

OPTIMIZERS = ("adam", "rmsprop", "adadelta", "sgd")
SCHEDULES = ("constant", "one_cycle", "plateau")


@dataclass(frozen=True)
class Preset:
    """One architecture with the training settings its source document gives it."""

    key: str
    title: str
    source: str
    description: str
    blocks: tuple
    optimizer: str = "adam"
    learning_rate: float = 0.001
    batch_size: int = 128
    epochs: int = 10
    dropout: float = 0.0
    schedule: str = "constant"
    optimizer_options: tuple = ()
    extra: dict = field(default_factory=dict)


# A block is ("conv", filters, kernel_size, padding) (a convolution, then its ReLU),
# ("conv_alone", filters, kernel_size, padding) and ("relu",) (a convolution whose ReLU comes
# later, e.g. after the pooling), ("pool",), ("flatten",) or ("dense", units, activation).
# The softmax output is added last.
GUIDE_BLOCKS = (("conv", 32, 3, "valid"), ("pool",), ("conv", 64, 3, "valid"), ("pool",), ("flatten",))
GUIDE_BLOCKS += (("dense", 128, "relu"),)

FAST_BLOCKS = (("conv_alone", 24, 5, "valid"), ("pool",), ("relu",), ("conv_alone", 32, 3, "valid"), ("pool",))
FAST_BLOCKS += (("relu",), ("flatten",), ("dense", 256, "relu"))

PRESETS = {
    "fast_cnn": Preset(
        key="fast_cnn",
        title="Fast CNN",
        source="this app's fast recipe, after the train_mnist_fast project",
        description=(
            "Built for speed: 24 filters of 5×5, then 32 of 3×3, each followed by max-pooling before the ReLU, "
            "so the ReLU and the next layer work on a quarter of the pixels; then Dense 256. Its learning rate "
            "warms up, then glides down to 0 exactly when training ends: big steps while the weights are far "
            "off, small ones to settle."
        ),
        blocks=FAST_BLOCKS,
        learning_rate=0.01,
        batch_size=256,
        epochs=5,
        schedule="one_cycle",
        optimizer_options=(("beta_1", 0.7), ("beta_2", 0.9)),
    ),
    "guide_cnn": Preset(
        key="guide_cnn",
        title="Guide CNN",
        source="seed 000, the CNN guide",
        description="Two 3×3 conv + max-pool stages, then Dense 128 (the CNN guide, Adam).",
        blocks=GUIDE_BLOCKS,
    ),
    "keras_example": Preset(
        key="keras_example",
        title="Keras example CNN",
        source="seed 003, the Keras example",
        description="Two conv + max-pool stages, Dropout 0.5, then the output (the Keras example, Adam, batch 128).",
        blocks=GUIDE_BLOCKS[:-1],
        dropout=0.5,
        epochs=15,
    ),
    "fashion_notebook": Preset(
        key="fashion_notebook",
        title="Fashion notebook CNN",
        source="seed 004, the Fashion-MNIST notebook",
        description="The guide CNN with Dropout 0.3 before the output (the Fashion-MNIST notebook, Adam, batch 64).",
        blocks=GUIDE_BLOCKS,
        dropout=0.3,
        batch_size=64,
    ),
    "textbook_cnn": Preset(
        key="textbook_cnn",
        title="Textbook CNN",
        source="seed 001, the textbook chapter",
        description="Conv 32, Conv 64, one max-pool, Dense 128 (the textbook chapter, Adadelta lr 0.1).",
        blocks=(("conv", 32, 3, "valid"), ("conv", 64, 3, "valid"), ("pool",), ("flatten",), ("dense", 128, "relu")),
        optimizer="adadelta",
        learning_rate=0.1,
    ),
    "kaggle_deep": Preset(
        key="kaggle_deep",
        title="Deep CNN (Kaggle)",
        source="seed 002, the Medium article",
        description="Two 5×5 and two 3×3 'same' convs, one max-pool, Dense 256 (RMSprop, ReduceLROnPlateau).",
        blocks=(
            ("conv", 32, 5, "same"),
            ("conv", 32, 5, "same"),
            ("conv", 64, 3, "same"),
            ("conv", 64, 3, "same"),
            ("pool",),
            ("flatten",),
            ("dense", 256, "relu"),
        ),
        optimizer="rmsprop",
        batch_size=64,
        epochs=30,
        schedule="plateau",
    ),
    "mlp_baseline": Preset(
        key="mlp_baseline",
        title="Fully connected baseline",
        source="seed 001, the textbook chapter",
        description="No convolution: 784 → 1024 → 1024 → 10 with tanh (the textbook's dense network, SGD).",
        blocks=(("flatten",), ("dense", 1024, "tanh"), ("dense", 1024, "tanh")),
        optimizer="sgd",
        learning_rate=0.05,
    ),
}


def make_optimizer(name: str, learning_rate, options: dict | None = None) -> keras.optimizers.Optimizer:
    """Create a Keras optimizer by name.

    Args:
        name: one of "adam", "rmsprop", "adadelta", "sgd".
        learning_rate: the step size, a positive float, or a Keras learning-rate schedule.
        options: more arguments of the Keras optimizer, e.g. {"beta_1": 0.7} for Adam.

    Returns:
        A fresh Keras optimizer.
    """
    if isinstance(learning_rate, int | float) and learning_rate <= 0:
        raise ValueError("The learning rate must be a positive number.")
    factories = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "adadelta": keras.optimizers.Adadelta,
        "sgd": lambda learning_rate: keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
    }
    if name not in factories:
        raise ValueError(f"Unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}.")
    return factories[name](learning_rate=learning_rate, **(options or {}))


def _add_block(x, block, counters):
    """Add one block's layers to x, numbering each name prefix (conv, relu, pool, dense) from 1."""

    def name(prefix: str) -> str:
        counters[prefix] = counters.get(prefix, 0) + 1
        return f"{prefix}_{counters[prefix]}"

    kind = block[0]
    if kind in ("conv", "conv_alone"):
        _, filters, kernel_size, padding = block
        x = layers.Conv2D(filters, kernel_size, padding=padding, name=name("conv"))(x)
        return layers.Activation("relu", name=name("relu"))(x) if kind == "conv" else x
    if kind == "relu":
        return layers.Activation("relu", name=name("relu"))(x)
    if kind == "pool":
        return layers.MaxPooling2D(pool_size=2, name=name("pool"))(x)
    if kind == "flatten":
        return layers.Flatten(name="flatten")(x)
    if kind == "dense":
        _, units, activation = block
        return layers.Dense(units, activation=activation, name=name("dense"))(x)
    raise ValueError(f"Unknown block kind {kind!r}.")


def build_model(
    preset: str | Preset = "guide_cnn",
    num_classes: int = config.NUM_CLASSES,
    optimizer: str | None = None,
    learning_rate: float | None = None,
    dropout: float | None = None,
) -> keras.Model:
    """Build and compile the model a preset describes.

    Args:
        preset: a key of PRESETS or a Preset.
        num_classes: size of the softmax output.
        optimizer: overrides the preset's optimizer name.
        learning_rate: overrides the preset's learning rate.
        dropout: overrides the preset's dropout rate before the output (0 for none).

    Returns:
        A compiled keras.Model from float32 (N, 28, 28, 1) in [0, 1] to (N, num_classes)
        probabilities, with sparse categorical cross-entropy and accuracy.
    """
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ValueError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
        preset = PRESETS[preset]
    rate = preset.dropout if dropout is None else dropout
    if not 0 <= rate < 1:
        raise ValueError("Dropout must be at least 0 and below 1.")
    inputs = keras.Input(shape=config.IMAGE_SHAPE, name="input")
    x, counters = inputs, {}
    for block in preset.blocks:
        x = _add_block(x, block, counters)
    if rate > 0:
        x = layers.Dropout(rate, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="output")(x)
    model = keras.Model(inputs, outputs, name=preset.key)
    options = dict(preset.optimizer_options) if (optimizer or preset.optimizer) == preset.optimizer else {}
    chosen = make_optimizer(optimizer or preset.optimizer, learning_rate or preset.learning_rate, options)
    return compile_model(model, chosen)


def compile_model(model: keras.Model, optimizer: keras.optimizers.Optimizer, steps_per_execution: int = 1):
    """Compile a classifier with sparse categorical cross-entropy and accuracy.

    Args:
        model: maps float32 (N, 28, 28, 1) images to (N, C) probabilities.
        optimizer: a fresh Keras optimizer.
        steps_per_execution: batches per call into TensorFlow; more saves Python overhead per batch.

    Returns:
        The same model, compiled.
    """
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def multiply_adds(model: keras.Model) -> int:
    """How many multiply-adds a model's convolution and dense layers do for one image (forward pass).

    Args:
        model: a built keras.Model.

    Returns:
        A whole number, e.g. about 1.24 million for the fast CNN.
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            kernel_height, kernel_width, channels_in, filters = layer.kernel.shape
            _, height, width, _ = layer.output.shape
            total += height * width * kernel_height * kernel_width * channels_in * filters
        elif isinstance(layer, layers.Dense):
            total += layer.kernel.shape[0] * layer.kernel.shape[1]
    return int(total)


class ModelUnavailable(RuntimeError):
    """Raised when a shipped model file is missing or cannot be read."""


def pretrained_path(dataset: str):
    """The path of a shipped model file: "mnist", "fashion_mnist" or "mnist_mlp"."""
    if dataset not in config.PRETRAINED:
        raise ValueError(f"No shipped model {dataset!r}; choose one of {', '.join(config.PRETRAINED)}.")
    return config.MODELS_DIR / config.PRETRAINED[dataset][0]


def load_pretrained(dataset: str = "mnist") -> keras.Model:
    """Load a model shipped in assets/, in Keras safe mode (no code from the file runs).

    Args:
        dataset: "mnist", "fashion_mnist" or "mnist_mlp".

    Returns:
        A keras.Model from float32 (N, 28, 28, 1) in [0, 1] to (N, 10) probabilities.

    Raises:
        ModelUnavailable: the file is missing or corrupt; the message names it.
    """
    path = pretrained_path(dataset)
    if not path.is_file():
        raise ModelUnavailable(f"The shipped model file {path.name} is missing from assets/models.")
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged archive
        raise ModelUnavailable(
            f"The shipped model file {path.name} cannot be read ({type(error).__name__})."
        ) from error


def load_model_card(dataset: str = "mnist") -> dict:
    """Read the model card (JSON) saved beside a shipped model.

    Args:
        dataset: "mnist", "fashion_mnist" or "mnist_mlp".

    Returns:
        A dict with the training settings, data checksums and test accuracy.
    """
    card = pretrained_path(dataset).with_suffix(".json")
    return json.loads(card.read_text())


def count_parameters(model: keras.Model) -> int:
    """The number of weights and biases in a model."""
    return int(model.count_params())


def summary_rows(model: keras.Model) -> list[dict]:
    """The model summary as rows: layer name, type, output shape, parameters."""
    return [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": str(tuple(layer.output.shape)),
            "parameters": int(layer.count_params()),
        }
        for layer in model.layers
    ]
