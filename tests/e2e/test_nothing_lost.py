"""Nothing a student did is lost: reloads, page changes, the wrong click, a touch screen, two tabs at once."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image

from tests.e2e.conftest import wait_until_idle
from tests.e2e.strokes import DIGITS
from tests.e2e.test_browser import PREDICTION, assert_no_exception, draw, read_prediction

TOKEN = re.compile(r"[?&]tab=([A-Za-z0-9_-]+)")


def settle(page, pause: float = 1200) -> None:
    """Let the canvas send its picture and the app finish its run."""
    page.wait_for_timeout(pause)
    wait_until_idle(page)


def open_draw(browser, app_url: str, **options):
    context = browser.new_context(viewport={"width": 1024, "height": 900}, **options)
    page = context.new_page()
    page.goto(f"{app_url}/draw")
    settle(page)
    return context, page


def looking_at(page) -> str:
    return page.get_by_text("looking at").first.inner_text()


def ink_of(page) -> np.ndarray:
    """The canvas's pixels (grey levels of a screenshot), to tell whether the drawing changed."""
    picture = page.locator("canvas.lower-canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(picture)).convert("L"), dtype=np.int16)


def same_drawing(one: np.ndarray, other: np.ndarray) -> bool:
    """True if the white ink covers the same pixels, give or take 0.5 % (edges are smoothed a little
    differently after a redraw, and the thin blue outline of a selection is not ink)."""
    return one.shape == other.shape and np.mean((one > 240) != (other > 240)) <= 0.005


def undo(page) -> None:
    page.get_by_role("button", name="↶ Undo").click()
    settle(page)


def test_a_reload_keeps_the_drawing_on_the_canvas_and_it_stays_editable(browser, app_url):
    context, page = open_draw(browser, app_url)
    try:
        draw(page, DIGITS[4])
        settle(page)
        assert read_prediction(page) == "4"
        before = ink_of(page)
        page.reload()
        settle(page, 2500)
        assert TOKEN.search(page.url), page.url
        assert read_prediction(page) == "4"
        assert same_drawing(ink_of(page), before)  # the strokes are back on the canvas, not only in the prediction
        undo(page)  # takes back the upright stroke of the 4: the drawing is editable again
        assert not same_drawing(ink_of(page), before)
        assert read_prediction(page) != "4"
        draw(page, DIGITS[4][1:])
        settle(page)
        assert read_prediction(page) == "4"
        assert_no_exception(page)
    finally:
        context.close()


def test_leaving_the_page_and_coming_back_keeps_the_drawing_and_the_chosen_model(browser, app_url):
    context, page = open_draw(browser, app_url)
    try:
        draw(page, DIGITS[7])
        settle(page)
        page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
        page.get_by_role("option", name="MNIST fully connected baseline (shipped)").click()
        settle(page)
        drawn = ink_of(page)
        page.get_by_role("link", name="Toy 5×5 filters").click()
        settle(page)
        page.get_by_role("link", name="Draw a digit").click()
        settle(page, 2000)
        assert same_drawing(ink_of(page), drawn)
        assert "fully connected baseline" in looking_at(page)
        assert read_prediction(page) == "7"
        page.reload()
        settle(page, 2500)
        assert "fully connected baseline" in looking_at(page)  # the model chosen is kept too
        page.get_by_role("button", name="Clear").click()
        settle(page)
        assert page.get_by_text(PREDICTION).count() == 0
        assert_no_exception(page)
    finally:
        context.close()


def test_opening_the_test_image_tab_keeps_the_drawing_until_an_image_is_chosen(browser, app_url):
    context, page = open_draw(browser, app_url)
    try:
        draw(page, DIGITS[3])
        settle(page)
        page.get_by_role("tab", name="Test image").click()
        settle(page)
        assert "your drawing" in looking_at(page)
        assert read_prediction(page) == "3"
        page.get_by_role("button", name="Random test image").click()
        settle(page)
        assert "test image" in looking_at(page)
        page.get_by_role("tab", name="Draw").click()
        settle(page)
        assert "test image" in looking_at(page)  # going back to the canvas does not undo the choice
        assert_no_exception(page)
    finally:
        context.close()


def test_the_edit_switch_cannot_move_the_strokes(browser, app_url):
    context, page = open_draw(browser, app_url)
    try:
        draw(page, DIGITS[1])
        settle(page)
        before = ink_of(page)
        canvas = page.locator("canvas.upper-canvas").first
        box = canvas.bounding_box()
        canvas.hover()
        page.get_by_role("button", name="Edit").click()
        x, y = box["x"] + 0.55 * box["width"], box["y"] + 0.5 * box["height"]
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 100, y + 60, steps=10)  # a drag that would pull the stroke aside
        page.mouse.up()
        page.get_by_role("button", name="Edit").click()
        settle(page)
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)
        assert same_drawing(ink_of(page), before)
        assert read_prediction(page) == "1"
    finally:
        context.close()


