"""Draw a digit: what the network sees, what it guesses, and whether it still knows a moved digit."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from cnnlab import activations, data, preprocess, uploads
from cnnlab.figures import draw as figures
from pages import shared

CANVAS_SIZE = 280
# White ink on black, like MNIST; a 20 px brush on 280 px is a 2 px stroke at 28 x 28.
CANVAS_STYLE = {"stroke_width": 20, "stroke_color": "#FFFFFF", "background_color": "#000000"}
CANVAS_STYLE |= {"width": CANVAS_SIZE, "height": CANVAS_SIZE}
DRAWING = "your drawing"
CNN, MLP = "mnist", "mnist_mlp"
SHIFTS = np.arange(-6, 7)
PLAIN = {"displayModeBar": False}
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
TWO_KINDS = "A **CNN** slides small filters over the picture; a **fully connected** network weighs each pixel alone."
STEPS = (
    ("1. Your picture", "light ink on black"),
    ("2. Cropped", "cut to the box around the ink"),
    ("3. Shrunk", "longer side 20 pixels, as in MNIST"),
    ("4. What the network sees", "centred by its centre of mass"),
)


@st.cache_data(show_spinner=False)
def test_set(dataset: str):
    """The embedded test images (uint8 (N, 28, 28)) and labels (N,) of a dataset."""
    _, (images, labels) = data.load_dataset(dataset, "embedded")
    return images, labels


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(content: bytes):
    """An uploaded picture's preprocessing steps, None if it holds no digit; ValueError if unreadable."""
    return preprocess.preprocess_steps(uploads.load_upload(content))


@st.cache_data(show_spinner="Testing the network on 2,000 moved test digits…")
def shift_accuracy(model_key: str) -> np.ndarray:
    """A shipped model's accuracy on the embedded MNIST test digits moved by each of SHIFTS."""
    images, labels = test_set("mnist")
    return activations.accuracy_vs_shift(shared.load_shipped(model_key), images, labels, SHIFTS)


def show_prediction(model_key: str, image, chart_key: str, height: int = 300) -> None:
    """Write a model's guess for a (28, 28) image and its ten probabilities."""
    extractor = shared.get_extractor(model_key)
    if extractor is None:
        return
    probabilities = extractor.probabilities(image)
    names = shared.class_names(model_key)
    name, confidence = activations.top_prediction(probabilities, names)
    sure = "over 99.9 %" if confidence > 0.999 else f"{confidence * 100:.1f} %"
    st.subheader(f"Prediction: {name} — {sure} sure", anchor=False)
    st.plotly_chart(figures.probability_bars(probabilities, names, height=height), key=chart_key, config=PLAIN)


def canvas_input() -> None:
    """The drawing canvas; a new drawing becomes the current input, a cleared one removes it."""
    st.markdown("Draw one digit, big. Point at the square for its toolbar: **↶** undoes, the **bin** clears.")
    st.space("small")
    result = st_canvas(**CANVAS_STYLE, return_image_data=True, key="draw_canvas")
    content = result.image_bytes  # PNG bytes, None until the first stroke
    if content is None and "input_label" in st.session_state:
        st.markdown(f"The network is looking at {st.session_state['input_label']}. Draw here to replace it.")
    if content is None or content == st.session_state.get("draw_seen"):
        return
    st.session_state["draw_seen"] = content
    steps = preprocess.preprocess_steps(result.image_data)
    if steps is not None:
        shared.set_input(steps.centred, steps, DRAWING)
    elif st.session_state.get("input_label") == DRAWING:
        shared.clear_input()


def pick_random(labels: np.ndarray) -> None:
    """Choose a random test image: its class in the class picker, and which one of that class."""
    generator = np.random.default_rng()
    st.session_state["draw_test_class"] = int(labels[generator.integers(len(labels))])
    st.session_state["draw_test_pick"] = int(generator.integers(len(labels)))


def test_image_input(model_key: str) -> None:
    """Pick an image of the test set, at random or by class; it becomes the current input."""
    names = shared.class_names(model_key)
    images, labels = test_set(shared.dataset_of(model_key))
    st.button("Random test image", key="draw_test_random", on_click=pick_random, args=(labels,))
    label = st.selectbox("Or pick a class", range(len(names)), format_func=names.__getitem__, key="draw_test_class")
    same_class = np.flatnonzero(labels == label)
    index = int(same_class[st.session_state.get("draw_test_pick", 0) % len(same_class)])
    image = images[index].astype(np.float32) / 255.0
    st.plotly_chart(figures.grayscale_image(image, f"True label: {names[label]}", height=CANVAS_SIZE), config=PLAIN)
    source = f"test image #{index} (true label {names[label]})"
    if st.session_state.get("input_label") != source:
        shared.set_input(image, None, source)


