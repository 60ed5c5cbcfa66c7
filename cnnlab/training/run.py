"""A training run as an object: it waits for a slot, trains in its own thread, reports progress, is tested.

A `TrainingRun` trains in a daemon thread it starts and keeps (`run.thread`); the caller keeps
the run. Its state goes "waiting" (for a slot) → "loading" → "training" → "evaluating" →
"finished" | "stopped" | "failed"; a failure is kept as a message in `run.error` and never
raised into the caller. `progress()` is a copy taken under a lock, safe to call from any thread.
The run talks to its slot pool only through `acquire(give_up=...)` and `release()`, so any pool
with those two methods (a server-wide queue, say) can hand out the turns.

Several batches run per call into TensorFlow (`steps_per_execution`), so the curves get one point
per group of batches: the mean loss and accuracy over that group, and the learning rate at its end.
A run whose loss becomes NaN or stays at the loss of guessing stops early (`run.divergence`).

Determinism: a run seeds Python, NumPy, TensorFlow and Keras with `keras.utils.set_random_seed`
and shuffles and augments through seeded tf.data, so one run at a time on one machine repeats
its losses. What can still differ: two runs training at once (more than one slot) share the
global seed and the CPU thread pools, other code drawing random numbers while a run builds its
model, and oneDNN / Eigen kernels whose summation order depends on the number of CPU threads.
`tf.config.experimental.enable_op_determinism()` would pin more of this, but it is process-wide,
cannot be undone, and makes some kernels slower; this module does not turn it on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import keras
import numpy as np

from cnnlab.training import divergence, evaluation, schedules
from cnnlab.training.plan import Plan, prepare
from cnnlab.training.settings import TrainingSettings

ACTIVE_STATES = ("waiting", "loading", "training", "evaluating")
FIRST_CONV = "conv_1"
_CURVES = ("batch_loss", "batch_accuracy", "batch_ends", "learning_rates")
_CURVES += ("epoch_loss", "epoch_accuracy", "val_loss", "val_accuracy")


@dataclass(frozen=True)
class Progress:
    """A snapshot of a run. Curves are lists of floats; kernels are float32 arrays (kh, kw, 1, filters).

    batch_loss, batch_accuracy and learning_rates hold one value per group of up to
    steps_per_execution batches; batch_ends[i] is how many batches the run had trained when
    group i ended. epoch_* and val_* hold one value per epoch.
    """

    state: str
    epoch: int
    total_epochs: int
    batch: int
    batches_per_epoch: int
    steps_per_execution: int
    samples_per_second: float
    seconds_elapsed: float
    seconds_left: float | None
    learning_rate: float | None
    batch_loss: list
    batch_accuracy: list
    batch_ends: list
    learning_rates: list
    epoch_loss: list
    epoch_accuracy: list
    val_loss: list
    val_accuracy: list
    kernels: list
    error: str | None
    divergence: str | None

    def curves(self) -> dict:
        """The arguments of figures.training.learning_curves."""
        return {name: getattr(self, name) for name in _CURVES} | {
            "batches_per_epoch": self.batches_per_epoch,
            "steps_per_execution": self.steps_per_execution,
        }

    @property
    def fraction(self) -> float:
        """How much of the planned training is done, from 0 to 1."""
        planned = self.total_epochs * self.batches_per_epoch
        done = max(self.epoch - 1, 0) * self.batches_per_epoch + self.batch
        return min(done / planned, 1.0) if planned else 0.0


def _first_conv_kernels(model: keras.Model) -> np.ndarray | None:
    try:
        layer = model.get_layer(FIRST_CONV)
    except ValueError:
        return None
    return np.array(keras.ops.convert_to_numpy(layer.kernel), dtype=np.float32, copy=True)


class _Recorder(keras.callbacks.Callback):
    """Keras callback that keeps the curves: per group of batches it only does arithmetic on floats."""

    def __init__(self, run: TrainingRun, plan: Plan, batch_size: int):
        super().__init__()
        self._run, self._examples, self._batch_size = run, plan.fit_count, batch_size
        self._batches_per_epoch, self._validation = len(plan.batches), plan.validation

    def on_train_begin(self, logs=None):
        self._run._record(kernels=_first_conv_kernels(self.model))

    def on_epoch_begin(self, epoch, logs=None):
        self._sums, self._seen = (0.0, 0.0), 0
        self._run._record(epoch=epoch + 1, batch=0, learning_rate=self._learning_rate())

    def _learning_rate(self) -> float:
        return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the last step of the group (it can pass the epoch's end); Keras reports running
        # means over the epoch: turn them back into this group's means.
        done = min(batch + 1, self._batches_per_epoch)
        seen = min(done * self._batch_size, self._examples)
        if seen > self._seen:
            sums = (float(logs["loss"]) * seen, float(logs["accuracy"]) * seen)
            loss, accuracy = (
                (now - before) / (seen - self._seen) for now, before in zip(sums, self._sums, strict=True)
            )
            self._sums, self._seen = sums, seen
            self._run._record_group(done, seen, loss, accuracy, self._learning_rate())
        if self._run._should_stop():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        # Validate here, eagerly, rather than with fit's validation_data: no test step to trace, and the
        # callbacks after this one (the plateau halving) read val_loss and val_accuracy from the same logs.
        probabilities = evaluation.probabilities_of(self.model, self._validation[0])
        logs["val_loss"], logs["val_accuracy"] = evaluation.loss_and_accuracy(probabilities, self._validation[1])
        self._run._record_epoch(logs, _first_conv_kernels(self.model))


class TrainingRun:
    """One training run in its own thread: start(), stop(), progress(), result()."""

    def __init__(self, settings: TrainingSettings, slots, keep_going: Callable[[], bool] = lambda: True):
        """Make a run; nothing happens until start().

        Args:
            settings: what to train and how.
            slots: a pool with acquire(give_up) -> bool and release(), e.g. a SlotPool.
            keep_going: called after every group of batches; False once nobody watches the run.
        """
        self.settings = settings
        self._slots = slots
        self._keep_going = keep_going
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()
        self.abandoned = False
        self.error: str | None = None
        self.divergence: str | None = None
        self.divergence_details: dict = {}
        self.thread: threading.Thread | None = None
        self._result: evaluation.TrainingResult | None = None
        self._status = {"state": "waiting", "epoch": 0, "batch": 0, "batches_per_epoch": 0, "steps_per_execution": 1}
        self._status.update(learning_rate=None, samples_per_second=0.0)
        self._curves = {name: [] for name in _CURVES}
        self._kernels: list[np.ndarray] = []
        self._times = {"started": None, "rate_origin": None, "batches_before": 0}
        self._patience = divergence.CHANCE_BATCHES

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
        """Ask the run to stop after the current group of batches; the model so far is still tested."""
        self._stop_requested.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker to end; True if it has."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.thread is not None and not self.thread.is_alive()

    def result(self) -> evaluation.TrainingResult | None:
        """The result once finished or stopped (None if stopped before the first batch or blown up)."""
        with self._lock:
            return self._result

    def _should_stop(self) -> bool:
        if self._stop_requested.is_set() or self.divergence:
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

    def _record_group(self, batch: int, seen: int, loss: float, accuracy: float, learning_rate: float) -> None:
        now = time.perf_counter()
        with self._lock:
            self._status.update(batch=batch, learning_rate=learning_rate)
            point = {"batch_loss": loss, "batch_accuracy": accuracy, "learning_rates": learning_rate}
            point["batch_ends"] = self._times["batches_before"] + batch
            for name, value in point.items():
                self._curves[name].append(value)
            origin = self._times["rate_origin"]
            if origin is None or origin[2] != self._status["epoch"]:  # an epoch's first group waits for tracing
                self._times["rate_origin"] = (now, seen, self._status["epoch"])
            elif now > origin[0]:
                self._status["samples_per_second"] = (seen - origin[1]) / (now - origin[0])
            code, details = divergence.check(self._curves["batch_loss"], self._curves["batch_ends"], self._patience)
        if code:
            self.divergence, self.divergence_details = code, details

    def _record_epoch(self, logs: dict, kernels) -> None:
        with self._lock:
            self._times["batches_before"] += self._status["batch"]
            for name, key in (("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")):
                self._curves[name].append(float(logs[key]))
            for name in ("val_loss", "val_accuracy"):
                self._curves[name].append(float(logs[name]))
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
            divergence=self.divergence,
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
        plan = prepare(self.settings)
        recorder = _Recorder(self, plan, self.settings.batch_size)
        self._patience = max(divergence.CHANCE_BATCHES, plan.warmup_steps)
        self._record(
            state="training", batches_per_epoch=len(plan.batches), steps_per_execution=plan.steps_per_execution
        )
        fit_started = time.perf_counter()
        if not self._should_stop():
            plan.model.fit(
                plan.batches,
                epochs=self.settings.epochs,
                callbacks=[recorder, *schedules.plateau_callbacks(self.settings.schedule)],
                shuffle=False,
                verbose=0,
            )
        fit_seconds = time.perf_counter() - fit_started
        with self._lock:
            trained = bool(self._curves["batch_loss"])
        if self.abandoned or not trained or self.divergence == divergence.NOT_A_NUMBER:
            self._record(state="stopped")  # nothing to test, nobody left to see it, or a broken model
            return
        self._record(state="evaluating")
        tested = evaluation.evaluate(plan.model, *plan.test)
        seconds = time.perf_counter() - self._times["started"]
        with self._lock:
            self._result = replace(tested, seconds=seconds, training_seconds=fit_seconds)
            stopped = self._stop_requested.is_set() or self.divergence
            self._status["state"] = "stopped" if stopped else "finished"
