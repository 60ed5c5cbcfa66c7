"""How fast FeatureExtractor.maps is, and how fast the whole-network page renders, in one run.

Run from the project folder: `TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python -m bench.bench_feature_maps`.
The goals: maps() within 1.5x of a bare tf.function multi-output model that also converts its
outputs to NumPy (the calls are interleaved so background load hits every variant alike), and the
whole-network page rendered server-side within 1 s for the shipped CNN: its reading, its figure
turned into the JSON the browser gets, and a full script run of the page under AppTest.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnlab import activations, config, data, models, reading
from cnnlab.figures import overview

CALLS = 200
PREDICT_CALLS = 5
RATIO_GOAL = 1.5
PAGE_CALLS = 20
PAGE_RUNS = 5
PAGE_GOAL_SECONDS = 1.0
APP = Path(__file__).resolve().parents[1] / "app.py"


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


def overview_render(extractor, image) -> None:
    """What the whole-network page computes for one input: one reading, its figure, the JSON sent to the browser."""
    seen = reading.read(extractor, image, config.CLASS_NAMES["mnist"])
    figure = overview.overview_figure(seen, overview.shown_channels(seen, 6, strongest_first=True))
    figure.to_json(validate=False)


def page_runs(image) -> list[float]:
    """Seconds of full script runs of the whole-network page under AppTest, after one warm-up run."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state["input_image"] = image
    app.session_state["input_steps"] = None
    app.session_state["input_label"] = "a test digit"
    app.switch_page("pages/overview.py")
    app.run()
    durations = []
    for _ in range(PAGE_RUNS):
        start = time.perf_counter()
        app.run()
        durations.append(time.perf_counter() - start)
    if app.exception:
        raise RuntimeError(f"The page failed: {app.exception[0].value}")
    if len(app.get("plotly_chart")) != 1:
        raise RuntimeError("The page did not draw the whole network; the timing would not be of it.")
    return durations


def overview_main(model: keras.Model) -> None:
    _, (images, _) = data.load_embedded("mnist")
    image = images[0].astype(np.float32) / 255.0
    extractor = activations.make_extractor(model)
    overview_render(extractor, image)
    render = statistics.median(milliseconds(lambda: overview_render(extractor, image)) for _ in range(PAGE_CALLS))
    maps = statistics.median(milliseconds(lambda: extractor.maps(image)) for _ in range(PAGE_CALLS))
    runs = page_runs(image)
    page = statistics.median(runs)
    print(f"Whole-network page, load {os.getloadavg()[0]:.2f} (1-minute average):")
    print(f"  one forward pass (maps)                {maps:8.1f} ms")
    print(f"  reading + figure + JSON, median of {PAGE_CALLS} {render:8.1f} ms")
    print(f"  full page run under AppTest, median of {PAGE_RUNS} {page * 1000:8.1f} ms (max {max(runs) * 1000:.1f} ms)")
    share = page / PAGE_GOAL_SECONDS
    print(f"{'PASS' if share <= 1 else 'FAIL'}: the page renders in {share:.2f}x its 1 s budget.")


if __name__ == "__main__":
    main()
    overview_main(load_model()[0])
