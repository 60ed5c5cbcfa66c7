"""Experiments: build a network, train several, and compare them side by side.

Session state: "builder_rows" (pages/builder_controls.py), "experiment_runs" (a
cnnlab.comparison.RunBook with every run of the session, the Train page's included), and the
widgets keyed "exp_*". "Use this model" writes "training_run", "trained_model", "trained_dataset"
and "model_choice" as pages/shared.py reads them.
"""

import os
import random

import streamlit as st

from cnnlab import builder, comparison, models, training
from pages import board_view, builder_controls, memory, run_views, shared, training_line

shared.through_app_navigation()

LIMIT_ENV = "CNNLAB_TRAIN_LIMIT"


def stop_run(run: training.TrainingRun) -> None:
    """Stop a run for everyone if this student is alone on it; else only leave it."""
    training_line.shared().stop(run, training_line.member())


def _new_seed() -> None:
    st.session_state["exp_seed"] = random.randrange(2**31 - 1)


def training_controls() -> None:
    """Draw the images, epochs, name and seed of the next run; the Start button's callback reads them."""
    if st.session_state.pop("exp_clear_name", False):  # the last run took this name
        st.session_state["exp_name"] = ""
    choices = training.dataset_choices()
    images, epochs = st.columns([2, 1], vertical_alignment="bottom")
    images.selectbox("Images", list(choices), key="exp_images")
    epochs.slider("Epochs", 1, 10, 3, key="exp_epochs")
    name, seed, new_seed = st.columns([1.6, 1, 1.3], vertical_alignment="bottom")
    name.text_input("Name of the run", key="exp_name", placeholder="e.g. five filters 5×5", max_chars=40)
    seed.number_input("Random seed", 0, 2**31 - 1, 1, key="exp_seed")
    new_seed.button("New random seed", key="exp_new_seed", on_click=_new_seed)
    st.toggle("Train it twice, with two different seeds: what changes by luck alone?", key="exp_two_seeds")
    defaults = training.default_settings()
    st.caption(
        f"Each run trains as the Train page does by default: the {defaults.optimizer} optimizer, learning rate "
        f"{defaults.learning_rate:g}, batches of {defaults.batch_size} images. Dropout is a row of the network here."
    )


def start_runs(blocks: tuple, controls: tuple, limit: int | None) -> None:
    """Start one run of the built network, or two with different seeds, keep them in the book, clear the name."""
    dataset, source, epochs, seed, two_seeds, name = controls
    seeds = [seed, random.randrange(2**31 - 1)] if two_seeds else [seed]
    book = st.session_state["experiment_runs"]
    base = st.session_state.get("builder_loaded", "guide_cnn")
    default_name = models.PRESETS[base].title if blocks == builder.from_preset(base) else "your network"
    for each in seeds:
        settings = training.default_settings(
            dataset=dataset, source=source, preset=base, epochs=epochs, seed=each, dropout=0.0,
            max_train_examples=limit, architecture=blocks,
        )  # fmt: skip
        run = training_line.shared().join(settings, training_line.member(), keep_going=memory.tab_keep_going())
        book.add(run, (name.strip() or default_name) + (f" (seed {each})" if two_seeds else ""))
    st.session_state["exp_clear_name"] = True


def start_from_widgets(limit: int | None, images: int) -> None:
    """Start training what the widgets hold now (a callback: it runs before the page, so nothing is missed)."""
    blocks = builder_controls.current_blocks()
    if builder.plan(blocks, images=images).problem:
        return
    choices = training.dataset_choices()
    dataset, source = choices.get(st.session_state.get("exp_images"), next(iter(choices.values())))
    state = st.session_state
    controls = (dataset, source, state["exp_epochs"], int(state["exp_seed"]), state["exp_two_seeds"], state["exp_name"])
    start_runs(blocks, controls, limit)


def main() -> None:
    st.title("Experiments")
    st.write(
        "Build your own network row by row, train it, and compare it with other runs: more filters or fewer, "
        "3×3 or 5×5, pooling or not, dropout or not, no convolution at all. Every row shows the shape of "
        "what it passes on and how many weights it learns."
    )
    book = st.session_state.setdefault("experiment_runs", comparison.RunBook())
    train_page_run = st.session_state.get("training_run")
    if train_page_run is not None and not book.holds(train_page_run):
        book.add(train_page_run, f"Train page, {models.PRESETS[train_page_run.settings.preset].title}")
    limit = int(os.environ[LIMIT_ENV]) if os.environ.get(LIMIT_ENV, "").isdigit() else None
    st.header("1. Build a network")
    choices = training.dataset_choices()
    _, source = choices.get(st.session_state.get("exp_images"), next(iter(choices.values())))
    images = comparison.training_images(source, limit=limit)
    blocks, plan = builder_controls.builder_controls(images)
    seconds = builder.seconds_per_epoch(plan.macs, images)
    st.markdown(
        f"**Total: {plan.weights:,} weights** · about **{max(seconds, 1):,.0f} s** per epoch on {images:,} images "
        "on this server (an estimate)"
    )
    if plan.problem:
        st.error(plan.problem)
    st.header("2. Train it")
    training_controls()
    busy = bool(book.active)
    if busy:
        st.caption("Your last run is still training: start the next one when it has finished.")
    start = {"on_click": start_from_widgets, "args": (limit, images), "disabled": bool(plan.problem) or busy}
    st.button("Start training", key="exp_start", type="primary", **start)
    st.fragment(run_every=1.0 if busy else None)(run_views.progress_view)(book, busy, stop_run)
    st.header("3. Compare runs")
    run_views.compare_view(book)
    st.header("4. Class board")
    board_view.board_view(book)


main()
