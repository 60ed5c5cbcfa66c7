"""pages/experiments.py in AppTest: the builder's rows follow the widgets, refusals stop Start, runs are compared.

AppTest does not fire the fragment's run_every timer, so the tests rerun the page themselves.
"""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import builder
from tests import apptest_helpers

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 240


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "256")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/experiments.py").run()
    assert not at.exception
    return at


def rerun_until(at: AppTest, done) -> AppTest:
    return apptest_helpers.rerun_until(at, done, TIMEOUT)


def decoded(values) -> np.ndarray:
    """An array from a plotly JSON spec: a list, or plotly's base64 typed array {"dtype", "bdata"}."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def shown_rows(at: AppTest) -> list[str]:
    """The markdown of every row's shape and weights, in order."""
    return [
        block.value
        for block in at.markdown
        if block.value.endswith(" weights") and not block.value.startswith("**Total")
    ]


def total_line(at: AppTest) -> str:
    return next(block.value for block in at.markdown if block.value.startswith("**Total: "))


def test_the_rows_show_the_guide_network_as_the_builder_plans_it(page):
    plan = builder.plan(builder.from_preset("guide_cnn"), images=256)
    expected = [f"{builder.shape_words(row.shape)} · **{row.weights:,}** weights" for row in plan.rows]
    assert shown_rows(page) == expected
    assert total_line(page).startswith(f"**Total: {plan.weights:,} weights**")
    assert not page.button(key="exp_start").disabled


def test_changing_a_row_changes_its_shape_weights_and_the_total(page):
    first = page.session_state["builder_rows"][0][0]
    page.selectbox(key=f"builder_{first}_size").set_value(5)
    page.selectbox(key=f"builder_{first}_kernel_size").set_value(5)
    page.selectbox(key=f"builder_{first}_padding").set_value("same").run()
    assert shown_rows(page)[0] == f"28×28×5: 5 maps of 28×28 · **{(5 * 5 + 1) * 5}** weights"
    blocks = tuple(block for _, block in page.session_state["builder_rows"])
    assert total_line(page).startswith(f"**Total: {builder.plan(blocks).weights:,} weights**")


def test_a_collapsing_network_is_refused_before_start(page):
    first = page.session_state["builder_rows"][0][0]
    page.selectbox(key=f"builder_{first}_kernel_size").set_value(7)
    page.selectbox(key=f"builder_{first}_stride").set_value(2).run()
    page.selectbox(key="builder_add_kind").set_value("pool").run()
    page.button(key="builder_add").click().run()
    kinds = [block.kind for block in builder_blocks(page)]
    assert kinds == ["conv", "activation", "pool", "conv", "activation", "pool", "pool", "dense"]
    assert page.error[0].value.startswith("pool_3: max pooling halves a 1×1 map to nothing.")
    assert page.button(key="exp_start").disabled


def test_a_network_too_large_for_a_class_is_refused_before_start(page):
    page.selectbox(key="builder_preset").set_value("mlp_baseline")
    page.button(key="builder_load").click().run()
    for row_id, _ in page.session_state["builder_rows"]:
        page.selectbox(key=f"builder_{row_id}_size").set_value(2048)
    page.run()
    weights = builder.plan(builder_blocks(page)).weights
    assert weights > builder.MAX_WEIGHTS
    assert page.error[0].value.startswith(f"This network has {weights:,} weights; a class server trains at most")
    assert page.button(key="exp_start").disabled


def test_presets_load_and_rows_can_be_added_and_removed(page):
    page.selectbox(key="builder_preset").set_value("mlp_baseline")
    page.button(key="builder_load").click().run()
    assert [block.kind for _, block in page.session_state["builder_rows"]] == ["dense", "dense"]
    first = page.session_state["builder_rows"][0][0]
    page.button(key=f"builder_{first}_remove").click().run()
    page.selectbox(key="builder_add_kind").set_value("conv")
    page.selectbox(key="builder_add_after").set_value(-1)
    page.button(key="builder_add").click().run()
    kinds = [block.kind for _, block in page.session_state["builder_rows"]]
    assert kinds == ["conv", "dense"]
    assert total_line(page).startswith(f"**Total: {builder.plan(builder_blocks(page)).weights:,} weights**")


def builder_blocks(at: AppTest) -> tuple:
    return tuple(block for _, block in at.session_state["builder_rows"])


def test_two_runs_are_trained_compared_and_one_becomes_the_model_of_the_other_pages(page):
    first = page.session_state["builder_rows"][0][0]
    page.selectbox(key=f"builder_{first}_size").set_value(4)
    page.number_input(key="exp_seed").set_value(3)
    page.toggle(key="exp_two_seeds").set_value(True)
    page.button(key="exp_start").click().run()
    book = page.session_state["experiment_runs"]
    assert len(book.entries) == 2
    assert {entry.run.settings.architecture for entry in book.entries} == {builder_blocks(page)}
    assert book.entries[0].run.settings.seed == 3 and book.entries[1].run.settings.seed != 3
    rerun_until(page, lambda at: not at.session_state["experiment_runs"].active).run()  # drawn once both ended
    assert all(entry.run.state == "finished" for entry in book.entries)
    traces = json.loads(page.get("plotly_chart")[0].proto.spec)["data"]
    labels = [entry.label for entry in book.entries]
    assert labels == ["Run 1: your network (seed 3)", f"Run 2: your network (seed {book.entries[1].run.settings.seed})"]
    for entry in book.entries:
        progress = entry.run.progress()
        for part, loss, accuracy in (
            ("training", "epoch_loss", "epoch_accuracy"),
            ("validation", "val_loss", "val_accuracy"),
        ):
            drawn = [decoded(trace["y"]).tolist() for trace in traces if trace["name"] == f"{entry.label} · {part}"]
            assert drawn == [getattr(progress, loss), getattr(progress, accuracy)]
    table = page.table[0].value
    assert list(table.columns) == labels
    assert table.loc["Random seed"].tolist() == [str(entry.run.settings.seed) for entry in book.entries]
    assert "differ only in their random seed" in page.info[0].value
    accuracy = [f"{entry.run.result().test_accuracy:.4f}" for entry in book.entries]
    assert table.loc["Test accuracy"].tolist() == accuracy
    page.button(key=f"exp_use_{book.entries[1].number}").click().run()
    assert page.session_state["trained_model"] is book.entries[1].run.result().model
    assert page.session_state["model_choice"] == "trained"
    assert page.session_state["training_run"] is book.entries[1].run

    page.selectbox(key="board_run").set_value(book.entries[0].number)
    page.text_input(key="board_name").input("group B")
    page.button(key="board_share").click().run()
    board_table = page.table[-1].value
    shared_row = [label for label in board_table.index if label.endswith(" group B")]
    assert len(shared_row) == 1
    assert board_table.loc[shared_row[0], "test accuracy"] == accuracy[0]
    page.checkbox(key="board_sure").check().run()
    page.button(key="board_clear").click().run()
    assert "The class board is empty" in page.info[-1].value
    assert not page.checkbox(key="board_sure").value


def test_the_book_keeps_the_train_pages_run(page):
    from cnnlab import training

    run = training.TrainingRun(training.default_settings(epochs=1, max_train_examples=64), training.SlotPool(1))
    page.session_state["training_run"] = run
    page.run()
    assert page.session_state["experiment_runs"].holds(run)
