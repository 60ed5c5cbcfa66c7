"""The start page: the lesson path, through the app's own navigation."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from pages import shared

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_start_page_opens_on_the_lesson_path():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("CNN Lab")
    text = " ".join(block.value for block in at.markdown)
    assert "100,352" in text and "convolutional" in text
    links = [link.proto.page for link in at.get("page_link")]
    assert links[:2] == ["toy", "draw"] and "train" in links
    # The start page and the sidebar both follow shared.LESSON, numbered in that order.
    assert links == [page.url_path for page in shared.LESSON]
    labels = [link.proto.label for link in at.get("page_link")]
    assert labels == [f"**{number}. {page.title}**" for number, page in enumerate(shared.LESSON, start=1)]
