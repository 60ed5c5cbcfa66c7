"""Tests for the feature-map extractor, kernels, receptive fields, cell arithmetic and heat maps."""

import inspect

import keras
import numpy as np
import pytest
from keras import layers

from cnnlab import activations, arithmetic, attribution, geometry, models, reading, shift
from cnnlab import extractor as extractor_module

GUIDE_LAYERS = ["conv_1", "relu_1", "pool_1", "conv_2", "relu_2", "pool_2", "flatten", "dense_1", "output"]


def _built(preset):
    keras.utils.set_random_seed(0)
    return models.build_model(preset)


@pytest.fixture(scope="module")
def guide():
    return _built("guide_cnn")


@pytest.fixture(scope="module")
def kaggle():
    return _built("kaggle_deep")


@pytest.fixture(scope="module")
def keras_example():
    return _built("keras_example")


@pytest.fixture(scope="module")
def mlp():
    return _built("mlp_baseline")


@pytest.fixture(scope="module")
def bar():
    """A vertical bar a few pixels wide, like a drawn 1: float32 (28, 28) in [0, 1]."""
    image = np.zeros((28, 28), np.float32)
    image[5:23, 12:16] = 1.0
    return image


@pytest.fixture(scope="module")
def noise():
    return np.random.default_rng(1).random((28, 28)).astype(np.float32)


@pytest.fixture(scope="module")
def guide_maps(guide, noise):
    return activations.make_extractor(guide).maps(noise)


def test_maps_follow_layer_order_with_input_first(guide, guide_maps):
    extractor = activations.make_extractor(guide)
    assert extractor.layer_names == GUIDE_LAYERS
    assert list(guide_maps) == ["input", *GUIDE_LAYERS]


def test_guide_map_shapes(guide_maps):
    shapes = {name: array.shape for name, array in guide_maps.items()}
    assert shapes == {
        "input": (28, 28, 1),
        "conv_1": (26, 26, 32),
        "relu_1": (26, 26, 32),
        "pool_1": (13, 13, 32),
        "conv_2": (11, 11, 64),
        "relu_2": (11, 11, 64),
        "pool_2": (5, 5, 64),
        "flatten": (1600,),
        "dense_1": (128,),
        "output": (10,),
    }
    assert all(array.dtype == np.float32 for array in guide_maps.values())


def test_input_map_is_the_image(guide_maps, noise):
    np.testing.assert_array_equal(guide_maps["input"][:, :, 0], noise)


def test_relu_and_pool_maps_follow_from_the_conv_maps(guide_maps):
    np.testing.assert_array_equal(guide_maps["relu_1"], np.maximum(guide_maps["conv_1"], 0))
    np.testing.assert_array_equal(guide_maps["relu_2"], np.maximum(guide_maps["conv_2"], 0))
    pooled_1 = guide_maps["relu_1"].reshape(13, 2, 13, 2, 32).max(axis=(1, 3))
    np.testing.assert_array_equal(guide_maps["pool_1"], pooled_1)
    pooled_2 = guide_maps["relu_2"][:10, :10].reshape(5, 2, 5, 2, 64).max(axis=(1, 3))
    np.testing.assert_array_equal(guide_maps["pool_2"], pooled_2)
    np.testing.assert_array_equal(guide_maps["flatten"], guide_maps["pool_2"].reshape(-1))


