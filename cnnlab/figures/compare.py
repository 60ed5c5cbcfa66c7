"""Plotly figures that put several training runs side by side.

Every run has one colour in every panel; validation is a solid line with dots, training a dashed
line, so a class reads "which run" from the colour and "which images" from the line.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnlab.figures import style, training

RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
MOSAIC_COUNT = 16  # the maps shown per run
PANELS = (("Loss (lower is better)", "loss"), ("Accuracy (higher is better)", "accuracy"))


def run_colour(index: int) -> str:
    """The colour of the index-th run compared (it repeats after six)."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]


def curves_overlay(curves: dict[str, dict]) -> go.Figure:
    """Loss and accuracy of several runs on shared axes, per epoch, training dashed and validation solid.

    Args:
        curves: {run label: {"epoch_loss", "val_loss", "epoch_accuracy", "val_accuracy": float
            sequences (E,), one value per finished epoch; E may differ between runs}}.

    Returns:
        A figure with two panels (loss, accuracy) and two traces per run and panel, named
        "<label> · training" and "<label> · validation"; x is the epoch, from 1.
    """
    figure = make_subplots(rows=1, cols=2, subplot_titles=[title for title, _ in PANELS], horizontal_spacing=0.1)
    for index, (label, run) in enumerate(curves.items()):
        colour = run_colour(index)
        for column, (_, metric) in enumerate(PANELS, start=1):
            for part, key, dash in (("training", f"epoch_{metric}", "dash"), ("validation", f"val_{metric}", "solid")):
                values = np.asarray(run[key], dtype=np.float64)
                figure.add_trace(
                    go.Scatter(
                        x=np.arange(1, len(values) + 1),
                        y=values,
                        name=f"{label} · {part}",
                        legendgroup=label,
                        showlegend=column == 1,
                        mode="lines+markers",
                        line={"color": colour, "dash": dash, "width": 3 if part == "validation" else 2},
                        marker={"size": 8 if part == "validation" else 5},
                        hovertemplate=f"{label}<br>{part}, epoch %{{x}}: %{{y:.4f}}<extra></extra>",
                    ),
                    row=1,
                    col=column,
                )
    figure.update_xaxes(title_text="epoch", dtick=1)
    figure.update_layout(
        height=420,
        margin={"t": 40, "b": 40, "l": 50, "r": 10},
        legend={"orientation": "h", "y": -0.22, "font": {"size": 14}},
        font={"size": 15},
    )
    return figure


def mosaic(stack, title: str, limit: float | None = None, columns: int = 4, unit: str = "value") -> go.Figure:
    """Small pictures (maps or filters) laid out in one heatmap, small enough to stand beside another run's.

    Args:
        stack: float array (H, W, N): N maps of one layer, or N one-channel filters.
        title: the figure's title, e.g. "relu_1 — (26, 26, 32)".
        limit: the value drawn at full colour (the same for every run compared); the largest |value| if None.
        columns: pictures per row.
        unit: what a value is, for the hover and the colour bar ("value", "weight").

    Returns:
        One heatmap on the signed colour scale (red above 0, blue below, white at 0), white gaps
        between the pictures, square cells, no axes.
    """
    stack = np.asarray(stack, np.float32)
    columns = max(1, min(columns, stack.shape[-1]))
    picture = training.kernel_mosaic(stack[:, :, None, :], columns)
    limit = limit or style.signed_limit(stack)
    figure = go.Figure(training.signed_mosaic_heatmap(picture, limit, unit, 10))
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": "", "showline": False}
    figure.update_yaxes(autorange="reversed", scaleanchor="x", **hidden)
    figure.update_xaxes(**hidden)
    rows = -(-stack.shape[-1] // columns)
    figure.update_layout(
        title={"text": title, "font": {"size": 16}},
        height=max(170, int(60 + rows * 300 / columns)),  # room for the colour bar
        margin={"t": 40, "b": 10, "l": 10, "r": 10},
        plot_bgcolor="white",
    )
    return figure
