"""cnnlab.training: a run's states, progress, stop, slots, abandonment, reproducibility, settings; its figures.

Schedules, divergence, recipes and the terminal command are in tests/test_training_speed.py.
"""

import dataclasses
import threading
import time

import keras
import numpy as np
import pytest

from cnnlab import config, data, models, pipeline, training
from cnnlab.figures import style
from cnnlab.figures import training as figures
from cnnlab.figures import training_text as words

TIMEOUT = 180


def tiny(**changes) -> training.TrainingSettings:
    """One epoch over 256 embedded MNIST images in batches of 32: 8 batches, one per call (a point per batch)."""
    base = {"epochs": 1, "max_train_examples": 256, "batch_size": 32, "steps_per_execution": 1}
    return training.default_settings(**(base | changes))


def run_to_end(settings, pool=None, keep_going=lambda: True) -> training.TrainingRun:
    run = training.TrainingRun(settings, pool or training.SlotPool(1), keep_going=keep_going)
    run.start()
    assert run.join(TIMEOUT), "the run did not end in time"
    return run


def stop_after_calls(count: int):
    """A keep_going that asks `run` to stop on its count-th call (call 1 is just before fit)."""
    calls = {"count": 0, "run": None}

    def keep_going():
        calls["count"] += 1
        if calls["count"] == count:
            calls["run"].stop()
        return True

    return calls, keep_going


@pytest.fixture(scope="module")
def finished():
    return run_to_end(tiny())


def test_a_tiny_run_finishes_with_a_tested_model(finished):
    result, progress = finished.result(), finished.progress()
    assert finished.state == "finished" and finished.error is None
    assert 0.0 <= result.test_accuracy <= 1.0
    (_, _), (x_test, y_test) = data.load_dataset("mnist", "embedded")
    assert result.test_count == len(y_test) == result.confusion.sum()
    assert np.array_equal(result.confusion.sum(axis=1), np.bincount(y_test, minlength=10))
    assert np.trace(result.confusion) == round(result.test_accuracy * len(y_test))
    keras_loss, keras_accuracy = result.model.evaluate(pipeline.to_model_input(x_test), y_test, verbose=0)
    assert result.test_loss == pytest.approx(keras_loss, abs=1e-4)
    assert result.test_accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    assert result.summary == models.summary_rows(result.model)
    assert progress.state == "finished" and progress.total_epochs == 1 and progress.epoch == 1


def test_progress_has_one_value_per_batch_and_per_epoch(finished):
    progress = finished.progress()
    assert progress.batches_per_epoch == 8 and progress.batch == 8 and progress.fraction == 1.0
    assert len(progress.batch_loss) == len(progress.batch_accuracy) == len(progress.learning_rates) == 8
    assert progress.batch_ends == list(range(1, 9)) and progress.steps_per_execution == 1
    assert len(progress.epoch_loss) == len(progress.val_accuracy) == 1
    # The per-batch values are Keras's running means taken apart again: their mean is the epoch's.
    assert np.mean(progress.batch_loss) == pytest.approx(progress.epoch_loss[0], abs=1e-4)
    assert np.mean(progress.batch_accuracy) == pytest.approx(progress.epoch_accuracy[0], abs=1e-5)
    correct = np.array(progress.batch_accuracy) * 32  # whole images right in each batch of 32
    assert np.allclose(correct, np.round(correct), atol=1e-3)
    # One cycle over 8 steps: 2 of warm-up up to 0.01 (read after each step), then a cosine down to 0.
    assert progress.learning_rates[1] == pytest.approx(training.default_settings().learning_rate)
    assert progress.learning_rates[-1] == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(progress.learning_rates[1:]) < 0)
    assert [kernels.shape for kernels in progress.kernels] == [(5, 5, 1, 24)] * 2  # before training, after epoch 1
    assert not np.allclose(progress.kernels[0], progress.kernels[1])


