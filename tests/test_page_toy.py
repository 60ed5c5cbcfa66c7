"""AppTest of the Toy 5×5 filters page: the seed's numbers on screen, stepping, edits, words and colours."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import toy
from cnnlab.figures import lessons, style

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "toy.py")
NAMES = {"diagonal": "\\ diagonal", "right_diagonal": "/ diagonal", "cross": "cross"}
# The probabilities printed in seed 001 for each image, rounded to 4 decimals.
SEED = {
    "cross": {"\\ diagonal": "0.2616", "/ diagonal": "0.2616", "cross": "0.4767"},
    "diagonal": {"\\ diagonal": "0.5938", "/ diagonal": "0.0804", "cross": "0.3259"},
    "right_diagonal": {"\\ diagonal": "0.0804", "/ diagonal": "0.5938", "cross": "0.3259"},
}


def shown_probabilities(at):
    """The probability metrics on screen, as {class name: text}."""
    return {metric.label: metric.value for metric in at.metric}


def expected_probabilities(image, filters=None):
    """What the page should print for an image, computed with cnnlab.toy."""
    result = toy.classify(image, filters)
    return {NAMES[name]: f"{p:.4f}" for name, p in zip(toy.CLASS_NAMES, result.probabilities, strict=True)}


def window_line(at):
    """The markdown line with the current window's sum."""
    lines = [block.value for block in at.markdown if block.value.startswith("#### Window")]
    assert len(lines) == 1
    return lines[0]


@pytest.fixture
def at():
    return AppTest.from_file(PAGE, default_timeout=30).run()


def test_page_opens_on_the_cross_with_the_seed_numbers(at):
    assert not at.exception
    assert at.radio(key="toy_choice").value == "cross"
    assert at.slider(key="toy_step").value == 1
    assert shown_probabilities(at) == SEED["cross"]
    assert any("Answer: **cross**" in box.value for box in at.success)


@pytest.mark.parametrize("image_name", ["cross", "diagonal", "right_diagonal"])
def test_stepping_to_the_end_shows_the_seed_probabilities(at, image_name):
    at.radio(key="toy_choice").set_value(image_name).run()
    at.slider(key="toy_step").set_value(9).run()
    assert not at.exception
    assert window_line(at).startswith("#### Window 9 of 9")
    assert shown_probabilities(at) == SEED[image_name]
    assert any(f"**{NAMES[image_name]}**" in box.value for box in at.success)


def test_next_and_previous_move_the_window_and_the_sum_follows(at):
    steps = toy.classify(toy.load_images()["cross"]).steps[0]
    assert window_line(at) == f"#### Window 1 of 9 (row 0, column 0): {lessons.sum_equation(steps[0].products)}"
    assert window_line(at).endswith("= 3")
    at.button(key="toy_next").click().run()
    assert at.slider(key="toy_step").value == 2
    assert window_line(at) == f"#### Window 2 of 9 (row 0, column 1): {lessons.sum_equation(steps[1].products)}"
    assert window_line(at).endswith("= 0")
    for _ in range(3):
        at.button(key="toy_next").click().run()
    assert at.slider(key="toy_step").value == 5
    assert window_line(at).endswith(f"= {lessons.format_number(steps[4].total)}") and steps[4].total == 3
    at.button(key="toy_prev").click().run()
    assert at.slider(key="toy_step").value == 4
    assert window_line(at).endswith(f"= {lessons.format_number(steps[3].total)}")


def test_the_buttons_stop_at_the_first_and_last_window(at):
    at.button(key="toy_prev").click().run()
    assert at.slider(key="toy_step").value == 1
    at.slider(key="toy_step").set_value(9).run()
    at.button(key="toy_next").click().run()
    assert at.slider(key="toy_step").value == 9


