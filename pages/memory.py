"""What a reload of the browser tab must not lose: the tab's token, and its state kept under it.

A browser reload starts a new session; restore_tab() gives it back every kept key (KEPT_PREFIXES,
without the action widgets of ACTION_KEY, whose values cannot be set) saved by save_tab(). The
store itself is cnnlab.keepsake.StateStore, one per server.
"""

from __future__ import annotations

import re
import time

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnlab import keepsake

GRACE_SECONDS = 15.0  # a tab away this long was closed, rather than reloaded or briefly disconnected
KEPT_PREFIXES = ("input_", "draw_", "toy_", "train_", "trained_", "training_run", "model_choice", "experiment_runs")
KEPT_PREFIXES += ("builder_", "exp_", "board_name")
# Buttons, uploads and the canvas hold actions, not values: Streamlit refuses to have them set.
ACTION_KEY = re.compile(
    r"_(reset|prev|next|random|start|stop|leave|join|download|upload|canvas|undo|clear|load|add|remove|new_seed)$"
    r"|_px_|^exp_use_"
)
TOKEN_PARAM = "tab"


@st.cache_resource
def tab_store() -> keepsake.StateStore:
    """The server's one store of what each browser tab did, kept under the tab's token."""
    return keepsake.StateStore()


def kept(key: str) -> bool:
    """True if a session state key is kept for a reload of the tab."""
    return key.startswith(KEPT_PREFIXES) and not ACTION_KEY.search(key)


def _session_id() -> str:
    context = get_script_run_ctx()
    return context.session_id if context is not None else "no-session"


def _session_alive(session_id: str) -> bool:
    return runtime.exists() and runtime.get_instance().is_active_session(session_id) is True


def restore_tab() -> None:
    """Give this tab its token in the page address and, after a reload, its kept state back.

    Run at the start of every full run. A token whose first session is still connected (the
    address was copied into another tab, or shared with the class) is not taken over: that tab
    gets a token of its own and starts afresh.
    """
    token = st.session_state.get("tab_token")
    if token is None:
        asked = st.query_params.get(TOKEN_PARAM)
        saved = tab_store().take(asked, _session_id(), _session_alive) if keepsake.looks_like_token(asked) else None
        token = asked if saved is not None else keepsake.new_token()
        st.session_state.update(saved or {})
        st.session_state["tab_token"] = token
    if st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token


def save_tab() -> None:
    """Keep this tab's kept state under its token; run after anything a student changed."""
    token = st.session_state.get("tab_token")
    if token is not None:
        values = {key: st.session_state[key] for key in list(st.session_state) if kept(key)}
        tab_store().remember(token, values, _session_id())


def tab_keep_going():
    """A check a training run makes after every batch: is this tab, or its reload, still open?

    A reload takes the tab's record over (restore_tab), so the run follows the tab rather than
    the first session. The run stops once no session has held the tab for GRACE_SECONDS.
    """
    if not _session_alive(_session_id()):  # a page test without a real server: nobody can close the tab
        return lambda: True
    token, store, last_seen = st.session_state.get("tab_token"), tab_store(), [time.monotonic()]

    def keep_going() -> bool:
        if token is None or store.holder_alive(token, _session_alive):
            last_seen[0] = time.monotonic()
        return time.monotonic() - last_seen[0] < GRACE_SECONDS

    return keep_going
