"""Tests for the lesson figures: the numbers drawn, the outlines and the printed sums."""

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnlab.figures import lessons


def heatmap_text(trace):
    """The text of every cell of a heatmap trace as a list of lists of str."""
    return [list(row) for row in trace.text]


def test_numbers_are_written_short():
    assert lessons.format_number(3.0) == "3"
    assert lessons.format_number(0.1 + 0.2) == "0.3"
    assert lessons.format_number(-0.0) == "0"
    assert lessons.format_number(-1) == "-1"


def test_sum_equation_lists_every_product_and_the_total():
    assert lessons.sum_equation([[1, 0], [0, 1]]) == "1 + 0 + 0 + 1 = 2"
    assert lessons.sum_equation([2, -1, 0.5]) == "2 + (-1) + 0.5 = 1.5"


def test_dot_equation_matches_the_seed_cross_score():
    assert lessons.dot_equation([0.6, 0.6], [3, 3]) == "0.6×3 + 0.6×3 = 3.6"
    with pytest.raises(ValueError):
        lessons.dot_equation([1, 2], [1])


def test_number_grid_draws_the_values_and_writes_them_in_the_cells():
    values = np.array([[1, 0, 2], [0.5, 3, -1]])
    figure = lessons.number_grid(values, "Feature map")
    grey, numbers = figure.data
    np.testing.assert_array_equal(numbers.z, values)
    assert heatmap_text(numbers) == [["1", "0", "2"], ["0.5", "3", "-1"]]
    assert numbers.texttemplate == "%{text}"
    assert np.all(np.isnan(np.asarray(grey.z, dtype=float)))
    assert figure.layout.title.text == "Feature map"
    assert figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.yaxis.scaleanchor == "x"
    # Default colour range: from min(0, smallest) to the largest value.
    assert (numbers.zmin, numbers.zmax) == (-1, 3)


def test_number_grid_outlines_the_window():
    figure = lessons.number_grid(np.zeros((5, 5)), highlight=(1, 2, 3, 3))
    (shape,) = figure.layout.shapes
    assert (shape.x0, shape.x1, shape.y0, shape.y1) == (1.5, 4.5, 0.5, 3.5)
    assert shape.line.color == lessons.HIGHLIGHT_COLOR


def test_number_grid_outlines_several_windows_in_different_colours():
    boxes = [(0, 0, 2, 2), (0, 2, 2, 2), (2, 0, 2, 2), (2, 2, 2, 2)]
    figure = lessons.number_grid(np.arange(16).reshape(4, 4), highlight=boxes)
    corners = [(s.x0, s.y0, s.x1, s.y1) for s in figure.layout.shapes]
    assert corners == [(-0.5, -0.5, 1.5, 1.5), (1.5, -0.5, 3.5, 1.5), (-0.5, 1.5, 1.5, 3.5), (1.5, 1.5, 3.5, 3.5)]
    assert len({s.line.color for s in figure.layout.shapes}) == 4


def test_blank_cells_are_grey_and_empty_but_keep_the_colour_range():
    values = np.array([[3.0, 0.0], [1.0, 3.0]])
    blank = np.array([[False, True], [True, True]])
    grey, numbers = lessons.number_grid(values, blank=blank).data
    assert heatmap_text(numbers) == [["3", ""], ["", ""]]
    shown = np.asarray(numbers.z, dtype=float)
    assert shown[0, 0] == 3 and np.isnan(shown[blank]).all()
    np.testing.assert_array_equal(~np.isnan(np.asarray(grey.z, dtype=float)), blank)
    assert (numbers.zmin, numbers.zmax) == (0, 3)


def test_centred_grid_puts_zero_in_the_middle_of_a_red_blue_scale():
    numbers = lessons.number_grid([[1, 0, -2]], centred=True).data[1]
    assert (numbers.zmin, numbers.zmax) == (-2, 2)
    assert numbers.colorscale[0][1] != numbers.colorscale[-1][1]


def test_number_grid_labels_rows_and_columns():
    figure = lessons.number_grid(np.ones((3, 2)), row_labels=["a", "b", "c"], col_labels=["x", "y"])
    assert list(figure.layout.yaxis.ticktext) == ["a", "b", "c"]
    assert list(figure.layout.xaxis.ticktext) == ["x", "y"]


def test_number_grid_rejects_a_vector():
    with pytest.raises(ValueError, match="2-D"):
        lessons.number_grid([1, 2, 3])


