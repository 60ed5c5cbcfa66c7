"""Convolution arithmetic: output sizes, padding, parameter counts and small NumPy convolutions.

The symbols follow the usual notation: an n x n input, an f x f filter,
p rows and columns of zero padding on every side, and a stride of s.
"""

import numbers
from dataclasses import dataclass

import numpy as np

POOL_MODES = ("max", "average")
PADDING_MODES = ("same", "valid")


def _check_int(name, value, minimum):
    """Raise ValueError unless value is an integer (not a bool) >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"The {name} must be a whole number, got {value!r}.")
    if value < minimum:
        raise ValueError(f"The {name} must be at least {minimum}, got {value}.")


def _check_geometry(n, f, p, s):
    """Validate input size, filter size, padding and stride together."""
    _check_int("input size", n, 1)
    _check_int("filter size", f, 1)
    _check_int("padding", p, 0)
    _check_int("stride", s, 1)
    if f > n + 2 * p:
        raise ValueError(f"A {f}x{f} filter does not fit in a {n}x{n} input padded by {p} (padded size {n + 2 * p}).")


def output_size(n, f, p=0, s=1):
    """Side length of a convolution or pooling output: floor((n + 2p - f) / s) + 1.

    Args:
        n: Input height (or width), a positive int.
        f: Filter height (or width), a positive int no larger than n + 2p.
        p: Zero padding added on each side, an int >= 0.
        s: Stride, a positive int.

    Returns:
        The output side length as an int >= 1.
    """
    _check_geometry(n, f, p, s)
    return (n + 2 * p - f) // s + 1


def fits_exactly(n, f, p=0, s=1):
    """Whether the last window ends exactly at the border, so the floor drops nothing.

    Args:
        n: Input height (or width), a positive int.
        f: Filter height (or width), a positive int no larger than n + 2p.
        p: Zero padding added on each side, an int >= 0.
        s: Stride, a positive int.

    Returns:
        True when (n + 2p - f) is divisible by s; False when some trailing rows
        (or columns) are never covered by a window.
    """
    _check_geometry(n, f, p, s)
    return (n + 2 * p - f) % s == 0


@dataclass(frozen=True)
class Geometry:
    """The sizes of one convolution along one side, checked once: n input, f filter, p padding, s stride.

    Attributes:
        n: Input size, a positive int.
        f: Filter size, a positive int no larger than n + 2p.
        p: Zero padding on each side, an int >= 0.
        s: Stride, a positive int.
    """

    n: int
    f: int
    p: int = 0
    s: int = 1

    def __post_init__(self):
        _check_geometry(self.n, self.f, self.p, self.s)

    @property
    def padded(self):
        """Side of the padded input, n + 2p."""
        return self.n + 2 * self.p

    @property
    def travel(self):
        """How far the filter can move, n + 2p - f: the numerator of the formula."""
        return self.padded - self.f

    @property
    def output(self):
        """Side of the output, floor((n + 2p - f) / s) + 1."""
        return output_size(self.n, self.f, self.p, self.s)

    @property
    def fits(self):
        """Whether the last window ends exactly at the border (see fits_exactly)."""
        return fits_exactly(self.n, self.f, self.p, self.s)

    def cells(self):
        """Label each cell of the padded input: 0 zero padding, 1 input, 2 input never covered by a window.

        Returns:
            Int array of shape (n + 2p, n + 2p).
        """
        cells = np.zeros((self.padded, self.padded), dtype=int)
        cells[self.p : self.p + self.n, self.p : self.p + self.n] = 1
        reach = (self.output - 1) * self.s + self.f
        cells[reach:, :][cells[reach:, :] == 1] = 2
        cells[:, reach:][cells[:, reach:] == 1] = 2
        return cells


def pool_windows(shape, size=2):
    """The non-overlapping size x size windows of pooling over an array of a given shape.

    Args:
        shape: (H, W) of the pooled array.
        size: Window side, a positive int.

    Returns:
        (windows, cells): two lists of (row, col, height, width) rectangles counted from 0,
        row by row; windows are size x size in the input, cells are 1 x 1 in the output,
        and window k gives cell k.
    """
    _check_int("pool size", size, 1)
    rows, cols = (shape[0] - size) // size + 1, (shape[1] - size) // size + 1
    places = [(row, col) for row in range(rows) for col in range(cols)]
    return [(row * size, col * size, size, size) for row, col in places], [(row, col, 1, 1) for row, col in places]


def same_padding(f):
    """Padding that keeps the output the same size as the input at stride 1.

    Args:
        f: Filter size, a positive odd int.

    Returns:
        (f - 1) // 2 as an int.
    """
    _check_int("filter size", f, 1)
    if f % 2 == 0:
        raise ValueError(f"Same padding needs an odd filter size so the filter has a centre pixel; got {f}.")
    return (f - 1) // 2


def padding_for(mode, f):
    """Padding for a named mode: "same" keeps the size, "valid" adds none.

    Args:
        mode: "same" or "valid".
        f: Filter size, a positive int (odd for "same").

    Returns:
        The padding p as an int >= 0.
    """
    if mode == "same":
        return same_padding(f)
    if mode == "valid":
        _check_int("filter size", f, 1)
        return 0
    raise ValueError(f"The padding mode must be one of {PADDING_MODES}, got {mode!r}.")


def _kernel_sides(kernel_size):
    """Return (height, width) from an int or a pair of ints."""
    if np.ndim(kernel_size) == 0:
        return kernel_size, kernel_size
    if len(kernel_size) != 2:
        raise ValueError(f"The kernel size must be an int or a (height, width) pair, got {kernel_size!r}.")
    return tuple(kernel_size)


def conv_params(kernel_size, in_channels, filters, bias=True):
    """Number of trainable parameters in a 2-D convolution layer.

    Each filter has kernel_size x kernel_size x in_channels weights plus one bias.

    Args:
        kernel_size: Filter side as an int, or (height, width) as a pair of ints.
        in_channels: Number of channels of the layer's input, a positive int.
        filters: Number of filters, which is the number of output channels.
        bias: Whether each filter has a bias term.

    Returns:
        The parameter count as an int, e.g. 320 for 32 3x3 filters on 1 channel.
    """
    height, width = _kernel_sides(kernel_size)
    _check_int("kernel height", height, 1)
    _check_int("kernel width", width, 1)
    _check_int("number of input channels", in_channels, 1)
    _check_int("number of filters", filters, 1)
    return filters * (height * width * in_channels + int(bool(bias)))


def dense_params(inputs, units, bias=True):
    """Number of trainable parameters in a fully connected layer.

    Args:
        inputs: Number of input features, a positive int (784 for a flat MNIST image).
        units: Number of output units, a positive int.
        bias: Whether each unit has a bias term.

    Returns:
        inputs * units weights, plus units biases when bias is True, as an int.
    """
    _check_int("number of inputs", inputs, 1)
    _check_int("number of units", units, 1)
    return inputs * units + (units if bias else 0)


def _as_array(values, name, ndim):
    """Return values as a finite float array with ndim dimensions, or raise ValueError."""
    array = np.asarray(values, dtype=float)
    if array.ndim != ndim or array.size == 0:
        raise ValueError(f"The {name} must be a non-empty {ndim}-D array, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The {name} contains NaN or infinite values.")
    return array


def sliding_windows(image, window_shape, stride=1):
    """Every window position of a 2-D (or deeper) array, row by row, as the filter visits them.

    Args:
        image: Array of shape (H, W) or (H, W, C); windows span the first two axes.
        window_shape: (kh, kw), no larger than (H, W).
        stride: Step between windows, a positive int.

    Yields:
        (row, col, patch): the output position counted from 0 and the view
        image[row * stride : row * stride + kh, col * stride : col * stride + kw].
    """
    kh, kw = window_shape
    if kh > image.shape[0] or kw > image.shape[1]:
        raise ValueError(
            f"The {kh}x{kw} window does not fit in the (padded) input of size {image.shape[0]}x{image.shape[1]}."
        )
    for row in range((image.shape[0] - kh) // stride + 1):
        for col in range((image.shape[1] - kw) // stride + 1):
            yield row, col, image[row * stride : row * stride + kh, col * stride : col * stride + kw]


def _output_shape(image, window_shape, stride):
    """(rows, cols) of the output of sliding a window_shape window over image with a stride."""
    return tuple((image.shape[axis] - window_shape[axis]) // stride + 1 for axis in (0, 1))


def convolve2d(image, kernel, stride=1, padding=0):
    """Cross-correlate a 2-D image with a 2-D kernel, with zero padding and stride.

    output[i, j] = sum(padded[i*s : i*s + kh, j*s : j*s + kw] * kernel), the
    "convolution" of deep learning (the kernel is not flipped).

    Args:
        image: Array-like of shape (H, W).
        kernel: Array-like of shape (kh, kw).
        stride: Step between windows, a positive int.
        padding: Rows and columns of zeros added on every side, an int >= 0.

    Returns:
        Float64 array of shape (floor((H + 2p - kh) / s) + 1, floor((W + 2p - kw) / s) + 1).
    """
    image, kernel = _as_array(image, "image", 2), _as_array(kernel, "kernel", 2)
    _check_int("stride", stride, 1)
    _check_int("padding", padding, 0)
    padded = np.pad(image, padding)
    windows = sliding_windows(padded, kernel.shape, stride)
    output = np.zeros(_output_shape(padded, kernel.shape, stride))
    for row, col, patch in windows:
        output[row, col] = np.sum(patch * kernel)
    return output


def convolve_volume(volume, kernels, stride=1, padding=0):
    """Convolve a multi-channel input with a bank of filters, one output channel per filter.

    Each filter spans all input channels, so one filter always gives one
    output channel: a 6x6x3 input and one 3x3x3 filter give a 4x4x1 output.
    Output channel k adds up one 2-D convolution per input channel.

    Args:
        volume: Array-like of shape (H, W, C).
        kernels: Array-like of shape (F, kh, kw, C); C must match the volume.
        stride: Step between windows, a positive int.
        padding: Zeros added on every side of the two spatial axes, an int >= 0.

    Returns:
        Float64 array of shape (H', W', F) with H' and W' as in convolve2d.
    """
    volume, kernels = _as_array(volume, "volume", 3), _as_array(kernels, "kernel bank", 4)
    if kernels.shape[3] != volume.shape[2]:
        raise ValueError(
            f"The volume has {volume.shape[2]} channels but the filters have {kernels.shape[3]}; they must match."
        )
    channels = range(volume.shape[2])
    maps = [sum(convolve2d(volume[:, :, c], kernel[:, :, c], stride, padding) for c in channels) for kernel in kernels]
    return np.stack(maps, axis=-1)


def pool2d(x, size=2, stride=None, mode="max"):
    """Summarise each size x size window of a 2-D array by its max or its mean.

    Pooling has no trainable parameters: size, stride and mode are fixed choices.

    Args:
        x: Array-like of shape (H, W).
        size: Window side, a positive int no larger than H or W.
        stride: Step between windows; defaults to size (non-overlapping windows).
        mode: "max" or "average".

    Returns:
        Float64 array of shape (floor((H - size) / stride) + 1, floor((W - size) / stride) + 1).
    """
    x = _as_array(x, "input", 2)
    stride = size if stride is None else stride
    _check_int("pool size", size, 1)
    _check_int("stride", stride, 1)
    if mode not in POOL_MODES:
        raise ValueError(f"The pooling mode must be one of {POOL_MODES}, got {mode!r}.")
    summarise = np.max if mode == "max" else np.mean
    output = np.zeros(_output_shape(x, (size, size), stride))
    for row, col, patch in sliding_windows(x, (size, size), stride):
        output[row, col] = summarise(patch)
    return output


def vertical_edge_example():
    """The classic vertical edge detector on a 6x6 image that is bright on the left.

    Returns:
        Tuple (image, kernel, output) of float64 arrays: image (6, 6) with 10 in
        the left three columns and 0 in the right three; kernel (3, 3) with rows
        [1, 0, -1]; output (4, 4) whose middle two columns are 30 (the edge) and
        whose outer columns are 0.
    """
    image = np.zeros((6, 6))
    image[:, :3] = 10.0
    kernel = np.array([[1.0, 0.0, -1.0]] * 3)
    return image, kernel, convolve2d(image, kernel)


def volume_example(num_filters=2, seed=0, max_filters=8):
    """A small 3-channel image and a bank of 3x3x3 filters, with their convolution.

    The numbers are small whole numbers so every output can be checked by hand.
    Adding filters keeps the earlier ones: filter k is the same for any count above k.

    Args:
        num_filters: How many filters, between 1 and max_filters.
        seed: Seed for numpy's random generator, so the numbers repeat.
        max_filters: Size of the bank the filters are taken from.

    Returns:
        Tuple (volume, kernels, output) of float64 arrays: volume (6, 6, 3) of
        values 0 to 3; kernels (num_filters, 3, 3, 3) of -1, 0 and 1; output
        (4, 4, num_filters), one channel per filter.
    """
    _check_int("number of filters", num_filters, 1)
    if num_filters > max_filters:
        raise ValueError(f"The example has at most {max_filters} filters, got {num_filters}.")
    rng = np.random.default_rng(seed)
    volume = rng.integers(0, 4, size=(6, 6, 3)).astype(float)
    kernels = rng.integers(-1, 2, size=(max_filters, 3, 3, 3)).astype(float)[:num_filters]
    return volume, kernels, convolve_volume(volume, kernels)
