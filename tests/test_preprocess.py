"""Tests for cnnlab.preprocess: canvas or upload -> 28x28 MNIST-style image."""

import time

import numpy as np
import pytest

from cnnlab import config, preprocess

SIZE = 280
# The frame centre in array-index coordinates (pixel i has its centre at i): 13.5.
CENTRE = (config.IMAGE_SIZE - 1) / 2


def ring_mask(size=SIZE, centre=(90, 180), radius=60, thickness=18):
    """Bool (size, size) ring drawn off-centre, like a hand-drawn 0."""
    rows, cols = np.indices((size, size))
    distance = np.hypot(rows - centre[0], cols - centre[1])
    return np.abs(distance - radius) <= thickness / 2


def bar_mask(size=SIZE, top=40, left=150, height=160, width=80):
    """Bool (size, size) filled rectangle."""
    mask = np.zeros((size, size), dtype=bool)
    mask[top : top + height, left : left + width] = True
    return mask


def seven_mask(size=SIZE):
    """Bool (size, size) 7-like shape whose centre of mass is not its box centre."""
    mask = np.zeros((size, size), dtype=bool)
    mask[60:80, 60:200] = True
    mask[60:240, 180:200] = True
    return mask


def dot_mask(size=SIZE, centre=(140, 140), radius=3):
    """Bool (size, size) small disc."""
    rows, cols = np.indices((size, size))
    return np.hypot(rows - centre[0], cols - centre[1]) <= radius


def dark_canvas(mask):
    """Style (a): white ink on an opaque black RGBA canvas."""
    image = np.zeros(mask.shape + (4,), dtype=np.uint8)
    image[mask, :3] = 255
    image[:, :, 3] = 255
    return image


def transparent_canvas(mask):
    """Style (b): black ink on a transparent RGBA canvas; the ink is in alpha."""
    image = np.zeros(mask.shape + (4,), dtype=np.uint8)
    image[mask, 3] = 255
    return image


def paper(mask, noise=0.0, seed=0):
    """Style (c): dark ink on light RGB paper, with optional Gaussian noise (grey levels)."""
    gray = np.where(mask, 30.0, 235.0)
    gray += np.random.default_rng(seed).normal(0.0, noise, mask.shape) if noise else 0.0
    gray = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)


STYLES = {"dark": dark_canvas, "transparent": transparent_canvas, "paper": paper}


def ink_box(image, level=0.1):
    """(height, width) of the pixels above level."""
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image):
    """(row, col) centre of mass of a 2-D array, in array-index coordinates."""
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return (rows * image).sum() / mass, (cols * image).sum() / mass


def check_mnist_like(result):
    """Assert result is float32 (28, 28) in [0, 1] with peak 1."""
    assert result.shape == (config.IMAGE_SIZE, config.IMAGE_SIZE)
    assert result.dtype == np.float32
    assert result.min() >= 0.0
    assert result.max() == pytest.approx(1.0)


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("make_mask", [ring_mask, bar_mask, seven_mask])
def test_each_style_gives_a_centred_20_pixel_digit(style, make_mask):
    result = preprocess.canvas_to_mnist(STYLES[style](make_mask()))
    check_mnist_like(result)
    assert max(ink_box(result)) in (config.DIGIT_BOX - 1, config.DIGIT_BOX)
    row, col = centre_of_mass(result)
    assert abs(row - CENTRE) <= 0.5
    assert abs(col - CENTRE) <= 0.5


@pytest.mark.parametrize("make_mask", [ring_mask, seven_mask])
def test_the_three_styles_agree(make_mask):
    mask = make_mask()
    results = [preprocess.canvas_to_mnist(STYLES[style](mask)) for style in sorted(STYLES)]
    for result in results[1:]:
        assert np.abs(result - results[0]).max() < 0.02


def test_noisy_paper_photo_matches_the_clean_drawing():
    clean = preprocess.canvas_to_mnist(dark_canvas(ring_mask()))
    noisy = preprocess.canvas_to_mnist(paper(ring_mask(), noise=6.0))
    assert np.abs(noisy - clean).max() < 0.1


def test_plain_grayscale_and_other_dtypes_agree_with_uint8():
    mask = ring_mask()
    expected = preprocess.canvas_to_mnist(mask.astype(np.uint8) * 255)
    variants = [
        mask,
        mask.astype(np.float64),
        mask.astype(np.float32) * 255.0,
        mask.astype(np.int64) * 255,
        (mask.astype(np.uint8) * 255)[:, :, None],
    ]
    for variant in variants:
        np.testing.assert_allclose(preprocess.canvas_to_mnist(variant), expected, atol=1e-6)


