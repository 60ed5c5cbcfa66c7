"""Whatever a class feeds the app, and whatever is missing on the server, a sentence and never a traceback.

Bad input on the Draw page (AppTest): blank, dotted and scribbled canvases (the canvas component is
replaced by one returning a chosen picture, as the real one returns PNG bytes), unreadable, huge and
unusual uploads, phone photos. Faults: corrupt or missing model files, no full dataset, and no file
written by a page at runtime. What tests/test_uploads.py and tests/test_page_draw.py already check at
the same level is not repeated here.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import tomllib
import types
import zlib
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image, ImageDraw, ImageFile, ImageFilter
from streamlit.testing.v1 import AppTest

import pages
from cnnlab import activations, config, data, models, preprocess, uploads
from tests.e2e.strokes import DIGITS, render

PROJECT = Path(__file__).resolve().parent.parent
DRAW_PAGE = str(PROJECT / "pages" / "draw.py")
FEATURE_MAPS_PAGE = str(PROJECT / "pages" / "feature_maps.py")
TRAIN_PAGE = str(PROJECT / "pages" / "train.py")
TIMEOUT = 180
CANVAS = 280
SNAPSHOT_SKIP = {".venv", "data", "__pycache__", ".pytest_cache", ".ruff_cache", ".git"}


# Helpers -----------------------------------------------------------------------------------------


def encode(picture: Image.Image, image_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def predictions(at: AppTest) -> list[str]:
    """The digits of the "Prediction: <name> — <confidence> sure" headings, in page order."""
    return [
        heading.value.removeprefix("Prediction: ").split(" — ")[0]
        for heading in at.subheader
        if heading.value.startswith("Prediction:")
    ]


def assert_sentence(message: str) -> None:
    """A message for a student: a capitalised sentence with a full stop, no Python internals."""
    assert message[:1].isupper() and message.rstrip("*").endswith("."), message
    for internal in ("Traceback", "Error:", "Exception", "errno", 'File "', "PIL.", "0x"):
        assert internal not in message, message


def paper_digit(digit: int, size=(600, 450), ink=40, paper=230, width=26) -> np.ndarray:
    """uint8 (height, width): a digit drawn with dark ink on plain light paper, in the middle."""
    height = size[1]
    pen = np.asarray(render(DIGITS[digit], size=height, width=width), dtype=np.float32) / 255.0
    page = np.full((height, size[0]), float(paper), np.float32)
    left = (size[0] - height) // 2
    page[:, left : left + height] = paper * (1 - pen) + ink * pen
    return np.rint(page).astype(np.uint8)


def read_as(digit_image: np.ndarray) -> str:
    """What the shipped MNIST CNN reads in a picture, after the app's preprocessing."""
    steps = preprocess.preprocess_steps(digit_image)
    assert steps is not None, "no digit found"
    extractor = activations.make_extractor(models.load_pretrained("mnist"))
    return str(int(extractor.probabilities(steps.centred).argmax()))


def upload(at: AppTest, name: str, content: bytes, mime: str = "image/png") -> AppTest:
    """Choose the upload tab's file, as a student would."""
    return at.file_uploader(key="draw_upload").set_value((name, content, mime)).run()


def draw_page(tab: str | None = None, image=None, label: str = "your drawing", lesson: str | None = None) -> AppTest:
    at = AppTest.from_file(DRAW_PAGE, default_timeout=TIMEOUT)
    if tab is not None:
        at.session_state["draw_source"] = tab
    if lesson is not None:  # the tab under the input: the fully connected network is in the second
        at.session_state["draw_lesson"] = lesson
    if image is not None:
        at.session_state["input_image"] = image
        at.session_state["input_steps"] = None
        at.session_state["input_label"] = label
    return at.run()


class CanvasResult:
    """What streamlit_drawable_canvas.st_canvas returns: the canvas as PNG bytes and as RGBA pixels."""

    def __init__(self, png: bytes | None):
        self.image_bytes = png
        self.image_data = None if png is None else np.asarray(Image.open(io.BytesIO(png)))
        self.json_data = None if png is None else {"objects": [{"type": "path"}]}


