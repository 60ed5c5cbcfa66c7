"""Feature maps: what every layer of the network makes of the current input."""

import inspect

import numpy as np
import streamlit as st

from cnnlab import activations, data
from cnnlab.figures import draw, network
from pages import shared

TABS = ["Feature maps", "Dense layers and answer", "Kernels", "One number, step by step", "Which pixels mattered"]
HEAT_METHODS = {
    "Saliency": (activations.saliency, "Bright pixels: a small change there would change the score of «{}» most."),
    "Grad-CAM": (activations.grad_cam, "Bright areas: where the last convolution layer found evidence for «{}»."),
}


@st.cache_data(show_spinner=False)
def embedded_test_set(dataset: str):
    """The embedded test images (uint8 (N, 28, 28)) and labels of a dataset."""
    return data.load_embedded(dataset)[1]


def show_code(*functions) -> None:
    with st.expander("Show the code"):
        for function in functions:
            st.code(inspect.getsource(function), language="python")


def keep_in_range(key: str, highest: int, fallback: int = 0) -> None:
    """Put a remembered slider value that is above highest back to fallback, before the slider is drawn."""
    if st.session_state.get(key, 0) > highest:
        st.session_state[key] = fallback


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
    st.subheader(headers[layer])
    st.write(network.layer_caption(layer, maps[layer]))
    st.plotly_chart(network.feature_map_grid(maps[layer]))
    show_code(activations.FeatureExtractor.maps)


def dense_section(maps, names) -> None:
    for layer in network.dense_layer_names(maps):
        st.subheader(network.layer_header(layer, maps[layer]))
        st.plotly_chart(network.activation_bars(maps[layer], f"The {maps[layer].size} numbers {layer} passes on"))
    st.subheader(network.layer_header("output", maps["output"]))
    st.write("Softmax turns the last ten numbers into probabilities that add up to 1.")
    st.plotly_chart(draw.probability_bars(maps["output"], names, height=380))


@st.fragment
def kernels_section(model, convs) -> None:
    layer = st.radio("Convolution layer", convs, horizontal=True, key="kernel_layer")
    kernel, _ = activations.conv_kernels(model, layer)
    size, inputs, filters = f"{kernel.shape[0]}×{kernel.shape[1]}", kernel.shape[2], kernel.shape[3]
    st.subheader(f"{layer} — {filters} filters, each {size}×{inputs}")
    st.write("Red weights add, blue weights subtract; white is close to 0.")
    if inputs == 1:
        st.plotly_chart(network.kernel_grid(kernel, f"The {filters} kernels of {layer}", numbers=True))
    else:
        keep_in_range("kernel_filter", filters - 1)
        chosen = st.slider("Filter", 0, filters - 1, 0, key="kernel_filter")
        st.write(f"Filter {chosen} reads all {inputs} maps below it, so it has one {size} kernel for each.")
        title = f"{layer}, filter {chosen}: one kernel per input channel"
        st.plotly_chart(network.kernel_grid(kernel[:, :, :, chosen], title, label="input", numbers=True))
    show_code(activations.conv_kernels)


def cell_controls(maps, convs) -> tuple[str, int, int, int]:
    columns = st.columns(4)
    layer = columns[0].selectbox("Layer", convs, key="cell_layer")
    height, width, channels = maps[layer].shape
    for key, highest in (("cell_channel", channels - 1), ("cell_row", height - 1), ("cell_col", width - 1)):
        keep_in_range(key, highest, 0 if key == "cell_channel" else (highest + 1) // 2)
    channel = columns[1].slider("Filter (channel)", 0, channels - 1, 0, key="cell_channel")
    row = columns[2].slider("Row", 0, height - 1, height // 2, key="cell_row")
    col = columns[3].slider("Column", 0, width - 1, width // 2, key="cell_col")
    return layer, channel, row, col


@st.fragment
def cell_section(model, maps, convs) -> None:
    st.write("Pick one number in a feature map and see the multiply-and-add that made it.")
    layer, channel, row, col = cell_controls(maps, convs)
    cell = activations.cell_arithmetic(model, maps, layer, row, col, channel)
    box = activations.receptive_field(model, layer, row, col)
    left, right = st.columns(2)
    left.plotly_chart(network.receptive_field_figure(maps["input"][:, :, 0], box))
    right.plotly_chart(network.cell_figure(maps[layer][:, :, channel], row, col, f"{layer}, map #{channel}"))
    inputs, source = cell.patch.shape[-1], cell.input_layer
    if inputs > 1:
        st.write(f"{layer} reads the {inputs} maps of {source}, so there are {inputs} patches of 3×3 numbers.")
        keep_in_range("cell_input_channel", inputs - 1)
        pick = st.slider(f"Input channel of {source}", 0, inputs - 1, 0, key="cell_input_channel")
    else:
        pick = 0
    titles = (f"{source} patch (channel {pick})", f"× kernel (filter {channel})", "= products")
    st.plotly_chart(
        network.arithmetic_grids(cell.patch[..., pick], cell.kernel[..., pick], cell.products[..., pick], titles)
    )
    if inputs > 1:
        st.plotly_chart(network.channel_sums_figure(cell.products.sum(axis=(0, 1)), pick))
    st.markdown(f"### {network.arithmetic_equation(cell)}")
    first, second = st.columns(2)
    first.metric(f"Value in {layer} (row {row}, column {col}, map {channel})", f"{cell.value:.4f}")
    if cell.activation is not None:
        second.metric("After ReLU", f"{cell.activation:.4f}")
    st.caption(f"The network itself stored {maps[layer][row, col, channel]:.4f} in that cell: the same number.")
    show_code(activations.cell_arithmetic)


@st.fragment
def heat_section(extractor, maps, names) -> None:
    method = st.radio("Method", list(HEAT_METHODS), horizontal=True, key="heat_method")
    predicted, _ = activations.top_prediction(maps["output"], names)
    function, words = HEAT_METHODS[method]
    st.write(words.format(predicted))
    heat = function(extractor, maps["input"])
    figure = network.overlay_figure(maps["input"][:, :, 0], heat, f"{method} for «{predicted}»")
    st.columns([2, 1])[0].plotly_chart(figure)
    show_code(function)


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
        dense_section(maps, names)
        return
    tabs = st.tabs(TABS)
    with tabs[0]:
        maps_section(extractor.model, maps)
    with tabs[1]:
        dense_section(maps, names)
    with tabs[2]:
        kernels_section(extractor.model, convs)
    with tabs[3]:
        cell_section(extractor.model, maps, convs)
    with tabs[4]:
        heat_section(extractor, maps, names)


main()
