"""Browser tests: the real app under `streamlit run`, driven by Playwright in headless Chromium."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bench.server import free_port, wait_for_health  # one copy, shared with the benchmarks

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_DIR / "assets" / "screenshots"
CHROMIUM = os.environ.get("CNNLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start the app once for the whole browser test session and yield its address."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = dict(os.environ, CNNLAB_TRAIN_LIMIT=os.environ.get("CNNLAB_TRAIN_LIMIT", "600"))
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "full",
    ]  # fmt: skip
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for the browser tests and was not found at {CHROMIUM}.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    yield opened
    context.close()


def wait_until_idle(page, timeout: float = 90_000) -> None:
    """Wait until the app has finished running its script ("notRunning", not "initial" or "running")."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stApp']\").getAttribute('data-test-script-state')"
        " === 'notRunning'",
        timeout=timeout,
    )


def wait_for_charts(page, at_least: int = 0, timeout: float = 60_000) -> None:
    """Wait until the script is idle, at least `at_least` charts are on screen, and plotly has drawn every
    one of them (a chart is empty for a moment after a rerun, longer on a busy machine)."""
    wait_until_idle(page, timeout)
    page.wait_for_function(
        """(atLeast) => {
          const shown = [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
            .filter((chart) => chart.offsetParent !== null);
          return shown.length >= atLeast && shown.every((chart) => chart.querySelector("svg.main-svg"));
        }""",
        arg=at_least,
        timeout=timeout,
    )
    page.wait_for_timeout(800)


def run_in_own_thread(coroutine):
    """Run a coroutine on a fresh event loop, away from the sync Playwright loop of the other browser tests."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
