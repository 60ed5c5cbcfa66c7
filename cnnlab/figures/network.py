"""Plotly figures for looking inside a network: feature maps, kernels, one cell's arithmetic, heat maps.

Every builder takes NumPy arrays and returns a plotly go.Figure; nothing here draws on screen.
Grids of maps lay out their small plots by hand (one pair of axes per channel) instead of
calling make_subplots, which takes several tenths of a second for 64 plots; this keeps a page
that shows a whole layer well under a second. Sizes suit a classroom projector.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnlab.figures import style

FONT_SIZE = 18
TITLE_SIZE = 20
NEGATIVE_COLORS = ("#053061", "#4393c3")
POSITIVE_COLORS = ("#d6604d", "#67001f")
ZERO_COLOR = "#f7f7f7"
WEIGHT_COLORS = style.SIGNED_COLORSCALE
MARK_COLOR = "#ff3b30"
FRAME_COLOR = "#888888"
HEAT_COLORS = [
    [0.0, "rgba(255, 0, 0, 0)"],
    [0.15, "rgba(255, 0, 0, 0.35)"],
    [0.5, "rgba(255, 120, 0, 0.8)"],
    [1.0, "rgba(255, 255, 0, 1)"],
]


def shape_text(shape) -> str:
    """A shape written the way Python prints it: (26, 26, 32), or (128,) for a flat layer (for a tooltip)."""
    return str(tuple(int(size) for size in shape))


def shape_words(shape) -> str:
    """A shape in words: "the 28 × 28 picture", "32 maps of 26 × 26" or "1,600 numbers"."""
    shape = tuple(int(size) for size in shape)
    if len(shape) == 3 and shape[-1] == 1:
        return f"the {shape[0]} × {shape[1]} picture"
    if len(shape) == 3:
        return f"{shape[-1]:,} maps of {shape[0]} × {shape[1]}"
    return f"{shape[0]:,} numbers"


def layer_header(name: str, array: np.ndarray) -> str:
    """A layer's name and output in words, e.g. "conv_1 — 32 maps of 26 × 26"."""
    return f"{name} — {shape_words(np.shape(array))}"


LAYER_WORDS = {
    "conv": "Each small picture is one filter slid over the layer below: strong where it finds its pattern.",
    "relu": "ReLU keeps the positive numbers and turns every negative number into 0.",
    "pool": "Max pooling keeps the largest number of each 2×2 block: half the height and width (rounded down).",
    "avgpool": "Average pooling keeps the mean of each 2×2 block: half the height and width (rounded down).",
    "batchnorm": "Batch normalisation shifts and scales each map by numbers it learned, so the maps have like ranges.",
    "tanh": "tanh squeezes every number into −1 to 1, keeping its sign.",
    "sigmoid": "Sigmoid squeezes every number into 0 to 1: negative numbers fall below ½.",
    "dropout": "Dropout switches off random numbers while training only; when reading, it passes every number on.",
}


def layer_caption(name: str, maps: np.ndarray) -> str:
    """What a layer does, in one sentence, and the range of its shared colour scale.

    Args:
        name: a layer name such as "conv_1", "relu_2" or "pool_1".
        maps: float array (H, W, C), that layer's output.

    Returns:
        A short paragraph for the page.
    """
    words = LAYER_WORDS.get(name.split("_")[0], "")
    limit = style.signed_limit(maps)
    scale = f"One colour scale for all {maps.shape[-1]:,} maps, from −{limit:.2f} to +{limit:.2f} (white at 0);"
    scale += f" the numbers here run from {maps.min():.2f} to {maps.max():.2f}."
    return f"{words} {scale}".strip()


def shape_flow(maps: dict) -> str:
    """The shapes a picture takes on its way through the network, in words, repeats left out.

    Args:
        maps: layer name -> array, in layer order, as FeatureExtractor.maps returns.

    Returns:
        A string such as "the 28 × 28 picture → 32 maps of 26 × 26 → … → 10 numbers".
    """
    shapes = []
    for array in maps.values():
        text = shape_words(np.shape(array))
        if not shapes or shapes[-1] != text:
            shapes.append(text)
    return " → ".join(shapes)


def dense_layer_names(maps: dict) -> list[str]:
    """The names of the hidden dense layers (dense_1, dense_2, ...) in a dict of maps, in order."""
    return [name for name, array in maps.items() if name.startswith("dense") and np.ndim(array) == 1]


