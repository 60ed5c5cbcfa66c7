"""The overview, sliding-filter and cell figures hold the numbers of the reading they are given."""

import numpy as np
import pytest

from cnnlab import config, models, reading, rounding
from cnnlab.figures import animation, cell, overview, style


@pytest.fixture(scope="module")
def seen():
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0
    return reading.read(models.load_pretrained("mnist"), image, config.CLASS_NAMES["mnist"])


def test_every_layer_gets_a_column_and_every_shown_map_its_real_numbers(seen):
    shown = overview.shown_channels(seen, 4, strongest_first=True)
    figure = overview.overview_figure(seen, shown)
    labels = [annotation.text for annotation in figure.layout.annotations]
    assert [label for label in labels if label.startswith("<b>")] == [f"<b>{info.name}</b>" for info in seen.layers]
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    conv_2 = [info.name for info in seen.layers].index("conv_2")
    targets = [trace for trace in figure.data if trace.type == "scatter" and trace.customdata[0][0] == conv_2]
    assert [int(trace.customdata[0][3]) for trace in targets] == shown["conv_2"]
    for trace in targets:
        rows, cols = np.asarray(trace.y), np.asarray(trace.x)
        channel = int(trace.customdata[0][3])
        np.testing.assert_allclose(
            np.asarray(trace.customdata)[:, 4], seen.outputs["conv_2"][rows, cols, channel], atol=1e-4
        )
    assert len(heatmaps) == 1 + 6 * 4 + 3 + 1
    axis = figure.layout[f"coloraxis{conv_2 + 1}"]
    assert axis.cmin == -axis.cmax and [list(step) for step in axis.colorscale] == style.SIGNED_COLORSCALE


def _output_axes(figure, reading_):
    """The x domain and the y axis of the probabilities (the last pair of axes)."""
    layout = figure.layout.to_plotly_json()
    last = max(int(key[5:] or 1) for key in layout if key.startswith("xaxis"))
    return layout[f"xaxis{last}"]["domain"], layout[f"yaxis{last}"]


def test_probabilities_named_by_words_get_a_wider_column_of_cells_that_hold_them():
    image = np.zeros((28, 28), np.float32)
    image[4:24, 6:22] = 1.0
    shown = {}
    for dataset in ("mnist", "fashion_mnist"):
        seen_ = reading.read(models.load_pretrained(dataset), image, config.CLASS_NAMES[dataset])
        figure = overview.overview_figure(seen_, overview.shown_channels(seen_, 6, strongest_first=True))
        (low, high), y_axis = _output_axes(figure, seen_)
        shown[dataset] = ((high - low) * len(seen_.layers), "scaleanchor" in y_axis)
    assert shown["mnist"][0] < 1 and shown["fashion_mnist"][0] > 2  # in widths of an average column
    assert not shown["mnist"][1] and not shown["fashion_mnist"][1]  # cells as wide as the column, not square


def test_flat_grid_keeps_every_unit_in_order():
    grid = overview.flat_grid(np.arange(10, dtype=np.float32))
    assert grid.shape == (5, 2)
    np.testing.assert_array_equal(grid.reshape(-1), np.arange(10))
    assert np.isnan(overview.flat_grid(np.arange(7, dtype=np.float32))).sum() == 1


def test_show_all_and_order_by_number(seen):
    every = overview.shown_channels(seen, None, strongest_first=False)
    assert every["conv_1"] == list(range(32)) and every["pool_2"] == list(range(64))


def test_the_sliding_filter_has_a_frame_per_cell_ending_on_the_last_one():
    feature_map = np.arange(9, dtype=np.float32).reshape(3, 3) - 4
    figure = animation.kernel_animation(np.zeros((5, 5)), feature_map, 3, 0)
    assert [frame.name for frame in figure.frames] == [str(step) for step in range(9)]
    last = figure.frames[-1]
    assert last.data[3].text == ("row 2, column 2: 4.0000",)
    assert (min(last.data[0].x), max(last.data[0].x)) == (1.5, 4.5)
    assert figure.layout.updatemenus[0].buttons[0].args[1]["frame"]["redraw"] is True


def test_same_padding_starts_the_window_outside_the_picture():
    frame = animation.frame(0, (28, 28), 5, 2, np.zeros((28, 28), np.float32))
    assert min(frame["data"][0]["x"]) == -2.5


def test_sum_line_writes_negatives_in_brackets_and_adds_up():
    assert cell.sum_line([1200, -400, 100], 900) == "0.1200 + (−0.0400) + 0.0100 = 0.0900"


def test_shown_conv_ends_on_the_stored_value(seen):
    explained = seen.explain("conv_2", (4, 4, 3))
    stored = float(seen.outputs["conv_2"][4, 4, 3])
    shown = rounding.shown_conv(explained, stored)
    assert shown.total + shown.bias == shown.value == round(stored * 10**4)
    assert int(shown.channel_sums.sum()) == shown.total
    assert np.array_equal(shown.products.sum(axis=(0, 1)), shown.channel_sums)
    assert np.all(np.abs(shown.products - explained.products * 10**4) < 1)
