"""Look inside a model: a compiled feature-map extractor, kernels, receptive fields, saliency.

Layers are looked up by name (`conv_1`, `relu_1`, `pool_1`, ...). Feature maps come from one
multi-output model compiled once with `tf.function`; `model.predict` is never used here, because
its fixed cost per call (tens of milliseconds) would make every canvas stroke lag.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from cnnlab import config

IMAGE_SPEC = tf.TensorSpec((None, config.IMAGE_SIZE, config.IMAGE_SIZE, 1), tf.float32)
CHUNK_SIZE = 1000
_CACHE_ATTRIBUTE = "_cnnlab_feature_extractor"


def _to_float(array: np.ndarray) -> np.ndarray:
    """Numbers as float32 (uint8 scaled from 0..255 to [0, 1]); ValueError for NaN or infinity."""
    if array.dtype.kind not in "biuf":
        raise ValueError(f"An image must hold numbers, not values of type {array.dtype}.")
    scaled = array.astype(np.float32) / 255.0 if array.dtype == np.uint8 else array.astype(np.float32)
    if not np.isfinite(scaled).all():
        raise ValueError("An image must not contain NaN or infinite values.")
    return scaled


def _as_image(image) -> np.ndarray:
    """One image, (28, 28) or (28, 28, 1), as float32 (28, 28, 1)."""
    array = np.asarray(image)
    if array.shape not in (config.IMAGE_SHAPE[:2], config.IMAGE_SHAPE):
        raise ValueError(f"An image must have shape (28, 28) or (28, 28, 1), not {array.shape}.")
    return _to_float(array).reshape(config.IMAGE_SHAPE)


def _as_batch(images) -> tuple[np.ndarray, bool]:
    """One image or a batch (N, 28, 28) / (N, 28, 28, 1) as float32 (N, 28, 28, 1), and whether it was one."""
    array = np.asarray(images)
    if array.shape in (config.IMAGE_SHAPE[:2], config.IMAGE_SHAPE):
        return _as_image(array)[None], True
    if array.ndim not in (3, 4) or array.shape[1:3] != config.IMAGE_SHAPE[:2] or array.shape[3:] not in ((), (1,)):
        raise ValueError(f"Images must have shape (N, 28, 28) or (N, 28, 28, 1), not {array.shape}.")
    return _to_float(array).reshape((-1, *config.IMAGE_SHAPE)), False


def _layers(model: keras.Model) -> list:
    """The model's layers in order, without the input layer."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _get_layer(model: keras.Model, layer_name: str):
    """A layer by name; ValueError naming the layers there are if it is missing."""
    names = [layer.name for layer in _layers(model)]
    if layer_name not in names:
        raise ValueError(f"The model has no layer named {layer_name!r}; its layers are {', '.join(names)}.")
    return model.get_layer(layer_name)


def _compile(function):
    """A tf.function of one float32 (N, 28, 28, 1) batch, traced once."""
    return tf.function(function, input_signature=[IMAGE_SPEC], jit_compile=False, reduce_retracing=True)


