"""A network from the builder, as the session's trained model, works on the Feature maps and Draw pages."""

from pathlib import Path

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


def test_the_whole_network_page_reads_a_built_network_of_the_layers_it_knows():
    """Stride 2, 'same' padding, tanh, dropout; batch norm and average pooling are not on that page yet."""
    blocks = (
        Block("conv", size=6, kernel_size=5, padding="same", stride=2),
        Block("activation", function="tanh"),
        Block("pool"),
        Block("dropout", rate=0.2),
        Block("dense", size=16),
    )
    _, (images, _) = data.load_dataset("mnist", "embedded")
    app = open_page("pages/overview.py", builder.build_model(blocks), images[0].astype(np.float32) / 255.0)
    assert not app.exception
    assert not app.error


def test_the_whole_network_page_says_which_layer_it_cannot_draw_rather_than_crash(trained):
    model, image = trained
    app = open_page("pages/overview.py", model, image)
    assert not app.exception
    assert any("cannot draw" in info.value and "BatchNormalization" in info.value for info in app.info)
