"""How one number of the whole-network view was made: where it looks, and its arithmetic for its layer's kind."""

import numpy as np
import streamlit as st

from cnnlab import arithmetic, geometry, rounding
from cnnlab.figures import cell as figures
from cnnlab.figures import style
from cnnlab.rounding import written
from pages import code_view


def place_words(position: tuple) -> str:
    if len(position) == 3:
        return f"row {position[0]}, column {position[1]}, map {position[2]}"
    return f"number #{position[0]:,}"


def where_it_looks(seen, layer: str, position: tuple, source_map: int, mark=None) -> None:
    """The receptive field on the input and the window read in one map of the layer before, side by side."""
    if len(position) != 3:
        st.markdown("A flat layer's number reads every number of the layer before it, so it sees the whole picture.")
        return
    row, col, _ = position
    previous = geometry.previous_layer(seen.model, layer)
    field = geometry.receptive_field(seen.model, layer, row, col)
    top, left, bottom, right = field
    first, second = st.columns(2)
    first.markdown(f"**It sees input rows {top}–{bottom - 1}, columns {left}–{right - 1}**")
    first.plotly_chart(figures.window_figure(seen.image, field, "", True), config=style.CHART_CONFIG)
    if previous != "input":
        box = geometry.cells_read(seen.model, layer, row, col, back_to=previous)
        second.markdown(f"**It reads this window of {previous}, map {source_map}**")
        shown = seen.outputs[previous][:, :, source_map]
        second.plotly_chart(figures.window_figure(shown, box, "", False, mark), config=style.CHART_CONFIG)


def conv(seen, layer: str, position: tuple) -> None:
    row, col, channel = position
    cell = seen.explain(layer, position)
    shown = rounding.shown_conv(cell, float(seen.outputs[layer][position]))
    height, width, inputs = cell.patch.shape
    size = f"{height}×{width}"
    st.markdown(f"Filter {channel} lays its {size} kernel on each of the {inputs:,} maps of {cell.input_layer}.")
    strongest = int(np.argmax(np.abs(cell.channel_sums)))
    pick = 0
    if inputs > 1:
        pick = st.selectbox(f"Map of {cell.input_layer} to look at", range(inputs), index=strongest, key="cell_pick")
    where_it_looks(seen, layer, position, pick)
    patch, kernel = cell.patch[..., pick], cell.kernel[..., pick]
    texts = [
        figures.written_grid(patch),
        figures.written_grid(kernel),
        figures.written_units(shown.products[..., pick]),
    ]
    st.markdown(f"The patch of {cell.input_layer} (map {pick}) under filter {channel}'s kernel, and their products:")
    titles = ("patch", "× kernel", "= products")
    grids = figures.number_grids([patch, kernel, cell.products[..., pick]], texts, titles, cell.input_layer == "input")
    st.plotly_chart(grids, config=style.CHART_CONFIG)
    added = figures.sum_line(shown.products[..., pick].ravel(), int(shown.channel_sums[pick]))
    st.markdown(f"Products of map {pick} added: {added}")
    for line in figures.conv_lines(shown, f"{height * width}"):
        st.markdown(line)
    code_view.show_code(arithmetic.cell_arithmetic)


def pool(seen, layer: str, position: tuple) -> None:
    explained = seen.explain(layer, position)
    where_it_looks(seen, layer, position, position[2], explained.winner)
    count, source, value = explained.window.size, explained.input_layer, figures.number(explained.value)
    if explained.function == "max":
        numbers = ", ".join(figures.number(value) for value in explained.window.ravel())
        st.markdown(f"Max pooling keeps the largest of the {count} numbers in its window of {source}:")
        st.markdown(f"max({numbers}) = **{value}**")
    else:
        first, *others = explained.window.ravel()
        numbers = " + ".join([figures.number(first), *(figures.operand(value) for value in others)])
        st.markdown(f"Average pooling keeps the mean of the {count} numbers in its window of {source}:")
        st.markdown(f"({numbers}) / {count} = **{value}**")
    code_view.show_code(arithmetic.pool_arithmetic)


def norm(seen, layer: str, position: tuple) -> None:
    explained = seen.explain(layer, position)
    if len(position) == 3:
        where_it_looks(seen, layer, position, position[2])
    number, operand = figures.number, figures.operand
    which = f"map {position[-1]}" if len(position) == 3 else f"number #{position[0]:,}"
    st.markdown(
        f"Batch normalisation keeps four numbers for {which}, learned while training: the mean of what it saw "
        f"({number(explained.mean)}), their variance ({number(explained.variance)}), a scale "
        f"({number(explained.scale)}) and a shift ({number(explained.shift)}). It takes the number at the same "
        f"place of {explained.input_layer}, subtracts the mean, divides by the spread, scales and shifts:"
    )
    spread = f"√({number(explained.variance)} + {explained.epsilon:g})"
    formula = f"({number(explained.before)} − {operand(explained.mean)}) / {spread} × {operand(explained.scale)}"
    st.markdown(f"{formula} + {operand(explained.shift)} = **{number(explained.value)}**")
    code_view.show_code(arithmetic.norm_arithmetic)


def passed(seen, layer: str, position: tuple) -> None:
    explained = seen.explain(layer, position)
    if len(position) == 3:
        where_it_looks(seen, layer, position, position[2])
    before, value = figures.number(explained.before), figures.number(explained.value)
    source = place_words(explained.source)
    if explained.function == "identity":
        st.markdown(f"This is the number at {source} of {explained.input_layer}, passed on as it is: **{value}**.")
    else:
        words = figures.FUNCTION_WORDS.get(explained.function, explained.function)
        formula = f"{explained.function}({before}) = **{value}**"
        st.markdown(f"{words} of the number at {source} of {explained.input_layer}: {formula}")


def dense(seen, layer: str, position: tuple) -> None:
    explained = seen.explain(layer, position)
    where_it_looks(seen, layer, position, 0)
    table, before = figures.dense_rows(explained)
    st.markdown(
        f"Each of the {explained.inputs.size:,} numbers of {explained.input_layer} times its weight, the largest first:"
    )
    st.markdown(table)
    value = figures.number(explained.value)
    if explained.function == "softmax":
        softmax = arithmetic.softmax_arithmetic(seen.model, seen.outputs, layer)
        name = seen.class_names[position[0]]
        st.markdown(f"That sum is the score of {name}. Softmax turns the ten scores into probabilities:")
        st.markdown(figures.softmax_rows(softmax, seen.class_names, position[0]))
    else:
        st.markdown(f"{explained.function}({written(before)}) = **{value}**")
    code_view.show_code(arithmetic.dense_arithmetic)


KINDS = {"conv": conv, "pool": pool, "avgpool": pool, "batchnorm": norm, "dense": dense, "softmax": dense}


def show(seen, layer: str, position: tuple) -> None:
    """Where one number looks and how it was computed, for any layer kind."""
    info = seen.layer(layer)
    value = float(seen.outputs[layer][position])
    st.subheader(f"{layer}, {place_words(position)}: {figures.number(value)}", anchor=False)
    KINDS.get(info.kind, passed)(seen, layer, position)
