"""AppTest of the Draw page: inputs in, predictions of the shipped models out.

AppTest cannot draw on the canvas, so a drawing is injected the way the page stores one
(pages.shared.set_input's session keys), and the test-image and upload tabs are driven
through their widgets. The shipped models must be in assets/models.
"""

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from cnnlab import activations, config, data, models, preprocess
from pages import shared

PROJECT = Path(__file__).resolve().parent.parent
PAGE = str(PROJECT / "pages" / "draw.py")
TIMEOUT = 180

pytestmark = pytest.mark.skipif(
    not all(models.pretrained_path(key).is_file() for key in ("mnist", "mnist_mlp", "fashion_mnist")),
    reason="the shipped models are not in assets/models",
)


def first_test_image(dataset: str, label: int) -> np.ndarray:
    """float32 (28, 28): the first embedded test image of a class."""
    _, (images, labels) = data.load_dataset(dataset, "embedded")
    return images[np.flatnonzero(labels == label)[0]].astype(np.float32) / 255.0


def predictions(at: AppTest) -> list[str]:
    """The prediction headings: one, for the chosen model."""
    return [heading.value for heading in at.subheader if heading.value.startswith("Prediction:")]


def label_in(heading: str) -> str:
    """The class name in 'Prediction: <name> — <confidence> sure'."""
    return heading.removeprefix("Prediction: ").split(" — ")[0]


def comparisons(at: AppTest) -> list[str]:
    """The sentences naming both networks' guesses (one: for the input, moved by the sliders)."""
    return [markdown.value for markdown in at.markdown if markdown.value.startswith("**CNN**: ")]


def guesses_in(sentence: str) -> tuple[str, str]:
    """The CNN's and the fully connected network's classes in a comparison sentence."""
    cnn, dense = sentence.split(" · ")
    return cnn.removeprefix("**CNN**: ").split(" — ")[0], dense.removeprefix("**Fully connected**: ").split(" — ")[0]


def lessons(at: AppTest) -> list[str]:
    """The labels of the tabs under the input (none for clothes)."""
    return [tab.label for tab in at.tabs if tab.label in LESSONS]


TWO_KINDS = "Two kinds of network, one input"
LESSONS = ["From your picture to 28 × 28 pixels", TWO_KINDS]  # the tabs under the input, as a student reads them
STEPS = ["1. Your picture", "2. Cropped", "3. Shrunk", "4. What the network sees"]