def test_mistakes_are_wrong_and_sorted_and_samples_are_the_first_test_images(finished):
    result = finished.result()
    mistakes, samples = result.mistakes, result.samples
    assert 0 < len(mistakes.indices) <= training.evaluation.TOP_MISTAKES
    assert np.all(mistakes.true != mistakes.predicted)
    assert np.all(np.diff(mistakes.confidence) <= 0)
    (_, _), (x_test, y_test) = data.load_dataset("mnist", "embedded")
    assert np.array_equal(samples.indices, np.arange(10)) and np.array_equal(samples.true, y_test[:10])
    assert np.array_equal(samples.images, x_test[:10]) and samples.images.dtype == np.uint8
    probabilities = np.asarray(result.model(pipeline.to_model_input(x_test[:10])))
    assert np.array_equal(samples.predicted, probabilities.argmax(axis=1))


def test_stop_mid_epoch_keeps_a_usable_model():
    calls, keep_going = stop_after_calls(3)
    run = training.TrainingRun(tiny(), training.SlotPool(1), keep_going=keep_going)
    calls["run"] = run
    run.start()
    assert run.join(TIMEOUT)
    progress, result = run.progress(), run.result()
    assert run.state == "stopped" and not run.abandoned
    assert len(progress.batch_loss) == 3 < progress.batches_per_epoch
    outputs = np.asarray(result.model(np.zeros((2, 28, 28, 1), np.float32)))
    assert np.allclose(outputs.sum(axis=1), 1.0, atol=1e-5)
    assert result.confusion.sum() == result.test_count


def test_stop_from_another_thread_stops_within_an_epoch():
    run = training.TrainingRun(tiny(max_train_examples=4000, batch_size=16), training.SlotPool(1))
    run.start()
    deadline = time.monotonic() + TIMEOUT
    while len(run.progress().batch_loss) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    run.stop()
    assert run.join(TIMEOUT)
    assert run.state == "stopped"
    assert 3 <= len(run.progress().batch_loss) < run.progress().batches_per_epoch == 250


def test_two_runs_never_share_a_model_or_progress():
    pool = training.SlotPool(2)
    first = training.TrainingRun(tiny(batch_size=32), pool)
    second = training.TrainingRun(tiny(batch_size=64), pool)
    first.start(), second.start()
    assert first.join(TIMEOUT) and second.join(TIMEOUT)
    assert first.state == second.state == "finished"
    assert first.result().model is not second.result().model
    assert len(first.progress().batch_loss) == 8 and len(second.progress().batch_loss) == 4
    assert pool.in_use == 0


def test_a_second_run_waits_for_the_only_slot():
    pool, gate = training.SlotPool(1), threading.Event()
    first = training.TrainingRun(tiny(), pool, keep_going=lambda: gate.wait(TIMEOUT))
    second = training.TrainingRun(tiny(), pool)
    first.start()
    deadline = time.monotonic() + TIMEOUT
    while first.state != "training" and time.monotonic() < deadline:
        time.sleep(0.05)
    second.start()
    time.sleep(1.0)
    assert first.state == "training" and second.state == "waiting" and second.progress().state == "waiting"
    assert pool.in_use == 1
    gate.set()
    assert first.join(TIMEOUT) and second.join(TIMEOUT)
    assert first.state == second.state == "finished" and pool.in_use == 0


def test_a_closed_tab_ends_the_worker_and_frees_the_slot():
    pool, calls = training.SlotPool(1), []
    run = training.TrainingRun(tiny(), pool, keep_going=lambda: calls.append(1) or len(calls) < 3)
    run.start()
    run.thread.join(TIMEOUT)
    assert not run.thread.is_alive()
    assert run.state == "stopped" and run.abandoned and run.result() is None
    assert len(run.progress().batch_loss) == 2
    assert pool.in_use == 0


def test_a_waiting_run_whose_tab_closed_never_trains():
    pool = training.SlotPool(1)
    assert pool.acquire(give_up=lambda: False)
    run = training.TrainingRun(tiny(), pool, keep_going=lambda: False)
    run.start()
    assert run.join(10)
    assert run.state == "stopped" and run.progress().batch_loss == [] and pool.in_use == 1
    pool.release()


