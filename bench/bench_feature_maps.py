"""How fast FeatureExtractor.maps is, against a bare compiled extractor and model.predict, in one run.

Run from the project folder: `TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python -m bench.bench_feature_maps`.
The goal is maps() within 1.5x of a bare tf.function multi-output model that also converts its
outputs to NumPy; the calls are interleaved so background load hits every variant alike.
"""

from __future__ import annotations

import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from cnnlab import activations, models

CALLS = 200
PREDICT_CALLS = 5
RATIO_GOAL = 1.5


def load_model() -> tuple[keras.Model, str]:
    """The shipped MNIST model if it is there, else the guide CNN with random weights."""
    try:
        return models.load_pretrained("mnist"), "shipped mnist_cnn.keras"
    except models.ModelUnavailable:
        keras.utils.set_random_seed(0)
        return models.build_model("guide_cnn"), "guide_cnn preset (random weights)"


def bare_extractor(model: keras.Model):
    """The reference: a compiled multi-output model of every layer, returning tensors."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    every_output = keras.Model(model.inputs[0], [layer.output for layer in layers])
    return tf.function(lambda images: every_output(images, training=False), jit_compile=False)


def milliseconds(function) -> float:
    """The wall time of one call, in ms."""
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    model, source = load_model()
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    tensor = tf.constant(image[None, :, :, None])
    extractor = activations.make_extractor(model)
    reference = bare_extractor(model)
    variants = {
        "(a) extractor.maps(image)": lambda: extractor.maps(image),
        "(b) bare tf.function, tensors": lambda: reference(tensor),
        "(b') bare tf.function + .numpy()": lambda: [output.numpy() for output in reference(tensor)],
        "(d) extractor.probabilities(image)": lambda: extractor.probabilities(image),
    }
    for function in variants.values():
        for _ in range(10):
            function()
    times = {name: [] for name in variants}
    for _ in range(CALLS):
        for name, function in variants.items():
            times[name].append(milliseconds(function))
    model.predict(tensor, verbose=0)
    predict = [milliseconds(lambda: model.predict(tensor, verbose=0)) for _ in range(PREDICT_CALLS)]

    print(f"Model: {source}; median of {CALLS} interleaved calls after warm-up ({PREDICT_CALLS} for predict).")
    medians = {name: statistics.median(values) for name, values in times.items()}
    medians["(c) model.predict(one image)"] = statistics.median(predict)
    for name, value in medians.items():
        print(f"  {name:<38} {value:8.3f} ms")
    ratio = medians["(a) extractor.maps(image)"] / medians["(b') bare tf.function + .numpy()"]
    print(f"Ratio (a) / (b'): {ratio:.2f} (goal <= {RATIO_GOAL})")
    print(f"{'PASS' if ratio <= RATIO_GOAL else 'FAIL'}: maps() is {ratio:.2f}x the bare compiled extractor.")


if __name__ == "__main__":
    main()