def test_probabilities_match_the_model(guide, guide_maps, noise):
    extractor = activations.make_extractor(guide)
    expected = guide(noise[None, :, :, None], training=False).numpy()[0]
    probabilities = extractor.probabilities(noise)
    assert probabilities.shape == (10,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    np.testing.assert_allclose(guide_maps["output"], expected, atol=1e-5)


def test_batch_and_single_probabilities_agree_in_every_layout(guide, monkeypatch):
    extractor = activations.make_extractor(guide)
    images = np.random.default_rng(2).random((7, 28, 28)).astype(np.float32)
    monkeypatch.setattr(extractor_module, "CHUNK_SIZE", 3)
    batch = extractor.probabilities(images)
    assert batch.shape == (7, 10)
    np.testing.assert_allclose(batch, guide(images[..., None], training=False).numpy(), atol=1e-5)
    np.testing.assert_allclose(extractor.probabilities(images[..., None]), batch, atol=1e-6)
    np.testing.assert_allclose(extractor.probabilities(images[4]), batch[4], atol=1e-5)
    np.testing.assert_allclose(extractor.probabilities(images[4][..., None]), batch[4], atol=1e-5)
    assert extractor.probabilities(np.zeros((0, 28, 28))).shape == (0, 10)


def test_uint8_images_are_scaled(guide):
    extractor = activations.make_extractor(guide)
    pixels = np.random.default_rng(3).integers(0, 256, (28, 28), dtype=np.uint8)
    np.testing.assert_allclose(extractor.probabilities(pixels), extractor.probabilities(pixels / 255.0), atol=1e-6)


def test_calls_never_retrace(guide, noise):
    extractor = activations.make_extractor(guide)
    for count in (1, 2, 5):
        extractor.probabilities(np.repeat(noise[None], count, axis=0))
        extractor.maps(noise)
    assert extractor._maps_fn.experimental_get_tracing_count() == 1
    assert extractor._probabilities_fn.experimental_get_tracing_count() == 1


def test_module_never_calls_predict():
    for module in (activations, extractor_module, arithmetic, attribution, geometry, shift, reading):
        assert ".predict(" not in inspect.getsource(module)


def test_dropout_runs_in_inference_mode(keras_example, noise):
    first = activations.feature_maps(keras_example, noise)
    second = activations.feature_maps(keras_example, noise)
    assert "dropout" in first
    np.testing.assert_array_equal(first["dropout"], first["flatten"])
    np.testing.assert_array_equal(first["output"], second["output"])


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((27, 28)),
        np.zeros((28, 28, 3)),
        np.zeros((2, 28, 28)),
        np.full((28, 28), np.nan),
        np.full((28, 28), np.inf),
        np.full((28, 28), "a"),
    ],
)
def test_bad_image_is_rejected(guide, bad):
    with pytest.raises(ValueError):
        activations.make_extractor(guide).maps(bad)


@pytest.mark.parametrize("bad", [np.zeros((3, 28, 28, 3)), np.zeros((3, 27, 28)), np.zeros(784)])
def test_bad_batch_is_rejected(guide, bad):
    with pytest.raises(ValueError):
        activations.make_extractor(guide).probabilities(bad)


def test_model_with_the_wrong_input_is_rejected():
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax", name="output")(layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match="28, 28, 1"):
        activations.make_extractor(model)


def test_feature_maps_builds_the_extractor_once(bar, monkeypatch):
    model = _built("guide_cnn")
    built = []
    original = activations.FeatureExtractor.__init__

    def counting_init(self, model):
        built.append(model)
        original(self, model)

    monkeypatch.setattr(activations.FeatureExtractor, "__init__", counting_init)
    first = activations.feature_maps(model, bar)
    second = activations.feature_maps(model, bar)
    assert len(built) == 1
    assert activations.make_extractor(model) is activations.make_extractor(model)
    np.testing.assert_array_equal(first["conv_2"], second["conv_2"])


def test_model_still_saves_and_loads_with_its_extractor(guide, bar, tmp_path):
    activations.make_extractor(guide)
    path = tmp_path / "model.keras"
    guide.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    np.testing.assert_allclose(
        activations.feature_maps(loaded, bar)["output"], activations.feature_maps(guide, bar)["output"], atol=1e-6
    )


def test_conv_kernels(guide):
    kernel, bias = activations.conv_kernels(guide, "conv_2")
    assert kernel.shape == (3, 3, 32, 64) and bias.shape == (64,)
    np.testing.assert_array_equal(kernel, guide.get_layer("conv_2").kernel.numpy())
    assert activations.conv_kernels(guide, "conv_1")[0].shape == (3, 3, 1, 32)
    with pytest.raises(ValueError, match="not a convolution"):
        activations.conv_kernels(guide, "pool_1")
    with pytest.raises(ValueError, match="no layer named"):
        activations.conv_kernels(guide, "conv_9")


def test_spatial_and_conv_layers(guide, kaggle, mlp):
    assert activations.spatial_layers(guide) == ["conv_1", "relu_1", "pool_1", "conv_2", "relu_2", "pool_2"]
    assert activations.conv_layers(guide) == ["conv_1", "conv_2"]
    assert activations.conv_layers(kaggle) == ["conv_1", "conv_2", "conv_3", "conv_4"]
    assert activations.spatial_layers(mlp) == [] and activations.conv_layers(mlp) == []


@pytest.mark.parametrize(
    "layer_name, row, col, expected",
    [
        ("conv_1", 4, 7, (4, 7, 7, 10)),
        ("relu_1", 25, 25, (25, 25, 28, 28)),
        ("pool_1", 3, 5, (6, 10, 10, 14)),
        ("conv_2", 3, 5, (6, 10, 14, 18)),
        ("pool_2", 2, 1, (8, 4, 18, 14)),
        ("pool_2", 4, 4, (16, 16, 26, 26)),
    ],
)
def test_guide_receptive_fields(guide, layer_name, row, col, expected):
    assert activations.receptive_field(guide, layer_name, row, col) == expected


