"""Train a model: pick a network and its settings, watch it learn, then test it on unseen images.

The run lives in st.session_state["training_run"], so a rerun or a visit to another page never
starts a second one, and a reload of the tab finds it again (pages/shared.py keeps it under the
tab's token); the run stops once the tab has been closed for memory.GRACE_SECONDS.
Test-only knob: the environment variable CNNLAB_TRAIN_LIMIT caps the
number of training images (TrainingSettings.max_train_examples) so a page test stays short.
"""

import os
import time

import streamlit as st

from cnnlab import config, models, training
from cnnlab.figures import training as figures
from cnnlab.figures import training_text as words
from pages import memory, shared, training_line

shared.through_app_navigation()

LIMIT_ENV = "CNNLAB_TRAIN_LIMIT"
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop", "adadelta": "Adadelta", "sgd": "SGD with momentum"}
SCHEDULES = {"one_cycle": "Warm up, then to 0", "constant": "Constant", "plateau": "Halve when stuck"}
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
AUGMENT = {
    "mnist": "Augment: shift, tilt, thicken or thin the digits at random",
    "fashion_mnist": "Augment: mirror, shift and tilt the clothes at random",
}
SCHEDULE_HELP = "Warm up: the first fifth of the steps grow from 0; then they shrink along a curve to 0 at the end."
FIELDS = ("preset", "epochs", "batch_size", "optimizer", "learning_rate", "schedule", "dropout", "augmentation")
FIELDS += ("validation_split", "seed")  # the settings with a widget "train_<field>"
# Every watching tab reruns the live view on this timer: with a class watching, each rerun takes the
# interpreter from the training thread, so the view polls every 2 s (every 3 s while waiting).
WATCHING_POLL_SECONDS, WAITING_POLL_SECONDS = 2.0, 3.0


@st.cache_resource(max_entries=64, ttl=60, show_spinner=False)
def shared_curves(_progress: training.Progress, run_key: tuple, second: int):
    """A run's learning curves, built at most once a second however many students watch the run."""
    return figures.learning_curves(**_progress.curves())


@st.cache_resource(max_entries=64, ttl=600, show_spinner=False)
def shared_kernels(_progress: training.Progress, run_key: tuple, epoch: int, count: int):
    """A run's first-layer filters after one epoch, built once for every student watching the run."""
    return figures.kernel_grid(_progress.kernels[epoch], limit=figures.largest_weight(_progress.kernels))


@st.cache_resource(max_entries=16, ttl=600, show_spinner=False)
def result_figures(_run: training.TrainingRun, run_key: tuple) -> tuple:
    """A finished run's confusion matrix and prediction grids, built once for every student who shares the run."""
    result, names = _run.result(), config.CLASS_NAMES[_run.settings.dataset]
    mistakes, samples = result.mistakes, result.samples
    return (
        figures.confusion_matrix(result.confusion, names),
        figures.predictions_grid(mistakes.images, mistakes.true, mistakes.predicted, names, mistakes.confidence, 4),
        figures.predictions_grid(samples.images, samples.true, samples.predicted, names),
    )


def leave_run(run: training.TrainingRun) -> None:
    """Leave the line, or stop watching a run others share (it stops only if nobody is left on it)."""
    training_line.shared().leave(run, training_line.member())
    st.session_state.pop("training_run", None)


def waiting_view(run: training.TrainingRun) -> None:
    """Where this session's run stands in the line, when it should start, and a way out."""
    place = training_line.shared().place(run)
    if place.position is None:
        return
    ahead = f"{place.runs_ahead} run{'s' if place.runs_ahead != 1 else ''} ahead of yours"
    guess = "" if place.measured else ", a rough guess until a run of the same network has finished on this server"
    st.info(
        f"Your run is number {place.position} in the line for training ({ahead}). "
        f"It should start in about {place.starts_in:,.0f} s{guess}."
    )
    if st.button("Leave the line", key="train_leave"):
        leave_run(run)
        st.rerun()


@st.cache_resource(show_spinner="Counting the weights of each network…")
def parameter_counts() -> dict[str, int]:
    """The number of weights of every preset, built once per server."""
    return {key: models.count_parameters(models.build_model(key)) for key in models.PRESETS}


def use_preset_settings() -> None:
    """Copy the chosen preset's own training settings into the controls."""
    chosen = training.preset_settings(st.session_state["train_preset"])
    st.session_state.update({f"train_{name}": chosen[name] for name in FIELDS if name in chosen})


