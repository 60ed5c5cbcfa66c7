"""Figures for a training run: learning curves, first-layer kernels, confusion matrix, image grids."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnlab.figures import style

TITLE_SIZE = 16  # "Pred: 7 / True: 1" above each small image, readable from the back of a room

TRAIN_COLOUR = "#1f77b4"
VALIDATION_COLOUR = "#ff7f0e"
WRONG_COLOUR = "#d62728"
RATE_COLOUR = "#2ca02c"
MAX_POINTS = 600  # per-batch points sent to the browser; long runs are thinned to this


def smooth(values, weight: float = 0.9) -> np.ndarray:
    """An exponential moving average, started without bias (as TensorBoard does).

    Args:
        values: a sequence of N floats.
        weight: how much of the previous average each step keeps, in [0, 1).

    Returns:
        float64 array (N,).
    """
    if not 0 <= weight < 1:
        raise ValueError("The smoothing weight must be at least 0 and below 1.")
    values = np.asarray(values, dtype=np.float64)
    smoothed = np.empty_like(values)
    average = 0.0
    for index, value in enumerate(values):
        average = weight * average + (1 - weight) * value
        smoothed[index] = average / (1 - weight ** (index + 1))
    return smoothed


def _shown_points(count: int) -> np.ndarray:
    """Indices of at most MAX_POINTS evenly spread points out of `count`, the last one always kept."""
    if not count:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.r_[np.arange(0, count, -(-count // MAX_POINTS) or 1), count - 1])


def learning_curves(
    batch_loss,
    batch_accuracy,
    batch_ends,
    learning_rates,
    epoch_loss,
    epoch_accuracy,
    val_loss,
    val_accuracy,
    batches_per_epoch: int,
    steps_per_execution: int = 1,
) -> go.Figure:
    """Loss and accuracy side by side, the learning rate under the loss: each group of batches, their
    moving average, and each epoch.

    Args:
        batch_loss, batch_accuracy: float sequences (G,), the mean over each group of batches.
        batch_ends: int sequence (G,), the batches trained when each group ended.
        learning_rates: float sequence (G,), the learning rate at the end of each group.
        epoch_loss, epoch_accuracy: float sequences (E,), training means per epoch.
        val_loss, val_accuracy: float sequences (E,), validation values per epoch.
        batches_per_epoch: batches in one epoch, to put batches and epochs on one axis.
        steps_per_execution: batches per group (1: a point per batch), named in the legend.

    Returns:
        A figure with three panels; the x axis counts epochs (a group ending at batch b sits at
        b / batches_per_epoch); at most MAX_POINTS points per curve, evenly thinned, the last kept.
    """
    titles = ("Loss (lower is better)", "Accuracy (higher is better)", "Learning rate (the size of each step)")
    figure = make_subplots(
        rows=2,
        cols=2,
        specs=[[{}, {}], [{}, None]],
        subplot_titles=titles,
        row_heights=[0.68, 0.32],
        vertical_spacing=0.16,
        shared_xaxes=True,
    )
    shown = _shown_points(len(batch_loss))
    steps = (np.asarray(batch_ends, dtype=np.float64) / max(batches_per_epoch, 1))[shown]
    weight = 0.9**steps_per_execution  # the same smoothing per batch, however many batches a point holds
    epochs = np.arange(1, len(epoch_loss) + 1)
    each = "each batch" if steps_per_execution == 1 else f"each group of {steps_per_execution} batches (their mean)"
    panels = ((batch_loss, epoch_loss, val_loss), (batch_accuracy, epoch_accuracy, val_accuracy))
    for column, (per_group, per_epoch, validation) in enumerate(panels, start=1):
        per_group = np.asarray(per_group, dtype=np.float64)
        traces = [
            go.Scatter(x=steps, y=per_group[shown], name=each, line={"color": TRAIN_COLOUR, "width": 1}, opacity=0.3),
            go.Scatter(
                x=steps, y=smooth(per_group, weight)[shown], name="training (smoothed)", line={"color": TRAIN_COLOUR}
            ),
            go.Scatter(
                x=epochs, y=per_epoch, name="training, epoch mean", mode="markers", marker={"color": TRAIN_COLOUR}
            ),
            go.Scatter(
                x=epochs, y=validation, name="validation", mode="lines+markers", line={"color": VALIDATION_COLOUR}
            ),
        ]
        for trace in traces:
            trace.update(legendgroup=trace.name, showlegend=column == 1)
            figure.add_trace(trace, row=1, col=column)
    rates = np.asarray(learning_rates, dtype=np.float64)[shown] if len(learning_rates) else []
    figure.add_trace(
        go.Scatter(x=steps, y=rates, name="learning rate", line={"color": RATE_COLOUR}, showlegend=False), row=2, col=1
    )
    figure.update_traces(marker={"size": 9}, selector={"mode": "markers"})
    figure.update_xaxes(rangemode="tozero")
    figure.update_xaxes(title_text="epoch", row=2, col=1)
    figure.update_xaxes(title_text="epoch", row=1, col=2)
    figure.update_yaxes(rangemode="tozero", tickformat="~g", row=2, col=1)
    figure.update_layout(
        height=480, margin={"t": 40, "b": 40, "l": 40, "r": 10}, legend={"orientation": "h", "y": -0.2}
    )
    return figure


def kernel_mosaic(kernels: np.ndarray, columns: int = 8) -> np.ndarray:
    """Lay the kernels of a one-channel conv layer side by side, with a NaN gap between them.

    Args:
        kernels: float array (kh, kw, 1, filters).
        columns: kernels per row.

    Returns:
        float64 array (rows * (kh + 1) - 1, columns * (kw + 1) - 1); gaps are NaN.
    """
    kernels = np.asarray(kernels, dtype=np.float64)
    if kernels.ndim != 4 or kernels.shape[2] != 1:
        raise ValueError("Kernels must have the shape (height, width, 1, filters) of a first conv layer.")
    height, width, _, count = kernels.shape
    rows = -(-count // columns)
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for index in range(count):
        top, left = (index // columns) * (height + 1), (index % columns) * (width + 1)
        mosaic[top : top + height, left : left + width] = kernels[:, :, 0, index]
    return mosaic


def largest_weight(kernel_list) -> float:
    """The largest |weight| over several snapshots of kernels, to draw them all on one colour scale.

    Args:
        kernel_list: float arrays of any shape.

    Returns:
        A positive float (1.0 if every weight is 0 or the list is empty).
    """
    largest = max((float(np.max(np.abs(kernels))) for kernels in kernel_list), default=0.0)
    return largest or 1.0


def signed_mosaic_heatmap(picture: np.ndarray, limit: float, unit: str, thickness: int) -> go.Heatmap:
    """A mosaic (NaN gaps between its pictures) on the signed colour scale from −limit to limit.

    Args:
        picture: float array (rows, cols), NaN where the gaps are.
        limit: the value drawn at full colour.
        unit: what a value is, for the hover and the colour bar ("weight", "value").
        thickness: the colour bar's thickness in pixels.
    """
    return go.Heatmap(
        z=picture,
        zmin=-limit,
        zmax=limit,
        colorscale=style.SIGNED_COLORSCALE,
        hoverongaps=False,
        hovertemplate=f"{unit} %{{z:.3f}}<extra></extra>",
        colorbar={"title": unit, "thickness": thickness},
    )


def kernel_grid(kernels: np.ndarray, columns: int = 8, limit: float | None = None) -> go.Figure:
    """The first conv layer's kernels as small heatmaps: red weights add, blue weights subtract.

    Args:
        kernels: float array (kh, kw, 1, filters).
        columns: kernels per row.
        limit: the weight drawn at full colour (same scale across epochs); the largest |weight| if None.

    Returns:
        One heatmap of all kernels, white gaps between them, a colour bar centred on 0.
    """
    mosaic = kernel_mosaic(kernels, columns)
    limit = limit or float(np.nanmax(np.abs(mosaic))) or 1.0
    figure = go.Figure(signed_mosaic_heatmap(mosaic, limit, "weight", 12))
    figure.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor="x", showgrid=False, zeroline=False)
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    rows = mosaic.shape[0] // (kernels.shape[0] + 1) + 1
    figure.update_layout(height=90 + 70 * rows, margin={"t": 10, "b": 10, "l": 10, "r": 10}, plot_bgcolor="white")
    return figure


def confusion_matrix(confusion: np.ndarray, class_names: list[str]) -> go.Figure:
    """A confusion matrix: row = true class, column = predicted class, each cell a count.

    Args:
        confusion: int array (C, C).
        class_names: C names.

    Returns:
        A heatmap with the counts written in the cells.
    """
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape != (len(class_names), len(class_names)):
        raise ValueError("The confusion matrix must be square with one row per class name.")
    figure = go.Figure(
        go.Heatmap(
            z=confusion,
            x=class_names,
            y=class_names,
            text=confusion,
            texttemplate="%{text}",
            colorscale="Blues",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            showscale=False,
        )
    )
    figure.update_xaxes(title_text="predicted class", type="category", side="top")
    figure.update_yaxes(title_text="true class", type="category", autorange="reversed")
    figure.update_layout(height=460, margin={"t": 60, "b": 10, "l": 10, "r": 10})
    return figure


def image_grid(
    images: np.ndarray, titles: list[str], wrong: list[bool] | None = None, columns: int = 5, row_height: int = 190
) -> go.Figure:
    """Small grey images with a title above each; titles of wrong answers in red.

    Args:
        images: uint8 array (K, 28, 28), 0 = black.
        titles: K strings (may hold "<br>" for a second line).
        wrong: K flags, True to colour that title red.
        columns: images per row.
        row_height: pixels per row, title included.

    Returns:
        A figure of K heatmaps in a grid, without axes; each image sits right under its title.
    """
    if len(images) != len(titles):
        raise ValueError("There must be one title per image.")
    if len(images) == 0:
        return go.Figure().update_layout(height=80, annotations=[{"text": "Nothing to show.", "showarrow": False}])
    rows = -(-len(images) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles, vertical_spacing=0.5 / rows / 2)
    for index, image in enumerate(images):
        cell = {"row": index // columns + 1, "col": index % columns + 1}
        figure.add_trace(
            go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"), **cell
        )
        figure.update_yaxes(scaleanchor="x" if index == 0 else f"x{index + 1}", **cell)
    for annotation, is_wrong in zip(figure.layout.annotations, wrong or [False] * len(titles), strict=False):
        annotation.font = {"size": TITLE_SIZE, "color": WRONG_COLOUR if is_wrong else "#262730"}
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed", constrain="domain", constraintoward="top")
    figure.update_layout(height=row_height * rows, margin={"t": 50, "b": 10, "l": 10, "r": 10})
    return figure


def predictions_grid(
    images, true, predicted, class_names: list[str], confidence=None, columns: int = 5, row_height: int = 190
) -> go.Figure:
    """Test images titled "Pred: x" over "True: y" (as in the Fashion-MNIST notebook); wrong ones in red.

    Args:
        images: uint8 array (K, 28, 28).
        true, predicted: int arrays (K,) of class indices.
        class_names: the names of the classes.
        confidence: float array (K,) of the predicted class's probability, shown as a percentage; optional.
        columns: images per row.
        row_height: pixels per row, title included.

    Returns:
        The image grid figure.
    """
    titles = []
    for index, (truth, guess) in enumerate(zip(true, predicted, strict=True)):
        sure = "" if confidence is None else f" ({confidence[index]:.0%})"
        titles.append(f"Pred: {class_names[guess]}{sure}<br>True: {class_names[truth]}")
    wrong = [bool(guess != truth) for truth, guess in zip(true, predicted, strict=True)]
    return image_grid(images, titles, wrong, columns, row_height)