@pytest.mark.parametrize(
    "layer_name, row, col, expected",
    [
        ("conv_1", 0, 0, (0, 0, 3, 3)),
        ("conv_1", 10, 27, (8, 25, 13, 28)),
        ("conv_2", 0, 0, (0, 0, 5, 5)),
        ("conv_4", 10, 10, (4, 4, 17, 17)),
        ("pool_1", 5, 5, (4, 4, 18, 18)),
    ],
)
def test_same_padding_receptive_fields_are_offset_and_clipped(kaggle, layer_name, row, col, expected):
    assert activations.receptive_field(kaggle, layer_name, row, col) == expected


def test_receptive_field_rejects_flat_layers_and_outside_cells(guide):
    with pytest.raises(ValueError, match="no rows and columns"):
        activations.receptive_field(guide, "dense_1", 0, 0)
    with pytest.raises(ValueError, match="outside"):
        activations.receptive_field(guide, "pool_2", 5, 0)


def test_only_pixels_inside_the_receptive_field_change_a_pool_2_cell(guide, noise):
    extractor = activations.make_extractor(guide)
    top, left, bottom, right = activations.receptive_field(guide, "pool_2", 2, 2)
    assert (top, left, bottom, right) == (8, 8, 18, 18)
    before = extractor.maps(noise)["pool_2"][2, 2]
    for row, col in [(top - 1, 12), (bottom, 12), (12, left - 1), (12, right), (0, 0), (27, 27)]:
        changed = noise.copy()
        changed[row, col] = 1.0 - changed[row, col]
        np.testing.assert_array_equal(extractor.maps(changed)["pool_2"][2, 2], before)
    inside = noise.copy()
    inside[12:14, 12:14] = 1.0 - inside[12:14, 12:14]
    assert np.abs(extractor.maps(inside)["pool_2"][2, 2] - before).max() > 1e-3


@pytest.mark.parametrize(
    "layer_name, row, col, channel", [("conv_1", 0, 0, 0), ("conv_1", 13, 20, 31), ("conv_2", 10, 3, 7)]
)
def test_cell_arithmetic_rebuilds_the_map_value(guide, guide_maps, layer_name, row, col, channel):
    cell = activations.cell_arithmetic(guide, guide_maps, layer_name, row, col, channel)
    assert cell.value == pytest.approx(float(guide_maps[layer_name][row, col, channel]), abs=1e-4)
    np.testing.assert_allclose(cell.products, cell.patch * cell.kernel)
    assert cell.total == pytest.approx(float(cell.products.sum()), abs=1e-5)
    assert cell.activation == pytest.approx(max(cell.value, 0.0), abs=1e-4)
    kernel, bias = activations.conv_kernels(guide, layer_name)
    np.testing.assert_array_equal(cell.kernel, kernel[..., channel])
    assert cell.bias == pytest.approx(float(bias[channel]))


def test_cell_arithmetic_reads_the_previous_map(guide, guide_maps, noise):
    first = activations.cell_arithmetic(guide, guide_maps, "conv_1", 4, 6, 0)
    assert first.input_layer == "input" and first.patch.shape == (3, 3, 1)
    np.testing.assert_array_equal(first.patch[:, :, 0], noise[4:7, 6:9])
    second = activations.cell_arithmetic(guide, guide_maps, "conv_2", 2, 5, 1)
    assert second.input_layer == "pool_1" and second.patch.shape == (3, 3, 32)
    np.testing.assert_array_equal(second.patch, guide_maps["pool_1"][2:5, 5:8])


@pytest.mark.parametrize(
    "layer_name, row, col", [("conv_1", 0, 0), ("conv_1", 27, 27), ("conv_2", 0, 27), ("conv_3", 27, 0)]
)
def test_cell_arithmetic_with_same_padding_at_the_border(kaggle, noise, layer_name, row, col):
    maps = activations.feature_maps(kaggle, noise)
    cell = activations.cell_arithmetic(kaggle, maps, layer_name, row, col, 5)
    assert cell.value == pytest.approx(float(maps[layer_name][row, col, 5]), abs=1e-4)


def test_same_padding_patch_is_zero_outside_the_image(kaggle, noise):
    maps = activations.feature_maps(kaggle, noise)
    cell = activations.cell_arithmetic(kaggle, maps, "conv_1", 0, 0, 0)
    assert cell.patch.shape == (5, 5, 1)
    assert not cell.patch[:2].any() and not cell.patch[:, :2].any()
    np.testing.assert_array_equal(cell.patch[2:, 2:, 0], noise[:3, :3])