class FeatureExtractor:
    """One model's feature maps and probabilities, compiled once so a call costs milliseconds.

    Attributes:
        model: the keras.Model looked into, from float32 (N, 28, 28, 1) to (N, 10) probabilities.
        layer_names: the names of its layers in order, without the input layer.
    """

    def __init__(self, model: keras.Model):
        if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != config.IMAGE_SHAPE:
            raise ValueError("The model must take one input of shape (28, 28, 1).")
        self.model = model
        layers = _layers(model)
        self.layer_names = [layer.name for layer in layers]
        every_output = keras.Model(model.inputs[0], [layer.output for layer in layers])
        self._maps_fn = _compile(lambda images: tf.nest.flatten(every_output(images, training=False)))
        self._probabilities_fn = _compile(lambda images: model(images, training=False))
        self._gradient_fns = {}
        blank = tf.zeros((1, *config.IMAGE_SHAPE))
        self._maps_fn(blank)
        self._probabilities_fn(blank)

    def maps(self, image) -> dict[str, np.ndarray]:
        """The output of every layer for one image.

        Args:
            image: float32 array (28, 28) or (28, 28, 1), values in [0, 1] (uint8 is scaled).

        Returns:
            A dict from layer name to float32 array, in layer order: first "input", the image as
            (28, 28, 1); then spatial layers as (H, W, C), flat layers as (units,), and the
            output layer's probabilities as (10,).
        """
        picture = _as_image(image)
        outputs = self._maps_fn(picture[None])
        result = {"input": picture}
        for name, output in zip(self.layer_names, outputs, strict=True):
            result[name] = output.numpy()[0]
        return result

    def probabilities(self, images) -> np.ndarray:
        """The class probabilities of one image or a batch, in chunks of CHUNK_SIZE images.

        Args:
            images: float32 (28, 28) or (28, 28, 1) for one image, (N, 28, 28) or (N, 28, 28, 1)
                for a batch, values in [0, 1] (uint8 is scaled).

        Returns:
            float32 array (10,) for one image, (N, 10) for a batch.
        """
        batch, single = _as_batch(images)
        if single:
            return self._probabilities_fn(batch).numpy()[0]
        chunks = [
            self._probabilities_fn(batch[start : start + CHUNK_SIZE]).numpy()
            for start in range(0, len(batch), CHUNK_SIZE)
        ]
        if not chunks:
            return np.zeros((0, self.model.outputs[0].shape[-1]), np.float32)
        return np.concatenate(chunks)

    def class_gradient(self, image, layer_name: str, class_index: int | None) -> tuple[np.ndarray, np.ndarray]:
        """A layer's output and the gradient of a class score with respect to it.

        Args:
            image: float32 array (28, 28) or (28, 28, 1) in [0, 1].
            layer_name: a layer name, or "input" for the image itself.
            class_index: the class whose score to follow; None for the predicted class.

        Returns:
            Two float32 arrays of that layer's output shape without the batch axis.
        """
        classes = self.model.outputs[0].shape[-1]
        if class_index is not None and not 0 <= class_index < classes:
            raise ValueError(f"The class index must be between 0 and {classes - 1}.")
        if layer_name not in self._gradient_fns:
            self._gradient_fns[layer_name] = _make_gradient_fn(self.model, layer_name)
        index = tf.constant(-1 if class_index is None else class_index, tf.int32)
        feature, gradient = self._gradient_fns[layer_name](_as_image(image)[None], index)
        return feature.numpy()[0], gradient.numpy()[0]


def _make_gradient_fn(model: keras.Model, layer_name: str):
    """A tf.function (images, class index or -1) -> (layer output, d class score / d layer output).

    The class score is the output layer's value before softmax, when the output layer is a
    softmax Dense layer: a confident softmax saturates to exactly 1.0 in float32, and the
    gradient of a probability of 1.0 is zero, which would leave the heat maps blank.
    """
    head = model.get_layer("output") if "output" in [layer.name for layer in model.layers] else None
    use_logits = head is not None and hasattr(head, "kernel") and head.activation is keras.activations.softmax
    feature_outputs = [] if layer_name == "input" else [_get_layer(model, layer_name).output]
    sub_model = keras.Model(model.inputs[0], [*feature_outputs, head.input if use_logits else model.outputs[0]])

    def gradient(images, class_index):
        with tf.GradientTape() as tape:
            tape.watch(images)
            outputs = tf.nest.flatten(sub_model(images, training=False))
            feature = images if layer_name == "input" else outputs[0]
            scores = outputs[-1]
            if use_logits:
                scores = tf.matmul(scores, head.kernel) + (head.bias if head.use_bias else 0.0)
            predicted = tf.argmax(scores[0], output_type=tf.int32)
            score = tf.gather(scores[0], tf.where(class_index < 0, predicted, class_index))
        return feature, tape.gradient(score, feature)

    signature = [IMAGE_SPEC, tf.TensorSpec((), tf.int32)]
    return tf.function(gradient, input_signature=signature, jit_compile=False, reduce_retracing=True)


