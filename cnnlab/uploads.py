"""Read an uploaded photo or scan into pixels, refusing with a sentence what is not a readable picture."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Pictures with more pixels than this are refused before they are decoded (a 40-megapixel photo
# already takes 160 MB as RGBA).
MAX_PIXELS = 40_000_000
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_HIGH_DEPTH_MODES = ("I", "F", "I;16", "I;16L", "I;16B", "I;16N")
# What Pillow raises on a damaged or truncated file once it starts decoding.
_DAMAGED = "The picture could not be read completely: the file may be damaged or cut short."
_DECODING_ERRORS = (OSError, SyntaxError, EOFError, IndexError, TypeError, ValueError, struct.error)


def load_upload(data: bytes) -> np.ndarray:
    """Decode the bytes of an uploaded picture, upright, at 8 bits per channel.

    Animated pictures give their first frame; the EXIF orientation of a phone photo is applied;
    16-bit, CMYK, palette and 1-bit pictures are converted.

    Args:
        data: the file's bytes (PNG, JPEG, GIF, BMP, WebP, TIFF, ...).

    Returns:
        uint8 array (H, W) of gray levels, or (H, W, 4) RGBA when the picture has transparency.

    Raises:
        ValueError: the file is empty, not a picture, damaged or cut short, or too large.
    """
    if not data:
        raise ValueError("The file is empty.")
    try:
        picture = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as error:
        raise ValueError("This file is not a picture that can be read: upload a PNG or JPEG image.") from error
    except Image.DecompressionBombError as error:
        raise ValueError(f"The picture is too large: the limit is {MAX_PIXELS // 1_000_000} megapixels.") from error
    except _DECODING_ERRORS as error:
        raise ValueError(_DAMAGED) from error
    with picture:
        _check_size(picture.size)
        try:
            picture.seek(0)
            return _to_array(ImageOps.exif_transpose(picture))
        except _DECODING_ERRORS as error:
            raise ValueError(_DAMAGED) from error


def _check_size(size) -> None:
    """Raise ValueError unless (width, height) is a non-empty picture of at most MAX_PIXELS pixels."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ValueError("The picture has no pixels.")
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"The picture is too large ({width} × {height} pixels): "
            f"the limit is {MAX_PIXELS // 1_000_000} megapixels. Crop it or take a smaller photo."
        )


def _to_array(picture: Image.Image) -> np.ndarray:
    """One decoded frame as uint8 gray (H, W), or uint8 RGBA (H, W, 4) if it has transparency."""
    if picture.mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_gray(np.asarray(picture))
    has_alpha = picture.mode in _ALPHA_MODES or "transparency" in picture.info
    if has_alpha:
        return np.asarray(picture.convert("RGBA"))
    if picture.mode not in ("L", "RGB"):
        picture = picture.convert("RGB")
    return np.asarray(picture.convert("L"))


def _high_depth_to_gray(values: np.ndarray) -> np.ndarray:
    """16- or 32-bit gray levels, or floats, as uint8 (H, W) in 0..255.

    Integers above 255 are read as 16-bit (0..65535); floats no higher than 1 as 0..1.
    """
    is_float = values.dtype.kind == "f"
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        raise ValueError("The picture holds values that are not numbers.")
    highest = float(values.max())
    if highest > 255.0:
        values = values / 257.0
    elif is_float and highest <= 1.0:
        values = values * 255.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
