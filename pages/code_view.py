"""The "Show the code" box under a lesson: the real cnnlab functions behind what is on screen."""

import streamlit as st

from cnnlab.figures import lessons


def show_code(*functions) -> None:
    """An expander with each function's source, its docstring left out: the lines that compute."""
    with st.expander("Show the code"):
        for function in functions:
            st.code(lessons.code_of(function), language="python")
