"""Toy 5×5 filters: follow a tiny CNN from pixels to probabilities, one window at a time.

Every edit is kept under a session state key starting with "toy_", so the page's state can be
saved and restored as a group: "toy_image" (the edited pixels), "toy_w{filter}_{row}_{col}" (the
18 filter weights), "toy_choice" (the starting image), "toy_filter" (the filter followed) and
"toy_step" (the window position).
"""

import numpy as np
import streamlit as st

from cnnlab import convmath, toy
from cnnlab.figures import lessons, style
from pages import code_view, shared

shared.through_app_navigation()

SIZE, KERNEL = toy.IMAGE_SIZE, toy.KERNEL_SIZE
KEEP = "session"  # Edits survive a visit to another page.
CHART = {"config": style.CHART_CONFIG}


def load_image():
    """Put the chosen seed image in the editable image."""
    st.session_state["toy_image"] = toy.load_images()[st.session_state.get("toy_choice", "cross")]


def reset():
    """Put back the seed's image and both seed filters."""
    load_image()
    for index, kernel in enumerate(toy.load_filters()):
        for row, col in np.ndindex(KERNEL, KERNEL):
            st.session_state[f"toy_w{index}_{row}_{col}"] = float(kernel[row, col])


def flip_pixel(row, col):
    """Switch one pixel of the editable image between 0 and 1."""
    image = st.session_state["toy_image"].copy()
    image[row, col] = 1.0 - image[row, col]
    st.session_state["toy_image"] = image


def move_step(delta, last):
    """Move the window by delta positions, staying between 1 and last."""
    st.session_state["toy_step"] = min(last, max(1, st.session_state["toy_step"] + delta))


def filter_label(index):
    """How a filter is named everywhere on the page: "Filter 1 (\\ diagonal)"."""
    return f"Filter {index + 1} ({toy.FILTER_NAMES[index]})"


def pixel_editor(image):
    """A 5×5 grid of buttons showing each pixel's value; a click flips it."""
    for row in range(SIZE):
        for col, cell in enumerate(st.columns(SIZE, gap="small")):
            on = image[row, col] == 1
            cell.button(
                "1" if on else "0", key=f"toy_px_{row}_{col}", type="primary" if on else "secondary",
                on_click=flip_pixel, args=(row, col), width="stretch",
            )  # fmt: skip


def filter_editor(index):
    """Nine number inputs for one filter's weights; returns the filter as a (3, 3) float array."""
    st.markdown(f"**{filter_label(index)}**")
    weights = np.zeros((KERNEL, KERNEL))
    for row in range(KERNEL):
        for col, cell in enumerate(st.columns(KERNEL, gap="small")):
            key, label = f"toy_w{index}_{row}_{col}", f"Weight at {lessons.place(row, col)}"
            weights[row, col] = cell.number_input(
                label, step=0.5, key=key, label_visibility="collapsed", persist_state=KEEP
            )
    return weights


def controls():
    """The two choices in a row, then the pixels beside the filters; returns (image, filters, followed filter)."""
    if "toy_image" not in st.session_state or "toy_w0_0_0" not in st.session_state:
        reset()
    choose, follow = st.columns(2, gap="medium")
    choose.radio(
        "Start from", toy.IMAGE_NAMES, format_func=toy.LABELS.get, key="toy_choice", on_change=load_image,
        horizontal=True, persist_state=KEEP,
    )  # fmt: skip
    follow.radio("Filter to follow", (0, 1), format_func=filter_label, key="toy_filter", persist_state=KEEP)
    pixels, weights = st.columns(2, gap="medium")
    with pixels:
        st.markdown("**Pixels**: click one to flip it")
        pixel_editor(st.session_state["toy_image"])
        st.button("↺ Reset", key="toy_reset", on_click=reset, help="Back to the example's image and filters")
    with weights:
        filters = [filter_editor(index) for index in range(2)]
    return st.session_state["toy_image"], filters, st.session_state["toy_filter"]


