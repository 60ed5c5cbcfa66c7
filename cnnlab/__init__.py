"""CNN Lab: the science behind the app, in pure Python (never imports streamlit)."""
