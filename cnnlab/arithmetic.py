"""How one number of any layer was made: the arithmetic a student can check on screen.

One function per kind of layer, each reading the outputs the network computed (a dict such as
FeatureExtractor.maps returns) and the layer's weights: a convolution multiplies a patch of every
input channel by its kernel and adds the bias; ReLU keeps max(0, x); max pooling keeps the largest
number of its window and average pooling their mean; batch normalisation shifts and scales each
map by four numbers it learned; a dense unit adds input × weight over all inputs and its bias;
softmax divides each exponential by their sum. cnnlab.rounding writes these sums so that they add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnnlab.extractor import get_layer
from cnnlab.geometry import activation_name, check_cell, layer_weights, previous_layer, window


@dataclass(frozen=True, eq=False)
class CellArithmetic:
    """The multiply-and-add that made one number of a convolution's output.

    Attributes:
        input_layer: the name of the map the convolution read ("input" for the image).
        patch: float32 (kh, kw, in_channels), that map under the kernel (zeros where 'same' pads).
        kernel: float32 (kh, kw, in_channels), the filter's weights.
        products: float32 (kh, kw, in_channels), patch * kernel.
        total: the sum of the products.
        bias: the filter's bias.
        value: total + bias, the number in the feature map.
        activation: that number after the following activation layer, or None if none follows.
    """

    input_layer: str
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    value: float
    activation: float | None

    @property
    def channel_sums(self) -> np.ndarray:
        """float64 (in_channels,): the sum of the products of each input channel."""
        return self.products.sum(axis=(0, 1), dtype=np.float64)


def _patch(source: np.ndarray, layer, row: int, col: int) -> np.ndarray:
    """The (kh, kw, in_channels) part of a (H, W, in_channels) map a convolution reads for one cell."""
    (rows, row_stride, top), (cols, col_stride, left) = window(layer, 0), window(layer, 1)
    padded = np.pad(source, ((top, rows), (left, cols), (0, 0)))
    top_row, left_col = row * row_stride, col * col_stride
    row_step, col_step = layer.dilation_rate
    return padded[top_row : top_row + rows : row_step, left_col : left_col + cols : col_step]


def _source(model: keras.Model, maps: dict, layer_name: str) -> tuple[str, np.ndarray]:
    """The name and output of the layer feeding layer_name, from maps."""
    input_layer = previous_layer(model, layer_name)
    if input_layer not in maps:
        raise ValueError(f"The maps hold no {input_layer!r}; pass the dict FeatureExtractor.maps returns.")
    return input_layer, np.asarray(maps[input_layer], np.float32)


def cell_arithmetic(
    model: keras.Model, maps: dict, layer_name: str, row: int, col: int, channel: int
) -> CellArithmetic:
    """Show how one number of a convolution's output was computed.

    Args:
        model: a keras.Model whose layers form a chain.
        maps: the dict from FeatureExtractor.maps for the image (it holds "input").
        layer_name: a Conv2D layer, e.g. "conv_2".
        row, col, channel: the cell and filter in that layer's output.

    Returns:
        A CellArithmetic; its value equals maps[layer_name][row, col, channel].
    """
    layer = get_layer(model, layer_name)
    if not isinstance(layer, keras.layers.Conv2D):
        raise ValueError(f"The layer {layer_name!r} is a {type(layer).__name__}, not a convolution.")
    kernel, bias = layer_weights(model, layer_name)
    check_cell(layer, row, col)
    if not 0 <= channel < kernel.shape[-1]:
        raise ValueError(f"The layer {layer_name!r} has {kernel.shape[-1]} filters; channel {channel} is not one.")
    input_layer, source = _source(model, maps, layer_name)
    names = [other.name for other in model.layers]
    following = model.layers[names.index(layer_name) + 1] if names.index(layer_name) + 1 < len(names) else None
    patch = _patch(source, layer, row, col)
    weights = kernel[..., channel]
    products = patch * weights
    total = float(products.sum(dtype=np.float64))
    activation = None
    if isinstance(following, keras.layers.Activation | keras.layers.ReLU) and following.name in maps:
        activation = float(maps[following.name][row, col, channel])
    value = total + float(bias[channel])
    return CellArithmetic(input_layer, patch, weights, products, total, float(bias[channel]), value, activation)


@dataclass(frozen=True, eq=False)
class PassArithmetic:
    """One number that a layer passes on from one number below it: ReLU, tanh, flatten, dropout.

    Attributes:
        input_layer: the layer read.
        source: the position read in input_layer's output, e.g. (row, col, channel) or (unit,).
        before: the number there.
        function: "relu", "tanh", "sigmoid" or "identity" (flatten and dropout when reading).
        value: the number the network stored.
    """

    input_layer: str
    source: tuple
    before: float
    function: str
    value: float


def pass_arithmetic(model: keras.Model, maps: dict, layer_name: str, position: tuple) -> PassArithmetic:
    """Show where one number of an activation, flatten or dropout layer came from.

    Args:
        model: a keras.Model whose layers form a chain.
        maps: the dict from FeatureExtractor.maps.
        layer_name: an Activation, ReLU, Flatten or Dropout layer.
        position: the index in that layer's output, (row, col, channel) or (unit,).

    Returns:
        A PassArithmetic; function(before) equals value.
    """
    layer = get_layer(model, layer_name)
    input_layer, source = _source(model, maps, layer_name)
    output = np.asarray(maps[layer_name])
    position = tuple(int(index) for index in position)
    if len(position) != output.ndim or not all(0 <= i < n for i, n in zip(position, output.shape, strict=True)):
        raise ValueError(f"{position} is not a position in the {output.shape} output of {layer_name!r}.")
    if isinstance(layer, keras.layers.Flatten):
        source_position, function = tuple(int(i) for i in np.unravel_index(position[0], source.shape)), "identity"
    elif isinstance(layer, keras.layers.Dropout):
        source_position, function = position, "identity"
    elif isinstance(layer, keras.layers.ReLU):
        source_position, function = position, "relu"
    elif isinstance(layer, keras.layers.Activation):
        source_position, function = position, activation_name(layer)
    else:
        raise ValueError(f"The layer {layer_name!r} ({type(layer).__name__}) does not pass numbers on one by one.")
    before, value = float(source[source_position]), float(output[position])
    return PassArithmetic(input_layer, source_position, before, function, value)


@dataclass(frozen=True, eq=False)
class PoolArithmetic:
    """The window a pooling cell reads and what it made of it.

    Attributes:
        input_layer: the layer read.
        box: (top, left, bottom, right) of the window in input_layer's cells, bottom and right exclusive.
        window: float32 (ph, pw), the numbers in the window for this channel.
        function: "max" (the largest number) or "average" (their mean).
        winner: (row, col) of the largest number, in input_layer's cells; None for average pooling.
        value: the number the network stored.
    """

    input_layer: str
    box: tuple
    window: np.ndarray
    function: str
    winner: tuple | None
    value: float


POOLINGS = {keras.layers.MaxPooling2D: "max", keras.layers.AveragePooling2D: "average"}


def pool_arithmetic(model: keras.Model, maps: dict, layer_name: str, row: int, col: int, channel: int):
    """Show which numbers a pooling cell read and what it kept: the largest (max) or their mean (average).

    Args:
        model: a keras.Model whose layers form a chain.
        maps: the dict from FeatureExtractor.maps.
        layer_name: a MaxPooling2D or AveragePooling2D layer, e.g. "pool_1".
        row, col, channel: the cell and channel in that layer's output.

    Returns:
        A PoolArithmetic; window.max() (max) or window.mean() (average) equals value. A window
        that 'same' padding pushes past the edge holds only the cells inside, as Keras averages them.
    """
    layer = get_layer(model, layer_name)
    function = POOLINGS.get(type(layer))
    if function is None:
        raise ValueError(f"The layer {layer_name!r} is a {type(layer).__name__}, not max or average pooling.")
    check_cell(layer, row, col)
    input_layer, source = _source(model, maps, layer_name)
    (rows, row_stride, top), (cols, col_stride, left) = window(layer, 0), window(layer, 1)
    first_row, first_col = row * row_stride - top, col * col_stride - left
    box = (max(first_row, 0), max(first_col, 0), min(first_row + rows, source.shape[0]))
    box += (min(first_col + cols, source.shape[1]),)
    numbers = source[box[0] : box[2], box[1] : box[3], channel]
    winner = None
    if function == "max":
        best = np.unravel_index(int(np.argmax(numbers)), numbers.shape)
        winner = (box[0] + int(best[0]), box[1] + int(best[1]))
    value = float(maps[layer_name][row, col, channel])
    return PoolArithmetic(input_layer, box, numbers, function, winner, value)


@dataclass(frozen=True, eq=False)
class NormArithmetic:
    """One number of a batch normalisation layer: (x − mean) / √(variance + ε) × scale + shift.

    The mean and variance are the averages the layer kept while it trained; scale and shift it
    learned. They are per map, so every number of one map goes through the same line.

    Attributes:
        input_layer: the layer read.
        source: (row, col, channel) read in input_layer's output (the same place).
        before: the number there.
        mean, variance, epsilon, scale, shift: the layer's numbers for this map.
        value: the number the network stored.
    """

    input_layer: str
    source: tuple
    before: float
    mean: float
    variance: float
    epsilon: float
    scale: float
    shift: float
    value: float

    @property
    def computed(self) -> float:
        """The formula worked out in float64; equals value up to float32 rounding."""
        return (self.before - self.mean) / np.sqrt(self.variance + self.epsilon) * self.scale + self.shift


def norm_arithmetic(model: keras.Model, maps: dict, layer_name: str, position: tuple) -> NormArithmetic:
    """Show how a batch normalisation layer made one number.

    Args:
        model: a keras.Model whose layers form a chain.
        maps: the dict from FeatureExtractor.maps.
        layer_name: a BatchNormalization layer over the last axis (channels).
        position: (row, col, channel), or (unit,) after a flat layer.

    Returns:
        A NormArithmetic; its `computed` equals `value`.
    """
    layer = get_layer(model, layer_name)
    if not isinstance(layer, keras.layers.BatchNormalization):
        raise ValueError(f"The layer {layer_name!r} is a {type(layer).__name__}, not batch normalisation.")
    input_layer, source = _source(model, maps, layer_name)
    position = tuple(int(index) for index in position)
    if len(position) != source.ndim or not all(0 <= i < n for i, n in zip(position, source.shape, strict=True)):
        raise ValueError(f"{position} is not a position in the {source.shape} output of {layer_name!r}.")
    channel = position[-1]

    def numbers(variable, default: float) -> float:
        return default if variable is None else float(keras.ops.convert_to_numpy(variable)[channel])

    return NormArithmetic(
        input_layer,
        position,
        float(source[position]),
        numbers(layer.moving_mean, 0.0),
        numbers(layer.moving_variance, 1.0),
        float(layer.epsilon),
        numbers(layer.gamma, 1.0),
        numbers(layer.beta, 0.0),
        float(maps[layer_name][position]),
    )


@dataclass(frozen=True, eq=False)
class DenseArithmetic:
    """The weighted sum that made one unit of a dense layer.

    Attributes:
        input_layer: the layer read.
        inputs: float32 (n,), the numbers read.
        weights: float32 (n,), this unit's weights.
        contributions: float64 (n,), inputs * weights.
        order: int (n,), the contributions from largest to smallest size.
        bias: this unit's bias.
        before: sum of the contributions + bias, the score before the activation.
        function: the activation ("relu", "tanh", "softmax", "linear").
        value: the number the network stored (for softmax: the probability).
    """

    input_layer: str
    inputs: np.ndarray
    weights: np.ndarray
    contributions: np.ndarray
    order: np.ndarray
    bias: float
    before: float
    function: str
    value: float


def dense_arithmetic(model: keras.Model, maps: dict, layer_name: str, unit: int) -> DenseArithmetic:
    """Show how one unit of a dense layer was computed.

    Args:
        model: a keras.Model whose layers form a chain.
        maps: the dict from FeatureExtractor.maps.
        layer_name: a Dense layer, e.g. "dense_1" or "output".
        unit: the unit in that layer's output.

    Returns:
        A DenseArithmetic; its activation of `before` equals maps[layer_name][unit].
    """
    kernel, bias = layer_weights(model, layer_name)
    if kernel.ndim != 2:
        raise ValueError(f"The layer {layer_name!r} is not a dense layer.")
    if not 0 <= unit < kernel.shape[1]:
        raise ValueError(f"The layer {layer_name!r} has {kernel.shape[1]} units; unit {unit} is not one.")
    input_layer, source = _source(model, maps, layer_name)
    inputs = source.reshape(-1)
    contributions = inputs.astype(np.float64) * kernel[:, unit]
    order = np.argsort(-np.abs(contributions), kind="stable")
    before = float(contributions.sum() + bias[unit])
    function = activation_name(get_layer(model, layer_name))
    value = float(maps[layer_name][unit])
    weights = kernel[:, unit]
    return DenseArithmetic(
        input_layer, inputs, weights, contributions, order, float(bias[unit]), before, function, value
    )


@dataclass(frozen=True, eq=False)
class SoftmaxArithmetic:
    """Softmax over the output scores: each exponential divided by their sum.

    The largest score is subtracted first; that changes no probability and keeps the numbers small.

    Attributes:
        scores: float64 (classes,), the output layer's scores before softmax.
        exponentials: float64 (classes,), exp(score − largest score).
        total: their sum.
        probabilities: float32 (classes,), what the network stored.
    """

    scores: np.ndarray
    exponentials: np.ndarray
    total: float
    probabilities: np.ndarray


def softmax_arithmetic(model: keras.Model, maps: dict, layer_name: str = "output") -> SoftmaxArithmetic:
    """Show how the output layer's scores became probabilities.

    Args:
        model: a keras.Model ending in a softmax Dense layer.
        maps: the dict from FeatureExtractor.maps.
        layer_name: the softmax Dense layer, "output" in every CNN Lab model.

    Returns:
        A SoftmaxArithmetic; exponentials / total equals the stored probabilities.
    """
    kernel, bias = layer_weights(model, layer_name)
    _, source = _source(model, maps, layer_name)
    scores = source.reshape(-1).astype(np.float64) @ kernel.astype(np.float64) + bias
    exponentials = np.exp(scores - scores.max())
    return SoftmaxArithmetic(scores, exponentials, float(exponentials.sum()), np.asarray(maps[layer_name], np.float32))
