"""Start page: why convolution, and the path through the app for a class."""

import streamlit as st

LESSON = [
    ("pages/toy.py", "1. Toy 5×5 filters", ":material/apps:", "Two tiny filters tell a cross from a diagonal."),
    ("pages/draw.py", "2. Draw a digit", ":material/draw:", "Draw a digit; see how it is tidied and read."),
    ("pages/feature_maps.py", "3. Feature maps", ":material/grid_view:", "Look inside: what each filter found."),
    ("pages/concepts.py", "4. Concepts", ":material/calculate:", "Output sizes, padding, stride, pooling."),
    ("pages/train.py", "5. Train a model", ":material/model_training:", "Train your own network and watch it learn."),
]

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
for column, (path, title, icon, line) in zip(st.columns(len(LESSON)), LESSON, strict=True):
    card = column.container(border=True, height="stretch")
    card.page_link(path, label=f"**{title}**", icon=icon)
    card.markdown(line)
st.caption("Draw once: your digit follows you to every page. Use the sidebar to move around.")