def make_extractor(model: keras.Model) -> FeatureExtractor:
    """The model's FeatureExtractor, built (and warmed up) the first time and kept on the model.

    Args:
        model: a keras.Model from float32 (N, 28, 28, 1) to (N, 10) probabilities.

    Returns:
        The same FeatureExtractor on every call for the same model.
    """
    extractor = getattr(model, _CACHE_ATTRIBUTE, None)
    if extractor is None:
        extractor = FeatureExtractor(model)
        setattr(model, _CACHE_ATTRIBUTE, extractor)
    return extractor


def _extractor_of(extractor_or_model) -> FeatureExtractor:
    """An extractor as it is, or a model's extractor."""
    if isinstance(extractor_or_model, FeatureExtractor):
        return extractor_or_model
    return make_extractor(extractor_or_model)


def feature_maps(model: keras.Model, image) -> dict[str, np.ndarray]:
    """The output of every layer for one image (see FeatureExtractor.maps); the extractor is reused.

    Args:
        model: a keras.Model from float32 (N, 28, 28, 1) to (N, 10) probabilities.
        image: float32 array (28, 28) or (28, 28, 1), values in [0, 1].

    Returns:
        A dict from "input" and each layer name to a float32 array, in layer order.
    """
    return make_extractor(model).maps(image)


def conv_kernels(model: keras.Model, layer_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The weights of a convolution layer.

    Args:
        model: a keras.Model.
        layer_name: the name of a Conv2D layer, e.g. "conv_1".

    Returns:
        float32 kernel (kh, kw, in_channels, filters) and bias (filters,) (zeros without a bias).
    """
    layer = _get_layer(model, layer_name)
    if not isinstance(layer, keras.layers.Conv2D):
        raise ValueError(f"The layer {layer_name!r} is a {type(layer).__name__}, not a convolution.")
    kernel = np.asarray(layer.kernel.numpy(), np.float32)
    bias = np.asarray(layer.bias.numpy(), np.float32) if layer.use_bias else np.zeros(kernel.shape[-1], np.float32)
    return kernel, bias


def spatial_layers(model: keras.Model) -> list[str]:
    """The names of the layers with (N, H, W, C) outputs (convolutions, activations, pools), in order."""
    return [layer.name for layer in _layers(model) if len(layer.output.shape) == 4]


def conv_layers(model: keras.Model) -> list[str]:
    """The names of the Conv2D layers, in order."""
    return [layer.name for layer in _layers(model) if isinstance(layer, keras.layers.Conv2D)]


def _pad_before(size_in: int, span: int, stride: int, padding: str) -> int:
    """The zeros a window layer adds before the first row (or column), as TensorFlow does."""
    if padding == "valid":
        return 0
    size_out = -(-size_in // stride)
    return max((size_out - 1) * stride + span - size_in, 0) // 2


def _window(layer, axis: int) -> tuple[int, int, int]:
    """A layer's window span, stride and zeros before along one axis (0 rows, 1 columns)."""
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
    span, stride, pad = _window(layer, axis)
    return max(low * stride - pad, 0), min((high - 1) * stride - pad + span, layer.input.shape[1 + axis])


def _check_cell(layer, row: int, col: int) -> None:
    """ValueError unless (row, col) is a cell of the layer's (N, H, W, C) output."""
    if len(layer.output.shape) != 4:
        raise ValueError(f"The layer {layer.name!r} has no rows and columns; choose a convolution or pooling layer.")
    height, width = layer.output.shape[1:3]
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"The cell ({row}, {col}) is outside the {height}×{width} output of {layer.name!r}.")


