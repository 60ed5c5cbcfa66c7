"""The 5x5 cross / diagonal toy CNN in NumPy, with every multiply kept for display.

Two hand-made 3x3 filters slide over a tiny binary image, each feature map is
reduced to its largest value (global max pooling), and a fixed fully connected
layer turns those two numbers into three class probabilities. Every function
takes plain arrays, so edited images, filters and weights work the same way.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab import config, convmath

IMAGES_PATH = config.TOY_DIR / "img-x.tsv"
FILTERS_PATH = config.TOY_DIR / "img-filter.tsv"

IMAGE_SIZE = 5
KERNEL_SIZE = 3
# The images in the order they are stacked in img-x.tsv.
IMAGE_NAMES = ("cross", "diagonal", "right_diagonal")
# One name per thing, the same for the line, the filter that finds it and the class:
# "diagonal" is the \ line (top left to bottom right), "right_diagonal" the / line.
LABELS = {"cross": "cross", "diagonal": "\\ diagonal", "right_diagonal": "/ diagonal"}
FILTER_NAMES = (LABELS["diagonal"], LABELS["right_diagonal"])

# The classes in the order of the network's outputs (the rows of FC_WEIGHTS).
# Output 0 follows the \ filter, output 1 the / filter, and output 2, the
# cross, listens a little (0.6) to both.
CLASS_NAMES = ("diagonal", "right_diagonal", "cross")
FC_WEIGHTS = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]])
FC_WEIGHTS.setflags(write=False)
FC_BIAS = 0.0


@dataclass(frozen=True, eq=False)
class WindowStep:
    """One position of the sliding window: what it saw, multiplied and summed.

    Attributes:
        row: Top row of the window in the image, which is also the output row.
        col: Left column of the window in the image, which is also the output column.
        patch: Float array of shape (kh, kw), the pixels under the window.
        products: Float array of shape (kh, kw), patch * kernel element by element.
        total: Sum of products, the value written to output[row, col].
    """

    row: int
    col: int
    patch: np.ndarray
    products: np.ndarray
    total: float


@dataclass(frozen=True, eq=False)
class ToyResult:
    """Everything the toy network computed for one image, stage by stage.

    Attributes:
        image: Float array of shape (H, W), the input image.
        filters: List of float arrays of shape (kh, kw), one per filter.
        feature_maps: List of float arrays of shape (H - kh + 1, W - kw + 1).
        steps: One list of WindowStep per filter, in row-major window order.
        pooled: Float array of shape (num_filters,), the max of each feature map.
        weights: Float array of shape (num_classes, num_filters) used by the dense layer.
        bias: Float array of shape (num_classes,) used by the dense layer.
        logits: Float array of shape (num_classes,), weights @ pooled + bias.
        probabilities: Float array of shape (num_classes,), softmax of the logits.
        predicted: Name of the class with the highest probability.
        peaks: One (row, col) per filter, counted from 0: where its feature map is largest
            (the first such cell, row by row), the value max pooling keeps.
    """

    image: np.ndarray
    filters: list
    feature_maps: list
    steps: list
    pooled: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    logits: np.ndarray
    probabilities: np.ndarray
    predicted: str
    peaks: list

    @property
    def num_windows(self):
        """How many positions the window takes on the image (the same for every filter)."""
        return len(self.steps[0])

    def not_yet(self, index, step):
        """Which cells of filter index's feature map the window has not reached after step positions.

        Args:
            index: Which filter, from 0.
            step: How many window positions have been computed, from 0 to num_windows.

        Returns:
            Bool array of the feature map's shape, True for the cells still to come.
        """
        feature_map = self.feature_maps[index]
        return np.arange(feature_map.size).reshape(feature_map.shape) >= step


def _read_stacked(path, block_shape, num_blocks):
    """Read a TSV of equal blocks stacked vertically and return the list of blocks."""
    table = np.loadtxt(Path(path), delimiter="\t", ndmin=2, dtype=float)
    expected = (block_shape[0] * num_blocks, block_shape[1])
    if table.shape != expected:
        raise ValueError(f"{path} should hold a table of shape {expected} but holds {table.shape}.")
    return [table[k * block_shape[0] : (k + 1) * block_shape[0]] for k in range(num_blocks)]


def load_images(path=None):
    """Load the three 5x5 toy images (cross, \\ diagonal, / diagonal).

    Args:
        path: TSV file with the images stacked as 15 rows of 5 tab-separated
            values; defaults to assets/toy/img-x.tsv.

    Returns:
        Dict mapping each name in IMAGE_NAMES ("cross", "diagonal",
        "right_diagonal") to a float64 array of shape (5, 5) of 0.0 and 1.0.
    """
    blocks = _read_stacked(IMAGES_PATH if path is None else path, (IMAGE_SIZE, IMAGE_SIZE), len(IMAGE_NAMES))
    return dict(zip(IMAGE_NAMES, blocks, strict=True))


def load_filters(path=None):
    """Load the two 3x3 toy filters (the \\ diagonal, then the / diagonal).

    Args:
        path: TSV file with the filters stacked as 6 rows of 3 tab-separated
            values; defaults to assets/toy/img-filter.tsv.

    Returns:
        List of two float64 arrays of shape (3, 3), in the order of FILTER_NAMES.
    """
    return _read_stacked(FILTERS_PATH if path is None else path, (KERNEL_SIZE, KERNEL_SIZE), len(FILTER_NAMES))


def _as_matrix(values, name):
    """Return values as a finite 2-D float array, or raise ValueError."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"The {name} must be a non-empty 2-D array, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The {name} contains NaN or infinite values.")
    return array


