"""The Experiments page's class board: share a run with every session on the server, compare on the projector."""

import pandas as pd
import streamlit as st

from cnnlab import board, comparison
from cnnlab.figures import compare as figures
from cnnlab.figures.style import CHART_CONFIG

REFRESH_SECONDS = 10


@st.cache_resource
def class_board() -> board.ClassBoard:
    """The one class board of this server, shared by every session."""
    return board.ClassBoard()


def share_controls(book: comparison.RunBook) -> None:
    """Pick one of this session's runs, name it if you like, and share it."""
    finished = {entry.number: entry for entry in book.finished}
    if not finished:
        st.caption("Train a run above to share it here.")
        return
    run, name, share = st.columns([2, 2, 1], vertical_alignment="bottom")
    run.selectbox("Run to share", list(finished), format_func=lambda key: finished[key].label, key="board_run")
    name.text_input("Name on the board", key="board_name", max_chars=40, placeholder="e.g. group B")
    share.button("Share", key="board_share", on_click=_share, args=(finished,))


def _share(finished: dict) -> None:
    """Share the chosen run under the typed name (a callback: it runs before the page, so no click is missed)."""
    entry = finished.get(st.session_state.get("board_run"))
    if entry is not None:
        post = class_board().share(entry.run, st.session_state.get("board_name") or entry.name)
        st.toast(f"{post.label} is on the class board.")


def posts_view() -> None:
    """Every shared run: curves overlaid, then a table, best first; redrawn every few seconds."""
    posts = class_board().posts()
    if not posts:
        st.info("The class board is empty: share a run to put it here.")
        return
    curves = {post.label: post.curves for post in posts}
    st.plotly_chart(figures.curves_overlay(curves), key="board_curves", config=CHART_CONFIG)
    st.table(pd.DataFrame(board.board_rows(posts)).set_index("run"))


def board_view(book: comparison.RunBook) -> None:
    """The whole class board section."""
    st.write(
        f"Runs shared by anyone on this server, for the whole class to compare (at most {board.MAX_POSTS}; "
        "the oldest goes first). Only the name typed here is shown, no one's identity."
    )
    share_controls(book)
    st.fragment(run_every=REFRESH_SECONDS)(posts_view)()
    with st.expander("For the teacher"):
        sure = st.checkbox("Yes, remove every run from the board", key="board_sure")
        st.button("Clear the class board", key="board_clear", disabled=not sure, on_click=_clear)


def _clear() -> None:
    class_board().clear()
    st.session_state["board_sure"] = False
