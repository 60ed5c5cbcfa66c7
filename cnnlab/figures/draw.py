"""Figures for predictions and small images: probability bars, grayscale pictures, accuracy curves.

Every builder takes plain arrays and returns a plotly figure (a go.Figure, or a dict for the charts
redrawn per stroke); sizes and fonts suit a projector.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image

FONT_SIZE = 16
BAR_COLOUR = "#a3acb9"
HIGHLIGHT_COLOUR = "#e4572e"
# One colour per curve, in the order the curves are given.
CURVE_COLOURS = ("#1f6fb4", "#e4572e", "#2a9d8f", "#8e44ad", "#f4a261")


def probability_bars(probabilities, class_names, highlight=None, title=None, height=300) -> dict:
    """Bar chart of class probabilities, one bar coloured; every class name is written.

    Digits stand under upright bars; class names that are words (clothes) are written down the
    side of horizontal bars, where they never overlap on a narrow screen.

    Args:
        probabilities: float array (C,), values in [0, 1].
        class_names: the C class names.
        highlight: index of the bar to colour; None colours the most probable class.
        title: an optional title above the chart.
        height: the figure height in pixels.

    Returns:
        A figure as a dict (st.plotly_chart draws it, go.Figure reads it) with one bar trace: the
        probabilities along y (digits) or along x (words). A dict spares building and copying a
        go.Figure that st.plotly_chart would build again to check it: this chart redraws per stroke.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    names = [str(name) for name in class_names]
    if probabilities.ndim != 1 or len(probabilities) != len(names):
        raise ValueError(f"Expected {len(names)} probabilities, got shape {probabilities.shape}.")
    if highlight is None:
        highlight = int(np.argmax(probabilities))
    if not 0 <= highlight < len(names):
        raise ValueError(f"The highlighted bar must be between 0 and {len(names) - 1}, got {highlight}.")
    wordy = _wordy(names)
    bars = {
        "type": "bar",
        "x": probabilities if wordy else names,
        "y": names if wordy else probabilities,
        "orientation": "h" if wordy else "v",
        "marker": {"color": [HIGHLIGHT_COLOUR if index == highlight else BAR_COLOUR for index in range(len(names))]},
        "text": [f"{value:.0%}" if value >= 0.005 else "" for value in probabilities],
        "textposition": "outside",
        "textfont": {"size": FONT_SIZE},
        "cliponaxis": False,
        "hovertemplate": ("%{y}: %{x:.1%}" if wordy else "%{x}: %{y:.1%}") + "<extra></extra>",
    }
    layout = _layout(title, height)
    layout["uniformtext"] = {"minsize": FONT_SIZE - 2, "mode": "show"}  # never shrink the labels
    scale = {"range": [0, 1.15], "tickformat": ".0%", "tickvals": [0, 0.5, 1], "fixedrange": True}
    scale["tickfont"] = {"size": FONT_SIZE}
    # Class names that are words read best down the side, one per line; digits fit under bars.
    layout["xaxis"], layout["yaxis"] = (scale, _class_axis(names)) if wordy else (_class_axis(names), scale)
    if wordy:
        layout["yaxis"]["autorange"] = "reversed"
    return {"data": [bars], "layout": layout}


def _wordy(names) -> bool:
    """True when class names are words (clothes) rather than digits."""
    return max(len(name) for name in names) > 2


def _class_axis(names) -> dict:
    """A category axis that writes every class name, not every other one."""
    size = FONT_SIZE - 2 if _wordy(names) else FONT_SIZE
    ticks = {"tickmode": "array", "tickvals": list(names), "ticktext": list(names), "tickfont": {"size": size}}
    return {"type": "category", "fixedrange": True, **ticks}


def guess_words(probabilities, class_names) -> str:
    """A network's guess in words, e.g. "7 — 98.9 % sure" or "Sandal — over 99.9 % sure".

    Args:
        probabilities: float array (C,) of class probabilities.
        class_names: the C class names.

    Returns:
        The most probable class and how sure the network is, with one decimal.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    best = int(np.argmax(probabilities))
    confidence = probabilities[best]
    sure = "over 99.9 %" if confidence > 0.999 else f"{confidence * 100:.1f} %"
    return f"{class_names[best]} — {sure} sure"


def compare_words(probabilities_by_model: dict, class_names) -> str:
    """One sentence with each network's guess: "**CNN**: 7 — 99.1 % sure · **Fully connected**: 1 — 60.2 % sure"."""
    guesses = (f"**{name}**: {guess_words(found, class_names)}" for name, found in probabilities_by_model.items())
    return " · ".join(guesses)


