"""Tests for the lesson figures: the numbers drawn, the outlines and the printed sums."""

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnlab import convmath
from cnnlab.figures import lessons, style


def heatmap_text(trace):
    """The text of every cell of a heatmap trace as a list of lists of str."""
    return [list(row) for row in trace.text]


def test_numbers_are_written_short():
    assert lessons.format_number(3.0) == "3"
    assert lessons.format_number(0.1 + 0.2) == "0.3"
    assert lessons.format_number(-0.0) == "0"
    assert lessons.format_number(-1) == "-1"


def test_numbers_above_999_get_thousands_separators():
    assert lessons.format_number(18496) == "18,496"
    assert lessons.format_number(-100352.0) == "-100,352"
    assert lessons.format_number(1234.56) == "1,234.6"
    assert "e" not in lessons.format_number(123456789)


def test_places_are_counted_from_one_row_first():
    assert lessons.place(1, 2) == "row 1, column 2"
    assert lessons.place(0, 0) == "row 0, column 0"


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
    assert tuple(figure.layout.yaxis.range) == (1.5, -0.5)  # Row 1 at the top.
    assert figure.layout.yaxis.scaleanchor == "x"
    # Signed by default: blue-white-red, symmetric around 0.
    assert numbers.colorscale == tuple(tuple(stop) for stop in style.SIGNED_COLORSCALE)
    assert (numbers.zmin, numbers.zmax) == (-3, 3)


def test_magnitude_grids_run_from_black_at_zero_to_white():
    numbers = lessons.number_grid([[0, 1], [1, 0.5]], scale="magnitude").data[1]
    assert numbers.colorscale == tuple(tuple(stop) for stop in style.MAGNITUDE_COLORSCALE)
    assert (numbers.zmin, numbers.zmax) == (0, 1)
    assert lessons.number_grid([[0, 10]], scale="magnitude", limit=255).data[1].zmax == 255
    with pytest.raises(ValueError, match="colour scale"):
        lessons.number_grid([[0, 1]], scale="Blues")


def test_grid_tooltips_name_the_cell_in_words():
    numbers = lessons.number_grid([[1, 2, 3], [4, 5, 6]]).data[1]
    assert numbers.customdata[1][2] == "row 1, column 2: 6"


def test_outlines_are_neither_red_nor_blue():
    scale_colours = {colour for _, colour in style.SIGNED_COLORSCALE}
    assert not scale_colours & set(lessons.WINDOW_COLORS)


def test_number_grid_outlines_the_window():
    figure = lessons.number_grid(np.zeros((5, 5)), highlight=(1, 2, 3, 3))
    (shape,) = figure.layout.shapes
    assert (shape.x0, shape.x1, shape.y0, shape.y1) == (1.5, 4.5, 0.5, 3.5)
    assert shape.line.color == lessons.HIGHLIGHT_COLOR
    assert shape.line.width >= 4


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
    assert (numbers.zmin, numbers.zmax) == (-3, 3)


def test_number_grid_labels_rows_and_columns():
    figure = lessons.number_grid(np.ones((3, 2)), row_labels=["a", "b", "c"], col_labels=["x", "y"])
    assert list(figure.layout.yaxis.ticktext) == ["a", "b", "c"]
    assert list(figure.layout.xaxis.ticktext) == ["x", "y"]


def test_number_grid_rejects_a_vector():
    with pytest.raises(ValueError, match="2-D"):
        lessons.number_grid([1, 2, 3])


def test_channel_grids_draw_one_grid_per_channel():
    volume = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    figure = lessons.channel_grids(volume, "Input", ["red", "green", "blue"], "magnitude")
    numbers = figure.data[1::2]
    assert len(numbers) == 3
    for k, trace in enumerate(numbers):
        np.testing.assert_array_equal(trace.z, volume[:, :, k])
        assert trace.zmin == 0 and trace.zmax == 11
        assert trace.colorscale == numbers[0].colorscale
    assert [a.text for a in figure.layout.annotations] == ["red", "green", "blue"]


def subplot_lines(figure):
    """The distinct vertical positions of a figure's subplots: one per line of grids."""
    return {tuple(figure.layout[name].domain) for name in figure.layout if name.startswith("yaxis")}


