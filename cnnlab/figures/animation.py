"""A convolution that moves on the real digit: plotly animation frames, played in the browser.

Each frame moves the kernel's window one cell over the input and uncovers one more cell of the
feature map; a frame changes only three small line traces and one label (traces, not layout
shapes: plotly checks a frame's layout slowly), so the whole animation is a few hundred kilobytes,
builds in a fraction of a second and costs the server nothing while a class plays it.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnlab.figures import style

WINDOW_COLOR = "#ff3b30"
FRAME_MS = 30


def _outline(top: float, left: float, bottom: float, right: float) -> tuple[list, list]:
    """The x and y of a closed line around cells [top, bottom) × [left, right)."""
    x0, x1, y0, y1 = left - 0.5, right - 0.5, top - 0.5, bottom - 0.5
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]


def _still_covered(row: int, col: int, size: tuple[int, int]) -> tuple[list, list]:
    """The x and y of a polygon over the cells after (row, col), row by row: the part not computed yet."""
    rows, cols = size
    x = [col + 0.5, cols - 0.5, cols - 0.5, -0.5, -0.5, col + 0.5, col + 0.5]
    y = [row - 0.5, row - 0.5, rows - 0.5, rows - 0.5, row + 0.5, row + 0.5, row - 0.5]
    return x, y


def frame(step: int, size: tuple[int, int], kernel_size: int, pad: int, feature_map: np.ndarray) -> dict:
    """One step: the window on the input, the map uncovered up to this cell, and the cell's number.

    Args:
        step: which output cell, counted row by row from 0.
        size: (rows, cols) of the feature map.
        kernel_size: the kernel's side.
        pad: zeros added before the first row and column ('same' padding), 0 for 'valid'.
        feature_map: float array (rows, cols), the map being filled.

    Returns:
        A plotly frame as a dict: new x and y for traces 2, 3, 4 and the label, trace 5.
    """
    row, col = divmod(step, size[1])
    window_x, window_y = _outline(row - pad, col - pad, row - pad + kernel_size, col - pad + kernel_size)
    cover_x, cover_y = _still_covered(row, col, size)
    cell_x, cell_y = _outline(row, col, row + 1, col + 1)
    text = f"row {row}, column {col}: {feature_map[row, col]:.4f}"
    label = {"x": [(size[1] - 1) / 2], "y": [-0.7], "text": [text]}
    data = [{"x": window_x, "y": window_y}, {"x": cover_x, "y": cover_y}, {"x": cell_x, "y": cell_y}, label]
    return {"name": str(step), "data": data, "traces": [2, 3, 4, 5]}


def _moving_traces(first: dict) -> list:
    """The window on the input, the white cover over the map, the current cell's outline and its number."""
    line = {"color": WINDOW_COLOR, "width": 3}
    return [
        go.Scatter(mode="lines", line=line, hoverinfo="skip", showlegend=False, **first["data"][0]),
        go.Scatter(
            mode="lines", fill="toself", fillcolor="white", line={"width": 0}, hoverinfo="skip", showlegend=False,
            xaxis="x2", yaxis="y2", **first["data"][1],
        ),
        go.Scatter(
            mode="lines", line=line, hoverinfo="skip", showlegend=False, xaxis="x2", yaxis="y2", **first["data"][2]
        ),
        go.Scatter(
            mode="text", textposition="top center", textfont={"size": 17}, cliponaxis=False, hoverinfo="skip",
            showlegend=False, xaxis="x2", yaxis="y2", **first["data"][3],
        ),
    ]  # fmt: skip


def kernel_animation(image, feature_map, kernel_size: int, pad: int, title: str = "") -> go.Figure:
    """The kernel sliding over the input, the feature map filling in cell by cell, with Play and Pause.

    Args:
        image: float array (28, 28) in [0, 1], the input.
        feature_map: float array (rows, cols), one channel of the first convolution's output.
        kernel_size: the kernel's side, e.g. 3 or 5.
        pad: zeros before the first row and column ('same' padding), 0 for 'valid'.
        title: the figure's title.

    Returns:
        A go.Figure with two heatmaps, three moving traces and one frame per output cell, named "0", "1", ...
    """
    feature_map = np.asarray(feature_map, np.float32)
    size = feature_map.shape
    low, high = style.signed_range(feature_map)
    frames = [frame(step, size, kernel_size, pad, feature_map) for step in range(size[0] * size[1])]
    traces = [
        go.Heatmap(z=image, colorscale=style.MAGNITUDE_COLORSCALE, zmin=0, zmax=1, showscale=False, hoverinfo="skip"),
        go.Heatmap(
            z=feature_map, colorscale=style.SIGNED_COLORSCALE, zmin=low, zmax=high, showscale=False,
            xaxis="x2", yaxis="y2", hoverinfo="skip",
        ),
        *_moving_traces(frames[0]),
    ]  # fmt: skip
    layout = {
        "xaxis": {"domain": [0, 0.47], "visible": False, "range": [-0.5, image.shape[1] - 0.5], "constrain": "domain"},
        "yaxis": {"visible": False, "range": [image.shape[0] - 0.5, -0.5], "scaleanchor": "x", "constrain": "domain"},
        "xaxis2": {"domain": [0.53, 1], "visible": False, "range": [-0.5, size[1] - 0.5], "constrain": "domain"},
        "yaxis2": {"visible": False, "range": [size[0] - 0.5, -0.5], "scaleanchor": "x2", "constrain": "domain"},
        "height": 420, "margin": {"l": 10, "r": 10, "t": 80, "b": 60}, "updatemenus": [_buttons()],
        "title": {"text": title, "font": {"size": 18}},
    }  # fmt: skip
    return go.Figure(data=traces, layout=layout, frames=frames)


def _buttons() -> dict:
    """Play (every frame, at least FRAME_MS each, in the browser) and Pause.

    Each frame redraws the whole figure: without a redraw, plotly wipes the heatmaps while it animates.
    """
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "transition": {"duration": 0}, "fromcurrent": True}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    return {
        "type": "buttons", "direction": "left", "x": 0.5, "xanchor": "center", "y": -0.04, "yanchor": "top",
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "Pause", "method": "animate", "args": [[None], pause]},
        ],
        "font": {"size": 16}, "showactive": False,
    }  # fmt: skip
