"""Tests for cnnlab.figures.draw: the values on the charts are the values given."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from cnnlab.figures import draw as figures

DIGITS = [str(digit) for digit in range(10)]


def probability_bars(*args, **kwargs) -> go.Figure:
    return go.Figure(figures.probability_bars(*args, **kwargs))


def compare_bars(*args, **kwargs) -> go.Figure:
    return go.Figure(figures.compare_bars(*args, **kwargs))


def test_probability_bars_heights_are_the_probabilities():
    probabilities = np.array([0.01, 0.02, 0.03, 0.04, 0.05, 0.1, 0.15, 0.5, 0.06, 0.04])
    figure = probability_bars(probabilities, DIGITS)
    assert isinstance(figure, go.Figure)
    (bars,) = figure.data
    np.testing.assert_allclose(bars.y, probabilities)
    assert list(bars.x) == DIGITS
    assert figure.layout.xaxis.type == "category"


def test_probability_bars_colour_the_most_probable_class_by_default():
    probabilities = np.full(10, 0.05)
    probabilities[3] = 0.55
    colours = probability_bars(probabilities, DIGITS).data[0].marker.color
    assert colours[3] == figures.HIGHLIGHT_COLOUR
    assert [colour for index, colour in enumerate(colours) if index != 3] == [figures.BAR_COLOUR] * 9


def test_probability_bars_colour_the_bar_asked_for():
    probabilities = np.full(10, 0.1)
    colours = probability_bars(probabilities, DIGITS, highlight=8).data[0].marker.color
    assert [index for index, colour in enumerate(colours) if colour == figures.HIGHLIGHT_COLOUR] == [8]


def test_probability_bars_label_bars_in_percent_and_leave_tiny_ones_blank():
    probabilities = np.zeros(10)
    probabilities[[2, 5]] = [0.986, 0.014]
    text = probability_bars(probabilities, DIGITS).data[0].text
    assert text[2] == "99%" and text[5] == "1%"
    assert text[0] == ""


CLOTHES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def test_probability_bars_of_clothes_are_horizontal_with_every_name_in_order_from_the_top():
    probabilities = np.linspace(0.01, 0.19, 10)
    figure = probability_bars(probabilities, CLOTHES)
    (bars,) = figure.data
    assert bars.orientation == "h"
    assert list(bars.y) == CLOTHES
    np.testing.assert_allclose(bars.x, probabilities)
    assert list(figure.layout.yaxis.tickvals) == CLOTHES  # every name written, none skipped
    assert figure.layout.yaxis.autorange == "reversed"


def test_probability_bars_write_every_digit_under_its_bar():
    axis = probability_bars(np.full(10, 0.1), DIGITS).layout.xaxis
    assert axis.tickmode == "array" and list(axis.tickvals) == DIGITS


def test_guess_words_name_the_class_and_how_sure():
    probabilities = np.full(10, 0.01)
    probabilities[7] = 0.91
    assert figures.guess_words(probabilities, DIGITS) == "7 — 91.0 % sure"
    probabilities = np.zeros(10)
    probabilities[5] = 1.0
    assert figures.guess_words(probabilities, CLOTHES) == "Sandal — over 99.9 % sure"


def test_compare_bars_group_one_trace_per_network_and_the_sentence_names_both():
    cnn, dense = np.eye(10)[7], np.eye(10)[1] * 0.6 + 0.04
    found = {"CNN": cnn, "Fully connected": dense}
    figure = compare_bars(found, DIGITS)
    assert [trace.name for trace in figure.data] == ["CNN", "Fully connected"]
    np.testing.assert_allclose(figure.data[1].y, dense)
    assert figure.layout.barmode == "group"
    words = figures.compare_words(found, DIGITS)
    assert words == "**CNN**: 7 — over 99.9 % sure · **Fully connected**: 1 — 64.0 % sure"


def test_compare_bars_refuse_a_wrong_number_of_probabilities():
    with pytest.raises(ValueError, match="CNN"):
        compare_bars({"CNN": np.ones(9) / 9}, DIGITS)


def test_pixel_picture_enlarges_each_pixel_into_a_sharp_square_black_to_white():
    image = np.array([[0.0, 1.0], [0.5, 0.25]])
    picture = figures.pixel_picture(image, side=6)
    assert picture.dtype == np.uint8 and picture.shape == (6, 6)
    np.testing.assert_array_equal(picture[:3, :3], 0)
    np.testing.assert_array_equal(picture[:3, 3:], 255)
    np.testing.assert_array_equal(picture[3:, :3], 128)
    np.testing.assert_array_equal(picture[3:, 3:], 64)


def test_picture_url_carries_the_pixel_picture_as_a_png():
    image = np.random.default_rng(0).random((28, 28))
    url = figures.picture_url(image)
    assert url.startswith("data:image/png;base64,")
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    np.testing.assert_array_equal(decoded, figures.pixel_picture(image))


def test_pixel_picture_averages_a_picture_twice_its_side_down_and_refuses_non_pictures():
    drawing = np.zeros((280, 280))
    drawing[:2, :2] = [[1.0, 1.0], [0.0, 0.0]]  # one 2 x 2 block half white
    picture = figures.pixel_picture(drawing, side=140)
    assert picture.shape == (140, 140) and picture[0, 0] == 128 and picture[1:, :].max() == 0
    assert figures.pixel_picture(np.zeros((200, 60)), side=140).shape == (200, 60)  # less than twice: as it is
    with pytest.raises(ValueError):
        figures.pixel_picture(np.zeros(28))


@pytest.mark.parametrize(
    "probabilities, highlight", [(np.full(9, 0.1), None), (np.full((2, 10), 0.05), None), (np.full(10, 0.1), 10)]
)
def test_probability_bars_refuse_mismatched_input(probabilities, highlight):
    with pytest.raises(ValueError):
        probability_bars(probabilities, DIGITS, highlight=highlight)


def test_grayscale_image_shows_the_values_top_row_first_with_square_pixels():
    image = np.linspace(0, 1, 28 * 28).reshape(28, 28)
    figure = figures.grayscale_image(image, "What the network sees")
    (heatmap,) = figure.data
    np.testing.assert_allclose(np.asarray(heatmap.z), image, atol=5e-4)
    assert (heatmap.zmin, heatmap.zmax) == (0.0, 1.0)
    assert heatmap.showscale is False
    assert figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.yaxis.scaleanchor == "x"
    assert figure.layout.xaxis.showticklabels is False
    assert "%{z" in heatmap.hovertemplate
    assert figure.layout.title.text == "What the network sees"


def test_grayscale_image_uses_a_gray_colour_scale_from_black_to_white():
    scale = figures.grayscale_image(np.zeros((5, 5)), "").data[0].colorscale
    colours = [colour.replace(" ", "") for _, colour in scale]
    assert colours[0] == "rgb(0,0,0)" and colours[-1] == "rgb(255,255,255)"


def test_grayscale_image_averages_blocks_of_large_images():
    image = np.zeros((280, 280))
    image[:140, :] = 1.0  # top half white
    heatmap = figures.grayscale_image(image, "", max_side=70).data[0]
    shown = np.asarray(heatmap.z)
    assert shown.shape == (70, 70)
    assert shown[:35].min() == 1.0 and shown[35:].max() == 0.0
    assert list(heatmap.y[:3]) == [0, 4, 8]  # rows of the original image


def test_grayscale_image_keeps_the_shape_of_a_thin_image():
    shown = np.asarray(figures.grayscale_image(np.ones((20, 9)), "").data[0].z)
    assert shown.shape == (20, 9)


def test_grayscale_images_of_one_height_line_up():
    heights = {figures.grayscale_image(np.ones(shape), "", height=200).layout.height for shape in [(280, 280), (20, 9)]}
    assert heights == {200}


@pytest.mark.parametrize("array", [np.zeros(28), np.zeros((0, 3)), np.zeros((2, 2, 2))])
def test_grayscale_image_refuses_what_is_not_a_picture(array):
    with pytest.raises(ValueError):
        figures.grayscale_image(array, "")


def test_shift_accuracy_curve_draws_one_line_per_model_in_order():
    shifts = np.arange(-6, 7)
    cnn = np.linspace(0.8, 0.99, 13)
    dense = np.linspace(0.5, 0.9, 13)
    figure = figures.shift_accuracy_curve(shifts, {"CNN": cnn, "Fully connected": dense})
    assert [line.name for line in figure.data] == ["CNN", "Fully connected"]
    np.testing.assert_array_equal(figure.data[0].x, shifts)
    np.testing.assert_allclose(figure.data[0].y, cnn)
    np.testing.assert_allclose(figure.data[1].y, dense)
    assert figure.data[0].line.color != figure.data[1].line.color
    assert tuple(figure.layout.yaxis.range) == (0, 1.02)
    assert figure.layout.showlegend is True


def test_shift_accuracy_curve_refuses_a_wrong_number_of_accuracies():
    with pytest.raises(ValueError, match="CNN"):
        figures.shift_accuracy_curve(np.arange(-2, 3), {"CNN": np.ones(4)})


def test_shift_takeaway_quotes_two_pixels_and_the_widest_gap():
    shifts = np.arange(-6, 7)
    cnn = np.array([0.80, 0.90, 0.95, 0.97, 0.98, 0.99, 0.99, 0.99, 0.98, 0.97, 0.95, 0.90, 0.80])
    dense = np.array([0.40, 0.70, 0.90, 0.95, 0.96, 0.98, 0.99, 0.98, 0.96, 0.95, 0.90, 0.70, 0.40])
    sentence = figures.shift_takeaway(shifts, cnn, dense)
    assert sentence.startswith("moved 2 pixels, the CNN gets 98% right and the fully connected network 96%")
    assert "moved 6 pixels, 80% against 40%" in sentence


def test_shift_takeaway_says_when_both_cope_equally():
    shifts = np.arange(-3, 4)
    accuracies = np.full(7, 0.97)
    assert figures.shift_takeaway(shifts, accuracies, accuracies).endswith("both cope about equally well.")


def test_shift_takeaway_needs_the_small_shift():
    with pytest.raises(ValueError):
        figures.shift_takeaway(np.array([-1, 0, 1]), np.ones(3), np.ones(3))


def test_moved_words_say_how_far_and_which_way():
    assert figures.moved_words(4, 6) == "moved 4 pixels right and 6 pixels down"
    assert figures.moved_words(-1, 0) == "moved 1 pixel left"
    assert figures.moved_words(0, -3) == "moved 3 pixels up"
    assert figures.moved_words(0, 0) == "not moved"
