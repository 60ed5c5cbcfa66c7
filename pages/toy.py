"""Toy 5×5 filters: follow a tiny CNN from pixels to probabilities, one window at a time."""

import inspect

import numpy as np
import streamlit as st

from cnnlab import toy
from cnnlab.figures import lessons
from pages import shared  # noqa: F401  (deep links run through app.py's navigation)

NAMES = {"cross": "cross", "diagonal": "diagonal", "right_diagonal": "right-diagonal"}
SIZE, KERNEL = toy.IMAGE_SIZE, toy.KERNEL_SIZE
NUM_STEPS = (SIZE - KERNEL + 1) ** 2
KEEP = "session"  # Edits survive a visit to another page.


@st.cache_data
def seed_arrays():
    """The seed's three images (dict of (5, 5) arrays) and two filters (list of (3, 3) arrays)."""
    return toy.load_images(), toy.load_filters()


def load_image():
    """Put the chosen seed image in the editable image."""
    st.session_state["toy_image"] = seed_arrays()[0][st.session_state.get("toy_choice", "cross")].copy()


def reset():
    """Put back the seed's image and both seed filters."""
    load_image()
    for index, kernel in enumerate(seed_arrays()[1]):
        for row, col in np.ndindex(KERNEL, KERNEL):
            st.session_state[f"toy_w{index}_{row}_{col}"] = float(kernel[row, col])


def flip_pixel(row, col):
    """Switch one pixel of the editable image between 0 and 1."""
    image = st.session_state["toy_image"].copy()
    image[row, col] = 1.0 - image[row, col]
    st.session_state["toy_image"] = image


def move_step(delta):
    """Move the window by delta positions, staying between 1 and NUM_STEPS."""
    st.session_state["toy_step"] = min(NUM_STEPS, max(1, st.session_state["toy_step"] + delta))


def pixel_editor(image):
    """A 5×5 grid of buttons showing each pixel's value; a click flips it."""
    for row in range(SIZE):
        for col, cell in enumerate(st.columns(SIZE, gap="small")):
            on = image[row, col] == 1
            kind = "primary" if on else "secondary"
            key = f"toy_px_{row}_{col}"
            cell.button("1" if on else "0", key=key, type=kind, on_click=flip_pixel, args=(row, col), width="stretch")


def filter_editor(index):
    """Nine number inputs for one filter's weights; returns the filter as a (3, 3) float array."""
    st.markdown(f"**Filter {index + 1}: {toy.FILTER_NAMES[index]}**")
    weights = np.zeros((KERNEL, KERNEL))
    for row in range(KERNEL):
        for col, cell in enumerate(st.columns(KERNEL)):
            key, label = f"toy_w{index}_{row}_{col}", f"weight row {row + 1}, column {col + 1}"
            weights[row, col] = cell.number_input(
                label, step=0.5, key=key, label_visibility="collapsed", persist_state=KEEP
            )
    return weights


def controls():
    """Draw the choices and the editors; return (image, filters, index of the filter to follow)."""
    if "toy_image" not in st.session_state or "toy_w0_0_0" not in st.session_state:
        reset()
    choose, pixels, weights = st.columns([0.9, 1.5, 1.8], gap="large")
    options = toy.IMAGE_NAMES
    choose.radio(
        "Start from", options, format_func=NAMES.get, key="toy_choice", on_change=load_image, persist_state=KEEP
    )
    choose.radio(
        "Filter to follow", (0, 1), format_func=lambda k: toy.FILTER_NAMES[k], key="toy_filter", persist_state=KEEP
    )
    choose.button("↺ Reset", key="toy_reset", on_click=reset, help="Back to the example's image and filters")
    with pixels:
        st.markdown("**Pixels**: click one to flip it")
        pixel_editor(st.session_state["toy_image"])
    with weights:
        filters = [filter_editor(index) for index in range(2)]
    return st.session_state["toy_image"], filters, st.session_state["toy_filter"]


