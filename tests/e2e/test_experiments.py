"""In a real browser: build a network that differs from a preset, train it and the preset, compare them.

The built network has a 5×5 'same' convolution, batch norm and average pooling; used on every
page, it shows on Feature maps and on the whole network.

The server trains on CNNLAB_TRAIN_LIMIT=600 images (tests/e2e/conftest.py), so each run takes seconds.
Screenshots for the README at 1024 × 768 with the sidebar open, and at 1400 × 1000.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOT_DIR, wait_until_idle
from tests.e2e.test_browser import assert_no_exception
from tests.e2e.test_projector import FIT_CHECK

RUN_TIMEOUT = 300_000


def choose(page, key: str, option: str) -> None:
    """Pick an option of the selectbox with that widget key."""
    page.locator(f".st-key-{key} [data-testid='stSelectbox']").click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)


def start_and_wait(page, label: str) -> None:
    """Click Start training and wait until the run with that label is offered for comparison."""
    page.get_by_role("button", name="Start training").click()
    page.get_by_role("progressbar").first.wait_for(timeout=120_000)
    page.locator("[data-testid='stMultiSelect']").get_by_text(label).wait_for(timeout=RUN_TIMEOUT)
    wait_until_idle(page)


def shot(page, name: str, heading: str) -> None:
    """A screenshot of the window with a heading at its top."""
    page.get_by_role("heading", name=heading).scroll_into_view_if_needed()
    page.get_by_role("heading", name=heading).evaluate("element => element.scrollIntoView()")
    page.wait_for_timeout(1200)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / name)


def test_build_train_and_compare_with_a_preset(browser, app_url):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/experiments")
        wait_until_idle(page)
        assert page.locator("[data-testid='stSidebar'][data-collapsed='false']").count() == 1
        choose(page, "builder_0_size", "8 filters")
        choose(page, "builder_0_kernel_size", "5×5")
        choose(page, "builder_0_padding", "pad same")
        page.get_by_text("28×28×8: 8 maps of 28×28 · 208 weights").wait_for(timeout=30_000)
        choose(page, "builder_2_pooling", "average 2×2")
        choose(page, "builder_add_kind", "Batch norm")
        choose(page, "builder_add_after", "after conv_1")
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_text("batchnorm_1", exact=True).wait_for(timeout=30_000)
        wait_until_idle(page)
        page.get_by_label("Name of the run").fill("eight 5×5 filters")
        page.get_by_label("Name of the run").press("Enter")
        wait_until_idle(page)
        shot(page, "experiments_builder_1024.png", "1. Build a network")
        start_and_wait(page, "Run 1: eight 5×5 filters")

        page.wait_for_timeout(1500)  # the page redraws itself once the run has ended
        wait_until_idle(page)
        page.get_by_role("button", name="Load", exact=True).click()
        page.get_by_text("26×26×32: 32 maps of 26×26 · 320 weights").wait_for(timeout=30_000)
        wait_until_idle(page)
        start_and_wait(page, "Run 2: Guide CNN")

        assert_no_exception(page)
        table = page.locator("[data-testid='stTable']").first
        table.wait_for(timeout=60_000)
        charts = page.locator("[data-testid='stPlotlyChart']")
        charts.nth(4).wait_for(timeout=60_000)  # curves, two filter grids, two feature-map grids
        legend = charts.first.inner_text()
        for label in ("Run 1: eight 5×5 filters", "Run 2: Guide CNN"):
            assert f"{label} · validation" in legend and f"{label} · training" in legend
        shot(page, "experiments_compare_1024.png", "3. Compare runs")
        shot(page, "experiments_maps_1024.png", "Feature maps for the same digit")
        problems = page.evaluate(FIT_CHECK)
        assert problems == [], "\n".join(problems)
        page.get_by_role("button", name="Use run 1 on every page").click()
        page.get_by_text("Run 1: eight 5×5 filters: used on every page").wait_for(timeout=30_000)

        page.set_viewport_size({"width": 1400, "height": 1000})
        shot(page, "experiments_compare_1400.png", "3. Compare runs")
        shot(page, "experiments_filters_1400.png", "First-layer filters")
        page.get_by_label("Name on the board").fill("group B")
        page.get_by_label("Name on the board").press("Enter")
        wait_until_idle(page)
        page.get_by_role("button", name="Share", exact=True).click()
        page.locator("[data-testid='stTable']").get_by_text("group B").first.wait_for(timeout=30_000)
        shot(page, "experiments_board_1400.png", "4. Class board")

        page.get_by_role("link", name="Feature maps").first.click()
        wait_until_idle(page)
        page.get_by_role("button", name="Use a sample test digit").click()
        page.get_by_text("conv_1 — 8 maps of 28 × 28").first.wait_for(timeout=60_000)
        assert_no_exception(page)

        page.get_by_role("link", name="The whole network").first.click()
        wait_until_idle(page)
        chart = page.locator("[data-testid='stPlotlyChart']").first
        chart.wait_for(timeout=60_000)
        for name in ("conv_1", "batchnorm_1", "avgpool_1", "output"):  # plotly writes its text after the chart appears
            expect(chart, f"the whole network lacks {name}").to_contain_text(name, timeout=60_000)
        assert page.get_by_text("cannot draw").count() == 0
        assert_no_exception(page)
        page.screenshot(path=SCREENSHOT_DIR / "overview_built_network_1400.png")
    finally:
        context.close()
