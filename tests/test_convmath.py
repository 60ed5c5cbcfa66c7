"""Tests for convolution arithmetic: sizes, padding, parameter counts, convolutions."""

import numpy as np
import pytest

from cnnlab import convmath


def naive_convolve2d(image, kernel, stride, padding):
    """Reference cross-correlation written as the textbook double loop."""
    padded = np.pad(image, padding)
    kh, kw = kernel.shape
    rows = (padded.shape[0] - kh) // stride + 1
    cols = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = padded[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out


@pytest.mark.parametrize(
    "n, f, p, s, expected",
    [(28, 3, 0, 1, 26), (6, 3, 0, 1, 4), (7, 3, 0, 2, 3), (4, 3, 1, 1, 4), (6, 3, 0, 2, 2), (26, 3, 0, 1, 24)],
)
def test_output_size(n, f, p, s, expected):
    assert convmath.output_size(n, f, p, s) == expected


def test_fits_exactly():
    assert convmath.fits_exactly(7, 3, 0, 2)
    assert not convmath.fits_exactly(6, 3, 0, 2)  # the last column is never covered
    assert convmath.fits_exactly(28, 3)


@pytest.mark.parametrize(
    "n, f, p, s",
    [(0, 3, 0, 1), (6, 0, 0, 1), (6, 3, -1, 1), (6, 3, 0, 0), (2, 5, 1, 1), (6.5, 3, 0, 1), (True, 1, 0, 1)],
)
def test_output_size_rejects_bad_geometry(n, f, p, s):
    with pytest.raises(ValueError):
        convmath.output_size(n, f, p, s)
    with pytest.raises(ValueError):
        convmath.fits_exactly(n, f, p, s)


def test_same_padding_keeps_the_size():
    assert convmath.same_padding(3) == 1
    assert convmath.same_padding(5) == 2
    assert convmath.same_padding(1) == 0
    for f in (1, 3, 5, 7):
        assert convmath.output_size(28, f, convmath.same_padding(f), 1) == 28
    with pytest.raises(ValueError, match="odd"):
        convmath.same_padding(4)


def test_padding_for_modes():
    assert convmath.padding_for("same", 5) == 2
    assert convmath.padding_for("valid", 5) == 0
    with pytest.raises(ValueError, match="padding mode"):
        convmath.padding_for("full", 3)


def test_parameter_counts_from_the_guide():
    assert convmath.conv_params(3, 1, 32) == 320
    assert convmath.conv_params(3, 32, 64) == 18_496
    assert convmath.conv_params((3, 3), 32, 64, bias=False) == 18_432
    assert convmath.conv_params((5, 3), 1, 1) == 16
    assert convmath.dense_params(784, 128, bias=False) == 100_352
    assert convmath.dense_params(784, 128) == 100_480
    with pytest.raises(ValueError):
        convmath.conv_params(3, 0, 32)
    with pytest.raises(ValueError):
        convmath.conv_params((3, 3, 3), 1, 32)
    with pytest.raises(ValueError):
        convmath.dense_params(784, -1)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 0), (1, 1), (2, 1), (3, 2)])
