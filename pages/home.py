"""Start page: why convolution, and the path through the app for a class."""

import streamlit as st

from pages import shared

shared.through_app_navigation()

st.title("CNN Lab: how a neural network sees a digit")
st.markdown(
    """
A picture is a grid of numbers. A plain (dense) network flattens that grid into one long
list, so it forgets which pixels were neighbours. It needs a weight for every pixel and
every unit: 784 × 128 = 100,352 weights for one small layer. Move the digit by two pixels
and, to it, it is a new picture.

A **convolutional** network slides one small filter, say 3 × 3, over the whole picture.
The same 9 weights look for the same pattern (an edge, a corner, a stroke) everywhere, so
a filter needs only 10 numbers with its bias. Pooling then keeps the strongest answer in
each small patch, which makes small shifts matter less. Layer after layer, edges become
strokes, and strokes become digits.
"""
)
st.subheader("The lesson, page by page")
for number, page in enumerate(shared.LESSON, start=1):
    link, line = st.container(border=True).columns([2, 3], vertical_alignment="center")
    link.page_link(page.path, label=f"**{number}. {page.title}**", icon=page.icon)
    line.markdown(page.line)
st.caption("Draw once: your digit follows you to every page. Use the sidebar to move around.")
