"""Tests for the 5x5 toy CNN: the seed's numbers, the step trace and edits."""

import numpy as np
import pytest

from cnnlab import config, convmath, toy

EYE = np.eye(5)
ANTI = np.fliplr(np.eye(5))
CROSS = np.maximum(EYE, ANTI)

# Printed in the textbook chapter (seed 001) for the three images.
SEED_PROBABILITIES = {
    "cross": [0.26163495, 0.26163495, 0.47673005],
    "diagonal": [0.5937724, 0.08035836, 0.32586923],
    "right_diagonal": [0.08035836, 0.5937724, 0.32586923],
}


@pytest.fixture(scope="module")
def images():
    return toy.load_images()


def test_image_file_has_three_stacked_binary_images():
    lines = (config.TOY_DIR / "img-x.tsv").read_text().splitlines()
    assert len(lines) == 15
    assert all(len(line.split("\t")) == 5 for line in lines)
    assert {field for line in lines for field in line.split("\t")} == {"0", "1"}


def test_filter_file_has_two_stacked_filters():
    lines = (config.TOY_DIR / "img-filter.tsv").read_text().splitlines()
    assert len(lines) == 6
    assert all(len(line.split("\t")) == 3 for line in lines)


def test_loaded_images_are_cross_diagonal_and_anti_diagonal(images):
    assert list(images) == ["cross", "diagonal", "right_diagonal"]
    np.testing.assert_array_equal(images["cross"], CROSS)
    np.testing.assert_array_equal(images["diagonal"], EYE)
    np.testing.assert_array_equal(images["right_diagonal"], ANTI)
    assert images["cross"].dtype == np.float64


def test_loaded_filters_are_the_two_diagonals():
    main, anti = toy.load_filters()
    np.testing.assert_array_equal(main, np.eye(3))
    np.testing.assert_array_equal(anti, np.fliplr(np.eye(3)))


def test_images_round_trip_through_a_tsv(tmp_path, images):
    path = tmp_path / "images.tsv"
    np.savetxt(path, np.vstack(list(images.values())), fmt="%d", delimiter="\t")
    reloaded = toy.load_images(path)
    for name, image in images.items():
        np.testing.assert_array_equal(reloaded[name], image)


def test_wrongly_shaped_tsv_is_rejected(tmp_path):
    path = tmp_path / "short.tsv"
    np.savetxt(path, np.zeros((5, 5)), fmt="%d", delimiter="\t")
    with pytest.raises(ValueError, match="shape"):
        toy.load_images(path)
    with pytest.raises(ValueError, match="shape"):
        toy.load_filters(path)


@pytest.mark.parametrize("name", ["cross", "diagonal", "right_diagonal"])
def test_probabilities_match_the_seed(images, name):
    result = toy.classify(images[name])
    np.testing.assert_allclose(result.probabilities, SEED_PROBABILITIES[name], atol=1e-6)
    assert result.predicted == name


def test_cross_feature_maps_by_hand(images):
    result = toy.classify(images["cross"])
    # Filter 1 lines up with the cross's main diagonal at (0,0), (1,1), (2,2):
    # three ones each. At (0,2) it only catches the anti-diagonal pixel (1,3).
    main_map = np.array([[3, 0, 1], [0, 3, 0], [1, 0, 3]])
    np.testing.assert_array_equal(result.feature_maps[0], main_map)
    np.testing.assert_array_equal(result.feature_maps[1], np.fliplr(main_map))
    np.testing.assert_array_equal(result.pooled, [3.0, 3.0])
    np.testing.assert_allclose(result.logits, [3.0, 3.0, 3.6])


def test_wrong_filter_stays_nearly_dormant(images):
    result = toy.classify(images["diagonal"])
    assert result.feature_maps[1].max() == 1.0
    np.testing.assert_array_equal(np.diag(result.feature_maps[0]), [3.0, 3.0, 3.0])


def test_step_trace_matches_the_feature_maps(images):
    image = images["cross"]
    result = toy.classify(image)
    assert len(result.steps) == 2
    for kernel, feature_map, steps in zip(result.filters, result.feature_maps, result.steps, strict=True):
        assert len(steps) == 9
        assert [(step.row, step.col) for step in steps] == [(r, c) for r in range(3) for c in range(3)]
        for step in steps:
            np.testing.assert_array_equal(step.patch, image[step.row : step.row + 3, step.col : step.col + 3])
            np.testing.assert_array_equal(step.products, step.patch * kernel)
            assert step.total == pytest.approx(step.products.sum())
            assert step.total == feature_map[step.row, step.col]


def test_convolve_valid_handles_real_values_and_rectangles():
    image = np.arange(12.0).reshape(3, 4)
    kernel = np.array([[0.5, -1.0]])
    output, steps = toy.convolve_valid(image, kernel)
    assert output.shape == (3, 3)
    assert len(steps) == 9
    np.testing.assert_allclose(output, 0.5 * image[:, :3] - image[:, 1:])


@pytest.mark.parametrize(
    "image, kernel",
    [(np.ones((2, 2)), np.ones((3, 3))), (np.ones(5), np.ones((3, 3))), (np.full((5, 5), np.nan), np.ones((3, 3)))],
)
def test_convolve_valid_rejects_bad_shapes(image, kernel):
    with pytest.raises(ValueError):
        toy.convolve_valid(image, kernel)


