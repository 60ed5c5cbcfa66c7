"""Plotly figures for the lesson pages (the toy network and the concepts), and the short sums printed beside them.

Every builder takes plain numbers or NumPy arrays and returns a plotly go.Figure;
nothing here draws on screen. Colours follow cnnlab.figures.style: signed numbers
(weights, products, feature maps, scores) blue-white-red on a range symmetric
around 0, pixels and other amounts black to white. Figures stretch to the width
of their column and keep square cells, so a grid fits a 560 px column on a
1024 x 768 projector and grows on a wider screen.
"""

import ast
import inspect
import math
import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnlab.figures import style

FONT_SIZE = 18
CELL_FONT_SIZE = 22
BLANK_COLOR = "#b8b8b8"
GAP_COLOR = "#e3e3e3"  # Shows between cells, so white cells keep their edges on a white page.
# Outlines are neither red nor blue, so they never read as a sign.
WINDOW_COLORS = ("#1b9e77", "#7570b3", "#e7298a", "#e6ab02")
HIGHLIGHT_COLOR = WINDOW_COLORS[0]
PADDING_COLORS = {"zero padding": "#f6c667", "input": "#dcdcdc", "never covered": "#b39ddb"}
BAR_COLOR, WINNER_COLOR = "#9e9e9e", "#212121"
SCALES = ("signed", "magnitude")


def format_number(value):
    """A number written short, with thousands separators: 3.0 -> "3", 0.6000000000000001 -> "0.6", 18496 -> "18,496"."""
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    text = f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}"
    return "0" if text == "-0" else text


def place(row, col):
    """Where a cell is, in the words every page uses, counted from 0 as in the code and on the Feature maps
    and whole-network pages: place(1, 2) -> "row 1, column 2"."""
    return f"row {row}, column {col}"


def code_of(function):
    """The source of a function without its docstring: the lines that compute, for a "show the code" box.

    Args:
        function: A Python function defined in a file.

    Returns:
        Its source as a str, dedented, the docstring left out.
    """
    source = textwrap.dedent(inspect.getsource(function))
    lines = source.splitlines()
    first = ast.parse(source).body[0].body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        del lines[first.lineno - 1 : first.end_lineno]
    return "\n".join(lines)


def sum_equation(products):
    """The sum of a window's products as a line of text.

    Args:
        products: Array-like of any shape, e.g. the (3, 3) products of one window.

    Returns:
        A string such as "1 + 0 + (-1) = 0", negatives in brackets.
    """
    values = np.asarray(products, dtype=float).ravel()
    terms = [f"({format_number(v)})" if v < 0 else format_number(v) for v in values]
    return f"{' + '.join(terms)} = {format_number(values.sum())}"


def size_formula(geometry):
    """The output-size formula in LaTeX, then again with the numbers put in, on two lines to fit a narrow column.

    Args:
        geometry: A cnnlab.convmath.Geometry.

    Returns:
        A LaTeX str ending in "= <output size>", e.g. for n=28, f=3, p=0, s=1 it ends "= 26".
    """
    n, f, p, s = geometry.n, geometry.f, geometry.p, geometry.s
    return (
        rf"\begin{{aligned}}\text{{output}} &= \left\lfloor \frac{{n + 2p - f}}{{s}} \right\rfloor + 1 \\"
        rf"&= \left\lfloor \frac{{{n} + {2 * p} - {f}}}{{{s}}} \right\rfloor + 1"
        rf" = \lfloor {geometry.travel / s:g} \rfloor + 1 = {geometry.output}\end{{aligned}}"
    )


def dot_equation(weights, inputs):
    """A weighted sum as text: weights (a, b) and inputs (x, y) give "a×x + b×y = total".

    Args:
        weights: Array-like of shape (K,).
        inputs: Array-like of shape (K,).

    Returns:
        A string such as "0.6×3 + 0.6×3 = 3.6".
    """
    weights, inputs = np.asarray(weights, dtype=float), np.asarray(inputs, dtype=float)
    terms = [f"{format_number(w)}×{format_number(x)}" for w, x in zip(weights, inputs, strict=True)]
    return f"{' + '.join(terms)} = {format_number(weights @ inputs)}"


def _layout(figure, title, height, top=80):
    """Projector-sized text, tight margins and a white background, with or without a title."""
    figure.update_layout(
        title={"text": title, "font": {"size": FONT_SIZE + 2}, "x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top"},
        font={"size": FONT_SIZE},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": FONT_SIZE}},
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        plot_bgcolor="white",
        autosize=True,
    )
    figure.update_xaxes(tickfont={"size": FONT_SIZE - 2})
    figure.update_yaxes(tickfont={"size": FONT_SIZE - 2})
    return figure


