"""The runs of one class session, kept side by side: a bounded book of runs and what tells them apart.

A `RunBook` holds the session's `TrainingRun`s under a number and a name. It is bounded twice: at
most MAX_RUNS runs, and at most MAX_KEPT_WEIGHTS weights over all kept models (a model's weights,
with Adam's two moments, take about 12 bytes each), so that 30 sessions on one server stay small.
The oldest finished runs go first; a run still training is never dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnlab import builder, training

MAX_RUNS = 6
MAX_KEPT_WEIGHTS = 8_000_000
SETTING_NAMES = {
    "network": "Network",
    "weights": "Weights",
    "images": "Images",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "dropout": "Dropout before the output",
    "augmentation": "Augmentation",
    "seed": "Random seed",
    "max_train_examples": "Training images (limit)",
}
RESULT_NAMES = {"test_accuracy": "Test accuracy", "seconds": "Training time (s)"}
TRAINING_SET_SIZES = {"embedded": 10_000, "full": 60_000}


def training_images(source: str, validation_split: float = 0.1, limit: int | None = None) -> int:
    """How many images one epoch trains on, for the builder's estimate of seconds per epoch.

    Args:
        source: "embedded" (10,000 training images) or "full" (60,000).
        validation_split: the share kept back for validation.
        limit: TrainingSettings.max_train_examples, or None.

    Returns:
        The number of images, at least 1.
    """
    count = TRAINING_SET_SIZES[source] - max(1, round(TRAINING_SET_SIZES[source] * validation_split))
    return max(1, min(count, limit) if limit else count)


@dataclass(frozen=True, eq=False)
class Entry:
    """One kept run: its number in the session, the name a student gave it, and the run."""

    number: int
    name: str
    run: training.TrainingRun

    @property
    def label(self) -> str:
        """The run as a list shows it: "Run 3: wide filters"."""
        return f"Run {self.number}: {self.name}"


def architecture_of(settings: training.TrainingSettings) -> tuple:
    """The builder blocks of a run's network: its own, or its preset's."""
    return settings.architecture or builder.from_preset(settings.preset)


def weights_of(settings: training.TrainingSettings) -> int:
    """The number of weights a run's network has, from the builder's arithmetic (nothing is built)."""
    return builder.plan(architecture_of(settings)).weights


class RunBook:
    """The runs of one session, oldest first, bounded in count and in kept weights."""

    def __init__(self, max_runs: int = MAX_RUNS, max_weights: int = MAX_KEPT_WEIGHTS):
        self.max_runs, self.max_weights = max_runs, max_weights
        self.entries: list[Entry] = []
        self.dropped: list[str] = []
        self._next = 1

    def add(self, run: training.TrainingRun, name: str) -> Entry:
        """Keep a run under the next number; drop the oldest finished runs if the book is over its bounds.

        Args:
            run: a TrainingRun, started or not.
            name: what the student calls it; "Run N" when empty.

        Returns:
            The new Entry. The labels of dropped runs are added to `dropped`.
        """
        entry = Entry(self._next, name.strip() or f"run {self._next}", run)
        self._next += 1
        self.entries.append(entry)
        self._trim()
        return entry

    def _trim(self) -> None:
        def over() -> bool:
            total = sum(weights_of(entry.run.settings) for entry in self.entries)
            return len(self.entries) > self.max_runs or total > self.max_weights

        while over():
            finished = [entry for entry in self.entries if not entry.run.is_active]
            if not finished:
                return
            self.entries.remove(finished[0])
            self.dropped.append(finished[0].label)

    def holds(self, run: training.TrainingRun) -> bool:
        """Whether a run is already kept."""
        return any(entry.run is run for entry in self.entries)

    def find(self, number: int) -> Entry | None:
        """The entry with that number, or None if it is not kept (any more)."""
        return next((entry for entry in self.entries if entry.number == number), None)

    @property
    def active(self) -> list[Entry]:
        """The runs still waiting, loading, training or testing."""
        return [entry for entry in self.entries if entry.run.is_active]

    @property
    def finished(self) -> list[Entry]:
        """The runs that left a tested model, oldest first."""
        return [entry for entry in self.entries if not entry.run.is_active and entry.run.result() is not None]


def _setting_text(name: str, settings: training.TrainingSettings) -> str:
    """One setting of a run as a student reads it."""
    if name == "network":
        return builder.summary(architecture_of(settings))
    if name == "weights":
        return f"{weights_of(settings):,}"
    if name == "images":
        return f"{settings.dataset} ({settings.source})"
    value = getattr(settings, name)
    if name == "dropout" and settings.architecture:
        return "in the network" if any(block.kind == "dropout" for block in settings.architecture) else "none"
    if name == "max_train_examples":
        return "all" if value is None else f"{value:,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_table(entries: list[Entry]) -> list[dict]:
    """The settings and results of some runs, one row per setting, with whether they differ.

    Args:
        entries: the runs to compare.

    Returns:
        Rows {"setting": name, <label of each run>: text, ..., "differs": bool}; settings first,
        then test accuracy and training time (which `differs` always marks when not equal).
    """
    rows = []
    for name, title in SETTING_NAMES.items():
        values = {entry.label: _setting_text(name, entry.run.settings) for entry in entries}
        rows.append({"setting": title, **values, "differs": len(set(values.values())) > 1})
    for name, title in RESULT_NAMES.items():
        values = {}
        for entry in entries:
            result = entry.run.result()
            number = getattr(result, name) if result is not None else math.nan
            values[entry.label] = f"{number:.4f}" if name == "test_accuracy" else f"{number:.1f}"
        rows.append({"setting": title, **values, "differs": len(set(values.values())) > 1})
    return rows


def curves_of(entries: list[Entry]) -> dict[str, dict]:
    """The per-epoch curves of some runs, for figures.compare.curves_overlay.

    Args:
        entries: the runs.

    Returns:
        {label: {"epoch_loss", "val_loss", "epoch_accuracy", "val_accuracy": lists of floats}}.
    """
    names = ("epoch_loss", "val_loss", "epoch_accuracy", "val_accuracy")
    curves = {}
    for entry in entries:
        progress = entry.run.progress()
        curves[entry.label] = {name: list(getattr(progress, name)) for name in names}
    return curves


def only_luck_differs(rows: list[dict]) -> bool:
    """Whether runs differ in nothing they were given but the random seed (so their results differ by luck).

    Args:
        rows: the rows of settings_table.

    Returns:
        True when "Random seed" is the only setting row marked as differing.
    """
    settings = {row["setting"] for row in rows if row["differs"]} - set(RESULT_NAMES.values())
    return settings == {SETTING_NAMES["seed"]}
