"""What every page shares: the cached models, the chosen model, the current input, and the tab's token.

Session state keys (plain values, not widget keys, so they survive page changes):
- "input_image": float32 array (28, 28) in [0, 1], what the network sees, or None.
- "input_steps": the cnnlab.preprocess steps that made it, or None for a test image.
- "input_label": a sentence naming where the input came from.
- "input_dataset": the dataset the input belongs to: "mnist" (digits, drawings, photos) or
  "fashion_mnist" (a clothes test image).
- "model_choice": a key of MODEL_LABELS or TRAINED_KEY.
- "trained_model": the keras.Model trained in this session, or absent; "trained_dataset" its dataset.
- "training_run": the session's cnnlab.training.TrainingRun, or absent.
- "tab_token": the token of this browser tab (see pages/memory.py, which keeps these keys for a reload).
Keys of the Draw page start "draw_", of the Toy page "toy_", of the Train page "train_".
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from dataclasses import dataclass

import keras
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnlab import activations, config, models
from pages import memory


@dataclass(frozen=True)
class LessonPage:
    """One page of the lesson: its file, address, title, icon, and one line saying what a student does."""

    path: str
    url_path: str
    title: str
    icon: str
    line: str


# The lesson in the order a class follows it: the sidebar and the start page both read this list.
LESSON = (
    LessonPage("pages/toy.py", "toy", "Toy 5×5 filters", ":material/apps:",
               "Two tiny filters tell a cross from a diagonal."),
    LessonPage("pages/draw.py", "draw", "Draw a digit", ":material/draw:",
               "Draw a digit; see how it is tidied and read."),
    LessonPage("pages/overview.py", "overview", "The whole network", ":material/view_column:",
               "Every layer at once; click any number to see how it was made."),
    LessonPage("pages/feature_maps.py", "feature_maps", "Feature maps", ":material/grid_view:",
               "Look inside: what each filter found."),
    LessonPage("pages/concepts.py", "concepts", "Concepts", ":material/calculate:",
               "Output sizes, padding, stride, pooling."),
    LessonPage("pages/train.py", "train", "Train a model", ":material/model_training:",
               "Train your own network and watch it learn."),
    LessonPage("pages/experiments.py", "experiments", "Experiments", ":material/science:",
               "Build networks, train several, compare them side by side."),
)  # fmt: skip

MODEL_LABELS = {
    "mnist": "MNIST CNN (shipped)",
    "mnist_mlp": "MNIST fully connected baseline (shipped)",
    "fashion_mnist": "Fashion-MNIST CNN (shipped)",
}
TRAINED_KEY = "trained"
TRAINED_LABEL = "Your trained model"


def _keep_keras_session_between_runs() -> None:
    """Stop Streamlit from resetting Keras after every script and fragment run.

    Streamlit calls keras.backend.clear_session() after each run. That empties TensorFlow's
    kernel cache, so the next prediction first re-prepares the compiled model, and it collects
    all garbage: together 0.2 to 1 s added to every canvas stroke. Other callers still clear.
    """
    original = keras.backend.clear_session
    if getattr(original, "keeps_session_between_runs", False):
        return

    def clear_session(*args, **kwargs):
        caller = sys._getframe(1)
        if caller.f_code.co_name == "_clean_problem_modules" and caller.f_globals["__name__"].startswith("streamlit"):
            return None
        return original(*args, **kwargs)

    clear_session.keeps_session_between_runs = True
    keras.backend.clear_session = clear_session


_keep_keras_session_between_runs()


_RUN = threading.local()  # what the current script run went through; one script run per thread at a time


@contextlib.contextmanager
def app_run():
    """Mark a script run as one that app.py's navigation leads (app.py wraps its run in this)."""
    _RUN.via_app = True
    try:
        yield
    finally:
        _RUN.via_app = False


