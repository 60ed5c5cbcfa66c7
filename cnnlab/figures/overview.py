"""The whole network at a glance: one column per layer, every number clickable.

One figure holds the input, a column of small maps for every spatial layer, a grid of units for
every flat layer and the probabilities at the end. Each map or grid has its own pair of axes,
laid out by hand (see figures/network.py for why not make_subplots). Plotly cannot report a click
on a heatmap cell, so every cell also carries an invisible marker; a click selects that marker,
and its customdata names the cell: [column, row, col, channel, value] (row is the unit of a flat layer).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from cnnlab.figures import style

MAP_PIXELS = 66
HEADER_PIXELS = 48
FOOTER_PIXELS = 64
FONT = {"size": 12}
MARKER_LIMIT = 20_000
MARK_COLOR = "#00c853"
WORD_COLUMN = 2.5  # the probabilities column's width, in ordinary columns, when class names are words


def _axes(index: int) -> tuple[str, str]:
    """The short x and y references of the index-th pair of axes: ("x", "y"), ("x2", "y2"), ..."""
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}"


def _axis_layout(index: int, x_domain, y_domain, size: tuple[int, int], square: bool = True) -> dict:
    """Layout entries for a pair of axes showing (rows, cols) cells, row 0 on top, in the given domains.

    Cells are square pixels unless `square` is False (the probabilities, whose cells hold words and
    fill their column's width).
    """
    x_ref, y_ref = _axes(index)
    name = "" if index == 0 else str(index + 1)
    x_axis = {"domain": list(x_domain), "anchor": y_ref, "visible": False, "constrain": "domain", "fixedrange": True}
    x_axis["range"] = [-0.5, size[1] - 0.5]
    y_axis = {"domain": list(y_domain), "anchor": x_ref, "visible": False, "range": [size[0] - 0.5, -0.5]}
    y_axis.update(constrain="domain", constraintoward="top", fixedrange=True)
    if square:
        y_axis["scaleanchor"] = x_ref
    return {f"xaxis{name}": x_axis, f"yaxis{name}": y_axis}


def flat_grid(values) -> np.ndarray:
    """A flat layer's units as a grid, row by row, NaN after the last unit.

    Args:
        values: float array (n,).

    Returns:
        float32 (rows, cols) with cols = ceil(sqrt(n) / 2): tall enough to fit a narrow column.
    """
    values = np.asarray(values, np.float32).reshape(-1)
    cols = max(1, math.ceil(math.sqrt(values.size) / 2))
    grid = np.full(math.ceil(values.size / cols) * cols, np.nan, np.float32)
    grid[: values.size] = values
    return grid.reshape(-1, cols)


def _targets(grid: np.ndarray, column: int, channel: int, axes: tuple[str, str], hover: str) -> go.Scatter:
    """Invisible markers over every cell of a grid, so a click can select a cell (and hovering names it)."""
    rows, cols = np.nonzero(np.isfinite(grid))
    if channel < 0:
        units = rows * grid.shape[1] + cols
        ints = [np.full_like(units, column), units, units * 0, units * 0 - 1]
    else:
        ints = [np.full_like(rows, column), rows, cols, np.full_like(rows, channel)]
    customdata = np.stack([*ints, np.round(grid[rows, cols], 4)], axis=1)
    marker = {"symbol": "square", "size": 6, "color": "rgba(0,0,0,0)"}
    return go.Scatter(
        x=cols, y=rows, mode="markers", marker=marker, customdata=customdata, xaxis=axes[0], yaxis=axes[1],
        hovertemplate=hover, showlegend=False,
        selected={"marker": {"color": MARK_COLOR, "size": 9}}, unselected={"marker": {"opacity": 0}},
    )  # fmt: skip


def _heatmap(grid, axes, coloraxis: str) -> go.Heatmap:
    """One small map on its own axes, coloured by a shared colour axis; its markers answer the hover."""
    return go.Heatmap(z=grid, xaxis=axes[0], yaxis=axes[1], coloraxis=coloraxis, hoverinfo="skip")


def _column_x(index: int, weights: list[float]) -> tuple[float, float]:
    """The x domain of the index-th column, each column as wide as its share of the weights, with a small gap."""
    total, start = sum(weights), sum(weights[:index])
    low, high = start / total, (start + weights[index]) / total
    gap = 0.06 / len(weights)  # as wide as 6 % of an average column
    return low + gap, high - gap


def column_weights(reading) -> list[float]:
    """How wide each column is: all alike, but probabilities named by words (clothes) get room for them."""
    wordy = max(len(name) for name in reading.class_names) > 2
    return [WORD_COLUMN if info.kind == "softmax" and wordy else 1.0 for info in reading.layers]


def _label(text: str, x: float, y: float, anchor: str, raised: int = 0) -> dict:
    """A small centred label in paper coordinates; raised ones sit a line further out, so neighbours never overlap."""
    label = {"text": text, "x": x, "y": y, "xref": "paper", "yref": "paper", "showarrow": False}
    shift = 16 * raised if anchor == "bottom" else -26 * raised
    return label | {"yanchor": anchor, "font": FONT, "yshift": shift}


def _coloraxis(values, magnitude: bool) -> dict:
    """A colour axis without a bar: black to white from 0 for magnitudes, symmetric around 0 for signed numbers."""
    if magnitude:
        return {"colorscale": style.MAGNITUDE_COLORSCALE, "cmin": 0.0, "cmax": 1.0, "showscale": False}
    low, high = style.signed_range(values)
    return {"colorscale": style.SIGNED_COLORSCALE, "cmin": low, "cmax": high, "showscale": False}


def _probabilities(reading, column: int, axes: tuple[str, str]) -> list:
    """The probabilities as a column of ten cells, black for 0 to white for 1, each with its class and percentage."""
    probabilities = np.asarray(reading.probabilities, np.float32)[:, None]
    text = [[f"{name}<br>{value:.0%}"] for name, value in zip(reading.class_names, probabilities[:, 0], strict=True)]
    heatmap = go.Heatmap(
        z=probabilities, text=text, texttemplate="%{text}", textfont={"size": 11}, xaxis=axes[0], yaxis=axes[1],
        colorscale=style.MAGNITUDE_COLORSCALE, zmin=0, zmax=1, showscale=False, hoverinfo="skip",
    )  # fmt: skip
    hover = "probability of %{customdata[1]}: %{customdata[4]:.4f}<extra></extra>"
    targets = _targets(probabilities, column, -1, axes, hover)
    return [heatmap, targets.update(marker_size=10)]


def _column_traces(reading, index: int, info, channels, place) -> list:
    """The traces of one column: its maps (or its grid of units, or its probabilities) and their click targets."""
    output = reading.outputs[info.name]
    coloraxis = f"coloraxis{index + 1}"
    if info.kind == "softmax":
        return _probabilities(reading, index, place(None, (len(output), 1)))
    if not info.spatial:
        grid = flat_grid(output)
        axes = place(None, grid.shape)
        hover = f"{info.name}, number %{{customdata[1]:,}}: %{{customdata[4]:.4f}}<extra></extra>"
        return [_heatmap(grid, axes, coloraxis), _targets(grid, index, -1, axes, hover)]
    traces = []
    for channel in channels:
        axes = place(channel, output.shape[:2])
        traces.append(_heatmap(output[:, :, channel], axes, coloraxis))
        if info.kind != "input":
            hover = f"{info.name}, map {channel}<br>row %{{y}}, column %{{x}}: %{{customdata[4]:.4f}}<extra></extra>"
            traces.append(_targets(output[:, :, channel], index, channel, axes, hover))
    return traces


def overview_figure(reading, shown: dict) -> go.Figure:
    """The whole network for one input: a column per layer, left to right.

    Args:
        reading: a cnnlab.reading.Reading.
        shown: spatial layer name -> the channels to show, in the order to show them.

    Returns:
        A go.Figure; its markers' customdata is [column, row, col, channel, value] (for flat layers and
        the probabilities [column, unit, 0, -1]), where column indexes reading.layers.
    """
    infos, weights = reading.layers, column_weights(reading)
    tallest = max([len(shown.get(info.name, [0])) for info in infos if info.spatial] + [5])
    height = HEADER_PIXELS + FOOTER_PIXELS + tallest * MAP_PIXELS
    top, step = 1 - HEADER_PIXELS / height, MAP_PIXELS / height
    layout, traces, annotations, axis_count = {}, [], [], [0]
    for index, info in enumerate(infos):
        x_domain = _column_x(index, weights)
        channels = shown.get(info.name, list(range(info.shape[-1]))) if info.kind != "input" else [0]

        def place(channel, size, x_domain=x_domain, channels=channels, info=info):
            position = axis_count[0]
            axis_count[0] += 1
            if channel is None or not info.spatial:
                y_domain = (top - tallest * step, top)
            else:
                slot = channels.index(channel)
                y_domain = (top - (slot + 1) * step + step * 0.08, top - slot * step)
            layout.update(_axis_layout(position, x_domain, y_domain, size, info.kind != "softmax"))
            return _axes(position)

        traces += _column_traces(reading, index, info, channels, place)
        layout[f"coloraxis{index + 1}"] = _coloraxis(reading.outputs[info.name], info.kind == "input")
        middle = (x_domain[0] + x_domain[1]) / 2
        annotations.append(_label(f"<b>{info.name}</b>", middle, top + 0.005, "bottom", index % 2))
        annotations.append(
            _label(_footer(info, len(channels)), middle, FOOTER_PIXELS / height - 0.005, "top", index % 2)
        )
    layout.update(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, annotations=annotations)
    layout.update(clickmode="event+select", dragmode=False, hovermode="closest", plot_bgcolor="white")
    return go.Figure(data=traces, layout=layout)


def _footer(info, count: int) -> str:
    """The words under a column: what its shape means, and how many maps are shown."""
    if info.kind == "input":
        return "picture<br>28×28"
    if info.spatial:
        height, width, channels = info.shape
        shown = f"{count} of {channels}" if count < channels else f"all {channels}"
        return f"{shown}<br>{height}×{width}"
    return info.words.replace(" ", "<br>", 1)


def shown_channels(reading, count: int | None, strongest_first: bool) -> dict:
    """Which maps of each spatial layer to show: the same filters along a stage, strongest first or in order.

    Args:
        reading: a cnnlab.reading.Reading.
        count: maps per layer, or None for all of them.
        strongest_first: order the maps by how strongly they answer this input (Reading.strength).

    Returns:
        A dict from spatial layer name to a list of channel indices.
    """
    shown = {}
    for info in reading.layers:
        if info.spatial and info.kind != "input":
            order = reading.channel_order(info.name, strongest_first)
            shown[info.name] = order if count is None else order[:count]
    return shown


def picked_cell(reading, points) -> tuple[str, tuple] | None:
    """The layer and position a click selected, from st.plotly_chart's selection points.

    Args:
        reading: the Reading the figure was drawn from.
        points: the selection's points; each has the customdata [column, row, col, channel].

    Returns:
        (layer name, (row, col, channel)) for a spatial layer, (layer name, (unit,)) for a flat one,
        or None when nothing with customdata was selected.
    """
    for point in points:
        data = point.get("customdata")
        if isinstance(data, dict):  # a row of a typed array reaches Python as {"0": ..., "1": ...}
            data = [data.get(str(index)) for index in range(len(data))]
        if data is None or len(data) < 4 or not 0 <= int(data[0]) < len(reading.layers):
            continue
        info = reading.layers[int(data[0])]
        if info.spatial:
            return info.name, (int(data[1]), int(data[2]), int(data[3]))
        return info.name, (int(data[1]),)
    return None
