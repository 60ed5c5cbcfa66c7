"""What every page shares: the cached models, the chosen model, and the current input.

Session state keys (plain values, not widget keys, so they survive page changes):
- "input_image": float32 array (28, 28) in [0, 1], what the network sees, or absent.
- "input_steps": the cnnlab.preprocess steps that made it, or None for a test image.
- "input_label": a sentence naming where the input came from.
- "model_choice": a key of MODEL_LABELS or TRAINED_KEY.
- "trained_model": the keras.Model trained in this session, or absent.
"""

from __future__ import annotations

import streamlit as st

from cnnlab import activations, config, models

MODEL_LABELS = {
    "mnist": "MNIST CNN (shipped)",
    "mnist_mlp": "MNIST fully connected baseline (shipped)",
    "fashion_mnist": "Fashion-MNIST CNN (shipped)",
}
TRAINED_KEY = "trained"
TRAINED_LABEL = "Your trained model"


@st.cache_resource(show_spinner="Loading the model…")
def load_shipped(key: str) -> activations.FeatureExtractor | str:
    """The extractor of a shipped model, built once per server; a message if it cannot load."""
    try:
        return activations.make_extractor(models.load_pretrained(key))
    except models.ModelUnavailable as error:
        return str(error)


def model_options() -> list[str]:
    """The model keys a user can choose now, the session's trained model last."""
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


def set_input(image, steps=None, label: str = "your drawing") -> None:
    """Remember the input every page shows.

    Args:
        image: float32 array (28, 28) in [0, 1].
        steps: the preprocessing steps that made it, if any.
        label: where it came from, e.g. "your drawing" or "test image #12 (a 7)".
    """
    st.session_state["input_image"] = image
    st.session_state["input_steps"] = steps
    st.session_state["input_label"] = label


def current_input():
    """The current (28, 28) input and its label, or (None, None) if there is none yet."""
    return st.session_state.get("input_image"), st.session_state.get("input_label")


def class_names(key: str) -> list[str]:
    """The ten class names of the dataset a model reads."""
    return config.CLASS_NAMES[dataset_of(key)]