def test_stop_while_waiting_ends_the_run_without_a_model():
    pool = training.SlotPool(1)
    assert pool.acquire(give_up=lambda: False)
    run = training.TrainingRun(tiny(), pool)
    run.start()
    time.sleep(0.5)
    assert run.state == "waiting"
    run.stop()
    assert run.join(10)
    assert run.state == "stopped" and not run.abandoned and run.result() is None and pool.in_use == 1
    pool.release()


def test_a_failure_becomes_a_message_and_frees_the_slot(monkeypatch):
    def unavailable(name, source):
        raise data.DatasetUnavailable("The full mnist dataset could not be found.")

    monkeypatch.setattr(data, "load_dataset", unavailable)
    pool = training.SlotPool(1)
    run = run_to_end(tiny(source="full"), pool)
    assert run.state == "failed" and run.result() is None
    assert run.error == "Training failed: The full mnist dataset could not be found."
    assert pool.in_use == 0


def test_the_same_seed_repeats_the_losses_and_another_seed_does_not():
    first, again, other = (run_to_end(tiny(seed=seed)).progress() for seed in (7, 7, 8))
    assert np.allclose(first.batch_loss, again.batch_loss, atol=1e-5, rtol=0)
    assert np.allclose(first.kernels[0], again.kernels[0])
    assert not np.allclose(first.batch_loss, other.batch_loss, atol=1e-3, rtol=0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dataset": "cifar"}, "dataset must be one of"),
        ({"source": "auto"}, "source must be"),
        ({"preset": "resnet"}, "preset must be one of"),
        ({"epochs": 0}, "number of epochs"),
        ({"epochs": 2.5}, "number of epochs"),
        ({"batch_size": True}, "batch size"),
        ({"optimizer": "lion"}, "optimizer must be one of"),
        ({"learning_rate": 0}, "learning rate"),
        ({"dropout": 1.0}, "Dropout"),
        ({"validation_split": 0.0}, "validation split"),
        ({"seed": -1}, "seed"),
        ({"max_train_examples": 0}, "limit on training examples"),
        ({"schedule": "step"}, "schedule must be one of"),
        ({"warmup_fraction": 1.0}, "warm-up share"),
        ({"steps_per_execution": 0}, "Steps per execution"),
        ({"optimizer_options": (("momentum", 0.9),)}, "not arguments of adam"),
    ],
)
def test_settings_refuse_impossible_values(changes, message):
    with pytest.raises(ValueError, match=message):
        training.default_settings(**changes)


def test_slot_pool_capacity_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(training.SLOTS_ENV, "3")
    assert training.SlotPool().capacity == 3
    monkeypatch.delenv(training.SLOTS_ENV)
    assert training.SlotPool().capacity == 1
    monkeypatch.setenv(training.SLOTS_ENV, "many")
    with pytest.raises(ValueError, match="positive whole number"):
        training.SlotPool()
    with pytest.raises(ValueError, match="at least 1"):
        training.SlotPool(0)


def test_dataset_choices_offer_full_sets_only_when_present():
    assert list(training.dataset_choices(lambda name: False).values()) == [
        ("mnist", "embedded"),
        ("fashion_mnist", "embedded"),
    ]
    everything = training.dataset_choices(lambda name: True).values()
    assert set(everything) == {(name, source) for name in config.DATASET_NAMES for source in training.SOURCES}


def test_preset_settings_are_the_presets_own(finished):
    assert training.preset_settings("kaggle_deep") == {
        "optimizer": "rmsprop",
        "learning_rate": 0.001,
        "batch_size": 64,
        "dropout": 0.0,
        "schedule": "plateau",
        "optimizer_options": (),
    }
    training.default_settings(**training.preset_settings("textbook_cnn"))  # valid settings


def test_model_bytes_round_trip(finished, tmp_path):
    model = finished.result().model
    path = tmp_path / "model.keras"
    path.write_bytes(training.model_bytes(model))
    loaded = keras.saving.load_model(path, compile=False, safe_mode=True)
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    assert np.allclose(np.asarray(loaded(images)), np.asarray(model(images)), atol=1e-6)