def receptive_field(model: keras.Model, layer_name: str, row: int, col: int) -> tuple[int, int, int, int]:
    """The input pixels that can influence one cell of a spatial layer.

    Walks the layers from that one back to the input: a convolution or pooling window of span k,
    stride s and p zeros before maps cells [lo, hi) to [lo·s − p, (hi − 1)·s − p + k), clipped to
    the layer's input; activations and dropout keep cells where they are.

    Args:
        model: a keras.Model whose layers form a chain.
        layer_name: a spatial layer, e.g. "pool_2".
        row, col: the cell in that layer's output.

    Returns:
        (top, left, bottom, right) in input pixels, bottom and right exclusive.
    """
    target = _get_layer(model, layer_name)
    _check_cell(target, row, col)
    chain = _layers(model)
    chain = chain[: [layer.name for layer in chain].index(layer_name) + 1]
    bounds = [(row, row + 1), (col, col + 1)]
    for layer in reversed(chain):
        bounds = [_cells_read(layer, axis, *bounds[axis]) for axis in (0, 1)]
    return bounds[0][0], bounds[1][0], bounds[0][1], bounds[1][1]


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


def _patch(source: np.ndarray, layer, row: int, col: int) -> np.ndarray:
    """The (kh, kw, in_channels) part of a (H, W, in_channels) map a convolution reads for one cell."""
    (rows, row_stride, top), (cols, col_stride, left) = _window(layer, 0), _window(layer, 1)
    padded = np.pad(source, ((top, rows), (left, cols), (0, 0)))
    top_row, left_col = row * row_stride, col * col_stride
    row_step, col_step = layer.dilation_rate
    return padded[top_row : top_row + rows : row_step, left_col : left_col + cols : col_step]


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
    kernel, bias = conv_kernels(model, layer_name)
    layer = model.get_layer(layer_name)
    _check_cell(layer, row, col)
    if not 0 <= channel < kernel.shape[-1]:
        raise ValueError(f"The layer {layer_name!r} has {kernel.shape[-1]} filters; channel {channel} is not one.")
    chain = _layers(model)
    position = [other.name for other in chain].index(layer_name)
    input_layer = "input" if position == 0 else chain[position - 1].name
    following = chain[position + 1] if position + 1 < len(chain) else None
    if input_layer not in maps:
        raise ValueError(f"The maps hold no {input_layer!r}; pass the dict FeatureExtractor.maps returns.")
    patch = _patch(np.asarray(maps[input_layer], np.float32), layer, row, col)
    weights = kernel[..., channel]
    products = patch * weights
    total = float(products.sum(dtype=np.float64))
    activation = None
    if isinstance(following, keras.layers.Activation | keras.layers.ReLU) and following.name in maps:
        activation = float(maps[following.name][row, col, channel])
    return CellArithmetic(
        input_layer, patch, weights, products, total, float(bias[channel]), total + float(bias[channel]), activation
    )


def _normalise(values: np.ndarray) -> np.ndarray:
    """Divide by the maximum so values lie in [0, 1]; all zeros stay zeros."""
    peak = float(values.max())
    return (values / peak if peak > 0 else np.zeros_like(values)).astype(np.float32)


def saliency(extractor_or_model, image, class_index: int | None = None) -> np.ndarray:
    """How strongly each pixel sways a class: |d score / d pixel|, scaled to [0, 1].

    Args:
        extractor_or_model: a FeatureExtractor or a keras.Model.
        image: float32 array (28, 28) or (28, 28, 1) in [0, 1].
        class_index: the class to explain; None for the predicted class.

    Returns:
        float32 array (28, 28), values in [0, 1]. The score is the class's value before softmax.
    """
    _, gradient = _extractor_of(extractor_or_model).class_gradient(image, "input", class_index)
    return _normalise(np.abs(gradient[:, :, 0]))


