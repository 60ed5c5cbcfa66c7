"""The class board: runs shared by any session of the server, so groups compare on the projector.

A post keeps what a comparison needs and nothing heavy: a name (only what was typed), the network
in one line, its weights, epochs and seed, the per-epoch curves, the test accuracy and the time.
No model, no images. The board holds at most MAX_POSTS; the oldest goes first. It is safe to use
from every session's thread at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from cnnlab import builder, comparison, training

MAX_POSTS = 12
CURVE_NAMES = ("epoch_loss", "val_loss", "epoch_accuracy", "val_accuracy")


@dataclass(frozen=True)
class Post:
    """One run on the board: what was shared, and when (time.time() seconds)."""

    number: int
    name: str
    network: str
    weights: int
    epochs: int
    seed: int
    curves: dict
    test_accuracy: float
    seconds: float
    posted: float

    @property
    def label(self) -> str:
        """The post as the board's chart and table name it: "#3 Group B"."""
        return f"#{self.number} {self.name}"


def post_of(run: training.TrainingRun, name: str, number: int = 0) -> Post:
    """What a finished run puts on the board.

    Args:
        run: a run with a result.
        name: the name typed for it (a group, say); "run" when empty. At most 40 characters are kept.
        number: its number on the board.

    Returns:
        A Post holding copies of the run's curves (lists of floats).
    """
    result = run.result()
    if result is None:
        raise ValueError("Only a run that was tested can go on the class board.")
    progress, settings = run.progress(), run.settings
    return Post(
        number=number,
        name=(name.strip() or "run")[:40],
        network=builder.summary(comparison.architecture_of(settings)),
        weights=comparison.weights_of(settings),
        epochs=settings.epochs,
        seed=settings.seed,
        curves={key: [float(value) for value in getattr(progress, key)] for key in CURVE_NAMES},
        test_accuracy=float(result.test_accuracy),
        seconds=float(result.seconds),
        posted=time.time(),
    )


class ClassBoard:
    """A bounded, thread-safe list of posts that every session of the server reads."""

    def __init__(self, max_posts: int = MAX_POSTS):
        self.max_posts = max_posts
        self._posts: list[Post] = []
        self._next = 1
        self._lock = threading.Lock()

    def share(self, run: training.TrainingRun, name: str) -> Post:
        """Put a finished run on the board (the oldest post goes when it is full) and return its post."""
        with self._lock:
            post = post_of(run, name, self._next)
            self._next += 1
            self._posts = [*self._posts, post][-self.max_posts :]
            return post

    def posts(self) -> list[Post]:
        """The posts, oldest first (a copy)."""
        with self._lock:
            return list(self._posts)

    def clear(self) -> None:
        """Remove every post."""
        with self._lock:
            self._posts = []


def board_rows(posts: list[Post]) -> list[dict]:
    """The board as table rows, best test accuracy first.

    Args:
        posts: the posts.

    Returns:
        Rows {"run", "network", "weights", "epochs", "seed", "test accuracy", "seconds"} of text.
    """
    ordered = sorted(posts, key=lambda post: -post.test_accuracy)
    return [
        {
            "run": post.label,
            "network": post.network,
            "weights": f"{post.weights:,}",
            "epochs": str(post.epochs),
            "seed": str(post.seed),
            "test accuracy": f"{post.test_accuracy:.4f}",
            "seconds": f"{post.seconds:.1f}",
        }
        for post in ordered
    ]
