"""The whole-network page: every layer for one input; each number's arithmetic adds up to what the network stored."""

import json
import re
from decimal import Decimal

import keras
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import config, data, models, reading
from cnnlab.figures import overview
from tests.apptest_helpers import shown_functions

PAGE = "pages/overview.py"
TIMEOUT = 180
NUMBER = r"−?[\d,]+\.\d+"


@pytest.fixture(scope="module")
def digit():
    _, (images, _) = data.load_embedded("mnist")
    return images[0].astype(np.float32) / 255.0


@pytest.fixture(scope="module")
def shipped(digit):
    return reading.read(models.load_pretrained("mnist"), digit, config.CLASS_NAMES["mnist"])


def open_page(image=None, **state) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if image is not None:
        app.session_state["input_image"] = image
        app.session_state["input_steps"] = None
        app.session_state["input_label"] = "test image #0"
    for key, value in state.items():
        app.session_state[key] = value
    app.switch_page(PAGE)
    return app.run()


def value_of(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace(",", ""))


def markdown(app) -> list[str]:
    return [element.value for element in app.markdown]


def test_without_an_input_the_page_asks_for_a_drawing():
    app = open_page()
    assert not app.exception
    assert "Draw a digit to start." in markdown(app)


def test_the_overview_shows_every_layer_with_the_models_numbers(digit, shipped):
    app = open_page(digit)
    assert not app.exception
    charts = app.get("plotly_chart")
    assert len(charts) == 1
    figure = json.loads(charts[0].proto.spec)
    labels = [annotation["text"] for annotation in figure["layout"]["annotations"]]
    for info in shipped.layers:
        assert f"<b>{info.name}</b>" in labels
    name, probability = shipped.prediction
    assert f"says **{name}** ({probability:.1%} sure)" in "\n".join(markdown(app))


def _equation_sums(lines):
    """Every "a + b + ... = total" on the page: the written parts and total, as Decimals."""
    sums = []
    for line in lines:
        for match in re.finditer(rf"((?:\(?{NUMBER}\)? \+ )+\(?{NUMBER}\)?) = \**({NUMBER})", line):
            parts = [value_of(part.strip("()")) for part in match.group(1).split(" + ")]
            sums.append((parts, value_of(match.group(2))))
    return sums


@pytest.mark.parametrize("position", [(5, 6, 24), (0, 0, 0), (10, 10, 63)])
def test_a_conv_2_cell_adds_up_on_screen_to_the_stored_value(digit, shipped, position):
    app = open_page(digit, overview_cell=("mnist", "conv_2", position))
    assert not app.exception
    lines = markdown(app)
    sums = _equation_sums(lines)
    assert len(sums) >= 2
    for parts, total in sums:
        assert sum(parts) == total
    final = next(line for line in lines if line.startswith("Σ of the 288 products"))
    total, bias, value = (value_of(text) for text in re.findall(rf"\(?({NUMBER})\)?", final))
    assert total + bias == value
    assert float(value) == pytest.approx(float(shipped.outputs["conv_2"][position]), abs=5e-5)
    assert [element.value for element in app.subheader][0].startswith(
        f"conv_2, row {position[0]}, column {position[1]}"
    )
    assert shown_functions(app) == ["cell_arithmetic"]


@pytest.mark.parametrize(
    "layer, position, pattern",
    [
        ("relu_1", (5, 5, 1), rf"relu\(({NUMBER})\) = \*\*({NUMBER})\*\*"),
        ("pool_1", (6, 7, 3), rf"max\(([^)]*)\) = \*\*({NUMBER})\*\*"),
        ("flatten", (77,), rf"passed on as it is: \*\*({NUMBER})\*\*"),
    ],
)
def test_relu_pool_and_flatten_show_the_stored_number(digit, shipped, layer, position, pattern):
    app = open_page(digit, overview_cell=("mnist", layer, position))
    assert not app.exception
    match = next(re.search(pattern, line) for line in markdown(app) if re.search(pattern, line))
    stored = float(shipped.outputs[layer][position])
    assert float(value_of(match.groups()[-1])) == pytest.approx(stored, abs=5e-5)
    if layer == "pool_1":
        window = [value_of(text) for text in match.group(1).split(", ")]
        assert max(window) == value_of(match.group(2))
    if layer == "relu_1":
        assert max(value_of(match.group(1)), 0) == value_of(match.group(2))


def test_a_dense_unit_adds_up_to_its_score_and_activation(digit, shipped):
    app = open_page(digit, overview_cell=("mnist", "dense_1", (5,)))
    assert not app.exception
    table = next(line for line in markdown(app) if line.startswith("| input number"))
    column = [value_of(row.split("|")[-2].strip().strip("*")) for row in table.splitlines()[2:]]
    assert sum(column[:-1]) == column[-1]
    explained = shipped.explain("dense_1", (5,))
    assert float(column[-1]) == pytest.approx(explained.before, abs=5e-5)
    assert f"relu({column[-1]:,})".replace("-", "−") in "\n".join(markdown(app))


def test_an_output_unit_shows_softmax_exponentials_that_add_up(digit, shipped):
    app = open_page(digit, overview_cell=("mnist", "output", (3,)))
    assert not app.exception
    table = next(line for line in markdown(app) if line.startswith("| class"))
    rows = [row.split("|")[1:-1] for row in table.splitlines()[2:]]
    exponentials = [value_of(row[2].strip().strip("*")) for row in rows]
    assert sum(exponentials[:-1]) == exponentials[-1]
    probabilities = [float(value_of(row[3].strip().strip("*"))) for row in rows[:-1]]
    np.testing.assert_allclose(probabilities, shipped.probabilities, atol=1e-6)


def test_back_returns_to_the_overview(digit):
    app = open_page(digit, overview_cell=("mnist", "conv_2", (5, 6, 24)))
    app.button(key="overview_back").click().run()
    assert not app.exception
    assert "overview_cell" not in app.session_state
    assert len(app.get("plotly_chart")) == 1


def test_comparing_with_the_fully_connected_model_draws_both(digit):
    app = open_page(digit)
    app.selectbox(key="overview_compare").set_value("mnist_mlp").run()
    assert not app.exception
    assert len(app.get("plotly_chart")) == 2
    assert any("fully connected" in line for line in markdown(app))


@pytest.mark.parametrize("preset", ["kaggle_deep", "mlp_baseline", "keras_example"])
def test_a_session_trained_model_of_every_shape_is_drawn(digit, preset):
    keras.utils.set_random_seed(0)
    app = open_page(digit, trained_model=models.build_model(preset), model_choice="trained")
    assert not app.exception
    assert len(app.get("plotly_chart")) == 1


def test_picked_cell_reads_the_click(shipped):
    column = [info.name for info in shipped.layers].index("conv_2")
    assert overview.picked_cell(shipped, [{"customdata": [column, 3, 4, 9, 0.5]}]) == ("conv_2", (3, 4, 9))
    dense = [info.name for info in shipped.layers].index("dense_1")
    assert overview.picked_cell(shipped, [{"customdata": [dense, 17, 0, -1, 0.1]}]) == ("dense_1", (17,))
    typed_row = {"0": column, "1": 3, "2": 4, "3": 9, "4": 0.5}
    assert overview.picked_cell(shipped, [{"customdata": typed_row}]) == ("conv_2", (3, 4, 9))
    assert overview.picked_cell(shipped, [{"x": 1}]) is None
