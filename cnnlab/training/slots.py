"""A pool of training slots: at most a few runs train at once on one server, the others wait."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

SLOTS_ENV = "CNNLAB_TRAINING_SLOTS"


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
