"""The smallest canvas page: the yardstick the Draw page's stroke latency is compared with."""

import hashlib

import streamlit as st
from streamlit_drawable_canvas import st_canvas

result = st_canvas(
    stroke_width=20, stroke_color="#FFFFFF", background_color="#000000", width=280, height=280,
    return_image_data=True, key="bare_canvas",
)  # fmt: skip
content = result.image_bytes
if content is not None:
    st.subheader(f"Prediction: {hashlib.sha256(content).hexdigest()[:8]}")
