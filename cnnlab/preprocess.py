"""Turn a canvas drawing or an uploaded picture into a 28x28 image that looks like MNIST.

MNIST digits were made this way: find the ink, crop it to its bounding box, scale the
longer side to 20 pixels keeping the aspect ratio (with anti-aliasing, hence grey
edges), then place it in a 28x28 frame so that its centre of mass sits at the centre.
The result is light ink on black, float32 values in [0, 1].

Coordinates are array indices: pixel (row, col) has its centre at (row, col), so the
28x28 frame runs from -0.5 to 27.5 and its centre is (13.5, 13.5): (14, 14) measured
from the pixel edges, the centre of the field where MNIST put it. The centre of mass is
moved there by a whole-pixel shift (rounded, as in MNIST), so it ends within half a
pixel of it. A symmetric digit then sits exactly where centring its box would put it.

Three canvas styles are understood:
  (a) light ink on an opaque dark background (the app's canvas);
  (b) any ink on a transparent background: RGBA whose alpha is not all 255, the ink
      is the alpha channel;
  (c) dark ink on an opaque light background (a scan or a photo of pen on paper),
      recognised by a light border, and inverted.
"""

import dataclasses
import math

import numpy as np
from PIL import Image

from cnnlab import config

# Inputs whose longer side exceeds this are box-reduced to about this size first.
MAX_WORKING_SIDE = 1000
# Ink weaker than this fraction of the strongest ink is paper noise and set to 0.
NOISE_LEVEL = 0.2
# Strongest ink must differ from the background by this much (in [0, 1]) to count.
MIN_CONTRAST = 0.1
# A stroke needs at least this many pixels above half strength, and at least
# this fraction of the (working) image area: a tiny dot is not a digit.
MIN_INK_PIXELS = 4
MIN_INK_FRACTION = 0.001
# The ink must also reach across this fraction of the picture's longer side: one tap of
# the app's 20 px brush on its 280 px canvas is a dot (7 %), not a digit.
MIN_INK_EXTENT = 0.12


@dataclasses.dataclass(frozen=True, eq=False)
class PreprocessResult:
    """The intermediate images of one preprocessing run, kept for display.

    Attributes:
        ink: float32 (H, W) in [0, 1], light ink on black, at the working size (the
            original size, divided by `reduction` for very large inputs).
        cropped: float32 (h, w), `ink` cropped to the bounding box of the ink.
        scaled: float32, `cropped` resized so that its longer side is 20 pixels.
        centred: float32 (28, 28) in [0, 1], the final MNIST-style image.
        bbox: (top, left, bottom, right) of the ink in the original image, in pixels;
            bottom and right are exclusive, as in slicing.
        shift: (dy, dx) whole pixels the digit was moved from the middle of the frame
            to put its centre of mass at the frame centre (13.5, 13.5).
        reduction: how many original pixels make one `ink` pixel along each side.
    """

    ink: np.ndarray
    cropped: np.ndarray
    scaled: np.ndarray
    centred: np.ndarray
    bbox: tuple
    shift: tuple
    reduction: int = 1


def canvas_to_mnist(image):
    """Turn a drawing or picture into an MNIST-style digit, or None if nothing is drawn.

    Args:
        image: numpy array of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); uint8,
            another integer type with values in 0..255, bool, or finite floats in
            [0, 1] or [0, 255].

    Returns:
        float32 array of shape (28, 28), values in [0, 1], light digit on black;
        None when the image is blank, holds too little ink to be a stroke, or its
        ink is a dot too small to be a digit.
    """
    result = preprocess_steps(image)
    return None if result is None else result.centred


def preprocess_steps(image):
    """Run the MNIST preprocessing and keep every intermediate image.

    Args:
        image: numpy array as accepted by `canvas_to_mnist`.

    Returns:
        A PreprocessResult, or None when the image is blank, holds too little ink, or only a dot.
    """
    pixels = _as_uint8(image)
    gray = _single_channel(pixels)
    gray, reduction = _reduce_large(gray, MAX_WORKING_SIDE)
    ink = _ink_map(gray)
    if ink is None or not _enough_ink(ink):
        return None
    top, left, bottom, right = _bounding_box(ink)
    if max(bottom - top, right - left) < MIN_INK_EXTENT * max(ink.shape):
        return None
    cropped = ink[top:bottom, left:right].copy()
    scaled = _scale_longer_side(cropped, config.DIGIT_BOX)
    centred, shift = _centre_by_mass(scaled, config.IMAGE_SIZE)
    height, width = pixels.shape[:2]
    bbox = (
        top * reduction,
        left * reduction,
        min(bottom * reduction, height),
        min(right * reduction, width),
    )
    return PreprocessResult(ink, cropped, scaled, centred, bbox, shift, reduction)


