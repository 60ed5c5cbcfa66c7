"""One line of training runs for the whole server: identical runs computed once, different ones in turn.

A class pressing Start at once must not train 25 copies of the same network, nor let one student's
run wait behind another's without knowing for how long. A `TrainingQueue` keeps every queued or
running `TrainingRun` with the students ("members") who asked for it:

- `join(settings, member)` returns the run already queued or running with exactly these settings
  (a frozen TrainingSettings, compared field by field) and adds the member to it; otherwise it puts
  a new run at the end of the line. Every member holds the same run object, so all of them see the
  same live curves and the same finished model, which no page changes (models are only read).
- Runs start first come, first served, at most `slots` at a time (CNNLAB_TRAINING_SLOTS, default 1).
  Each run waits in the line unstarted; a small thread per running run starts it, waits for it and
  starts the next, and ends when the line is empty, so an idle server keeps no thread.
- `place(run)` says where a run stands: its place in the line, the runs ahead and an estimate of
  when it starts, from the images per second that runs of the same network reached on this server.
- `leave(run, member)` takes a member off a run; a run nobody wants any more leaves the line, or
  stops if it was training. `stop(run, member)` stops a run for everyone only if the member is alone
  on it; with others watching it only takes that member off, so no student stops another's run.

A run also keeps going only while one of its members' `keep_going()` checks (e.g. "is this browser
tab still connected?") says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from cnnlab import training

TRAINING_IMAGES = {"embedded": 10_000, "full": 60_000}
GUESSED_IMAGES_PER_SECOND = 1_000.0  # before any run of a network has finished here: a cautious guess
SETUP_SECONDS = 5.0  # loading the images, building the network and testing it, when not yet measured


@dataclass(frozen=True)
class Place:
    """Where a run stands in the line.

    position: 1 for the next run to start, 2 for the one after it...; None once the run has started.
    runs_ahead: runs queued before it plus those training now.
    starts_in: estimated seconds until it starts (0.0 once started).
    measured: False while the estimate rests on a guess, because no run of a network in the way
        has finished on this server yet.
    members: how many students share this run.
    """

    position: int | None
    runs_ahead: int
    starts_in: float
    measured: bool
    members: int


@dataclass
class _Entry:
    run: training.TrainingRun
    members: dict = field(default_factory=dict)  # member id -> keep_going check
    started: bool = False
    stopping: bool = False


def training_images(settings: training.TrainingSettings) -> int:
    """How many images a run trains on per epoch.

    Args:
        settings: the run's settings.

    Returns:
        The number of training images after the validation share (and the test limit, if any).
    """
    count = round(TRAINING_IMAGES[settings.source] * (1 - settings.validation_split))
    return min(count, settings.max_train_examples or count)


class TrainingQueue:
    """The server's line of training runs; every method is safe to call from any thread."""

    def __init__(self, slots: int | None = None, make_run: Callable[..., training.TrainingRun] | None = None):
        pool = training.SlotPool(slots)
        self.slots = pool.capacity
        self._pool = pool
        self._make_run = make_run or training.TrainingRun
        self._lock = threading.Lock()
        self._line: list[_Entry] = []
        self._running: list[_Entry] = []
        self._rates: dict[str, float] = {}  # network key -> whole-run images per second measured here

    def join(self, settings: training.TrainingSettings, member: str, keep_going: Callable[[], bool] = lambda: True):
        """Join the queued or running run with these settings, or queue a new one.

        Args:
            settings: what to train.
            member: an id for the student (one per browser session).
            keep_going: the member's own check; the run stops when every member's check fails.

        Returns:
            The TrainingRun, shared with every member who joined it.
        """
        with self._lock:
            same = (entry for entry in self._running + self._line if entry.run.settings == settings)
            entry = next((entry for entry in same if not entry.stopping and entry.run.is_active), None)
            if entry is None:
                entry = _Entry(run=None)
                entry.run = self._make_run(settings, self._pool, keep_going=lambda: self._wanted(entry))
                self._line.append(entry)
            entry.members[member] = keep_going
            self._start_next()
            return entry.run

    def leave(self, run: training.TrainingRun, member: str) -> None:
        """Take a member off a run; a run nobody wants leaves the line, or stops if it has started."""
        with self._lock:
            entry = self._find(run)
            if entry is None:
                return
            entry.members.pop(member, None)
            if entry.members:
                return
            if entry.started:
                entry.stopping = True
                run.stop()
            else:
                self._line.remove(entry)

    def stop(self, run: training.TrainingRun, member: str) -> None:
        """Stop a run for everyone if this member is alone on it (its model so far is kept); else just leave it."""
        with self._lock:
            entry = self._find(run)
            alone = entry is None or set(entry.members) <= {member}
            if entry is not None and alone:
                entry.stopping = True
        if alone:
            run.stop()
        else:
            self.leave(run, member)

    def members(self, run: training.TrainingRun) -> int:
        """How many students share a queued or running run (0 once it has ended)."""
        with self._lock:
            entry = self._find(run)
            return len(entry.members) if entry else 0

    def place(self, run: training.TrainingRun) -> Place:
        """Where a run stands: its place in the line and when it should start."""
        with self._lock:
            entry = self._find(run)
            if entry is None or entry.started:
                return Place(None, 0, 0.0, True, len(entry.members) if entry else 0)
            index = self._line.index(entry)
            ahead, running = self._line[:index], list(self._running)
        # Each slot frees up when its run ends; every run ahead then takes the slot that frees first.
        free_at = sorted([self._seconds_left(other.run) for other in running] + [0.0] * (self.slots - len(running)))
        measured = all(other.run.settings.network.key in self._rates for other in ahead + running)
        for other in ahead:
            free_at[0] += self.estimate_seconds(other.run.settings)
            free_at.sort()
        return Place(index + 1, len(ahead) + len(running), free_at[0], measured, len(entry.members))

    def estimate_seconds(self, settings: training.TrainingSettings) -> float:
        """How long a whole run with these settings should take here, from the runs measured so far."""
        rate = self._rates.get(settings.network.key)
        images = training_images(settings) * settings.epochs
        return images / rate if rate else SETUP_SECONDS + images / GUESSED_IMAGES_PER_SECOND

    def _seconds_left(self, run: training.TrainingRun) -> float:
        progress = run.progress()
        estimate = self.estimate_seconds(run.settings)
        if progress.seconds_left is not None:
            return progress.seconds_left + estimate * 0.1  # the test at the end, roughly a tenth of a run
        return max(estimate - progress.seconds_elapsed, 1.0)

    def _find(self, run) -> _Entry | None:
        return next((entry for entry in self._running + self._line if entry.run is run), None)

    def _wanted(self, entry: _Entry) -> bool:
        with self._lock:
            checks = list(entry.members.values())
        return any(check() for check in checks)

    def _start_next(self) -> None:
        """Start queued runs while a slot is free (called with the lock held)."""
        while self._line and len(self._running) < self.slots:
            entry = self._line.pop(0)
            if not any(check() for check in entry.members.values()):
                continue  # everyone who wanted it has gone
            entry.started = True
            self._running.append(entry)
            threading.Thread(target=self._drive, args=(entry,), name="cnnlab-queue", daemon=True).start()

    def _drive(self, entry: _Entry) -> None:
        """Run one entry to its end in this thread, note its speed, start the next."""
        entry.run.start()
        entry.run.join()
        result = entry.run.result()
        with self._lock:
            self._running.remove(entry)
            if result is not None and entry.run.state == "finished" and result.seconds > 0:
                images = training_images(entry.run.settings) * entry.run.settings.epochs
                self._rates[entry.run.settings.network.key] = images / result.seconds
            self._start_next()
