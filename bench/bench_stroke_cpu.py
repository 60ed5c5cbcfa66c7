"""Server CPU per stroke: the Draw page against a bare canvas page, strokes drawn in Chromium.

Both pages run under `streamlit run` in turn; in each, headless Chromium draws the same strokes with
the mouse and waits for "Prediction:" after each. The figure is the server process's own CPU time
(user + system, from /proc) over the strokes, divided by their number, so the browser's work on
the same cores does not count. Goal: Draw page <= 0.5 x the bare canvas page (bench/bare_canvas_app.py:
one st_canvas with return_image_data=True and one line of text).

`--profile` also records the Draw page's server with py-spy (if installed) into the temporary
folder (cnnlab-draw-profile.txt): the functions where the server spent its time during the strokes.

Usage: python bench/bench_stroke_cpu.py [--strokes 20] [--profile]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import server as servers  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
# Two simple digits as mouse paths in canvas fractions: a one and a seven.
STROKES = [[(0.5, 0.2), (0.5, 0.5), (0.5, 0.8)], [(0.3, 0.2), (0.7, 0.2), (0.45, 0.8)]]
GOAL_RATIO = 0.5
DEFAULT_GC = {"runner.postScriptGC": "true"}  # Streamlit's default, which this app's config turns off


def draw(page, points) -> None:
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=120_000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=6)
    page.mouse.up()


def strokes_cpu(script: str, path: str, strokes: int, browser, profile: Path | None = None, options=None) -> float:
    """Server CPU seconds per stroke on one page (after one uncounted warm-up stroke)."""
    server = servers.start(script, options=options)
    recorder = None
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/{path}")
        for index in range(strokes + 1):
            if index == 1:
                page.wait_for_timeout(1000)
                cpu = server.cpu_seconds()
                if profile is not None:
                    recorder = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--format", "raw",
                                                 "--output", str(profile), "--rate", "250", "--nonblocking"],
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            before = page.get_by_text("Prediction:").count()
            draw(page, STROKES[index % 2])
            page.wait_for_function(
                "([n]) => [...document.querySelectorAll('h3')].filter(h => h.textContent.startsWith('Prediction:')"
                " && !h.closest('[data-stale=\"true\"]')).length >= Math.max(n, 1)"
                " && document.querySelector(\"[data-testid='stApp']\").getAttribute('data-test-script-state')"
                " === 'notRunning'",
                arg=[before],
                timeout=60_000,
            )
            page.wait_for_timeout(300)
        used = server.cpu_seconds() - cpu
        page.close()
        return used / strokes
    finally:
        if recorder is not None:
            recorder.send_signal(2)
            recorder.wait(timeout=60)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    profile = Path(tempfile.gettempdir()) / "cnnlab-draw-profile.txt" if arguments.profile else None
    if profile and not shutil.which("py-spy"):
        print("py-spy is not installed (pip install py-spy): no profile")
        profile = None
    print(f"load average before: {servers.load_average()}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        bare = strokes_cpu("bench/bare_canvas_app.py", "", arguments.strokes, browser)
        draw_page = strokes_cpu("app.py", "draw", arguments.strokes, browser, profile)
        collected = strokes_cpu("bench/bare_canvas_app.py", "", arguments.strokes, browser, None, DEFAULT_GC)
        browser.close()
    ratio = draw_page / bare
    print(f"server CPU per stroke: bare canvas page {bare * 1000:.0f} ms, Draw page {draw_page * 1000:.0f} ms")
    print(f"ratio Draw / bare: {ratio:.2f} (goal <= {GOAL_RATIO})  {'PASS' if ratio <= GOAL_RATIO else 'FAIL'}")
    print(f"bare canvas page with Streamlit's default postScriptGC = true: {collected * 1000:.0f} ms per stroke; "
          f"ratio Draw page (our config) / that: {draw_page / collected:.2f}")  # fmt: skip
    if profile:
        print(f"py-spy samples of the Draw page's server: {profile}")
    print(f"load average after: {servers.load_average()}")


if __name__ == "__main__":
    main()
