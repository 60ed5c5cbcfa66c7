"""A class at once: N browser sessions draw digits on /draw at the same moment.

Each session is a fresh Chromium browser context (its own Streamlit session) on the Draw page. After
all of them have loaded the page, they draw together: one digit with mouse strokes, wait for the
network's answer, clear the canvas with its bin button, draw the next digit. Every drawing is
measured from the last mouse-up to the moment "Prediction: <that digit>" is in the page; every
exception box, timeout and wrong or missing prediction is an error. Goal: no errors and a 95th
percentile of at most 1.5 s.

The time is split for a few sessions (profiled through the Chrome DevTools Protocol): "server" runs
from the websocket frame carrying the drawing leaving the browser to the frame carrying the
prediction arriving back; "browser" is the rest (the canvas waits 200 ms after the last stroke
before it sends, exports a PNG, then renders the answer). CPU time is also counted per process.

The browser runs on the same machine as the server, so N sessions' pages compete for the same
cores as the server: in a classroom each student's browser has a computer of its own.

Usage, from the project folder:
    .venv/bin/python bench/load_test.py --sessions 20 [--with-training] [--strokes 5] [--url URL]
Without --url it starts `streamlit run app.py` on a free 127.0.0.1 port and stops it at the end.
Exit status 0 on PASS, 1 on FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import async_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, free_port, wait_for_health  # noqa: E402
from tests.e2e.strokes import DIGITS  # noqa: E402

GOAL_P95_SECONDS = 1.5
VIEWPORT = {"width": 1400, "height": 1000}
CLEAR_BUTTON = "Reset canvas & history"  # the canvas toolbar's bin
PREDICTION_PREFIX = "Prediction: "
PROFILED_SESSIONS = 3
QUIET_MS = 1500  # a page that shows no or a wrong prediction, idle this long, is an error

# Installed in every page before Streamlit's own scripts. It notes, on the page's own clock: the
# latest mouse-up, every message the page sends to the server (the canvas sends the drawing 200 ms
# after the last stroke), every change of the app's run state, and every change of the first
# "Prediction: ..." heading that is not stale (a MutationObserver: no polling delay).
WATCHER = """
(() => {
  const watch = {up: null, sends: [], states: [], seen: [], last: null};
  window.__cnnlab = watch;
  addEventListener("mouseup", () => { watch.up = performance.now(); }, true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { watch.sends.push(performance.now()); return send.call(this, data); };
  const prediction = () => {
    for (const heading of document.querySelectorAll("[data-testid='stHeading'] h3")) {
      if (heading.closest("[data-stale='true']")) continue;
      const text = heading.textContent.trim();
      if (text.startsWith("Prediction:")) return text;
    }
    return null;
  };
  new MutationObserver(() => {
    const now = performance.now();
    const app = document.querySelector("[data-testid='stApp']");
    const state = app ? app.getAttribute("data-test-script-state") : null;
    const previous = watch.states[watch.states.length - 1];
    if (!previous || previous.state !== state) watch.states.push({state, t: now});
    const text = prediction();
    if (text !== watch.last) { watch.last = text; watch.seen.push({text, t: now}); }
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ["data-stale", "data-test-script-state"]});
})();
"""

# Shared by the two polled functions below: the last message the page sent after the mouse-up (the
# drawing; the canvas sends it 200 ms after the last stroke) and whether the server has answered it.
# A busy page may process "running" and "finished" in one go and never show "running", so a change
# of the heading after the drawing was sent also counts as an answer.
SENT = """
  const watch = window.__cnnlab;
  const sends = watch.up === null ? [] : watch.sends.filter((t) => t >= watch.up);
  const sent = sends.length ? sends[sends.length - 1] : null;
  const before = watch.states.filter((entry) => entry.t <= sent).pop();
  const answered = sent !== null && ((before && before.state === "running")
    || watch.states.some((entry) => entry.t >= sent && entry.state === "running")
    || watch.seen.some((entry) => entry.t >= sent));
  const state = watch.states[watch.states.length - 1];
  const last = watch.seen[watch.seen.length - 1];
  const quietFor = (now) => now - Math.max(sent, state.t, last ? last.t : 0);
"""

# Polled after the last stroke: null until the expected digit's heading appears after the drawing was
# sent (its time is the measurement), or until the page has finished and stayed quiet for quietMs
# showing something else (a wrong prediction) or nothing.
PREDICTED = (
    """
([expected, quietMs]) => {
  const now = performance.now();
  const exception = document.querySelector("[data-testid='stException']");
  if (exception) return {error: "exception on the page: " + exception.innerText.slice(0, 200)};
"""
    + SENT
    + """
  if (sent === null) return null;
  const hit = watch.seen.find((entry) => entry.t >= sent && entry.text && entry.text.split(" ")[1] === expected);
  if (hit) return {t: hit.t, up: watch.up};
  if (!answered || state.state === "running" || quietFor(now) < quietMs) return null;
  if (!watch.last) return {error: "no prediction shown"};
  if (watch.last.split(" ")[1] !== expected) return {error: "wrong prediction: " + watch.last};
  // Shown before the last drawing was sent, and not redrawn since: count until the run ended.
  return {t: Math.max(state.t, sent), up: watch.up};
}
"""
)

# Polled after the prediction: the time the page finished updating (the app's run after the drawing
# ended: every chart below the prediction redrawn), once it has stayed finished for 300 ms.
SETTLED = (
    """
() => {
  const now = performance.now();
"""
    + SENT
    + """
  if (!answered || state.state === "running" || quietFor(now) < 300) return null;
  return {t: state.t >= sent ? state.t : last.t, up: watch.up};
}
"""
)

# What the page had seen when a drawing timed out, for the error message.
DIAGNOSIS = """
() => {
  const watch = window.__cnnlab;
  const since = (t) => `${((t - watch.up) / 1000).toFixed(2)} s`;
  const sends = watch.sends.filter((t) => t >= watch.up).map(since);
  const states = watch.states.filter((entry) => entry.t >= watch.up).map((e) => `${e.state} at ${since(e.t)}`);
  const app = document.querySelector("[data-testid='stApp']");
  const page = app ? "" : `; there is no app on the page, which says: ${document.body.innerText.slice(0, 300)}`;
  return `the page shows ${JSON.stringify(watch.last)}; after the mouse-up it sent at [${sends}],`
    + ` its run state went [${states}]${page}`;
}
"""

CLEARED = """
() => {
  const app = document.querySelector("[data-testid='stApp']");
  return window.__cnnlab.last === null && app && app.getAttribute("data-test-script-state") !== "running";
}
"""

IDLE_WITH_CANVAS = """
() => {
  const app = document.querySelector("[data-testid='stApp']");
  return app && app.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector("[data-testid='stStatusWidget'] button");
}
"""


@dataclass
class Measurement:
    """One drawing: its digit, mouse-up to prediction (s), and the server's share if profiled."""

    session: int
    digit: int
    at: float = 0.0  # time.monotonic() when the drawing began
    seconds: float | None = None
    server_seconds: float | None = None
    settled_seconds: float | None = None
    error: str | None = None


@dataclass
class LoadResult:
    """Everything one load run measured."""

    url: str
    sessions: int
    strokes: int
    measurements: list = field(default_factory=list)
    setup_errors: list = field(default_factory=list)
    page_loads: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    baseline: list = field(default_factory=list)
    training: dict | None = None
    cpu: dict | None = None
    window_seconds: float = 0.0
    started_at: float = 0.0  # time.monotonic() when the sessions began to draw

    @property
    def latencies(self) -> list[float]:
        """Every measured mouse-up → prediction time, also of drawings whose page then kept updating too long."""
        return [m.seconds for m in self.measurements if m.seconds is not None]

    @property
    def errors(self) -> list[str]:
        drawn = [f"session {m.session}, digit {m.digit}: {m.error}" for m in self.measurements if m.error]
        return self.setup_errors + drawn

    @property
    def p95(self) -> float | None:
        return percentile(self.latencies, 95)

    def passed(self, goal: float = GOAL_P95_SECONDS) -> bool:
        return not self.errors and self.p95 is not None and self.p95 <= goal


def percentile(values, share: float) -> float | None:
    """The nearest-rank percentile (share in 0..100) of a list of numbers, None if it is empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def digit_order(session: int, strokes: int) -> list[int]:
    """The digits one session draws: a different start per session, never the same digit twice in a row."""
    return [(session + 7 * index) % 10 for index in range(strokes)]


class FrameClock:
    """Timestamps of a page's websocket frames (DevTools clock): drawings sent, predictions received."""

    def __init__(self):
        self.sent: list[float] = []
        self.received: list[tuple[float, str]] = []

    @staticmethod
    def _payload(params) -> bytes:
        response = params["response"]
        if response.get("opcode") == 2:
            return base64.b64decode(response["payloadData"])
        return response["payloadData"].encode()

    def on_sent(self, params) -> None:
        if b"data:image/png" in self._payload(params):
            self.sent.append(params["timestamp"])

    def on_received(self, params) -> None:
        payload = self._payload(params)
        where = payload.find(PREDICTION_PREFIX.encode())
        if where >= 0:
            shown = payload[where + len(PREDICTION_PREFIX) :].split(b" ")[0].decode(errors="replace")
            self.received.append((params["timestamp"], shown))

    def server_seconds(self, expected: str) -> float | None:
        """From the last drawing sent before the expected prediction came back, to its arrival."""
        arrival = next((when for when, shown in self.received if shown == expected), None)
        if arrival is None:
            return None
        sent = [when for when in self.sent if when <= arrival]
        return arrival - sent[-1] if sent else None

    def reset(self) -> None:
        self.sent.clear()
        self.received.clear()


async def wait_until_idle(page, timeout_ms: float) -> None:
    await page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    await page.wait_for_function(IDLE_WITH_CANVAS, polling=200, timeout=timeout_ms)


async def open_draw_page(browser, url: str, profile: bool, page_errors: list | None = None):
    """A fresh context on /draw, loaded and idle, with its canvas; returns (context, page, clock, seconds).

    JavaScript errors on the page and a crashed page are added to page_errors, if given.
    """
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(WATCHER)
    page = await context.new_page()
    if page_errors is not None:
        page.on("pageerror", lambda error: page_errors.append(f"JavaScript error: {error}"))
        page.on("crash", lambda _: page_errors.append("a page crashed"))
    clock = None
    if profile:
        clock = FrameClock()
        devtools = await context.new_cdp_session(page)
        devtools.on("Network.webSocketFrameSent", clock.on_sent)
        devtools.on("Network.webSocketFrameReceived", clock.on_received)
        await devtools.send("Network.enable")
    start = time.perf_counter()
    await page.goto(f"{url}/draw", timeout=180_000)
    await page.locator("canvas.upper-canvas").first.wait_for(timeout=180_000)
    await wait_until_idle(page, 180_000)
    return context, page, clock, time.perf_counter() - start


async def draw(page, strokes) -> None:
    """Draw strokes given in canvas fractions with mouse moves, like a person."""
    box = await page.locator("canvas.upper-canvas").first.bounding_box()
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        await page.mouse.move(*points[0])
        await page.mouse.down()
        for point in points[1:]:
            await page.mouse.move(*point, steps=2)
        await page.mouse.up()


async def clear_canvas(page, timeout_ms: float) -> None:
    """Press the canvas toolbar's bin and wait until the prediction is gone."""
    await page.locator("canvas.upper-canvas").first.hover()
    await page.get_by_role("button", name=CLEAR_BUTTON).click(timeout=timeout_ms)
    await page.wait_for_function(CLEARED, polling=100, timeout=timeout_ms)
    await page.evaluate("() => { Object.assign(window.__cnnlab, {seen: [], sends: [], up: null}); }")


async def measure(page, clock, session: int, digit: int, timeout_s: float) -> Measurement:
    """Draw one digit and time mouse-up → its prediction on the page, and → the page finished updating."""
    result = Measurement(session, digit, at=time.monotonic())
    if clock is not None:
        clock.reset()
    await draw(page, DIGITS[digit])
    wait_ms = timeout_s * 1000 + QUIET_MS
    try:
        handle = await page.wait_for_function(PREDICTED, arg=[str(digit), QUIET_MS], polling=100, timeout=wait_ms)
        outcome = await handle.json_value()
    except Exception as error:  # Playwright's TimeoutError, or the page went away
        result.error = f"no prediction of {digit} within {timeout_s:.0f} s ({type(error).__name__})"
        result.error += await diagnosis(page)
        return result
    if "error" in outcome:
        result.error = outcome["error"]
        return result
    result.seconds = (outcome["t"] - outcome["up"]) / 1000
    if clock is not None:
        result.server_seconds = clock.server_seconds(str(digit))
    try:
        settled = await (await page.wait_for_function(SETTLED, polling=100, timeout=wait_ms)).json_value()
    except Exception as error:
        result.error = f"the page was still updating {timeout_s:.0f} s after the prediction ({type(error).__name__})"
        result.error += await diagnosis(page)
        return result
    result.settled_seconds = (settled["t"] - settled["up"]) / 1000
    return result


async def diagnosis(page) -> str:
    """What the page had seen, for an error message; empty if the page cannot say."""
    try:
        return "; " + await page.evaluate(DIAGNOSIS)
    except Exception:
        return ""


async def session_loop(page, clock, session: int, strokes: int, timeout_s: float, start: asyncio.Event, problems):
    """One student: wait for the start signal, then draw, read, clear, `strokes` times.

    Returns the measurements; a canvas that does not clear is added to problems, and the page reloaded.
    """
    measurements = []
    await start.wait()
    for digit in digit_order(session, strokes):
        measurement = await measure(page, clock, session, digit, timeout_s)
        measurements.append(measurement)
        try:
            await clear_canvas(page, timeout_s * 1000)
        except Exception as error:
            problems.append(f"session {session}, digit {digit}: the canvas did not clear ({type(error).__name__})")
            await page.reload()
            await page.locator("canvas.upper-canvas").first.wait_for(timeout=180_000)
            await wait_until_idle(page, 180_000)
    return measurements


async def start_training(browser, url: str, timeout_s: float):
    """One more session on /train that presses Start training with the default settings."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    await page.goto(f"{url}/train", timeout=180_000)
    await wait_until_idle(page, 180_000)
    await page.get_by_role("button", name="Start training").click(timeout=60_000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = await training_state(page)
        if state != "starting":
            return context, page, state
        await asyncio.sleep(0.5)
    return context, page, "did not start"


async def training_state(page) -> str:
    """ "running", "waiting" (for a slot), "finished", or "starting"."""
    if await page.get_by_text("Test accuracy:").count():
        return "finished"
    if await page.get_by_role("button", name="Stop training").count():
        return "running"
    if await page.get_by_text("Waiting for a free training slot").count():
        return "waiting"
    return "starting"


async def watch_training(page, log: list, stop: asyncio.Event) -> None:
    """Note the training page's state every 2 s until stopped."""
    while not stop.is_set():
        try:
            log.append((time.monotonic(), await training_state(page)))
        except Exception as error:
            log.append((time.monotonic(), f"unreadable ({type(error).__name__})"))
        try:
            await asyncio.wait_for(stop.wait(), timeout=2.0)
        except TimeoutError:
            pass


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (all its threads), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> set[int]:
    """The ids of every process below root."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def machine_busy_seconds() -> float:
    """CPU seconds all cores of this machine have spent not idle since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int | None) -> dict:
    """CPU seconds so far: the server, this script's browser, this script and its driver, the machine.

    The server is server_pid, or else a `streamlit run` started by this process (as the pytest
    fixture does); a server started elsewhere (--url) is not measured, only counted as other work.
    """
    ours = descendants(os.getpid())
    if server_pid is None:
        server_pid = next((pid for pid in sorted(ours) if "streamlit\0run" in _command(pid)), None)
    ours -= {server_pid}
    browser = {pid for pid in ours if "chrom" in _command(pid)}
    return {
        "server": cpu_seconds(server_pid) if server_pid else None,
        "browser": {pid: cpu_seconds(pid) for pid in browser},
        "driver": {pid: cpu_seconds(pid) for pid in (ours - browser) | {os.getpid()}},
        "machine": machine_busy_seconds(),
        "time": time.monotonic(),
    }


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def cpu_used(before: dict, after: dict) -> dict:
    """CPU seconds used between two snapshots, by group, and the wall time."""

    def grown(group):
        return sum(value - before[group].get(pid, 0.0) for pid, value in after[group].items())

    used = {"browser": grown("browser"), "driver": grown("driver"), "machine": after["machine"] - before["machine"]}
    used["server"] = after["server"] - before["server"] if before["server"] is not None else None
    used["other"] = used["machine"] - used["browser"] - used["driver"] - (used["server"] or 0.0)
    used["wall"] = after["time"] - before["time"]
    return used


