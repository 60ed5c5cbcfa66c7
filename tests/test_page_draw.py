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
    """The prediction headings in page order: chosen model, CNN, MLP, moved CNN, moved MLP."""
    return [heading.value for heading in at.subheader if heading.value.startswith("Prediction:")]


def label_in(heading: str) -> str:
    """The class name in 'Prediction: <name> — <confidence> sure'."""
    return heading.removeprefix("Prediction: ").split(" — ")[0]


def run_page(image=None, source="test", tab=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if image is not None:
        at.session_state["input_image"] = image
        at.session_state["input_steps"] = None
        at.session_state["input_label"] = source
    if tab is not None:
        at.session_state["draw_source"] = tab
    return at.run()


@pytest.fixture(scope="module")
def seven() -> np.ndarray:
    return first_test_image("mnist", 7)


def test_no_prediction_until_something_is_drawn():
    at = run_page()
    assert not at.exception
    assert predictions(at) == []
    assert any("Draw a digit from 0 to 9" in info.value for info in at.info)


def test_an_injected_seven_is_a_seven_for_both_networks(seven):
    at = run_page(seven, "a test seven")
    assert not at.exception
    headings = predictions(at)
    assert len(headings) == 5
    assert headings[0].startswith("Prediction: 7 — ")
    chosen, cnn, mlp = (label_in(heading) for heading in headings[:3])
    assert chosen == cnn == mlp == "7"
    assert not at.error


def test_the_page_runs_inside_the_app_navigation(seven):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["input_image"] = seven
    at.session_state["input_label"] = "a test seven"
    at.run()
    at.switch_page("pages/draw.py").run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Draw a digit"]
    assert predictions(at)[0].startswith("Prediction: 7")


def test_picking_a_class_shows_that_test_image_and_shares_it(seven):
    at = run_page(tab="Test image")
    assert not at.exception
    at.selectbox(key="draw_test_class").select(7).run()
    assert predictions(at)[0].startswith("Prediction: 7")
    assert "true label 7" in at.session_state["input_label"]
    np.testing.assert_array_equal(at.session_state["input_image"], seven)
    assert at.session_state["input_steps"] is None


def test_random_test_image_moves_the_class_picker():
    at = run_page(tab="Test image")
    at.button(key="draw_test_random").click().run()
    chosen_class = at.selectbox(key="draw_test_class").value
    assert f"true label {chosen_class}" in at.session_state["input_label"]


def test_an_upload_that_is_not_a_picture_shows_an_error_and_no_prediction(seven):
    at = run_page(seven, "a test seven", tab="Upload a photo")
    at.file_uploader(key="draw_upload").set_value(("digit.png", b"not a picture at all", "image/png")).run()
    assert not at.exception
    assert [error.value for error in at.error] == [
        "digit.png: This file is not a picture that can be read: upload a PNG or JPEG image."
    ]
    assert predictions(at) == []


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


def test_the_fashion_model_names_a_class_of_clothing(seven):
    at = run_page(seven, "a test seven")
    at.selectbox(key="model_choice_widget").select("fashion_mnist").run()
    assert not at.exception
    assert label_in(predictions(at)[0]) in config.CLASS_NAMES["fashion_mnist"]


def test_the_fashion_test_images_come_with_clothing_names():
    at = run_page(tab="Test image")
    at.selectbox(key="model_choice_widget").select("fashion_mnist").run()
    at.selectbox(key="draw_test_class").select(7).run()
    assert not at.exception
    assert "true label Sneaker" in at.session_state["input_label"]
    assert label_in(predictions(at)[0]) in config.CLASS_NAMES["fashion_mnist"]


def test_the_shift_sliders_show_the_predictions_for_the_moved_digit(seven):
    at = run_page(seven, "a test seven")
    unmoved = predictions(at)[3:]
    at.slider(key="shift_dx").set_value(4)
    at.slider(key="shift_dy").set_value(6).run()
    assert not at.exception
    moved = predictions(at)[3:]
    shifted = preprocess.shift_image(seven, 6, 4)
    for heading, key in zip(moved, ("mnist", "mnist_mlp"), strict=True):
        expected = activations.make_extractor(models.load_pretrained(key)).probabilities(shifted).argmax()
        assert label_in(heading) == str(expected)
    assert moved != unmoved


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
    at = run_page(seven, "a test seven")
    assert not at.exception
    assert predictions(at)[0].startswith("Prediction: 7")
    assert at.error and all("mnist_mlp.keras is missing" in error.value for error in at.error)
    assert any(info.value.startswith("The curve appears once both") for info in at.info)
