"""A training run as an object: settings, a pool of training slots, live progress, a result.

A `TrainingRun` trains in a daemon thread it starts and keeps (`run.thread`); the caller keeps
the run. Its state goes "waiting" (for a slot) → "loading" → "training" → "evaluating" →
"finished" | "stopped" | "failed"; a failure is kept as a message in `run.error` and never
raised into the caller. `progress()` is a copy taken under a lock, safe to call from any thread.

Determinism: a run seeds Python, NumPy, TensorFlow and Keras with `keras.utils.set_random_seed`
and shuffles and augments through seeded tf.data, so one run at a time on one machine repeats
its per-batch losses. What can still differ: two runs training at once (more than one slot)
share the global seed and the CPU thread pools, other code drawing random numbers while a run
builds its model, and oneDNN / Eigen kernels whose summation order depends on the number of
CPU threads (results move in the last digits between machines). `tf.config.experimental.
enable_op_determinism()` would pin more of this, but it is process-wide, cannot be undone, and
makes some kernels slower; this module does not turn it on (the same-seed test passes without it).
Inside a Streamlit server, Streamlit calls `keras.backend.clear_session()` after every script run
of every session; that wipes Keras's per-thread global state (the seed kept by set_random_seed
among it) and TensorFlow's kernel cache, so a run can lose speed and, rarely, its exact seeding.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np

from cnnlab import config, data, models, pipeline

ACTIVE_STATES = ("waiting", "loading", "training", "evaluating")
SOURCES = ("embedded", "full")
SLOTS_ENV = "CNNLAB_TRAINING_SLOTS"
FIRST_CONV = "conv_1"
VALIDATION_BATCH = 500
TOP_MISTAKES = 12
SAMPLE_COUNT = 10
_CURVES = ("batch_loss", "batch_accuracy", "epoch_loss", "epoch_accuracy", "val_loss", "val_accuracy", "learning_rates")


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that decides what a run trains, on what, and how."""

    dataset: str = "mnist"
    source: str = "embedded"
    preset: str = "guide_cnn"
    epochs: int = 6
    batch_size: int = 128
    optimizer: str = "adam"
    learning_rate: float = 0.002
    dropout: float = 0.3
    augmentation: bool = False
    reduce_lr_on_plateau: bool = True
    validation_split: float = 0.1
    seed: int = 1
    max_train_examples: int | None = None

    def __post_init__(self):
        def whole(value, low, high):
            return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

        checks = [
            (self.dataset in config.DATASET_NAMES, f"The dataset must be one of {', '.join(config.DATASET_NAMES)}."),
            (self.source in SOURCES, "The source must be 'embedded' or 'full'."),
            (self.preset in models.PRESETS, f"The preset must be one of {', '.join(models.PRESETS)}."),
            (whole(self.epochs, 1, 200), "The number of epochs must be a whole number from 1 to 200."),
            (whole(self.batch_size, 1, 4096), "The batch size must be a whole number from 1 to 4096."),
            (self.optimizer in models.OPTIMIZERS, f"The optimizer must be one of {', '.join(models.OPTIMIZERS)}."),
            (0 < self.learning_rate <= 10, "The learning rate must be above 0 and at most 10."),
            (0 <= self.dropout < 1, "Dropout must be at least 0 and below 1."),
            (0 < self.validation_split <= 0.5, "The validation split must be above 0 and at most 0.5."),
            (whole(self.seed, 0, 2**31 - 1), "The seed must be a whole number from 0 to 2,147,483,647."),
            (
                self.max_train_examples is None or whole(self.max_train_examples, 1, 10**7),
                "The limit on training examples must be None or a positive whole number.",
            ),
        ]
        for passed, message in checks:
            if not passed:
                raise ValueError(message)