def grad_cam(model, image, layer_name: str | None = None, class_index: int | None = None) -> np.ndarray:
    """Grad-CAM: where in the image a spatial layer saw evidence for a class, scaled to [0, 1].

    Args:
        model: a keras.Model or a FeatureExtractor.
        image: float32 array (28, 28) or (28, 28, 1) in [0, 1].
        layer_name: a spatial layer; by default the last one that is not a pooling layer.
        class_index: the class to explain; None for the predicted class.

    Returns:
        float32 array (28, 28), values in [0, 1] (bilinear upsampling of the layer's map).
    """
    extractor = _extractor_of(model)
    spatial = spatial_layers(extractor.model)
    if not spatial:
        raise ValueError(f"The model {extractor.model.name!r} has no convolution layers, so Grad-CAM has no maps.")
    if layer_name is None:
        unpooled = [name for name in spatial if not hasattr(extractor.model.get_layer(name), "pool_size")]
        layer_name = (unpooled or spatial)[-1]
    if layer_name not in spatial:
        raise ValueError(f"Grad-CAM needs a spatial layer; choose one of {', '.join(spatial)}.")
    feature, gradient = extractor.class_gradient(image, layer_name, class_index)
    cam = np.maximum((feature * gradient.mean(axis=(0, 1))).sum(axis=-1), 0.0)
    resized = tf.image.resize(cam[None, :, :, None], config.IMAGE_SHAPE[:2], method="bilinear")
    return _normalise(resized.numpy()[0, :, :, 0])


def shift_images(images, shift: int) -> np.ndarray:
    """Move images sideways by whole pixels, filling the gap with zeros (nothing wraps around).

    Args:
        images: array (28, 28) or (N, 28, 28), any dtype.
        shift: pixels to move right; negative moves left.

    Returns:
        An array of the same shape and dtype.
    """
    images = np.asarray(images)
    if images.shape[-2:] != config.IMAGE_SHAPE[:2] or images.ndim not in (2, 3):
        raise ValueError(f"Images must have shape (28, 28) or (N, 28, 28), not {images.shape}.")
    shifted = np.zeros_like(images)
    width = images.shape[-1]
    if shift >= 0:
        shifted[..., shift:] = images[..., : max(width - shift, 0)]
    else:
        shifted[..., : max(width + shift, 0)] = images[..., -shift:]
    return shifted


def accuracy_vs_shift(extractor, images, labels, shifts) -> np.ndarray:
    """The accuracy when every image is moved sideways by each shift (zero fill; see shift_images).

    Args:
        extractor: a FeatureExtractor or a keras.Model.
        images: uint8 array (N, 28, 28).
        labels: integer array (N,).
        shifts: whole pixels, positive right, negative left, e.g. [-4, -2, 0, 2, 4].

    Returns:
        float32 array (len(shifts),) of accuracies in [0, 1].
    """
    extractor, labels = _extractor_of(extractor), np.asarray(labels)
    images = np.asarray(images)
    if images.ndim != 3 or len(images) == 0 or labels.shape != (len(images),):
        raise ValueError("Pass N > 0 images of shape (N, 28, 28) and N labels.")
    hits = [
        (extractor.probabilities(shift_images(images, int(shift))).argmax(axis=1) == labels).mean() for shift in shifts
    ]
    return np.asarray(hits, np.float32)


def top_prediction(probabilities, class_names) -> tuple[str, float]:
    """The most probable class and its probability.

    Args:
        probabilities: float array (10,).
        class_names: the ten class names, e.g. config.CLASS_NAMES["mnist"].

    Returns:
        (class name, probability as a float).
    """
    probabilities = np.asarray(probabilities)
    if probabilities.shape != (len(class_names),):
        raise ValueError(f"Expected {len(class_names)} probabilities, got shape {probabilities.shape}.")
    index = int(np.argmax(probabilities))
    return class_names[index], float(probabilities[index])