def colour_range(values, scale, limit=None):
    """The colour scale and range of an array: symmetric around 0 when signed, from 0 when a magnitude.

    Args:
        values: Array-like of any shape.
        scale: "signed" or "magnitude".
        limit: Largest value the colours should reach (e.g. shared by several grids); by
            default the largest absolute value (signed) or the largest value (magnitude).

    Returns:
        (colorscale, zmin, zmax) with zmin == -zmax when signed and zmin == 0 for a magnitude.
    """
    if scale not in SCALES:
        raise ValueError(f"The colour scale must be one of {SCALES}, got {scale!r}.")
    if scale == "signed":
        low, high = style.signed_range(values) if limit is None else (-float(limit), float(limit))
        return style.SIGNED_COLORSCALE, low, high
    high = max(style.signed_limit(values), 0.0) if limit is None else float(limit)
    return style.MAGNITUDE_COLORSCALE, 0.0, high


def _rectangles(highlight):
    """Normalise highlight to a list of (row, col, height, width) tuples."""
    if highlight is None:
        return []
    if np.ndim(highlight[0]) == 0:
        return [tuple(highlight)]
    return [tuple(box) for box in highlight]


def _grid_traces(values, colours, blank, font_size=CELL_FONT_SIZE):
    """The heatmap traces of one number grid: a grey layer for blank cells, then the numbers."""
    colorscale, zmin, zmax = colours
    blank = np.zeros(values.shape, dtype=bool) if blank is None else np.asarray(blank, dtype=bool)
    rows, cols = values.shape
    text = [["" if blank[r, c] else format_number(values[r, c]) for c in range(cols)] for r in range(rows)]
    where = [[f"{place(r, c)}: {text[r][c] or 'not yet'}" for c in range(cols)] for r in range(rows)]
    grey = go.Heatmap(
        z=np.where(blank, 0.0, np.nan),
        colorscale=[[0, BLANK_COLOR], [1, BLANK_COLOR]],
        showscale=False,
        hoverinfo="skip",
        xgap=2,
        ygap=2,
    )
    numbers = go.Heatmap(
        z=np.where(blank, np.nan, values),
        text=text,
        customdata=where,
        texttemplate="%{text}",
        textfont={"size": font_size},
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{customdata}<extra></extra>",
    )
    return [grey, numbers]


def _grid_axes(figure, shape, row_labels, col_labels):
    """Number the rows and columns from 0 (or use the labels given), row 0 at the top, square cells."""
    rows, cols = shape
    common = {"tickfont": {"size": FONT_SIZE - 2}, "showgrid": False, "zeroline": False, "constrain": "domain"}
    figure.update_xaxes(
        tickvals=list(range(cols)),
        ticktext=list(col_labels) if col_labels is not None else [str(c) for c in range(cols)],
        range=[-0.5, cols - 0.5],
        side="top",
        constraintoward="left",
        **common,
    )
    figure.update_yaxes(
        tickvals=list(range(rows)),
        ticktext=list(row_labels) if row_labels is not None else [str(r) for r in range(rows)],
        range=[rows - 0.5, -0.5],
        scaleanchor="x",
        scaleratio=1,
        constraintoward="top",
        **common,
    )


