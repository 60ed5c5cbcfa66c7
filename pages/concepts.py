"""Concepts: the arithmetic of convolution layers, one small interactive example at a time."""

import inspect

import numpy as np
import streamlit as st

from cnnlab import convmath, toy
from cnnlab.figures import lessons
from pages import shared  # noqa: F401  (deep links run through app.py's navigation)

POOL_EXAMPLE = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], dtype=float)
POOL_WINDOWS = [(0, 0, 2, 2), (0, 2, 2, 2), (2, 0, 2, 2), (2, 2, 2, 2)]
POOL_CELLS = [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]  # Outlined in the same colours as the windows.


def show_code(*functions):
    """An expander printing the source of the cnnlab functions behind a section."""
    with st.expander("Show the code"):
        for function in functions:
            st.code(inspect.getsource(function))


def size_calculator():
    """Number inputs n, f, p, s; the formula with the numbers put in; the padded grid."""
    st.markdown(
        "An **n × n** input, an **f × f** filter, **p** rings of zeros around it, and a step (stride) of **s**."
    )
    columns = st.columns(4)
    n = columns[0].number_input("Input size n", 1, 64, 28, key="calc_n")
    f = columns[1].number_input("Filter size f", 1, 15, 3, key="calc_f")
    p = columns[2].number_input("Padding p", 0, 10, 0, key="calc_p")
    s = columns[3].number_input("Stride s", 1, 8, 1, key="calc_s")
    try:
        m = convmath.output_size(n, f, p, s)
    except ValueError as error:
        st.error(f"{error} Use a smaller filter or more padding.")
        return
    formula, result = st.columns([3, 1], vertical_alignment="center")
    formula.latex(
        rf"\left\lfloor \frac{{n + 2p - f}}{{s}} \right\rfloor + 1 = \left\lfloor \frac{{{n} + {2 * p} - {f}}}{{{s}}}"
        rf"\right\rfloor + 1 = \lfloor {(n + 2 * p - f) / s:g} \rfloor + 1 = {m}"
    )
    result.metric("Output size", f"{m} × {m}")
    if not convmath.fits_exactly(n, f, p, s):
        st.warning(
            f"n + 2p − f = {n + 2 * p - f} is not a multiple of the stride {s}: the last window would stick "
            "out, so it is dropped (that is the ⌊ ⌋). The red cells are never seen by the filter."
        )
    st.plotly_chart(lessons.padding_picture(n, f, p, s), key="calc_picture")
    st.caption("The first positions of the filter along the top row are outlined; a dashed one is the last position.")
    show_code(convmath.output_size, convmath.fits_exactly)


def padding_and_stride():
    """Same versus valid padding, then the size for strides 1, 2 and 3."""
    left, right = st.columns(2)
    n = left.slider("Input size n", 4, 32, 28, key="pad_n")
    f = right.select_slider("Filter size f", (1, 3, 5, 7), 3, key="pad_f")
    same = st.toggle("Same padding (off = valid padding: no zeros added)", key="pad_same")
    p = convmath.padding_for("same" if same else "valid", f)
    st.markdown(f"**{'Same' if same else 'Valid'} padding** adds p = {p} ring(s) of zeros.")
    columns = st.columns(3)
    for s, column in zip((1, 2, 3), columns, strict=True):
        m = convmath.output_size(n, f, p, s)
        column.metric(f"Stride {s}", f"{m} × {m}", help=f"⌊({n} + {2 * p} − {f}) / {s}⌋ + 1")
    st.caption(
        "Same padding keeps the size at stride 1. A stride of 2 roughly halves it, a stride of 3 divides it by 3."
    )
    st.plotly_chart(lessons.padding_picture(n, f, p, 1), key="pad_picture")
    show_code(convmath.padding_for, convmath.same_padding)


def volume():
    """A 6×6×3 input and a bank of 3×3×3 filters: one output channel per filter."""
    filters = st.slider("Number of filters", 1, 6, 2, key="vol_filters")
    image, kernels, output = convmath.volume_example(filters)
    shapes = st.columns(3)
    shapes[0].metric("Input", " × ".join(str(side) for side in image.shape))
    shapes[1].metric("Filters", f"{filters} of 3 × 3 × 3")
    shapes[2].metric("Output", " × ".join(str(side) for side in output.shape))
    channels = lessons.channel_grids(image, "Input: 3 channels", ["red", "green", "blue"], ("Reds", "Greens", "Blues"))
    st.plotly_chart(channels, key="vol_input")
    slices = lessons.channel_grids(kernels[0], "Filter 1: one 3×3 slice per channel", ["red", "green", "blue"], "RdBu")
    st.plotly_chart(slices, key="vol_kernel")
    names = [f"from filter {k + 1}" for k in range(filters)]
    st.plotly_chart(lessons.channel_grids(output, "Output: one channel per filter", names), key="vol_output")
    st.caption("Each output number adds 27 products: 3 × 3 pixels in each of the 3 channels.")
    show_code(convmath.volume_example, convmath.convolve_volume)


