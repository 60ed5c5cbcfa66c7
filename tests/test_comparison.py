"""cnnlab.comparison and cnnlab.figures.compare: the bounded book of runs, the settings table, the overlays."""

import numpy as np
import pytest

from cnnlab import builder, comparison, training
from cnnlab.builder import Block
from cnnlab.figures import compare


def ended_run(**changes) -> training.TrainingRun:
    """A run stopped before it trained: not active, no model (it holds its settings all the same)."""
    run = training.TrainingRun(training.default_settings(**changes), training.SlotPool(1))
    run.stop()
    run.start()
    assert run.join(30) and not run.is_active
    return run


def test_the_book_numbers_runs_and_drops_the_oldest_past_its_count():
    book = comparison.RunBook(max_runs=3)
    entries = [book.add(ended_run(seed=seed), f"seed {seed}") for seed in range(5)]
    assert [entry.number for entry in book.entries] == [3, 4, 5]
    assert book.dropped == ["Run 1: seed 0", "Run 2: seed 1"]
    assert book.find(1) is None and book.find(4) is entries[3]
    assert entries[4].label == "Run 5: seed 4"


def test_the_book_drops_runs_when_the_kept_weights_are_too_many():
    guide = comparison.weights_of(training.default_settings())
    book = comparison.RunBook(max_runs=10, max_weights=2 * guide + 1)
    for seed in range(3):
        book.add(ended_run(seed=seed), "")
    assert [entry.number for entry in book.entries] == [2, 3]
    assert book.dropped == ["Run 1: run 1"]


def test_a_run_still_training_is_never_dropped():
    book = comparison.RunBook(max_runs=1)
    waiting = training.TrainingRun(training.default_settings(), training.SlotPool(1))  # never started: waiting
    book.add(waiting, "waiting")
    book.add(training.TrainingRun(training.default_settings(), training.SlotPool(1)), "also waiting")
    assert len(book.entries) == 2 and book.dropped == []
    assert book.active == book.entries and book.finished == []


def test_the_settings_table_marks_exactly_the_rows_that_differ():
    blocks = (Block("conv", size=4), Block("activation"), Block("dense", size=16))
    book = comparison.RunBook()
    first = book.add(ended_run(seed=1, architecture=blocks, dropout=0.0), "mine")
    second = book.add(ended_run(seed=2), "guide")
    rows = {row["setting"]: row for row in comparison.settings_table([first, second])}
    differing = {name for name, row in rows.items() if row["differs"]}
    assert differing == {"Network", "Weights", "Random seed", "Dropout before the output"}
    assert rows["Network"][first.label] == "conv 4 3×3 → relu → dense 16 relu → output"
    assert rows["Weights"][first.label] == f"{builder.plan(blocks).weights:,}"
    default_preset = second.run.settings.preset
    assert rows["Weights"][second.label] == f"{builder.plan(builder.from_preset(default_preset)).weights:,}"
    assert rows["Test accuracy"][first.label] == "nan"
    assert not comparison.only_luck_differs(list(rows.values()))
    twin = book.add(ended_run(seed=9, architecture=blocks, dropout=0.0), "mine again")
    assert comparison.only_luck_differs(comparison.settings_table([first, twin]))


def test_training_images_follow_the_source_split_and_limit():
    assert comparison.training_images("embedded") == 9_000
    assert comparison.training_images("full") == 54_000
    assert comparison.training_images("full", limit=600) == 600


def test_curves_overlay_draws_each_run_in_one_colour_training_dashed():
    names = ("epoch_loss", "val_loss", "epoch_accuracy", "val_accuracy")
    curves = {
        "Run 1: a": dict(zip(names, ([2.0, 1.0], [1.5, 0.9], [0.3, 0.6], [0.5, 0.7]), strict=True)),
        "Run 2: b": dict(zip(names, ([1.8], [1.2], [0.4], [0.6]), strict=True)),
    }
    figure = compare.curves_overlay(curves)
    assert len(figure.data) == 8
    for label, run in curves.items():
        traces = [trace for trace in figure.data if trace.legendgroup == label]
        assert len({trace.line.color for trace in traces}) == 1
        by_name = {(trace.name, trace.xaxis): trace for trace in traces}
        np.testing.assert_array_equal(by_name[(f"{label} · training", "x")].y, run["epoch_loss"])
        np.testing.assert_array_equal(by_name[(f"{label} · validation", "x2")].y, run["val_accuracy"])
        assert by_name[(f"{label} · training", "x")].line.dash == "dash"
        assert by_name[(f"{label} · validation", "x")].line.dash == "solid"
    assert figure.data[0].line.color != figure.data[4].line.color


def test_the_mosaic_places_every_picture_and_keeps_the_shared_scale():
    stack = np.arange(2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5) - 10
    figure = compare.mosaic(stack, "five", limit=40.0, columns=2)
    picture = np.asarray(figure.data[0].z, dtype=np.float64)
    assert picture.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_array_equal(picture[0:2, 4:7], stack[:, :, 1])
    np.testing.assert_array_equal(picture[6:8, 0:3], stack[:, :, 4])
    assert np.isnan(picture[6:8, 4:7]).all()
    assert (figure.data[0].zmin, figure.data[0].zmax) == (-40.0, 40.0)
    assert compare.mosaic(stack, "own scale").data[0].zmax == pytest.approx(np.abs(stack).max())
