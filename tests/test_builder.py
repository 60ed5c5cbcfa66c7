"""cnnlab.builder: planned shapes and weights against Keras, refusals with a sentence, built networks train."""

import numpy as np
import pytest

from cnnlab import activations, builder, data, models, training
from cnnlab.builder import Block

STACKS = {
    "two convs, stride 2, average pooling": (
        Block("conv", size=8, kernel_size=5, padding="same", stride=2),
        Block("activation", function="tanh"),
        Block("pool", pooling="average"),
        Block("conv", size=16, kernel_size=3),
        Block("activation"),
        Block("dense", size=32),
    ),
    "batch norm and dropout in both stages": (
        Block("conv", size=12, kernel_size=7),
        Block("batchnorm"),
        Block("activation"),
        Block("dropout", rate=0.2),
        Block("pool"),
        Block("dense", size=20, function="sigmoid"),
        Block("batchnorm"),
        Block("dropout", rate=0.5),
    ),
    "no pooling, odd sizes, valid stride 2": (
        Block("conv", size=3, kernel_size=3, stride=2),
        Block("pool", pooling="none"),
        Block("conv", size=5, kernel_size=5, stride=2),
        Block("activation", function="sigmoid"),
    ),
    "no convolution at all": (Block("dense", size=64, function="tanh"),),
    "nothing but the output": (),
}


@pytest.mark.parametrize("name", list(STACKS) + [f"preset {key}" for key in models.PRESETS])
def test_planned_shapes_and_weights_match_keras(name):
    blocks = STACKS[name] if name in STACKS else builder.from_preset(name.removeprefix("preset "))
    plan = builder.plan(blocks)
    model = builder.build_model(blocks)
    built = [layer for layer in model.layers if layer.name != "input"]
    assert plan.problem is None
    assert [row.name for row in plan.rows if row.name != "no pooling"] == [layer.name for layer in built]
    planned = [row for row in plan.rows if row.name != "no pooling"]
    for row, layer in zip(planned, built, strict=True):
        assert row.shape == tuple(layer.output.shape[1:]), row.name
        assert row.weights == layer.count_params(), row.name
    assert plan.weights == model.count_params()


