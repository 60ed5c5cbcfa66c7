"""Helpers shared by the AppTest page tests."""

from __future__ import annotations

import ast
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


def shown_functions(at: AppTest) -> list[str]:
    """The names of the functions in the page's "Show the code" boxes; fails if one still has its docstring."""
    names = []
    for block in at.code:
        function = ast.parse(block.value).body[0]
        first = function.body[0]
        assert not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)), block.value[:200]
        names.append(function.name)
    return names
