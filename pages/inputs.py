"""The Draw page's other inputs: a test image chosen by class or at random, and an uploaded photo."""

import re

import numpy as np
import streamlit as st

from cnnlab import data, preprocess, uploads
from cnnlab.figures import draw as figures
from pages import drawing, shared

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


@st.cache_data(show_spinner=False)
def test_set(dataset: str):
    """The embedded test images (uint8 (N, 28, 28)) and labels (N,) of a dataset."""
    _, (images, labels) = data.load_dataset(dataset, "embedded")
    return images, labels


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(content: bytes):
    """An uploaded picture's preprocessing steps, None if it holds no digit; ValueError if unreadable."""
    return preprocess.preprocess_steps(uploads.load_upload(content))


def choose_test_image(dataset: str, random: bool) -> None:
    """Make a test image of the chosen class (or of a random class) the current input."""
    images, labels = test_set(dataset)
    generator, class_key = np.random.default_rng(), f"draw_test_class_{dataset}"
    if random:
        st.session_state[class_key] = int(labels[generator.integers(len(labels))])
    same_class = np.flatnonzero(labels == st.session_state[class_key])
    index = int(same_class[generator.integers(len(same_class))])
    name = shared.dataset_names(dataset)[labels[index]]
    image = images[index].astype(np.float32) / 255.0
    shared.set_input(image, None, f"test image {index + 1:,} (labelled {name})", dataset)


def test_image(model_key: str) -> None:
    """Pick an image of the test set at random or by class; only a choice replaces the input."""
    dataset = shared.dataset_of(model_key)
    names = shared.dataset_names(dataset)
    st.button("Random test image", key="draw_test_random", on_click=choose_test_image, args=(dataset, True))
    class_key = f"draw_test_class_{dataset}"
    st.session_state.setdefault(class_key, None)
    st.selectbox(
        "Or pick a class", range(len(names)), format_func=names.__getitem__, key=class_key,
        on_change=choose_test_image, args=(dataset, False), placeholder="Choose a class",
    )  # fmt: skip
    image, label = shared.current_input()
    if image is not None and label.startswith("test image") and shared.input_dataset() == dataset:
        st.image(figures.picture_url(image), caption=label[0].upper() + label[1:], width=drawing.SIZE)


def plain(text: str) -> str:
    """Text a student typed or named (a file name), safe to put in markdown: its symbols stay symbols."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def note_new_upload() -> None:
    """Mark that a file was just chosen, so it replaces the input once (and not on every visit)."""
    st.session_state["draw_upload_new"] = True


def forget_earlier_upload() -> None:
    """Take away an uploaded picture's input; a drawing or a test image stays."""
    if (shared.current_input()[1] or "").startswith("your picture"):
        shared.clear_input()


def upload() -> None:
    """Upload a photo or scan of a digit; the digit found in it becomes the current input.

    A file that cannot be read, or holds no digit, takes away an earlier upload's input (so its
    prediction is not taken for this file's), and leaves a drawing or a test image as it was.
    """
    upload = st.file_uploader(
        "A photo or scan of one digit", type=UPLOAD_TYPES, key="draw_upload", on_change=note_new_upload
    )
    if upload is None:
        return
    try:
        steps = read_upload(upload.getvalue())
    except ValueError as error:
        st.error(f"{plain(upload.name)}: {error}")
        forget_earlier_upload()
        return
    if steps is None:
        st.info("No digit found in this picture. Try a darker pen on plain paper, filling most of the photo.")
        forget_earlier_upload()
        return
    if st.session_state.pop("draw_upload_new", False):  # a file just chosen, not one shown again
        shared.set_input(steps.centred, steps, f"your picture {upload.name}", "mnist")