def run_page(image=None, source="test", tab=None, dataset="mnist", lesson=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if image is not None:
        at.session_state["input_image"] = image
        at.session_state["input_steps"] = None
        at.session_state["input_label"] = source
        at.session_state["input_dataset"] = dataset
    if tab is not None:
        at.session_state["draw_source"] = tab
    if lesson is not None:
        at.session_state["draw_lesson"] = lesson
    return at.run()


@pytest.fixture(scope="module")
def seven() -> np.ndarray:
    return first_test_image("mnist", 7)


def test_no_prediction_until_something_is_drawn():
    at = run_page()
    assert not at.exception
    assert predictions(at) == []
    assert any("Draw a digit from 0 to 9" in info.value for info in at.info)


@pytest.mark.parametrize(
    "tab, words", [("Test image", "Take a random test image or pick a class"), ("Upload a photo", "Upload a photo")]
)
def test_before_any_input_the_page_says_what_to_do_in_the_open_tab(tab, words):
    at = run_page(tab=tab)
    assert not at.exception and predictions(at) == []
    waiting = [info.value for info in at.info if "the network will guess it" in info.value]
    assert len(waiting) == 1 and waiting[0].startswith(words) and "black square" not in waiting[0]


def test_a_seven_is_predicted_once_and_both_networks_are_named_in_one_sentence(seven):
    at = run_page(seven, "a test seven", lesson=TWO_KINDS)
    assert not at.exception
    (heading,) = predictions(at)
    assert heading.startswith("Prediction: 7 — ")
    assert guesses_in(comparisons(at)[0]) == ("7", "7")
    assert lessons(at) == LESSONS
    assert at.slider(key="draw_shift_dx").value == 0 and len(at.get("plotly_chart")) == 3  # bars, both, curve
    assert not at.error


def test_only_the_open_lesson_runs_and_the_first_shows_the_four_steps_of_a_drawing():
    ink = np.zeros((280, 280, 4), np.uint8)
    ink[..., 3] = 255
    ink[40:240, 120:160, :3] = 255  # a thick upright stroke: a one
    steps = preprocess.preprocess_steps(ink)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    shared_keys = {"input_image": steps.centred, "input_steps": steps, "input_label": "your drawing"}
    for key, value in {**shared_keys, "input_dataset": "mnist"}.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception and lessons(at) == LESSONS
    assert comparisons(at) == [] and not at.slider and len(at.get("plotly_chart")) == 2  # bars, curve
    pictures = at.get("image")
    captions = [caption for picture in pictures for caption in picture.captions]
    assert all(url.startswith("data:image/png;base64,") for picture in pictures for url in picture.value)
    sizes = [(280, 280), steps.cropped.shape, steps.scaled.shape, (28, 28)]
    assert [caption.split(":")[0] for caption in captions] == STEPS
    assert all(f"{rows} × {cols} pixels" in caption for caption, (rows, cols) in zip(captions, sizes, strict=True))


def test_the_page_runs_inside_the_app_navigation(seven):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["input_image"] = seven
    at.session_state["input_label"] = "a test seven"
    at.run()
    at.switch_page("pages/draw.py").run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Draw a digit"]
    assert predictions(at)[0].startswith("Prediction: 7")


def shown_test_image(at: AppTest, dataset: str) -> tuple[np.ndarray, int]:
    """The test image the page says it shows ("test image N (labelled …)"), and its true class."""
    number = int(at.session_state["input_label"].removeprefix("test image ").split(" ")[0].replace(",", ""))
    _, (images, labels) = data.load_dataset(dataset, "embedded")
    return images[number - 1].astype(np.float32) / 255.0, int(labels[number - 1])


def test_picking_a_class_shows_a_test_image_of_that_class_and_shares_it():
    at = run_page(tab="Test image")
    assert not at.exception
    at.selectbox(key="draw_test_class_mnist").select(7).run()
    assert predictions(at)[0].startswith("Prediction: 7")
    assert "(labelled 7)" in at.session_state["input_label"]
    image, label = shown_test_image(at, "mnist")
    assert label == 7
    np.testing.assert_array_equal(at.session_state["input_image"], image)
    assert at.session_state["input_steps"] is None


def test_opening_the_test_image_tab_keeps_the_drawing(seven):
    at = run_page(seven, "your drawing", tab="Test image")
    assert not at.exception
    assert at.session_state["input_label"] == "your drawing"
    np.testing.assert_array_equal(at.session_state["input_image"], seven)
    assert predictions(at)[0].startswith("Prediction: 7")


def test_random_test_image_moves_the_class_picker():
    at = run_page(tab="Test image")
    at.button(key="draw_test_random").click().run()
    chosen_class = at.selectbox(key="draw_test_class_mnist").value
    _, label = shown_test_image(at, "mnist")
    assert label == chosen_class
    assert f"(labelled {chosen_class})" in at.session_state["input_label"]


def test_an_upload_that_is_not_a_picture_shows_an_error_and_keeps_a_test_image(seven):
    at = run_page(seven, "a test seven", tab="Upload a photo")
    at.file_uploader(key="draw_upload").set_value(("digit.png", b"not a picture at all", "image/png")).run()
    assert not at.exception
    assert [error.value for error in at.error] == [
        "digit.png: This file is not a picture that can be read: upload a PNG or JPEG image."
    ]
    assert predictions(at)[0].startswith("Prediction: 7")


def test_an_uploaded_photo_of_a_seven_is_read_as_a_seven():
    paper = np.full((450, 600), 230, np.uint8)
    picture = Image.fromarray(paper)
    ImageDraw.Draw(picture).line([(220, 90), (380, 90), (280, 360)], fill=30, width=24)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    at = run_page(tab="Upload a photo")
    at.file_uploader(key="draw_upload").set_value(("seven.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert not at.exception
    assert predictions(at)[0].startswith("Prediction: 7")
    assert at.session_state["input_steps"].centred.shape == (28, 28)


def test_a_blank_upload_says_no_digit_was_found():
    buffer = io.BytesIO()
    Image.new("L", (200, 200), 240).save(buffer, format="PNG")
    at = run_page(tab="Upload a photo")
    at.file_uploader(key="draw_upload").set_value(("blank.png", buffer.getvalue(), "image/png")).run()
    assert not at.exception
    assert any(info.value.startswith("No digit found") for info in at.info)
    assert predictions(at) == []


def test_the_fashion_model_names_clothing_and_says_it_only_knows_clothes(seven):
    at = run_page(seven, "a test seven")
    at.selectbox(key="model_choice_widget").select("fashion_mnist").run()
    assert not at.exception
    assert label_in(predictions(at)[0]) in config.CLASS_NAMES["fashion_mnist"]
    assert any("only knows **clothes**" in info.value for info in at.info)


def test_a_clothes_test_image_gets_clothing_names_and_no_digit_networks():
    at = run_page(tab="Test image")
    at.selectbox(key="model_choice_widget").select("fashion_mnist").run()
    picker = at.selectbox(key="draw_test_class_fashion_mnist")
    assert picker.options == config.CLASS_NAMES["fashion_mnist"]
    picker.select(7).run()
    assert not at.exception
    assert "(labelled Sneaker)" in at.session_state["input_label"]
    assert shown_test_image(at, "fashion_mnist")[1] == 7
    assert label_in(predictions(at)[0]) in config.CLASS_NAMES["fashion_mnist"]
    assert comparisons(at) == []
    assert lessons(at) == [] and not at.slider


def test_a_digit_network_on_a_clothes_image_says_it_only_knows_digits():
    sandal = first_test_image("fashion_mnist", 5)
    at = run_page(sandal, "test image 1 (labelled Sandal)", dataset="fashion_mnist")
    assert not at.exception
    assert any("only knows **digits**" in info.value for info in at.info)


def test_the_shift_sliders_show_both_networks_on_the_moved_digit(seven):
    at = run_page(seven, "a test seven", lesson=TWO_KINDS)
    at.slider(key="draw_shift_dx").set_value(4)
    at.slider(key="draw_shift_dy").set_value(6).run()
    assert not at.exception
    shifted = preprocess.shift_image(seven, 6, 4)
    expected = [
        str(activations.make_extractor(models.load_pretrained(key)).probabilities(shifted).argmax())
        for key in ("mnist", "mnist_mlp")
    ]
    assert [list(guesses_in(sentence)) for sentence in comparisons(at)] == [expected]


def decode(values) -> np.ndarray:
    """An array from a plotly JSON spec: a list, or plotly's base64 typed array {"dtype", "bdata"}."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def shift_curve(at: AppTest) -> dict:
    """The accuracy-versus-shift chart's lines: name -> (shifts, accuracies)."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["data"][0].get("type") == "scatter":
            return {line["name"]: (decode(line["x"]), decode(line["y"])) for line in spec["data"]}
    raise AssertionError("No accuracy-versus-shift chart on the page.")


def test_the_cnn_copes_better_than_the_mlp_with_a_four_pixel_shift():
    at = run_page()
    curve = shift_curve(at)
    (shifts, cnn), (_, mlp) = curve["MNIST CNN (shipped)"], curve["MNIST fully connected baseline (shipped)"]
    np.testing.assert_array_equal(shifts, np.arange(-6, 7))
    assert cnn[shifts == 0][0] > 0.95 and mlp[shifts == 0][0] > 0.95
    for four in (-4, 4):
        assert cnn[shifts == four][0] > mlp[shifts == four][0]
    assert any(markdown.value.startswith("**Takeaway:**") for markdown in at.markdown)


@pytest.fixture
def missing_mlp(monkeypatch):
    """The shipped fully connected network's file is missing (its extractor cache is emptied around the test)."""
    load_pretrained = models.load_pretrained

    def load_all_but_the_mlp(key):
        if key == "mnist_mlp":
            raise models.ModelUnavailable("The shipped model file mnist_mlp.keras is missing from assets/models.")
        return load_pretrained(key)

    monkeypatch.setattr(models, "load_pretrained", load_all_but_the_mlp)
    shared.load_shipped.clear()
    yield
    shared.load_shipped.clear()


def test_a_missing_model_is_named_and_the_rest_of_the_page_works(seven, missing_mlp):
    at = run_page(seven, "a test seven", lesson=TWO_KINDS)
    assert not at.exception
    assert predictions(at)[0].startswith("Prediction: 7")
    assert at.error and all("mnist_mlp.keras is missing" in error.value for error in at.error)
    assert any(info.value.startswith("The curve appears once both") for info in at.info)
