"""cnnlab.training_queue: identical runs trained once, different ones in turn, places, leaving the line.

Real training runs on a few hundred embedded MNIST images. To hold a run while the line behind it
is inspected, a member's keep_going check (the queue's public hook, asked after every batch) waits
for a gate; the first call, when the queue starts the run, passes at once.
"""

import threading
import time

import pytest

from cnnlab import training, training_queue

TIMEOUT = 180


def tiny(**changes) -> training.TrainingSettings:
    """One epoch over 256 embedded MNIST images in batches of 32: 8 batches."""
    return training.default_settings(**({"epochs": 1, "max_train_examples": 256, "batch_size": 32} | changes))


class Counting:
    """A run factory that makes real TrainingRuns and counts them."""

    def __init__(self):
        self.made = []

    def __call__(self, *args, **kwargs):
        run = training.TrainingRun(*args, **kwargs)
        self.made.append(run)
        return run


class Gate:
    """A keep_going check that passes its first call (the queue starting the run), then holds the run until opened."""

    def __init__(self):
        self.opened, self.holding, self.calls = threading.Event(), threading.Event(), 0

    def __call__(self) -> bool:
        self.calls += 1
        if self.calls == 1:
            return True
        self.holding.set()
        return self.opened.wait(TIMEOUT)

    def wait_holding(self) -> None:
        assert self.holding.wait(TIMEOUT), "the run never reached its gate"


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def finish(run: training.TrainingRun) -> None:
    wait_until(lambda: run.thread is not None and run.thread.ident is not None, "the run started")
    assert run.join(TIMEOUT), "the run did not end in time"


def test_identical_settings_are_trained_once_and_every_member_gets_the_same_model():
    made = Counting()
    line = training_queue.TrainingQueue(slots=1, make_run=made)
    first = line.join(tiny(), "student-a")
    second = line.join(tiny(), "student-b")
    assert second is first and line.members(first) == 2
    finish(first)
    assert len(made.made) == 1
    assert first.state == "finished" and first.result().model is second.result().model
    third = line.join(tiny(), "student-c")  # a finished run is not joined: asking again trains again
    assert third is not first and len(made.made) == 2
    finish(third)


def test_different_settings_wait_in_line_with_their_place_and_start_in_order():
    held = Gate()
    line = training_queue.TrainingQueue(slots=1)
    running = line.join(tiny(seed=1), "a", keep_going=held)
    second = line.join(tiny(seed=2), "b")
    third = line.join(tiny(seed=3), "c")
    held.wait_holding()
    places = line.place(running), line.place(second), line.place(third)
    assert [place.position for place in places] == [None, 1, 2]
    assert [place.runs_ahead for place in places] == [0, 1, 2]
    assert 0 < places[1].starts_in < places[2].starts_in
    assert not places[2].measured  # no run has finished here yet: the estimate says it is a guess
    assert second.state == third.state == "waiting" and second.thread is None and third.thread is None
    held.opened.set()
    wait_until(lambda: second.state != "waiting", "the second run started")
    assert running.state == "finished" and third.state == "waiting"  # one slot: the third waits for the second
    finish(second)
    finish(third)
    assert third.state == "finished"
    after = line.join(tiny(seed=4), "d")
    assert line.estimate_seconds(tiny(seed=5)) > 0
    finish(after)


def test_leaving_the_line_takes_the_run_out_and_moves_the_others_up():
    held = Gate()
    line = training_queue.TrainingQueue(slots=1)
    running = line.join(tiny(seed=11), "a", keep_going=held)
    leaving = line.join(tiny(seed=12), "b")
    staying = line.join(tiny(seed=13), "c")
    assert line.place(staying).position == 2
    line.leave(leaving, "b")
    assert line.members(leaving) == 0 and line.place(staying).position == 1
    held.opened.set()
    finish(staying)
    assert running.state == staying.state == "finished"
    assert leaving.thread is None and leaving.state == "waiting"  # never started


def test_a_shared_run_is_stopped_only_by_its_last_member():
    held = Gate()
    line = training_queue.TrainingQueue(slots=1)
    run = line.join(tiny(epochs=3, max_train_examples=512), "a", keep_going=held)
    assert line.join(run.settings, "b") is run
    held.wait_holding()
    line.stop(run, "b")  # another member shares it: "b" only leaves
    assert line.members(run) == 1 and run.is_active
    line.stop(run, "a")  # the last member stops it for good
    held.opened.set()
    finish(run)
    assert run.state == "stopped"
    assert line.join(run.settings, "c") is not run  # a stopped run is not joined


def test_a_run_whose_members_have_all_gone_is_not_started():
    held = Gate()
    line = training_queue.TrainingQueue(slots=1)
    running = line.join(tiny(seed=21), "a", keep_going=held)
    gone = line.join(tiny(seed=22), "b", keep_going=lambda: False)  # this student's tab has closed
    held.wait_holding()
    held.opened.set()
    finish(running)
    wait_until(lambda: line.place(gone).position is None, "the line moved on")
    assert gone.thread is None


@pytest.mark.parametrize(
    "source, limit, expected", [("embedded", None, 9000), ("full", None, 54000), ("full", 300, 300)]
)
def test_training_images_counts_what_one_epoch_sees(source, limit, expected):
    assert training_queue.training_images(tiny(source=source, max_train_examples=limit)) == expected