def signed_colorscale(low: float, high: float) -> list:
    """A colour scale from low to high that is white at 0, blue below 0 and red above it.

    Each side runs to its own end, so small positive numbers stay visible next to large negative ones.

    Args:
        low, high: the smallest and largest value shown, low < high.

    Returns:
        A plotly colorscale: a list of [position in 0..1, colour].
    """
    zero = min(max(-low / (high - low), 0.0), 1.0)
    scale = []
    if zero > 0:
        scale += [[0.0, NEGATIVE_COLORS[0]], [zero / 2, NEGATIVE_COLORS[1]]]
    scale.append([zero, ZERO_COLOR])
    if zero < 1:
        scale += [[zero + (1 - zero) / 2, POSITIVE_COLORS[0]], [1.0, POSITIVE_COLORS[1]]]
    return scale


def _symmetric_limit(values: np.ndarray) -> float:
    """The largest absolute value, so a diverging colour scale can be centred on 0 (1 if all zero)."""
    limit = float(np.abs(values).max()) if np.size(values) else 0.0
    return limit if limit > 0 else 1.0


def _axis_name(index: int, kind: str) -> str:
    """Plotly's layout key of the index-th x or y axis: "xaxis", "xaxis2", ..."""
    return f"{kind}axis{'' if index == 0 else index + 1}"


def _plot_entries(index: int, domain: tuple, title: str, size: tuple[int, int]) -> tuple[dict, dict, dict, dict]:
    """The x axis, y axis, title and frame of the index-th small plot, placed at domain (left, bottom, right, top)."""
    left, bottom, right, top = domain
    x_ref, y_ref = f"x{index + 1 if index else ''}", f"y{index + 1 if index else ''}"
    x_axis = {"domain": [left, right], "anchor": y_ref, "constrain": "domain", "visible": False}
    y_axis = {"domain": [bottom, top], "anchor": x_ref, "autorange": "reversed", "visible": False}
    y_axis.update(scaleanchor=x_ref, constrain="domain", constraintoward="top")
    label = {"text": title, "x": (left + right) / 2, "y": top, "xref": "paper", "yref": "paper"}
    label.update(yanchor="bottom", showarrow=False, font={"size": 15})
    frame = {"type": "rect", "xref": x_ref, "yref": y_ref, "x0": -0.5, "x1": size[1] - 0.5}
    frame.update(y0=-0.5, y1=size[0] - 0.5, line={"color": FRAME_COLOR, "width": 1})
    return x_axis, y_axis, label, frame