def controls(shown: training.TrainingSettings, off: bool) -> training.TrainingSettings:
    """Draw the settings, each widget keyed "train_" + its field; while `off`, show (disabled) those of `shown`."""
    choices, counts, presets = training.dataset_choices(), parameter_counts(), models.PRESETS
    for name, value in training.control_values(shown, choices, FIELDS).items():
        if off or f"train_{name}" not in st.session_state:
            st.session_state[f"train_{name}"] = value
    left, right = st.columns(2)
    dataset, source = choices[left.selectbox("Images", list(choices), key="train_images", disabled=off)]
    preset = right.selectbox(
        "Network", list(presets), format_func=lambda key: f"{presets[key].title} ({counts[key]:,} weights)",
        key="train_preset", on_change=use_preset_settings, disabled=off,
    )  # fmt: skip
    if source == "embedded" and training.missing_full_sets():
        left.caption(words.missing_sets_text(training.missing_full_sets()))
    right.caption(presets[preset].description, help=f"After {presets[preset].source}.")
    left, middle, right = st.columns(3)
    left.slider("Epochs (passes over the training images)", 1, 30, key="train_epochs", disabled=off)
    left.select_slider("Batch size (images per weight update)", BATCH_SIZES, key="train_batch_size", disabled=off)
    left.slider("Dropout before the output", 0.0, 0.8, step=0.05, key="train_dropout", disabled=off)
    middle.selectbox("Optimizer", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key="train_optimizer", disabled=off)
    middle.number_input("Learning rate", 1e-5, 10.0, step=5e-4, format="%.5f", key="train_learning_rate", disabled=off)
    middle.selectbox("Learning rate over time", list(SCHEDULES), format_func=SCHEDULES.get, key="train_schedule",
                     disabled=off, help=SCHEDULE_HELP)  # fmt: skip
    right.slider("Share kept back for validation", 0.05, 0.3, step=0.05, key="train_validation_split", disabled=off)
    right.number_input("Random seed", 0, 2**31 - 1, key="train_seed", disabled=off)
    st.toggle(AUGMENT[dataset], key="train_augmentation", disabled=off)
    limit = int(os.environ[LIMIT_ENV]) if os.environ.get(LIMIT_ENV) else None
    values = {name: st.session_state[f"train_{name}"] for name in FIELDS}
    return training.settings_from_controls(dataset=dataset, source=source, max_train_examples=limit, **values)


def live_view(run: training.TrainingRun, was_active: bool) -> None:
    """Progress, learning curves and the first layer's filters; redrawn every 2 s while the run is active."""
    progress = run.progress()
    if was_active and not run.is_active:
        st.rerun()  # the run has just ended: redraw the whole page, with its results
    if progress.state == "waiting":
        waiting_view(run)
    elif run.is_active:
        st.progress(progress.fraction, text=words.progress_text(progress))
    sharing = training_line.shared().members(run)
    if sharing > 1:
        st.caption(
            f"{sharing} students started this same run: it is trained once, for all of them. "
            "Stop takes only you off it; it goes on for the others."
        )
    if run.is_active and progress.state != "waiting" and st.button("Stop training", key="train_stop"):
        if training_line.shared().members(run) > 1:
            leave_run(run)
            st.rerun()
        training_line.shared().stop(run, training_line.member())
    if progress.batch_loss:
        curves = shared_curves(progress, (id(run), run.settings), int(time.monotonic()))
        st.plotly_chart(curves, key="train_curves")
        st.caption(words.curves_text(progress.steps_per_execution))
    if progress.kernels:
        st.subheader("The first layer's filters, epoch by epoch")
        st.caption("Epoch 0 is the random start. Red weights add the pixel under them; blue ones subtract it.")
        last = len(progress.kernels) - 1
        epoch = st.slider("After epoch", 0, last, last, key="train_kernel_epoch") if last else 0
        kernels = shared_kernels(progress, (id(run), run.settings), epoch, len(progress.kernels))
        st.plotly_chart(kernels, key="train_kernels")
    elif progress.batch_loss:
        st.caption("This network has no convolution layer, so it has no filters to show.")


def results(run: training.TrainingRun) -> None:
    """The test of a finished or stopped run, and the model to take away."""
    result = run.result()
    for kind, text in words.ending_messages(run):
        getattr(st, kind)(text)
    if result is None:
        return
    shared.adopt_trained_model()
    confusion, mistakes, samples = result_figures(run, (id(run), run.settings, id(result)))
    st.markdown(words.accuracy_text(result))
    st.markdown(f"Test loss: **{result.test_loss:.4f}**, on images the network never saw during training.")
    st.download_button("Download the model (.keras)", lambda: training.model_bytes(result.model),
                       f"{run.settings.network.key}.keras", key="train_download", on_click="ignore")  # fmt: skip
    left, right = st.columns(2)
    left.subheader("Confusion matrix")
    left.plotly_chart(confusion, key="train_confusion")
    right.subheader("Its most confident mistakes")
    right.plotly_chart(mistakes, key="train_mistakes")
    st.subheader("The first ten test images: prediction against truth")
    st.plotly_chart(samples, key="train_samples")
    st.subheader("The network, layer by layer")
    st.dataframe(words.layer_rows(result.model), hide_index=True, height="content")
    with st.expander("Exact output shapes (for teachers)"):
        st.dataframe(result.summary, hide_index=True, height="content")


st.title("Train a model")
st.write(
    "A network starts with random weights. Training shows it small batches of labelled images; after each "
    "batch the optimizer nudges every weight so that the loss gets a little smaller. Some training images "
    "are kept back for validation: they show whether the network learns digits or just memorises its "
    "training images. At the end it is tested on images it has never seen."
)
run = st.session_state.get("training_run")
active = run is not None and run.is_active
settings = controls(run.settings if run else training.default_settings(), off=active)
if st.button("Start training", key="train_start", type="primary", disabled=active) and not active:
    run = training_line.shared().join(settings, training_line.member(), keep_going=memory.tab_keep_going())
    st.session_state["training_run"] = run
    st.rerun()
if run is not None:
    poll = WAITING_POLL_SECONDS if run.state == "waiting" else WATCHING_POLL_SECONDS
    st.fragment(run_every=poll if active else None)(live_view)(run, active)
    if not active:
        results(run)
