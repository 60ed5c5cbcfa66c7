"""cnnlab.models: presets as the sources give them, and the shipped models on the real test sets."""

import keras
import numpy as np
import pytest

from cnnlab import config, data, models, pipeline

EXPECTED_PARAMETERS = {"fast_cnn": 215_194, "guide_cnn": 225_034, "keras_example": 34_826, "fashion_notebook": 225_034}
ACCURACY_GOALS = {"mnist": 0.996, "fashion_mnist": 0.935, "mnist_mlp": 0.97}


@pytest.mark.parametrize("preset, expected", EXPECTED_PARAMETERS.items())
def test_parameter_counts_match_the_sources(preset, expected):
    assert models.build_model(preset).count_params() == expected


@pytest.mark.parametrize("preset", models.PRESETS)
def test_every_preset_is_named_and_compiled(preset):
    model = models.build_model(preset)
    assert model.layers[0].name == "input"
    assert model.layers[-1].name == "output"
    assert model.output_shape == (None, 10)
    assert model.optimizer is not None and model.loss == "sparse_categorical_crossentropy"
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    assert models.PRESETS[preset].source.startswith("seed 00") or preset == "fast_cnn"


def test_guide_cnn_shapes_follow_the_guide():
    model = models.build_model("guide_cnn")
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv_1"] == (26, 26, 32)
    assert shapes["pool_1"] == (13, 13, 32)
    assert shapes["conv_2"] == (11, 11, 64)
    assert shapes["pool_2"] == (5, 5, 64)
    assert model.get_layer("conv_1").count_params() == 320
    assert model.get_layer("conv_2").count_params() == 18_496


def test_fast_cnn_pools_before_its_relu():
    model = models.build_model("fast_cnn")
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    names = ["input", "conv_1", "pool_1", "relu_1", "conv_2", "pool_2", "relu_2", "flatten", "dense_1", "output"]
    assert [layer.name for layer in model.layers] == names
    assert shapes["conv_1"] == (24, 24, 24) and shapes["relu_1"] == (12, 12, 24)
    assert shapes["conv_2"] == (10, 10, 32) and shapes["relu_2"] == (5, 5, 32) and shapes["dense_1"] == (256,)
    assert models.multiply_adds(model) == 24 * 24 * 25 * 24 + 10 * 10 * 9 * 24 * 32 + 800 * 256 + 256 * 10
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.Adam) and (optimizer.beta_1, optimizer.beta_2) == (0.7, 0.9)


def test_overrides_and_bad_settings():
    model = models.build_model("guide_cnn", optimizer="sgd", learning_rate=0.2, dropout=0.25)
    assert model.get_layer("dropout").rate == 0.25
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="Unknown preset"):
        models.build_model("resnet")
    with pytest.raises(ValueError, match="learning rate"):
        models.make_optimizer("adam", 0)
    with pytest.raises(ValueError, match="Dropout"):
        models.build_model("guide_cnn", dropout=1.5)


def test_missing_or_corrupt_model_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    with pytest.raises(models.ModelUnavailable, match="missing"):
        models.load_pretrained("mnist")
    (tmp_path / "mnist_cnn.keras").write_bytes(b"PK\x03\x04 this is not a model")
    with pytest.raises(models.ModelUnavailable, match="cannot be read"):
        models.load_pretrained("mnist")


def test_loading_refuses_code_in_the_file(tmp_path, monkeypatch):
    """A model with a Lambda layer holds Python code: safe mode must refuse to run it."""
    inputs = keras.Input(shape=(28, 28, 1))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    keras.Model(inputs, outputs).save(tmp_path / "mnist_cnn.keras")
    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    with pytest.raises(models.ModelUnavailable):
        models.load_pretrained("mnist")


@pytest.mark.parametrize("key", config.PRETRAINED)
def test_shipped_model_meets_its_goal_on_the_full_test_set(key):
    dataset = config.PRETRAINED[key][1]
    _, (x_test, y_test) = data.load_full(dataset, allow_download=False)
    model = models.load_pretrained(key)
    probabilities = np.concatenate(
        [model(pipeline.to_model_input(x_test[i : i + 1000]), training=False) for i in range(0, len(x_test), 1000)]
    )
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y_test))
    assert accuracy >= ACCURACY_GOALS[key], f"{key}: {accuracy:.4f}"
    card = models.load_model_card(key)
    assert card["data_sha256"] == data.CHECKSUMS[dataset]
    assert abs(card["test_accuracy"] - accuracy) < 0.002


def test_shipped_files_are_small():
    for file_name, _ in config.PRETRAINED.values():
        assert (config.MODELS_DIR / file_name).stat().st_size < 8_000_000