def through_app_navigation() -> None:
    """Send a page that runs without app.py through app.py's navigation.

    Until app.py has called st.navigation once, Streamlit treats the folder pages/ as a list of
    stand-alone pages, so /draw on a fresh server would run draw.py without the app's layout and
    menu, and so would every tab opened at that moment. Switching that mode off and rerunning runs
    app.py instead. Every page calls this first thing (never during an import: a rerun raised
    inside an import would break the same import in the sessions opening with it). Without a
    server (a page test runs one page file alone) there is nothing to send it through.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(_RUN, "via_app", False) or not _served():
        return
    PagesManager.uses_pages_directory = False
    st.rerun()


def _served() -> bool:
    """True if this script run serves a browser through the server (not a page test's run, whose
    stand-in server answers every question with a stand-in object rather than True)."""
    context = get_script_run_ctx()
    if context is None or not runtime.exists():
        return False
    return runtime.get_instance().is_active_session(context.session_id) is True


@st.cache_resource(show_spinner="Loading the model…")
def load_shipped(key: str) -> activations.FeatureExtractor | str:
    """The extractor of a shipped model, built once per server; a message if it cannot load."""
    try:
        extractor = activations.make_extractor(models.load_pretrained(key))
    except models.ModelUnavailable as error:
        return str(error)
    # Streamlit collects garbage after every run; freezing what is loaded now (TensorFlow, the
    # model) keeps each collection to milliseconds instead of half a second.
    gc.collect()
    gc.freeze()
    return extractor


def adopt_trained_model() -> None:
    """Make the model of this session's finished or stopped training run its trained model."""
    run = st.session_state.get("training_run")
    result = None if run is None or run.is_active else run.result()
    if result is not None and st.session_state.get("trained_model") is not result.model:
        st.session_state["trained_model"] = result.model
        st.session_state["trained_dataset"] = run.settings.dataset


def model_options() -> list[str]:
    """The model keys a user can choose now, the session's trained model last."""
    adopt_trained_model()
    options = list(MODEL_LABELS)
    if "trained_model" in st.session_state:
        options.append(TRAINED_KEY)
    return options


def label_of(key: str) -> str:
    """The human name of a model key."""
    return MODEL_LABELS.get(key, TRAINED_LABEL)


def dataset_of(key: str) -> str:
    """The dataset a model reads: "mnist" or "fashion_mnist"."""
    if key == TRAINED_KEY:
        return st.session_state.get("trained_dataset", "mnist")
    return config.PRETRAINED[key][1]


def get_extractor(key: str) -> activations.FeatureExtractor | None:
    """The extractor for a model key, or None after showing why it is unavailable."""
    if key == TRAINED_KEY:
        model = st.session_state.get("trained_model")
        if model is None:
            st.warning("No model has been trained in this session yet: open **Train a model**.")
            return None
        extractor = st.session_state.get("trained_extractor")
        if extractor is None or extractor.model is not model:
            extractor = activations.make_extractor(model)
            st.session_state["trained_extractor"] = extractor
        return extractor
    loaded = load_shipped(key)
    if isinstance(loaded, str):
        st.error(f"{loaded} Train a model on the **Train a model** page, or reinstall the app's assets.")
        return None
    return loaded


def choose_model(where=st.sidebar, key: str = "model_choice_widget") -> str:
    """Draw the model picker and remember the choice across pages.

    Args:
        where: the container to draw into (the sidebar by default).
        key: the widget key, unique on the page.

    Returns:
        The chosen model key.
    """
    options = model_options()
    current = st.session_state.get("model_choice", "mnist")
    if current not in options:
        current = "mnist"
    choice = where.selectbox("Model", options, index=options.index(current), format_func=label_of, key=key)
    st.session_state["model_choice"] = choice
    return choice


def set_input(image, steps=None, label: str = "your drawing", dataset: str = "mnist") -> None:
    """Remember the input every page shows, and keep it for a reload of the tab.

    Args:
        image: float32 array (28, 28) in [0, 1].
        steps: the preprocessing steps that made it, if any.
        label: where it came from, e.g. "your drawing" or "test image 12 of the class 7".
        dataset: what the input shows: "mnist" (a digit) or "fashion_mnist" (clothes).
    """
    st.session_state.update(input_image=image, input_steps=steps, input_label=label, input_dataset=dataset)
    memory.save_tab()


def clear_input() -> None:
    """Forget the current input, e.g. when the drawing is cleared."""
    set_input(None, None, None)


def current_input():
    """The current (28, 28) input and its label, or (None, None) if there is none yet."""
    if st.session_state.get("input_image") is None:
        return None, None
    return st.session_state["input_image"], st.session_state.get("input_label")


def input_dataset() -> str:
    """The dataset the current input belongs to: "mnist" or "fashion_mnist"."""
    return st.session_state.get("input_dataset") or "mnist"


def class_names(key: str) -> list[str]:
    """The ten class names of the dataset a model reads."""
    return dataset_names(dataset_of(key))


def dataset_names(dataset: str) -> list[str]:
    """The ten class names of a dataset: "0" to "9", or the clothes of Fashion-MNIST."""
    return config.CLASS_NAMES[dataset]
