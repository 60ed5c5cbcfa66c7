"""CNN Lab: how a convolutional network sees a handwritten digit. Wiring only."""

import streamlit as st

st.set_page_config(page_title="CNN Lab", page_icon="🔍", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Start here", icon="🏠", default=True),
    st.Page("pages/draw.py", title="Draw a digit", icon="✏️", url_path="draw"),
    st.Page("pages/feature_maps.py", title="Feature maps", icon="🧩", url_path="feature_maps"),
    st.Page("pages/toy.py", title="Toy 5×5 filters", icon="✖️", url_path="toy"),
    st.Page("pages/train.py", title="Train a model", icon="🏋️", url_path="train"),
    st.Page("pages/concepts.py", title="Concepts", icon="📐", url_path="concepts"),
]

st.navigation(PAGES).run()
