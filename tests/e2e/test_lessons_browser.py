"""The Toy 5×5 filters and Concepts pages on a projector and on a wide screen, in headless Chromium.

Besides FIT_CHECK (nothing sticks out sideways, no cut button label), the lesson pages must keep
every number of every grid inside its chart, big enough to read, without numbers running into each
other; the formula must show whole; the tab bar must show every tab without scrolling.
"""

from __future__ import annotations

import pytest

from cnnlab import toy
from tests.e2e.conftest import wait_for_charts, wait_until_idle
from tests.e2e.test_browser import assert_no_exception
from tests.e2e.test_projector import FIT_CHECK

SCREENS = {"1024x768": (1024, 768), "1280x720": (1280, 720), "1400x1000": (1400, 1000)}
SMALLEST_NUMBER_PX = 16
TITLES = {"toy": "Toy 5×5 filters", "concepts": "Concepts"}
METRICS_ARE = """(expected) => JSON.stringify([...document.querySelectorAll("[data-testid='stMetricValue']")]
  .map((value) => value.innerText.trim())) === JSON.stringify(expected)"""

# Returns a list of sentences, one per problem; empty when every number can be read.
LESSON_CHECK = """
(smallest) => {
  const problems = [];
  const visible = (element) => element.offsetParent !== null && element.getBoundingClientRect().width > 0;
  for (const list of document.querySelectorAll("[role='tablist']")) {
    if (visible(list) && list.scrollWidth > list.clientWidth + 1) {
      problems.push(`the tab bar hides tabs: ${list.scrollWidth} px of tabs in ${list.clientWidth} px`);
    }
  }
  // A formula wider than its column scrolls inside it, its end out of sight. KaTeX's struts
  // stick out by a pixel or two even when everything shows, hence the 4 px allowance.
  for (const formula of document.querySelectorAll(".katex-display")) {
    if (visible(formula) && formula.scrollWidth > formula.clientWidth + 4) {
      problems.push(`formula cut: ${formula.scrollWidth} px wide in ${formula.clientWidth} px`);
    }
  }
  for (const value of document.querySelectorAll("[data-testid='stMetricValue']")) {
    const text = value.querySelector("div") || value;
    if (visible(value) && text.scrollWidth > text.clientWidth + 1) problems.push(`metric cut: ${value.textContent}`);
  }
  for (const chart of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
    if (!visible(chart)) continue;
    const title = (chart.querySelector(".gtitle") || {}).textContent || "untitled";
    const areas = [...chart.querySelectorAll(".nsewdrag")].map((area) => area.getBoundingClientRect());
    const labels = [...chart.querySelectorAll(".heatmap-label text")]
      .filter((label) => label.textContent.trim() !== "")
      .map((label) => [label, label.getBoundingClientRect()]);
    for (const [label, box] of labels) {
      const inside = areas.some((area) => box.left >= area.left - 1 && box.right <= area.right + 1
        && box.top >= area.top - 1 && box.bottom <= area.bottom + 1);
      if (!inside) {
        problems.push(`chart "${title}": the number ${label.textContent} is cut off`);
        break;
      }
      const size = parseFloat(getComputedStyle(label).fontSize);
      if (size < smallest) {
        problems.push(`chart "${title}": numbers of ${size} px are too small to read from the back`);
        break;
      }
    }
    overlap: for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i][1], labels[j][1]];
        const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (across > 1 && down > 1) {
          problems.push(`chart "${title}": ${labels[i][0].textContent} runs into ${labels[j][0].textContent}`);
          break overlap;
        }
      }
    }
  }
  return problems;
}
"""