def test_cell_arithmetic_rejects_bad_requests(guide, guide_maps):
    with pytest.raises(ValueError, match="not a convolution"):
        activations.cell_arithmetic(guide, guide_maps, "relu_1", 0, 0, 0)
    with pytest.raises(ValueError, match="outside"):
        activations.cell_arithmetic(guide, guide_maps, "conv_1", 26, 0, 0)
    with pytest.raises(ValueError, match="filters"):
        activations.cell_arithmetic(guide, guide_maps, "conv_1", 0, 0, 32)
    without_input = {name: array for name, array in guide_maps.items() if name != "input"}
    with pytest.raises(ValueError, match="input"):
        activations.cell_arithmetic(guide, without_input, "conv_1", 0, 0, 0)


def test_saliency_of_a_linear_model_is_its_weights():
    keras.utils.set_random_seed(4)
    inputs = keras.Input((28, 28, 1), name="input")
    outputs = layers.Dense(10, activation="softmax", name="output")(layers.Flatten(name="flatten")(inputs))
    model = keras.Model(inputs, outputs)
    weights = np.abs(model.get_layer("output").kernel.numpy()[:, 3].reshape(28, 28))
    heat = activations.saliency(model, np.zeros((28, 28), np.float32), class_index=3)
    np.testing.assert_allclose(heat, weights / weights.max(), atol=1e-6)


def test_saliency_shape_and_range(guide, bar):
    heat = activations.saliency(activations.make_extractor(guide), bar)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    np.testing.assert_allclose(activations.saliency(guide, bar), heat, atol=1e-6)
    with pytest.raises(ValueError, match="class index"):
        activations.saliency(guide, bar, class_index=10)


def test_grad_cam_defaults_to_the_last_unpooled_spatial_layer(guide, bar):
    heat = activations.grad_cam(guide, bar)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() <= 1
    np.testing.assert_allclose(heat, activations.grad_cam(guide, bar, layer_name="relu_2"), atol=1e-6)
    other = activations.grad_cam(guide, bar, layer_name="pool_1", class_index=2)
    assert other.shape == (28, 28) and 0 <= other.min() and other.max() <= 1


def test_grad_cam_needs_a_spatial_layer(guide, mlp, bar):
    with pytest.raises(ValueError, match="no convolution layers"):
        activations.grad_cam(mlp, bar)
    with pytest.raises(ValueError, match="spatial layer"):
        activations.grad_cam(guide, bar, layer_name="dense_1")


def test_shift_moves_columns_without_wrapping(bar):
    image = (bar * 255).astype(np.uint8)
    right = activations.shift_images(image, 2)
    np.testing.assert_array_equal(right[:, 2:], image[:, :-2])
    assert not right[:, :2].any()
    columns = np.arange(28)
    centre = (image.sum(axis=0) * columns).sum() / image.sum()
    assert (right.sum(axis=0) * columns).sum() / right.sum() == pytest.approx(centre + 2)
    left = activations.shift_images(image[None], -3)[0]
    np.testing.assert_array_equal(left[:, :-3], image[:, 3:])
    assert not left[:, -3:].any()
    assert not activations.shift_images(image, 30).any() and not activations.shift_images(image, -30).any()
    np.testing.assert_array_equal(activations.shift_images(image, 0), image)


def test_accuracy_vs_shift(guide):
    extractor = activations.make_extractor(guide)
    images = np.random.default_rng(5).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    predicted = guide(images[..., None].astype(np.float32) / 255, training=False).numpy().argmax(axis=1)
    labels = predicted.copy()
    labels[:10] = (labels[:10] + 1) % 10
    accuracy = activations.accuracy_vs_shift(extractor, images, labels, [0, 3, -3])
    assert accuracy.shape == (3,) and accuracy.dtype == np.float32
    assert accuracy[0] == pytest.approx(0.75)
    shifted = extractor.probabilities(activations.shift_images(images, 3)).argmax(axis=1)
    assert accuracy[1] == pytest.approx((shifted == labels).mean())
    with pytest.raises(ValueError):
        activations.accuracy_vs_shift(extractor, images, labels[:5], [0])


def test_top_prediction():
    probabilities = np.array([0.05, 0.1, 0.6, 0.25])
    assert activations.top_prediction(probabilities, ["a", "b", "c", "d"]) == ("c", pytest.approx(0.6))
    with pytest.raises(ValueError):
        activations.top_prediction(probabilities, ["a", "b"])