def test_the_arithmetic_of_the_guide_network():
    rows = {row.name: row for row in builder.plan(builder.from_preset("guide_cnn")).rows}
    assert rows["conv_1"].shape == ((28 - 3) // 1 + 1, 26, 32)
    assert rows["conv_1"].weights == (3 * 3 * 1 + 1) * 32
    assert rows["conv_2"].weights == (3 * 3 * 32 + 1) * 64
    assert rows["pool_2"].shape == (5, 5, 64)
    assert rows["dense_1"].weights == (5 * 5 * 64 + 1) * 128
    assert rows["output"].weights == (128 + 1) * 10


def test_batch_norm_counts_four_numbers_per_channel():
    plan = builder.plan((Block("conv", size=6), Block("batchnorm")))
    assert plan.rows[1].weights == 4 * 6


def test_presets_load_into_the_builder_with_their_names_and_weights():
    for key in models.PRESETS:
        reference = models.build_model(key)
        built = builder.build_model(builder.from_preset(key))
        assert built.count_params() == reference.count_params(), key
        names = [layer.name for layer in reference.layers if not layer.name.startswith("dropout")]
        assert [layer.name for layer in built.layers if not layer.name.startswith("dropout")] == names


@pytest.mark.parametrize(
    ("blocks", "words"),
    [
        ((Block("conv", kernel_size=7, stride=2), Block("conv", kernel_size=7, stride=2), Block("conv", kernel_size=7)),
         "conv_3: a 7×7 filter does not fit in the 3×3 maps"),
        ((Block("conv", kernel_size=3),) + (Block("pool"),) * 5, "pool_5: max pooling halves a 1×1 map to nothing"),
        ((Block("dense", size=10), Block("conv")), "conv_1: a convolution needs a picture"),
        ((Block("conv", size=500),), "conv_1: A convolution has from 1 to 128 filters."),
        ((Block("conv", kernel_size=4),), "conv_1: A convolution's filter is 3×3, 5×5 or 7×7."),
        ((Block("dropout", rate=1.0),), "dropout_1: A dropout rate is from 0 to 0.9."),
        ((Block("mystery"),), "Unknown kind of layer 'mystery'"),
    ],
)  # fmt: skip
def test_impossible_networks_are_refused_with_a_sentence(blocks, words):
    plan = builder.plan(blocks)
    assert words in plan.problem
    with pytest.raises(ValueError, match=words.split(":")[0]):
        builder.build_model(blocks)


def test_the_rows_stop_where_the_shape_collapses():
    blocks = (
        Block("conv", kernel_size=7, stride=2),
        Block("conv", kernel_size=7, stride=2),
        Block("conv", kernel_size=7),
    )
    assert [row.name for row in builder.plan(blocks).rows] == ["conv_1", "conv_2"]


def test_networks_too_large_for_a_class_are_refused_before_training():
    wide = (Block("dense", size=2048), Block("dense", size=2048), Block("dense", size=2048))
    assert "a class server trains at most 5,000,000" in builder.plan(wide).problem
    slow = (
        Block("conv", size=128, kernel_size=7, padding="same"),
        Block("conv", size=128, kernel_size=7, padding="same"),
    )
    plan = builder.plan(slow)
    assert plan.weights < builder.MAX_WEIGHTS
    assert "One epoch on 9,000 images would take about" in plan.problem
    assert builder.plan(slow, images=100).problem is None
    with pytest.raises(ValueError, match="would take about"):
        builder.build_model(slow)


def test_the_time_estimate_grows_with_the_work_and_the_images():
    small, deep = (builder.plan(builder.from_preset(key)) for key in ("guide_cnn", "kaggle_deep"))
    assert deep.macs > 10 * small.macs
    assert builder.seconds_per_epoch(deep.macs, 9000) > builder.seconds_per_epoch(small.macs, 9000)
    assert builder.seconds_per_epoch(small.macs, 18000) == pytest.approx(
        2 * builder.seconds_per_epoch(small.macs, 9000)
    )


def test_shape_words():
    assert builder.shape_words((26, 26, 32)) == "26×26×32: 32 maps of 26×26"
    assert builder.shape_words((14, 14, 1)) == "14×14×1: 1 map of 14×14"
    assert builder.shape_words((1600,)) == "1,600 numbers"


@pytest.mark.parametrize("name", list(STACKS) + [f"preset {key}" for key in models.PRESETS])
def test_every_built_network_trains_on_a_few_hundred_images(name):
    (x_train, y_train), _ = data.load_dataset("mnist", "embedded")
    images = x_train[:300, :, :, None].astype("float32") / 255
    blocks = STACKS[name] if name in STACKS else builder.from_preset(name.removeprefix("preset "))
    model = builder.build_model(blocks)
    before = [np.array(weights) for weights in model.get_weights()]
    history = model.fit(images, y_train[:300], batch_size=50, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    changed = [not np.array_equal(old, new) for old, new in zip(before, model.get_weights(), strict=True)]
    assert any(changed)


def test_a_training_run_trains_a_built_network_and_its_maps_can_be_read():
    blocks = STACKS["two convs, stride 2, average pooling"]
    settings = training.default_settings(epochs=1, max_train_examples=256, batch_size=32, architecture=blocks)
    run = training.TrainingRun(settings, training.SlotPool(1))
    run.start()
    assert run.join(180)
    assert run.error is None and run.state == "finished"
    model = run.result().model
    assert model.get_layer("conv_1").strides == (2, 2) and model.get_layer("avgpool_1") is not None
    maps = activations.make_extractor(model).maps(np.zeros((28, 28), np.float32))
    assert maps["conv_2"].shape == builder.plan(blocks).rows[3].shape
    assert run.progress().kernels[0].shape == (5, 5, 1, 8)


def test_settings_refuse_an_architecture_that_is_not_blocks():
    with pytest.raises(ValueError, match="tuple of builder.Block"):
        training.default_settings(architecture=(("conv", 32, 3, "valid"),))


def test_a_preset_whose_relu_follows_the_pooling_loads_in_that_order(monkeypatch):
    blocks = (("conv_alone", 24, 5, "valid"), ("pool",), ("relu",), ("flatten",), ("dense", 16, "relu"))
    preset = models.Preset(key="pooled_first", title="t", source="s", description="d", blocks=blocks)
    monkeypatch.setitem(models.PRESETS, "pooled_first", preset)
    model = builder.build_model(builder.from_preset("pooled_first"))
    assert [layer.name for layer in model.layers] == [
        "input",
        "conv_1",
        "pool_1",
        "relu_1",
        "flatten",
        "dense_1",
        "output",
    ]
    assert model.count_params() == (5 * 5 + 1) * 24 + (12 * 12 * 24 + 1) * 16 + (16 + 1) * 10


def test_a_preset_block_the_builder_does_not_know_is_refused(monkeypatch):
    preset = models.Preset(key="odd", title="t", source="s", description="d", blocks=(("lstm", 8),))
    monkeypatch.setitem(models.PRESETS, "odd", preset)
    with pytest.raises(ValueError, match="cannot show: 'lstm'"):
        builder.from_preset("odd")