def open_page(browser, app_url: str, path: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(f"{app_url}/{path}")
    page.get_by_role("heading", name=TITLES[path]).wait_for(timeout=90_000)
    wait_for_charts(page, at_least=1)
    return context, page


def problems_on(page, where: str) -> list[str]:
    assert_no_exception(page)
    problems = page.evaluate(FIT_CHECK) + page.evaluate(LESSON_CHECK, SMALLEST_NUMBER_PX)
    return [f"{where}: {problem}" for problem in problems]


def sidebar_is_open(page) -> bool:
    return page.locator("[data-testid='stSidebar'][data-collapsed='false']").count() == 1


@pytest.mark.parametrize("screen", SCREENS)
def test_toy_page_fits_and_every_number_reads(browser, app_url, screen):
    context, page = open_page(browser, app_url, "toy", SCREENS[screen])
    try:
        assert sidebar_is_open(page)
        assert page.locator("[data-testid='stPlotlyChart']").count() == 9
        problems = problems_on(page, "first window")
        page.get_by_role("radiogroup", name="Filter to follow").get_by_text("Filter 2 (/ diagonal)").click()
        wait_for_charts(page, at_least=1)
        page.get_by_role("slider", name="Window position").focus()
        page.keyboard.press("End")
        wait_for_charts(page, at_least=1)
        page.get_by_role("button", name="◀ Previous").click()
        wait_for_charts(page, at_least=1)
        page.get_by_role("button", name="Next ▶").click()
        wait_for_charts(page, at_least=1)
        page.get_by_text("Window 9 of 9 (row 2, column 2)").wait_for(timeout=30_000)
        problems += problems_on(page, "last window of filter 2")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_every_concepts_tab_fits_and_every_number_reads(browser, app_url, screen):
    context, page = open_page(browser, app_url, "concepts", SCREENS[screen])
    try:
        assert sidebar_is_open(page)
        tabs = page.get_by_role("tab")
        assert tabs.count() == 7
        problems = []
        for index in range(tabs.count()):
            tabs.nth(index).click()
            wait_for_charts(page, at_least=1)
            name = tabs.nth(index).inner_text()
            problems += problems_on(page, f"tab {name}")
            if name == "Volumes":
                # The most filters: six output channels, the case whose numbers ran into each other.
                page.get_by_role("slider", name="Number of filters").focus()
                page.keyboard.press("End")
                wait_for_charts(page, at_least=1)
                assert page.get_by_text("4 × 4 in 6 channels").count() == 1
                problems += problems_on(page, "tab Volumes with 6 filters")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_the_largest_size_formula_shows_whole_on_a_projector(browser, app_url):
    context, page = open_page(browser, app_url, "concepts", SCREENS["1024x768"])
    try:
        for label, value in (("Input size n", "64"), ("Filter size f", "15"), ("Padding p", "10"), ("Stride s", "7")):
            field = page.get_by_role("spinbutton", name=label)
            field.fill(value)
            field.press("Enter")
            wait_until_idle(page)
        wait_for_charts(page, at_least=1)
        assert page.get_by_text("not a multiple of the stride 7").count() == 1
        problems = problems_on(page, "n = 64, f = 15, p = 10, s = 7")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_toy_edits_survive_a_reload_and_a_visit_to_another_page(browser, app_url):
    context, page = open_page(browser, app_url, "toy", SCREENS["1400x1000"])
    try:
        page.locator(".st-key-toy_px_0_1 button").click()
        wait_until_idle(page)
        weight = page.locator(".st-key-toy_w1_1_1 input")
        weight.fill("2.5")
        weight.press("Enter")
        wait_until_idle(page)
        page.get_by_role("radiogroup", name="Filter to follow").get_by_text("Filter 2 (/ diagonal)").click()
        wait_until_idle(page)
        page.get_by_role("button", name="Next ▶").click()
        wait_for_charts(page, at_least=1)
        image, filters = toy.load_images()["cross"], toy.load_filters()
        image[0, 1], filters[1][1, 1] = 1.0, 2.5
        edited = [f"{p:.4f}" for p in toy.classify(image, filters).probabilities]
        page.wait_for_function(METRICS_ARE, arg=edited, timeout=30_000)
        assert page.locator(".st-key-toy_px_0_1 button").inner_text() == "1"
        for visit in ("reload", "another page"):
            if visit == "reload":
                page.reload()
            else:
                page.get_by_role("link", name="Concepts").click()
                page.get_by_role("heading", name="Concepts").wait_for(timeout=60_000)
                page.get_by_role("link", name="Toy 5×5 filters").click()
            page.get_by_role("heading", name="Toy 5×5 filters").wait_for(timeout=90_000)
            wait_for_charts(page, at_least=1)
            assert page.locator(".st-key-toy_px_0_1 button").inner_text() == "1", visit
            assert page.locator(".st-key-toy_w1_1_1 input").input_value() == "2.50", visit
            assert page.get_by_text("Window 2 of 9 (row 0, column 1)").count() == 1, visit
            assert page.locator("[data-testid='stMetricValue']").all_inner_texts() == edited, visit
    finally:
        context.close()