def test_switching_off_the_centre_weakens_both_detectors(images):
    edited = images["cross"].copy()
    edited[2, 2] = 0.0
    result = toy.classify(edited)
    # Every window on either diagonal passes through the centre, so both maxima drop to 2.
    np.testing.assert_array_equal(result.pooled, [2.0, 2.0])
    expected = np.exp([2.0, 2.0, 2.4]) / np.exp([2.0, 2.0, 2.4]).sum()
    np.testing.assert_allclose(result.probabilities, expected)
    assert result.predicted == "cross"


def test_drawing_the_anti_diagonal_turns_a_diagonal_into_a_cross(images):
    edited = np.maximum(images["diagonal"], ANTI)
    np.testing.assert_allclose(toy.classify(edited).probabilities, SEED_PROBABILITIES["cross"], atol=1e-6)


def test_edited_weights_and_bias_are_used(images):
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    result = toy.classify(images["cross"], weights=weights, bias=[0.0, 0.0, 5.0])
    np.testing.assert_allclose(result.logits, [3.0, 3.0, 5.0])
    assert result.predicted == "cross"
    result = toy.classify(images["cross"], weights=weights)
    np.testing.assert_allclose(result.probabilities, np.exp([3, 3, 0]) / np.exp([3, 3, 0]).sum())


def test_edited_filter_changes_the_feature_map(images):
    filters = [np.ones((3, 3)), np.zeros((3, 3))]
    result = toy.classify(images["cross"], filters=filters)
    assert result.feature_maps[0][1, 1] == 5.0  # the centre window holds five ones
    np.testing.assert_array_equal(result.feature_maps[1], np.zeros((3, 3)))


def test_default_weights_cannot_be_changed_in_place():
    with pytest.raises(ValueError):
        toy.FC_WEIGHTS[0, 0] = 2.0


def test_classify_rejects_mismatched_dense_layer(images):
    with pytest.raises(ValueError, match="weight matrix"):
        toy.classify(images["cross"], weights=np.ones((3, 3)))
    with pytest.raises(ValueError, match="bias"):
        toy.classify(images["cross"], bias=[1.0, 2.0])


def test_softmax_is_stable_and_normalised():
    np.testing.assert_allclose(toy.softmax([1000.0, 1000.0]), [0.5, 0.5])
    np.testing.assert_allclose(toy.softmax([1.0, 2.0, 3.0]), toy.softmax([101.0, 102.0, 103.0]))
    assert toy.softmax([-3.0, 0.5, 7.0]).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        toy.softmax([[1.0, 2.0]])


def test_smooth_signal_reduces_noise_and_repeats():
    x, noisy, smoothed = toy.smooth_signal()
    assert x.shape == noisy.shape == smoothed.shape == (500,)
    assert x[0] == 0.0 and x[-1] == 10.0
    interior = slice(20, -20)  # "same" mode averages in zeros at the ends
    noisy_error = np.abs(noisy - np.sin(x))[interior].mean()
    smoothed_error = np.abs(smoothed - np.sin(x))[interior].mean()
    assert smoothed_error < noisy_error / 2
    np.testing.assert_array_equal(toy.smooth_signal()[1], noisy)


def test_smooth_signal_window_of_one_changes_nothing():
    _, noisy, smoothed = toy.smooth_signal(num_points=50, window=1)
    np.testing.assert_allclose(smoothed, noisy)


def test_smooth_signal_rejects_bad_arguments():
    with pytest.raises(ValueError):
        toy.smooth_signal(num_points=0)
    with pytest.raises(ValueError):
        toy.smooth_signal(num_points=5, window=6)
    with pytest.raises(ValueError):
        toy.smooth_signal(noise=-1.0)


def test_one_name_per_thing():
    # The filter that finds a line, the line and the class carry the same name.
    assert toy.FILTER_NAMES == (toy.LABELS["diagonal"], toy.LABELS["right_diagonal"])
    assert set(toy.LABELS) == set(toy.CLASS_NAMES) == set(toy.IMAGE_NAMES)
    assert toy.LABELS["diagonal"].startswith("\\") and toy.LABELS["right_diagonal"].startswith("/")
    words = " ".join(toy.LABELS.values()).lower()
    for other_name in ("main", "anti", "right", "left"):
        assert other_name not in words


def test_peaks_are_where_each_map_is_largest(images):
    result = toy.classify(images["cross"])
    assert result.peaks == [(0, 0), (0, 2)]
    for feature_map, (row, col), pooled in zip(result.feature_maps, result.peaks, result.pooled, strict=True):
        assert feature_map[row, col] == feature_map.max() == pooled
    edited = images["diagonal"].copy()
    edited[:] = 0
    edited[3:5, 3:5] = 1
    assert toy.classify(edited).peaks[0] == (2, 2)


def test_not_yet_hides_the_cells_after_the_current_window(images):
    result = toy.classify(images["cross"])
    assert result.num_windows == 9
    np.testing.assert_array_equal(result.not_yet(0, 4), [[False] * 3, [False, True, True], [True] * 3])
    assert not result.not_yet(1, result.num_windows).any()
    assert result.not_yet(1, 0).all()


def test_the_toy_convolution_is_the_convmath_one(images):
    kernel = toy.load_filters()[1]
    output, steps = toy.convolve_valid(images["cross"], kernel)
    np.testing.assert_array_equal(output, convmath.convolve2d(images["cross"], kernel))
    assert [step.total for step in steps] == list(output.ravel())
