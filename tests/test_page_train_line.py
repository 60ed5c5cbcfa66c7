"""pages/train.py with several students at once (AppTest sessions in one process share the server's line).

Two sessions starting the same settings share one run and both get its model; a third with other
settings waits with its place in the line and can leave it.
"""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests import apptest_helpers

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "train.py")
TIMEOUT = 180


def student(monkeypatch) -> AppTest:
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "2000")
    return AppTest.from_file(PAGE, default_timeout=60).run()


def rerun_until(at: AppTest, done) -> AppTest:
    return apptest_helpers.rerun_until(at, done, TIMEOUT)


def test_two_students_with_the_same_settings_share_one_run_and_both_get_its_model(monkeypatch):
    first, second = student(monkeypatch), student(monkeypatch)
    for at in (first, second):
        at.slider(key="train_epochs").set_value(2)
        at.button(key="train_start").click().run()
    run = first.session_state["training_run"]
    assert second.session_state["training_run"] is run
    rerun_until(second, lambda at: any("2 students started this same run" in c.value for c in at.caption))
    for at in (first, second):
        rerun_until(at, lambda at: "trained_model" in at.session_state)
    assert run.state == "finished"
    assert first.session_state["trained_model"] is second.session_state["trained_model"] is run.result().model
    accuracy = [next(m.value for m in at.markdown if m.value.startswith("Test accuracy")) for at in (first, second)]
    assert accuracy[0] == accuracy[1]


def test_a_student_with_other_settings_sees_their_place_and_can_leave_the_line(monkeypatch):
    first, waiting = student(monkeypatch), student(monkeypatch)
    first.slider(key="train_epochs").set_value(30)  # long enough that the second run is still waiting
    first.button(key="train_start").click().run()
    waiting.number_input(key="train_seed").set_value(7)
    waiting.button(key="train_start").click().run()
    run = waiting.session_state["training_run"]
    assert run is not first.session_state["training_run"] and run.state == "waiting"
    place = next(block.value for block in waiting.info if "in the line" in block.value)
    assert place.startswith("Your run is number 1 in the line for training (1 run ahead of yours).")
    assert "It should start in about" in place
    waiting.button(key="train_leave").click().run()
    assert not waiting.exception and "training_run" not in waiting.session_state
    assert not waiting.button(key="train_start").disabled
    first.session_state["training_run"].stop()
    rerun_until(first, lambda at: not at.session_state["training_run"].is_active)
    assert run.thread is None  # the run that left the line never trained
