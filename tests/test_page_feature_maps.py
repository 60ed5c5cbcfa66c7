"""The Feature maps page shows the shapes, the real numbers of one cell, and copes without an input or convolutions."""

import re
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import activations, data, models

PAGE = "pages/feature_maps.py"
TIMEOUT = 180
EQUATION = re.compile(r"products = (-?\d+\.\d+); \+ bias \(?(-?\d+\.\d+)\)? = (-?\d+\.\d+)")


@pytest.fixture(scope="module")
def digit():
    """A real MNIST test digit as float32 (28, 28) in [0, 1], and its label."""
    _, (images, labels) = data.load_embedded("mnist")
    return images[0].astype(np.float32) / 255.0, int(labels[0])


@pytest.fixture(scope="module")
def shipped_model():
    try:
        return models.load_pretrained("mnist")
    except models.ModelUnavailable as error:
        pytest.skip(str(error))


def open_page(image=None, **state) -> AppTest:
    """The app on the Feature maps page, with an input set as shared.set_input sets it."""
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if image is not None:
        app.session_state["input_image"] = image
        app.session_state["input_steps"] = None
        app.session_state["input_label"] = "test image #0"
    for key, value in state.items():
        app.session_state[key] = value
    app.switch_page(PAGE)
    return app.run()


def texts(app: AppTest) -> str:
    return "\n".join(element.value for element in [*app.markdown, *app.subheader, *app.info])


def test_no_input_sends_the_student_to_draw_and_offers_a_sample():
    app = open_page()
    assert not app.exception
    assert "Draw a digit" in app.info[0].value
    app.button(key="sample_digit").click().run()
    assert not app.exception
    assert app.session_state["input_image"].shape == (28, 28)
    assert app.session_state["input_label"].startswith("test image #")
    assert "conv_1 — (26, 26, 32)" in texts(app)


def test_shapes_are_printed_as_the_seeds_print_them(digit, shipped_model):
    app = open_page(digit[0])
    assert not app.exception
    page_text = texts(app)
    for shape in ("(28, 28, 1)", "(26, 26, 32)", "(13, 13, 32)", "(11, 11, 64)", "(5, 5, 64)"):
        assert shape in page_text
    assert "(28, 28, 1) → (26, 26, 32) → (13, 13, 32) → (11, 11, 64) → (5, 5, 64)" in page_text
    assert f"The model says **{digit[1]}**" in page_text
    assert "dense_1 — (128,)" in page_text and "output — (10,)" in page_text


@pytest.mark.parametrize("layer, header", [("pool_1", "pool_1 — (13, 13, 32)"), ("pool_2", "pool_2 — (5, 5, 64)")])
def test_choosing_a_layer_shows_its_header_and_range(digit, shipped_model, layer, header):
    app = open_page(digit[0])
    app.radio(key="map_layer").set_value(layer).run()
    assert not app.exception
    assert header in [element.value for element in app.subheader]
    maps = activations.feature_maps(shipped_model, digit[0])[layer]
    assert f"from {maps.min():.2f} to {maps.max():.2f}" in texts(app)


@pytest.mark.parametrize("layer, channel, row, col", [("conv_1", 7, 9, 14), ("conv_2", 5, 4, 6)])
def test_cell_arithmetic_shows_the_feature_map_value(digit, shipped_model, layer, channel, row, col):
    app = open_page(digit[0])
    app.selectbox(key="cell_layer").set_value(layer).run()
    app.slider(key="cell_channel").set_value(channel)
    app.slider(key="cell_row").set_value(row)
    app.slider(key="cell_col").set_value(col)
    app.run()
    assert not app.exception
    maps = activations.feature_maps(shipped_model, digit[0])
    metrics = {metric.label: float(metric.value) for metric in app.metric}
    shown = metrics[f"Value in {layer} (row {row}, column {col}, map {channel})"]
    assert shown == pytest.approx(float(maps[layer][row, col, channel]), abs=1e-4)
    relu = f"relu_{layer[-1]}"
    assert metrics["After ReLU"] == pytest.approx(float(maps[relu][row, col, channel]), abs=1e-4)
    equation = next(element.value for element in app.markdown if "Σ of" in element.value)
    total, bias, value = (float(number) for number in EQUATION.search(equation).groups())
    assert total + bias == pytest.approx(value, abs=2e-3)
    assert value == pytest.approx(float(maps[layer][row, col, channel]), abs=1e-3)


def test_mlp_has_no_feature_maps_but_shows_its_dense_layers(digit):
    mlp = models.build_model("mlp_baseline")
    app = open_page(digit[0], trained_model=mlp, model_choice="trained")
    assert not app.exception
    assert any("no feature maps" in element.value for element in app.info)
    headers = [element.value for element in app.subheader]
    assert headers == ["dense_1 — (1024,)", "dense_2 — (1024,)", "output — (10,)"]
    assert not app.tabs


def test_shipped_mlp_has_no_feature_maps(digit):
    if not models.pretrained_path("mnist_mlp").is_file():
        pytest.skip("The shipped fully connected model is not in assets/models yet.")
    app = open_page(digit[0])
    app.selectbox(key="model_choice_widget").set_value("mnist_mlp").run()
    assert not app.exception
    assert any("no feature maps" in element.value for element in app.info)


def test_grad_cam_and_deep_kernels_render(digit, shipped_model):
    app = open_page(digit[0])
    app.radio(key="heat_method").set_value("Grad-CAM").run()
    app.radio(key="kernel_layer").set_value("conv_2").run()
    app.slider(key="kernel_filter").set_value(63).run()
    assert not app.exception
    assert "conv_2 — 64 filters, each 3×3×32" in [element.value for element in app.subheader]
    assert any("evidence" in element.value for element in app.markdown)
    app.radio(key="kernel_layer").set_value("conv_1").run()
    assert not app.exception


def test_page_renders_within_a_loose_time_limit(digit, shipped_model):
    app = open_page(digit[0])
    started = time.perf_counter()
    app.run()
    assert not app.exception
    assert time.perf_counter() - started < 10.0
