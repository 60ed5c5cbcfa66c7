"""Server CPU per stroke: the Draw page against a bare canvas page, strokes drawn in Chromium.

Both pages run under `streamlit run` in turn; in each, headless Chromium draws the same strokes with
the mouse and waits for "Prediction:" after each. The figure is the server process's own CPU time
(user + system, from /proc) over the strokes, divided by their number, so the browser's work on
the same cores does not count. Goal: Draw page <= 0.5 x the bare canvas page (bench/bare_canvas_app.py:
one st_canvas with return_image_data=True and one line of text) as Streamlit runs it out of the box,
with its `gc.collect(2)` after every run (the yardstick the goal was set against). The Draw page is
measured with each of its two lessons open (only the open one runs per stroke), and the bare page
also under this app's own config (`runner.postScriptGC = false`): a page that does strictly more than
the bare page under the same config cannot cost less, so that ratio is printed, not judged.

`--profile` also records the Draw page's server with py-spy (if installed) into the temporary
folder (cnnlab-draw-profile.txt, and cnnlab-draw-kinds-profile.txt with the second lesson open): the
functions where the server spent its time during the strokes.

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
from bench import st_protocol  # noqa: E402

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


def strokes_cpu(script: str, path: str, strokes: int, browser, profile: Path | None = None, options=None,
                lesson: str | None = None) -> float:  # fmt: skip
    """Server CPU seconds per stroke on one page (after one uncounted warm-up stroke, then a click on
    the tab named `lesson` if given)."""
    server = servers.start(script, options=options)
    recorder = None
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/{path}")
        for index in range(strokes + 1):
            if index == 1:
                if lesson is not None:
                    page.get_by_role("tab", name=lesson).click()
                    page.get_by_text("Move it right").first.wait_for(timeout=60_000)
                page.wait_for_timeout(1000)
                cpu = server.cpu_seconds()
                if profile is not None:
                    recorder = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--format", "raw",
                                                 "--output", str(profile), "--rate", "250", "--nonblocking", "--gil"],
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
        bare = strokes_cpu("bench/bare_canvas_app.py", "", arguments.strokes, browser, None, DEFAULT_GC)
        seeing = strokes_cpu("app.py", "draw", arguments.strokes, browser, profile)
        kinds_profile = profile and profile.with_name("cnnlab-draw-kinds-profile.txt")
        lesson = st_protocol.SECOND_LESSON
        kinds = strokes_cpu("app.py", "draw", arguments.strokes, browser, kinds_profile, None, lesson)
        bare_same = strokes_cpu("bench/bare_canvas_app.py", "", arguments.strokes, browser)
        browser.close()
    ratio = max(seeing, kinds) / bare
    print(f"server CPU per stroke: bare canvas page (Streamlit's defaults) {bare * 1000:.0f} ms; Draw page "
          f"{seeing * 1000:.0f} ms with the first lesson open, {kinds * 1000:.0f} ms with '{lesson}'")  # fmt: skip
    print(f"ratio Draw (the dearer lesson) / bare: {ratio:.2f} (goal <= {GOAL_RATIO})  "
          f"{'PASS' if ratio <= GOAL_RATIO else 'FAIL'}")  # fmt: skip
    print(f"bare canvas page under this app's config (postScriptGC = false): {bare_same * 1000:.0f} ms per stroke; "
          f"ratio Draw (the dearer lesson) / that: {max(seeing, kinds) / bare_same:.2f}")  # fmt: skip
    if profile:
        print(f"py-spy samples of the Draw page's server: {profile}, and with the second lesson open: {kinds_profile}")
    print(f"load average after: {servers.load_average()}")


if __name__ == "__main__":
    main()
