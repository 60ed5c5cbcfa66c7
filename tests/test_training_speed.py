"""cnnlab.training's fast path: schedules, batches per call, divergence stops, recipes, the terminal command."""

import math
import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from cnnlab import config, models, pipeline, training
from cnnlab.figures import training as figures
from cnnlab.figures import training_text as words
from cnnlab.training import divergence, schedules

TIMEOUT = 180


def tiny(**changes) -> training.TrainingSettings:
    """One epoch over 256 embedded MNIST images in batches of 32: 8 batches."""
    return training.default_settings(**({"epochs": 1, "max_train_examples": 256, "batch_size": 32} | changes))


def run_to_end(settings) -> training.TrainingRun:
    run = training.TrainingRun(settings, training.SlotPool(1))
    run.start()
    assert run.join(TIMEOUT), "the run did not end in time"
    return run


def test_one_cycle_warms_up_then_falls_to_zero_at_the_last_step():
    rate = schedules.learning_rate("one_cycle", 0.01, total_steps=100, warmup_fraction=0.2)
    values = np.array([float(rate(step)) for step in range(101)])
    assert values[0] == 0.0 and values[20] == pytest.approx(0.01)
    assert np.allclose(values[:21], np.linspace(0, 0.01, 21), atol=1e-7)
    assert np.all(np.diff(values[20:]) < 0) and values[100] == pytest.approx(0.0, abs=1e-9)
    assert values[60] == pytest.approx(0.005, rel=1e-4)  # halfway down the cosine, half the peak


def test_constant_and_plateau_keep_a_number_and_only_plateau_adds_the_halving():
    assert schedules.learning_rate("constant", 0.002, 50) == 0.002
    assert schedules.learning_rate("plateau", 0.002, 50) == 0.002
    assert schedules.plateau_callbacks("constant") == []
    (halving,) = schedules.plateau_callbacks("plateau")
    assert isinstance(halving, keras.callbacks.ReduceLROnPlateau) and halving.factor == 0.5
    with pytest.raises(ValueError, match="Unknown schedule"):
        schedules.learning_rate("cyclic", 0.01, 10)


def test_a_plateau_run_halves_the_rate_when_validation_stalls():
    run = run_to_end(tiny(schedule="plateau", optimizer="sgd", learning_rate=1e-5, epochs=3, steps_per_execution=8))
    rates = run.progress().learning_rates
    assert rates[0] == pytest.approx(1e-5) and min(rates) < 1e-5  # a tiny step barely moves validation accuracy


def test_batches_per_call_give_about_the_same_work_per_call():
    fast, deep = models.build_model("fast_cnn"), models.build_model("kaggle_deep")
    assert schedules.steps_per_execution(fast, 256) == 10 and schedules.steps_per_execution(fast, 128) == 20
    assert schedules.steps_per_execution(fast, 16) == schedules.MOST_STEPS_PER_CALL
    assert schedules.steps_per_execution(deep, 64) == 1


def test_a_grouped_run_records_one_point_per_group_honestly():
    run = run_to_end(tiny(steps_per_execution=3))
    progress = run.progress()
    assert progress.steps_per_execution == 3 and progress.batch_ends == [3, 6, 8]
    sizes = np.diff([0, *progress.batch_ends]) * 32
    assert np.average(progress.batch_loss, weights=sizes) == pytest.approx(progress.epoch_loss[0], abs=1e-4)
    assert len(progress.learning_rates) == 3 and progress.learning_rates[-1] == pytest.approx(0.0, abs=1e-9)
    curves = figures.learning_curves(**progress.curves())
    assert curves.data[0].name == "each group of 3 batches (their mean)"
    assert list(curves.data[0].x) == pytest.approx([3 / 8, 6 / 8, 1.0])


def test_check_tells_a_healthy_loss_from_nan_blown_up_and_stuck():
    ends = list(range(1, 101))
    assert divergence.check([], []) == (None, {})
    assert divergence.check([2.3] * 10 + [math.nan], ends[:11])[0] == divergence.NOT_A_NUMBER
    assert divergence.check([2.3] + [50.0] * 30, ends[:31])[0] == divergence.BLOWN_UP
    assert divergence.check([2.3] * 100, ends)[0] == divergence.AT_CHANCE
    assert divergence.check([2.3] * 100, ends, patience=200) == (None, {})  # still warming up
    healthy = list(np.linspace(2.3, 0.2, 100))
    assert divergence.check(healthy, ends) == (None, {})
    code, details = divergence.check([2.3] * 5, [20, 40, 60, 80, 100])  # groups of 20 batches
    assert code == divergence.AT_CHANCE and details["batches"] == 100 and details["recent"] == 20


@pytest.mark.parametrize("schedule", ["constant", "one_cycle"])
def test_a_learning_rate_of_10_stops_early_and_says_why(schedule):
    run = run_to_end(tiny(learning_rate=10.0, schedule=schedule, max_train_examples=4000, epochs=3))
    progress = run.progress()
    assert run.state == "stopped" and run.divergence in (divergence.BLOWN_UP, divergence.NOT_A_NUMBER)
    assert progress.batch_ends[-1] < 3 * progress.batches_per_epoch
    kinds = [kind for kind, _ in words.ending_messages(run)]
    assert "success" not in kinds
    text = " ".join(text for _, text in words.ending_messages(run))
    assert "Training stopped early" in text and "learning rate" in text and "too large" in text