def number_grid(
    values,
    title="",
    highlight=None,
    scale="signed",
    limit=None,
    blank=None,
    row_labels=None,
    col_labels=None,
    cell_size=56,
):
    """A matrix drawn as coloured cells with its numbers written inside, row 1 at the top.

    Args:
        values: Array-like of shape (H, W).
        title: Short text above the grid (it does not wrap: keep it under ~16 characters).
        highlight: None, one rectangle (row, col, height, width) in cells counted from 0,
            or a list of them; each is outlined in a thick line.
        scale: "signed" (blue-white-red, symmetric around 0) or "magnitude" (black to white).
        limit: Value the strongest colour stands for; by default the largest absolute
            value, blank cells included, so the colours do not change while a map fills in.
        blank: Optional bool array of shape (H, W): True cells are grey and empty
            (e.g. output cells the window has not reached yet).
        row_labels, col_labels: Optional tick labels, H and W of them; 1, 2, 3… by default.
        cell_size: Largest height of one row in pixels; in a narrow column the cells
            shrink with it and stay square.

    Returns:
        go.Figure with two heatmap traces (the grey blank layer, then the numbers)
        and one rectangle shape per highlight.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"A number grid needs a 2-D array, got shape {values.shape}.")
    figure = go.Figure(_grid_traces(values, colour_range(values, scale, limit), blank))
    _grid_axes(figure, values.shape, row_labels, col_labels)
    for index, (row, col, height, width) in enumerate(_rectangles(highlight)):
        figure.add_shape(
            type="rect",
            x0=col - 0.5,
            x1=col + width - 0.5,
            y0=row - 0.5,
            y1=row + height - 0.5,
            line={"color": WINDOW_COLORS[index % len(WINDOW_COLORS)], "width": 5},
        )
    top = 75 if title else 35
    _layout(figure, title, cell_size * values.shape[0] + top + 10, top=top)
    return figure.update_layout(plot_bgcolor=GAP_COLOR)


def channel_grids(volume, title="", channel_names=None, scale="signed", per_row=3, grid_size=165):
    """The channels of a volume as grids of numbers, at most per_row side by side, then wrapping.

    Args:
        volume: Array-like of shape (H, W, C).
        title: Text above the grids.
        channel_names: C short names; "channel 1", "channel 2"… by default.
        scale: "signed" or "magnitude" (see colour_range); one colour range is shared by all channels.
        per_row: Most grids on one line; with 6 channels and 3 per row there are two lines.
        grid_size: Largest side of one grid in pixels: three of them fill a 560 px column.

    Returns:
        go.Figure with ceil(C / per_row) x per_row subplots; channel k holds two heatmap
        traces, the second with z equal to volume[:, :, k].
    """
    volume = np.asarray(volume, dtype=float)
    if volume.ndim != 3:
        raise ValueError(f"Channel grids need a 3-D array (height, width, channels), got shape {volume.shape}.")
    count = volume.shape[2]
    names = list(channel_names or [f"channel {k + 1}" for k in range(count)])
    lines = math.ceil(count / per_row)
    figure = make_subplots(
        rows=lines, cols=per_row, subplot_titles=names, horizontal_spacing=0.05, vertical_spacing=0.2 / lines
    )
    colours = colour_range(volume, scale)
    for k in range(count):
        where = {"row": k // per_row + 1, "col": k % per_row + 1}
        for trace in _grid_traces(volume[:, :, k], colours, None, font_size=FONT_SIZE):
            figure.add_trace(trace, **where)
        figure.update_xaxes(range=[-0.5, volume.shape[1] - 0.5], constrain="domain", **where)
        figure.update_yaxes(range=[volume.shape[0] - 0.5, -0.5], constrain="domain", **where)
        axis = figure.get_subplot(**where).xaxis.plotly_name.replace("axis", "")
        figure.update_yaxes(scaleanchor=axis, scaleratio=1, **where)
    grid_height = grid_size * volume.shape[0] / max(volume.shape[:2]) + 45
    _layout(figure, title, round(grid_height * lines) + 60, top=80 if title else 40)
    figure.update_layout(plot_bgcolor=GAP_COLOR)
    figure.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False, visible=False)
    figure.update_yaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False, visible=False)
    figure.update_annotations(font={"size": FONT_SIZE - 2})
    return figure


def _bars(names, values, title, text, y_range=None, marker=None):
    """A bar chart with each bar's value written above it."""
    figure = go.Figure(
        go.Bar(
            x=list(names),
            y=list(values),
            text=text,
            textposition="outside",
            outsidetextfont={"color": "#212121"},
            marker=marker,
            cliponaxis=False,
        )
    )
    _layout(figure, title, 340, top=60)
    figure.update_yaxes(range=y_range, gridcolor="#e6e6e6", zerolinecolor="#616161", tickformat=",")
    return figure


def probability_bars(names, probabilities, title="Probabilities"):
    """The class probabilities as grey bars from 0 to 1, the most likely one black, each labelled with 4 decimals.

    Args:
        names: K class names.
        probabilities: Array-like of shape (K,), values in [0, 1].

    Returns:
        go.Figure with one bar trace; its text holds e.g. "0.4767".
    """
    probabilities = np.asarray(probabilities, dtype=float)
    colors = [WINNER_COLOR if p == probabilities.max() else BAR_COLOR for p in probabilities]
    return _bars(names, probabilities, title, [f"{p:.4f}" for p in probabilities], [0, 1.18], {"color": colors})


