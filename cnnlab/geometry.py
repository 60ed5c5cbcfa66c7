"""Layer geometry: what kind each layer is, its weights, and which cells of the layers below one cell reads.

A convolution or pooling window of span k, stride s and p zeros before maps output cells
[lo, hi) to input cells [lo·s − p, (hi − 1)·s − p + k), clipped to the layer's input;
activations, batch normalisation and dropout keep cells where they are. Walking that back to the input gives a
cell's receptive field.
"""

from __future__ import annotations

import keras
import numpy as np

from cnnlab.extractor import get_layer, model_layers

KIND_WORDS = {
    "conv": "convolution",
    "relu": "ReLU",
    "activation": "activation",
    "pool": "max pooling",
    "avgpool": "average pooling",
    "batchnorm": "batch normalisation",
    "flatten": "flatten",
    "dropout": "dropout (off when reading)",
    "dense": "dense",
    "softmax": "dense + softmax",
}


def layer_kind(layer) -> str:
    """What a layer does, as one word: one of the keys of KIND_WORDS (conv, pool, batchnorm, dense, ...).

    Args:
        layer: a keras layer.

    Returns:
        One of the keys of KIND_WORDS.
    """
    if isinstance(layer, keras.layers.Conv2D):
        return "conv"
    if isinstance(layer, keras.layers.MaxPooling2D):
        return "pool"
    if isinstance(layer, keras.layers.AveragePooling2D):
        return "avgpool"
    if isinstance(layer, keras.layers.BatchNormalization):
        return "batchnorm"
    if isinstance(layer, keras.layers.Flatten):
        return "flatten"
    if isinstance(layer, keras.layers.Dropout):
        return "dropout"
    if isinstance(layer, keras.layers.Dense):
        return "softmax" if layer.activation is keras.activations.softmax else "dense"
    if isinstance(layer, keras.layers.ReLU) or getattr(layer, "activation", None) is keras.activations.relu:
        return "relu"
    if isinstance(layer, keras.layers.Activation):
        return "activation"
    raise ValueError(f"The layer {layer.name!r} ({type(layer).__name__}) is not one CNN Lab can show.")


def activation_name(layer) -> str:
    """The name of a layer's activation function ("relu", "tanh", "softmax", "linear")."""
    return getattr(getattr(layer, "activation", None), "__name__", "linear")