@pytest.fixture
def canvas(monkeypatch):
    """Replace the drawing canvas by one that returns the picture given to the returned function.

    AppTest cannot draw on the browser component, so the canvas module pages/drawing.py is imported
    afresh by the page, and its `from streamlit_drawable_canvas import st_canvas` is given a module
    whose st_canvas returns what the browser would send.
    """
    drawn = {"png": None}
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = lambda **options: CanvasResult(drawn["png"])
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)
    monkeypatch.delitem(sys.modules, "pages.drawing", raising=False)
    monkeypatch.delattr(pages, "drawing", raising=False)

    def set_picture(ink: np.ndarray) -> None:
        """ink: uint8 (280, 280), white strokes on the opaque black canvas, as the browser sends it."""
        drawn["png"] = encode(Image.fromarray(np.dstack([ink, ink, ink, np.full_like(ink, 255)]), "RGBA"))

    return set_picture


needs_models = pytest.mark.skipif(
    not all(models.pretrained_path(key).is_file() for key in config.PRETRAINED),
    reason="the shipped models are not in assets/models",
)


# The canvas --------------------------------------------------------------------------------------


@needs_models
def test_a_blank_canvas_shows_no_prediction_and_no_error(canvas):
    canvas(np.zeros((CANVAS, CANVAS), np.uint8))
    at = draw_page()
    assert not at.exception and not at.error
    assert predictions(at) == []
    assert any("Draw a digit from 0 to 9" in info.value for info in at.info)


@needs_models
def test_clearing_the_canvas_takes_the_old_drawing_away(canvas):
    """A drawing was read; the student empties the canvas (bin button): its prediction goes."""
    canvas(np.asarray(render(DIGITS[7])))
    at = draw_page()
    assert predictions(at)[0] == "7"
    canvas(np.zeros((CANVAS, CANVAS), np.uint8))
    at.run()
    assert not at.exception and not at.error
    assert predictions(at) == []
    assert at.session_state["input_image"] is None


@needs_models
@pytest.mark.parametrize("radius", [4, 10], ids=["small dot", "one tap of the 20 px brush"])
def test_a_dot_is_not_a_digit(canvas, radius):
    dot = Image.new("L", (CANVAS, CANVAS), 0)
    ImageDraw.Draw(dot).ellipse((140 - radius, 140 - radius, 140 + radius, 140 + radius), fill=255)
    canvas(np.asarray(dot))
    at = draw_page()
    assert not at.exception and not at.error
    assert predictions(at) == []
    assert any("Draw a digit from 0 to 9" in info.value for info in at.info)


@needs_models
@pytest.mark.parametrize("seed", [0, 1])
def test_a_scribble_over_the_whole_canvas_gets_an_answer_not_a_traceback(canvas, seed):
    generator = np.random.default_rng(seed)
    scribble = Image.new("L", (CANVAS, CANVAS), 0)
    points = [tuple(point) for point in generator.integers(-20, CANVAS + 20, (60, 2))]
    ImageDraw.Draw(scribble).line(points, fill=255, width=20, joint="curve")
    canvas(np.asarray(scribble))
    at = draw_page()
    assert not at.exception and not at.error
    shown = predictions(at)
    if shown:
        assert shown[0] in config.CLASS_NAMES["mnist"]
    else:
        assert any("Draw a digit" in info.value for info in at.info)


@needs_models
def test_a_canvas_painted_all_white_is_blank(canvas):
    canvas(np.full((CANVAS, CANVAS), 255, np.uint8))
    at = draw_page()
    assert not at.exception and not at.error
    assert predictions(at) == []


# Uploads that cannot be read ---------------------------------------------------------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A small PNG whose header claims width x height gray pixels (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" * (min(width, 1000) + 1))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", row) + png_chunk(b"IEND", b"")