def value_bars(names, values, title=""):
    """Signed numbers (such as class scores) as bars coloured on the signed scale, symmetric around 0.

    Args:
        names: K labels.
        values: Array-like of shape (K,).

    Returns:
        go.Figure with one bar trace whose text is each value written short and whose
        marker colours are the values on style.SIGNED_COLORSCALE from -limit to +limit.
    """
    values = np.asarray(values, dtype=float)
    colorscale, low, high = colour_range(values, "signed")
    marker = {"color": values, "colorscale": colorscale, "cmin": low, "cmax": high, "line": {"color": "#616161"}}
    y_range = [min(0.0, float(values.min())) * 1.3, max(1.0, float(values.max())) * 1.3]
    return _bars(names, values, title, [format_number(v) for v in values], y_range, marker)


def params_bars(names, counts, title="Parameters, biases included"):
    """Parameter counts as grey bars labelled with thousands separators (100,480).

    Args:
        names: Layer names.
        counts: Whole numbers, one per name.

    Returns:
        go.Figure with one bar trace.
    """
    counts = [int(count) for count in counts]
    marker = {"color": BAR_COLOR}
    return _bars(names, counts, title, [f"{count:,}" for count in counts], [0, max(counts) * 1.25], marker)


def padding_picture(geometry, max_windows=3):
    """The padded input with the filter's first positions along the top row outlined.

    Args:
        geometry: A cnnlab.convmath.Geometry (input, filter, padding and stride).
        max_windows: How many of the first window positions to outline; the last
            position is outlined too (dashed) so the right edge shows.

    Returns:
        go.Figure: one heatmap of geometry.cells(); one rectangle shape per outlined
        window, window k spanning x0 = k*s - 0.5 to x1 = k*s + f - 0.5 (each drawn
        a little shorter than the last so overlapping ones stay visible); three
        legend entries naming the colours. About 400 px tall whatever the size.
    """
    f, s, count, size = geometry.f, geometry.s, geometry.output, geometry.padded
    colours = list(PADDING_COLORS.values())
    scale = [[0, colours[0]], [0.5, colours[1]], [1, colours[2]]]
    figure = go.Figure(go.Heatmap(z=geometry.cells(), zmin=0, zmax=2, colorscale=scale, showscale=False))
    figure.update_traces(hoverinfo="skip", xgap=1 if size <= 40 else 0, ygap=1 if size <= 40 else 0)
    positions = list(range(min(count, max_windows))) + ([count - 1] if count > max_windows else [])
    for index, k in enumerate(positions):
        dash = "dash" if count > max_windows and index == len(positions) - 1 else "solid"
        inset = 0.12 * index
        line = {"color": WINDOW_COLORS[index % len(WINDOW_COLORS)], "width": 4, "dash": dash}
        figure.add_shape(type="rect", x0=k * s - 0.5, x1=k * s + f - 0.5, y0=inset - 0.5, y1=f - 0.5 - inset, line=line)
    for name, color in PADDING_COLORS.items():
        marker = {"size": 18, "color": color, "symbol": "square"}
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=marker))
    _layout(figure, "", 60 + min(340, max(160, 16 * size)), top=50)
    figure.update_xaxes(visible=False, range=[-0.5, size - 0.5], constrain="domain", constraintoward="left")
    figure.update_yaxes(visible=False, range=[size - 0.5, -0.5], scaleanchor="x", scaleratio=1, constrain="domain")
    return figure


def signal_plot(x, noisy, smoothed, window=None):
    """A noisy signal in light grey and its smoothed version in a thick dark line.

    Args:
        x, noisy, smoothed: Float arrays of shape (N,).
        window: The smoothing window size, named in the legend when given.

    Returns:
        go.Figure with two line traces: noisy first, smoothed second.
    """
    label = "smoothed" if window is None else f"smoothed (window of {window})"
    noisy_line = {"color": "#b0b0b0", "width": 2}
    smooth_line = {"color": "#1f2d3d", "width": 4}
    figure = go.Figure(
        [
            go.Scatter(x=np.asarray(x), y=np.asarray(noisy), mode="lines", name="noisy", line=noisy_line),
            go.Scatter(x=np.asarray(x), y=np.asarray(smoothed), mode="lines", name=label, line=smooth_line),
        ]
    )
    _layout(figure, "", 440, top=50)
    figure.update_xaxes(title="x", gridcolor="#e6e6e6")
    figure.update_yaxes(gridcolor="#e6e6e6")
    return figure