def upload_input() -> None:
    """Upload a photo or scan of a digit; the digit found in it becomes the current input."""
    upload = st.file_uploader("A photo or scan of one digit", type=UPLOAD_TYPES, key="draw_upload")
    if upload is None:
        return
    try:
        steps = read_upload(upload.getvalue())
    except ValueError as error:
        st.error(f"{upload.name}: {error}")
        shared.clear_input()
        return
    if steps is None:
        st.info("No digit found in this picture. Try a darker pen on plain paper, filling most of the photo.")
        shared.clear_input()
        return
    shared.set_input(steps.centred, steps, f"your picture {upload.name}")


def steps_view(steps, image) -> None:
    """The preprocessing steps side by side, or the test image alone."""
    st.header("From your picture to 28 × 28 pixels", anchor=False)
    if steps is None:
        st.markdown("A test image is already 28 × 28 and centred, so the network sees it as it is.")
        return
    arrays = (steps.ink, steps.cropped, steps.scaled, image)
    for position, (column, array, (title, caption)) in enumerate(zip(st.columns(4), arrays, STEPS, strict=True)):
        column.plotly_chart(figures.grayscale_image(array, title), key=f"draw_step_{position}", config=PLAIN)
        column.markdown(f"{array.shape[0]} × {array.shape[1]} pixels: {caption}.")


def side_by_side(columns, image, chart_prefix: str, note: str = "") -> None:
    """The CNN's and the fully connected network's guesses for one image, in two columns."""
    for column, key in zip(columns, (CNN, MLP), strict=True):
        with column:
            st.markdown(f"**{shared.label_of(key)}**{note}")
            show_prediction(key, image, f"{chart_prefix}_{key}", height=260)


@st.fragment
def shift_view() -> None:
    """Move the current input with two sliders and show both networks' guesses."""
    image, _ = shared.current_input()
    if image is None:
        return
    st.header("Move the digit", anchor=False)
    controls, *columns = st.columns([1, 1.3, 1.3], gap="medium")
    dx = controls.slider("Right (+) or left (−), pixels", -6, 6, 0, key="shift_dx")
    dy = controls.slider("Down (+) or up (−), pixels", -6, 6, 0, key="shift_dy")
    shifted = preprocess.shift_image(image, int(dy), int(dx))
    controls.plotly_chart(figures.grayscale_image(shifted, f"Moved ({dx:+d}, {dy:+d})", height=220), config=PLAIN)
    side_by_side(columns, shifted, "draw_shift_bars", ", moved digit")


@st.fragment
def input_and_prediction(model_key: str) -> None:
    """Everything that follows the input: it reruns alone after each stroke."""
    left, right = st.columns(2, gap="large")
    sources = {"Draw": canvas_input, "Test image": lambda: test_image_input(model_key), "Upload a photo": upload_input}
    tabs = left.tabs(list(sources), key="draw_source", on_change="rerun")
    for tab, show_source in zip(tabs, sources.values(), strict=True):
        if tab.open:  # only the chosen tab runs
            with tab:
                show_source()
    image, label = shared.current_input()
    if image is None:
        right.info("Draw a digit from 0 to 9 on the black square, and the network will guess it.")
        return
    with right:
        st.markdown(f"**{shared.label_of(model_key)}** looking at {label}:")
        show_prediction(model_key, image, "draw_bars_main")
    steps_view(st.session_state.get("input_steps"), image)
    st.header("Two kinds of network, one input", anchor=False)
    st.markdown(TWO_KINDS)
    side_by_side(st.columns(2), image, "draw_bars")
    shift_view()


def accuracy_section() -> None:
    """Test accuracy of both shipped MNIST networks against how far every test digit is moved."""
    st.header("Every test digit, moved sideways", anchor=False)
    st.markdown("Each of 2,000 MNIST test digits moved left or right by up to 6 pixels, through both networks.")
    available = [key for key in (CNN, MLP) if not isinstance(shared.load_shipped(key), str)]
    if len(available) < 2:
        st.info("The curve appears once both shipped MNIST networks are installed.")
        return
    accuracies = {shared.label_of(key): shift_accuracy(key) for key in available}
    st.plotly_chart(figures.shift_accuracy_curve(SHIFTS, accuracies), key="draw_shift_curve", config=PLAIN)
    st.markdown(f"**Takeaway:** {figures.shift_takeaway(SHIFTS, *accuracies.values())}")


st.title("Draw a digit", anchor=False)
st.markdown(
    "Draw a digit, pick one from the test set, or upload a photo. See the small picture the "
    "network really gets, its guess, and whether it still recognises the digit once it is moved."
)
chosen = shared.choose_model()
input_and_prediction(chosen)
accuracy_section()
