"""The feature-map figures hold the numbers they are given: one plot per channel, shared scales, boxes."""

import numpy as np
import pytest

from cnnlab import activations, models
from cnnlab.figures import network, style

SEED_SHAPES = {
    "input": (28, 28, 1),
    "conv_1": (26, 26, 32),
    "relu_1": (26, 26, 32),
    "pool_1": (13, 13, 32),
    "conv_2": (11, 11, 64),
    "relu_2": (11, 11, 64),
    "pool_2": (5, 5, 64),
    "flatten": (1600,),
    "dense_1": (128,),
    "dropout": (128,),
    "output": (10,),
}


@pytest.fixture
def seed_maps():
    return {name: np.zeros(shape, np.float32) for name, shape in SEED_SHAPES.items()}


def test_shape_flow_prints_the_seed_shapes_once_each(seed_maps):
    flow = network.shape_flow(seed_maps)
    assert flow == (
        "the 28 × 28 picture → 32 maps of 26 × 26 → 32 maps of 13 × 13 → 64 maps of 11 × 11 → 64 maps of 5 × 5"
        " → 1,600 numbers → 128 numbers → 10 numbers"
    )


def test_layer_header_names_the_layer_and_its_shape(seed_maps):
    assert network.layer_header("conv_1", seed_maps["conv_1"]) == "conv_1 — 32 maps of 26 × 26"
    assert network.layer_header("dense_1", seed_maps["dense_1"]) == "dense_1 — 128 numbers"
    assert network.shape_text(seed_maps["flatten"].shape) == "(1600,)"


def test_dense_layer_names_are_the_hidden_dense_layers(seed_maps):
    assert network.dense_layer_names(seed_maps) == ["dense_1"]


def test_layer_caption_gives_the_colour_range():
    maps = np.array([-1.5, 0.0, 2.25], np.float32).reshape(1, 1, 3)
    caption = network.layer_caption("conv_2", maps)
    assert "all 3 maps" in caption and "from −2.25 to +2.25 (white at 0)" in caption and "from -1.50 to 2.25" in caption


def test_feature_map_grid_has_one_heatmap_per_channel_on_one_scale():
    maps = np.random.default_rng(0).normal(size=(11, 11, 12)).astype(np.float32)
    figure = network.feature_map_grid(maps)
    assert len(figure.data) == 12
    assert {trace.coloraxis for trace in figure.data} == {"coloraxis"}
    assert len({trace.xaxis for trace in figure.data}) == 12
    limit = float(np.abs(maps).max())
    assert (figure.layout.coloraxis.cmin, figure.layout.coloraxis.cmax) == pytest.approx((-limit, limit))
    assert [list(step) for step in figure.layout.coloraxis.colorscale] == style.SIGNED_COLORSCALE
    for channel, trace in enumerate(figure.data):
        np.testing.assert_array_equal(np.asarray(trace.z), maps[:, :, channel])
    assert len(figure.layout.annotations) == 12 and figure.layout.annotations[7].text == "#7"


def test_feature_map_grid_uses_a_given_range_and_rejects_flat_input():
    figure = network.feature_map_grid(np.ones((4, 4, 2), np.float32), zmin=-2.0, zmax=3.0)
    assert (figure.layout.coloraxis.cmin, figure.layout.coloraxis.cmax) == (-2.0, 3.0)
    with pytest.raises(ValueError):
        network.feature_map_grid(np.ones(128, np.float32))


def test_signed_colorscale_is_white_at_zero():
    scale = network.signed_colorscale(-3.0, 1.0)
    assert [0.75, network.ZERO_COLOR] in [list(stop) for stop in scale]
    assert network.signed_colorscale(0.0, 2.0)[0] == [0.0, network.ZERO_COLOR]
    assert network.signed_colorscale(-2.0, 0.0)[-1] == [1.0, network.ZERO_COLOR]


def test_kernel_grid_shows_every_filter_centred_at_zero():
    kernels = np.random.default_rng(1).normal(size=(3, 3, 1, 32)).astype(np.float32)
    figure = network.kernel_grid(kernels, numbers=True)
    assert len(figure.data) == 32
    limit = float(np.abs(kernels).max())
    assert figure.layout.coloraxis.cmin == pytest.approx(-limit)
    assert figure.layout.coloraxis.cmax == pytest.approx(limit)
    np.testing.assert_array_equal(np.asarray(figure.data[5].z), kernels[:, :, 0, 5])
    assert figure.data[0].texttemplate == "%{z:.2f}"


def test_kernel_grid_rejects_a_deep_layer_without_a_chosen_filter():
    with pytest.raises(ValueError):
        network.kernel_grid(np.zeros((3, 3, 32, 64), np.float32))


def test_receptive_field_rectangle_covers_exactly_the_box():
    figure = network.receptive_field_figure(np.zeros((28, 28)), (2, 3, 10, 11))
    rectangle = figure.layout.shapes[0]
    assert (rectangle.y0 + 0.5, rectangle.x0 + 0.5) == (2, 3)
    assert (rectangle.y1 + 0.5, rectangle.x1 + 0.5) == (10, 11)
    assert "rows 2–9, columns 3–10" in figure.layout.title.text


def test_receptive_field_figure_matches_the_model():
    model = models.build_model("guide_cnn")
    box = activations.receptive_field(model, "conv_2", 1, 2)
    rectangle = network.receptive_field_figure(np.zeros((28, 28)), box).layout.shapes[0]
    assert (rectangle.x1 - rectangle.x0, rectangle.y1 - rectangle.y0) == (8, 8)
    assert (rectangle.y0 + 0.5, rectangle.x0 + 0.5) == (2, 4)


def test_cell_figure_marks_one_cell():
    feature_map = np.arange(25, dtype=np.float32).reshape(5, 5) - 5
    figure = network.cell_figure(feature_map, 3, 1, "conv_1, map #0")
    rectangle = figure.layout.shapes[0]
    assert (rectangle.y0, rectangle.x0, rectangle.y1, rectangle.x1) == (2.5, 0.5, 3.5, 1.5)
    assert (figure.data[0].zmin, figure.data[0].zmax) == (-19.0, 19.0)


def test_channel_sums_figure_highlights_the_chosen_channel():
    figure = network.channel_sums_figure(np.arange(32, dtype=np.float32), chosen=4)
    np.testing.assert_array_equal(np.asarray(figure.data[0].y), np.arange(32))
    colours = list(figure.data[0].marker.color)
    assert colours[4] == network.MARK_COLOR and colours.count(network.MARK_COLOR) == 1


def test_activation_bars_hold_every_unit():
    values = np.linspace(0, 1, 128, dtype=np.float32)
    figure = network.activation_bars(values, "dense_1")
    np.testing.assert_allclose(np.asarray(figure.data[0].y), values)
    assert len(figure.data[0].x) == 128


def test_overlay_puts_the_heat_over_the_image():
    image, heat = np.zeros((28, 28)), np.random.default_rng(2).random((28, 28))
    figure = network.overlay_figure(image, heat)
    assert len(figure.data) == 2
    np.testing.assert_allclose(np.asarray(figure.data[1].z), heat.astype(np.float32))
    assert (figure.data[1].zmin, figure.data[1].zmax) == (0, 1)
    with pytest.raises(ValueError):
        network.overlay_figure(image, heat[:14])