def step_controls():
    """Previous / slider / Next; returns the window position from 1 to NUM_STEPS."""
    st.session_state.setdefault("toy_step", 1)
    back, middle, forward = st.columns([1.2, 6, 1.2], vertical_alignment="bottom")
    back.button("◀ Previous", key="toy_prev", on_click=move_step, args=(-1,), width="stretch")
    forward.button("Next ▶", key="toy_next", on_click=move_step, args=(1,), width="stretch")
    return middle.slider("Window position", 1, NUM_STEPS, key="toy_step", persist_state=KEEP)


def show_window(result, index, step):
    """The image with the window, the filter, the products, and the feature map filling in."""
    window = result.steps[index][step - 1]
    feature_map = result.feature_maps[index]
    not_yet = np.arange(feature_map.size).reshape(feature_map.shape) >= step
    figures = [
        lessons.number_grid(result.image, "Image", (window.row, window.col, KERNEL, KERNEL), "Greys"),
        lessons.number_grid(result.filters[index], f"Filter {index + 1}", centred=True),
        lessons.number_grid(window.products, "Pixel × weight", centred=True),
        lessons.number_grid(feature_map, "Feature map", (window.row, window.col, 1, 1), blank=not_yet),
    ]
    # Column widths follow the grids' widths so every cell has the same size.
    widths = [SIZE + 1, KERNEL + 1, KERNEL + 1, KERNEL + 1]
    for number, (column, figure) in enumerate(zip(st.columns(widths), figures, strict=True)):
        column.plotly_chart(figure, key=f"toy_window_{number}")
    st.markdown(f"#### Window {step} of {NUM_STEPS}: {lessons.sum_equation(window.products)}")


def show_classification(result):
    """Max pooling of both maps, the dense layer's weights and scores, and the softmax."""
    names = [NAMES[name] for name in toy.CLASS_NAMES]
    columns = st.columns([4, 4, 6])
    for index, feature_map in enumerate(result.feature_maps):
        top = np.unravel_index(np.argmax(feature_map), feature_map.shape)
        title = f"Filter {index + 1}: max = {lessons.format_number(result.pooled[index])}"
        columns[index].plotly_chart(lessons.number_grid(feature_map, title, (*top, 1, 1)), key=f"toy_map_{index}")
    weights = lessons.number_grid(result.weights, "Weights", row_labels=names, col_labels=["max 1", "max 2"])
    columns[2].plotly_chart(weights, key="toy_weights")
    for name, row in zip(names, result.weights, strict=True):
        columns[2].markdown(f"**{name}**: {lessons.dot_equation(row, result.pooled)}")
    scores, bars, numbers = st.columns([2, 3, 1.2], vertical_alignment="center")
    scores.plotly_chart(lessons.value_bars(names, result.logits, "Scores"), key="toy_logits")
    bars.plotly_chart(lessons.probability_bars(names, result.probabilities), key="toy_probabilities")
    for name, probability in zip(names, result.probabilities, strict=True):
        numbers.metric(name, f"{probability:.4f}")
    numbers.success(f"Answer: **{NAMES[result.predicted]}**")


def main():
    """Title, the three steps of the toy network, and its code."""
    st.title("Toy 5×5 filters")
    st.markdown(
        "A convolutional network looks at an image through a small window. Here the image has only 5×5 pixels and "
        "there are two 3×3 filters: one looks for a \\\\ line, the other for a / line. Each filter slides over the "
        "image, the strongest match of each filter is kept, and three weights turn those two numbers into a guess: "
        "diagonal (\\\\), right-diagonal (/) or cross (X)."
    )
    st.subheader("1. Choose an image and the filters")
    image, filters, followed = controls()
    result = toy.classify(image, filters)
    st.subheader("2. Slide the filter over the image")
    st.caption("At each position: multiply each pixel by the filter weight on top of it, then add the nine products.")
    show_window(result, followed, step_controls())
    st.subheader("3. Keep the biggest value, weigh it, turn scores into probabilities")
    st.caption(
        "Max pooling keeps the biggest number of each map. Each class score adds the two maxima times its weights. "
        "Softmax turns the three scores into probabilities that add up to 1."
    )
    show_classification(result)
    with st.expander("Show the code"):
        st.code(inspect.getsource(toy.convolve_valid))
        st.code(inspect.getsource(toy.classify))


main()
