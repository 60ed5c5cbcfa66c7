"""A browser reload loses nothing: the tab's token in the address brings its state back (AppTest)."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import data
from pages import memory, shared

PROJECT = Path(__file__).resolve().parent.parent
APP = str(PROJECT / "app.py")
# Each page file alone; app.py opens the home page.
PAGES = ["app.py", *(page.path for page in shared.LESSON)]
TIMEOUT = 180


@pytest.fixture(scope="module")
def seven() -> np.ndarray:
    _, (images, labels) = data.load_dataset("mnist", "embedded")
    return images[np.flatnonzero(labels == 7)[0]].astype(np.float32) / 255.0


def opened(token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if token is not None:
        at.query_params[memory.TOKEN_PARAM] = token
    return at


def test_a_tab_gets_a_token_in_its_address():
    at = opened().run()
    assert not at.exception
    token = at.session_state["tab_token"]
    assert at.query_params[memory.TOKEN_PARAM] in (token, [token])
    assert len(token) >= 22


def test_a_reload_brings_back_the_input_the_drawing_and_the_model(seven):
    first = opened()  # AppTest runs app.py itself only on a session's first run
    first.session_state["input_image"] = seven
    first.session_state["input_label"] = "your drawing"
    first.session_state["draw_json"] = {"objects": [{"type": "path", "path": [["M", 1, 2]]}]}
    first.session_state["model_choice"] = "mnist_mlp"
    first.run()
    token = first.session_state["tab_token"]
    reloaded = opened(token).run()
    assert not reloaded.exception
    assert reloaded.session_state["tab_token"] == token
    np.testing.assert_array_equal(reloaded.session_state["input_image"], seven)
    assert reloaded.session_state["draw_json"]["objects"][0]["path"] == [["M", 1, 2]]
    assert reloaded.session_state["model_choice"] == "mnist_mlp"


def test_an_unknown_or_junk_token_starts_afresh_with_a_new_one():
    for asked in ("x" * 22, "<b>not a token</b>"):
        at = opened(asked).run()
        assert not at.exception
        assert at.session_state["tab_token"] != asked
        assert "input_image" not in at.session_state or at.session_state["input_image"] is None


def kept_state(at: AppTest) -> dict:
    """What save_tab would keep of a finished AppTest session."""
    return {key: at.session_state[key] for key in at.session_state._state._state.filtered_state if memory.kept(key)}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_its_kept_state_restored_and_keeps_no_action_widget(page, seven):
    first = AppTest.from_file(str(PROJECT / page), default_timeout=TIMEOUT)
    first.session_state["input_image"] = seven
    first.session_state["input_label"] = "your drawing"
    first.run()
    assert not first.exception
    actions = [*first.button, *first.get("download_button"), *first.get("file_uploader")]
    kept_actions = [widget.key for widget in actions if widget.key and memory.kept(widget.key)]
    assert kept_actions == [], f"action widgets would be restored: {kept_actions}"
    saved = kept_state(first)
    reloaded = AppTest.from_file(str(PROJECT / page), default_timeout=TIMEOUT)
    for key, value in saved.items():
        reloaded.session_state[key] = value
    reloaded.run()
    assert not reloaded.exception


def test_a_reload_keeps_the_network_a_student_built_and_the_experiment_settings():
    first = AppTest.from_file(str(PROJECT / "pages/experiments.py"), default_timeout=TIMEOUT).run()
    assert not first.exception
    row_id = first.session_state["builder_rows"][0][0]
    first.selectbox(key=f"builder_{row_id}_size").set_value(5)
    first.selectbox(key=f"builder_{row_id}_kernel_size").set_value(5)
    first.slider(key="exp_epochs").set_value(2)
    first.text_input(key="exp_name").input("five filters 5×5").run()
    first.button(key=f"builder_{first.session_state['builder_rows'][1][0]}_remove").click().run()
    assert not first.exception
    built = [block for _, block in first.session_state["builder_rows"]]
    assert built[0].size == 5 and built[0].kernel_size == 5
    reloaded = AppTest.from_file(str(PROJECT / "pages/experiments.py"), default_timeout=TIMEOUT)
    for key, value in kept_state(first).items():
        reloaded.session_state[key] = value
    reloaded.run()
    assert not reloaded.exception
    assert [block for _, block in reloaded.session_state["builder_rows"]] == built
    assert reloaded.selectbox(key=f"builder_{row_id}_size").value == 5
    assert reloaded.slider(key="exp_epochs").value == 2
    assert reloaded.text_input(key="exp_name").value == "five filters 5×5"