async def run_load(
    url: str,
    sessions: int = 20,
    strokes: int = 5,
    with_training: bool = False,
    timeout_s: float = 30.0,
    baseline_strokes: int = 2,
    server_pid: int | None = None,
    profiled: int = PROFILED_SESSIONS,
) -> LoadResult:
    """Open `sessions` Draw pages at once, then have all of them draw `strokes` digits each.

    Args:
        url: the app's address, e.g. "http://127.0.0.1:8501".
        sessions: how many students draw at the same time.
        strokes: how many digits each of them draws (each one measured).
        with_training: first start a training run with the default settings on /train.
        timeout_s: the longest wait for one prediction before it counts as an error.
        baseline_strokes: drawings measured by one session alone first (0 for none).
        server_pid: the server's process id, to count its CPU time.
        profiled: how many sessions also time the server's share through DevTools.

    Returns:
        A LoadResult with every latency and every error.
    """
    result = LoadResult(url, sessions, strokes)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            await _baseline(browser, url, result, baseline_strokes, timeout_s)
            await _swarm(browser, url, result, with_training, timeout_s, server_pid, profiled)
        finally:
            await browser.close()
    return result


async def _baseline(browser, url: str, result: LoadResult, strokes: int, timeout_s: float) -> None:
    """Warm the server's caches, and time a few drawings by one session alone."""
    context, page, clock, _ = await open_draw_page(browser, url, profile=True, page_errors=result.page_errors)
    try:
        for digit in digit_order(3, strokes):
            measurement = await measure(page, clock, -1, digit, timeout_s)
            result.baseline.append(measurement)
            if measurement.error:
                result.setup_errors.append(f"alone, digit {digit}: {measurement.error}")
            await clear_canvas(page, timeout_s * 1000)
    except Exception as error:
        result.setup_errors.append(f"the single session before the class failed ({type(error).__name__}: {error})")
    finally:
        await context.close()


