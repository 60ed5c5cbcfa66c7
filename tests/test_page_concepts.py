"""AppTest of the Concepts page: sizes, warnings, errors, counts, words and colours shown on screen."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.figures import style

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


def volume_sentence(at):
    (sentence,) = [block.value for block in at.markdown if block.value.startswith("**Input**")]
    return sentence


def test_number_of_filters_is_the_number_of_output_channels_said_in_words(at):
    assert volume_sentence(at).endswith("**Output**: 4 × 4 in 2 channels, one per filter.")
    at.slider(key="vol_filters").set_value(5).run()
    assert "**Filters**: 5, each 3 × 3 in 3 channels." in volume_sentence(at)
    assert volume_sentence(at).endswith("**Output**: 4 × 4 in 5 channels, one per filter.")
    at.slider(key="vol_filters").set_value(1).run()
    assert volume_sentence(at).endswith("4 × 4 in 1 channel, one per filter.")


def keras_counts(filters, kernel, units):
    """What Keras counts for a Conv2D on a 28 × 28 × 1 image and a Dense layer on its 784 pixels."""
    from keras import layers

    conv, dense = layers.Conv2D(filters, kernel), layers.Dense(units)
    conv.build((None, 28, 28, 1))
    dense.build((None, 784))
    return f"{conv.count_params():,}", f"{dense.count_params():,}"


def test_parameter_counts_equal_keras_both_with_biases(at):
    assert (metrics(at)["Conv layer parameters"], metrics(at)["Dense layer parameters"]) == keras_counts(32, 3, 128)
    assert metrics(at)["Dense layer parameters"] == "100,480"
    at.number_input(key="par_filters").set_value(64).run()
    at.number_input(key="par_kernel").set_value(5).run()
    at.number_input(key="par_units").set_value(1000).run()
    conv, dense = keras_counts(64, 5, 1000)
    assert metrics(at)["Conv layer parameters"] == conv == "1,664"
    assert metrics(at)["Dense layer parameters"] == dense == "785,000"
    shown = [block.value for block in at.markdown] + [block.value for block in at.caption]
    assert "64 filters × (5 × 5 weights + 1 bias)" in shown
    assert "1000 units × (784 weights + 1 bias)" not in shown and "1,000 units × (784 weights + 1 bias)" in shown
    assert any("Both counts include the biases" in caption for caption in shown)
    assert not any("plus" in text and "biases" in text for text in shown)


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


def all_words(at):
    """Every text a student reads: prose, captions, labels, metrics and chart titles."""
    texts = [block.value for kind in ("markdown", "caption", "warning", "error") for block in at.get(kind)]
    texts += [f"{metric.label} {metric.value}" for metric in at.metric]
    texts += [widget.label for kind in ("number_input", "slider", "select_slider", "toggle") for widget in at.get(kind)]
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        texts.append(str(layout.get("title", {}).get("text", "")))
        texts += [str(note.get("text", "")) for note in layout.get("annotations", [])]
    return "\n".join(texts)


def test_no_raw_tuples_or_code_shapes_for_students(at):
    at.slider(key="vol_filters").set_value(6).run()
    words = all_words(at)
    assert not re.search(r"\(\s*\d+\s*,\s*\d+", words), "a raw tuple such as (6, 6, 3) is on screen"
    assert "None" not in words and "shape" not in words


def test_every_figure_speaks_the_colour_language_and_hides_the_toolbar(at):
    signed = [list(stop) for stop in style.SIGNED_COLORSCALE]
    magnitude = [list(stop) for stop in style.MAGNITUDE_COLORSCALE]
    at.slider(key="vol_filters").set_value(6).run()
    charts = at.get("plotly_chart")
    assert len(charts) >= 10
    kinds = {}
    for chart in charts:
        assert json.loads(chart.proto.config) == style.CHART_CONFIG
        spec = json.loads(chart.proto.spec)
        title = spec["layout"].get("title", {}).get("text", "")
        for trace in spec["data"]:
            if trace["type"] == "heatmap" and "text" in trace:
                if trace["colorscale"] == magnitude:
                    assert trace["zmin"] == 0
                    kinds.setdefault(title, set()).add("magnitude")
                else:
                    assert trace["colorscale"] == signed and trace["zmin"] == -trace["zmax"]
                    kinds.setdefault(title, set()).add("signed")
    assert kinds["Input: 3 channels"] == kinds["Image 6 × 6"] == {"magnitude"}
    for title in ("Filter 1: one slice per channel", "Output: one channel per filter", "Filter 3 × 3", "Output 4 × 4"):
        assert kinds[title] == {"signed"}
    assert kinds["Max pooling"] == kinds["Input 4 × 4"] == {"signed"}


def test_the_colour_language_is_said_once_above_the_tabs(at):
    captions = [block.value for block in at.caption]
    assert sum(style.SIGNED_WORDS in caption and style.MAGNITUDE_WORDS in caption for caption in captions) == 1


def test_six_filters_wrap_to_two_lines_of_three(at):
    at.slider(key="vol_filters").set_value(6).run()
    (output,) = [
        json.loads(chart.proto.spec)
        for chart in at.get("plotly_chart")
        if json.loads(chart.proto.spec)["layout"].get("title", {}).get("text") == "Output: one channel per filter"
    ]
    lines = {tuple(axis["domain"]) for name, axis in output["layout"].items() if name.startswith("yaxis")}
    assert len(lines) == 2
    assert [note["text"] for note in output["layout"]["annotations"]] == [f"from filter {k}" for k in range(1, 7)]


def test_the_padding_picture_is_not_taller_than_a_projector_can_show(at):
    pictures = [
        json.loads(chart.proto.spec)["layout"]["height"]
        for chart in at.get("plotly_chart")
        if json.loads(chart.proto.spec)["data"][0].get("zmax") == 2
    ]
    assert len(pictures) == 2
    assert all(height <= 420 for height in pictures)
