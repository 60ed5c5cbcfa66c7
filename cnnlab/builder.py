"""Build your own network: a stack of blocks, the shape and weights of every row, and the Keras model.

A network is a tuple of `Block`s (frozen, so a tuple of them is hashable and fits in
`TrainingSettings.architecture`). Spatial blocks (conv, activation, pooling, batch norm, dropout)
come first, then dense blocks (dense, activation, batch norm, dropout); a Flatten is put in where
the first dense block starts, and the softmax output is added last. Every Keras layer is named the
way the rest of the app expects: conv_1, relu_1, pool_1, ..., flatten, dense_1, ..., output.

The arithmetic is the one a student does by hand: an n × n input, an f × f filter, p zeros on
every side and a stride s give ⌊(n + 2p − f)/s⌋ + 1 rows; a convolution has (f·f·c_in + 1)·c_out
weights, a dense layer (n_in + 1)·n_out, a batch norm 4·c (two learned, two running averages).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from cnnlab import config, convmath, models

KINDS = ("conv", "activation", "pool", "batchnorm", "dropout", "dense")
KIND_NAMES = {
    "conv": "Convolution",
    "activation": "Activation",
    "pool": "Pooling",
    "batchnorm": "Batch norm",
    "dropout": "Dropout",
    "dense": "Dense",
}
KERNEL_SIZES = (3, 5, 7)
STRIDES = (1, 2)
FUNCTIONS = ("relu", "tanh", "sigmoid")
POOLINGS = ("max", "average", "none")
MAX_FILTERS = 128
MAX_UNITS = 2048
MAX_BLOCKS = 16
MAX_WEIGHTS = 5_000_000
MAX_SECONDS_PER_EPOCH = 300.0
# Multiply-adds per second that a training step (forward and backward, about 3× the forward work)
# reaches on 2 busy cores, and a fixed cost per image (reading, shuffling, the optimizer). Measured
# per training image: guide CNN 0.54 ms, textbook CNN 1.9 ms, deep CNN 6.1 ms, dense baseline
# 0.52 ms; these constants give 0.62, 1.7, 8.4 and 0.52 ms (long for all but the textbook CNN, 10 % short).
MACS_PER_SECOND = 25e9
SECONDS_PER_IMAGE = 3e-4


@dataclass(frozen=True)
class Block:
    """One row of the builder. Which fields count depends on `kind`.

    Attributes:
        kind: one of KINDS.
        size: filters of a conv (1-128) or units of a dense block (1-2048).
        kernel_size: 3, 5 or 7 (conv).
        padding: "same" or "valid" (conv).
        stride: 1 or 2 (conv).
        function: "relu", "tanh" or "sigmoid" (activation and dense).
        pooling: "max", "average" or "none" (pool, always 2×2 with stride 2).
        rate: the share of numbers dropout sets to zero while training, in [0, 0.9] (dropout).
    """

    kind: str
    size: int = 32
    kernel_size: int = 3
    padding: str = "valid"
    stride: int = 1
    function: str = "relu"
    pooling: str = "max"
    rate: float = 0.25


@dataclass(frozen=True)
class Row:
    """What one layer of a planned network does: its name, output shape, weights and work per image."""

    name: str
    kind: str
    text: str
    shape: tuple
    weights: int
    macs: int


@dataclass(frozen=True)
class Plan:
    """A whole planned network: its rows (flatten and output included) and what stops it, if anything.

    Attributes:
        rows: the layers in order; they stop at the row where the shape collapsed.
        problem: a sentence for the student, or None when the network can be built.
    """

    rows: tuple
    problem: str | None

    @property
    def weights(self) -> int:
        """The total number of weights and biases."""
        return sum(row.weights for row in self.rows)

    @property
    def macs(self) -> int:
        """Multiply-adds for one image going forward through the network."""
        return sum(row.macs for row in self.rows)


def shape_words(shape: tuple) -> str:
    """A shape as a student reads it: "26×26×32: 32 maps of 26×26" or "128 numbers"."""
    if len(shape) == 3:
        height, width, channels = shape
        maps = "1 map" if channels == 1 else f"{channels} maps"
        return f"{height}×{width}×{channels}: {maps} of {height}×{width}"
    return f"{shape[0]:,} numbers"


def _check_block(block: Block) -> None:
    """ValueError with a sentence when a block's own values are out of range."""
    checks = {
        "conv": [
            (1 <= block.size <= MAX_FILTERS, f"A convolution has from 1 to {MAX_FILTERS} filters."),
            (block.kernel_size in KERNEL_SIZES, "A convolution's filter is 3×3, 5×5 or 7×7."),
            (block.padding in convmath.PADDING_MODES, "A convolution's padding is 'same' or 'valid'."),
            (block.stride in STRIDES, "A convolution's stride is 1 or 2."),
        ],
        "activation": [(block.function in FUNCTIONS, f"An activation is one of {', '.join(FUNCTIONS)}.")],
        "pool": [(block.pooling in POOLINGS, "Pooling is 'max', 'average' or 'none'.")],
        "batchnorm": [],
        "dropout": [(0 <= block.rate <= 0.9, "A dropout rate is from 0 to 0.9.")],
        "dense": [
            (1 <= block.size <= MAX_UNITS, f"A dense layer has from 1 to {MAX_UNITS:,} units."),
            (block.function in FUNCTIONS, f"A dense layer's activation is one of {', '.join(FUNCTIONS)}."),
        ],
    }
    if block.kind not in checks:
        raise ValueError(f"Unknown kind of layer {block.kind!r}; choose one of {', '.join(KINDS)}.")
    for passed, message in checks[block.kind]:
        if not passed:
            raise ValueError(message)