def test_a_run_that_ends_at_chance_is_never_a_success():
    run = run_to_end(tiny(optimizer="sgd", learning_rate=1e-5, schedule="constant"))
    result = run.result()
    assert run.state == "finished" and result.is_guessing and result.test_accuracy < 0.2
    messages = words.ending_messages(run)
    assert [kind for kind, _ in messages] == ["warning"]
    assert "The network is guessing" in messages[0][1] and "too large" in messages[0][1]


def test_the_default_is_the_fast_recipe_with_its_own_optimizer_settings():
    default = training.default_settings()
    assert default.preset == "fast_cnn" and default.schedule == "one_cycle" and default.dropout == 0
    assert default.batch_size == 128 and default.epochs == 3 and default.learning_rate == 0.01
    assert dict(default.optimizer_options) == {"beta_1": 0.7, "beta_2": 0.9}
    assert training.default_settings(optimizer="sgd").optimizer_options == ()
    from_page = training.settings_from_controls(preset="kaggle_deep", optimizer="rmsprop")
    assert from_page.optimizer_options == ()


def test_recipes_name_their_settings():
    fast = training.recipe_settings("fast", source="full")
    assert (fast.preset, fast.epochs, fast.source, fast.batch_size) == ("fast_cnn", 2, "full", 256)
    assert training.recipe_settings("kaggle_deep").schedule == "plateau"
    with pytest.raises(ValueError, match="Unknown recipe"):
        training.recipe_settings("fastest")


def test_a_network_from_elsewhere_trains_through_the_settings():
    preset = models.Preset("tiny_net", "Tiny", "a test", "one conv", (("conv", 4, 3, "valid"), ("pool",), ("flatten",)))
    run = run_to_end(tiny(preset=preset))
    assert run.state == "finished" and run.result().model.name == "tiny_net"
    assert [kernels.shape for kernels in run.progress().kernels] == [(3, 3, 1, 4)] * 2


def test_the_terminal_command_trains_and_prints_the_test_accuracy(tmp_path):
    saved = tmp_path / "model.keras"
    command = [sys.executable, "-m", "cnnlab.training", "--recipe", "fast", "--source", "embedded"]
    command += ["--epochs", "1", "--limit", "512", "--save", str(saved)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, cwd=config.PROJECT_DIR, env=os.environ
    )
    assert done.returncode == 0, done.stderr[-2000:]
    accuracy = float(re.search(r"^Test accuracy: (\d\.\d{4}) \(2,000 test images\)$", done.stdout, re.M)[1])
    assert re.search(r"^Training: [\d.]+ s; wall time of the command: [\d.]+ s$", done.stdout, re.M)
    assert "[" + "#" * 30 + "] 100%" in done.stdout  # the progress bar reached its end
    model = keras.saving.load_model(saved, compile=False, safe_mode=True)
    assert [layer.name for layer in model.layers][1:4] == ["conv_1", "pool_1", "relu_1"]
    assert 0.0 <= accuracy <= 1.0


def test_the_terminal_command_refuses_bad_input_with_a_sentence():
    command = [sys.executable, "-m", "cnnlab.training", "--epochs", "0", "--source", "embedded"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=config.PROJECT_DIR)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "The number of epochs must be a whole number from 1 to 200." in done.stderr


@pytest.mark.parametrize(("dataset", "clothes"), [("fashion_mnist", True), ("mnist", False)])
def test_augmentation_treats_clothes_as_clothes(monkeypatch, dataset, clothes):
    calls = []
    real = pipeline.make_dataset

    def spy(*arguments, **options):
        calls.append(options)
        return real(*arguments, **options)

    monkeypatch.setattr(pipeline, "make_dataset", spy)
    plan = training.prepare(tiny(dataset=dataset, augmentation=True))
    assert calls == [{"augmentation": 1.0, "seed": 1, "clothes": clothes}]
    images, _ = next(iter(plan.batches))
    assert images.shape == (32, 28, 28, 1) and images.dtype == "float32"


def test_sentences_use_separators_and_no_commands():
    assert words.missing_sets_text(["fashion_mnist"]) == (
        "The full 60,000-image set is not on this server for Fashion-MNIST, so only its small built-in set is offered."
    )
    both = words.missing_sets_text(["mnist", "fashion_mnist"])
    assert both.endswith("for MNIST or Fashion-MNIST, so only the small built-in sets are offered.")
    assert "python" not in both and "`" not in both
    assert words.readable_shape((24, 24, 24)) == "24 maps of 24×24" and words.readable_shape((3136,)) == "3,136 numbers"
    assert "each group of 10 batches" in words.curves_text(10) and "Faint line: each batch;" in words.curves_text(1)
