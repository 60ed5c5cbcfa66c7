"""AppTest of the Concepts page: sizes, warnings, errors and counts shown on screen."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import convmath

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "concepts.py")


def metrics(at):
    """All metrics on the page, as {label: value}."""
    return {metric.label: metric.value for metric in at.metric}


def set_calculator(at, n, f, p, s):
    """Type n, f, p and s into the calculator and rerun."""
    for key, value in (("calc_n", n), ("calc_f", f), ("calc_p", p), ("calc_s", s)):
        at.number_input(key=key).set_value(value)
    return at.run()


@pytest.fixture
def at():
    return AppTest.from_file(PAGE, default_timeout=30).run()


def test_defaults_give_26_by_26_without_warning_or_error(at):
    assert not at.exception
    assert [at.number_input(key=k).value for k in ("calc_n", "calc_f", "calc_p", "calc_s")] == [28, 3, 0, 1]
    assert metrics(at)["Output size"] == "26 × 26"
    assert not at.warning
    assert not at.error
    assert any("= 26" in block.value for block in at.latex)


def test_stride_two_that_fits_exactly_gives_3_by_3_and_no_warning(at):
    set_calculator(at, 7, 3, 0, 2)
    assert metrics(at)["Output size"] == "3 × 3"
    assert not at.warning
    assert not at.error


def test_stride_that_drops_a_row_warns(at):
    set_calculator(at, 6, 3, 0, 2)
    assert metrics(at)["Output size"] == "2 × 2"
    assert len(at.warning) == 1
    assert "not a multiple of the stride 2" in at.warning[0].value


def test_padding_enlarges_the_output(at):
    set_calculator(at, 28, 3, 1, 1)
    assert metrics(at)["Output size"] == "28 × 28"


def test_filter_larger_than_the_padded_input_is_an_error_not_a_traceback(at):
    set_calculator(at, 3, 5, 0, 1)
    assert not at.exception
    assert len(at.error) == 1
    assert "does not fit" in at.error[0].value
    assert "Output size" not in metrics(at)
    set_calculator(at, 3, 5, 1, 1)
    assert not at.error
    assert metrics(at)["Output size"] == "1 × 1"


def test_same_and_valid_padding_sizes_for_three_strides(at):
    assert [metrics(at)[f"Stride {s}"] for s in (1, 2, 3)] == ["26 × 26", "13 × 13", "9 × 9"]
    at.toggle(key="pad_same").set_value(True).run()
    assert [metrics(at)[f"Stride {s}"] for s in (1, 2, 3)] == ["28 × 28", "14 × 14", "10 × 10"]
    at.select_slider(key="pad_f").set_value(5).run()
    assert metrics(at)["Stride 1"] == "28 × 28"


def test_number_of_filters_is_the_number_of_output_channels(at):
    assert metrics(at)["Output"] == "4 × 4 × 2"
    at.slider(key="vol_filters").set_value(5).run()
    assert metrics(at)["Output"] == "4 × 4 × 5"
    assert metrics(at)["Filters"] == "5 of 3 × 3 × 3"


def test_parameter_counts_match_the_seed_and_follow_the_inputs(at):
    assert metrics(at)["Conv layer parameters"] == "320"
    assert metrics(at)["Dense layer weights"] == "100,352"
    at.number_input(key="par_filters").set_value(64).run()
    at.number_input(key="par_kernel").set_value(5).run()
    at.number_input(key="par_units").set_value(10).run()
    assert metrics(at)["Conv layer parameters"] == f"{convmath.conv_params(5, 1, 64):,}" == "1,664"
    assert metrics(at)["Dense layer weights"] == "7,840"


def test_smoothing_window_slider_reruns_cleanly(at):
    at.slider(key="smooth_window").set_value(50).run()
    assert not at.exception
    assert at.slider(key="smooth_window").value == 50


def test_every_section_shows_its_code(at):
    sources = "\n".join(block.value for block in at.code)
    for name in ("output_size", "padding_for", "convolve_volume", "conv_params", "pool2d", "convolve2d"):
        assert f"def {name}(" in sources
    assert "def smooth_signal(" in sources


def test_page_opens_from_the_app_navigation():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.switch_page("pages/concepts.py").run()
    assert not at.exception
    assert at.title[0].value == "Concepts"
    assert metrics(at)["Output size"] == "26 × 26"