def shift_image(image, dy, dx):
    """Move a 28x28 image by whole pixels, filling the uncovered border with 0.

    Args:
        image: float array of shape (28, 28), values in [0, 1].
        dy: rows to move down (negative moves up), an int.
        dx: columns to move right (negative moves left), an int.

    Returns:
        float32 array of shape (28, 28); what moves past the edge is lost.
    """
    image = ensure_mnist_image(image)
    for name, value in (("dy", dy), ("dx", dx)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"The shift {name} must be a whole number, got {value!r}.")
    height, width = image.shape
    shifted = np.zeros_like(image)
    if abs(dy) >= height or abs(dx) >= width:
        return shifted
    source = image[max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)]
    shifted[max(0, dy) : height - max(0, -dy), max(0, dx) : width - max(0, -dx)] = source
    return shifted


def ensure_mnist_image(x):
    """Check that x is an MNIST-style image and return it as float32.

    Args:
        x: numpy array of shape (28, 28), real numbers in [0, 1].

    Returns:
        float32 array of shape (28, 28), a copy of x.
    """
    size = config.IMAGE_SIZE
    if not isinstance(x, np.ndarray):
        raise ValueError(f"The image must be a numpy array, not {type(x).__name__}.")
    if x.shape != (size, size):
        raise ValueError(f"The image must have shape ({size}, {size}), got {x.shape}.")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"The image must hold real numbers, got dtype {x.dtype}.")
    values = x.astype(np.float32)
    if not np.isfinite(values).all():
        raise ValueError("The image must not contain NaN or infinite values.")
    if values.min() < 0 or values.max() > 1:
        raise ValueError("The image values must lie between 0 and 1.")
    return values


def _as_uint8(image):
    """Validate an input picture and return it as uint8 (H, W), (H, W, 3) or (H, W, 4)."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"The image must be a numpy array, not {type(image).__name__}.")
    if image.dtype.kind not in "biuf":
        raise ValueError(f"The image must hold real numbers, got dtype {image.dtype}.")
    if image.ndim not in (2, 3):
        raise ValueError(f"The image must be 2-D or 3-D (with channels), got {image.ndim}-D.")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
        raise ValueError(f"The image must have 1, 3 or 4 channels, got {image.shape[2]}.")
    if image.size == 0:
        raise ValueError(f"The image is empty: its shape is {image.shape}.")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.dtype == np.uint8:
        return image
    if image.dtype.kind == "b":
        return image.astype(np.uint8) * 255
    return _numbers_to_uint8(image)


def _numbers_to_uint8(image):
    """Convert integers in 0..255, or floats in [0, 1] or [0, 255], to uint8."""
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        raise ValueError("The image must not contain NaN or infinite values.")
    low, high = image.min(), image.max()
    if low < 0 or high > 255:
        raise ValueError(f"The image values must lie between 0 and 255, got {low} to {high}.")
    if image.dtype.kind in "iu":
        return image.astype(np.uint8)
    scale = 255.0 if high <= 1 else 1.0
    return np.rint(image.astype(np.float32) * scale).astype(np.uint8)


def _single_channel(pixels):
    """Return the one uint8 (H, W) channel that carries the ink.

    RGBA with any transparency keeps alpha (the ink on a transparent canvas); other
    colour images become luminance (Pillow's ITU-R 601-2 weights; alpha is ignored).
    """
    if pixels.ndim == 2:
        return pixels
    if pixels.shape[2] == 4 and pixels[:, :, 3].min() < 255:
        return np.ascontiguousarray(pixels[:, :, 3])
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).convert("L"))


def _reduce_large(gray, max_side):
    """Box-average a uint8 (H, W) image by a whole factor so its longer side is <= max_side.

    Returns:
        (reduced uint8 array, factor); factor is 1 when no reduction was needed.
    """
    factor = math.ceil(max(gray.shape) / max_side)
    if factor <= 1:
        return gray, 1
    return np.asarray(Image.fromarray(gray).reduce(factor)), factor


def _ink_map(gray):
    """Turn a uint8 (H, W) channel into float32 ink in [0, 1], light on black.

    The background level is the median of the border pixels; a light background
    (> 127) means dark ink on paper, so the image is inverted and the paper's level
    is followed across the picture (`_paper_level`): a photo's shading is not ink.
    The background is subtracted, the strongest ink scaled to 1, and ink under
    NOISE_LEVEL set to 0.

    Returns:
        float32 (H, W) array, or None when the strongest ink differs from the
        background by less than MIN_CONTRAST (a blank image).
    """
    values = gray.astype(np.float32) / 255.0
    border = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    background = float(np.median(border))
    if background > 127 / 255:
        values = 1.0 - values
        background = 1.0 - _paper_level(gray) / 255.0
    ink = np.clip(values - background, 0.0, None)
    strongest = float(ink.max())
    if strongest < MIN_CONTRAST:
        return None
    ink /= strongest
    ink[ink < NOISE_LEVEL] = 0.0
    return ink


def _paper_level(gray):
    """The grey level of light paper at every pixel of a uint8 (H, W) photo, from its border.

    Each border line is smoothed by a running median, so ink crossing the border and noise
    drop out; the four lines are then blended across the picture (a Coons patch). A flat
    page gives its one level everywhere; a gradient or a shadow reaching the border is
    followed, so the paper it darkens is not taken for ink.

    Returns:
        float32 (H, W) array of grey levels in [0, 255].
    """
    values = gray.astype(np.float32)
    top, bottom = _running_median(values[0]), _running_median(values[-1])
    left, right = _running_median(values[:, 0]), _running_median(values[:, -1])
    down = np.linspace(0.0, 1.0, values.shape[0], dtype=np.float32)[:, None]
    across = np.linspace(0.0, 1.0, values.shape[1], dtype=np.float32)[None, :]
    corners = [(top[0] + left[0]) / 2, (top[-1] + right[0]) / 2, (bottom[0] + left[-1]) / 2]
    corners.append((bottom[-1] + right[-1]) / 2)
    lines = (1 - down) * top + down * bottom + (1 - across) * left[:, None] + across * right[:, None]
    weights = ((1 - across) * (1 - down), across * (1 - down), (1 - across) * down, across * down)
    return lines - sum(weight * corner for weight, corner in zip(weights, corners, strict=True))


def _running_median(line):
    """The median of every window of a quarter of a float32 line's length, mirrored at the ends."""
    half = len(line) // 8
    if half == 0:
        return line
    padded = np.pad(line, half, mode="reflect")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1).astype(np.float32)


