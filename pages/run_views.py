"""The Experiments page's views of its runs: live progress, and runs compared side by side."""

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab import activations, comparison, data
from cnnlab.figures import compare as figures
from cnnlab.figures import network, style
from cnnlab.figures import training as training_figures
from cnnlab.figures import training_text as words
from cnnlab.figures.style import CHART_CONFIG
from pages import shared

PER_ROW = 3
DIFFERS = "background-color: #fff3b0; font-weight: bold"
LAYER_CHOICES = {"first": "The first convolution's maps", "last": "The last maps before the dense layers"}


def progress_view(book: comparison.RunBook, was_active: bool, stop) -> None:
    """A progress bar and a Stop button per active run (`stop(run)` stops it); redrawn every second meanwhile."""
    if was_active and not book.active:
        st.rerun()  # the last run has just ended: redraw the whole page, with its results
    for entry in book.active:
        progress = entry.run.progress()
        st.progress(progress.fraction, text=f"{entry.label} · {words.progress_text(progress)}")
        st.button(f"Stop run {entry.number}", key=f"exp_{entry.number}_stop", on_click=stop, args=(entry.run,))
    for entry in book.entries:
        if entry.run.error:
            st.error(f"{entry.label}: {entry.run.error}")


def use_run(entry: comparison.Entry) -> None:
    """Make a run's model the one every other page uses, as the Train page does with its run."""
    st.session_state["training_run"] = entry.run
    shared.adopt_trained_model()
    st.session_state["model_choice"] = shared.TRAINED_KEY


@st.cache_data(show_spinner=False)
def _test_image(dataset: str) -> tuple[np.ndarray, str]:
    """The first embedded test image of a dataset, float32 (28, 28) in [0, 1], and its label."""
    _, (images, labels) = data.load_dataset(dataset, "embedded")
    return images[0].astype(np.float32) / 255.0, f"test image #0 (a {labels[0]})"


def _picture_layer(model, which: str) -> str | None:
    """The first convolution's activation (or the convolution), or the last layer with maps; None without convs."""
    spatial = activations.spatial_layers(model)
    if not spatial:
        return None
    if which == "last":
        return spatial[-1]
    first = spatial.index(activations.conv_layers(model)[0])
    following = spatial[first + 1] if first + 1 < len(spatial) else None
    return following if following and following.split("_")[0] in ("relu", "tanh", "sigmoid") else spatial[first]


def _side_by_side(entries: list) -> list:
    """Columns for each entry, PER_ROW to a row."""
    columns = []
    for start in range(0, len(entries), PER_ROW):
        columns += st.columns(min(len(entries), PER_ROW))[: len(entries[start : start + PER_ROW])]
    return columns


def filters_view(entries: list) -> None:
    """The first layer's filters of each run, on one colour scale."""
    kernels = {entry.number: entry.run.progress().kernels for entry in entries}
    limit = training_figures.largest_weight([found[-1] for found in kernels.values() if found])
    for column, entry in zip(_side_by_side(entries), entries, strict=True):
        column.markdown(f"**{entry.label}**")
        if kernels[entry.number]:
            found = kernels[entry.number][-1][:, :, 0, :]
            figure = figures.mosaic(
                found, f"{found.shape[-1]} filters of {found.shape[0]}×{found.shape[1]}", limit, 8, "weight"
            )
            column.plotly_chart(figure, key=f"exp_filters_{entry.number}", config=CHART_CONFIG)
        else:
            column.caption("No convolution: no filters to show.")


def maps_view(entries: list) -> None:
    """Each run's feature maps for the same input: the drawn digit, or a test image."""
    image, label = shared.current_input()
    if image is None:
        image, label = _test_image(entries[0].run.settings.dataset)
        st.caption(f"No digit drawn yet (draw one on **Draw a digit**): showing {label}.")
    which = st.radio("Layer", list(LAYER_CHOICES), format_func=LAYER_CHOICES.get, horizontal=True, key="exp_layer")
    st.write(f"Input: {label}. Red above 0, blue below, white at 0.")
    chosen = {}
    for entry in entries:
        model = entry.run.result().model
        name = _picture_layer(model, which)
        chosen[entry.number] = (name, activations.make_extractor(model).maps(image)[name] if name else None)
    limit = style.signed_limit([np.abs(maps).max() for _, maps in chosen.values() if maps is not None] or [1.0])
    for column, entry in zip(_side_by_side(entries), entries, strict=True):
        name, maps = chosen[entry.number]
        column.markdown(f"**{entry.label}**")
        if maps is None:
            column.caption("No convolution: no feature maps, only dense layers.")
            continue
        figure = figures.mosaic(maps[:, :, : figures.MOSAIC_COUNT], network.layer_header(name, maps), limit)
        column.plotly_chart(figure, key=f"exp_maps_{entry.number}", config=CHART_CONFIG)
    st.caption(f"The first {figures.MOSAIC_COUNT} maps of each run, on one colour scale for all runs.")


def settings_view(entries: list) -> None:
    """The settings and results of the runs, rows where they differ highlighted."""
    rows = comparison.settings_table(entries)
    table = pd.DataFrame(rows).set_index("setting")
    differs = table.pop("differs")
    styled = table.style.apply(lambda row: [DIFFERS if differs[row.name] else ""] * len(row), axis=1)
    st.table(styled)
    st.caption("Highlighted: the rows where the runs differ.")
    if comparison.only_luck_differs(rows):
        st.info(
            "These runs differ only in their random seed: the same network, the same images, another random "
            "start and another order of the images. Every difference in their curves and accuracy is luck."
        )


def compare_view(book: comparison.RunBook) -> None:
    """Pick runs, then their curves overlaid, settings, filters and feature maps side by side."""
    if book.dropped:
        st.warning(
            f"Dropped to keep the server's memory small: {', '.join(book.dropped)}. A session keeps at most "
            f"{book.max_runs} runs and {book.max_weights:,} weights in all."
        )
    finished = {entry.number: entry for entry in book.finished}
    if not finished:
        st.info("Train a network above: every run of this session appears here, to compare.")
        return
    if st.session_state.get("exp_compare_newest") != max(finished):  # a run has just finished: show it
        st.session_state["exp_compare"] = list(finished)[-2:]
        st.session_state["exp_compare_newest"] = max(finished)
    chosen = [number for number in st.session_state.get("exp_compare", list(finished)[-2:]) if number in finished]
    st.session_state["exp_compare"] = chosen
    chosen = st.multiselect(
        "Runs to compare", list(finished), format_func=lambda number: finished[number].label, key="exp_compare"
    )
    entries = [finished[number] for number in chosen]
    if not entries:
        st.info("Pick two or more runs.")
        return
    st.plotly_chart(figures.curves_overlay(comparison.curves_of(entries)), key="exp_curves", config=CHART_CONFIG)
    st.caption("One colour per run. Solid: the validation images; dashed: the training images, per epoch.")
    settings_view(entries)
    in_use = st.session_state.get("trained_model")
    for column, entry in zip(_side_by_side(entries), entries, strict=True):
        if entry.run.result().model is in_use:
            column.success(f"{entry.label}: used on every page")
        else:
            column.button(f"Use run {entry.number} on every page", key=f"exp_use_{entry.number}",
                          on_click=use_run, args=(entry,))  # fmt: skip
    st.subheader("First-layer filters")
    filters_view(entries)
    st.subheader("Feature maps for the same digit")
    maps_view(entries)
