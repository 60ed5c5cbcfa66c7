"""pages/train.py in AppTest: the controls, one run from Start to its test result, and Stop.

AppTest does not fire the fragment's run_every timer, so the tests rerun the page themselves.
"""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import data, models, training
from cnnlab.figures import training_text as words
from tests import apptest_helpers

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "train.py")
TIMEOUT = 180


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "256")
    return AppTest.from_file(PAGE, default_timeout=60)


def rerun_until(at: AppTest, done) -> AppTest:
    return apptest_helpers.rerun_until(at, done, TIMEOUT)


def accuracy_line(at: AppTest) -> str | None:
    """The markdown line "Test accuracy: 0.9812", or None while there is none."""
    return next((block.value for block in at.markdown if block.value.startswith("Test accuracy: ")), None)


def test_the_page_shows_the_default_settings(page):
    at = page.run()
    assert not at.exception
    default = training.default_settings()
    assert at.title[0].value == "Train a model"
    assert at.selectbox(key="train_preset").value == default.preset
    assert at.selectbox(key="train_preset").options == [
        f"{preset.title} ({models.count_parameters(models.build_model(key)):,} weights)"
        for key, preset in models.PRESETS.items()
    ]
    assert at.selectbox(key="train_images").value.startswith("MNIST, small built-in set")
    assert at.slider(key="train_epochs").value == default.epochs
    assert at.select_slider(key="train_batch_size").value == default.batch_size
    assert at.number_input(key="train_learning_rate").value == pytest.approx(default.learning_rate)
    assert at.selectbox(key="train_schedule").value == default.schedule == "one_cycle"
    assert at.toggle(key="train_augmentation").label == "Augment: shift, tilt, thicken or thin the digits at random"
    shown = " ".join(block.value for block in [*at.markdown, *at.caption])
    assert "seed 00" not in shown and "(None" not in shown
    start = at.button(key="train_start")
    assert start.label == "Start training" and not start.disabled
    assert "training_run" not in at.session_state and "trained_model" not in at.session_state


def test_choosing_a_preset_brings_its_own_settings(page):
    at = page.run()
    at.selectbox(key="train_preset").set_value("kaggle_deep").run()
    assert at.selectbox(key="train_optimizer").value == "rmsprop"
    assert at.select_slider(key="train_batch_size").value == 64
    assert at.selectbox(key="train_schedule").value == "plateau"


def test_the_missing_sets_caption_appears_only_when_a_set_is_missing(page, monkeypatch):
    at = page.run()
    captions = [block.value for block in at.caption if "not on this server" in block.value]
    missing = training.missing_full_sets()
    assert bool(captions) == bool(missing)
    monkeypatch.setattr(data, "full_available", lambda name: name == "mnist")
    at = page.run()
    at.selectbox(key="train_images").set_value("MNIST, full set (60,000 training images)").run()
    assert not [block.value for block in at.caption if "not on this server" in block.value]
    at.selectbox(key="train_images").set_value("MNIST, small built-in set (10,000 training images)").run()
    (caption,) = [block.value for block in at.caption if "not on this server" in block.value]
    assert caption == words.missing_sets_text(["fashion_mnist"])
    assert caption.startswith("The full 60,000-image set is not on this server for Fashion-MNIST")
    monkeypatch.setattr(data, "full_available", lambda name: False)
    caption = next(block.value for block in page.run().caption if "not on this server" in block.value)
    assert "for MNIST or Fashion-MNIST" in caption and "python" not in caption and "`" not in caption


