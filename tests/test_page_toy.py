"""AppTest of the Toy 5×5 filters page: the seed's numbers on screen, stepping, and edits."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import toy
from cnnlab.figures import lessons

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "toy.py")
NAMES = {"diagonal": "diagonal", "right_diagonal": "right-diagonal", "cross": "cross"}
# The probabilities printed in seed 001 for each image, rounded to 4 decimals.
SEED = {
    "cross": {"diagonal": "0.2616", "right-diagonal": "0.2616", "cross": "0.4767"},
    "diagonal": {"diagonal": "0.5938", "right-diagonal": "0.0804", "cross": "0.3259"},
    "right_diagonal": {"diagonal": "0.0804", "right-diagonal": "0.5938", "cross": "0.3259"},
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
    assert window_line(at) == f"#### Window 1 of 9: {lessons.sum_equation(steps[0].products)}"
    assert window_line(at).endswith("= 3")
    at.button(key="toy_next").click().run()
    assert at.slider(key="toy_step").value == 2
    assert window_line(at) == f"#### Window 2 of 9: {lessons.sum_equation(steps[1].products)}"
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
    at.slider(key="toy_step").set_value(3).run()
    window = toy.classify(toy.load_images()["cross"]).steps[1][2]
    assert window_line(at) == f"#### Window 3 of 9: {lessons.sum_equation(window.products)}"
    assert window.total == 3


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
    assert expected["right-diagonal"] != SEED["cross"]["right-diagonal"]


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
    assert any(source.startswith("def convolve_valid(") for source in sources)


def test_page_opens_from_the_app_navigation():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.switch_page("pages/toy.py").run()
    assert not at.exception
    assert at.title[0].value == "Toy 5×5 filters"
    assert shown_probabilities(at) == SEED["cross"]
