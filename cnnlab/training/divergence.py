"""Catching a run that cannot learn: its loss became NaN, shot far above guessing, or stays at guessing.

With ten classes, a network that guesses gives each class a probability of about 0.1 and scores
a cross-entropy of ln 10 ≈ 2.30 on every image; a fresh network starts there. A loss that is NaN
("not a number") or, over RECENT_BATCHES batches, more than twice that level has blown up: no
healthy run goes there. A loss that stays near 2.30 for longer than a run may need to get going
(`patience` batches: CHANCE_BATCHES, or the warm-up if that is longer) is not learning.
"""

from __future__ import annotations

import math

from cnnlab import config

NOT_A_NUMBER = "not_a_number"
BLOWN_UP = "blown_up"
AT_CHANCE = "at_chance"
CHANCE_LOSS = math.log(config.NUM_CLASSES)
CHANCE_BATCHES = 60  # batches trained before a run may be called stuck
RECENT_BATCHES = 20  # the stretch of batches whose mean loss is compared with CHANCE_LOSS
STUCK_SHARE = 0.95  # stuck: that mean loss is at least 95 % of the guessing loss
BLOWN_UP_SHARE = 2.0  # blown up: that mean loss is more than twice the guessing loss

MESSAGES = {
    NOT_A_NUMBER: (
        "Training stopped early: the loss became NaN (not a number). The weights grew so large that the "
        "arithmetic overflowed. The usual cause is a learning rate that is too large: each step jumps so far "
        "that it overshoots, and the next step overshoots further. Try a learning rate 10 times smaller."
    ),
    BLOWN_UP: (
        "Training stopped early: over the last {recent:,} batches the loss averaged {loss:,.1f}, far above "
        "the 2.30 of blind guessing among 10 classes. The learning rate is too large: each step jumps so far "
        "that it overshoots, and the network gets worse instead of better. Try a learning rate 10 times smaller."
    ),
    AT_CHANCE: (
        "Training stopped early: after {batches:,} batches the loss was still {loss:.2f}, the loss of blind "
        "guessing among 10 classes (2.30). The network was not learning. Most often the learning rate is too "
        "large, so every step overshoots; sometimes it is so small that the weights barely move. "
        "Try 0.001 with Adam."
    ),
}


def check(losses: list[float], batch_ends: list[int], patience: int = CHANCE_BATCHES) -> tuple[str | None, dict]:
    """Say whether a run's loss has blown up or is stuck at guessing.

    Args:
        losses: the mean training loss of each recorded group of batches, oldest first.
        batch_ends: for each group, how many batches had been trained when it ended (increasing).
        patience: batches a run may take before a loss at guessing level counts as stuck.

    Returns:
        (NOT_A_NUMBER, BLOWN_UP, AT_CHANCE or None, details): details fill that code's MESSAGES entry.
    """
    if not losses:
        return None, {}
    trained = batch_ends[-1]
    if not math.isfinite(losses[-1]):
        return NOT_A_NUMBER, {"batches": trained}
    weights, total, index = 0, 0.0, len(losses) - 1
    while index >= 0 and weights < RECENT_BATCHES:  # groups can hold several batches: weight by their size
        size = batch_ends[index] - (batch_ends[index - 1] if index else 0)
        total, weights, index = total + losses[index] * size, weights + size, index - 1
    details = {"batches": trained, "recent": weights, "loss": total / weights}
    if trained >= RECENT_BATCHES and details["loss"] > BLOWN_UP_SHARE * CHANCE_LOSS:
        return BLOWN_UP, details
    if trained >= patience and details["loss"] >= STUCK_SHARE * CHANCE_LOSS:
        return AT_CHANCE, details
    return None, {}


def explain(code: str, details: dict) -> str:
    """The sentence a student reads for a code that check() returned."""
    return MESSAGES[code].format(**details)
