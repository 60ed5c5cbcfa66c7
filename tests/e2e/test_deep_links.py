"""A fresh server opened straight at inner pages, by several students at once, shows the app."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.conftest import PROJECT_DIR, free_port, wait_for_health, wait_until_idle
from tests.e2e.test_browser import assert_no_exception


def test_deep_links_to_a_fresh_server_open_the_app_with_its_menu(browser, tmp_path):
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port),
    ]  # fmt: skip
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server)
        contexts = [browser.new_context(viewport={"width": 1024, "height": 768}) for _ in range(3)]
        pages = [context.new_page() for context in contexts]
        for page, path in zip(pages, ("draw", "toy", "train"), strict=True):
            page.goto(f"{url}/{path}", wait_until="commit")  # all three before any has loaded
        for page in pages:
            wait_until_idle(page)
            page.wait_for_timeout(1500)
            wait_until_idle(page)
            assert_no_exception(page)
            menu = page.locator("[data-testid='stSidebarNav']").inner_text()
            assert "Start here" in menu and "Train a model" in menu, menu  # the app's menu, not the folder's
        for context in contexts:
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