def default_settings(**changes) -> TrainingSettings:
    """The Train page's starting settings: 98.3 % test accuracy on embedded MNIST in 20-50 s on 2 busy cores.

    Args:
        changes: fields to override, e.g. epochs=1.

    Returns:
        A TrainingSettings.
    """
    return replace(TrainingSettings(), **changes)


def preset_settings(key: str) -> dict:
    """The training settings a preset's source document uses, as TrainingSettings fields.

    Args:
        key: a key of models.PRESETS.

    Returns:
        {"optimizer", "learning_rate", "batch_size", "dropout", "reduce_lr_on_plateau"}: values.
    """
    preset = models.PRESETS[key]
    names = ("optimizer", "learning_rate", "batch_size", "dropout", "reduce_lr_on_plateau")
    return {name: getattr(preset, name) for name in names}


def dataset_choices(available: Callable[[str], bool] = data.full_available) -> dict[str, tuple[str, str]]:
    """The datasets a run can use on this machine, by the name a student reads.

    Args:
        available: says whether a full dataset is on disk (data.full_available by default).

    Returns:
        {label: (dataset, source)}, embedded MNIST first; full sets only when present.
    """
    choices = {"MNIST, small built-in set (10,000 training images)": ("mnist", "embedded")}
    if available("mnist"):
        choices["MNIST, full set (60,000 training images)"] = ("mnist", "full")
    if available("fashion_mnist"):
        choices["Fashion-MNIST, full set (60,000 training images)"] = ("fashion_mnist", "full")
    choices["Fashion-MNIST, small built-in set (10,000 training images)"] = ("fashion_mnist", "embedded")
    return choices


class SlotPool:
    """At most `capacity` runs train at once; the others wait for a free slot."""

    def __init__(self, capacity: int | None = None):
        if capacity is None:
            text = os.environ.get(SLOTS_ENV, "1")
            if not text.strip().isdigit():
                raise ValueError(f"{SLOTS_ENV} must be a positive whole number, not {text!r}.")
            capacity = int(text)
        if capacity < 1:
            raise ValueError("A slot pool needs a capacity of at least 1.")
        self.capacity = capacity
        self._in_use = 0
        self._condition = threading.Condition()

    @property
    def in_use(self) -> int:
        """How many slots are taken now."""
        with self._condition:
            return self._in_use

    def acquire(self, give_up: Callable[[], bool], poll_seconds: float = 0.2) -> bool:
        """Wait for a free slot and take it; False if `give_up()` turned True first."""
        with self._condition:
            while self._in_use >= self.capacity:
                if give_up():
                    return False
                self._condition.wait(poll_seconds)
            self._in_use += 1
            return True

    def release(self) -> None:
        """Give a slot back and wake one waiting run."""
        with self._condition:
            if self._in_use == 0:
                raise RuntimeError("A slot was released that was never taken.")
            self._in_use -= 1
            self._condition.notify()


@dataclass(frozen=True)
class Progress:
    """A snapshot of a run. Lists of floats; kernels are float32 arrays (kh, kw, 1, filters)."""

    state: str
    epoch: int
    total_epochs: int
    batch: int
    batches_per_epoch: int
    samples_per_second: float
    seconds_elapsed: float
    seconds_left: float | None
    learning_rate: float | None
    batch_loss: list
    batch_accuracy: list
    epoch_loss: list
    epoch_accuracy: list
    val_loss: list
    val_accuracy: list
    learning_rates: list
    kernels: list
    error: str | None

    def curves(self) -> dict:
        """The arguments of figures.training.learning_curves."""
        names = ("batch_loss", "batch_accuracy", "epoch_loss", "epoch_accuracy", "val_loss", "val_accuracy")
        return {name: getattr(self, name) for name in names} | {"batches_per_epoch": self.batches_per_epoch}

    @property
    def fraction(self) -> float:
        """How much of the planned training is done, from 0 to 1."""
        planned = self.total_epochs * self.batches_per_epoch
        done = max(self.epoch - 1, 0) * self.batches_per_epoch + self.batch
        return min(done / planned, 1.0) if planned else 0.0