def test_the_centre_of_mass_is_moved_not_the_box_centre():
    steps = preprocess.preprocess_steps(dark_canvas(seven_mask()))
    assert steps.shift != (0, 0)
    row, col = centre_of_mass(steps.centred)
    assert abs(row - CENTRE) <= 0.5
    assert abs(col - CENTRE) <= 0.5


def test_aspect_ratio_is_kept():
    result = preprocess.canvas_to_mnist(dark_canvas(bar_mask(height=160, width=80)))
    height, width = ink_box(result)
    assert height == config.DIGIT_BOX
    assert abs(width - config.DIGIT_BOX / 2) <= 1


def test_a_wide_shape_is_scaled_by_its_width():
    result = preprocess.canvas_to_mnist(dark_canvas(bar_mask(top=100, left=20, height=40, width=200)))
    height, width = ink_box(result)
    assert width == config.DIGIT_BOX
    assert abs(height - 4) <= 1


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((SIZE, SIZE), dtype=np.uint8),
        np.full((SIZE, SIZE, 3), 255, dtype=np.uint8),
        dark_canvas(np.zeros((SIZE, SIZE), dtype=bool)),
        transparent_canvas(np.zeros((SIZE, SIZE), dtype=bool)),
        paper(np.zeros((SIZE, SIZE), dtype=bool), noise=4.0),
        np.zeros((1, 1), dtype=np.float32),
    ],
    ids=["black", "white", "dark-canvas", "transparent", "noisy-paper", "one-pixel"],
)
def test_blank_images_give_none(image):
    assert preprocess.canvas_to_mnist(image) is None
    assert preprocess.preprocess_steps(image) is None


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_tiny_dot_gives_none(style):
    assert preprocess.canvas_to_mnist(STYLES[style](dot_mask(radius=3))) is None


def test_a_thin_stroke_is_enough_ink():
    mask = bar_mask(top=40, left=138, height=200, width=4)
    assert preprocess.canvas_to_mnist(dark_canvas(mask)) is not None


def nan_image():
    image = np.zeros((10, 10), dtype=np.float32)
    image[3, 3] = np.nan
    return image


def inf_image():
    image = np.zeros((10, 10))
    image[3, 3] = np.inf
    return image


@pytest.mark.parametrize(
    "image",
    [
        [[0, 255], [255, 0]],
        None,
        "a picture",
        np.zeros((0, 0), dtype=np.uint8),
        np.zeros((0, 5, 3), dtype=np.uint8),
        np.zeros(10, dtype=np.uint8),
        np.zeros((2, 3, 4, 4), dtype=np.uint8),
        np.zeros((10, 10, 2), dtype=np.uint8),
        np.zeros((10, 10, 5), dtype=np.uint8),
        nan_image(),
        inf_image(),
        np.zeros((10, 10), dtype=np.complex64),
        np.full((10, 10), "x"),
        np.full((10, 10), -1, dtype=np.int16),
        np.full((10, 10), 300.0),
    ],
    ids=[
        "list",
        "none",
        "string",
        "empty",
        "empty-rgb",
        "1-d",
        "4-d",
        "2-channels",
        "5-channels",
        "nan",
        "inf",
        "complex",
        "str-array",
        "negative",
        "above-255",
    ],
)
def test_bad_inputs_raise_a_sentence(image):
    with pytest.raises(ValueError) as raised:
        preprocess.canvas_to_mnist(image)
    message = str(raised.value)
    assert message[0].isupper()
    assert message.endswith(".")


@pytest.mark.parametrize("channels", [3, 4])
def test_a_4000_pixel_image_is_reduced_and_fast(channels):
    image = np.zeros((4000, 4000, channels), dtype=np.uint8)
    image[1000:3000, 2000:2400] = 255
    if channels == 4:
        image[:, :, :3] = 0
        image[:, :, 3] = np.where(image[:, :, 3] == 255, 255, 0)
    start = time.perf_counter()
    steps = preprocess.preprocess_steps(image)
    assert time.perf_counter() - start < 3.0
    check_mnist_like(steps.centred)
    assert steps.reduction == 4
    assert steps.ink.shape == (1000, 1000)
    assert steps.bbox == (1000, 2000, 3000, 2400)
    assert ink_box(steps.centred) == (20, 4)


def test_steps_are_consistent():
    image = dark_canvas(seven_mask())
    steps = preprocess.preprocess_steps(image)
    top, left, bottom, right = steps.bbox
    assert (top, left, bottom, right) == (60, 60, 240, 200)
    assert steps.ink.shape == (SIZE, SIZE) and steps.ink.dtype == np.float32
    assert steps.reduction == 1
    np.testing.assert_array_equal(steps.cropped, steps.ink[top:bottom, left:right])
    assert steps.scaled.shape == (20, round(140 * 20 / 180))
    height, width = steps.scaled.shape
    dy, dx = steps.shift
    row = (config.IMAGE_SIZE - height) // 2 + dy
    col = (config.IMAGE_SIZE - width) // 2 + dx
    np.testing.assert_array_equal(steps.centred[row : row + height, col : col + width], steps.scaled)
    assert steps.centred.sum() == pytest.approx(steps.scaled.sum())
    np.testing.assert_array_equal(preprocess.canvas_to_mnist(image), steps.centred)
    for array in (steps.ink, steps.cropped, steps.scaled, steps.centred):
        assert array.dtype == np.float32 and array.min() >= 0 and array.max() <= 1


