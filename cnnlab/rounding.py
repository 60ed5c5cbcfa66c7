"""Numbers written so that they add up: the rounding every sum on screen goes through.

A page that writes "0.311 + 0.001 = 0.313" looks wrong even when each number is rounded correctly.
Here the parts of a sum are rounded so that, as written, they add up exactly to the rounded total,
and that total is the number the network stored; no part moves by a full unit of its last digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab.arithmetic import CellArithmetic

DIGITS = 4


def shown_parts(parts, total: float, digits: int = DIGITS) -> np.ndarray:
    """Round the parts of a sum so that, as written, they add up exactly to the rounded total.

    Each part is rounded down, and the parts that lost the most get one more unit in the last
    digit until the sum is right (largest remainders first), so no part moves by a full unit.

    Args:
        parts: float array (n,), the numbers added.
        total: their sum (or the rounded sum to reach).
        digits: decimals written.

    Returns:
        int64 array (n,): each part in units of 10**-digits; they sum to round(total * 10**digits).
    """
    scaled = np.asarray(parts, np.float64).reshape(-1) * 10**digits
    units = np.floor(scaled).astype(np.int64)
    target = int(round(total * 10**digits))
    short = target - int(units.sum())
    if len(units) == 0:
        return units
    order = np.argsort(-(scaled - units), kind="stable")
    steps, extra = divmod(short, len(units))
    units += steps
    units[order[:extra]] += 1
    return units


def written(units: int, digits: int = DIGITS) -> str:
    """A number given in units of 10**-digits, written with thousands separators and a minus sign."""
    sign = "−" if units < 0 else ""
    whole, part = divmod(abs(int(units)), 10**digits)
    return f"{sign}{whole:,}.{part:0{digits}d}" if digits else f"{sign}{whole:,}"


@dataclass(frozen=True, eq=False)
class ShownConv:
    """A convolution cell's sum as the page writes it: integers in units of 10**-digits that add up exactly.

    Attributes:
        products: int64 (kh, kw, in_channels), each product as written.
        channel_sums: int64 (in_channels,), each channel's products added (as written).
        total: int, the channel sums added.
        bias: int, the bias as written.
        value: int, total + bias: the stored number, rounded.
        digits: decimals written.
    """

    products: np.ndarray
    channel_sums: np.ndarray
    total: int
    bias: int
    value: int
    digits: int


def shown_conv(cell: CellArithmetic, stored: float, digits: int = DIGITS) -> ShownConv:
    """Round a convolution cell's arithmetic so every sum on screen adds up and ends at the stored value.

    Args:
        cell: a CellArithmetic.
        stored: the number the network stored in that cell.
        digits: decimals to write.

    Returns:
        A ShownConv; every written number is within one unit of the last digit of the true one.
    """
    scale = 10**digits
    value, bias = int(round(stored * scale)), int(round(cell.bias * scale))
    total = value - bias
    channel_sums = shown_parts(cell.channel_sums, total / scale, digits)
    products = np.stack(
        [shown_parts(cell.products[..., c], channel_sums[c] / scale, digits) for c in range(len(channel_sums))],
        axis=-1,
    ).reshape(cell.products.shape)
    return ShownConv(products, channel_sums, total, bias, value, digits)
