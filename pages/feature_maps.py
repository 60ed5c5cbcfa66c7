"""Placeholder page."""

import streamlit as st

st.title("feature_maps")
st.info("This page is being built.")