def test_paper_is_inverted_to_light_ink_on_black():
    steps = preprocess.preprocess_steps(paper(ring_mask()))
    mask = ring_mask()
    assert steps.ink[mask].min() == pytest.approx(1.0)
    assert steps.ink[~mask].max() == 0.0


def test_shift_image_moves_mass_by_exactly_the_shift():
    image = np.zeros((28, 28), dtype=np.float32)
    image[10:14, 8:11] = 0.5
    image[12, 9] = 1.0
    shifted = preprocess.shift_image(image, 3, -2)
    assert shifted.dtype == np.float32
    np.testing.assert_array_equal(shifted[13:17, 6:9], image[10:14, 8:11])
    assert shifted.sum() == pytest.approx(image.sum())
    before, after = centre_of_mass(image), centre_of_mass(shifted)
    assert after[0] - before[0] == pytest.approx(3)
    assert after[1] - before[1] == pytest.approx(-2)


def test_shift_image_pads_with_zeros_and_drops_what_leaves():
    ones = np.ones((28, 28))
    shifted = preprocess.shift_image(ones, 2, 3)
    assert shifted[:2].max() == 0 and shifted[:, :3].max() == 0
    assert shifted.sum() == 26 * 25
    left_up = preprocess.shift_image(ones, -5, -1)
    assert left_up[-5:].max() == 0 and left_up[:, -1].max() == 0
    assert preprocess.shift_image(ones, 28, 0).max() == 0
    np.testing.assert_array_equal(preprocess.shift_image(ones, 0, 0), ones)


@pytest.mark.parametrize("dy, dx", [(1.5, 0), (0, "2"), (True, 0)])
def test_shift_image_rejects_non_whole_shifts(dy, dx):
    with pytest.raises(ValueError, match="whole number"):
        preprocess.shift_image(np.zeros((28, 28)), dy, dx)


def test_ensure_mnist_image_returns_a_float32_copy():
    image = np.full((28, 28), 0.25)
    checked = preprocess.ensure_mnist_image(image)
    assert checked.dtype == np.float32
    checked[0, 0] = 1.0
    assert image[0, 0] == 0.25


@pytest.mark.parametrize(
    "image",
    [
        [[0.0] * 28] * 28,
        np.zeros((28, 28, 1)),
        np.zeros((27, 28)),
        np.full((28, 28), 255, dtype=np.uint8),
        np.full((28, 28), -0.1),
        np.full((28, 28), np.nan),
        np.zeros((28, 28), dtype=np.complex128),
    ],
    ids=["list", "channel-axis", "wrong-shape", "0-255", "negative", "nan", "complex"],
)
def test_ensure_mnist_image_rejects_bad_images(image):
    with pytest.raises(ValueError):
        preprocess.ensure_mnist_image(image)


def test_a_symmetric_digit_is_not_shifted():
    steps = preprocess.preprocess_steps(dark_canvas(ring_mask()))
    assert steps.shift == (0, 0)
    row, col = centre_of_mass(steps.centred)
    assert row == pytest.approx(CENTRE, abs=1e-3)
    assert col == pytest.approx(CENTRE, abs=1e-3)


def test_a_lopsided_digit_is_clipped_to_stay_in_the_frame():
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    mask[20:100, 20:100] = True  # A heavy blob at the top of a tall, thin stroke.
    mask[20:220, 20:22] = True
    steps = preprocess.preprocess_steps(dark_canvas(mask))
    assert steps.shift[0] == (config.IMAGE_SIZE - config.DIGIT_BOX) // 2
    assert steps.centred[-1].max() > 0  # Moved down as far as it goes: it touches the bottom.
    row, col = centre_of_mass(steps.centred)
    assert row < CENTRE - 0.5
    assert abs(col - CENTRE) <= 0.5
    assert steps.centred.sum() == pytest.approx(steps.scaled.sum())


def test_a_thin_pen_on_a_big_page_is_stretched_to_full_strength():
    mask = np.zeros((1000, 1000), dtype=bool)
    mask[100:900, 500:503] = True
    mask[100:103, 200:503] = True
    steps = preprocess.preprocess_steps(paper(mask))
    assert steps.scaled.max() == pytest.approx(1.0)
    check_mnist_like(steps.centred)