def touch_stroke(page, points) -> None:
    """One stroke with a finger, through the browser's touch events."""
    session = page.context.new_cdp_session(page)
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    spots = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]} for x, y in points]
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [spots[0]]})
    for spot in spots[1:]:
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [spot]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_finger_on_a_touch_screen_draws_and_the_buttons_are_there_without_hovering(browser, app_url):
    context, page = open_draw(browser, app_url, has_touch=True, is_mobile=False)
    try:
        for stroke in DIGITS[7]:
            touch_stroke(page, stroke)
        settle(page)
        assert read_prediction(page) == "7"
        assert page.get_by_role("button", name="↶ Undo").is_visible()
        page.get_by_role("button", name="Clear").tap()
        settle(page)
        assert page.get_by_text(PREDICTION).count() == 0
    finally:
        context.close()


def test_two_tabs_keep_their_own_drawings_and_a_shared_address_starts_afresh(browser, app_url):
    first, first_page = open_draw(browser, app_url)
    second, second_page = open_draw(browser, app_url)
    try:
        draw(first_page, DIGITS[0])
        draw(second_page, DIGITS[7])
        settle(first_page)
        settle(second_page)
        assert read_prediction(first_page) == "0" and read_prediction(second_page) == "7"
        second_page.reload()
        settle(second_page, 2500)
        assert read_prediction(second_page) == "7"
        copied = browser.new_context(viewport={"width": 1024, "height": 900})
        copied_page = copied.new_page()
        copied_page.goto(first_page.url)  # the first tab's address, token and all, while it is open
        settle(copied_page, 2500)
        assert copied_page.get_by_text(PREDICTION).count() == 0
        assert TOKEN.search(copied_page.url).group(1) != TOKEN.search(first_page.url).group(1)
        assert read_prediction(first_page) == "0"
        copied.close()
    finally:
        first.close()
        second.close()


def test_a_reload_during_training_finds_the_run_again_and_it_finishes(browser, app_url):
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/train")
        settle(page)
        for name, key in (("Epochs", "End"), ("Batch size", "Home")):  # 30 epochs of batches of 16: a long run
            page.get_by_role("slider", name=re.compile(name)).first.focus()
            page.keyboard.press(key)
            settle(page)
        page.get_by_role("button", name="Start training").click()
        page.get_by_role("progressbar").first.wait_for(timeout=120_000)
        page.reload()
        settle(page, 2500)
        # The reloaded page shows the same run: still training (live), or already tested. A lost run
        # would show neither, only the settings and Start.
        page.wait_for_function(
            "() => document.querySelector('[role=progressbar]') || document.body.innerText.includes('Test accuracy:')",
            timeout=60_000,
        )
        assert page.get_by_text("another model is training").count() == 0
        if page.get_by_role("button", name="Stop training").count():
            page.get_by_role("button", name="Stop training").click()
        page.get_by_text("Test accuracy:").first.wait_for(timeout=180_000)
        assert_no_exception(page)
    finally:
        context.close()
