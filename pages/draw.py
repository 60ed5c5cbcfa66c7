"""Draw a digit: what the network sees, what it guesses, and whether it still knows a moved digit."""

import numpy as np
import streamlit as st

from cnnlab import activations, preprocess
from cnnlab.figures import draw as figures
from cnnlab.figures.style import CHART_CONFIG, MAGNITUDE_WORDS, PlainFigure
from pages import drawing, inputs, shared

shared.through_app_navigation()

CNN, MLP = "mnist", "mnist_mlp"
SHORT_NAMES = {CNN: "CNN", MLP: "Fully connected"}
SHIFTS = np.arange(-6, 7)
TWO_KINDS = (
    "A **CNN** slides small filters over the picture; a **fully connected** network weighs each pixel alone. "
    "Move the digit with the sliders and watch which of the two still knows it."
)
STEPS = (
    ("1. Your picture", "light ink on black"),
    ("2. Cropped", "cut to the box around the ink"),
    ("3. Shrunk", "longer side 20 pixels, as in MNIST"),
    ("4. What the network sees", "centred by its centre of mass"),
)
WRONG_KIND = {
    "fashion_mnist": "This network only knows **clothes**: it names the piece of clothing this digit looks most like.",
    "mnist": "This network only knows **digits**: it names the digit this piece of clothing looks most like.",
}


@st.cache_data(show_spinner="Testing the network on 2,000 moved test digits…")
def shift_accuracy(model_key: str) -> np.ndarray:
    """A shipped model's accuracy on the embedded MNIST test digits moved by each of SHIFTS."""
    images, labels = inputs.test_set("mnist")
    return activations.accuracy_vs_shift(shared.load_shipped(model_key), images, labels, SHIFTS)


class Guesses:
    """Each model's probabilities for each image, computed once per run however often they are shown."""

    def __init__(self):
        self._seen = {}

    def __call__(self, model_key: str, image) -> np.ndarray | None:
        """float array (10,) of class probabilities, or None if the model is unavailable (said on screen)."""
        slot = (model_key, id(image))
        if slot not in self._seen:
            extractor = shared.get_extractor(model_key)
            self._seen[slot] = None if extractor is None else (extractor.probabilities(image), image)
        found = self._seen[slot]
        return None if found is None else found[0]


def show_prediction(guesses: Guesses, model_key: str, image) -> None:
    """Write the chosen model's guess for a (28, 28) image and its ten probabilities."""
    probabilities = guesses(model_key, image)
    if probabilities is None:
        return
    names = shared.class_names(model_key)
    st.subheader(f"Prediction: {figures.guess_words(probabilities, names)}", anchor=False)
    if shared.dataset_of(model_key) != shared.input_dataset():
        st.info(WRONG_KIND[shared.dataset_of(model_key)])
    bars = PlainFigure(figures.probability_bars(probabilities, names))  # redrawn per stroke: sent as it is
    st.plotly_chart(bars, key="draw_bars_main", config=CHART_CONFIG)


def steps_view(steps, image) -> None:
    """The preprocessing steps side by side, or the test image alone."""
    if steps is None:
        st.markdown("A test image is already 28 × 28 and centred, so the network sees it as it is.")
        return
    arrays = (steps.ink, steps.cropped, steps.scaled, image)
    # Four columns in at most 680 pixels: pictures about 160 pixels wide on a wide screen, narrower on a projector.
    for column, array, (title, caption) in zip(st.container(width=680).columns(4), arrays, STEPS, strict=True):
        # One element per picture, its words in its caption: a stroke redraws them all.
        words = f"{title}: {array.shape[0]} × {array.shape[1]} pixels, {caption}"
        column.image(figures.picture_url(array), caption=words)  # its own size: at most 140 pixels high
    st.caption(MAGNITUDE_WORDS)


def both_networks(guesses: Guesses, image, chart_key: str) -> None:
    """The CNN's and the fully connected network's probabilities for one image, in one chart."""
    found = {SHORT_NAMES[key]: guesses(key, image) for key in (CNN, MLP)}
    found = {name: probabilities for name, probabilities in found.items() if probabilities is not None}
    if not found:
        return
    names = shared.dataset_names("mnist")
    st.markdown(figures.compare_words(found, names))
    st.plotly_chart(PlainFigure(figures.compare_bars(found, names)), key=chart_key, config=CHART_CONFIG)


