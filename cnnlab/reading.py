"""A reading: everything the pages show about one input seen by one model, computed once.

One forward pass through the compiled extractor gives every layer's output; the weights are read
from the model as they are. Figures and pages take a Reading and never run the model again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import arithmetic, geometry
from cnnlab.extractor import FeatureExtractor, extractor_of, model_layers

POOLS = ("pool", "avgpool")


@dataclass(frozen=True)
class LayerInfo:
    """One layer as the overview shows it.

    Attributes:
        name: the layer's name, e.g. "conv_1".
        kind: one of geometry.KIND_WORDS: conv, relu, activation, pool, avgpool, batchnorm, flatten, dropout,
            dense, softmax.
        shape: its output shape for one image, e.g. (26, 26, 32) or (128,).
        stage: for a spatial layer, the convolution whose filters its channels are ("" for none).
    """

    name: str
    kind: str
    shape: tuple
    stage: str = ""

    @property
    def spatial(self) -> bool:
        """Whether the output has rows, columns and channels."""
        return len(self.shape) == 3

    @property
    def words(self) -> str:
        """The shape in words, e.g. "32 maps of 26 × 26" or "128 numbers"."""
        if self.spatial:
            height, width, channels = self.shape
            maps = "1 map" if channels == 1 else f"{channels:,} maps"
            return f"{maps} of {height} × {width}"
        if self.kind == "softmax":
            return f"{self.shape[0]:,} probabilities"
        return f"{self.shape[0]:,} numbers"

    @property
    def numbers(self) -> str:
        """The shape as numbers, e.g. "26 × 26 × 32" (how Keras prints it is kept for a tooltip)."""
        return " × ".join(f"{size:,}" for size in self.shape)


def _layer_infos(model) -> tuple[LayerInfo, ...]:
    """The LayerInfo of every layer after the input, in order."""
    infos, stage = [LayerInfo("input", "input", (28, 28, 1))], ""
    for layer in model_layers(model):
        kind = geometry.layer_kind(layer)
        shape = tuple(int(size) for size in layer.output.shape[1:])
        spatial = len(shape) == 3
        stage = layer.name if kind == "conv" else (stage if spatial else "")
        infos.append(LayerInfo(layer.name, kind, shape, stage))
    return tuple(infos)


@dataclass(frozen=True, eq=False)
class Reading:
    """One input as one model reads it: every layer's output and the weights that made them.

    Attributes:
        extractor: the FeatureExtractor of the model.
        outputs: layer name -> float32 output for this input ("input" first, (28, 28, 1)), in layer order.
        layers: a LayerInfo per entry of outputs, in the same order.
        weights: layer name -> (kernel, bias) float32 arrays, for every convolution and dense layer.
        class_names: the ten class names.
    """

    extractor: FeatureExtractor
    outputs: dict
    layers: tuple
    weights: dict
    class_names: tuple

    @property
    def model(self):
        """The keras.Model read."""
        return self.extractor.model

    @property
    def image(self) -> np.ndarray:
        """float32 (28, 28) in [0, 1], the input."""
        return self.outputs["input"][:, :, 0]

    @property
    def probabilities(self) -> np.ndarray:
        """float32 (10,), the last layer's output."""
        return self.outputs[self.layers[-1].name]

    @property
    def prediction(self) -> tuple[str, float]:
        """The most probable class name and its probability."""
        index = int(np.argmax(self.probabilities))
        return self.class_names[index], float(self.probabilities[index])

    def layer(self, name: str) -> LayerInfo:
        """The LayerInfo of a layer by name; ValueError if the model has none."""
        for info in self.layers:
            if info.name == name:
                return info
        raise ValueError(f"The model has no layer named {name!r}.")

    def strength(self, name: str) -> np.ndarray:
        """How strongly each channel of a spatial layer answers this input.

        Args:
            name: a spatial layer.

        Returns:
            float32 (channels,): the mean of the positive part of the last map of the layer's
            stage (after its ReLU), so conv, ReLU and pool maps of one filter rank alike.
        """
        info = self.layer(name)
        if not info.spatial:
            raise ValueError(f"The layer {name!r} has no maps to rank.")
        same_stage = [other.name for other in self.layers if other.stage == info.stage and other.kind not in POOLS]
        maps = self.outputs[same_stage[-1] if info.stage else name]
        return np.maximum(maps, 0).mean(axis=(0, 1)).astype(np.float32)

    def channel_order(self, name: str, strongest_first: bool) -> list[int]:
        """The channels of a spatial layer, in order or from the strongest to the weakest answer."""
        channels = self.layer(name).shape[-1]
        if not strongest_first:
            return list(range(channels))
        return [int(index) for index in np.argsort(-self.strength(name), kind="stable")]

    def explain(self, name: str, position: tuple):
        """How the number at position in layer name was made (see cnnlab.arithmetic).

        Args:
            name: a layer name.
            position: (row, col, channel) for a spatial layer, (unit,) for a flat one.

        Returns:
            A CellArithmetic (conv), PoolArithmetic (max and average pooling), NormArithmetic (batch
            normalisation), PassArithmetic (ReLU, activation, flatten, dropout) or DenseArithmetic
            (dense and softmax layers).
        """
        kind = self.layer(name).kind
        if kind == "input":
            raise ValueError("The input is not computed: it is the picture itself.")
        if kind == "conv":
            return arithmetic.cell_arithmetic(self.model, self.outputs, name, *position)
        if kind in POOLS:
            return arithmetic.pool_arithmetic(self.model, self.outputs, name, *position)
        if kind == "batchnorm":
            return arithmetic.norm_arithmetic(self.model, self.outputs, name, position)
        if kind in ("dense", "softmax"):
            return arithmetic.dense_arithmetic(self.model, self.outputs, name, *position)
        return arithmetic.pass_arithmetic(self.model, self.outputs, name, position)


def read(extractor, image, class_names) -> Reading:
    """Read one input with one model: a single forward pass, and the weights as they are.

    Args:
        extractor: a FeatureExtractor or a keras.Model.
        image: float32 array (28, 28) or (28, 28, 1), values in [0, 1] (uint8 is scaled).
        class_names: the ten class names of the model's dataset.

    Returns:
        A Reading.
    """
    extractor = extractor_of(extractor)
    outputs = extractor.maps(image)
    weights = {
        info.name: geometry.layer_weights(extractor.model, info.name)
        for info in _layer_infos(extractor.model)
        if info.kind in ("conv", "dense", "softmax")
    }
    if len(class_names) != outputs[extractor.layer_names[-1]].shape[-1]:
        raise ValueError(
            f"The model has {outputs[extractor.layer_names[-1]].shape[-1]} classes, not {len(class_names)}."
        )
    return Reading(extractor, outputs, _layer_infos(extractor.model), weights, tuple(class_names))
