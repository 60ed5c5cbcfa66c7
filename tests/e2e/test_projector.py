"""Every page on a classroom projector: 1024 × 768 and 1280 × 720 with the sidebar open.

Nothing may stick out sideways: no horizontal scroll, no chart wider than the column it sits in,
no button whose label is cut short. The README's screenshots are taken here, at 1024 px.
"""

from __future__ import annotations

import re

import pytest

from pages import shared
from tests.e2e.conftest import SCREENSHOT_DIR, wait_for_charts, wait_until_idle
from tests.e2e.strokes import DIGITS
from tests.e2e.test_browser import assert_no_exception, draw, read_prediction

PROJECTORS = {"1024x768": (1024, 768), "1280x720": (1280, 720)}
PAGES = ("", *(page.url_path for page in shared.LESSON))  # the start page, then the lesson's pages

# Returns a list of sentences, one per thing that does not fit; empty when everything fits.
FIT_CHECK = """
() => {
  const problems = [];
  const main = document.querySelector("[data-testid='stMain']") || document.documentElement;
  for (const scroller of [document.documentElement, main]) {
    if (scroller.scrollWidth > scroller.clientWidth + 1) {
      problems.push(`horizontal scroll: ${scroller.scrollWidth} > ${scroller.clientWidth}`);
    }
  }
  const visible = (element) => element.offsetParent !== null && element.getBoundingClientRect().width > 0;
  for (const chart of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
    if (!visible(chart)) continue;
    const svg = chart.querySelector("svg.main-svg");
    const column = chart.closest("[data-testid='stColumn']")
      || chart.closest("[data-testid='stVerticalBlock']");
    if (!svg || !column) continue;
    const inner = svg.getBoundingClientRect(), outer = column.getBoundingClientRect();
    const title = (chart.querySelector(".gtitle") || {}).textContent || "untitled";
    if (inner.right > outer.right + 2 || inner.left < outer.left - 2) {
      problems.push(`chart "${title}" is ${Math.round(inner.width)} px wide in a ${Math.round(outer.width)} px column`);
    }
    // What plotly draws outside its own picture is cut off: cells, numbers, ticks, titles.
    const drawn = chart.querySelectorAll(".cartesianlayer image, .cartesianlayer text, .gtitle, .annotation-text");
    for (const part of drawn) {
      const box = part.getBoundingClientRect();
      if (box.width > 0 && (box.right > inner.right + 2 || box.left < inner.left - 2)) {
        problems.push(`chart "${title}": part of it is cut off at the side`);
        break;
      }
    }
  }
  // Text shortened with an ellipsis ("1. To…", "◀ Pr…"): a page link, a tab, a label.
  for (const element of main.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    if (style.textOverflow === "ellipsis" && visible(element) && element.textContent.trim()
        && element.scrollWidth > element.clientWidth + 1) {
      problems.push(`text cut: "${element.textContent.trim().slice(0, 40)}"`);
    }
  }
  for (const button of document.querySelectorAll("button")) {
    if (!visible(button)) continue;
    const box = button.getBoundingClientRect();
    const cut = [...button.querySelectorAll("[data-testid='stMarkdownContainer']")].some((text) => {
      const inner = text.getBoundingClientRect();
      return text.scrollWidth > text.clientWidth + 1 || inner.width < 1 || inner.right > box.right + 1;
    });
    if (cut) problems.push(`button label cut: "${button.textContent}"`);
  }
  return problems;
}
"""


def open_at(browser, app_url: str, path: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(f"{app_url}/{path}")
    wait_until_idle(page)
    return context, page


def give_it_an_input(page, path: str) -> None:
    """Pages that show an input get one, so their full content is checked."""
    if path in ("draw", "overview"):
        draw(page, DIGITS[7])
        page.wait_for_timeout(1000)
        wait_until_idle(page)
        if path == "draw":
            read_prediction(page)
        else:
            page.get_by_text(re.compile(r"says \d")).first.wait_for(timeout=60_000)
    elif path == "feature_maps":
        page.get_by_role("button", name="Use a sample test digit").click()
        page.locator("[data-testid='stTab']").first.wait_for(timeout=60_000)
        wait_until_idle(page)


@pytest.mark.parametrize("projector", PROJECTORS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_projector_with_the_sidebar_open(browser, app_url, path, projector):
    size = PROJECTORS[projector]
    context, page = open_at(browser, app_url, path, size)
    try:
        assert page.locator("[data-testid='stSidebar'][data-collapsed='false']").count() == 1, "the sidebar is closed"
        give_it_an_input(page, path)
        wait_for_charts(page)
        assert_no_exception(page)
        problems = page.evaluate(FIT_CHECK)
        tabs = page.get_by_role("tab")
        for index in range(1, tabs.count()):
            tabs.nth(index).click()
            wait_for_charts(page)
            problems += [f"tab {tabs.nth(index).inner_text()}: {problem}" for problem in page.evaluate(FIT_CHECK)]
        assert problems == [], "\n".join(problems)
        if projector == "1024x768":
            if tabs.count():
                tabs.first.click()
                wait_until_idle(page)
            page.set_viewport_size({"width": size[0], "height": 2400})
            wait_for_charts(page)
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOT_DIR / f"projector_{path or 'home'}.png")
    finally:
        context.close()