def step_controls(last):
    """The window position slider with Previous / Next under it; returns the position from 1 to last."""
    st.session_state.setdefault("toy_step", 1)
    step = st.slider("Window position", 1, last, key="toy_step", persist_state=KEEP)
    with st.container(horizontal=True):
        st.button("◀ Previous", key="toy_prev", on_click=move_step, args=(-1, last))
        st.button("Next ▶", key="toy_next", on_click=move_step, args=(1, last))
    return step


def show_window(result, index, step):
    """The image with the window and the filter above; the products and the feature map filling in below."""
    window = result.steps[index][step - 1]
    box = (window.row, window.col, KERNEL, KERNEL)
    figures = [
        lessons.number_grid(result.image, "Image", box, scale="magnitude", limit=1, cell_size=50),
        lessons.number_grid(result.filters[index], f"Filter {index + 1}"),
        lessons.number_grid(window.products, "Pixel × weight"),
        lessons.number_grid(
            result.feature_maps[index], "Feature map", (window.row, window.col, 1, 1), blank=result.not_yet(index, step)
        ),
    ]
    for number, (column, figure) in enumerate(zip([*st.columns(2), *st.columns(2)], figures, strict=True)):
        column.plotly_chart(figure, key=f"toy_window_{number}", **CHART)
    where = lessons.place(window.row, window.col)
    st.markdown(f"#### Window {step} of {result.num_windows} ({where}): {lessons.sum_equation(window.products)}")


def show_classification(result):
    """Max pooling of both maps, the dense layer's weights and scores, and the softmax."""
    names = [toy.LABELS[name] for name in toy.CLASS_NAMES]
    for index, column in enumerate(st.columns(2)):
        grid = lessons.number_grid(result.feature_maps[index], f"Feature map {index + 1}", (*result.peaks[index], 1, 1))
        column.plotly_chart(grid, key=f"toy_map_{index}", **CHART)
        biggest = lessons.format_number(result.pooled[index])
        column.markdown(f"{filter_label(index)}: biggest value **{biggest}**, at {lessons.place(*result.peaks[index])}")
    weights, sums = st.columns(2, vertical_alignment="center")
    grid = lessons.number_grid(result.weights, "Weights", row_labels=names, col_labels=["max 1", "max 2"])
    weights.plotly_chart(grid, key="toy_weights", **CHART)
    for name, row in zip(names, result.weights, strict=True):
        sums.markdown(f"**{name}**: {lessons.dot_equation(row, result.pooled)}")
    scores, bars = st.columns(2)
    scores.plotly_chart(lessons.value_bars(names, result.logits, "Scores"), key="toy_logits", **CHART)
    bars.plotly_chart(lessons.probability_bars(names, result.probabilities), key="toy_probabilities", **CHART)
    for column, name, probability in zip(st.columns(3), names, result.probabilities, strict=True):
        column.metric(name, f"{probability:.4f}")
    st.success(f"Answer: **{toy.LABELS[result.predicted]}**")


def main():
    """Title, the three steps of the toy network, and its code."""
    st.title("Toy 5×5 filters")
    st.markdown(
        "A convolutional network looks at an image through a small window. Here the image has only 5×5 pixels and "
        "there are two 3×3 filters: one looks for a \\ line, the other for a / line. Each filter slides over the "
        "image, the strongest match of each filter is kept, and three weights turn those two numbers into a guess: "
        "\\ diagonal, / diagonal or cross (X). Rows and columns are counted from 0, from the top left, as in "
        "the code and on every page."
    )
    st.subheader("1. Choose an image and the filters")
    image, filters, followed = controls()
    result = toy.classify(image, filters)
    st.subheader("2. Slide the filter over the image")
    st.caption(
        "At each position: multiply each pixel by the filter weight on top of it, then add the nine products. "
        f"{style.MAGNITUDE_WORDS} {style.SIGNED_WORDS}"
    )
    show_window(result, followed, step_controls(result.num_windows))
    st.subheader("3. Keep the biggest value, weigh it, turn scores into probabilities")
    st.caption(
        "Max pooling keeps the biggest number of each map. Each class score adds the two maxima times its weights. "
        "Softmax turns the three scores into probabilities that add up to 1."
    )
    show_classification(result)
    code_view.show_code(convmath.convolve2d, toy.classify)


main()