def truncated_png() -> bytes:
    whole = encode(Image.fromarray(paper_digit(2)))
    return whole[: len(whole) // 2]


UNREADABLE = {
    "truncated.png": (truncated_png, "damaged or cut short"),
    "empty.png": (lambda: b"", "empty"),
    "bomb.png": (lambda: png_bomb(100_000, 100_000), "too large"),
    "signature-only.png": (lambda: b"\x89PNG\r\n\x1a\n", "picture"),
    "notes.jpg": (lambda: b"Meine Notizen: 7 + 3 = 10", "not a picture"),
}


@needs_models
@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_upload_gets_a_sentence_and_no_prediction(name):
    make, expected = UNREADABLE[name]
    earlier = preprocess.canvas_to_mnist(paper_digit(7))
    at = draw_page("Upload a photo", earlier, "your picture earlier.png")
    upload(at, name, make(), "image/jpeg" if name.endswith(".jpg") else "image/png")
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith(f"{name}: ") and expected in message
    assert_sentence(message.removeprefix(f"{name}: "))
    assert predictions(at) == []  # the earlier picture is not shown as if it were this one


def test_a_decompression_bomb_is_refused_by_its_pixel_count_before_decoding(monkeypatch):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    with pytest.raises(ValueError, match="too large") as refused:
        uploads.load_upload(png_bomb(100_000, 100_000))
    assert decoded == []
    assert_sentence(str(refused.value))
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own bomb guard was not switched off


@pytest.mark.parametrize("width, height", [(7000, 6000), (40_000, 1001)])  # 42 and 40.04 megapixels
def test_a_picture_just_over_the_pixel_limit_is_refused_before_decoding(monkeypatch, width, height):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    with pytest.raises(ValueError, match="too large"):
        uploads.load_upload(png_bomb(width, height))
    assert decoded == []


def test_the_upload_size_cap_is_set():
    settings = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    cap = settings["server"]["maxUploadSize"]
    assert isinstance(cap, int) and 1 <= cap <= 20


# Uploads in unusual formats, read to the right digit ---------------------------------------------


def animated_gif() -> bytes:
    """Two frames: a 7, then a 1. The first frame is the picture."""
    frames = [Image.fromarray(paper_digit(digit)).convert("P") for digit in (7, 1)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)


def sixteen_bit_png() -> bytes:
    deep = paper_digit(4).astype(np.uint16) * 257
    picture = Image.fromarray(deep)
    assert picture.mode.startswith("I;16")
    return encode(picture)


def cmyk_jpeg() -> bytes:
    ink = 255 - paper_digit(5)  # the K channel: how much black ink
    blank = np.zeros_like(ink)
    picture = Image.merge("CMYK", [Image.fromarray(channel) for channel in (blank, blank, blank, ink)])
    return encode(picture, "JPEG", quality=92)


FORMATS = {
    "seven_then_one.gif": (animated_gif, "image/gif", "7"),
    "four_16bit.png": (sixteen_bit_png, "image/png", "4"),
    "five_cmyk.jpg": (cmyk_jpeg, "image/jpeg", "5"),
}


@needs_models
@pytest.mark.parametrize("name", FORMATS)
def test_unusual_picture_formats_are_read(name):
    make, mime, digit = FORMATS[name]
    at = draw_page("Upload a photo")
    upload(at, name, make(), mime)
    assert not at.exception and not at.error
    assert predictions(at)[0] == digit
    assert at.session_state["input_label"] == f"your picture {name}"


@needs_models
def test_a_phone_photo_saved_on_its_side_is_turned_upright():
    """A 7 photographed with the phone turned: the pixels lie on their side, EXIF says how to turn them."""
    upright = Image.fromarray(paper_digit(7, size=(640, 480))).convert("RGB")  # 640 wide, 480 high
    stored = upright.transpose(Image.Transpose.ROTATE_270)  # what the sensor wrote: turned clockwise
    exif = Image.Exif()
    exif[0x0112] = 8  # EXIF orientation 8: turn 90° anticlockwise to view
    content = encode(stored, "JPEG", quality=90, exif=exif)
    assert read_as(np.asarray(stored.convert("L"))) != "7"  # on its side it reads as another digit
    at = draw_page("Upload a photo")
    upload(at, "IMG_0007.jpg", content, "image/jpeg")
    assert not at.exception and not at.error
    assert predictions(at)[0] == "7"
    assert at.session_state["input_steps"].ink.shape == (480, 640)  # upright again: wider than high


def photo_of_paper(digit: int, seed: int = 0) -> Image.Image:
    """An RGB phone photo of a digit written with a pen on paper.

    Light grey paper lit unevenly (darker to the left and top), a soft shadow reaching in from the
    bottom-left corner, sensor noise, a warm colour cast, and a slightly blurred pen line.
    """
    height, width = 900, 1200
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    paper = 150 + 80 * (0.6 * cols / width + 0.4 * rows / height)
    paper -= 60 * np.exp(-((cols / 500) ** 2 + ((rows - height) / 400) ** 2))
    pen = Image.new("L", (width, height), 0)
    side, left, top = 560, (width - 560) // 2 + 40, (height - 560) // 2
    for stroke in DIGITS[digit]:
        points = [(left + x * side, top + y * side) for x, y in stroke]
        ImageDraw.Draw(pen).line(points, fill=255, width=22, joint="curve")
    ink = np.asarray(pen.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32) / 255.0
    gray = paper * (1 - ink) + 60 * ink + np.random.default_rng(seed).normal(0, 10, (height, width))
    colour = np.stack([gray, gray * 0.98, gray * 0.93], axis=-1)
    return Image.fromarray(np.clip(np.rint(colour), 0, 255).astype(np.uint8))


def test_shading_on_the_paper_is_not_taken_for_ink():
    photo = photo_of_paper(3)
    steps = preprocess.preprocess_steps(uploads.load_upload(encode(photo, "JPEG", quality=85)))
    top, left, bottom, right = steps.bbox
    # The pen's 3 lies within rows 160..740 and columns 360..860; the shadow is in the corner.
    assert 150 <= top and bottom <= 750 and 350 <= left and right <= 870, steps.bbox


@needs_models
def test_a_photo_of_a_digit_on_paper_is_read():
    at = draw_page("Upload a photo")
    upload(at, "three.jpg", encode(photo_of_paper(3), "JPEG", quality=85), "image/jpeg")
    assert not at.exception and not at.error
    assert predictions(at)[0] == "3"


# Faults on the server ----------------------------------------------------------------------------


@pytest.fixture
def broken_models(monkeypatch, tmp_path):
    """assets/models with a corrupt MNIST CNN and the other two models missing; model caches emptied."""
    (tmp_path / "mnist_cnn.keras").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    st.cache_resource.clear()
    yield tmp_path
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def seven():
    _, (images, labels) = data.load_embedded("mnist")
    return images[np.flatnonzero(labels == 7)[0]].astype(np.float32) / 255.0


def test_the_draw_page_names_a_corrupt_and_a_missing_model(broken_models, seven):
    at = draw_page(image=seven, label="a test seven", lesson="Two kinds of network, one input")
    assert not at.exception
    assert predictions(at) == []
    errors = [error.value for error in at.error]
    assert any("mnist_cnn.keras cannot be read" in error for error in errors), errors
    assert any("mnist_mlp.keras is missing" in error for error in errors), errors
    for error in errors:
        assert_sentence(error)
    assert any(info.value.startswith("The curve appears once both") for info in at.info)


def test_the_feature_maps_page_names_a_corrupt_model(broken_models, seven):
    at = AppTest.from_file(FEATURE_MAPS_PAGE, default_timeout=TIMEOUT)
    at.session_state["input_image"] = seven
    at.session_state["input_steps"] = None
    at.session_state["input_label"] = "a test seven"
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "mnist_cnn.keras cannot be read" in at.error[0].value
    assert_sentence(at.error[0].value)
    assert not at.tabs  # no feature maps of a model that is not there


def test_the_train_page_works_without_any_shipped_model(broken_models, monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "256")
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    start = at.button(key="train_start")
    assert start.label == "Start training" and not start.disabled


@pytest.fixture
def no_full_datasets(monkeypatch, tmp_path):
    """No IDX folder and no Keras cache anywhere: only the embedded subsets exist."""
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "env"))
    monkeypatch.setattr(config, "LOCAL_DATA_DIR", tmp_path / "local")
    monkeypatch.setattr(config, "DEBIAN_FASHION_DIR", tmp_path / "debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_without_full_datasets_the_train_page_offers_the_embedded_ones(no_full_datasets, monkeypatch):
    assert not data.full_available("mnist") and not data.full_available("fashion_mnist")
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "256")
    at = AppTest.from_file(TRAIN_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    options = at.selectbox(key="train_images").options
    assert len(options) == 2
    assert all("small built-in set" in option for option in options)
    assert not any("full" in option.lower() for option in options)
    assert at.selectbox(key="train_images").value.startswith("MNIST, small built-in set")
    assert any("full 60,000-image set is not on this server" in caption.value for caption in at.caption)


def project_files() -> set[str]:
    """Every file under the project folder, except the virtualenv, datasets and caches."""
    found = set()
    for folder, subfolders, files in os.walk(PROJECT):
        subfolders[:] = [name for name in subfolders if name not in SNAPSHOT_SKIP]
        found.update(os.path.relpath(os.path.join(folder, name), PROJECT) for name in files)
    return found


@needs_models
def test_using_the_draw_page_writes_no_file(canvas):
    """A restart can leave nothing half-written if nothing is written: draw, upload, pick a test image."""
    before = project_files()
    canvas(np.asarray(render(DIGITS[2])))
    at = draw_page()
    assert predictions(at)[0] == "2"
    at.session_state["draw_source"] = "Upload a photo"
    at.run()
    upload(at, "two.png", encode(Image.fromarray(paper_digit(2))))
    assert predictions(at)[0] == "2"
    at.session_state["draw_source"] = "Test image"
    at.run()
    at.selectbox(key="draw_test_class_mnist").select(9).run()
    assert not at.exception
    assert project_files() == before