def test_convolve2d_matches_the_double_loop(stride, padding):
    rng = np.random.default_rng(stride * 10 + padding)
    image = rng.normal(size=(9, 7))
    kernel = rng.normal(size=(3, 2))
    output = convmath.convolve2d(image, kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(output, naive_convolve2d(image, kernel, stride, padding))
    assert output.shape[0] == convmath.output_size(9, 3, padding, stride)


def test_convolve2d_errors():
    with pytest.raises(ValueError, match="does not fit"):
        convmath.convolve2d(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError):
        convmath.convolve2d(np.ones((5, 5)), np.ones((3, 3)), stride=0)
    with pytest.raises(ValueError):
        convmath.convolve2d(np.ones((5, 5, 1)), np.ones((3, 3)))


def test_convolve_volume_shapes_and_values():
    rng = np.random.default_rng(0)
    volume = rng.normal(size=(6, 6, 3))
    one_filter = rng.normal(size=(1, 3, 3, 3))
    assert convmath.convolve_volume(volume, one_filter).shape == (4, 4, 1)
    kernels = rng.normal(size=(5, 3, 3, 3))
    output = convmath.convolve_volume(volume, kernels, stride=2, padding=1)
    assert output.shape == (3, 3, 5)
    # Each output channel is the sum over input channels of 2-D convolutions.
    expected = sum(naive_convolve2d(volume[:, :, c], kernels[4, :, :, c], 2, 1) for c in range(3))
    np.testing.assert_allclose(output[:, :, 4], expected)


def test_convolve_volume_rejects_channel_mismatch():
    with pytest.raises(ValueError, match="channels"):
        convmath.convolve_volume(np.ones((6, 6, 3)), np.ones((2, 3, 3, 1)))


def test_pool_max_and_average():
    x = np.array([[1, 3, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    np.testing.assert_array_equal(convmath.pool2d(x), [[6, 8], [3, 4]])
    np.testing.assert_allclose(convmath.pool2d(x, mode="average"), [[3.75, 5.25], [2.0, 2.0]])
    overlapping = convmath.pool2d(x, size=2, stride=1)
    np.testing.assert_array_equal(overlapping, [[6, 7, 8], [6, 7, 8], [3, 3, 4]])
    with pytest.raises(ValueError, match="pooling mode"):
        convmath.pool2d(x, mode="median")
    with pytest.raises(ValueError):
        convmath.pool2d(x, size=5)


def test_vertical_edge_example():
    image, kernel, output = convmath.vertical_edge_example()
    assert image.shape == (6, 6)
    np.testing.assert_array_equal(image[:, :3], 10.0)
    np.testing.assert_array_equal(image[:, 3:], 0.0)
    np.testing.assert_array_equal(kernel, [[1, 0, -1]] * 3)
    np.testing.assert_array_equal(output, [[0, 30, 30, 0]] * 4)


def test_volume_example_gives_one_output_channel_per_filter():
    volume, kernels, output = convmath.volume_example(3)
    assert volume.shape == (6, 6, 3) and kernels.shape == (3, 3, 3, 3) and output.shape == (4, 4, 3)
    assert set(np.unique(volume)) <= {0, 1, 2, 3}
    assert set(np.unique(kernels)) <= {-1, 0, 1}
    # Output cell (0, 0) of filter 2 adds the 27 products of the top-left 3x3x3 block.
    assert output[0, 0, 2] == np.sum(volume[:3, :3, :] * kernels[2])
    # Asking for more filters keeps the first ones.
    _, more_kernels, more_output = convmath.volume_example(5)
    np.testing.assert_array_equal(more_kernels[:3], kernels)
    np.testing.assert_array_equal(more_output[:, :, :3], output)
    with pytest.raises(ValueError):
        convmath.volume_example(9)
    with pytest.raises(ValueError):
        convmath.volume_example(0)


@pytest.mark.parametrize("n, f, p, s", [(28, 3, 0, 1), (6, 3, 0, 2), (7, 3, 0, 2), (4, 3, 1, 1), (28, 5, 2, 3)])
def test_geometry_agrees_with_the_functions(n, f, p, s):
    size = convmath.Geometry(n, f, p, s)
    assert size.padded == n + 2 * p
    assert size.travel == n + 2 * p - f
    assert size.output == convmath.output_size(n, f, p, s)
    assert size.fits == convmath.fits_exactly(n, f, p, s)


def test_geometry_rejects_a_filter_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        convmath.Geometry(3, 5)
    with pytest.raises(ValueError, match="stride"):
        convmath.Geometry(6, 3, 0, 0)


@pytest.mark.parametrize(
    "n, f, p, s, size, never_covered",
    [(6, 3, 0, 1, 6, 0), (6, 3, 0, 2, 6, 11), (4, 3, 1, 1, 6, 0), (7, 3, 0, 2, 7, 0)],
)
def test_geometry_cells_mark_padding_input_and_dropped_cells(n, f, p, s, size, never_covered):
    cells = convmath.Geometry(n, f, p, s).cells()
    assert cells.shape == (size, size)
    assert np.sum(cells == 0) == size * size - n * n
    assert np.sum(cells == 2) == never_covered


def test_geometry_cells_ring_of_zeros():
    cells = convmath.Geometry(4, 3, 1, 1).cells()
    assert (cells[0] == 0).all() and (cells[-1] == 0).all() and (cells[:, 0] == 0).all()
    assert (cells[1:-1, 1:-1] == 1).all()


def test_pool_windows_pair_each_window_with_its_output_cell():
    windows, cells = convmath.pool_windows((4, 4), 2)
    assert windows == [(0, 0, 2, 2), (0, 2, 2, 2), (2, 0, 2, 2), (2, 2, 2, 2)]
    assert cells == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]
    x = np.arange(16.0).reshape(4, 4)
    pooled = convmath.pool2d(x, 2)
    for (row, col, height, width), (out_row, out_col, _, _) in zip(windows, cells, strict=True):
        assert pooled[out_row, out_col] == x[row : row + height, col : col + width].max()


def test_sliding_windows_visit_row_by_row_with_the_stride():
    image = np.arange(25.0).reshape(5, 5)
    places = [(row, col) for row, col, _ in convmath.sliding_windows(image, (3, 3), stride=2)]
    assert places == [(0, 0), (0, 1), (1, 0), (1, 1)]
    *_, (_, _, last) = convmath.sliding_windows(image, (3, 3), stride=2)
    np.testing.assert_array_equal(last, image[2:5, 2:5])


@pytest.mark.parametrize("filters, kernel, channels", [(32, 3, 1), (64, 3, 32), (6, 5, 3), (1, 1, 1)])
def test_conv_count_with_biases_equals_keras(filters, kernel, channels):
    from keras import layers

    layer = layers.Conv2D(filters, kernel)
    layer.build((None, 28, 28, channels))
    assert convmath.conv_params(kernel, channels, filters) == layer.count_params()


@pytest.mark.parametrize("inputs, units", [(784, 128), (784, 10), (1600, 1)])
def test_dense_count_with_biases_equals_keras(inputs, units):
    from keras import layers

    layer = layers.Dense(units)
    layer.build((None, inputs))
    assert convmath.dense_params(inputs, units) == layer.count_params()
