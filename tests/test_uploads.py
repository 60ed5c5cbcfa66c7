"""Tests for cnnlab.uploads: any readable picture becomes 8-bit pixels; anything else a clear ValueError."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from cnnlab import preprocess, uploads


def encode(picture: Image.Image, image_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def gradient(height=30, width=40) -> np.ndarray:
    """uint8 (height, width), every pixel different enough to check orientation."""
    return (np.arange(height * width).reshape(height, width) % 256).astype(np.uint8)


def test_gray_png_comes_back_unchanged():
    pixels = gradient()
    np.testing.assert_array_equal(uploads.load_upload(encode(Image.fromarray(pixels))), pixels)


def test_rgb_picture_becomes_gray_levels():
    colour = np.zeros((10, 12, 3), np.uint8)
    colour[..., 0] = 200  # red
    result = uploads.load_upload(encode(Image.fromarray(colour)))
    assert result.shape == (10, 12) and result.dtype == np.uint8
    assert np.all(result == round(200 * 299 / 1000))  # Pillow's luminance weight for red


def test_transparent_png_keeps_its_alpha_channel():
    ink = np.zeros((20, 20, 4), np.uint8)
    ink[5:15, 8:12, 3] = 255  # opaque strokes on a transparent background
    result = uploads.load_upload(encode(Image.fromarray(ink, "RGBA")))
    assert result.shape == (20, 20, 4)
    np.testing.assert_array_equal(result[..., 3], ink[..., 3])


def test_sixteen_bit_png_is_scaled_to_eight_bits():
    deep = np.array([[0, 257, 32896, 65535]], np.uint16)
    result = uploads.load_upload(encode(Image.fromarray(deep)))
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, [[0, 1, 128, 255]])


def test_cmyk_jpeg_becomes_gray_levels():
    picture = Image.new("CMYK", (16, 16), (0, 0, 0, 255))  # full black ink
    result = uploads.load_upload(encode(picture, "JPEG", quality=95))
    assert result.shape == (16, 16)
    assert result.max() < 40


def test_palette_and_one_bit_pictures_become_gray_levels():
    for mode in ("P", "1"):
        picture = Image.fromarray(gradient()).convert(mode)
        result = uploads.load_upload(encode(picture))
        assert result.shape == (30, 40) and result.dtype == np.uint8 and result.ndim == 2


def test_animated_gif_gives_its_first_frame():
    first = Image.new("L", (10, 10), 0)
    second = Image.new("L", (10, 10), 255)
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert uploads.load_upload(data).max() == 0


def test_phone_photo_is_turned_upright():
    pixels = gradient(30, 40)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    data = encode(Image.fromarray(pixels), "PNG", exif=exif)
    result = uploads.load_upload(data)
    assert result.shape == (40, 30)
    np.testing.assert_array_equal(result, np.rot90(pixels, k=-1))


def test_photo_of_a_digit_goes_through_preprocessing():
    paper = Image.new("RGB", (600, 450), (235, 232, 225))
    pixels = np.asarray(paper).copy()
    pixels[100:350, 280:310] = (30, 30, 40)  # a dark vertical stroke: a 1
    result = uploads.load_upload(encode(Image.fromarray(pixels), "JPEG", quality=90))
    digit = preprocess.canvas_to_mnist(result)
    assert digit.shape == (28, 28)
    assert digit[14, 14] > 0.5 and digit[14, 2] == 0


@pytest.mark.parametrize("data", [b"", b"this is not an image at all", b"\x89PNG\r\n\x1a\n"])
def test_what_is_not_a_picture_is_refused_with_a_sentence(data):
    with pytest.raises(ValueError) as caught:
        uploads.load_upload(data)
    assert str(caught.value).endswith(".") and "Traceback" not in str(caught.value)


def test_truncated_picture_is_refused():
    data = encode(Image.fromarray(gradient(200, 200)))
    with pytest.raises(ValueError, match="damaged or cut short"):
        uploads.load_upload(data[: len(data) // 2])


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height gray pixels but that holds one row of them."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    one_row = zlib.compress(b"\x00" * (width + 1))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", one_row) + png_chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(8000, 6000), (20_000, 10_000)])  # 48 and 200 megapixels
def test_huge_picture_is_refused_before_it_is_decoded(width, height):
    with pytest.raises(ValueError, match="too large"):
        uploads.load_upload(png_header_only(width, height))


def test_pixel_limit_is_the_one_configured(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100)
    with pytest.raises(ValueError, match="too large"):
        uploads.load_upload(encode(Image.fromarray(gradient(11, 10))))
    assert uploads.load_upload(encode(Image.fromarray(gradient(10, 10)))).shape == (10, 10)
