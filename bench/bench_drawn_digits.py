"""How the shipped MNIST networks read digits drawn the way children draw them, not MNIST's own.

Digits made here, not taken from MNIST's test set: the ten stroke digits of tests/e2e/strokes.py
rendered as the canvas renders them, in variants (as drawn, small in a corner, thick and thin
pens, tilted ±12° and ±20°, off to one side, huge, tiny), European 1s with a short and a long
flag and a 7 with a bar, and low-resolution scans blown up to the canvas (each digit drawn at 28 or 40 pixels,
blurred and enlarged, as a photo of a small handwritten digit would be). Each picture goes
through the app's own preprocessing (preprocess.canvas_to_mnist) and then the network. Also
printed: MNIST's first 2,000 embedded test digits moved 4 pixels right.

Usage: python bench/bench_drawn_digits.py [MODEL.keras ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab import activations, data, models, preprocess  # noqa: E402
from tests.e2e.strokes import DIGITS, line, render  # noqa: E402
from tests.test_drawn_digits import VARIANTS, transform  # noqa: E402

MORE_VARIANTS = {
    "tilted 20° left": ({"degrees": -20}, 20),
    "tilted 20° right": ({"degrees": 20}, 20),
    "huge": ({"scale": 1.25}, 26),
    "tiny": ({"scale": 0.3}, 8),
}
# The digits as many European children write them: 1s with a short and a long flag, a 7 with a bar.
EUROPEAN = (
    (1, [line(0.42, 0.32, 0.55, 0.18, 4) + line(0.55, 0.18, 0.55, 0.82)]),
    (1, [line(0.32, 0.42, 0.55, 0.18, 6) + line(0.55, 0.18, 0.55, 0.82)]),
    (7, [line(0.28, 0.24, 0.72, 0.22) + line(0.72, 0.22, 0.42, 0.84), line(0.38, 0.53, 0.7, 0.53, 4)]),
)


def read(extractor, canvases) -> np.ndarray:
    """The network's guesses for canvas pictures, through the app's preprocessing."""
    images = [preprocess.canvas_to_mnist(np.asarray(canvas)) for canvas in canvases]
    if any(image is None for image in images):
        raise RuntimeError("A made-up digit was not found on its canvas.")
    return extractor.probabilities(np.stack(images)).argmax(axis=1)


def scanned(strokes, side: int) -> Image.Image:
    """A digit drawn small (side pixels), blurred like a scan, blown up to the 280-pixel canvas."""
    small = render(strokes, size=side, width=max(2, side // 12))
    return small.filter(ImageFilter.GaussianBlur(0.8)).resize((280, 280), Image.Resampling.BILINEAR)


def report(name: str, extractor) -> None:
    total = correct = 0
    print(f"{name}:")
    for variant, (arguments, width) in {**VARIANTS, **MORE_VARIANTS}.items():
        guesses = read(extractor, [render(transform(DIGITS[d], **arguments), width=width) for d in range(10)])
        hits = int(np.sum(guesses == np.arange(10)))
        total, correct = total + 10, correct + hits
        print(f"   {variant:<18} {hits}/10  {guesses.tolist()}")
    for side in (28, 40):
        guesses = read(extractor, [scanned(DIGITS[d], side) for d in range(10)])
        hits = int(np.sum(guesses == np.arange(10)))
        total, correct = total + 10, correct + hits
        print(f"   scan at {side} px      {hits}/10  {guesses.tolist()}")
    european = read(extractor, [render(strokes, width=20) for _, strokes in EUROPEAN])
    hits = int(np.sum(european == np.array([digit for digit, _ in EUROPEAN])))
    total, correct = total + len(EUROPEAN), correct + hits
    print(f"   European 1, 1, 7   {hits}/{len(EUROPEAN)}  {european.tolist()}")
    print(f"   made-up digits read: {correct} of {total} ({correct / total:.1%})")
    _, (images, labels) = data.load_embedded("mnist")
    moved = np.roll(images[:2000], 4, axis=2)
    moved[:, :, :4] = 0
    accuracy = float(np.mean(extractor.probabilities(moved).argmax(axis=1) == labels[:2000]))
    print(f"   2,000 MNIST test digits moved 4 px right: {accuracy:.2%}")


def main() -> None:
    """Both shipped MNIST networks, or the .keras files given on the command line."""
    if len(sys.argv) > 1:
        for path in sys.argv[1:]:
            report(path, activations.make_extractor(models.keras.models.load_model(path)))
        return
    for key in ("mnist", "mnist_mlp"):
        report(key, activations.make_extractor(models.load_pretrained(key)))


if __name__ == "__main__":
    main()