def test_fashion_augmentation_mirrors_clothes(page, monkeypatch):
    at = page.run()
    at.selectbox(key="train_images").set_value("Fashion-MNIST, small built-in set (10,000 training images)").run()
    assert at.toggle(key="train_augmentation").label == "Augment: mirror, shift and tilt the clothes at random"
    at.toggle(key="train_augmentation").set_value(True)
    at.slider(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    run = at.session_state["training_run"]
    assert run.settings.dataset == "fashion_mnist" and run.settings.augmentation
    rerun_until(at, lambda at: accuracy_line(at) is not None)
    assert run.state == "finished"


def test_a_learning_rate_of_10_is_never_shown_as_a_success(page, monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "2000")
    at = page.run()
    at.number_input(key="train_learning_rate").set_value(10.0)
    at.select_slider(key="train_batch_size").set_value(32)
    at.button(key="train_start").click().run()
    run = at.session_state["training_run"]
    rerun_until(at, lambda at: not run.is_active and at.warning)
    assert not at.success and not at.exception
    warnings = " ".join(block.value for block in at.warning)
    assert "too large" in warnings and "learning rate" in warnings


def test_start_training_runs_to_a_test_accuracy_and_shares_the_model(page):
    at = page.run()
    at.slider(key="train_epochs").set_value(1)
    at.select_slider(key="train_batch_size").set_value(32)
    at.button(key="train_start").click().run()
    assert not at.exception
    run = at.session_state["training_run"]
    assert run.settings.epochs == 1 and run.settings.batch_size == 32 and run.settings.max_train_examples == 256
    if run.is_active:  # while it runs, Start is disabled so a rerun cannot start a second run
        assert at.button(key="train_start").disabled
    rerun_until(at, lambda at: accuracy_line(at) is not None)
    assert at.session_state["training_run"] is run and run.state == "finished"
    pattern = r"Test accuracy: \*\*(\d\.\d{4})\*\* \([\d,]+ of 2,000 images right\), after [\d.]+ s of training"
    accuracy = float(re.fullmatch(pattern, accuracy_line(at)).group(1))
    assert accuracy == pytest.approx(run.result().test_accuracy, abs=5e-5)
    assert at.session_state["trained_model"] is run.result().model
    assert at.session_state["trained_dataset"] == "mnist"
    assert not at.button(key="train_start").disabled
    assert any("Your trained model" in block.value for block in at.success) or run.result().is_guessing
    table = at.dataframe[0].value
    assert list(table["Layer"]) == [row["layer"] for row in run.result().summary]
    assert list(table["Weights"]) == [f"{row['parameters']:,}" for row in run.result().summary]
    assert (
        "205,056" in list(table["Weights"])
        and not table.astype(str).apply(lambda c: c.str.contains("None")).any().any()
    )
    assert list(table["What comes out"])[1] == words.readable_shape((24, 24, 24)) == "24 maps of 24×24"
    exact = at.expander[0].dataframe[0].value
    assert list(exact["output shape"])[1] == "(None, 24, 24, 24)"  # for teachers, inside the expander
    at.run()  # a plain rerun does not start another run
    assert at.session_state["training_run"] is run


def test_stop_training_keeps_the_model_as_it_is(page, monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "4000")
    at = page.run()
    at.slider(key="train_epochs").set_value(1)
    at.select_slider(key="train_batch_size").set_value(16)
    at.button(key="train_start").click().run()
    run = at.session_state["training_run"]
    rerun_until(at, lambda at: len(run.progress().batch_loss) >= 3 and "train_stop" in [b.key for b in at.button])
    at.button(key="train_stop").click().run()
    rerun_until(at, lambda at: accuracy_line(at) is not None)
    assert run.state == "stopped"
    assert len(run.progress().batch_loss) < run.progress().batches_per_epoch
    assert any("stopped training early" in block.value for block in at.warning)
    assert at.session_state["trained_model"] is run.result().model


def test_the_run_survives_a_visit_to_another_page(monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAIN_LIMIT", "4000")
    at = AppTest.from_file(str(Path(PAGE).parent.parent / "app.py"), default_timeout=60)
    at.switch_page("pages/train.py").run()
    at.slider(key="train_epochs").set_value(8)  # 2,000 small batches: still training when the student is back
    at.select_slider(key="train_batch_size").set_value(16)
    at.button(key="train_start").click().run()
    run = at.session_state["training_run"]
    rerun_until(at, lambda at: len(run.progress().batch_loss) >= 3)
    at.switch_page("pages/concepts.py").run()
    assert not at.exception and "train_epochs" not in [slider.key for slider in at.slider]
    at.switch_page("pages/train.py").run()
    assert not at.exception and at.session_state["training_run"] is run
    assert at.slider(key="train_epochs").value == 8 and at.slider(key="train_epochs").disabled
    assert at.select_slider(key="train_batch_size").value == 16
    if run.is_active:
        assert at.button(key="train_start").disabled and len(at.get("plotly_chart")) >= 1
    run.stop()
    rerun_until(at, lambda at: accuracy_line(at) is not None)
    assert run.state == "stopped" and at.session_state["trained_model"] is run.result().model