def layer_weights(model: keras.Model, layer_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The weights of a convolution or dense layer.

    Args:
        model: a keras.Model.
        layer_name: the name of a Conv2D or Dense layer, e.g. "conv_1" or "dense_1".

    Returns:
        float32 kernel, (kh, kw, in_channels, filters) for a convolution or (inputs, units) for a
        dense layer, and float32 bias (filters,) or (units,) (zeros without a bias).
    """
    layer = get_layer(model, layer_name)
    if not isinstance(layer, keras.layers.Conv2D | keras.layers.Dense):
        raise ValueError(f"The layer {layer_name!r} is a {type(layer).__name__}; it has no weights to show.")
    kernel = np.asarray(layer.kernel.numpy(), np.float32)
    bias = np.asarray(layer.bias.numpy(), np.float32) if layer.use_bias else np.zeros(kernel.shape[-1], np.float32)
    return kernel, bias


def conv_kernels(model: keras.Model, layer_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The weights of a convolution layer.

    Args:
        model: a keras.Model.
        layer_name: the name of a Conv2D layer, e.g. "conv_1".

    Returns:
        float32 kernel (kh, kw, in_channels, filters) and bias (filters,) (zeros without a bias).
    """
    layer = get_layer(model, layer_name)
    if not isinstance(layer, keras.layers.Conv2D):
        raise ValueError(f"The layer {layer_name!r} is a {type(layer).__name__}, not a convolution.")
    return layer_weights(model, layer_name)


def spatial_layers(model: keras.Model) -> list[str]:
    """The names of the layers with (N, H, W, C) outputs (convolutions, activations, pools), in order."""
    return [layer.name for layer in model_layers(model) if len(layer.output.shape) == 4]


def conv_layers(model: keras.Model) -> list[str]:
    """The names of the Conv2D layers, in order."""
    return [layer.name for layer in model_layers(model) if isinstance(layer, keras.layers.Conv2D)]


def previous_layer(model: keras.Model, layer_name: str) -> str:
    """The name of the layer that feeds layer_name ("input" for the first layer)."""
    names = [layer.name for layer in model_layers(model)]
    get_layer(model, layer_name)
    position = names.index(layer_name)
    return "input" if position == 0 else names[position - 1]


def _pad_before(size_in: int, span: int, stride: int, padding: str) -> int:
    """The zeros a window layer adds before the first row (or column), as TensorFlow does."""
    if padding == "valid":
        return 0
    size_out = -(-size_in // stride)
    return max((size_out - 1) * stride + span - size_in, 0) // 2


def window(layer, axis: int) -> tuple[int, int, int]:
    """A layer's window span, stride and zeros before along one axis (0 rows, 1 columns).

    Args:
        layer: a spatial keras layer (convolution, pooling, or one that keeps cells in place).
        axis: 0 for rows, 1 for columns.

    Returns:
        (span, stride, zeros before) as ints; (1, 1, 0) for a layer that keeps cells in place.
    """
    if hasattr(layer, "kernel_size"):
        span = (layer.kernel_size[axis] - 1) * layer.dilation_rate[axis] + 1
    elif hasattr(layer, "pool_size"):
        span = layer.pool_size[axis]
    elif tuple(layer.input.shape[1:3]) == tuple(layer.output.shape[1:3]):
        return 1, 1, 0
    else:
        raise ValueError(f"Cannot follow the layer {layer.name!r} ({type(layer).__name__}) back to the input.")
    stride = layer.strides[axis]
    return span, stride, _pad_before(layer.input.shape[1 + axis], span, stride, layer.padding)


def _cells_read(layer, axis: int, low: int, high: int) -> tuple[int, int]:
    """The input cells [low', high') that a layer's output cells [low, high) read along one axis."""
    span, stride, pad = window(layer, axis)
    return max(low * stride - pad, 0), min((high - 1) * stride - pad + span, layer.input.shape[1 + axis])


def check_cell(layer, row: int, col: int) -> None:
    """ValueError unless (row, col) is a cell of the layer's (N, H, W, C) output."""
    if len(layer.output.shape) != 4:
        raise ValueError(f"The layer {layer.name!r} has no rows and columns; choose a convolution or pooling layer.")
    height, width = layer.output.shape[1:3]
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"The cell ({row}, {col}) is outside the {height}×{width} output of {layer.name!r}.")


def cells_read(model: keras.Model, layer_name: str, row: int, col: int, back_to: str = "input"):
    """The cells of an earlier layer that can influence one cell of a spatial layer.

    Args:
        model: a keras.Model whose layers form a chain.
        layer_name: a spatial layer, e.g. "pool_2".
        row, col: the cell in that layer's output.
        back_to: "input" for the receptive field in pixels, or the name of an earlier spatial layer.

    Returns:
        (top, left, bottom, right) in cells of back_to's output, bottom and right exclusive.
    """
    check_cell(get_layer(model, layer_name), row, col)
    names = [layer.name for layer in model_layers(model)]
    chain = model_layers(model)[: names.index(layer_name) + 1]
    if back_to != "input":
        get_layer(model, back_to)
        if names.index(back_to) >= names.index(layer_name):
            raise ValueError(f"The layer {back_to!r} does not come before {layer_name!r}.")
        chain = chain[names.index(back_to) + 1 :]
    bounds = [(row, row + 1), (col, col + 1)]
    for layer in reversed(chain):
        bounds = [_cells_read(layer, axis, *bounds[axis]) for axis in (0, 1)]
    return bounds[0][0], bounds[1][0], bounds[0][1], bounds[1][1]


def receptive_field(model: keras.Model, layer_name: str, row: int, col: int) -> tuple[int, int, int, int]:
    """The input pixels that can influence one cell of a spatial layer (see cells_read).

    Args:
        model: a keras.Model whose layers form a chain.
        layer_name: a spatial layer, e.g. "pool_2".
        row, col: the cell in that layer's output.

    Returns:
        (top, left, bottom, right) in input pixels, bottom and right exclusive.
    """
    return cells_read(model, layer_name, row, col)
