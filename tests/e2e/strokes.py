"""Mouse strokes for the ten digits, as a person would draw them, in canvas fractions (0..1)."""

from __future__ import annotations

import math


def arc(cx, cy, rx, ry, start_deg, end_deg, steps=24):
    """Points along an ellipse arc; angles in degrees, 0 = right, 90 = down (screen coordinates)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start_deg + (end_deg - start_deg) * i / steps for i in range(steps + 1))
    ]


def line(x0, y0, x1, y1, steps=8):
    return [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps + 1)]


# Each digit is a list of strokes; each stroke a list of (x, y) points in [0, 1].
DIGITS = {
    0: [arc(0.5, 0.5, 0.22, 0.32, -90, 270, 36)],
    1: [line(0.45, 0.25, 0.55, 0.2, 3) + line(0.55, 0.2, 0.55, 0.82)],
    2: [arc(0.5, 0.36, 0.2, 0.16, 190, 380) + line(0.68, 0.42, 0.3, 0.8) + line(0.3, 0.8, 0.72, 0.8)],
    3: [arc(0.48, 0.34, 0.18, 0.15, 200, 450), arc(0.48, 0.64, 0.2, 0.17, 270, 520)],
    4: [line(0.55, 0.18, 0.28, 0.6) + line(0.28, 0.6, 0.74, 0.6), line(0.62, 0.35, 0.62, 0.85)],
    5: [line(0.7, 0.2, 0.36, 0.2) + line(0.36, 0.2, 0.33, 0.46) + arc(0.5, 0.62, 0.2, 0.18, 235, 500)],
    6: [arc(0.6, 0.5, 0.26, 0.34, 250, 160, 16) + arc(0.5, 0.66, 0.18, 0.16, 180, 540)],
    7: [line(0.28, 0.22, 0.72, 0.22) + line(0.72, 0.22, 0.42, 0.84)],
    8: [arc(0.5, 0.33, 0.15, 0.14, 90, 450) + arc(0.5, 0.65, 0.19, 0.17, -90, 270)],
    9: [arc(0.5, 0.36, 0.18, 0.15, 0, 360) + line(0.68, 0.36, 0.64, 0.84)],
}


def render(strokes, size=280, width=20):
    """Draw strokes as the canvas would (white ink on black), for checking them without a browser."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (size, size), 0)
    pen = ImageDraw.Draw(picture)
    for stroke in strokes:
        points = [(x * size, y * size) for x, y in stroke]
        pen.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return picture