def grid_layout(count: int, columns: int, titles: list[str], size: tuple[int, int], gap: float = 0.012) -> dict:
    """Layout entries placing `count` square plots of size (rows, cols) in rows of `columns`, framed and titled."""
    rows = -(-count // columns)
    width = (1 - gap * (columns - 1)) / columns
    row_gap = 0.2 / rows
    height = (1 - row_gap * (rows - 1)) / rows
    layout, annotations, frames = {}, [], []
    for index in range(count):
        row, col = divmod(index, columns)
        left, top = col * (width + gap), 1 - row * (height + row_gap)
        domain = (left, max(top - height, 0.0), min(left + width, 1.0), top)
        x_axis, y_axis, label, frame = _plot_entries(index, domain, titles[index], size)
        layout[_axis_name(index, "x")], layout[_axis_name(index, "y")] = x_axis, y_axis
        annotations.append(label)
        frames.append(frame)
    layout.update(annotations=annotations, shapes=frames)
    return layout


def _heatmap_grid(stack, titles, columns, coloraxis, hover, numbers=None, cell_pixels=130) -> go.Figure:
    """One heatmap per channel of a (H, W, N) stack, all on one shared colour axis."""
    stack = np.asarray(stack, np.float32)
    count = stack.shape[-1]
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    traces = [
        go.Heatmap(
            z=stack[:, :, index],
            coloraxis="coloraxis",
            xaxis=f"x{index + 1 if index else ''}",
            yaxis=f"y{index + 1 if index else ''}",
            hovertemplate=hover.replace("NAME", titles[index]),
            texttemplate=numbers,
            textfont=dict(size=14),
        )
        for index in range(count)
    ]
    layout = grid_layout(count, columns, titles, stack.shape[:2])
    layout.update(coloraxis=coloraxis, height=rows * cell_pixels + 70, margin=dict(l=10, r=10, t=50, b=10))
    return go.Figure(data=traces, layout=layout)


def feature_map_grid(maps, title: str = "", columns: int = 8, zmin=None, zmax=None) -> go.Figure:
    """Every channel of one layer's output as a small heatmap, all on one colour scale.

    Args:
        maps: float array (H, W, C), one layer's output for one image.
        title: the figure's title, e.g. "conv_1 — (26, 26, 32)".
        columns: plots per row.
        zmin, zmax: the ends of the colour scale; by default −limit and +limit, the layer's
            largest absolute value, so white is 0 and +1 looks as strong as −1.

    Returns:
        A go.Figure with C heatmaps sharing layout.coloraxis (cmin=zmin, cmax=zmax).
    """
    maps = np.asarray(maps, np.float32)
    if maps.ndim != 3:
        raise ValueError(f"Feature maps must have shape (H, W, C), not {maps.shape}.")
    low, high = style.signed_range(maps) if zmin is None and zmax is None else (float(zmin), float(zmax))
    coloraxis = dict(colorscale=style.SIGNED_COLORSCALE, cmin=low, cmax=high, colorbar=dict(title="value"))
    titles = [f"#{index}" for index in range(maps.shape[-1])]
    hover = "map NAME<br>row %{y}, column %{x}<br>value %{z:.3f}<extra></extra>"
    figure = _heatmap_grid(maps, titles, columns, coloraxis, hover)
    figure.update_layout(title=dict(text=title, font=dict(size=TITLE_SIZE)), font=dict(size=FONT_SIZE))
    return figure


def kernel_grid(kernels, title: str = "", columns: int = 8, label: str = "filter", numbers: bool = False) -> go.Figure:
    """Kernels as small heatmaps on one diverging colour scale centred at 0 (red +, blue −).

    Args:
        kernels: float array (kh, kw, N), or (kh, kw, 1, N) for a first layer's N filters.
        title: the figure's title.
        columns: plots per row.
        label: what each plot is, for its title and hover text ("filter", "input channel").
        numbers: write each weight in its cell.

    Returns:
        A go.Figure with N heatmaps sharing layout.coloraxis from −limit to +limit.
    """
    kernels = np.asarray(kernels, np.float32)
    if kernels.ndim == 4 and kernels.shape[2] == 1:
        kernels = kernels[:, :, 0, :]
    if kernels.ndim != 3:
        raise ValueError(f"Kernels must have shape (kh, kw, N) or (kh, kw, 1, N), not {kernels.shape}.")
    limit = _symmetric_limit(kernels)
    coloraxis = dict(colorscale=WEIGHT_COLORS, cmin=-limit, cmax=limit, colorbar=dict(title="weight"))
    titles = [f"{label} {index}" for index in range(kernels.shape[-1])]
    hover = "NAME<br>row %{y}, column %{x}<br>weight %{z:.3f}<extra></extra>"
    figure = _heatmap_grid(kernels, titles, columns, coloraxis, hover, "%{z:.2f}" if numbers else None)
    figure.update_layout(title=dict(text=title, font=dict(size=TITLE_SIZE)), font=dict(size=FONT_SIZE))
    return figure


def _square_axes(figure: go.Figure) -> None:
    """Hide the ticks, put row 0 at the top and keep pixels square."""
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")


def _finish_square(figure: go.Figure, title: str, height: int) -> None:
    """Square pixels, row 0 on top, and the title, height and margins every image figure shares."""
    _square_axes(figure)
    figure.update_layout(
        title=dict(text=title, font=dict(size=TITLE_SIZE)),
        height=height,
        margin=dict(l=10, r=10, t=60, b=10),
        font=dict(size=FONT_SIZE),
    )


def receptive_field_figure(image, box, title: str | None = None, colorscale=None, height: int = 420) -> go.Figure:
    """An image with a rectangle around the pixels in box.

    Args:
        image: float array (H, W), e.g. the (28, 28) input in [0, 1].
        box: (top, left, bottom, right), bottom and right exclusive, as receptive_field returns.
        title: the figure's title; by default it names the rows and columns inside the box.
        colorscale: the image's colour scale, a list of [position, colour]; by default black (0) to white.
        height: the figure's height in pixels.

    Returns:
        A go.Figure with one heatmap and one rectangle shape around the box's pixels.
    """
    top, left, bottom, right = (int(edge) for edge in box)
    if title is None:
        title = f"The input pixels it sees: rows {top}–{bottom - 1}, columns {left}–{right - 1}"
    image = np.asarray(image, np.float32)
    figure = go.Figure(
        go.Heatmap(
            z=image,
            colorscale=style.MAGNITUDE_COLORSCALE if colorscale is None else colorscale,
            showscale=False,
            hovertemplate="row %{y}, column %{x}<br>value %{z:.3f}<extra></extra>",
        )
    )
    figure.add_shape(
        type="rect", x0=left - 0.5, x1=right - 0.5, y0=top - 0.5, y1=bottom - 0.5, line=dict(color=MARK_COLOR, width=4)
    )
    _finish_square(figure, title, height)
    return figure


def cell_figure(feature_map, row: int, col: int, name: str = "") -> go.Figure:
    """One feature map with a red square around one cell, on the white-at-zero colour scale.

    Args:
        feature_map: float array (H, W), one channel of a layer's output.
        row, col: the cell to mark.
        name: what the map is, for the title, e.g. "conv_1, map #3".

    Returns:
        A go.Figure like receptive_field_figure's, its box the single cell.
    """
    feature_map = np.asarray(feature_map, np.float32)
    low, high = style.signed_range(feature_map)
    title = f"{name}: the cell (row {row}, column {col})".lstrip(": ")
    figure = receptive_field_figure(feature_map, (row, col, row + 1, col + 1), title, style.SIGNED_COLORSCALE)
    figure.update_traces(zmin=low, zmax=high)
    return figure


def _bars(x, y, title: str, x_title: str, y_title: str, colors=None, height: int = 360) -> go.Figure:
    """A plain bar chart with large labels."""
    figure = go.Figure(
        go.Bar(
            x=list(x),
            y=np.asarray(y, np.float32),
            marker_color=colors,
            hovertemplate=f"{x_title} %{{x}}<br>{y_title} %{{y:.3f}}<extra></extra>",
        )
    )
    figure.update_layout(
        title=dict(text=title, font=dict(size=TITLE_SIZE)),
        height=height,
        font=dict(size=FONT_SIZE),
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin=dict(l=10, r=10, t=60, b=10),
    )
    return figure


def channel_sums_figure(sums, chosen: int | None = None) -> go.Figure:
    """The sum of the products for each input channel, the chosen one in red.

    Args:
        sums: float array (in_channels,), products.sum(axis=(0, 1)).
        chosen: the input channel whose products are shown in detail.

    Returns:
        A go.Figure with one bar per input channel.
    """
    sums = np.asarray(sums, np.float32)
    colors = [MARK_COLOR if index == chosen else "#4c78a8" for index in range(len(sums))]
    title = f"Sum of the products for each of the {len(sums)} input channels (they add up to Σ)"
    return _bars(range(len(sums)), sums, title, "input channel", "sum", colors)


def activation_bars(values, title: str = "", unit: str = "unit", largest_first: bool = False, names=None) -> go.Figure:
    """One bar per unit of a flat layer, e.g. the 128 numbers dense_1 passes on, red above 0 and blue below.

    Args:
        values: float array (units,).
        title: the figure's title.
        unit: what one bar is, for the axis and hover text.
        largest_first: sort the bars from the largest number down (the hover still names each unit).
        names: a label per unit for the x axis (e.g. class names); by default the unit numbers.

    Returns:
        A go.Figure with one bar per unit; its x are the unit labels in the order drawn.
    """
    values = np.asarray(values, np.float32)
    order = np.argsort(-values, kind="stable") if largest_first else np.arange(len(values))
    labels = [str(names[index]) if names is not None else f"{index:,}" for index in order]
    colors = [
        style.SIGNED_COLORSCALE[-2][1] if value >= 0 else style.SIGNED_COLORSCALE[1][1] for value in values[order]
    ]
    figure = _bars(labels, values[order], title, unit, "value", colors)
    figure.update_xaxes(type="category", showticklabels=names is not None or len(values) <= 32)
    if largest_first:
        figure.update_layout(xaxis_title=f"{unit}s, largest number first")
    return figure


def overlay_figure(image, heat, title: str = "", height: int = 520) -> go.Figure:
    """A heat map laid over the gray input: transparent where heat is 0, bright where it is 1.

    Args:
        image: float array (28, 28) in [0, 1], the input (drawn dimmed so the heat stands out).
        heat: float array (28, 28) in [0, 1], e.g. a saliency or Grad-CAM map.
        title: the figure's title.
        height: the figure's height in pixels.

    Returns:
        A go.Figure with two heatmaps: the image, then the heat on top.
    """
    image, heat = np.asarray(image, np.float32), np.asarray(heat, np.float32)
    if image.shape != heat.shape:
        raise ValueError(f"The image {image.shape} and the heat map {heat.shape} must have the same shape.")
    figure = go.Figure(
        [
            go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=1.6, showscale=False, hoverinfo="skip"),
            go.Heatmap(
                z=heat,
                colorscale=HEAT_COLORS,
                zmin=0,
                zmax=1,
                colorbar=dict(title="influence"),
                hovertemplate="row %{y}, column %{x}<br>influence %{z:.2f}<extra></extra>",
            ),
        ]
    )
    _finish_square(figure, title, height)
    return figure
