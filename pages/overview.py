"""The whole network: every layer side by side for the current input; click any number to see how it was made."""

import streamlit as st

from cnnlab import geometry, reading
from cnnlab.figures import animation, overview, style
from pages import cell_detail, drawing, shared

shared.through_app_navigation()

SELECTION = 6
CELL_KEY = "overview_cell"


def read(model_key: str, image):
    """The reading of the current input by a model, or None after saying why it cannot be shown."""
    extractor = shared.get_extractor(model_key)
    if extractor is None:
        return None
    try:
        return reading.read(extractor, image, shared.class_names(model_key))
    except ValueError as error:  # a built network with a layer this page does not draw yet
        st.info(f"This page cannot draw {shared.label_of(model_key)}: {error} **Feature maps** shows every layer.")
        return None


def controls(model_key: str) -> tuple[str | None, bool, bool]:
    """The second model to compare with, whether to show every map, and whether the strongest maps come first."""
    others = [key for key in shared.model_options() if key != model_key]
    compare = st.selectbox("Compare with", [None, *others], key="overview_compare", format_func=compare_label)
    show_all = st.toggle("Show every map", key="overview_all")
    strongest = st.toggle("Strongest maps first", value=True, key="overview_strongest")
    return compare, show_all, strongest


def compare_label(key) -> str:
    return "no second model" if key is None else shared.label_of(key)


def network(model_key: str, seen, show_all: bool, strongest: bool) -> None:
    """One model's overview figure; a click on a number remembers that cell and shows how it was made."""
    name, probability = seen.prediction
    st.markdown(f"**{shared.label_of(model_key)}** says **{name}** ({probability:.1%} sure).")
    figure = overview.overview_figure(seen, overview.shown_channels(seen, None if show_all else SELECTION, strongest))
    version = st.session_state.get("overview_version", 0)
    key = f"overview_chart_{model_key}_{show_all}_{strongest}_{version}"
    event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=key, config=style.CHART_CONFIG)
    picked = overview.picked_cell(seen, event.selection.get("points", []) if event else [])
    if picked is not None:
        st.session_state[CELL_KEY] = (model_key, *picked)
        st.rerun(scope="fragment")


def sliding_filter(seen) -> None:
    """The first convolution's kernel sliding over the input, played in the browser."""
    first = next((info for info in seen.layers if info.kind == "conv"), None)
    if first is None or not st.toggle("Watch the first filter slide over the picture", key="overview_slide"):
        return
    filters = seen.channel_order(first.name, strongest_first=True)
    channel = st.selectbox("Filter (the strongest answer first)", filters, key="overview_slide_filter")
    layer = seen.model.get_layer(first.name)
    span, _, pad = geometry.window(layer, 0)
    title = f"{first.name}, filter {channel}: its {span}×{span} window, one step per cell"
    figure = animation.kernel_animation(seen.image, seen.outputs[first.name][:, :, channel], span, pad, title)
    st.plotly_chart(figure, key="overview_slide_chart", config=style.CHART_CONFIG)


def back() -> None:
    st.session_state.pop(CELL_KEY, None)
    st.session_state["overview_version"] = st.session_state.get("overview_version", 0) + 1


@st.fragment
def whole_network(model_key: str) -> None:
    """Canvas, controls and the columns of every layer: a stroke reruns only this part."""
    left, right = st.columns([1.6, 1], gap="small")
    with left:
        # The Draw page's canvas and drawing ("draw" prefix): one drawing for the whole app.
        drawing.canvas("draw")
    with right:
        compare, show_all, strongest = controls(model_key)
        image, label = shared.current_input()
        st.markdown(f"Input: {label}." if image is not None else "Draw a digit to start.")
    if image is None:
        return
    keys = [model_key] if compare is None else [model_key, compare]
    readings = {key: read(key, image) for key in keys}
    chosen = st.session_state.get(CELL_KEY)
    if chosen is not None and chosen[0] in readings and readings[chosen[0]] is not None:
        st.button("← Back to the whole network", on_click=back, key="overview_back", type="primary")
        cell_detail.show(readings[chosen[0]], chosen[1], chosen[2])
        return
    st.caption(
        f"{style.SIGNED_WORDS} {style.MAGNITUDE_WORDS} Click any small square to see how its number was made "
        "(on a touch screen: tap once to see the number, tap again to open it)."
    )
    for key, seen in readings.items():
        if seen is not None:
            network(key, seen, show_all, strongest)
    if readings[model_key] is not None:
        sliding_filter(readings[model_key])


st.title("The whole network", anchor=False)
st.markdown(
    "Every layer of the network side by side, from the picture on the left to the ten probabilities on the "
    "right. Each column is one layer; each small square is one map, or a grid of numbers for a flat layer."
)
whole_network(shared.choose_model())
