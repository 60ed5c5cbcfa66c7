"""Digits drawn like on the canvas (off-centre, thick or thin, tilted) are read by the shipped CNN."""

import math

import numpy as np
import pytest

from cnnlab import activations, models, preprocess
from tests.e2e.strokes import DIGITS, render


def transform(strokes, scale=1.0, shift=(0.0, 0.0), degrees=0.0):
    angle = math.radians(degrees)
    moved = []
    for stroke in strokes:
        points = []
        for x, y in stroke:
            x, y = (x - 0.5) * scale, (y - 0.5) * scale
            x, y = x * math.cos(angle) - y * math.sin(angle), x * math.sin(angle) + y * math.cos(angle)
            points.append((x + 0.5 + shift[0], y + 0.5 + shift[1]))
        moved.append(points)
    return moved


VARIANTS = {
    "as drawn": ({}, 20),
    "small in a corner": ({"scale": 0.45, "shift": (-0.25, -0.22)}, 12),
    "thick pen": ({}, 34),
    "thin pen": ({}, 8),
    "tilted left": ({"degrees": -12}, 20),
    "tilted right": ({"degrees": 12}, 20),
    "off to the right": ({"scale": 0.7, "shift": (0.14, 0.1)}, 18),
}


@pytest.fixture(scope="module")
def extractor():
    return activations.make_extractor(models.load_pretrained("mnist"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_drawn_digits_are_read(extractor, variant):
    arguments, width = VARIANTS[variant]
    images = []
    for digit in range(10):
        canvas = np.asarray(render(transform(DIGITS[digit], **arguments), width=width))
        image = preprocess.canvas_to_mnist(canvas)
        assert image is not None, f"digit {digit} was not found"
        images.append(image)
    predicted = extractor.probabilities(np.stack(images)).argmax(axis=1)
    correct = int(np.sum(predicted == np.arange(10)))
    assert correct >= 9, f"{variant}: read {predicted.tolist()}"