@pytest.mark.parametrize("count, lines", [(1, 1), (3, 1), (4, 2), (6, 2)])
def test_channel_grids_wrap_at_three_per_line(count, lines):
    volume = np.random.default_rng(0).integers(-20, 20, size=(4, 4, count)).astype(float)
    figure = lessons.channel_grids(volume, "Output")
    assert len(subplot_lines(figure)) == lines
    numbers = figure.data[1::2]
    assert len(numbers) == count
    # Signed outputs: one range for every channel, symmetric around 0.
    assert {(trace.zmin, trace.zmax) for trace in numbers} == {style.signed_range(volume)}
    # Each grid keeps square cells by tying its y axis to its own x axis.
    for trace in numbers:
        y_axis = figure.layout["yaxis" + trace.yaxis[1:]]
        assert y_axis.scaleanchor == trace.xaxis


def test_probability_bars_print_four_decimals_and_mark_the_winner():
    figure = lessons.probability_bars(["\\ diagonal", "/ diagonal", "cross"], [0.26163495, 0.26163495, 0.47673005])
    (bars,) = figure.data
    assert isinstance(bars, go.Bar)
    assert list(bars.text) == ["0.2616", "0.2616", "0.4767"]
    assert bars.marker.color[2] == lessons.WINNER_COLOR != bars.marker.color[0]
    assert tuple(figure.layout.yaxis.range)[0] == 0


def test_value_bars_colour_signed_scores_symmetric_around_zero():
    (bars,) = lessons.value_bars(["a", "b", "c"], [3, -1, 3.6]).data
    assert list(bars.y) == [3, -1, 3.6]
    assert list(bars.text) == ["3", "-1", "3.6"]
    assert (bars.marker.cmin, bars.marker.cmax) == (-3.6, 3.6)
    assert bars.marker.colorscale == tuple(tuple(stop) for stop in style.SIGNED_COLORSCALE)


def test_params_bars_use_thousands_separators():
    figure = lessons.params_bars(["conv", "dense"], [320, 100480])
    (bars,) = figure.data
    assert list(bars.y) == [320, 100480]
    assert list(bars.text) == ["320", "100,480"]
    assert figure.layout.yaxis.tickformat == ","


def test_padding_picture_outlines_the_first_windows_and_the_last():
    size = convmath.Geometry(28, 3, 0, 2)
    figure = lessons.padding_picture(size)
    np.testing.assert_array_equal(figure.data[0].z, size.cells())
    shapes = figure.layout.shapes
    # 13 positions at stride 2: the first three, then the last one (dashed).
    assert [(s.x0, s.x1) for s in shapes] == [(-0.5, 2.5), (1.5, 4.5), (3.5, 6.5), (23.5, 26.5)]
    assert [s.line.dash for s in shapes] == ["solid", "solid", "solid", "dash"]
    assert [trace.name for trace in figure.data[1:]] == ["zero padding", "input", "never covered"]


def test_padding_picture_with_few_positions_has_no_dashed_window():
    shapes = lessons.padding_picture(convmath.Geometry(4, 3, 0, 1)).layout.shapes
    assert [(s.x0, s.x1) for s in shapes] == [(-0.5, 2.5), (0.5, 3.5)]
    assert all(s.line.dash == "solid" for s in shapes)


@pytest.mark.parametrize("n", [4, 28, 64])
def test_padding_picture_stays_a_sensible_size(n):
    # A 28 x 28 input was 520 px tall, more than a 768 px projector shows under the controls.
    assert 200 <= lessons.padding_picture(convmath.Geometry(n, 3, 1, 1)).layout.height <= 420


def test_signal_plot_draws_noisy_then_smoothed():
    x = np.linspace(0, 1, 5)
    noisy, smoothed = np.array([0, 1, 0, 1, 0.0]), np.full(5, 0.4)
    figure = lessons.signal_plot(x, noisy, smoothed, window=3)
    assert [trace.name for trace in figure.data] == ["noisy", "smoothed (window of 3)"]
    np.testing.assert_array_equal(figure.data[0].y, noisy)
    np.testing.assert_array_equal(figure.data[1].y, smoothed)
    np.testing.assert_array_equal(figure.data[1].x, x)


def test_size_formula_puts_the_numbers_in_on_a_second_line():
    formula = lessons.size_formula(convmath.Geometry(6, 3, 0, 2))
    general, numbers = formula.split("\\\\")
    assert "n + 2p - f" in general
    assert "6 + 0 - 3" in numbers and "1.5" in numbers and numbers.endswith("= 2\\end{aligned}")


def test_the_code_shown_is_the_lines_that_compute():
    code = lessons.code_of(convmath.convolve2d)
    assert code.startswith("def convolve2d(")
    assert '"""' not in code and "Args:" not in code
    assert "output[row, col] = np.sum(patch * kernel)" in code
