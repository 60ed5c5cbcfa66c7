"""Which pixels mattered: saliency and Grad-CAM from the gradient of a class score.

The class score is the output layer's value before softmax, when the output layer is a
softmax Dense layer: a confident softmax saturates to exactly 1.0 in float32, and the
gradient of a probability of 1.0 is zero, which would leave the heat maps blank.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from cnnlab import config
from cnnlab.extractor import IMAGE_SPEC, as_image, extractor_of, get_layer
from cnnlab.geometry import spatial_layers


def _make_gradient_fn(model: keras.Model, layer_name: str):
    """A tf.function (images, class index or -1) -> (layer output, d class score / d layer output)."""
    head = model.get_layer("output") if "output" in [layer.name for layer in model.layers] else None
    use_logits = head is not None and hasattr(head, "kernel") and head.activation is keras.activations.softmax
    feature_outputs = [] if layer_name == "input" else [get_layer(model, layer_name).output]
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


def class_gradient(extractor, image, layer_name: str, class_index: int | None) -> tuple[np.ndarray, np.ndarray]:
    """A layer's output and the gradient of a class score with respect to it.

    Args:
        extractor: a FeatureExtractor or a keras.Model; its compiled gradient is kept on the extractor.
        image: float32 array (28, 28) or (28, 28, 1) in [0, 1].
        layer_name: a layer name, or "input" for the image itself.
        class_index: the class whose score to follow; None for the predicted class.

    Returns:
        Two float32 arrays of that layer's output shape without the batch axis.
    """
    extractor = extractor_of(extractor)
    classes = extractor.model.outputs[0].shape[-1]
    if class_index is not None and not 0 <= class_index < classes:
        raise ValueError(f"The class index must be between 0 and {classes - 1}.")
    key = f"gradient:{layer_name}"
    if key not in extractor.compiled:
        extractor.compiled[key] = _make_gradient_fn(extractor.model, layer_name)
    index = tf.constant(-1 if class_index is None else class_index, tf.int32)
    feature, gradient = extractor.compiled[key](as_image(image)[None], index)
    return feature.numpy()[0], gradient.numpy()[0]


def _normalise(values: np.ndarray) -> np.ndarray:
    """Divide by the maximum so values lie in [0, 1]; all zeros stay zeros."""
    peak = float(values.max())
    return (values / peak if peak > 0 else np.zeros_like(values)).astype(np.float32)


def saliency(extractor, image, class_index: int | None = None) -> np.ndarray:
    """How strongly each pixel sways a class: |d score / d pixel|, scaled to [0, 1].

    Args:
        extractor: a FeatureExtractor or a keras.Model.
        image: float32 array (28, 28) or (28, 28, 1) in [0, 1].
        class_index: the class to explain; None for the predicted class.

    Returns:
        float32 array (28, 28), values in [0, 1]. The score is the class's value before softmax.
    """
    _, gradient = class_gradient(extractor, image, "input", class_index)
    return _normalise(np.abs(gradient[:, :, 0]))


def grad_cam(extractor, image, layer_name: str | None = None, class_index: int | None = None) -> np.ndarray:
    """Grad-CAM: where in the image a spatial layer saw evidence for a class, scaled to [0, 1].

    Args:
        extractor: a FeatureExtractor or a keras.Model.
        image: float32 array (28, 28) or (28, 28, 1) in [0, 1].
        layer_name: a spatial layer; by default the last one that is not a pooling layer.
        class_index: the class to explain; None for the predicted class.

    Returns:
        float32 array (28, 28), values in [0, 1] (bilinear upsampling of the layer's map).
    """
    extractor = extractor_of(extractor)
    spatial = spatial_layers(extractor.model)
    if not spatial:
        raise ValueError(f"The model {extractor.model.name!r} has no convolution layers, so Grad-CAM has no maps.")
    if layer_name is None:
        unpooled = [name for name in spatial if not hasattr(extractor.model.get_layer(name), "pool_size")]
        layer_name = (unpooled or spatial)[-1]
    if layer_name not in spatial:
        raise ValueError(f"Grad-CAM needs a spatial layer; choose one of {', '.join(spatial)}.")
    feature, gradient = class_gradient(extractor, image, layer_name, class_index)
    cam = np.maximum((feature * gradient.mean(axis=(0, 1))).sum(axis=-1), 0.0)
    resized = tf.image.resize(cam[None, :, :, None], config.IMAGE_SHAPE[:2], method="bilinear")
    return _normalise(resized.numpy()[0, :, :, 0])