def test_following_the_second_filter_shows_its_sums(at):
    at.radio(key="toy_filter").set_value(1).run()
    at.slider(key="toy_step").set_value(6).run()
    window = toy.classify(toy.load_images()["cross"]).steps[1][5]
    assert window_line(at) == f"#### Window 6 of 9 (row 1, column 2): {lessons.sum_equation(window.products)}"
    assert window.total == 0


def test_flipping_a_pixel_changes_the_probabilities(at):
    at.radio(key="toy_choice").set_value("diagonal").run()
    at.button(key="toy_px_0_4").click().run()
    edited = toy.load_images()["diagonal"]
    edited[0, 4] = 1.0
    expected = expected_probabilities(edited)
    assert not at.exception
    assert expected != SEED["diagonal"]
    assert shown_probabilities(at) == expected
    assert at.button(key="toy_px_0_4").label == "1"
    at.button(key="toy_px_0_4").click().run()
    assert shown_probabilities(at) == SEED["diagonal"]


def test_editing_a_filter_weight_changes_the_probabilities(at):
    at.number_input(key="toy_w1_1_1").set_value(3.0).run()
    filters = toy.load_filters()
    filters[1][1, 1] = 3.0
    expected = expected_probabilities(toy.load_images()["cross"], filters)
    assert shown_probabilities(at) == expected
    assert expected["/ diagonal"] != SEED["cross"]["/ diagonal"]


def test_reset_brings_back_the_example(at):
    at.button(key="toy_px_2_2").click().run()
    at.number_input(key="toy_w0_0_0").set_value(-1.0).run()
    assert shown_probabilities(at) != SEED["cross"]
    at.button(key="toy_reset").click().run()
    assert at.number_input(key="toy_w0_0_0").value == 1.0
    assert shown_probabilities(at) == SEED["cross"]
    np.testing.assert_array_equal(at.session_state["toy_image"], toy.load_images()["cross"])


def test_show_the_code_prints_the_real_functions(at):
    sources = [block.value for block in at.code]
    assert any(source.startswith("def classify(") for source in sources)
    assert any(source.startswith("def convolve2d(") for source in sources)


def test_page_opens_from_the_app_navigation():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.switch_page("pages/toy.py").run()
    assert not at.exception
    assert at.title[0].value == "Toy 5×5 filters"
    assert shown_probabilities(at) == SEED["cross"]


def page_words(at):
    """Every text a student reads on the page: prose, labels, options, metrics and the charts' words."""
    texts = [block.value for kind in ("markdown", "caption", "title", "subheader", "success") for block in at.get(kind)]
    for widget in (*at.radio, *at.slider, *at.number_input, *at.button):
        texts.append(widget.label)
    texts += [str(option) for radio in at.radio for option in radio.options]
    texts += [metric.label for metric in at.metric]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        texts.append(str(spec["layout"].get("title", {}).get("text", "")))
        for axis in ("xaxis", "yaxis"):
            texts += [str(label) for label in spec["layout"].get(axis, {}).get("ticktext", [])]
        texts += [str(name) for trace in spec["data"] for name in (trace.get("x") or []) if isinstance(name, str)]
    return "\n".join(texts)


def chart_specs(at):
    """The plotly figures on the page, as {key suffix: spec dict}, with the config each was sent with."""
    return [(json.loads(chart.proto.spec), json.loads(chart.proto.config)) for chart in at.get("plotly_chart")]


def test_one_name_per_diagonal_everywhere(at):
    at.radio(key="toy_choice").set_value("right_diagonal").run()
    words = page_words(at)
    for old_name in ("main diagonal", "anti-diagonal", "right-diagonal", "right diagonal", "antidiagonal"):
        assert old_name not in words.lower()
    assert at.radio(key="toy_choice").options == ["cross", "\\ diagonal", "/ diagonal"]
    assert at.radio(key="toy_filter").options == ["Filter 1 (\\ diagonal)", "Filter 2 (/ diagonal)"]
    # The filter names, the class names on the weights, the bars and the answer are the same two names.
    for name in ("\\ diagonal", "/ diagonal"):
        assert words.count(name) >= 6
    assert any("Answer: **/ diagonal**" in box.value for box in at.success)