def describe(progress: Progress) -> str:
    """One line a student reads under the progress bar, e.g. "Epoch 2 of 5 · batch 40 of 141 · …"."""
    if progress.state == "waiting":
        return "Waiting for a free training slot…"
    if progress.state == "loading":
        return "Loading the images and building the network…"
    parts = [f"Epoch {max(progress.epoch, 1)} of {progress.total_epochs}"]
    parts.append(f"batch {progress.batch} of {progress.batches_per_epoch}")
    if progress.samples_per_second:
        parts.append(f"{progress.samples_per_second:,.0f} images/s")
    if progress.learning_rate:
        parts.append(f"learning rate {progress.learning_rate:.2g}")
    if progress.state == "evaluating":
        parts.append("testing on unseen images…")
    elif progress.seconds_left is not None:
        parts.append(f"about {progress.seconds_left:,.0f} s left")
    return " · ".join(parts)


@dataclass(frozen=True)
class Predictions:
    """Some test images with what the model said: uint8 images (K, 28, 28), int arrays (K,)."""

    indices: np.ndarray
    images: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray


@dataclass(frozen=True)
class TrainingResult:
    """What a finished or stopped run leaves: the model and how it does on the test set."""

    model: keras.Model
    test_accuracy: float
    test_loss: float
    confusion: np.ndarray
    mistakes: Predictions
    samples: Predictions
    summary: list
    seconds: float
    test_count: int


def _pick(images, labels, probabilities, indices) -> Predictions:
    predicted = probabilities[indices].argmax(axis=1)
    return Predictions(
        indices=np.asarray(indices, dtype=np.int64),
        images=images[indices],
        true=labels[indices].astype(np.int64),
        predicted=predicted.astype(np.int64),
        confidence=probabilities[indices, predicted].astype(np.float32),
    )


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray, chunk: int = 500) -> TrainingResult:
    """Test a model in chunks with its compiled predict step; no float copy of the whole set.

    Args:
        model: maps float32 (N, 28, 28, 1) to (N, 10) probabilities.
        images: uint8 (N, 28, 28) test images.
        labels: integer (N,) test labels.
        chunk: images per call.

    Returns:
        A TrainingResult (seconds 0.0): the loss is the cross-entropy as Keras computes it; the
        confusion matrix is int64 (10, 10), rows the true class, columns the predicted one.
    """
    batches = (pipeline.to_model_input(images[start : start + chunk]) for start in range(0, len(images), chunk))
    probabilities = np.concatenate([np.asarray(model.predict_on_batch(batch)) for batch in batches]).astype(np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    predicted = probabilities.argmax(axis=1)
    normalised = probabilities / probabilities.sum(axis=1, keepdims=True)
    picked = np.clip(normalised[np.arange(len(labels)), labels], keras.config.epsilon(), 1 - keras.config.epsilon())
    wrong = np.flatnonzero(predicted != labels)
    confident_wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:TOP_MISTAKES]
    classes = config.NUM_CLASSES
    return TrainingResult(
        model=model,
        test_accuracy=float(np.mean(predicted == labels)),
        test_loss=float(np.mean(-np.log(picked))),
        confusion=np.bincount(labels * classes + predicted, minlength=classes**2).reshape(classes, classes),
        mistakes=_pick(images, labels, probabilities, confident_wrong),
        samples=_pick(images, labels, probabilities, np.arange(min(SAMPLE_COUNT, len(labels)))),
        summary=models.summary_rows(model),
        seconds=0.0,
        test_count=len(labels),
    )


def model_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a .keras file, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def _first_conv_kernels(model: keras.Model) -> np.ndarray | None:
    try:
        layer = model.get_layer(FIRST_CONV)
    except ValueError:
        return None
    return np.array(keras.ops.convert_to_numpy(layer.kernel), dtype=np.float32, copy=True)


