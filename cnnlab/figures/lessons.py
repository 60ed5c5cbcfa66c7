"""Plotly figures for the lesson pages (the toy network and the concepts), and the short sums printed beside them.

Every builder takes plain numbers or NumPy arrays and returns a plotly go.Figure;
nothing here draws on screen. Sizes are chosen for a classroom projector: big
numbers in the cells, thick outlines, short titles.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT_SIZE = 18
CELL_FONT_SIZE = 22
BLANK_COLOR = "#d0d0d0"
WINDOW_COLORS = ("#e4572e", "#2e86ab", "#3bb273", "#8e44ad")
HIGHLIGHT_COLOR = WINDOW_COLORS[0]
PADDING_COLORS = {"zero padding": "#f6c667", "input": "#cfe2f3", "never covered": "#f08a8a"}


def format_number(value):
    """A number written short: 3.0 -> "3", 0.6000000000000001 -> "0.6", -1.0 -> "-1"."""
    text = f"{float(value):.4g}"
    return "0" if text == "-0" else text


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
        title={"text": title, "font": {"size": FONT_SIZE + 2}},
        font={"size": FONT_SIZE},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": FONT_SIZE}},
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        plot_bgcolor="white",
    )
    figure.update_xaxes(tickfont={"size": FONT_SIZE - 2})
    figure.update_yaxes(tickfont={"size": FONT_SIZE - 2})
    return figure


def _rectangles(highlight):
    """Normalise highlight to a list of (row, col, height, width) tuples."""
    if highlight is None:
        return []
    if np.ndim(highlight[0]) == 0:
        return [tuple(highlight)]
    return [tuple(box) for box in highlight]


def _grid_traces(values, colorscale, zmin, zmax, text_format, blank):
    """The heatmap traces of one number grid: a grey layer for blank cells, then the numbers."""
    values = np.asarray(values, dtype=float)
    blank = np.zeros(values.shape, dtype=bool) if blank is None else np.asarray(blank, dtype=bool)
    shown = np.where(blank, np.nan, values)
    text = [
        ["" if blank[r, c] else text_format(values[r, c]) for c in range(values.shape[1])]
        for r in range(values.shape[0])
    ]
    grey = go.Heatmap(
        z=np.where(blank, 0.0, np.nan),
        colorscale=[[0, BLANK_COLOR], [1, BLANK_COLOR]],
        showscale=False,
        hoverinfo="skip",
        xgap=2,
        ygap=2,
    )
    numbers = go.Heatmap(
        z=shown,
        text=text,
        texttemplate="%{text}",
        textfont={"size": CELL_FONT_SIZE},
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{z}<extra></extra>",
    )
    return [grey, numbers]


def _grid_axes(figure, shape, row_labels, col_labels, **subplot):
    """Number the rows and columns from 1 (or use the labels given) and put row 0 at the top."""
    rows, cols = shape
    figure.update_xaxes(
        tickfont={"size": FONT_SIZE - 2},
        tickvals=list(range(cols)),
        ticktext=list(col_labels) if col_labels is not None else [str(c + 1) for c in range(cols)],
        showgrid=False,
        zeroline=False,
        side="top",
        **subplot,
    )
    figure.update_yaxes(
        tickvals=list(range(rows)),
        ticktext=list(row_labels) if row_labels is not None else [str(r + 1) for r in range(rows)],
        autorange="reversed",
        tickfont={"size": FONT_SIZE - 2},
        showgrid=False,
        zeroline=False,
        **subplot,
    )


def number_grid(
    values,
    title="",
    highlight=None,
    colorscale="Blues",
    zmin=None,
    zmax=None,
    text_format=format_number,
    blank=None,
    row_labels=None,
    col_labels=None,
    cell_size=60,
    centred=False,
):
    """A matrix drawn as coloured cells with its numbers written inside, row 0 at the top.

    Args:
        values: Array-like of shape (H, W).
        title: Text above the grid.
        highlight: None, one rectangle (row, col, height, width) in cells, or a
            list of them; each is outlined in a thick line.
        colorscale: Any plotly colorscale name or list.
        zmin, zmax: Colour range; by default from min(0, smallest value) to the
            largest value (at least 1 wide), blank cells included, so the colours
            do not change while a map fills in.
        text_format: Function turning one number into the text of its cell.
        blank: Optional bool array of shape (H, W): True cells are grey and empty
            (e.g. output cells the window has not reached yet).
        row_labels, col_labels: Optional tick labels, H and W of them; 1, 2, 3… by default.
        cell_size: Height of one row in pixels; cells stay square.
        centred: If True, use red for negative and blue for positive numbers,
            with 0 white (a range symmetric around 0); colorscale is then ignored.

    Returns:
        go.Figure with two heatmap traces (the grey blank layer, then the numbers)
        and one rectangle shape per highlight.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"A number grid needs a 2-D array, got shape {values.shape}.")
    if centred:
        largest = max(1.0, float(np.abs(values).max()))
        colorscale, zmin, zmax = "RdBu", -largest, largest
    zmin = min(0.0, float(values.min())) if zmin is None else zmin
    zmax = max(zmin + 1.0, float(values.max())) if zmax is None else zmax
    figure = go.Figure(_grid_traces(values, colorscale, zmin, zmax, text_format, blank))
    _grid_axes(figure, values.shape, row_labels, col_labels)
    figure.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain", constraintoward="top")
    figure.update_xaxes(constrain="domain", constraintoward="left")
    for index, (row, col, height, width) in enumerate(_rectangles(highlight)):
        color = HIGHLIGHT_COLOR if index == 0 else WINDOW_COLORS[index % len(WINDOW_COLORS)]
        figure.add_shape(
            type="rect",
            x0=col - 0.5,
            x1=col + width - 0.5,
            y0=row - 0.5,
            y1=row + height - 0.5,
            line={"color": color, "width": 5},
        )
    return _layout(figure, title, cell_size * values.shape[0] + 90)