def layer_names(blocks: tuple) -> list[str]:
    """The Keras name of each block: conv_1, relu_1, pool_1, avgpool_2, batchnorm_1, dropout_1, dense_1."""
    counters, names = {}, []
    for block in blocks:
        if block.kind == "pool" and block.pooling == "none":
            names.append("no pooling")
            continue
        counters[block.kind] = counters.get(block.kind, 0) + 1
        number = counters[block.kind]
        prefix = {"activation": block.function, "pool": "avgpool" if block.pooling == "average" else "pool"}
        names.append(f"{prefix.get(block.kind, block.kind)}_{number}")
    return names


def _spatial_row(name: str, block: Block, shape: tuple) -> Row | str:
    """The row of a block on an (H, W, C) input, or a sentence saying why its shape collapses."""
    side, _, channels = shape
    if block.kind == "conv":
        padding = convmath.padding_for(block.padding, block.kernel_size)
        if side + 2 * padding < block.kernel_size:
            return (
                f"{name}: a {block.kernel_size}×{block.kernel_size} filter does not fit in the {side}×{side} maps "
                f"it gets with '{block.padding}' padding, so its output would have no rows at all. Use 'same' "
                "padding, a smaller filter, or fewer layers that shrink the picture before it."
            )
        out = convmath.output_size(side, block.kernel_size, padding, block.stride)
        weights = convmath.conv_params(block.kernel_size, channels, block.size)
        text = f"{block.size} filters {block.kernel_size}×{block.kernel_size}, {block.padding}, stride {block.stride}"
        macs = out * out * block.kernel_size**2 * channels * block.size
        return Row(name, "conv", text, (out, out, block.size), weights, macs)
    if block.kind == "pool" and block.pooling != "none":
        if side < 2:
            return f"{name}: {block.pooling} pooling halves a {side}×{side} map to nothing. Remove this pooling."
        return Row(name, "pool", f"{block.pooling} pooling 2×2", (side // 2, side // 2, channels), 0, 0)
    return _shape_keeping_row(name, block, shape)


def _shape_keeping_row(name: str, block: Block, shape: tuple) -> Row:
    """The row of a block that keeps the shape: activation, batch norm, dropout or no pooling."""
    channels = shape[-1]
    texts = {
        "activation": block.function,
        "batchnorm": "batch norm: rescale each channel",
        "dropout": f"drop {block.rate:.0%} while training",
        "pool": "no pooling: shape unchanged",
    }
    weights = 4 * channels if block.kind == "batchnorm" else 0
    return Row(name, block.kind, texts[block.kind], shape, weights, 0)


def _dense_row(name: str, block: Block, inputs: int) -> Row:
    """The row of a dense block on a flat input of `inputs` numbers."""
    weights = convmath.dense_params(inputs, block.size)
    return Row(name, "dense", f"{block.size:,} units, {block.function}", (block.size,), weights, inputs * block.size)


def _flatten_row(shape: tuple) -> Row:
    """The Flatten the builder puts in where the maps become one row of numbers."""
    flat = shape[0] * shape[1] * shape[2]
    return Row("flatten", "flatten", "flatten: one long row of numbers", (flat,), 0, 0)


def _row_of(name: str, block: Block, shape: tuple) -> Row | str:
    """The row of any block on its input shape, or a sentence saying why it cannot be built."""
    try:
        _check_block(block)
    except ValueError as error:
        return f"{name}: {error}"
    if len(shape) == 3:
        return _spatial_row(name, block, shape)
    if block.kind in ("conv", "pool"):
        kind = KIND_NAMES[block.kind].lower()
        return (
            f"{name}: a {kind} needs a picture, but it comes after a dense layer. Move it above the first dense layer."
        )
    return _dense_row(name, block, shape[0]) if block.kind == "dense" else _shape_keeping_row(name, block, shape)


def plan(blocks: tuple, num_classes: int = config.NUM_CLASSES, images: int = 9_000) -> Plan:
    """Work out every layer's output shape and weights without building anything.

    Args:
        blocks: a tuple of Block, spatial blocks first, then dense ones.
        num_classes: the size of the softmax output.
        images: training images per epoch, for the cap on seconds per epoch.

    Returns:
        A Plan; its problem names the first row that cannot be built, or the size cap it breaks.
    """
    if len(blocks) > MAX_BLOCKS:
        return Plan((), f"A network here has at most {MAX_BLOCKS} layers; this one has {len(blocks)}.")
    rows, shape = [], tuple(config.IMAGE_SHAPE)
    for name, block in zip(layer_names(blocks), blocks, strict=True):
        if len(shape) == 3 and block.kind == "dense":
            rows.append(_flatten_row(shape))
            shape = rows[-1].shape
        row = _row_of(name, block, shape)
        if isinstance(row, str):
            return Plan(tuple(rows), row)
        rows.append(row)
        shape = row.shape
    if len(shape) == 3:
        rows.append(_flatten_row(shape))
        shape = rows[-1].shape
    weights = convmath.dense_params(shape[0], num_classes)
    macs = shape[0] * num_classes
    rows.append(Row("output", "output", f"{num_classes} classes, softmax", (num_classes,), weights, macs))
    return Plan(tuple(rows), _size_problem(tuple(rows), images))


def seconds_per_epoch(macs: int, images: int) -> float:
    """An estimate of one epoch's training time on the class server.

    Args:
        macs: multiply-adds for one image going forward (Plan.macs).
        images: the number of training images in an epoch.

    Returns:
        Seconds, from MACS_PER_SECOND (training is about 3× the forward work) and SECONDS_PER_IMAGE.
    """
    return images * (3 * macs / MACS_PER_SECOND + SECONDS_PER_IMAGE)


def _size_problem(rows: tuple, images: int) -> str | None:
    """A sentence when the network is too large to train in a class, else None."""
    weights, macs = sum(row.weights for row in rows), sum(row.macs for row in rows)
    if weights > MAX_WEIGHTS:
        return (
            f"This network has {weights:,} weights; a class server trains at most {MAX_WEIGHTS:,}. "
            "Use fewer units in the dense layers, or pool before them."
        )
    seconds = seconds_per_epoch(macs, images)
    if seconds > MAX_SECONDS_PER_EPOCH:
        return (
            f"One epoch on {images:,} images would take about {seconds:,.0f} s on this server (at most "
            f"{MAX_SECONDS_PER_EPOCH:.0f} s here). Use fewer filters, a stride of 2, or pool earlier."
        )
    return None


def check(blocks: tuple, num_classes: int = config.NUM_CLASSES, images: int = 9_000) -> Plan:
    """The plan of a network that can be trained here; ValueError with the plan's sentence otherwise.

    Args:
        blocks: a tuple of Block.
        num_classes: the size of the softmax output.
        images: training images per epoch, for the time cap.

    Returns:
        The Plan, whose problem is None.
    """
    planned = plan(blocks, num_classes, images)
    if planned.problem:
        raise ValueError(planned.problem)
    return planned


def _layer(block: Block, name: str):
    """The Keras layer of one block, named `name`; None for 'no pooling'."""
    if block.kind == "conv":
        return layers.Conv2D(block.size, block.kernel_size, block.stride, padding=block.padding, name=name)
    if block.kind == "activation":
        return layers.Activation(block.function, name=name)
    if block.kind == "pool":
        pooling = {"max": layers.MaxPooling2D, "average": layers.AveragePooling2D}.get(block.pooling)
        return pooling(pool_size=2, name=name) if pooling else None
    if block.kind == "batchnorm":
        return layers.BatchNormalization(name=name)
    if block.kind == "dropout":
        return layers.Dropout(block.rate, name=name)
    return layers.Dense(block.size, activation=block.function, name=name)


def build_model(
    blocks: tuple,
    num_classes: int = config.NUM_CLASSES,
    optimizer: str = "adam",
    learning_rate: float = 0.001,
    name: str = "your_network",
) -> keras.Model:
    """Build and compile the network a stack of blocks describes.

    Args:
        blocks: a tuple of Block that `check` accepts.
        num_classes: size of the softmax output.
        optimizer: an optimizer name of models.OPTIMIZERS.
        learning_rate: the step size, a positive float.
        name: the model's name.

    Returns:
        A compiled keras.Model from float32 (N, 28, 28, 1) in [0, 1] to (N, num_classes)
        probabilities, with sparse categorical cross-entropy and accuracy.

    Raises:
        ValueError: a sentence naming the row whose shape collapses, or the cap the network breaks.
    """
    check(blocks, num_classes)
    inputs = keras.Input(shape=config.IMAGE_SHAPE, name="input")
    x = inputs
    for block, layer_name in zip(blocks, layer_names(blocks), strict=True):
        if block.kind == "dense" and len(x.shape) == 4:
            x = layers.Flatten(name="flatten")(x)
        layer = _layer(block, layer_name)
        x = x if layer is None else layer(x)
    if len(x.shape) == 4:
        x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="output")(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=models.make_optimizer(optimizer, learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def summary(blocks: tuple) -> str:
    """A network in one line, e.g. "conv 32 3×3 → relu → max pool → dense 128 relu → output"."""
    words = {
        "conv": lambda block: (
            f"conv {block.size} {block.kernel_size}×{block.kernel_size}"
            + (f" {block.padding}" if block.padding == "same" else "")
            + (f" stride {block.stride}" if block.stride > 1 else "")
        ),
        "activation": lambda block: block.function,
        "pool": lambda block: f"{block.pooling} pool",
        "batchnorm": lambda block: "batch norm",
        "dropout": lambda block: f"dropout {block.rate:g}",
        "dense": lambda block: f"dense {block.size} {block.function}",
    }
    shown = [words[block.kind](block) for block in blocks if not (block.kind == "pool" and block.pooling == "none")]
    return " → ".join([*shown, "output"])


def from_preset(key: str) -> tuple:
    """A preset of models.PRESETS as builder blocks, to load into the builder and change.

    Args:
        key: a key of models.PRESETS.

    Returns:
        A tuple of Block: each conv followed by its ReLU, max pooling, the dense layers, and the
        preset's dropout before the output when it has one. It builds the same layers, weights and
        names as models.build_model(key), apart from the dropout layer's name.
    """
    if key not in models.PRESETS:
        raise ValueError(f"Unknown preset {key!r}; choose one of {', '.join(models.PRESETS)}.")

    def conv(spec):
        return Block("conv", size=spec[1], kernel_size=spec[2], padding=spec[3])

    translations = {
        "conv": lambda spec: [conv(spec), Block("activation")],
        "conv_alone": lambda spec: [conv(spec)],  # a convolution whose ReLU comes later, after pooling
        "relu": lambda spec: [Block("activation")],
        "pool": lambda spec: [Block("pool")],
        "flatten": lambda spec: [],  # the builder puts it in by itself
        "dense": lambda spec: [Block("dense", size=spec[1], function=spec[2])],
        "dropout": lambda spec: [Block("dropout", rate=spec[1])],
    }
    preset, blocks = models.PRESETS[key], []
    for spec in preset.blocks:
        if spec[0] not in translations:
            raise ValueError(f"The preset {key!r} has a block the builder cannot show: {spec[0]!r}.")
        blocks += translations[spec[0]](spec)
    if preset.dropout > 0:
        blocks.append(Block("dropout", rate=preset.dropout))
    return tuple(blocks)
