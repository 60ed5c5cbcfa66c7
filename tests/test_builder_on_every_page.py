"""A network from the builder, as the session's trained model, works on Feature maps, the whole network and Draw."""

import json
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import activations, builder, data
from cnnlab.builder import Block
from cnnlab.figures import network

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 180
# Unlike any preset: a 5×5 stride-2 'same' convolution, batch norm, tanh, average pooling, dropout.
UNUSUAL = (
    Block("conv", size=6, kernel_size=5, padding="same", stride=2),
    Block("batchnorm"),
    Block("activation", function="tanh"),
    Block("pool", pooling="average"),
    Block("conv", size=8, kernel_size=3),
    Block("activation"),
    Block("dropout", rate=0.2),
    Block("dense", size=16),
)


@pytest.fixture(scope="module")
def trained():
    """The unusual network trained for two epochs on 300 embedded images, and a test digit (28, 28) in [0, 1]."""
    (x_train, y_train), (x_test, y_test) = data.load_dataset("mnist", "embedded")
    model = builder.build_model(UNUSUAL)
    model.fit(x_train[:300, :, :, None] / 255.0, y_train[:300], batch_size=50, epochs=2, verbose=0)
    return model, x_test[0].astype(np.float32) / 255.0


def open_page(page: str, model, image) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.session_state["input_image"] = image
    app.session_state["input_steps"] = None
    app.session_state["input_label"] = "test image #0"
    app.session_state["trained_model"] = model
    app.session_state["trained_dataset"] = "mnist"
    app.session_state["model_choice"] = "trained"
    app.run()
    app.switch_page(page)
    return app.run()


def test_feature_maps_show_every_layer_of_a_built_network(trained):
    model, image = trained
    app = open_page("pages/feature_maps.py", model, image)
    assert not app.exception
    maps = activations.make_extractor(model).maps(image)
    names = activations.spatial_layers(model)
    assert names == ["conv_1", "batchnorm_1", "tanh_1", "avgpool_1", "conv_2", "relu_2", "dropout_1"]
    assert [maps[name].shape for name in names[:4]] == [(14, 14, 6)] * 3 + [(7, 7, 6)]
    expected = [network.layer_header(name, maps[name]) for name in names]
    for layer, header in zip(activations.spatial_layers(model), expected, strict=True):
        app.radio(key="map_layer").set_value(layer).run()
        assert not app.exception
        assert header in [element.value for element in app.subheader]


def test_one_cell_of_a_stride_two_convolution_is_computed_as_the_network_did(trained):
    model, image = trained
    app = open_page("pages/feature_maps.py", model, image)
    app.selectbox(key="cell_layer").set_value("conv_1").run()
    app.slider(key="cell_channel").set_value(2)
    app.slider(key="cell_row").set_value(6)
    app.slider(key="cell_col").set_value(5)
    app.run()
    assert not app.exception
    value = activations.make_extractor(model).maps(image)["conv_1"][6, 5, 2]
    metrics = {metric.label: float(metric.value) for metric in app.metric}
    assert metrics["Value in conv_1 (row 6, column 5, map 2)"] == pytest.approx(float(value), abs=1e-4)


def test_grad_cam_and_kernels_of_a_built_network_render(trained):
    model, image = trained
    app = open_page("pages/feature_maps.py", model, image)
    app.radio(key="heat_method").set_value("Grad-CAM").run()
    app.radio(key="kernel_layer").set_value("conv_2").run()
    assert not app.exception


def test_the_draw_page_predicts_with_a_built_network(trained):
    model, image = trained
    app = open_page("pages/draw.py", model, image)
    assert not app.exception
    predicted = int(np.argmax(model.predict(image[None, :, :, None], verbose=0)))
    headings = [heading.value for heading in app.subheader if heading.value.startswith("Prediction:")]
    assert headings[0].startswith(f"Prediction: {predicted} — ")


def test_the_whole_network_page_draws_every_layer_of_a_built_network(trained):
    model, image = trained
    app = open_page("pages/overview.py", model, image)
    assert not app.exception and not app.error and not app.info
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    labels = [annotation["text"] for annotation in figure["layout"]["annotations"]]
    for name in ("batchnorm_1", "tanh_1", "avgpool_1", "dropout_1", "dense_1"):
        assert f"<b>{name}</b>" in labels


NUMBER = r"−?[\d,]+\.\d+"
OPERAND = rf"\(?({NUMBER})\)?"


def decimal(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


@pytest.mark.parametrize(
    "layer, position, pattern",
    [
        (
            "batchnorm_1",
            (4, 9, 2),
            rf"\(({NUMBER}) − {OPERAND}\) / √\(({NUMBER}) \+ [^)]+\) × {OPERAND} \+ {OPERAND} = \*\*({NUMBER})\*\*",
        ),
        ("avgpool_1", (3, 2, 5), rf"^\((.*)\) / 4 = \*\*({NUMBER})\*\*"),
    ],
)
def test_a_batch_norm_or_average_pool_number_is_worked_out_on_screen(trained, layer, position, pattern):
    model, image = trained
    app = open_page("pages/overview.py", model, image)
    app.session_state["overview_cell"] = ("trained", layer, position)
    app.run()
    assert not app.exception
    lines = [element.value for element in app.markdown]
    match = next(re.search(pattern, line) for line in lines if re.search(pattern, line))
    stored = float(activations.make_extractor(model).maps(image)[layer][position])
    assert decimal(match.groups()[-1]) == pytest.approx(stored, abs=5e-5)
    if layer == "avgpool_1":
        window = [decimal(text.strip("()")) for text in match.group(1).split(" + ")]
        assert len(window) == 4 and sum(window) / 4 == pytest.approx(stored, abs=5e-4)
    else:
        before, mean, variance, scale, shift = (decimal(text) for text in match.groups()[:5])
        epsilon = model.get_layer(layer).epsilon
        assert (before - mean) / np.sqrt(variance + epsilon) * scale + shift == pytest.approx(stored, abs=5e-3)


def test_the_whole_network_page_says_which_layer_it_cannot_draw_rather_than_crash(trained):
    """A network from elsewhere with a layer the builder never makes gets a sentence, not a traceback."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, name="conv_1")(inputs)
    x = keras.layers.LayerNormalization(name="layer_norm")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="output")(keras.layers.Flatten(name="flatten")(x))
    app = open_page("pages/overview.py", keras.Model(inputs, outputs), trained[1])
    assert not app.exception
    assert any("cannot draw" in info.value and "LayerNormalization" in info.value for info in app.info)
