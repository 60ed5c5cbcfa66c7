"""The Feature maps page shows the shapes, the real numbers of one cell, and copes without an input or convolutions."""

import json
import re
import time
from decimal import Decimal

import keras
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import activations, arithmetic, data, models
from cnnlab.figures import style
from tests.apptest_helpers import shown_functions

PAGE = "pages/feature_maps.py"
TIMEOUT = 180
NUMBER = r"−?[\d,]+\.\d+"
EQUATION = re.compile(rf"products = ({NUMBER}); \+ bias \(?({NUMBER})\)? = \**({NUMBER})")


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
    assert "conv_1 — 32 maps of 26 × 26" in texts(app)


def value_of(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace(",", ""))


def test_shapes_are_said_in_words_with_the_exact_shape_in_a_tooltip(digit, shipped_model):
    app = open_page(digit[0])
    assert not app.exception
    page_text = texts(app)
    flow = "the 28 × 28 picture → 32 maps of 26 × 26 → 32 maps of 13 × 13 → 64 maps of 11 × 11 → 64 maps of 5 × 5"
    assert flow in page_text
    assert "1,600 numbers → 128 numbers → 10 numbers" in page_text
    assert f"The model says **{digit[1]}**" in page_text
    assert "dense_1 — 128 numbers" in page_text and "output — 10 probabilities" in page_text
    assert not re.search(r"\(\d+,\)|\(None,|\(\d+, \d+, \d+\)", page_text)
    assert app.subheader[0].help == "Exact shape: (26, 26, 32)"


@pytest.mark.parametrize(
    "layer, header", [("pool_1", "pool_1 — 32 maps of 13 × 13"), ("pool_2", "pool_2 — 64 maps of 5 × 5")]
)
def test_choosing_a_layer_shows_its_header_and_a_colour_scale_symmetric_around_0(digit, shipped_model, layer, header):
    app = open_page(digit[0])
    app.radio(key="map_layer").set_value(layer).run()
    assert not app.exception
    assert header in [element.value for element in app.subheader]
    maps = activations.feature_maps(shipped_model, digit[0])[layer]
    limit = float(np.abs(maps).max())
    assert f"from −{limit:.2f} to +{limit:.2f} (white at 0)" in texts(app)
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["coloraxis"]["cmin"] == pytest.approx(-figure["layout"]["coloraxis"]["cmax"])
    assert figure["layout"]["coloraxis"]["colorscale"] == style.SIGNED_COLORSCALE


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
    total, bias, value = (value_of(number) for number in EQUATION.search(equation).groups())
    assert total + bias == value
    assert float(value) == pytest.approx(float(maps[layer][row, col, channel]), abs=5e-5)
    for line in (
        element.value for element in app.markdown if " added: " in element.value or "channel sums" in element.value
    ):
        parts, result = line.split(": ", 1)[1].rsplit(" = ", 1)
        assert sum(value_of(part.strip("()")) for part in parts.split(" + ")) == value_of(result)


def test_switching_layers_keeps_the_cell_where_it_still_fits(digit, shipped_model):
    app = open_page(digit[0])
    app.slider(key="cell_channel").set_value(7)
    app.slider(key="cell_row").set_value(3)
    app.slider(key="cell_col").set_value(9)
    app.run()
    app.selectbox(key="cell_layer").set_value("conv_2").run()
    assert [app.slider(key=key).value for key in ("cell_channel", "cell_row", "cell_col")] == [7, 3, 9]
    app.slider(key="cell_row").set_value(20).run()
    app.selectbox(key="cell_layer").set_value("conv_2").run()
    assert not app.exception


def test_a_5x5_kernel_is_called_5x5(digit):
    keras.utils.set_random_seed(0)
    app = open_page(digit[0], trained_model=models.build_model("kaggle_deep"), model_choice="trained")
    app.selectbox(key="cell_layer").set_value("conv_2").run()
    assert not app.exception
    assert "so there are 32 patches of 5×5 numbers." in texts(app)
    assert "The 32 channel sums (each of 25 products)" in texts(app)


def test_the_dense_tab_shows_the_last_ten_numbers(digit, shipped_model):
    app = open_page(digit[0])
    assert not app.exception
    assert "The last ten numbers: one score per class" in [element.value for element in app.subheader]
    maps = activations.feature_maps(shipped_model, digit[0])
    scores = arithmetic.softmax_arithmetic(shipped_model, maps).scores
    charts = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    shown = next(chart for chart in charts if chart["layout"]["title"]["text"] == "Scores before softmax")
    np.testing.assert_allclose(_bar_values(shown), scores, atol=1e-4)
    logits = keras.Model(shipped_model.inputs[0], shipped_model.get_layer("output").output)
    assert np.argmax(scores) == np.argmax(logits(digit[0][None, :, :, None]).numpy()[0])


def _bar_values(figure) -> np.ndarray:
    """The y values of a figure's first bar trace, whether plotly sent them as a list or a typed array."""
    values = figure["data"][0]["y"]
    if isinstance(values, dict):
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def test_mlp_has_no_feature_maps_but_shows_its_dense_layers(digit):
    mlp = models.build_model("mlp_baseline")
    app = open_page(digit[0], trained_model=mlp, model_choice="trained")
    assert not app.exception
    assert any("no feature maps" in element.value for element in app.info)
    headers = [element.value for element in app.subheader]
    assert headers == [
        "dense_1 — 1,024 numbers",
        "dense_2 — 1,024 numbers",
        "The last ten numbers: one score per class",
        "output — 10 probabilities",
    ]
    assert any("sorted from the largest down" in element.value for element in app.markdown)
    charts = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    sorted_bars = _bar_values(charts[0])
    assert len(sorted_bars) == 1024 and np.all(np.diff(sorted_bars) <= 0)
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
    assert app.slider(key="kernel_filter").value == 63
    assert any("evidence" in element.value for element in app.markdown)
    app.radio(key="kernel_layer").set_value("conv_1").run()
    assert not app.exception


def test_page_renders_within_a_loose_time_limit(digit, shipped_model):
    app = open_page(digit[0])
    started = time.perf_counter()
    app.run()
    assert not app.exception
    assert time.perf_counter() - started < 10.0


def test_show_the_code_prints_the_lines_that_compute(digit, shipped_model):
    app = open_page(digit[0])
    assert {"maps", "conv_kernels", "cell_arithmetic"} <= set(shown_functions(app))
