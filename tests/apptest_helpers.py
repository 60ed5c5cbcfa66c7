"""Helpers shared by the AppTest page tests."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest


def rerun_until(at: AppTest, done, timeout: float) -> AppTest:
    """Rerun the page every half second until `done(at)` holds (a fragment's timer, by hand)."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "the page did not reach the expected state in time"
        time.sleep(0.5)
        at.run()
        assert not at.exception
    return at
