"""The shared colour language: signed ranges are symmetric, scales run the stated way."""

import numpy as np

from cnnlab.figures import style


def test_signed_range_is_symmetric_around_zero():
    assert style.signed_range(np.array([-7.39, 1.03])) == (-7.39, 7.39)
    assert style.signed_range(np.array([0.2, 0.5])) == (-0.5, 0.5)


def test_signed_range_of_nothing_or_zeros_is_one_wide():
    assert style.signed_range(np.zeros((3, 3))) == (-1.0, 1.0)
    assert style.signed_range(np.array([np.nan])) == (-1.0, 1.0)


def test_signed_scale_is_white_in_the_middle_blue_below_red_above():
    positions = {position: colour for position, colour in style.SIGNED_COLORSCALE}
    assert positions[0.5] == "#f7f7f7"
    low, high = positions[0.0], positions[1.0]
    assert int(low[5:7], 16) > int(low[1:3], 16)  # more blue than red at the bottom
    assert int(high[1:3], 16) > int(high[5:7], 16)  # more red than blue at the top


def test_magnitude_scale_runs_from_black_to_white():
    assert style.MAGNITUDE_COLORSCALE[0] == [0.0, "#000000"]
    assert style.MAGNITUDE_COLORSCALE[-1] == [1.0, "#ffffff"]