def compare_bars(probabilities_by_model: dict, class_names, height=300) -> dict:
    """Several networks' class probabilities as grouped bars, one colour per network.

    Args:
        probabilities_by_model: network name -> float array (C,) of probabilities.
        class_names: the C class names, shown under the bars.
        height: the figure height in pixels.

    Returns:
        A figure as a dict (as probability_bars) with one bar trace per network, in the dict's order.
    """
    names = [str(name) for name in class_names]
    traces = []
    for index, (model, probabilities) in enumerate(probabilities_by_model.items()):
        probabilities = np.asarray(probabilities, dtype=float)
        if probabilities.shape != (len(names),):
            raise ValueError(f"{model}: expected {len(names)} probabilities, got shape {probabilities.shape}.")
        traces.append(
            {
                "type": "bar",
                "x": names,
                "y": probabilities,
                "name": model,
                "marker": {"color": CURVE_COLOURS[index % len(CURVE_COLOURS)]},
                "hovertemplate": f"{model}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
            }
        )
    layout = _layout(None, height)
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "font": {"size": FONT_SIZE - 2}}
    layout.update(showlegend=True, legend=legend, barmode="group", bargap=0.25)
    layout["margin"]["t"] = 60
    layout["xaxis"] = _class_axis(names)
    layout["yaxis"] = {"range": [0, 1], "tickformat": ".0%", "tickvals": [0, 0.5, 1], "fixedrange": True}
    return {"data": traces, "layout": layout}


def moved_words(dx: int, dy: int) -> str:
    """How far a picture was moved, in words.

    Args:
        dx: pixels moved right (negative: left).
        dy: pixels moved down (negative: up).

    Returns:
        A phrase such as "moved 1 pixel left and 3 pixels up", or "not moved".
    """
    parts = []
    for step, way in ((dx, "right" if dx > 0 else "left"), (dy, "down" if dy > 0 else "up")):
        if step:
            parts.append(f"{abs(step)} {'pixel' if abs(step) == 1 else 'pixels'} {way}")
    return "moved " + " and ".join(parts) if parts else "not moved"


def pixel_picture(array, side=140, value_range=(0.0, 1.0)) -> np.ndarray:
    """A 2-D array as a picture for st.image: black to white, each pixel a sharp square.

    A picture costs a browser and the server far less than a chart, and a 28 × 28 input does not
    need hover values to be read.

    Args:
        array: float array (H, W); value_range[0] is black and value_range[1] white.
        side: the longer side the picture is shown at, in pixels. A smaller array is enlarged by the
            whole factor that fits; an array at least twice as long is averaged down by the whole
            factor that fits (a 280 × 280 drawing becomes 140 × 140: a smaller picture to send).
        value_range: (black, white) values.

    Returns:
        uint8 array: (H·k, W·k) with k = max(1, side // max(H, W)), every value repeated in a
        k × k block; or, when max(H, W) >= 2·side, the means of k × k blocks with k = max(H, W) // side.
    """
    array = np.asarray(array)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"The picture must be a non-empty 2-D array, got shape {array.shape}.")
    array = array.astype(np.float32, copy=False)
    factor = max(1, side // max(array.shape))
    if max(array.shape) >= 2 * side:  # averaged first: every later step has fewer numbers to handle
        array = _block_mean(array, max(array.shape) // side)
    low, high = value_range
    grey = np.nan_to_num(np.clip((array - low) * (255.0 / (high - low)), 0.0, 255.0))
    picture = np.round(grey).astype(np.uint8)
    return np.repeat(np.repeat(picture, factor, axis=0), factor, axis=1) if factor > 1 else picture


def picture_url(array, side=140, value_range=(0.0, 1.0)) -> str:
    """pixel_picture as a PNG in a data: address, for st.image.

    The page carries the picture itself, so the browser does not fetch it from the server's media
    store in a second request: per stroke that was the Draw page's largest cost to the server after
    the script itself (bench/bench_stroke_cpu.py).

    Args:
        array, side, value_range: as pixel_picture.

    Returns:
        "data:image/png;base64,..." of a greyscale PNG.
    """
    buffer = io.BytesIO()
    # The fastest compression: 3 times quicker than the default, for a few hundred bytes more.
    Image.fromarray(pixel_picture(array, side, value_range), mode="L").save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _layout(title, height, margin=10) -> dict:
    """The layout every figure here shares: title, height, large font, small margins, no legend."""
    top = 44 if title else margin + 14
    return {
        "title": {"text": title or "", "font": {"size": FONT_SIZE + 2}},
        "height": height,
        "font": {"size": FONT_SIZE},
        "margin": {"l": margin, "r": margin, "t": top, "b": margin},
        "showlegend": False,
    }


def _block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    """Average factor x factor blocks of a (H, W) array, padding the edges with zeros."""
    height, width = array.shape
    padded = array
    if height % factor or width % factor:
        padded = np.zeros((math.ceil(height / factor) * factor, math.ceil(width / factor) * factor), array.dtype)
        padded[:height, :width] = array
    # A sum of factor² strided views: ten times quicker than a mean over two axes of a reshape.
    total = sum(padded[row::factor, col::factor] for row in range(factor) for col in range(factor))
    return total / factor**2


def grayscale_image(array, title="", max_side=140, height=240, value_range=(0.0, 1.0)) -> go.Figure:
    """A 2-D array drawn as a grayscale picture: square pixels, row 0 at the top, no axes.

    Args:
        array: float array (H, W); value_range[0] is black and value_range[1] white.
        title: the text above the picture.
        max_side: arrays with a longer side are shown block-averaged down to about this size
            (hover then reports block averages at the block's top-left pixel).
        height: the figure height in pixels, so pictures side by side line up.
        value_range: (black, white) values.

    Returns:
        A go.Figure with one heatmap trace; hovering shows row, column and value.
    """
    array = np.asarray(array, dtype=float)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"The picture must be a non-empty 2-D array, got shape {array.shape}.")
    factor = max(1, math.ceil(max(array.shape) / max_side))
    shown = _block_mean(array, factor) if factor > 1 else array
    heatmap = {
        "type": "heatmap",
        "z": np.round(shown, 3),
        "x": np.arange(shown.shape[1]) * factor,
        "y": np.arange(shown.shape[0]) * factor,
        "colorscale": [[0.0, "rgb(0,0,0)"], [1.0, "rgb(255,255,255)"]],
        "zmin": value_range[0],
        "zmax": value_range[1],
        "showscale": False,
        "hovertemplate": "row %{y}, column %{x}: %{z:.2f}<extra></extra>",
    }
    layout = _layout(title, height, margin=4)
    layout["plot_bgcolor"] = "black"
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": "", "fixedrange": True}
    layout["xaxis"] = {"constrain": "domain", **hidden}
    layout["yaxis"] = {"autorange": "reversed", "scaleanchor": "x", "scaleratio": 1, "constrain": "domain", **hidden}
    return go.Figure(data=[heatmap], layout=layout)


def shift_accuracy_curve(shifts, accuracies_by_model: dict, title=None, height=380) -> go.Figure:
    """Accuracy against how far the images were moved, one line per model.

    Args:
        shifts: int array (S,), pixels moved (positive right).
        accuracies_by_model: model name -> float array (S,) of accuracies in [0, 1].
        title: an optional title above the chart.
        height: the figure height in pixels.

    Returns:
        A go.Figure with one line-and-marker trace per model, in the dict's order.
    """
    shifts = np.asarray(shifts)
    lines = []
    for index, (name, accuracies) in enumerate(accuracies_by_model.items()):
        accuracies = np.asarray(accuracies, dtype=float)
        if accuracies.shape != shifts.shape:
            raise ValueError(f"{name}: expected {len(shifts)} accuracies, got shape {accuracies.shape}.")
        colour = CURVE_COLOURS[index % len(CURVE_COLOURS)]
        lines.append(
            {
                "type": "scatter",
                "x": shifts,
                "y": accuracies,
                "name": name,
                "mode": "lines+markers",
                "line": {"color": colour, "width": 3},
                "marker": {"size": 10},
                "hovertemplate": f"{name}<br>moved %{{x}} px: %{{y:.1%}}<extra></extra>",
            }
        )
    layout = _layout(title, height)
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "font": {"size": FONT_SIZE}}
    layout.update(showlegend=True, legend=legend)
    layout["xaxis"] = {
        "title": {"text": "pixels moved sideways (− left, + right)", "font": {"size": FONT_SIZE}},
        "dtick": 1,
        "zeroline": False,
        "tickfont": {"size": FONT_SIZE},
    }
    layout["yaxis"] = {
        "title": {"text": "test accuracy", "font": {"size": FONT_SIZE}},
        "range": [0, 1.02],
        "tickformat": ".0%",
        "tickfont": {"size": FONT_SIZE},
    }
    return go.Figure(data=lines, layout=layout)


