"""Browser benchmarks, measured in one run on this machine:

- cold start: `streamlit run app.py` to the start page interactive in headless Chromium;
- stroke latency: mouse-up to an updated "Prediction:" on the Draw page, against the same
  measurement on a bare canvas page (bench/bare_canvas_app.py), as a ratio.

Usage: python bench/bench_browser.py [--strokes 12]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for_health  # noqa: E402
from tests.e2e.strokes import DIGITS  # noqa: E402
from tests.e2e.test_browser import draw  # noqa: E402

GOAL_RATIO = 0.4 / 0.3
GOAL_MEDIAN_SECONDS = 0.4


def start_server(script: str) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for_health(url, process)
    return process, url, started


def stroke_latencies(page, url: str, strokes: int) -> list[float]:
    """On a freshly loaded page each time, draw a digit and time mouse-up to the first prediction."""
    latencies = []
    for index in range(strokes):
        page.goto(url)
        page.locator("canvas.upper-canvas").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)  # let the page settle after loading
        draw(page, DIGITS[1 if index % 2 else 7])
        released = time.perf_counter()
        page.get_by_text("Prediction:").first.wait_for(timeout=30_000)
        latencies.append(time.perf_counter() - released)
    return latencies


def measure(script: str, path: str, strokes: int, browser) -> list[float]:
    process, url, _ = start_server(script)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        stroke_latencies(page, f"{url}/{path}", 1)  # warm-up: the first visit loads the models
        latencies = stroke_latencies(page, f"{url}/{path}", strokes)
        page.close()
        return latencies
    finally:
        process.terminate()
        process.wait(timeout=20)


def cold_start(browser) -> float:
    process, url, started = start_server("app.py")
    try:
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("heading", name="CNN Lab").first.wait_for(timeout=120_000)
        page.get_by_text("Draw a digit").first.wait_for(timeout=120_000)
        seconds = time.perf_counter() - started
        page.close()
        return seconds
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=12)
    arguments = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cold = cold_start(browser)
        bare = measure("bench/bare_canvas_app.py", "", arguments.strokes, browser)
        draw = measure("app.py", "draw", arguments.strokes, browser)
        browser.close()
    bare_median, draw_median = statistics.median(bare), statistics.median(draw)
    ratio = draw_median / bare_median
    print(f"cold start (streamlit run -> start page interactive): {cold:.1f} s")
    print(f"bare canvas page, mouse-up -> text: median {bare_median * 1000:.0f} ms over {len(bare)} strokes")
    print(f"Draw page, mouse-up -> prediction: median {draw_median * 1000:.0f} ms, max {max(draw) * 1000:.0f} ms")
    print(
        f"ratio Draw / bare canvas: {ratio:.2f} (goal <= {GOAL_RATIO:.2f})  {'PASS' if ratio <= GOAL_RATIO else 'FAIL'}"
    )
    verdict = "PASS" if draw_median <= GOAL_MEDIAN_SECONDS else "FAIL"
    print(f"Draw page median <= {GOAL_MEDIAN_SECONDS} s: {verdict}")


if __name__ == "__main__":
    main()
