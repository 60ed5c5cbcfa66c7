"""CNN Lab: how a convolutional network sees a handwritten digit. Wiring only."""

import streamlit as st

from pages import memory, shared

st.set_page_config(page_title="CNN Lab", page_icon=":material/visibility:", layout="wide")

HOME = st.Page("pages/home.py", title="Start here", icon=":material/school:", default=True)
PAGES = [HOME] + [
    st.Page(page.path, title=page.title, icon=page.icon, url_path=page.url_path) for page in shared.LESSON
]

with shared.app_run():
    memory.restore_tab()  # a reloaded tab gets back what the student did
    st.navigation(PAGES).run()
    memory.save_tab()