def shift_takeaway(shifts, cnn_accuracies, dense_accuracies, near: int = 2) -> str:
    """The sentence that goes with shift_accuracy_curve for a CNN and a fully connected network.

    Args:
        shifts: int array (S,), pixels moved, holding -near and near, and symmetric.
        cnn_accuracies: float array (S,), the CNN's accuracy at each shift.
        dense_accuracies: float array (S,), the fully connected network's accuracy at each shift.
        near: the small move to quote first.

    Returns:
        One or two sentences quoting accuracies averaged over moving left and right.
    """
    shifts = np.asarray(shifts)
    cnn, dense = np.asarray(cnn_accuracies, dtype=float), np.asarray(dense_accuracies, dtype=float)
    steps = sorted({abs(int(shift)) for shift in shifts if shift != 0})
    if near not in steps:
        raise ValueError(f"The shifts must include {near} pixels.")
    both_ways = {step: (cnn[abs(shifts) == step].mean(), dense[abs(shifts) == step].mean()) for step in steps}
    widest = max(steps, key=lambda step: both_ways[step][0] - both_ways[step][1])
    (cnn_near, dense_near), (cnn_far, dense_far) = both_ways[near], both_ways[widest]
    start = f"moved {near} pixels, the CNN gets {cnn_near:.0%} right and the fully connected network {dense_near:.0%}"
    if cnn_far - dense_far < 0.01:
        return f"{start}; moved further, both cope about equally well."
    return (
        f"{start}; moved {widest} pixels, {cnn_far:.0%} against {dense_far:.0%}. "
        "The CNN's filters look for the same strokes everywhere, so a moved digit hurts it less."
    )
