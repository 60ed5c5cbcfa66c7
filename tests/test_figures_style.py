"""The shared colour language: signed ranges are symmetric, scales run the stated way; plain figures."""

import json

import numpy as np
import plotly.graph_objects as go
from plotly.basedatatypes import BaseFigure
from streamlit.testing.v1 import AppTest

from cnnlab.figures import draw, style


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


def _chart_of_a_plain_figure():
    """A page with one probability chart handed to st.plotly_chart as a PlainFigure."""
    import streamlit as st

    from cnnlab.figures import draw, style

    probabilities = [0.02, 0.01, 0.03, 0.04, 0.05, 0.05, 0.1, 0.6, 0.05, 0.05]
    st.plotly_chart(style.PlainFigure(draw.probability_bars(probabilities, [str(digit) for digit in range(10)])))


def test_a_plain_figure_reaches_the_page_as_its_dict_and_no_figure_is_built(monkeypatch):
    """If a Streamlit or plotly upgrade starts building a go.Figure from what it is given, this fails:
    the per-stroke charts would pay 2-3 ms each again."""
    probabilities = [0.02, 0.01, 0.03, 0.04, 0.05, 0.05, 0.1, 0.6, 0.05, 0.05]
    spec = draw.probability_bars(probabilities, [str(digit) for digit in range(10)])
    assert go.Figure(spec).data[0].y is not None  # the dict is a figure plotly accepts
    built = []
    build = BaseFigure.__init__

    def counting_build(self, *args, **kwargs):
        built.append(type(self).__name__)
        build(self, *args, **kwargs)

    monkeypatch.setattr(BaseFigure, "__init__", counting_build)
    at = AppTest.from_function(_chart_of_a_plain_figure).run()
    assert not at.exception
    (chart,) = at.get("plotly_chart")
    sent = json.loads(chart.proto.spec)
    assert built == []
    assert sent["data"][0]["text"][7] == "60%" and sent["layout"]["yaxis"]["tickformat"] == ".0%"
    assert sent["data"][0]["marker"]["color"][7] == draw.HIGHLIGHT_COLOUR