async def _swarm(browser, url, result: LoadResult, with_training, timeout_s, server_pid, profiled) -> None:
    opened = await asyncio.gather(
        *(open_draw_page(browser, url, index < profiled, result.page_errors) for index in range(result.sessions)),
        return_exceptions=True,
    )
    pages = []
    for index, outcome in enumerate(opened):
        if isinstance(outcome, BaseException):
            result.setup_errors.append(f"session {index}: the Draw page did not load ({type(outcome).__name__})")
        else:
            pages.append((index, *outcome))
            result.page_loads.append(outcome[3])
    train_context, train_page, log, stop = None, None, [], asyncio.Event()
    if with_training:
        try:
            train_context, train_page, state = await start_training(browser, url, timeout_s=120)
            result.training = {"state at start": state, "log": log}
        except Exception as error:
            result.setup_errors.append(f"the training could not be started ({type(error).__name__}: {error})")
    start = asyncio.Event()
    loops = [
        session_loop(page, clock, index, result.strokes, timeout_s, start, result.setup_errors)
        for index, _, page, clock, _ in pages
    ]
    watcher = asyncio.create_task(watch_training(train_page, log, stop)) if train_page else None
    before = cpu_snapshot(server_pid)
    result.started_at = time.monotonic()
    start.set()
    outcomes = await asyncio.gather(*loops, return_exceptions=True)
    after = cpu_snapshot(server_pid)
    stop.set()
    if watcher:
        await watcher
        if await training_state(train_page) == "running":
            await train_page.get_by_role("button", name="Stop training").click()
        await train_context.close()
    result.cpu = cpu_used(before, after)
    result.window_seconds = result.cpu["wall"]
    for (index, *_), outcome in zip(pages, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            result.setup_errors.append(f"session {index} stopped: {type(outcome).__name__}: {outcome}")
        else:
            result.measurements.extend(outcome)
    for context in {context for _, context, *_ in pages}:
        await context.close()


def seconds(value) -> str:
    return "–" if value is None else f"{value:.2f} s"


def summary(values) -> str:
    if not values:
        return "no values"
    middle, high = statistics.median(values), percentile(values, 95)
    return f"median {seconds(middle)}, 95th percentile {seconds(high)}, max {seconds(max(values))}"


def report(result: LoadResult, goal: float = GOAL_P95_SECONDS) -> str:
    """The run in a few lines, ending in PASS or FAIL."""
    cores = os.cpu_count()
    lines = [
        f"CNN Lab load test: {result.sessions} sessions × {result.strokes} drawings on {result.url}/draw",
        f"Note: all {result.sessions} browser sessions run in one headless Chromium on this same machine "
        f"({cores} CPU cores), competing with the server for them; in a class each student has a computer.",
        "Calm baseline (one session alone): " + ", ".join(seconds(m.seconds) for m in result.baseline if m.seconds),
        f"Page loads, {len(result.page_loads)} at once: {summary(result.page_loads)}",
    ]
    latencies = result.latencies
    lines.append(f"Drawings measured: {len(result.measurements)}, errors: {len(result.errors)}")
    lines.append(f"Mouse-up → prediction: {summary(latencies)}")
    settled = [m.settled_seconds for m in result.measurements if m.settled_seconds is not None]
    lines.append(f"Mouse-up → page finished updating (every chart below redrawn): {summary(settled)}")
    profiled = [m for m in result.measurements if m.server_seconds is not None and m.error is None]
    server = [m.server_seconds for m in profiled]
    browser = [m.seconds - m.server_seconds for m in profiled]
    if server:
        lines.append(f"  server share ({len(server)} profiled drawings): {summary(server)}")
        lines.append(f"  browser share (200 ms canvas debounce, PNG export, rendering): {summary(browser)}")
    if result.training is not None:
        lines += _training_lines(result)
    if result.cpu:
        lines.append(_cpu_line(result.cpu, cores))
    if result.page_errors:
        distinct = sorted(set(result.page_errors))
        lines.append(f"JavaScript errors and crashes in the pages: {len(result.page_errors)}, e.g. {distinct[:3]}")
    for error in result.errors[:10]:
        lines.append(f"  error: {error}")
    if len(result.errors) > 10:
        lines.append(f"  … and {len(result.errors) - 10} more errors")
    verdict = "PASS" if result.passed(goal) else "FAIL"
    lines.append(f"Goal: no errors and 95th percentile ≤ {goal:.1f} s → {verdict}")
    return "\n".join(lines)


def training_running(log: list, moment: float) -> bool:
    """Whether the training page said "running" (or "waiting" for a slot) at its last check before moment."""
    earlier = [state for when, state in log if when <= moment]
    return bool(earlier) and earlier[-1] in ("running", "waiting")


def _training_lines(result: LoadResult) -> list[str]:
    """When the training ran, and the latencies of the drawings made while it ran and after."""
    log, start = result.training["log"], result.started_at
    finished = next((when - start for when, state in log if state == "finished"), None)
    ended = f"finished {finished:.0f} s after the drawing began" if finished is not None else "still running at the end"
    lines = [
        f"Training on /train (default settings): {result.training['state at start']} when the drawing began, "
        f"{ended}; the drawing lasted {result.window_seconds:.0f} s"
    ]
    during = [m.seconds for m in result.measurements if m.seconds is not None and training_running(log, m.at)]
    after = [m.seconds for m in result.measurements if m.seconds is not None and not training_running(log, m.at)]
    lines.append(f"  drawings begun while it trained ({len(during)}): mouse-up → prediction {summary(during)}")
    lines.append(f"  drawings begun after it ended ({len(after)}): mouse-up → prediction {summary(after)}")
    return lines


def _cpu_line(cpu: dict, cores: int) -> str:
    available = cpu["wall"] * cores
    parts = [f"server {cpu['server']:.1f}" if cpu["server"] is not None else "server not measured (not started here)"]
    parts += [f"Chromium {cpu['browser']:.1f}", f"Playwright and this script {cpu['driver']:.1f}"]
    parts.append(f"other work on the machine {max(cpu['other'], 0):.1f}")
    return (
        f"CPU during the drawing ({cpu['wall']:.0f} s × {cores} cores = {available:.0f} core-seconds, "
        f"{cpu['machine'] / available:.0%} busy): " + ", ".join(parts) + " core-seconds"
    )


def start_server(train_limit: str | None):
    """`streamlit run app.py` on a free port; returns (process, url, log path)."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="cnnlab-load-")) / "streamlit.log"
    env = dict(os.environ)
    if train_limit:
        env["CNNLAB_TRAIN_LIMIT"] = train_limit
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_for_health(url, process)
    return process, url, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions drawing at once (20)")
    parser.add_argument("--strokes", type=int, default=5, help="digits each session draws, each one timed (5)")
    parser.add_argument("--with-training", action="store_true", help="run a training on /train meanwhile")
    parser.add_argument("--url", help="an app that is already running; default: start one")
    parser.add_argument("--timeout", type=float, default=30.0, help="longest wait for one prediction, s (30)")
    parser.add_argument("--train-limit", help="CNNLAB_TRAIN_LIMIT for the server this script starts")
    options = parser.parse_args(argv)
    process, url, log = (None, options.url.rstrip("/"), None) if options.url else start_server(options.train_limit)
    try:
        result = asyncio.run(
            run_load(
                url,
                options.sessions,
                options.strokes,
                options.with_training,
                options.timeout,
                server_pid=process.pid if process else None,
            )
        )
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    print(report(result))
    if options.with_training and options.train_limit:
        print(f"(The training was capped at {options.train_limit} images by CNNLAB_TRAIN_LIMIT.)")
    if log is not None and result.errors:
        print(f"Server log: {log}")
    elif log is not None:
        shutil.rmtree(log.parent, ignore_errors=True)
    return 0 if result.passed() else 1


if __name__ == "__main__":
    sys.exit(main())
