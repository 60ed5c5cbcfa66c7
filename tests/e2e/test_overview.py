"""The whole-network page in a real browser: every layer for a drawn digit, a click on a cell, the sliding filter."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SCREENSHOT_DIR, wait_until_idle
from tests.e2e.strokes import DIGITS, line
from tests.e2e.test_browser import assert_no_exception, draw

LAYERS = [
    "input",
    "conv_1",
    "relu_1",
    "pool_1",
    "conv_2",
    "relu_2",
    "pool_2",
    "flatten",
    "dense_1",
    "dropout",
    "output",
]
NUMBER = r"−?[\d,]+\.\d+"
# Where on the screen a cell of the overview is: [x, y] of the cell (row, col) of one shown map of a column.
CELL_POSITION = """([column, row, col]) => {
  const chart = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const trace = chart._fullData.find((t) => t.type === "scatter" && t.customdata && t.customdata[0][0] === column);
  const x = chart._fullLayout[trace.xaxis.replace("x", "xaxis")];
  const y = chart._fullLayout[trace.yaxis.replace("y", "yaxis")];
  const box = chart.getBoundingClientRect();
  const index = trace.customdata.findIndex((d) => d[1] === row && d[2] === col);
  return [box.left + x._offset + x.d2p(col), box.top + y._offset + y.d2p(row), trace.customdata[index]];
}"""
INPUT_PIXELS = """() => {
  const chart = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  return chart && chart._fullData ? JSON.stringify(chart._fullData[0].z) : null;
}"""


def number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


@pytest.fixture
def overview(browser, app_url):
    """The overview page at 1024 px wide (tall enough to see the whole figure), with a drawn 7."""
    context = browser.new_context(viewport={"width": 1024, "height": 2000})
    page = context.new_page()
    page.goto(f"{app_url}/overview")
    wait_until_idle(page)
    draw(page, DIGITS[7])
    page.get_by_text(re.compile(r"says \d")).first.wait_for(timeout=60_000)
    page.locator("[data-testid='stPlotlyChart'] .annotation-text", has_text="output").first.wait_for(timeout=60_000)
    wait_until_idle(page)
    page.wait_for_timeout(1000)
    yield page
    context.close()


def layer_labels(page) -> list[str]:
    texts = page.locator("[data-testid='stPlotlyChart']").first.locator(".annotation-text").all_text_contents()
    return [text for text in texts if text in LAYERS]


def test_every_layer_of_the_shipped_cnn_is_shown_for_a_drawn_digit(overview):
    assert_no_exception(overview)
    assert layer_labels(overview) == LAYERS
    assert overview.get_by_text(re.compile(r"MNIST CNN \(shipped\) says 7")).count() == 1
    widths = overview.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    overview.set_viewport_size({"width": 1024, "height": 768})
    overview.wait_for_timeout(800)
    overview.screenshot(path=SCREENSHOT_DIR / "overview_1024x768_top.png")
    overview.locator("[data-testid='stPlotlyChart']").first.scroll_into_view_if_needed()
    overview.wait_for_timeout(500)
    overview.screenshot(path=SCREENSHOT_DIR / "overview_1024x768.png")


def test_a_click_on_a_conv_2_cell_shows_its_receptive_field_and_a_sum_that_matches(overview):
    column = LAYERS.index("conv_2")
    x, y, stored = overview.evaluate(CELL_POSITION, [column, 5, 6])
    overview.mouse.move(x - 2, y)
    overview.mouse.click(x, y)
    heading = overview.get_by_text(re.compile(r"^conv_2, row 5, column 6, map \d+"))
    heading.wait_for(timeout=60_000)
    wait_until_idle(overview)
    assert f"map {int(stored[3])}:" in heading.inner_text()
    assert overview.get_by_text(re.compile(r"It sees input rows \d+–\d+, columns \d+–\d+")).count() == 1
    final = overview.get_by_text(re.compile(r"^Σ of the 288 products")).inner_text()
    total, bias, value = (number(text) for text in re.findall(rf"\(?({NUMBER})\)?", final))
    assert round(total + bias, 4) == value
    assert value == pytest.approx(stored[4], abs=1e-4)
    overview.screenshot(path=SCREENSHOT_DIR / "overview_cell.png")
    overview.get_by_role("button", name="Back to the whole network").click()
    overview.get_by_text(re.compile(r"says \d")).first.wait_for(timeout=60_000)


def test_the_sliding_filter_plays_to_the_end_in_the_browser(overview):
    overview.get_by_text("Watch the first filter slide over the picture").click()
    chart = overview.locator("[data-testid='stPlotlyChart']").last
    # Plotly's text is SVG, which Playwright calls hidden: wait for it to be there.
    chart.get_by_text("row 0, column 0:").wait_for(state="attached", timeout=60_000)
    wait_until_idle(overview)
    chart.locator(".updatemenu-button", has_text="Play").click()
    chart.get_by_text(re.compile(r"row 12, column \d+:")).wait_for(state="attached", timeout=180_000)
    chart.get_by_text(re.compile(r"row 25, column 25:")).wait_for(state="attached", timeout=180_000)
    assert_no_exception(overview)


def test_a_stroke_on_the_overview_canvas_updates_every_column(overview):
    before = overview.evaluate(INPUT_PIXELS)
    draw(overview, [line(0.3, 0.55, 0.75, 0.55)])
    changed = f"() => {{ const now = ({INPUT_PIXELS})(); return now !== null && now !== {before!r}; }}"
    overview.wait_for_function(changed, timeout=60_000)
    wait_until_idle(overview)
    assert_no_exception(overview)
    assert layer_labels(overview) == LAYERS


def test_on_a_touch_screen_a_second_tap_opens_the_cell(browser, app_url):
    context = browser.new_context(viewport={"width": 1024, "height": 2000}, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/overview")
        wait_until_idle(page)
        draw(page, DIGITS[1])
        page.locator("[data-testid='stPlotlyChart'] .annotation-text", has_text="output").first.wait_for(timeout=60_000)
        wait_until_idle(page)
        x, y, _ = page.evaluate(CELL_POSITION, [LAYERS.index("pool_1"), 6, 6])
        page.touchscreen.tap(x, y)  # the first tap shows the number, as hovering does
        page.wait_for_timeout(700)
        page.touchscreen.tap(x, y)
        page.get_by_text(re.compile(r"^pool_1, row 6, column 6")).wait_for(timeout=60_000)
        assert page.get_by_text(re.compile(r"^max\(")).count() == 1
    finally:
        context.close()
