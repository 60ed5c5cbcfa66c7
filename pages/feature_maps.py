"""Feature maps: what every layer of the network makes of the current input."""

import numpy as np
import streamlit as st

from cnnlab import activations, arithmetic, data, rounding
from cnnlab.figures import cell as cell_figures
from cnnlab.figures import draw, network, style
from pages import code_view, shared

shared.through_app_navigation()

TABS = ["Feature maps", "Dense layers and answer", "Kernels", "One number, step by step", "Which pixels mattered"]
HEAT_METHODS = {
    "Saliency": (activations.saliency, "Bright pixels: a small change there would change the score of «{}» most."),
    "Grad-CAM": (activations.grad_cam, "Bright areas: where the last convolution layer found evidence for «{}»."),
}


@st.cache_data(show_spinner=False)
def embedded_test_set(dataset: str):
    """The embedded test images (uint8 (N, 28, 28)) and labels of a dataset."""
    return data.load_embedded(dataset)[1]


def keep_in_range(key: str, highest: int, fallback: int = 0) -> None:
    """Give a slider the value last chosen for it if that still fits (else fallback), before it is drawn.

    A slider whose range changes is a new widget to Streamlit and would start again from its
    default, so the last choice is kept under a key of its own ("<key>_kept").
    """
    kept = st.session_state.get(f"{key}_kept", st.session_state.get(key, fallback))
    st.session_state[key] = kept if 0 <= kept <= highest else fallback


def remember(key: str) -> None:
    """Keep a slider's current value for the next time its range changes."""
    st.session_state[f"{key}_kept"] = st.session_state[key]


def offer_sample(model_key: str) -> None:
    st.info("There is no input yet. Draw a digit on the **Draw a digit** page, or use one from the test set.")
    if st.button("Use a sample test digit", key="sample_digit", type="primary"):
        images, labels = embedded_test_set(shared.dataset_of(model_key))
        index = int(np.random.default_rng().integers(len(images)))
        name = shared.class_names(model_key)[int(labels[index])]
        shared.set_input(images[index].astype(np.float32) / 255.0, None, f"test image #{index} (a {name})")
        st.rerun()


@st.fragment
def maps_section(model, maps) -> None:
    st.markdown(f"**Shapes, layer by layer:** {network.shape_flow(maps)}")
    headers = {name: network.layer_header(name, maps[name]) for name in activations.spatial_layers(model)}
    layer = st.radio("Layer", list(headers), horizontal=True, key="map_layer", format_func=headers.get)
    st.subheader(headers[layer], help=f"Exact shape: {network.shape_text(maps[layer].shape)}")
    st.write(network.layer_caption(layer, maps[layer]))
    st.caption(style.SIGNED_WORDS)
    st.plotly_chart(network.feature_map_grid(maps[layer]))
    code_view.show_code(activations.FeatureExtractor.maps)


def dense_section(model, maps, names) -> None:
    many = any(maps[layer].size > 256 for layer in network.dense_layer_names(maps))
    if many:
        st.write(
            "Each bar is one number a dense layer passes on, sorted from the largest down. No single number "
            "stands for a digit: the answer is spread over many of them, so unsorted they look like noise."
        )
    for layer in network.dense_layer_names(maps):
        count = maps[layer].size
        st.subheader(network.layer_header(layer, maps[layer]), help=f"Exact shape: ({count},)")
        title = f"The {count:,} numbers {layer} passes on" + (", largest first" if many else "")
        st.plotly_chart(network.activation_bars(maps[layer], title, largest_first=many), config=style.CHART_CONFIG)
    scores = arithmetic.softmax_arithmetic(model, maps).scores
    st.subheader("The last ten numbers: one score per class", anchor=False)
    figure = network.activation_bars(scores, "Scores before softmax", unit="class", names=names)
    st.plotly_chart(figure, config=style.CHART_CONFIG)
    st.subheader(network.layer_header("output", maps["output"]).replace("numbers", "probabilities"))
    st.write("Softmax turns these ten scores into probabilities that add up to 1: the largest score wins.")
    st.plotly_chart(draw.probability_bars(maps["output"], names, height=380))


@st.fragment
def kernels_section(model, convs) -> None:
    layer = st.radio("Convolution layer", convs, horizontal=True, key="kernel_layer")
    kernel, _ = activations.conv_kernels(model, layer)
    size, inputs, filters = f"{kernel.shape[0]}×{kernel.shape[1]}", kernel.shape[2], kernel.shape[3]
    st.subheader(f"{layer} — {filters:,} filters, each {size}×{inputs:,}")
    st.write(f"Red weights add, blue weights subtract; white is close to 0. {style.SIGNED_WORDS}")
    if inputs == 1:
        st.plotly_chart(network.kernel_grid(kernel, f"The {filters} kernels of {layer}", numbers=True))
    else:
        keep_in_range("kernel_filter", filters - 1)
        chosen = st.slider("Filter", 0, filters - 1, key="kernel_filter", on_change=remember, args=("kernel_filter",))
        st.write(f"Filter {chosen} reads all {inputs} maps below it, so it has one {size} kernel for each.")
        title = f"{layer}, filter {chosen}: one kernel per input channel"
        st.plotly_chart(network.kernel_grid(kernel[:, :, :, chosen], title, label="input", numbers=True))
    code_view.show_code(activations.conv_kernels)