@st.fragment
def shift_view(guesses: Guesses) -> None:
    """Both networks' guesses for the current digit, moved by two sliders (not moved at first).

    Args:
        guesses: the run's guesses, for the digit as it is; a move reruns only this part, with its own.
    """
    image, _ = shared.current_input()
    if image is None or shared.input_dataset() != "mnist":
        return
    controls, chart = st.columns([1, 2.2], gap="medium")
    dx = controls.slider("Move it right (+) or left (−), pixels", -6, 6, 0, key="draw_shift_dx")
    dy = controls.slider("Move it down (+) or up (−), pixels", -6, 6, 0, key="draw_shift_dy")
    moved = dx or dy
    shifted = preprocess.shift_image(image, int(dy), int(dx)) if moved else image
    controls.image(figures.picture_url(shifted), caption=f"Your digit, {figures.moved_words(dx, dy)}", width="stretch")
    with chart:
        both_networks(guesses if not moved else Guesses(), shifted, "draw_shift_bars")


# The two lessons under the input, as tabs.
LESSONS = ["From your picture to 28 × 28 pixels", "Two kinds of network, one input"]
SOURCES = {"Draw": "draw", "Test image": "test", "Upload a photo": "upload"}
# What to do first, said for the tab that is open.
WAITING = {
    "Draw": "Draw a digit from 0 to 9 on the black square, and the network will guess it.",
    "Test image": "Take a random test image or pick a class, and the network will guess it.",
    "Upload a photo": "Upload a photo or scan of one digit, and the network will guess it.",
}


@st.fragment
def input_and_prediction(model_key: str) -> None:
    """Everything that follows the input: it reruns alone after each stroke."""
    left, right = st.columns([1.25, 1], gap="medium")  # the canvas needs 280 px even on a projector
    tabs = left.tabs(list(SOURCES), key="draw_source", on_change="rerun")
    shows = (lambda: drawing.canvas("draw"), lambda: inputs.test_image(model_key), inputs.upload)
    chosen = "Draw"
    for (source, tab), show_source in zip(zip(SOURCES, tabs, strict=True), shows, strict=True):
        if tab.open:  # only the chosen tab runs
            chosen = source
            with tab:
                show_source()
    image, label = shared.current_input()
    if image is None:
        right.info(WAITING[chosen])
        return
    guesses = Guesses()
    with right:
        st.markdown(f"**{shared.label_of(model_key)}** looking at {inputs.plain(label)}:")
        show_prediction(guesses, model_key, image)
    if shared.input_dataset() != "mnist":  # the two digit networks and moving have nothing to say about clothes
        steps_view(st.session_state.get("input_steps"), image)
        return
    # Only the open lesson runs: a stroke redraws one of them, not both.
    seeing, kinds = st.tabs(LESSONS, key="draw_lesson", on_change="rerun")
    if seeing.open:
        with seeing:
            steps_view(st.session_state.get("input_steps"), image)
    if kinds.open:
        with kinds:
            st.markdown(TWO_KINDS)
            shift_view(guesses)


def accuracy_section() -> None:
    """Test accuracy of both shipped MNIST networks against how far every test digit is moved."""
    st.header("Every test digit, moved sideways", anchor=False)
    st.markdown("Each of 2,000 MNIST test digits moved left or right by up to 6 pixels, through both networks.")
    available = [key for key in (CNN, MLP) if not isinstance(shared.load_shipped(key), str)]
    if len(available) < 2:
        st.info("The curve appears once both shipped MNIST networks are installed.")
        return
    accuracies = {shared.label_of(key): shift_accuracy(key) for key in available}
    st.plotly_chart(figures.shift_accuracy_curve(SHIFTS, accuracies), key="draw_shift_curve", config=CHART_CONFIG)
    st.markdown(f"**Takeaway:** {figures.shift_takeaway(SHIFTS, *accuracies.values())}")


st.title("Draw a digit", anchor=False)
st.markdown(
    "Draw a digit, pick one from the test set, or upload a photo. See the small picture the "
    "network really gets, its guess, and whether it still recognises the digit once it is moved."
)
chosen = shared.choose_model()
input_and_prediction(chosen)
accuracy_section()