def test_progress_text_reads_like_a_sentence(finished):
    text = words.progress_text(finished.progress())
    assert text.startswith("Epoch 1 of 1 · batch 8 of 8 · ") and "learning rate 0 " not in text
    busy = dataclasses.replace(finished.progress(), batch=1234, batches_per_epoch=4321, learning_rate=0.0061)
    assert "batch 1,234 of 4,321" in words.progress_text(busy) and "learning rate 0.0061" in words.progress_text(busy)
    waiting = dataclasses.replace(finished.progress(), state="waiting")
    assert words.progress_text(waiting) == "Waiting for a free training slot…"


def test_smooth_is_an_unbiased_moving_average():
    assert np.allclose(figures.smooth([2.0, 2.0, 2.0]), 2.0)
    assert figures.smooth([0.0, 1.0], weight=0.5)[1] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="smoothing weight"):
        figures.smooth([1.0], weight=1.0)


def test_kernel_mosaic_places_each_kernel_between_gaps():
    kernels = np.arange(3 * 3 * 10, dtype=np.float32).reshape(3, 3, 1, 10)
    mosaic = figures.kernel_mosaic(kernels, columns=4)
    assert mosaic.shape == (3 * 4 - 1, 4 * 4 - 1)
    assert np.array_equal(mosaic[4:7, 4:7], kernels[:, :, 0, 5])
    assert np.isnan(mosaic[3]).all() and np.isnan(mosaic[:, 3]).all()
    assert np.isnan(mosaic[8:, 8:]).all()  # no kernels 10 and 11
    with pytest.raises(ValueError, match="first conv layer"):
        figures.kernel_mosaic(np.zeros((3, 3, 32, 64)))


def test_the_filters_of_a_run_speak_the_one_colour_language():
    kernels = np.random.default_rng(0).normal(size=(3, 3, 1, 4)).astype(np.float32)
    heatmap = figures.kernel_grid(kernels).data[0]
    assert [list(step) for step in heatmap.colorscale] == [list(step) for step in style.SIGNED_COLORSCALE]
    assert heatmap.zmin == -heatmap.zmax  # symmetric around 0


def test_result_figures_carry_the_numbers(finished):
    result = finished.result()
    confusion = figures.confusion_matrix(result.confusion, config.CLASS_NAMES["mnist"])
    assert np.array_equal(np.asarray(confusion.data[0].z), result.confusion)
    samples = result.samples
    grid = figures.predictions_grid(samples.images, samples.true, samples.predicted, config.CLASS_NAMES["mnist"])
    titles = [annotation.text for annotation in grid.layout.annotations]
    assert titles[0] == f"Pred: {samples.predicted[0]}<br>True: {samples.true[0]}"
    colours = [annotation.font.color for annotation in grid.layout.annotations]
    assert [colour == figures.WRONG_COLOUR for colour in colours] == list(samples.predicted != samples.true)
    assert all(annotation.font.size >= 16 for annotation in grid.layout.annotations)  # readable on a projector
    progress = finished.progress()
    curves = figures.learning_curves(**progress.curves())
    assert len(curves.data) == 9 and list(curves.data[0].x) == [step / 8 for step in range(1, 9)]
    assert curves.data[0].name == "each batch"
    rate = curves.data[-1]
    assert rate.xaxis == "x3" and list(rate.y) == pytest.approx(progress.learning_rates)


def test_long_curves_are_thinned_but_keep_their_last_point():
    values = list(np.linspace(1.0, 0.0, 2500))
    ends = list(range(1, 2501))
    curves = figures.learning_curves(values, values, ends, values, [0.5], [0.5], [0.4], [0.4], batches_per_epoch=500)
    raw, smoothed = curves.data[0], curves.data[1]
    assert len(raw.x) <= figures.MAX_POINTS and raw.x[-1] == 5.0 and raw.y[-1] == 0.0
    assert smoothed.y[-1] == pytest.approx(figures.smooth(values)[-1])
