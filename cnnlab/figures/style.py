"""The one colour language of every figure, and what every chart shares on a projector.

Two kinds of number are drawn as colours, and each has one scale on every page:
- Signed numbers (weights, feature maps, products, biases, scores): blue below 0, white at 0,
  red above 0, on a range symmetric around 0, so +1 and -1 look equally strong and a colour
  bar is always true to what is drawn.
- Magnitudes (pixels, saliency, anything that starts at 0): black at 0 to white at the
  largest value, like the white ink on the black canvas and in MNIST.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

SIGNED_COLORSCALE = [
    [0.0, "#053061"],
    [0.25, "#4393c3"],
    [0.5, "#f7f7f7"],
    [0.75, "#d6604d"],
    [1.0, "#67001f"],
]
MAGNITUDE_COLORSCALE = [[0.0, "#000000"], [1.0, "#ffffff"]]

SIGNED_WORDS = "Colours of signed numbers: red above 0, blue below 0, white at 0; the deeper the colour, the larger."
MAGNITUDE_WORDS = "Brightness of pixels and other amounts: black is 0, white is the largest."

# Plotly's hover toolbar covers titles and grids and offers nothing a class needs.
CHART_CONFIG = {"displayModeBar": False}


class PlainFigure(go.Figure):
    """A chart already written as a plotly dict, which st.plotly_chart sends as it is.

    Given a dict, st.plotly_chart builds a go.Figure from it to check it: 2-3 ms for a ten-bar
    chart, the largest cost of a chart redrawn at every stroke. Given a go.Figure, it only asks
    for its dict. This figure answers with the dict it was made from, and builds nothing; the
    dicts it carries are checked by go.Figure in the tests instead. Only for st.plotly_chart:
    it has none of go.Figure's other contents.
    """

    def __init__(self, spec: dict):  # go.Figure.__init__ is skipped on purpose: it is the cost
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def signed_limit(values) -> float:
    """The largest absolute value of an array, so a signed scale runs from -limit to +limit.

    Args:
        values: array-like of any shape; NaNs are ignored.

    Returns:
        A positive float (1.0 when every value is 0, NaN or the array is empty).
    """
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    limit = float(np.abs(finite).max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def signed_range(values) -> tuple[float, float]:
    """(-limit, +limit) of signed_limit(values): the colour range of any signed figure."""
    limit = signed_limit(values)
    return -limit, limit
