"""Look inside a model: the names pages and tests use, gathered from the modules that hold one idea each.

- cnnlab.extractor: the compiled feature-map extractor (every layer's output in milliseconds).
- cnnlab.geometry: layer kinds, weights, windows and receptive fields.
- cnnlab.arithmetic: how one number of any layer was made.
- cnnlab.attribution: saliency and Grad-CAM.
- cnnlab.shift: accuracy when every digit is moved sideways.
"""

from cnnlab.arithmetic import CellArithmetic, cell_arithmetic
from cnnlab.attribution import class_gradient, grad_cam, saliency
from cnnlab.extractor import FeatureExtractor, feature_maps, make_extractor, top_prediction
from cnnlab.geometry import conv_kernels, conv_layers, receptive_field, spatial_layers
from cnnlab.shift import accuracy_vs_shift, shift_images

__all__ = [
    "CellArithmetic",
    "FeatureExtractor",
    "accuracy_vs_shift",
    "cell_arithmetic",
    "class_gradient",
    "conv_kernels",
    "conv_layers",
    "feature_maps",
    "grad_cam",
    "make_extractor",
    "receptive_field",
    "saliency",
    "shift_images",
    "spatial_layers",
    "top_prediction",
]