def convolve_valid(image, kernel):
    """Slide kernel over image (stride 1, no padding) and record every window.

    The sum is convmath.convolve2d, the one convolution of the app; this adds what
    each window saw and multiplied, for display.

    Args:
        image: Array-like of shape (H, W), any real values.
        kernel: Array-like of shape (kh, kw) with kh <= H and kw <= W.

    Returns:
        Tuple (output, steps): output is a float64 array of shape
        (H - kh + 1, W - kw + 1); steps is a list of WindowStep, one per output
        cell, in row-major order.
    """
    image = _as_matrix(image, "image")
    kernel = _as_matrix(kernel, "kernel")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"The kernel of shape {kernel.shape} does not fit inside the image of shape {image.shape}.")
    output = convmath.convolve2d(image, kernel)
    steps = [
        WindowStep(row, col, patch.copy(), patch * kernel, float(output[row, col]))
        for row, col, patch in convmath.sliding_windows(image, kernel.shape)
    ]
    return output, steps


def softmax(logits):
    """Turn scores into probabilities that sum to 1, without overflowing.

    Subtracting the largest score first leaves the result unchanged but keeps
    every exponent at or below zero.

    Args:
        logits: Array-like of shape (K,), any finite real values.

    Returns:
        Float64 array of shape (K,), positive values summing to 1.
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"The logits must be a non-empty 1-D array, got shape {logits.shape}.")
    if not np.all(np.isfinite(logits)):
        raise ValueError("The logits contain NaN or infinite values.")
    exponentials = np.exp(logits - logits.max())
    return exponentials / exponentials.sum()


def _dense_parameters(weights, bias, num_filters):
    """Check the dense layer's weights (K, F) and bias (scalar or (K,)); return both as arrays."""
    weights = _as_matrix(weights, "weight matrix")
    if weights.shape != (len(CLASS_NAMES), num_filters):
        raise ValueError(
            f"The weight matrix must have shape ({len(CLASS_NAMES)}, {num_filters}): "
            f"one row per class and one column per filter; got {weights.shape}."
        )
    bias = np.asarray(bias, dtype=float)
    if bias.ndim > 1 or (bias.ndim == 1 and bias.shape != (len(CLASS_NAMES),)):
        raise ValueError(f"The bias must be a single number or have shape ({len(CLASS_NAMES)},); got {bias.shape}.")
    if not np.all(np.isfinite(bias)):
        raise ValueError("The bias contains NaN or infinite values.")
    return weights, np.broadcast_to(bias, (len(CLASS_NAMES),)).copy()


def classify(image, filters=None, weights=None, bias=None):
    """Run the toy CNN: convolve, global max pool, dense layer, softmax.

    Args:
        image: Array-like of shape (H, W), e.g. one of load_images() or an edited copy.
        filters: Sequence of arrays of shape (kh, kw); defaults to load_filters().
        weights: Array-like of shape (3, len(filters)); defaults to FC_WEIGHTS.
        bias: Number or array-like of shape (3,); defaults to FC_BIAS.

    Returns:
        ToyResult holding every intermediate value; logits and probabilities
        are float64 arrays of shape (3,) ordered as CLASS_NAMES.
    """
    image = _as_matrix(image, "image")
    filters = [_as_matrix(kernel, "filter") for kernel in (load_filters() if filters is None else filters)]
    if not filters:
        raise ValueError("The toy network needs at least one filter.")
    weights, bias = _dense_parameters(
        FC_WEIGHTS if weights is None else weights,
        FC_BIAS if bias is None else bias,
        len(filters),
    )
    traces = [convolve_valid(image, kernel) for kernel in filters]
    feature_maps = [output for output, _ in traces]
    pooled = np.array([feature_map.max() for feature_map in feature_maps])
    logits = weights @ pooled + bias
    probabilities = softmax(logits)
    return ToyResult(
        image=image,
        filters=filters,
        feature_maps=feature_maps,
        steps=[steps for _, steps in traces],
        pooled=pooled,
        weights=weights,
        bias=bias,
        logits=logits,
        probabilities=probabilities,
        predicted=CLASS_NAMES[int(np.argmax(probabilities))],
        peaks=[tuple(int(i) for i in np.unravel_index(np.argmax(m), m.shape)) for m in feature_maps],
    )


def smooth_signal(num_points=500, window=10, noise=0.2, seed=1701):
    """Smooth a noisy sine wave with a moving-average (box) kernel.

    This is the 1-D convolution that kernel smoothing in statistics uses; a
    CNN does the same sum but learns the kernel weights.

    Args:
        num_points: Number of samples over x in [0, 10]; at least 1.
        window: Width of the box kernel, between 1 and num_points.
        noise: Standard deviation of the Gaussian noise added to sin(x); >= 0.
        seed: Seed for numpy's random generator, so the curve is repeatable.

    Returns:
        Tuple (x, noisy, smoothed) of float64 arrays, each of shape (num_points,).
    """
    if num_points < 1:
        raise ValueError(f"The number of points must be at least 1, got {num_points}.")
    if not 1 <= window <= num_points:
        raise ValueError(f"The window must be between 1 and {num_points}, got {window}.")
    if noise < 0:
        raise ValueError(f"The noise level cannot be negative, got {noise}.")
    x = np.linspace(0.0, 10.0, num_points)
    rng = np.random.default_rng(seed)
    noisy = np.sin(x) + noise * rng.standard_normal(num_points)
    smoothed = np.convolve(noisy, np.ones(window) / window, mode="same")
    return x, noisy, smoothed
