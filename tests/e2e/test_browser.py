"""The real app in headless Chromium: every page opens, digits drawn with the mouse are read,
the toy page ends at the textbook's numbers, an upload is read."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from tests.e2e.conftest import SCREENSHOT_DIR, wait_until_idle
from tests.e2e.strokes import DIGITS, render

PAGES = {
    "": "home",
    "draw": "draw",
    "feature_maps": "feature_maps",
    "toy": "toy",
    "train": "train",
    "concepts": "concepts",
}
PREDICTION = re.compile(r"Prediction: (\S+)")


def assert_no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()


def draw(page, strokes) -> None:
    """Draw strokes given in canvas fractions with mouse moves, like a person."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=2)
        page.mouse.up()


def read_prediction(page, timeout: float = 30_000) -> str:
    heading = page.get_by_text(PREDICTION).first
    heading.wait_for(timeout=timeout)
    return PREDICTION.search(heading.inner_text()).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_without_an_exception(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    wait_until_idle(page)
    page.wait_for_timeout(1500)
    assert_no_exception(page)
    assert page.locator("[data-testid='stSidebarNav']").inner_text().count("\n") >= 5
    if path == "feature_maps":
        page.get_by_role("button", name="Use a sample test digit").click()
        page.get_by_text("32 maps of 26 × 26").first.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.wait_for_timeout(1500)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"{PAGES[path]}.png")


def test_drawn_digits_are_recognised(browser, app_url):
    """A person drawing the ten digits with a mouse gets at least nine right."""
    read = {}
    for digit, strokes in DIGITS.items():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{app_url}/draw")
        wait_until_idle(page)
        assert page.get_by_text(PREDICTION).count() == 0  # nothing drawn, nothing predicted
        draw(page, strokes)
        page.wait_for_timeout(1000)  # the canvas sends a drawing shortly after the last stroke
        wait_until_idle(page)
        read[digit] = read_prediction(page)
        assert_no_exception(page)
        if digit == 7:
            page.wait_for_timeout(1500)
            page.screenshot(path=SCREENSHOT_DIR / "draw_seven.png", full_page=True)
        context.close()
    right = sum(read[digit] == str(digit) for digit in DIGITS)
    assert right >= 9, str(read)


def test_toy_page_stepped_to_the_end_shows_the_textbook_numbers(page, app_url):
    page.goto(f"{app_url}/toy")
    wait_until_idle(page)
    page.get_by_text("Window 1 of 9").first.wait_for(timeout=60_000)
    for step in range(2, 10):
        page.get_by_role("button", name=re.compile("Next")).click()
        page.get_by_text(f"Window {step} of 9").first.wait_for(timeout=60_000)
    metrics = page.locator("[data-testid='stMetric']").all_inner_texts()
    values = [float(re.search(r"\d\.\d{4}", text).group()) for text in metrics if re.search(r"\d\.\d{4}", text)]
    assert values[-3:] == [0.2616, 0.2616, 0.4767]
    page.get_by_text("\\ diagonal", exact=True).first.click()  # the image "\\ diagonal" in "Start from"
    page.wait_for_function("() => document.body.innerText.includes('0.5938')", timeout=60_000)
    metrics = page.locator("[data-testid='stMetric']").all_inner_texts()
    values = [float(re.search(r"\d\.\d{4}", text).group()) for text in metrics if re.search(r"\d\.\d{4}", text)]
    assert values[-3:] == [0.5938, 0.0804, 0.3259]


def test_an_uploaded_picture_is_read(page, app_url, tmp_path):
    """A photo-like upload: dark ink on light paper, larger than the canvas."""
    ink = np.asarray(render(DIGITS[3], size=600, width=40))
    paper = (235 - ink * (200 / 255)).astype(np.uint8)
    from PIL import Image

    path = tmp_path / "three.png"
    Image.fromarray(paper).convert("RGB").save(path)
    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    page.get_by_role("tab", name=re.compile("Upload")).click()
    wait_until_idle(page)
    page.locator("input[type='file']").set_input_files(str(path))
    assert read_prediction(page) == "3"
    assert_no_exception(page)


def test_an_upload_that_is_not_a_picture_gets_a_message(page, app_url, tmp_path):
    path = tmp_path / "notes.png"
    path.write_bytes(b"this is not a picture at all" + bytes(io.BytesIO(b"x" * 100).getvalue()))
    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    page.get_by_role("tab", name=re.compile("Upload")).click()
    wait_until_idle(page)
    page.locator("input[type='file']").set_input_files(str(path))
    page.locator("[data-testid='stAlertContentError']").first.wait_for(timeout=30_000)
    assert_no_exception(page)
    assert page.get_by_text(PREDICTION).count() == 0
