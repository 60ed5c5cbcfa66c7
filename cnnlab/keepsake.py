"""What a student did, kept on the server under a random token, so a browser reload loses nothing.

A browser tab that reloads starts a new server session with empty state. The app puts an
unguessable token in the page address and keeps a small record of the session's state under
it here: the drawing, the chosen input and model, the Toy page's edits, the training run.
A reloaded tab reads the token from its address and takes its record back.

The store is bounded: a record expires after `ttl_seconds` without use, at most `max_records`
records are kept and at most `max_total_bytes` in all (the least recently used go first), and a
record larger than `max_bytes` (measured roughly, see `approximate_size`) is not saved. Everything is in memory of one
server process: a restart, or a second replica behind a proxy, starts with an empty store.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

TOKEN_BYTES = 16  # 128 random bits, written as 22 URL-safe characters


def new_token() -> str:
    """A fresh unguessable token for a page address: 22 URL-safe characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(text: object) -> bool:
    """True if text could be a token made by new_token (so a typed address cannot hold junk)."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return isinstance(text, str) and 16 <= len(text) <= 64 and set(text) <= allowed


# Python holds a list of numbers in about four times the bytes of its JSON text (a float is 24
# bytes, "12.5," five characters), so plain data counts 4 bytes per character.
PLAIN_DATA_FACTOR = 4


# A list longer than this is sized from this many of its items, evenly spaced: a drawing costs the
# same to size after 40 strokes as after 8, and the tab store sizes it after every stroke.
SAMPLE = 8


def approximate_size(value: object) -> int:
    """A rough size in bytes of a saved value: arrays and bytes by their data, containers summed.

    Args:
        value: a value kept in a record (numbers, strings, arrays, lists, dicts, other objects).

    Returns:
        An int: a Keras model counts 4 bytes per weight; lists and dicts of plain data count
        PLAIN_DATA_FACTOR bytes per character of their JSON; a list longer than SAMPLE counts its
        length times the mean size of SAMPLE of its items; other objects (a training run) count
        only their own header, because they are shared with the live session rather than copied.
    """
    if hasattr(value, "count_params"):
        return 4 * int(value.count_params())
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, bytes | str):
        return len(value)
    if isinstance(value, list | tuple) and len(value) > SAMPLE:
        step = len(value) / SAMPLE
        sample = [value[int(index * step)] for index in range(SAMPLE)]
        return round(approximate_size(sample) * len(value) / SAMPLE)
    items = value.values() if isinstance(value, Mapping) else value
    # Plain data such as a stroke: one C call rather than a walk over every point. Not tried when an
    # array or a long list is in sight: json.dumps would fail only after writing everything else, or
    # write every point of a long drawing.
    if isinstance(value, Mapping | list | tuple) and not any(_in_parts(item) for item in items):
        try:
            return PLAIN_DATA_FACTOR * len(json.dumps(value, separators=(",", ":")))
        except (TypeError, ValueError):
            pass
    if isinstance(value, Mapping):
        return sum(approximate_size(key) + approximate_size(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return sum(approximate_size(item) for item in value)
    return sys.getsizeof(value)


def _in_parts(item: object) -> bool:
    """True if an item holds, at any depth, what approximate_size measures on its own: an array, or a
    list longer than SAMPLE."""
    if isinstance(item, np.ndarray):
        return True
    if isinstance(item, list | tuple):
        return len(item) > SAMPLE or any(_in_parts(part) for part in item)
    if isinstance(item, Mapping):
        return any(_in_parts(part) for part in item.values())
    return False


@dataclass
class _Record:
    values: dict
    owner: str
    size: int
    used: float = field(default_factory=time.monotonic)


class StateStore:
    """A bounded, thread-safe map from tokens to the saved state of one browser tab."""

    def __init__(
        self,
        max_records: int = 200,
        ttl_seconds: float = 6 * 3600,
        max_bytes: int = 20_000_000,
        max_total_bytes: int = 200_000_000,
    ):
        self.max_records, self.ttl_seconds = max_records, ttl_seconds
        self.max_bytes, self.max_total_bytes = max_bytes, max_total_bytes
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def total_bytes(self) -> int:
        """The approximate size of every record kept, in bytes."""
        with self._lock:
            return sum(record.size for record in self._records.values())

    def __len__(self) -> int:
        with self._lock:
            self._expire(time.monotonic())
            return len(self._records)

    def _expire(self, now: float) -> None:
        while self._records:
            token, oldest = next(iter(self._records.items()))
            if now - oldest.used <= self.ttl_seconds:
                break
            del self._records[token]

    def remember(self, token: str, values: dict, owner: str) -> bool:
        """Merge `values` (a dict of state keys to values) into the record kept under `token`.

        Keys saved before and missing from `values` stay (a page's widgets are not in the state
        while another page shows); to forget a value, save it as None.

        Args:
            token: the tab's token.
            values: the state to keep; the dict is copied, its values are not.
            owner: the id of the server session that saves it.

        Returns:
            True if saved; False if the record would be larger than max_bytes (it is then dropped).
        """
        with self._lock:
            now = time.monotonic()
            self._expire(now)
            old = self._records.pop(token, None)
            merged = {**(old.values if old else {}), **values}
            size = approximate_size(merged)
            if size > self.max_bytes:
                return False
            self._records[token] = _Record(merged, owner, size, now)
            total = sum(record.size for record in self._records.values())
            while len(self._records) > self.max_records or total > self.max_total_bytes:
                total -= self._records.popitem(last=False)[1].size
            return token in self._records

    def take(self, token: str, owner: str, owner_alive: Callable[[str], bool]) -> dict | None:
        """The state saved under `token`, claimed for the session `owner`, or None.

        A token whose saving session is still alive is refused (None): the address was copied
        into a second tab or shared with the class, and two tabs must not share one record.

        Args:
            token: the token read from the page address.
            owner: the id of the session that asks.
            owner_alive: tells whether a session id is still connected.

        Returns:
            A copy of the saved dict, or None if there is none, it expired, or it is in use.
        """
        with self._lock:
            self._expire(time.monotonic())
            record = self._records.get(token)
            if record is None or (record.owner != owner and owner_alive(record.owner)):
                return None
            record.owner, record.used = owner, time.monotonic()
            self._records.move_to_end(token)
            return dict(record.values)

    def holder_alive(self, token: str, alive: Callable[[str], bool]) -> bool:
        """True if the session that last saved or took `token` is still connected."""
        with self._lock:
            record = self._records.get(token)
            return record is not None and alive(record.owner)
