"""A compiled feature-map extractor: every layer's output for one image, in milliseconds.

Layers are looked up by name (`conv_1`, `relu_1`, `pool_1`, ...). Feature maps come from one
multi-output model compiled once with `tf.function`; `model.predict` is never used here, because
its fixed cost per call (tens of milliseconds) would make every canvas stroke lag.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from cnnlab import config

IMAGE_SPEC = tf.TensorSpec((None, config.IMAGE_SIZE, config.IMAGE_SIZE, 1), tf.float32)
# Images per call for a batch. The memory a call's layers need stays with the process after it ends
# (the allocator keeps it for the next one): 1,000 images through the shipped CNN left about 230 MB
# behind, 128 leave about 45 MB, at the same speed (bench/bench_memory.py).
CHUNK_SIZE = 128
_CACHE_ATTRIBUTE = "_cnnlab_feature_extractor"


def _to_float(array: np.ndarray) -> np.ndarray:
    """Numbers as float32 (uint8 scaled from 0..255 to [0, 1]); ValueError for NaN or infinity."""
    if array.dtype.kind not in "biuf":
        raise ValueError(f"An image must hold numbers, not values of type {array.dtype}.")
    scaled = array.astype(np.float32) / 255.0 if array.dtype == np.uint8 else array.astype(np.float32)
    if not np.isfinite(scaled).all():
        raise ValueError("An image must not contain NaN or infinite values.")
    return scaled


def as_image(image) -> np.ndarray:
    """One image, (28, 28) or (28, 28, 1), as float32 (28, 28, 1); ValueError for anything else."""
    array = np.asarray(image)
    if array.shape not in (config.IMAGE_SHAPE[:2], config.IMAGE_SHAPE):
        raise ValueError(f"An image must have shape (28, 28) or (28, 28, 1), not {array.shape}.")
    return _to_float(array).reshape(config.IMAGE_SHAPE)


def _as_batch(images) -> tuple[np.ndarray, bool]:
    """One image or a batch (N, 28, 28) / (N, 28, 28, 1) as float32 (N, 28, 28, 1), and whether it was one."""
    array = np.asarray(images)
    if array.shape in (config.IMAGE_SHAPE[:2], config.IMAGE_SHAPE):
        return as_image(array)[None], True
    if array.ndim not in (3, 4) or array.shape[1:3] != config.IMAGE_SHAPE[:2] or array.shape[3:] not in ((), (1,)):
        raise ValueError(f"Images must have shape (N, 28, 28) or (N, 28, 28, 1), not {array.shape}.")
    return _to_float(array).reshape((-1, *config.IMAGE_SHAPE)), False


def model_layers(model: keras.Model) -> list:
    """The model's layers in order, without the input layer."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def get_layer(model: keras.Model, layer_name: str):
    """A layer by name; ValueError naming the layers there are if it is missing."""
    names = [layer.name for layer in model_layers(model)]
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
        compiled: further tf.functions on this model built on demand (e.g. gradients), by name.
    """

    def __init__(self, model: keras.Model):
        if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != config.IMAGE_SHAPE:
            raise ValueError("The model must take one input of shape (28, 28, 1).")
        self.model = model
        layers = model_layers(model)
        self.layer_names = [layer.name for layer in layers]
        every_output = keras.Model(model.inputs[0], [layer.output for layer in layers])
        self._maps_fn = _compile(lambda images: tf.nest.flatten(every_output(images, training=False)))
        self._probabilities_fn = _compile(lambda images: model(images, training=False))
        self.compiled = {}
        # Their one trace, called directly: that skips tf.function's search for a matching trace on
        # every call, about a quarter of a call for one image (0.4 of 1.5 ms per stroke and model).
        self._maps_trace = self._maps_fn.get_concrete_function()
        self._probabilities_trace = self._probabilities_fn.get_concrete_function()
        blank = tf.zeros((1, *config.IMAGE_SHAPE))  # a first run, so a student's first stroke is not the slow one
        self._maps_trace(blank)
        self._probabilities_trace(blank)

    def maps(self, image) -> dict[str, np.ndarray]:
        """The output of every layer for one image.

        Args:
            image: float32 array (28, 28) or (28, 28, 1), values in [0, 1] (uint8 is scaled).

        Returns:
            A dict from layer name to float32 array, in layer order: first "input", the image as
            (28, 28, 1); then spatial layers as (H, W, C), flat layers as (units,), and the
            output layer's probabilities as (10,).
        """
        picture = as_image(image)
        outputs = self._maps_trace(tf.constant(picture[None]))
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
            return self._probabilities_trace(tf.constant(batch)).numpy()[0]
        chunks = [
            self._probabilities_trace(tf.constant(batch[start : start + CHUNK_SIZE])).numpy()
            for start in range(0, len(batch), CHUNK_SIZE)
        ]
        if not chunks:
            return np.zeros((0, self.model.outputs[0].shape[-1]), np.float32)
        return np.concatenate(chunks)


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


def extractor_of(extractor_or_model) -> FeatureExtractor:
    """An extractor as it is, or a keras.Model's extractor (built once, see make_extractor)."""
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