def channel_grids(volume, title="", channel_names=None, colorscale="Blues"):
    """The channels of a volume side by side, each as a grid of numbers.

    Args:
        volume: Array-like of shape (H, W, C).
        title: Text above the grids.
        channel_names: C short names; "channel 1", "channel 2"… by default.
        colorscale: A plotly colorscale, or a list of C of them (e.g. "Reds",
            "Greens", "Blues" for an RGB image); one colour range is shared by all channels.

    Returns:
        go.Figure with C subplots; subplot k holds two heatmap traces, the second
        with z equal to volume[:, :, k].
    """
    volume = np.asarray(volume, dtype=float)
    if volume.ndim != 3:
        raise ValueError(f"Channel grids need a 3-D array (height, width, channels), got shape {volume.shape}.")
    count = volume.shape[2]
    names = channel_names or [f"channel {k + 1}" for k in range(count)]
    figure = make_subplots(rows=1, cols=count, subplot_titles=names, horizontal_spacing=0.04)
    scales = [colorscale] * count if isinstance(colorscale, str) else list(colorscale)
    low, high = float(volume.min()), float(volume.max())
    for k in range(count):
        for trace in _grid_traces(volume[:, :, k], scales[k], low, high, format_number, None):
            figure.add_trace(trace, row=1, col=k + 1)
        _grid_axes(figure, volume.shape[:2], None, None, row=1, col=k + 1)
        figure.update_yaxes(scaleanchor=f"x{k + 1 if k else ''}", scaleratio=1, row=1, col=k + 1)
    _layout(figure, title, 52 * volume.shape[0] + 110, top=100)
    figure.update_xaxes(showticklabels=False, ticks="")
    figure.update_yaxes(showticklabels=False, ticks="")
    figure.update_annotations(font={"size": FONT_SIZE})
    return figure


def _bars(names, values, title, text, y_range=None, colors=None):
    """A bar chart with each bar's value written above it."""
    figure = go.Figure(
        go.Bar(x=list(names), y=list(values), text=text, textposition="outside", marker_color=colors, cliponaxis=False)
    )
    _layout(figure, title, 380, top=70)
    figure.update_yaxes(range=y_range, gridcolor="#e6e6e6")
    return figure