def _enough_ink(ink):
    """True if ink (float32 (H, W) in [0, 1]) holds enough strong pixels to be a stroke."""
    strong = int(np.count_nonzero(ink > 0.5))
    return strong >= max(MIN_INK_PIXELS, MIN_INK_FRACTION * ink.size)


def _bounding_box(ink):
    """Return (top, left, bottom, right) of the non-zero pixels; bottom, right exclusive."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _scale_longer_side(cropped, box):
    """Resize float32 (h, w) so its longer side is box pixels, keeping the aspect ratio.

    Lanczos resampling anti-aliases the edges; its ringing is clipped away, and the
    result is stretched so its strongest pixel is 1, like the MNIST digits.

    Returns:
        float32 array whose longer side is box, values in [0, 1].
    """
    height, width = cropped.shape
    factor = box / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(cropped.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    scaled = np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    strongest = float(scaled.max())
    if strongest > 0:
        scaled = scaled / strongest
    return scaled


def _centre_by_mass(scaled, size):
    """Place scaled (h, w) in a size x size frame with its centre of mass at the centre.

    The frame centre is (size - 1) / 2 in array indices. The offset is rounded to whole
    pixels (halves round up) and clipped so the whole digit stays in the frame.

    Returns:
        (float32 (size, size) array in [0, 1], (dy, dx) shift from the middle position).
    """
    height, width = scaled.shape
    rows, cols = np.indices(scaled.shape)
    mass = float(scaled.sum())
    centre_row = float((rows * scaled).sum()) / mass
    centre_col = float((cols * scaled).sum()) / mass
    target = (size - 1) / 2
    top = min(max(math.floor(target - centre_row + 0.5), 0), size - height)
    left = min(max(math.floor(target - centre_col + 0.5), 0), size - width)
    frame = np.zeros((size, size), dtype=np.float32)
    frame[top : top + height, left : left + width] = scaled
    shift = (top - (size - height) // 2, left - (size - width) // 2)
    return np.clip(frame, 0.0, 1.0), shift