def test_rows_and_columns_are_counted_from_one_row_first(at):
    sentences = [block.value for block in at.markdown if "biggest value" in block.value]
    assert sentences == [
        "Filter 1 (\\ diagonal): biggest value **3**, at row 0, column 0",
        "Filter 2 (/ diagonal): biggest value **3**, at row 0, column 2",
    ]
    weight_labels = [number_input.label for number_input in at.number_input]
    assert "Weight at row 1, column 2" in weight_labels
    assert not any(re.search(r"\((\d+), (\d+)\)", block.value) for block in at.markdown)


def test_large_numbers_get_thousands_separators(at):
    at.number_input(key="toy_w0_0_0").set_value(1000.0).run()
    assert not at.exception
    assert window_line(at).endswith("= 1,002")
    assert any("1,002" in block.value for block in at.markdown if "biggest value" in block.value)


def test_every_figure_speaks_the_colour_language(at):
    signed = [list(stop) for stop in style.SIGNED_COLORSCALE]
    magnitude = [list(stop) for stop in style.MAGNITUDE_COLORSCALE]
    at.number_input(key="toy_w1_0_2").set_value(-2.5).run()
    at.slider(key="toy_step").set_value(3).run()
    seen = {"signed": 0, "magnitude": 0}
    for spec, config in chart_specs(at):
        assert config == style.CHART_CONFIG
        for trace in spec["data"]:
            if trace["type"] == "heatmap" and "text" in trace:
                if trace["colorscale"] == magnitude:
                    assert trace["zmin"] == 0
                    seen["magnitude"] += 1
                else:
                    assert trace["colorscale"] == signed and trace["zmin"] == -trace["zmax"] > -np.inf
                    seen["signed"] += 1
            if trace["type"] == "bar" and "colorscale" in trace["marker"]:
                assert trace["marker"]["colorscale"] == signed
                assert trace["marker"]["cmin"] == -trace["marker"]["cmax"]
    # The image is the one magnitude; filter, products, three feature maps and the weights are signed.
    assert seen == {"magnitude": 1, "signed": 6}
    image_spec = chart_specs(at)[0][0]
    assert image_spec["layout"]["title"]["text"] == "Image"
    assert image_spec["data"][1]["colorscale"] == magnitude


def test_the_colour_language_is_said_once_in_words(at):
    captions = [block.value for block in at.caption]
    assert sum(style.SIGNED_WORDS in caption for caption in captions) == 1
    assert sum(style.MAGNITUDE_WORDS in caption for caption in captions) == 1


def test_every_key_of_the_page_starts_with_toy(at):
    at.button(key="toy_px_1_1").click().run()
    at.number_input(key="toy_w0_2_2").set_value(2.0).run()
    at.button(key="toy_next").click().run()
    at.radio(key="toy_filter").set_value(1).run()
    keys = list(at.session_state.to_dict()) if hasattr(at.session_state, "to_dict") else list(at.session_state.keys())
    assert keys and all(key.startswith("toy_") for key in keys), keys


def test_edits_survive_a_visit_to_another_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.switch_page("pages/toy.py").run()
    at.radio(key="toy_choice").set_value("diagonal").run()
    at.button(key="toy_px_0_4").click().run()
    at.number_input(key="toy_w1_1_1").set_value(2.5).run()
    at.slider(key="toy_step").set_value(7).run()
    edited = shown_probabilities(at)
    at.switch_page("pages/concepts.py").run()
    assert not at.exception
    at.switch_page("pages/toy.py").run()
    assert at.radio(key="toy_choice").value == "diagonal"
    assert at.button(key="toy_px_0_4").label == "1"
    assert at.number_input(key="toy_w1_1_1").value == 2.5
    assert at.slider(key="toy_step").value == 7
    assert shown_probabilities(at) == edited != SEED["diagonal"]
