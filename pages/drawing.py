"""The drawing canvas every page shares: draw, undo, clear; the drawing survives leaving the page and a reload.

Session state keys, for a canvas with prefix P (the Draw page uses "draw"):
- "P_json": the drawing as the canvas last sent it (Fabric.js JSON, its "objects" the strokes).
- "P_base": the drawing the canvas is told to start from (its `initial_drawing`). It changes only
  when the app itself redraws the canvas: on Undo, on Clear, and when the canvas is shown again
  after another page or a reload, so strokes never make the canvas reload.
- "P_seen": a digest of the last picture read, so a rerun does not read the same picture twice.
"""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from cnnlab import preprocess
from pages import shared

SIZE = 280
# White ink on black, like MNIST; a 20 px brush on 280 px is a 2 px stroke at 28 x 28.
STYLE = {"stroke_width": 20, "stroke_color": "#FFFFFF", "background_color": "#000000"}
DRAWING = "your drawing"
# Canvas options read from the drawing itself: strokes cannot be picked up, moved or stretched,
# even with the toolbar's edit switch on, so a click can never push the drawing off the canvas.
FIXED_STROKES = {"skipTargetFind": True, "selection": False}


def _base(objects: list, revision: int) -> dict:
    """An initial drawing holding these strokes; a new revision makes the canvas load it again."""
    return {"objects": list(objects), **FIXED_STROKES, "revision": revision}


def _strokes(prefix: str) -> list:
    drawing = st.session_state.get(f"{prefix}_json") or {}
    return list(drawing.get("objects", []))


def _redraw(prefix: str, objects: list) -> None:
    """Tell the canvas to start again from `objects`."""
    revision = (st.session_state.get(f"{prefix}_base") or {}).get("revision", 0) + 1
    st.session_state[f"{prefix}_base"] = _base(objects, revision)
    st.session_state[f"{prefix}_json"] = {"objects": list(objects)}


def undo(prefix: str) -> None:
    """Take back the last stroke."""
    _redraw(prefix, _strokes(prefix)[:-1])


def clear(prefix: str) -> None:
    """Wipe the canvas."""
    _redraw(prefix, [])


def _read(prefix: str, result) -> None:
    """Make a new picture from the canvas the current input; an empty canvas removes a drawn input."""
    content = result.image_bytes  # PNG bytes; None until the canvas sends its first picture
    if content is None:
        return
    digest = hashlib.blake2b(content, digest_size=16).hexdigest()
    if digest == st.session_state.get(f"{prefix}_seen"):
        return
    st.session_state[f"{prefix}_seen"] = digest
    steps = preprocess.preprocess_steps(result.image_data)
    if steps is not None:
        shared.set_input(steps.centred, steps, DRAWING, "mnist")
    elif st.session_state.get("input_label") == DRAWING:
        shared.clear_input()


def canvas(prefix: str = "draw", size: int = SIZE) -> None:
    """The canvas with its Undo and Clear buttons; each stroke becomes the input of every page.

    Args:
        prefix: the start of this canvas's session state keys, unique on the page.
        size: the side of the canvas in screen pixels.
    """
    key = f"{prefix}_canvas"
    st.markdown("Draw one digit, big, with a mouse, a finger or a pen.")
    if key not in st.session_state:  # shown for the first time in this session, or again after another page
        _redraw(prefix, _strokes(prefix))
    result = st_canvas(
        **STYLE, width=size, height=size, initial_drawing=st.session_state[f"{prefix}_base"],
        return_image_data=True, key=key,
    )  # fmt: skip
    if result.json_data is not None and result.image_bytes is not None:
        st.session_state[f"{prefix}_json"] = {"objects": list(result.json_data.get("objects", []))}
    strokes = len(_strokes(prefix))
    with st.container(horizontal=True):  # one row in one block: this part is redrawn at every stroke
        st.button("↶ Undo", key=f"{prefix}_undo", on_click=undo, args=(prefix,), disabled=not strokes, width="stretch")
        st.button("Clear", key=f"{prefix}_clear", on_click=clear, args=(prefix,), disabled=not strokes, width="stretch")
    _read(prefix, result)
