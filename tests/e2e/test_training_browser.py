"""In a real browser: Start training shows curves moving, ends with the test accuracy, and the
Draw page then offers Your trained model and predicts with it."""

from __future__ import annotations

import re

from tests.e2e.conftest import SCREENSHOT_DIR, wait_until_idle
from tests.e2e.strokes import DIGITS
from tests.e2e.test_browser import PREDICTION, assert_no_exception, draw, read_prediction


def test_training_in_the_browser_then_drawing_with_the_trained_model(page, app_url):
    page.goto(f"{app_url}/train")
    wait_until_idle(page)
    page.get_by_role("button", name="Start training").click()
    bar = page.get_by_role("progressbar").first
    bar.wait_for(timeout=120_000)
    first = bar.get_attribute("aria-valuenow")
    page.wait_for_function(
        "first => { const bar = document.querySelector('[role=progressbar]');"
        " return document.body.innerText.includes('Test accuracy:')"
        " || (bar && bar.getAttribute('aria-valuenow') !== first); }",
        arg=first, timeout=120_000,
    )  # fmt: skip
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=60_000)
    page.get_by_text("Learning rate (the size of each step)").first.wait_for(timeout=60_000)
    page.get_by_text("Test accuracy:").first.wait_for(timeout=300_000)
    accuracy = float(re.search(r"Test accuracy: (\d\.\d+)", page.get_by_text("Test accuracy:").first.inner_text())[1])
    assert 0.5 < accuracy <= 1.0
    assert page.get_by_text("(None,").count() == 0  # exact shapes only inside the closed teachers' expander
    assert_no_exception(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=SCREENSHOT_DIR / "train_finished.png", full_page=True)

    page.get_by_role("link", name="Draw a digit").first.click()
    wait_until_idle(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Your trained model").click()
    wait_until_idle(page)
    draw(page, DIGITS[1])
    page.wait_for_timeout(1000)
    wait_until_idle(page)
    assert read_prediction(page) in [str(digit) for digit in range(10)]
    assert page.get_by_text("Your trained model").count() >= 1
    assert page.get_by_text(PREDICTION).count() >= 1
    assert_no_exception(page)