def test_channel_grids_draw_one_grid_per_channel():
    volume = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    figure = lessons.channel_grids(volume, "Input", ["red", "green", "blue"], ("Reds", "Greens", "Blues"))
    numbers = figure.data[1::2]
    assert len(numbers) == 3
    for k, trace in enumerate(numbers):
        np.testing.assert_array_equal(trace.z, volume[:, :, k])
        assert trace.zmin == 0 and trace.zmax == 11
    assert [a.text for a in figure.layout.annotations] == ["red", "green", "blue"]
    assert numbers[0].colorscale != numbers[2].colorscale


def test_probability_bars_print_four_decimals_and_mark_the_winner():
    figure = lessons.probability_bars(["diagonal", "right-diagonal", "cross"], [0.26163495, 0.26163495, 0.47673005])
    (bars,) = figure.data
    assert isinstance(bars, go.Bar)
    assert list(bars.x) == ["diagonal", "right-diagonal", "cross"]
    assert list(bars.text) == ["0.2616", "0.2616", "0.4767"]
    assert bars.marker.color[2] == lessons.HIGHLIGHT_COLOR != bars.marker.color[0]
    assert tuple(figure.layout.yaxis.range) == (0, 1.15)


def test_value_bars_write_each_value():
    (bars,) = lessons.value_bars(["diagonal", "right-diagonal", "cross"], [3, 3, 3.6]).data
    assert list(bars.y) == [3, 3, 3.6]
    assert list(bars.text) == ["3", "3", "3.6"]


def test_params_bars_use_thousands_separators():
    (bars,) = lessons.params_bars(["conv", "dense"], [320, 100352]).data
    assert list(bars.y) == [320, 100352]
    assert list(bars.text) == ["320", "100,352"]


@pytest.mark.parametrize(
    "n, f, p, s, size, never_covered",
    [(6, 3, 0, 1, 6, 0), (6, 3, 0, 2, 6, 11), (4, 3, 1, 1, 6, 0), (7, 3, 0, 2, 7, 0)],
)
def test_padding_cells_mark_padding_input_and_dropped_cells(n, f, p, s, size, never_covered):
    cells = lessons.padding_cells(n, f, p, s)
    assert cells.shape == (size, size)
    assert np.sum(cells == 0) == size * size - n * n
    assert np.sum(cells == 2) == never_covered


def test_padding_cells_ring_of_zeros():
    cells = lessons.padding_cells(4, 3, 1, 1)
    assert (cells[0] == 0).all() and (cells[-1] == 0).all() and (cells[:, 0] == 0).all()
    assert (cells[1:-1, 1:-1] == 1).all()


def test_padding_cells_reject_a_filter_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        lessons.padding_cells(3, 5, 0, 1)


def test_padding_picture_outlines_the_first_windows_and_the_last():
    figure = lessons.padding_picture(28, 3, 0, 2)
    np.testing.assert_array_equal(figure.data[0].z, lessons.padding_cells(28, 3, 0, 2))
    shapes = figure.layout.shapes
    # 13 positions at stride 2: the first three, then the last one (dashed).
    assert [(s.x0, s.x1) for s in shapes] == [(-0.5, 2.5), (1.5, 4.5), (3.5, 6.5), (23.5, 26.5)]
    assert [s.line.dash for s in shapes] == ["solid", "solid", "solid", "dash"]
    assert [trace.name for trace in figure.data[1:]] == ["zero padding", "input", "never covered"]


def test_padding_picture_with_few_positions_has_no_dashed_window():
    shapes = lessons.padding_picture(4, 3, 0, 1).layout.shapes
    assert [(s.x0, s.x1) for s in shapes] == [(-0.5, 2.5), (0.5, 3.5)]
    assert all(s.line.dash == "solid" for s in shapes)


def test_signal_plot_draws_noisy_then_smoothed():
    x = np.linspace(0, 1, 5)
    noisy, smoothed = np.array([0, 1, 0, 1, 0.0]), np.full(5, 0.4)
    figure = lessons.signal_plot(x, noisy, smoothed, window=3)
    assert [trace.name for trace in figure.data] == ["noisy", "smoothed (window of 3)"]
    np.testing.assert_array_equal(figure.data[0].y, noisy)
    np.testing.assert_array_equal(figure.data[1].y, smoothed)
    np.testing.assert_array_equal(figure.data[1].x, x)
