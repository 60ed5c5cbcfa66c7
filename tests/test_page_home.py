"""The start page: the lesson path, through the app's own navigation."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_start_page_opens_on_the_lesson_path():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("CNN Lab")
    text = " ".join(block.value for block in at.markdown)
    assert "100,352" in text and "convolutional" in text
    links = [link.proto.page for link in at.get("page_link")]
    assert links == ["toy", "draw", "feature_maps", "concepts", "train"]
