"""A reading holds every layer's output, and every number of it can be rebuilt by its arithmetic."""

import keras
import numpy as np
import pytest

from cnnlab import arithmetic, builder, config, data, models, reading, rounding
from cnnlab.builder import Block

MNIST = config.CLASS_NAMES["mnist"]


def _model(key):
    """A shipped model by key, or a preset built with seeded random weights."""
    if key in config.PRETRAINED:
        return models.load_pretrained(key)
    keras.utils.set_random_seed(0)
    return models.build_model(key)


@pytest.fixture(scope="module")
def digit():
    _, (images, labels) = data.load_embedded("mnist")
    return images[0].astype(np.float32) / 255.0


def _positions(info, rng, count=3):
    """A few positions of a layer's output: corners and random cells."""
    shape = info.shape
    corners = [tuple(0 for _ in shape), tuple(size - 1 for size in shape)]
    return corners + [tuple(int(rng.integers(size)) for size in shape) for _ in range(count)]


def _rebuilt(explained, kind):
    """The number an explanation says the layer computed, from its own parts."""
    if kind == "conv":
        return explained.products.sum(dtype=np.float64) + explained.bias
    if kind == "pool":
        return float(explained.window.max())
    if kind == "avgpool":
        return float(explained.window.mean(dtype=np.float64))
    if kind == "batchnorm":
        mean, spread = explained.mean, np.sqrt(explained.variance + explained.epsilon)
        return (explained.before - mean) / spread * explained.scale + explained.shift
    functions = {"relu": lambda x: max(x, 0.0), "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x))}
    functions |= {"linear": lambda x: x, "identity": lambda x: x}
    if kind in ("dense", "softmax"):
        return functions[explained.function](explained.contributions.sum() + explained.bias)
    return functions[explained.function](explained.before)


# Every kind of block the builder offers, with 'same' padding, stride 2, a 7 × 7 map whose last row
# and column the max pooling drops, and batch norm both on maps and on a flat layer.
BUILT = (
    Block("conv", size=4, kernel_size=5, padding="same", stride=2),
    Block("batchnorm"),
    Block("activation", function="sigmoid"),
    Block("pool", pooling="average"),
    Block("conv", size=5, kernel_size=3, padding="same"),
    Block("activation", function="tanh"),
    Block("pool", pooling="max"),
    Block("dropout", rate=0.3),
    Block("dense", size=12, function="relu"),
    Block("batchnorm"),
)


def _built_model():
    """BUILT with seeded weights, its batch norms holding means, spreads, scales and shifts other than 0 and 1."""
    keras.utils.set_random_seed(3)
    model = builder.build_model(BUILT)
    rng = np.random.default_rng(3)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.gamma.shape[0]
            scale, shift = rng.uniform(0.5, 2, size), rng.normal(0, 0.5, size)
            layer.set_weights([scale, shift, rng.normal(0, 0.3, size), rng.uniform(0.2, 3, size)])
    return model


@pytest.mark.parametrize("key", [*config.PRETRAINED, *models.PRESETS, "built"])
def test_every_number_of_every_layer_is_rebuilt_by_its_arithmetic(key, digit):
    model = _built_model() if key == "built" else _model(key)
    seen = reading.read(model, digit, MNIST)
    expected = {"input": digit[:, :, None]}
    expected.update(
        {
            layer.name: output.numpy()[0]
            for layer, output in zip(
                model.layers[1:], _every_output(model)(digit[None, :, :, None], training=False), strict=True
            )
        }
    )
    assert list(seen.outputs) == list(expected) == [info.name for info in seen.layers]
    for name, output in expected.items():
        np.testing.assert_allclose(seen.outputs[name], output, atol=1e-5)
    rng = np.random.default_rng(0)
    for info in seen.layers[1:]:
        for position in _positions(info, rng):
            if info.kind == "softmax":
                continue
            explained = seen.explain(info.name, position)
            assert _rebuilt(explained, info.kind) == pytest.approx(float(seen.outputs[info.name][position]), abs=1e-4)
    softmax = arithmetic.softmax_arithmetic(seen.model, seen.outputs)
    np.testing.assert_allclose(softmax.exponentials / softmax.total, seen.probabilities, atol=1e-5)
    np.testing.assert_allclose(seen.probabilities, model(digit[None, :, :, None], training=False)[0], atol=1e-5)


def _every_output(model):
    return keras.Model(model.inputs[0], [layer.output for layer in model.layers[1:]])


def test_layer_words_and_stages():
    seen = reading.read(models.load_pretrained("mnist"), np.zeros((28, 28), np.float32), MNIST)
    words = {info.name: (info.kind, info.words, info.numbers, info.stage) for info in seen.layers}
    assert words["conv_1"] == ("conv", "32 maps of 26 × 26", "26 × 26 × 32", "conv_1")
    assert words["relu_1"][0] == "relu" and words["pool_1"][3] == "conv_1"
    assert words["flatten"] == ("flatten", "1,600 numbers", "1,600", "")
    assert words["output"][:2] == ("softmax", "10 probabilities")
    assert set(seen.weights) == {"conv_1", "conv_2", "dense_1", "output"}


def test_strength_ranks_maps_by_their_positive_answer(digit):
    seen = reading.read(models.load_pretrained("mnist"), digit, MNIST)
    order = seen.channel_order("pool_1", strongest_first=True)
    strength = np.maximum(seen.outputs["relu_1"], 0).mean(axis=(0, 1))
    assert order[0] == int(np.argmax(strength)) and sorted(order) == list(range(32))
    assert seen.channel_order("conv_1", strongest_first=True) == order
    assert seen.channel_order("conv_1", strongest_first=False) == list(range(32))


def test_reading_rejects_wrong_class_names_and_the_input_has_no_arithmetic(digit):
    model = models.load_pretrained("mnist")
    with pytest.raises(ValueError, match="10 classes"):
        reading.read(model, digit, ["a", "b"])
    with pytest.raises(ValueError, match="picture itself"):
        reading.read(model, digit, MNIST).explain("input", (0, 0, 0))


def test_built_layers_have_their_kinds_and_their_windows():
    seen = reading.read(_built_model(), np.ones((28, 28), np.float32), MNIST)
    kinds = [info.kind for info in seen.layers]
    assert kinds[:5] == ["input", "conv", "batchnorm", "activation", "avgpool"]
    assert kinds[-3:] == ["dense", "batchnorm", "softmax"]
    assert seen.layer("avgpool_1").shape == (7, 7, 4) and seen.layer("sigmoid_1").stage == "conv_1"
    edge = seen.explain("avgpool_1", (6, 6, 0))
    assert edge.function == "average" and edge.winner is None and edge.box == (12, 12, 14, 14)
    assert seen.layer("pool_2").shape == (3, 3, 5) and seen.explain("pool_2", (2, 2, 1)).box == (4, 4, 6, 6)
    flat = seen.explain("batchnorm_2", (11,))
    assert flat.input_layer == "dense_1" and flat.source == (11,)
    with pytest.raises(ValueError, match="not max or average pooling"):
        arithmetic.pool_arithmetic(seen.model, seen.outputs, "conv_2", 0, 0, 0)
    with pytest.raises(ValueError, match="not a position"):
        seen.explain("batchnorm_1", (14, 0, 0))


def test_pool_winner_and_window_in_the_layer_below(digit):
    seen = reading.read(models.load_pretrained("mnist"), digit, MNIST)
    pool = seen.explain("pool_1", (6, 7, 3))
    assert pool.box == (12, 14, 14, 16)
    assert seen.outputs["relu_1"][pool.winner + (3,)] == pool.value


@pytest.mark.parametrize(
    "parts, total, digits",
    [([0.31137, 0.00134], 0.31271, 3), ([0.1234567] * 9, 1.1111103, 4), ([-0.25, 0.125, 0.00049], -0.12451, 2)],
)
def test_shown_parts_add_up_exactly_and_stay_within_one_unit(parts, total, digits):
    units = rounding.shown_parts(parts, total, digits)
    assert int(units.sum()) == round(total * 10**digits)
    assert np.all(np.abs(units - np.asarray(parts) * 10**digits) < 1)


def test_written_numbers_have_separators_and_a_true_minus():
    assert rounding.written(12345678, 4) == "1,234.5678"
    assert rounding.written(-5, 4) == "−0.0005"