def probability_bars(names, probabilities, title="Probabilities (softmax)"):
    """The class probabilities as bars from 0 to 1, each labelled with 4 decimals.

    Args:
        names: K class names.
        probabilities: Array-like of shape (K,), values in [0, 1].

    Returns:
        go.Figure with one bar trace; its text holds e.g. "0.4767".
    """
    probabilities = np.asarray(probabilities, dtype=float)
    colors = [HIGHLIGHT_COLOR if p == probabilities.max() else WINDOW_COLORS[1] for p in probabilities]
    return _bars(names, probabilities, title, [f"{p:.4f}" for p in probabilities], [0, 1.15], colors)


def value_bars(names, values, title=""):
    """Any short list of numbers (pooled maxima, logits) as labelled bars.

    Args:
        names: K labels.
        values: Array-like of shape (K,).

    Returns:
        go.Figure with one bar trace whose text is each value written short.
    """
    values = np.asarray(values, dtype=float)
    top = max(1.0, float(values.max())) * 1.25
    bottom = min(0.0, float(values.min())) * 1.25
    return _bars(names, values, title, [format_number(v) for v in values], [bottom, top], WINDOW_COLORS[1])


def params_bars(names, counts, title="Trainable parameters"):
    """Parameter counts as bars labelled with thousands separators (100,352).

    Args:
        names: Layer names.
        counts: Whole numbers, one per name.

    Returns:
        go.Figure with one bar trace.
    """
    counts = [int(count) for count in counts]
    colors = list(WINDOW_COLORS[: len(counts)])
    return _bars(names, counts, title, [f"{count:,}" for count in counts], [0, max(counts) * 1.2], colors)


def padding_cells(n, f, p, s):
    """Label each cell of the padded input: 0 zero padding, 1 input, 2 never covered by a window.

    Args:
        n, f, p, s: Input size, filter size, padding and stride (f <= n + 2p).

    Returns:
        Int array of shape (n + 2p, n + 2p).
    """
    size = n + 2 * p
    if f > size:
        raise ValueError(f"A {f}x{f} filter does not fit in a {size}x{size} padded input.")
    cells = np.zeros((size, size), dtype=int)
    cells[p : p + n, p : p + n] = 1
    reach = ((size - f) // s) * s + f
    cells[reach:, :] = np.where(cells[reach:, :] == 1, 2, cells[reach:, :])
    cells[:, reach:] = np.where(cells[:, reach:] == 1, 2, cells[:, reach:])
    return cells


def padding_picture(n, f, p=0, s=1, max_windows=3):
    """The padded input with the filter's first positions along the top row outlined.

    Args:
        n: Input size; f: filter size; p: padding on each side; s: stride.
        max_windows: How many of the first window positions to outline; the last
            position is outlined too (dashed) so the right edge shows.

    Returns:
        go.Figure: one heatmap of padding_cells(n, f, p, s); one rectangle shape
        per outlined window, window k spanning x0 = k*s - 0.5 to x1 = k*s + f - 0.5
        (each drawn a little shorter than the last so overlapping ones stay
        visible); three legend entries naming the colours.
    """
    cells = padding_cells(n, f, p, s)
    count = (n + 2 * p - f) // s + 1
    scale = [[0, PADDING_COLORS["zero padding"]], [0.5, PADDING_COLORS["input"]], [1, PADDING_COLORS["never covered"]]]
    figure = go.Figure(go.Heatmap(z=cells, zmin=0, zmax=2, colorscale=scale, showscale=False, xgap=1, ygap=1))
    figure.update_traces(hoverinfo="skip")
    positions = list(range(min(count, max_windows))) + ([count - 1] if count > max_windows else [])
    for index, k in enumerate(positions):
        dash = "dash" if count > max_windows and index == len(positions) - 1 else "solid"
        inset = 0.12 * index
        line = {"color": WINDOW_COLORS[index % len(WINDOW_COLORS)], "width": 4, "dash": dash}
        figure.add_shape(type="rect", x0=k * s - 0.5, x1=k * s + f - 0.5, y0=inset - 0.5, y1=f - 0.5 - inset, line=line)
    for name, color in PADDING_COLORS.items():
        marker = {"size": 18, "color": color, "symbol": "square"}
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=marker))
    _layout(figure, "", 520, top=50)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
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
