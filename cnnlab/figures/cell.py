"""How one number was made, written out: figures and sentences for the arithmetic of each layer kind.

The numbers written come from cnnlab.arithmetic's rounding (shown_parts), so the parts a page
shows add up exactly, on screen, to the total it shows, and that total is the stored number.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnlab import arithmetic, rounding
from cnnlab.figures import network, style
from cnnlab.rounding import written

FUNCTION_WORDS = {
    "relu": "ReLU: max(0, x)",
    "tanh": "tanh(x)",
    "sigmoid": "sigmoid: 1 / (1 + e^−x)",
    "identity": "the same number",
    "linear": "x",
}
TOP_CONTRIBUTIONS = 8


def number(value: float, digits: int = rounding.DIGITS) -> str:
    """A float written with `digits` decimals, thousands separators and a true minus sign."""
    return written(int(round(float(value) * 10**digits)), digits)


def operand(value: float, digits: int = rounding.DIGITS) -> str:
    """A number written to follow an operator: in brackets when negative, e.g. "(−0.0015)"."""
    text = number(value, digits)
    return f"({text})" if text.startswith("−") else text


def _signed(values) -> dict:
    """Heatmap colour settings for signed numbers: blue below 0, white at 0, red above, symmetric."""
    low, high = style.signed_range(values)
    return {"colorscale": style.SIGNED_COLORSCALE, "zmin": low, "zmax": high}


def _magnitude() -> dict:
    """Heatmap colour settings for pixels: black at 0, white at 1."""
    return {"colorscale": style.MAGNITUDE_COLORSCALE, "zmin": 0.0, "zmax": 1.0}


def number_grids(grids, texts, titles, magnitude_first: bool) -> go.Figure:
    """Small grids side by side, each cell with its number written in it.

    Args:
        grids: float arrays (kh, kw), e.g. the patch, the kernel and the products.
        texts: string arrays (kh, kw), the numbers to write (already rounded).
        titles: one title per grid.
        magnitude_first: draw the first grid as pixels (black to white) rather than signed numbers.

    Returns:
        A go.Figure with one heatmap per grid, each with text equal to texts.
    """
    size = np.shape(grids[0])
    layout = network.grid_layout(len(grids), len(grids), list(titles), size, gap=0.08)
    font = 15 if size[1] <= 3 else 11  # "−1.0469" must fit its cell at a projector's width
    traces = []
    for index, (grid, text) in enumerate(zip(grids, texts, strict=True)):
        colours = _magnitude() if index == 0 and magnitude_first else _signed(grid)
        x_ref, y_ref = ("x", "y") if index == 0 else (f"x{index + 1}", f"y{index + 1}")
        traces.append(
            go.Heatmap(
                z=np.asarray(grid, np.float32), text=text, texttemplate="%{text}", textfont={"size": font},
                showscale=False, xaxis=x_ref, yaxis=y_ref, hoverinfo="skip", **colours,
            )
        )  # fmt: skip
    for annotation in layout["annotations"]:
        annotation["font"] = {"size": 17}
    layout.update(height=120 + 44 * size[0], margin={"l": 10, "r": 10, "t": 50, "b": 10}, font={"size": 16})
    return go.Figure(data=traces, layout=layout)


def written_grid(values, digits: int = rounding.DIGITS) -> np.ndarray:
    """Floats written with `digits` decimals, as a string array of the same shape."""
    units = np.round(np.asarray(values, np.float64) * 10**digits).astype(np.int64)
    return np.vectorize(lambda unit: written(int(unit), digits))(units)


def written_units(units, digits: int = rounding.DIGITS) -> np.ndarray:
    """Integers in units of 10**-digits, written, as a string array of the same shape."""
    return np.vectorize(lambda unit: written(int(unit), digits))(np.asarray(units, np.int64))


def window_figure(layer_map, box, title: str, magnitude: bool, mark=None, height: int = 260) -> go.Figure:
    """A map with a red box around the cells one number reads (and an optional marked cell).

    Args:
        layer_map: float array (H, W), one channel of a layer's output, or the input picture.
        box: (top, left, bottom, right), bottom and right exclusive.
        title: the figure's title.
        magnitude: draw as pixels (black to white) rather than signed numbers.
        mark: (row, col) of one cell to outline in green, e.g. the winner of a max pooling window.
        height: the figure's height in pixels.

    Returns:
        A go.Figure with one heatmap and one rectangle per marked area.
    """
    colours = _magnitude() if magnitude else _signed(layer_map)
    figure = network.receptive_field_figure(layer_map, box, title, colours["colorscale"], height)
    figure.update_traces(zmin=colours["zmin"], zmax=colours["zmax"])
    if mark is not None:
        row, col = mark
        figure.add_shape(type="rect", x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5, line_color="#00c853")
    figure.update_layout(title_font_size=16, margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10})
    return figure


def sum_line(units, total: int, digits: int = rounding.DIGITS) -> str:
    """Numbers written as a sum, negative ones in brackets: "0.1200 + (−0.0400) + 0.0100 = 0.0900"."""
    terms = [written(int(unit), digits) for unit in units]
    terms = [f"({term})" if term.startswith("−") else term for term in terms]
    return " + ".join(terms) + f" = {written(total, digits)}"


def conv_lines(shown: rounding.ShownConv, kernel_size: str) -> list[str]:
    """The sentences that add a convolution cell up: per-channel sums, their total, the bias."""
    channels = len(shown.channel_sums)
    bias = f"({written(shown.bias)})" if shown.bias < 0 else written(shown.bias)
    lines = []
    if channels > 1:
        sums = sum_line(shown.channel_sums, shown.total)
        lines.append(f"The {channels} channel sums (each of {kernel_size} products): {sums}")
    total, value = written(shown.total), written(shown.value)
    lines.append(f"Σ of the {shown.products.size:,} products = {total}; + bias {bias} = **{value}**")
    return lines


def dense_rows(explained: arithmetic.DenseArithmetic, digits: int = rounding.DIGITS) -> tuple[str, int]:
    """A markdown table of a dense unit's largest contributions, the rest, the bias and the sum.

    Args:
        explained: a DenseArithmetic.
        digits: decimals written.

    Returns:
        The table, and the score before the activation in units of 10**-digits (what the rows add up to).
    """
    top = explained.order[:TOP_CONTRIBUTIONS]
    rest = np.setdiff1d(np.arange(explained.contributions.size), top)
    before = int(round(explained.before * 10**digits))
    bias = int(round(explained.bias * 10**digits))
    parts = [*explained.contributions[top], explained.contributions[rest].sum()]
    units = rounding.shown_parts(parts, (before - bias) / 10**digits, digits)
    rows = ["| input number | × weight | = product |", "|---:|---:|---:|"]
    for index, unit in zip(top, units, strict=False):
        rows.append(
            f"| #{index:,}: {number(explained.inputs[index])} | {number(explained.weights[index])} | {written(unit)} |"
        )
    rows.append(f"| the other {len(rest):,} products together | | {written(units[-1])} |")
    rows.append(f"| bias | | {written(bias)} |")
    rows.append(f"| **sum** | | **{written(before)}** |")
    return "\n".join(rows), before


def softmax_rows(softmax: arithmetic.SoftmaxArithmetic, class_names, chosen: int, digits: int = 6) -> str:
    """A markdown table: each class's score, exp(score − largest), and that over the sum of them all."""
    exponentials = rounding.shown_parts(softmax.exponentials, softmax.total, digits)
    rows = ["| class | score | e^(score − largest) | ÷ sum = probability |", "|---|---:|---:|---:|"]
    for index, name in enumerate(class_names):
        bold = "**" if index == chosen else ""
        row = f"| {bold}{name}{bold} | {number(softmax.scores[index])} | {written(exponentials[index], digits)} |"
        rows.append(f"{row} {bold}{number(softmax.probabilities[index], digits)}{bold} |")
    rows.append(f"| **sum** | | **{written(int(exponentials.sum()), digits)}** | |")
    return "\n".join(rows)