def cell_controls(maps, convs) -> tuple[str, int, int, int]:
    columns = st.columns(4)
    layer = columns[0].selectbox("Layer", convs, key="cell_layer")
    height, width, channels = maps[layer].shape
    for key, highest in (("cell_channel", channels - 1), ("cell_row", height - 1), ("cell_col", width - 1)):
        keep_in_range(key, highest, 0 if key == "cell_channel" else (highest + 1) // 2)
    kept = {"on_change": remember}
    channel = columns[1].slider("Filter (channel)", 0, channels - 1, key="cell_channel", args=("cell_channel",), **kept)
    row = columns[2].slider("Row", 0, height - 1, key="cell_row", args=("cell_row",), **kept)
    col = columns[3].slider("Column", 0, width - 1, key="cell_col", args=("cell_col",), **kept)
    return layer, channel, row, col


@st.fragment
def cell_section(model, maps, convs) -> None:
    st.write("Pick one number in a feature map and see the multiply-and-add that made it.")
    layer, channel, row, col = cell_controls(maps, convs)
    cell = activations.cell_arithmetic(model, maps, layer, row, col, channel)
    box = activations.receptive_field(model, layer, row, col)
    left, right = st.columns(2)
    # Titles as text above the charts: in half a projector's width a chart title would be cut.
    top, left_edge, bottom, right_edge = box
    left.markdown(f"**The input pixels it sees: rows {top}–{bottom - 1}, columns {left_edge}–{right_edge - 1}**")
    left.plotly_chart(cell_figures.window_figure(maps["input"][:, :, 0], box, "", True), config=style.CHART_CONFIG)
    right.markdown(f"**{layer}, map {channel}: the cell (row {row}, column {col})**")
    marked = cell_figures.window_figure(maps[layer][:, :, channel], (row, col, row + 1, col + 1), "", False)
    right.plotly_chart(marked, config=style.CHART_CONFIG)
    kernel_height, kernel_width, inputs = cell.patch.shape
    source, size = cell.input_layer, f"{kernel_height}×{kernel_width}"
    shown = rounding.shown_conv(cell, float(maps[layer][row, col, channel]))
    if inputs > 1:
        st.write(f"{layer} reads the {inputs:,} maps of {source}, so there are {inputs:,} patches of {size} numbers.")
        keep_in_range("cell_input_channel", inputs - 1)
        pick = st.slider(
            f"Input channel of {source}",
            0,
            inputs - 1,
            key="cell_input_channel",
            on_change=remember,
            args=("cell_input_channel",),
        )
    else:
        pick = 0
    st.markdown(f"The patch of {source} (channel {pick}) under the kernel of filter {channel}, and their products:")
    titles = ("patch", "× kernel", "= products")
    grids = [cell.patch[..., pick], cell.kernel[..., pick], cell.products[..., pick]]
    texts = [cell_figures.written_grid(grids[0]), cell_figures.written_grid(grids[1])]
    texts.append(cell_figures.written_units(shown.products[..., pick]))
    st.plotly_chart(cell_figures.number_grids(grids, texts, titles, source == "input"), config=style.CHART_CONFIG)
    added = cell_figures.sum_line(shown.products[..., pick].ravel(), int(shown.channel_sums[pick]))
    st.markdown(f"Products of channel {pick} added: {added}")
    for line in cell_figures.conv_lines(shown, str(kernel_height * kernel_width)):
        st.markdown(f"### {line}" if line.startswith("Σ") else line)
    first, second = st.columns(2)
    first.metric(f"Value in {layer} (row {row}, column {col}, map {channel})", f"{cell.value:.4f}")
    if cell.activation is not None:
        second.metric("After ReLU", f"{cell.activation:.4f}")
    st.caption(f"The network itself stored {maps[layer][row, col, channel]:.4f} in that cell: the same number.")
    code_view.show_code(activations.cell_arithmetic)


@st.fragment
def heat_section(extractor, maps, names) -> None:
    method = st.radio("Method", list(HEAT_METHODS), horizontal=True, key="heat_method")
    predicted, _ = activations.top_prediction(maps["output"], names)
    function, words = HEAT_METHODS[method]
    st.write(words.format(predicted))
    heat = function(extractor, maps["input"])
    figure = network.overlay_figure(maps["input"][:, :, 0], heat, f"{method} for «{predicted}»")
    st.columns([2, 1])[0].plotly_chart(figure)
    code_view.show_code(function)


def main() -> None:
    st.title("Feature maps")
    st.write("A network does not see a digit at once: each layer turns the picture into new pictures of numbers.")
    model_key = shared.choose_model()
    image, label = shared.current_input()
    if image is None:
        offer_sample(model_key)
        return
    extractor = shared.get_extractor(model_key)
    if extractor is None:
        return
    maps, names = extractor.maps(image), shared.class_names(model_key)
    predicted, probability = activations.top_prediction(maps["output"], names)
    st.write(f"Input: {label}. The model says **{predicted}** ({probability:.1%}).")
    convs = activations.conv_layers(extractor.model)
    if not convs:
        st.info("This model has no convolution layers, so it has no feature maps: it only has dense layers.")
        dense_section(extractor.model, maps, names)
        return
    tabs = st.tabs(TABS)
    with tabs[0]:
        maps_section(extractor.model, maps)
    with tabs[1]:
        dense_section(extractor.model, maps, names)
    with tabs[2]:
        kernels_section(extractor.model, convs)
    with tabs[3]:
        cell_section(extractor.model, maps, convs)
    with tabs[4]:
        heat_section(extractor, maps, names)


main()