def parameters():
    """Parameter counts of a conv layer and a dense layer on a 28 × 28 image."""
    columns = st.columns(3)
    filters = columns[0].number_input("Number of filters", 1, 256, 32, key="par_filters")
    kernel = columns[1].number_input("Kernel size", 1, 11, 3, key="par_kernel")
    units = columns[2].number_input("Dense units", 1, 1024, 128, key="par_units")
    conv = convmath.conv_params(kernel, 1, filters)
    dense = convmath.dense_params(28 * 28, units, bias=False)
    left, right = st.columns(2)
    left.metric("Conv layer parameters", f"{conv:,}", help=f"{filters} × ({kernel}×{kernel}×1 weights + 1 bias)")
    right.metric("Dense layer weights", f"{dense:,}", help=f"784 × {units}, plus {units} biases")
    chart = lessons.params_bars([f"conv: {filters} filters {kernel}×{kernel}", f"dense: 784 → {units}"], [conv, dense])
    st.plotly_chart(chart, key="par_chart")
    st.caption("A filter is reused at every position of the image, so its few weights do a lot of work.")
    show_code(convmath.conv_params, convmath.dense_params)


def pooling():
    """Max and average pooling of a 4 × 4 matrix with 2 × 2 windows."""
    figures = [
        lessons.number_grid(POOL_EXAMPLE, "Input 4 × 4", POOL_WINDOWS),
        lessons.number_grid(convmath.pool2d(POOL_EXAMPLE, 2, mode="max"), "Max pooling", POOL_CELLS, zmax=9),
        lessons.number_grid(convmath.pool2d(POOL_EXAMPLE, 2, mode="average"), "Average pooling", POOL_CELLS, zmax=9),
    ]
    for number, (column, figure) in enumerate(zip(st.columns(3), figures, strict=True)):
        column.plotly_chart(figure, key=f"pool_{number}")
    st.caption("Each coloured 2 × 2 window gives one number: its biggest value, or its mean. Pooling learns nothing.")
    show_code(convmath.pool2d)


def edge_detector():
    """The vertical-edge filter on a 6 × 6 image, bright on the left."""
    image, kernel, output = convmath.vertical_edge_example()
    figures = [
        lessons.number_grid(image, "Image 6 × 6", (0, 0, 3, 3), "Greys_r"),
        lessons.number_grid(kernel, "Filter 3 × 3", None, "RdBu", -1, 1),
        lessons.number_grid(output, "Output 4 × 4", (0, 0, 1, 1), "Greys_r"),
    ]
    for number, (column, figure) in enumerate(zip(st.columns(3), figures, strict=True)):
        column.plotly_chart(figure, key=f"edge_{number}")
    st.caption("Where the bright side meets the dark side, the output is 30: the filter has found a vertical edge.")
    show_code(convmath.vertical_edge_example, convmath.convolve2d)


def smoothing():
    """A noisy sine wave smoothed by a moving average, a 1-D convolution."""
    window = st.slider("Window size (number of points averaged)", 1, 100, 10, key="smooth_window")
    x, noisy, smoothed = toy.smooth_signal(window=window)
    st.plotly_chart(lessons.signal_plot(x, noisy, smoothed, window), key="smooth_chart")
    st.caption("Each smoothed point is the mean of its neighbours: a 1-D filter of equal weights 1/window.")
    show_code(toy.smooth_signal)


SECTIONS = {
    "Output size": size_calculator,
    "Padding & stride": padding_and_stride,
    "Volumes": volume,
    "Parameters": parameters,
    "Pooling": pooling,
    "Edge detector": edge_detector,
    "1-D smoothing": smoothing,
}


def main():
    """Title, then one tab per section."""
    st.title("Concepts")
    st.markdown("The arithmetic behind a convolution layer. Change the numbers and watch the sizes and counts follow.")
    for tab, section in zip(st.tabs(list(SECTIONS)), SECTIONS.values(), strict=True):
        with tab:
            section()


main()