class _Recorder(keras.callbacks.Callback):
    """Keras callback that keeps the curves: per batch it only does arithmetic on floats under a lock."""

    def __init__(self, run: TrainingRun, examples: int, batch_size: int):
        super().__init__()
        self._run, self._examples, self._batch_size = run, examples, batch_size

    def on_train_begin(self, logs=None):
        self._run._record(kernels=_first_conv_kernels(self.model))

    def on_epoch_begin(self, epoch, logs=None):
        learning_rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self._sums = (0.0, 0.0)
        self._run._record(epoch=epoch + 1, batch=0, learning_rate=learning_rate)

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports running means over the epoch; turn them back into this batch's values.
        seen = min((batch + 1) * self._batch_size, self._examples)
        size = seen - min(batch * self._batch_size, self._examples)
        sums = (logs["loss"] * seen, logs["accuracy"] * seen)
        loss, accuracy = ((now - before) / size for now, before in zip(sums, self._sums, strict=True))
        self._sums = sums
        self._run._record_batch(batch + 1, seen, loss, accuracy)
        if self._run._should_stop():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self._run._record_epoch(logs, _first_conv_kernels(self.model))


class TrainingRun:
    """One training run in its own thread: start(), stop(), progress(), result()."""

    def __init__(self, settings: TrainingSettings, slots: SlotPool, keep_going: Callable[[], bool] = lambda: True):
        self.settings = settings
        self._slots = slots
        self._keep_going = keep_going
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()
        self.abandoned = False
        self.error: str | None = None
        self.thread: threading.Thread | None = None
        self._result: TrainingResult | None = None
        self._status = {"state": "waiting", "epoch": 0, "batch": 0, "batches_per_epoch": 0}
        self._status.update(learning_rate=None, samples_per_second=0.0)
        self._curves = {name: [] for name in _CURVES}
        self._kernels: list[np.ndarray] = []
        self._times = {"started": None, "rate_origin": None}

    @property
    def state(self) -> str:
        """The current state: one of ACTIVE_STATES, "finished", "stopped" or "failed"."""
        with self._lock:
            return self._status["state"]

    @property
    def is_active(self) -> bool:
        """True while the run waits, loads, trains or evaluates."""
        return self.state in ACTIVE_STATES

    def start(self) -> threading.Thread:
        """Start the worker thread (a daemon) and return it."""
        if self.thread is not None:
            raise RuntimeError("This run has already been started; make a new TrainingRun.")
        self.thread = threading.Thread(target=self._work, name="cnnlab-training", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self) -> None:
        """Ask the run to stop after the current batch; the model so far is still tested."""
        self._stop_requested.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker to end; True if it has."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.thread is not None and not self.thread.is_alive()

    def result(self) -> TrainingResult | None:
        """The result once finished or stopped (None if stopped before the first batch)."""
        with self._lock:
            return self._result

    def _should_stop(self) -> bool:
        if self._stop_requested.is_set():
            return True
        if not self._keep_going():
            self.abandoned = True
            self._stop_requested.set()
            return True
        return False

    def _record(self, kernels=None, **status) -> None:
        with self._lock:
            self._status.update(status)
            if kernels is not None:
                self._kernels.append(kernels)
            if "learning_rate" in status:
                self._curves["learning_rates"].append(status["learning_rate"])

    def _record_batch(self, batch: int, seen: int, loss: float, accuracy: float) -> None:
        now = time.perf_counter()
        with self._lock:
            self._status["batch"] = batch
            self._curves["batch_loss"].append(loss)
            self._curves["batch_accuracy"].append(accuracy)
            if batch == 1:  # the first batch of an epoch also waits for the shuffle buffer (and tracing): skip it
                self._times["rate_origin"] = (now, seen)
            else:
                origin_time, origin_seen = self._times["rate_origin"]
                self._status["samples_per_second"] = (seen - origin_seen) / (now - origin_time)

    def _record_epoch(self, logs: dict, kernels) -> None:
        with self._lock:
            for name, key in (("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")):
                self._curves[name].append(float(logs[key]))
            for name in ("val_loss", "val_accuracy"):
                self._curves[name].append(float(logs.get(name, np.nan)))
            if kernels is not None:
                self._kernels.append(kernels)

    def progress(self) -> Progress:
        """A consistent copy of the run's progress, safe to read while it trains."""
        with self._lock:
            status, started = dict(self._status), self._times["started"]
            curves = {name: list(values) for name, values in self._curves.items()}
            kernels = list(self._kernels)
        left = None
        if status["samples_per_second"] and status["state"] == "training":
            batches_left = (self.settings.epochs - status["epoch"] + 1) * status["batches_per_epoch"] - status["batch"]
            left = batches_left * self.settings.batch_size / status["samples_per_second"]
        return Progress(
            total_epochs=self.settings.epochs,
            seconds_elapsed=time.perf_counter() - started if started else 0.0,
            seconds_left=left,
            kernels=kernels,
            error=self.error,
            **status,
            **curves,
        )

    def _work(self) -> None:
        try:
            if not self._slots.acquire(give_up=self._should_stop):
                self._record(state="stopped")
                return
            try:
                self._record(state="loading")
                self._times["started"] = time.perf_counter()
                self._train_and_test()
            finally:
                self._slots.release()
        except Exception as error:  # the UI shows the message; the thread must end cleanly
            self.error = f"Training failed: {error}" if str(error) else f"Training failed ({type(error).__name__})."
            self._record(state="failed")

    def _train_and_test(self) -> None:
        settings = self.settings
        model, batches, validation, (x_test, y_test), fit_count = _prepare(settings)
        callbacks = [_Recorder(self, fit_count, settings.batch_size)]
        if settings.reduce_lr_on_plateau:
            plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1, min_lr=1e-5)
            callbacks.append(plateau)
        self._record(state="training", batches_per_epoch=len(batches))
        if not self._should_stop():
            fit_options = {"validation_data": validation, "callbacks": callbacks, "shuffle": False, "verbose": 0}
            model.fit(batches, epochs=settings.epochs, **fit_options)
        with self._lock:
            trained = bool(self._curves["batch_loss"])
        if self.abandoned or not trained:  # nothing to test, or nobody left to see it: let the model go
            self._record(state="stopped")
            return
        self._record(state="evaluating")
        result = replace(evaluate(model, x_test, y_test), seconds=time.perf_counter() - self._times["started"])
        with self._lock:
            self._result = result
            self._status["state"] = "stopped" if self._stop_requested.is_set() else "finished"


def _prepare(settings: TrainingSettings):
    """Load the images (uint8, no copies), seed, build the model and its input pipelines.

    Returns:
        (model, training batches, validation batches, (test images, test labels), training count).
    """
    (x_train, y_train), test = data.load_dataset(settings.dataset, settings.source)
    validation_count = max(1, round(len(x_train) * settings.validation_split))
    x_fit, y_fit = x_train[:-validation_count], y_train[:-validation_count]
    if settings.max_train_examples is not None:
        x_fit, y_fit = x_fit[: settings.max_train_examples], y_fit[: settings.max_train_examples]
    keras.utils.set_random_seed(settings.seed)
    model = models.build_model(
        settings.preset, optimizer=settings.optimizer, learning_rate=settings.learning_rate, dropout=settings.dropout
    )
    strength = 1.0 if settings.augmentation else 0.0
    batches = pipeline.make_dataset(x_fit, y_fit, settings.batch_size, augmentation=strength, seed=settings.seed)
    x_validation, y_validation = x_train[-validation_count:], y_train[-validation_count:]
    validation = pipeline.make_dataset(x_validation, y_validation, VALIDATION_BATCH, shuffle=False)
    return model, batches, validation, test, len(x_fit)
