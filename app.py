"""CNN Lab: how a convolutional network sees a handwritten digit. Wiring only."""

import streamlit as st

from pages import shared

st.set_page_config(page_title="CNN Lab", page_icon=":material/visibility:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Start here", icon=":material/school:", default=True),
    st.Page("pages/toy.py", title="Toy 5×5 filters", icon=":material/apps:", url_path="toy"),
    st.Page("pages/draw.py", title="Draw a digit", icon=":material/draw:", url_path="draw"),
    st.Page("pages/feature_maps.py", title="Feature maps", icon=":material/grid_view:", url_path="feature_maps"),
    st.Page("pages/concepts.py", title="Concepts", icon=":material/calculate:", url_path="concepts"),
    st.Page("pages/train.py", title="Train a model", icon=":material/model_training:", url_path="train"),
]

shared.restore_tab()  # a reloaded tab gets back what the student did
st.navigation(PAGES).run()
shared.save_tab()
