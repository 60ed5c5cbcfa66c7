"""pages/shared.py keeps Keras's session across Streamlit runs by recognising Streamlit's cleanup by a
private function name. These tests fail if a Streamlit upgrade makes that patch ineffective (the
cleanup renamed or moved: its clear_session call gets through) or unneeded (no cleanup call any more).
"""

import sys

import keras
from streamlit.testing.v1 import AppTest

from pages import shared

SCRIPT = "import streamlit as st\nst.write('one run')\n"


def recorder(monkeypatch) -> list[str]:
    """Put a recorder where keras.backend.clear_session is; it notes the name of each caller."""
    calls = []

    def clear_session(*args, **kwargs):
        calls.append(sys._getframe(1).f_code.co_name)

    monkeypatch.setattr(keras.backend, "clear_session", clear_session)
    return calls


def test_streamlit_still_clears_the_keras_session_after_every_run(monkeypatch):
    calls = recorder(monkeypatch)
    at = AppTest.from_string(SCRIPT).run()
    at.run()
    assert not at.exception
    assert len(calls) >= 2, "Streamlit no longer calls keras.backend.clear_session after a run: remove the patch"


def test_the_patch_stops_streamlits_clear_session_after_a_run_and_lets_other_callers_through(monkeypatch):
    calls = recorder(monkeypatch)
    shared._keep_keras_session_between_runs()  # wraps the recorder, as importing pages.shared wraps Keras's own
    assert keras.backend.clear_session.keeps_session_between_runs
    at = AppTest.from_string(SCRIPT).run()
    at.run()
    assert not at.exception
    assert calls == [], f"Streamlit's cleanup got through to clear_session (called from {calls}): the patch is broken"
    keras.backend.clear_session()  # any other caller still clears
    assert len(calls) == 1
