"""Concepts: the arithmetic of convolution layers, one small interactive example at a time."""

import numpy as np
import streamlit as st

from cnnlab import convmath, toy
from cnnlab.figures import lessons, style
from pages import code_view, shared

shared.through_app_navigation()

POOL_EXAMPLE = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], dtype=float)
RGB = ["red", "green", "blue"]
FILTER_NAMES = [f"from filter {k + 1}" for k in range(6)]
CHART = {"config": style.CHART_CONFIG}


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
        size = convmath.Geometry(n, f, p, s)
    except ValueError as error:
        st.error(f"{error} Use a smaller filter or more padding.")
        return
    st.metric("Output size", f"{size.output} × {size.output}")
    st.latex(lessons.size_formula(size))
    if not size.fits:
        st.warning(
            f"n + 2p − f = {size.travel} is not a multiple of the stride {s}: the last window would stick "
            "out, so it is dropped (that is the ⌊ ⌋). The purple cells are never seen by the filter."
        )
    st.plotly_chart(lessons.padding_picture(size), key="calc_picture", **CHART)
    st.caption("The first positions of the filter along the top row are outlined; a dashed one is the last position.")
    code_view.show_code(convmath.output_size, convmath.fits_exactly)


def padding_and_stride():
    """Same versus valid padding, then the size for strides 1, 2 and 3."""
    left, right = st.columns(2)
    n = left.slider("Input size n", 4, 32, 28, key="pad_n")
    f = right.select_slider("Filter size f", (1, 3, 5, 7), 3, key="pad_f")
    same = st.toggle("Same padding (off = valid padding: no zeros added)", key="pad_same")
    p = convmath.padding_for("same" if same else "valid", f)
    st.markdown(f"**{'Same' if same else 'Valid'} padding** adds p = {p} ring(s) of zeros.")
    sizes = {s: convmath.Geometry(n, f, p, s) for s in (1, 2, 3)}
    for (s, size), column in zip(sizes.items(), st.columns(3), strict=True):
        column.metric(f"Stride {s}", f"{size.output} × {size.output}", help=f"⌊({n} + {2 * p} − {f}) / {s}⌋ + 1")
    st.caption(
        "Same padding keeps the size at stride 1. A stride of 2 roughly halves it, a stride of 3 divides it by 3."
    )
    st.plotly_chart(lessons.padding_picture(sizes[1]), key="pad_picture", **CHART)
    code_view.show_code(convmath.padding_for, convmath.same_padding)


def volume():
    """A 6×6 input in 3 channels and a bank of 3×3×3 filters: one output channel per filter."""
    filters = st.slider("Number of filters", 1, 6, 2, key="vol_filters")
    image, kernels, output = convmath.volume_example(filters)
    rows, cols, channels = image.shape
    st.markdown(
        f"**Input**: {rows} × {cols} pixels in {channels} channels. "
        f"**Filters**: {filters}, each {kernels.shape[1]} × {kernels.shape[2]} in {channels} channels. "
        f"**Output**: {output.shape[0]} × {output.shape[1]} in {filters} channel{'s' if filters > 1 else ''}, "
        "one per filter."
    )
    figures = {
        "vol_input": lessons.channel_grids(image, "Input: 3 channels", RGB, "magnitude"),
        "vol_kernel": lessons.channel_grids(kernels[0], "Filter 1: one slice per channel", RGB),
        "vol_output": lessons.channel_grids(output, "Output: one channel per filter", FILTER_NAMES[:filters]),
    }
    for key, figure in figures.items():
        st.plotly_chart(figure, key=key, **CHART)
    st.caption("Each output number adds 27 products: 3 × 3 pixels in each of the 3 channels.")
    code_view.show_code(convmath.volume_example, convmath.convolve_volume)


def parameters():
    """Parameter counts of a conv layer and a dense layer on a 28 × 28 image, both with their biases."""
    columns = st.columns(3)
    filters = columns[0].number_input("Number of filters", 1, 256, 32, key="par_filters")
    kernel = columns[1].number_input("Kernel size", 1, 11, 3, key="par_kernel")
    units = columns[2].number_input("Dense units", 1, 1024, 128, key="par_units")
    conv, dense = convmath.conv_params(kernel, 1, filters), convmath.dense_params(28 * 28, units)
    left, right = st.columns(2)
    left.metric("Conv layer parameters", f"{conv:,}")
    left.markdown(f"{filters} filters × ({kernel} × {kernel} weights + 1 bias)")
    right.metric("Dense layer parameters", f"{dense:,}")
    right.markdown(f"{units:,} units × (784 weights + 1 bias)")
    st.caption("Both counts include the biases: one per filter, one per unit. 784 = 28 × 28 pixels in one row.")
    chart = lessons.params_bars([f"conv: {filters} filters", f"dense: {units:,} units"], [conv, dense])
    st.plotly_chart(chart, key="par_chart", **CHART)
    st.caption("A filter is reused at every position of the image, so its few weights do a lot of work.")
    code_view.show_code(convmath.conv_params, convmath.dense_params)


def pooling():
    """Max and average pooling of a 4 × 4 matrix with 2 × 2 windows, the input beside its two summaries."""
    windows, cells = convmath.pool_windows(POOL_EXAMPLE.shape, 2)  # Window k gives output cell k: same colour.
    limit = POOL_EXAMPLE.max()
    left, right = st.columns(2)
    left.plotly_chart(lessons.number_grid(POOL_EXAMPLE, "Input 4 × 4", windows, limit=limit), key="pool_0", **CHART)
    for number, mode in enumerate(convmath.POOL_MODES, start=1):
        pooled = convmath.pool2d(POOL_EXAMPLE, 2, mode=mode)
        grid = lessons.number_grid(pooled, f"{mode.capitalize()} pooling", cells, limit=limit, cell_size=60)
        right.plotly_chart(grid, key=f"pool_{number}", **CHART)
    st.caption("Each outlined 2 × 2 window gives one number: its biggest value, or its mean. Pooling learns nothing.")
    code_view.show_code(convmath.pool2d)


def edge_detector():
    """The vertical-edge filter on a 6 × 6 image, bright on the left."""
    image, kernel, output = convmath.vertical_edge_example()
    figures = [
        lessons.number_grid(image, "Image 6 × 6", (0, 0, 3, 3), scale="magnitude", cell_size=50),
        lessons.number_grid(kernel, "Filter 3 × 3"),
        lessons.number_grid(output, "Output 4 × 4", (0, 0, 1, 1), cell_size=50),
    ]
    columns = [*st.columns([2, 1]), *st.columns([2, 1], vertical_alignment="center")]
    for number, (column, figure) in enumerate(zip(columns, figures, strict=False)):
        column.plotly_chart(figure, key=f"edge_{number}", **CHART)
    columns[3].caption(
        "Where the bright side meets the dark side, the output is 30: the filter has found a vertical edge."
    )
    code_view.show_code(convmath.vertical_edge_example, convmath.convolve2d)


def smoothing():
    """A noisy sine wave smoothed by a moving average, a 1-D convolution."""
    window = st.slider("Window size (number of points averaged)", 1, 100, 10, key="smooth_window")
    x, noisy, smoothed = toy.smooth_signal(window=window)
    st.plotly_chart(lessons.signal_plot(x, noisy, smoothed, window), key="smooth_chart", **CHART)
    st.caption("Each smoothed point is the mean of its neighbours: a 1-D filter of equal weights 1/window.")
    code_view.show_code(toy.smooth_signal)


# Short tab names, so all seven fit side by side in a 560 px column.
SECTIONS = {
    "Sizes": size_calculator,
    "Padding": padding_and_stride,
    "Volumes": volume,
    "Parameters": parameters,
    "Pooling": pooling,
    "Edges": edge_detector,
    "Smoothing": smoothing,
}


def main():
    """Title, the colour language, then one tab per section."""
    st.title("Concepts")
    st.markdown("The arithmetic behind a convolution layer. Change the numbers and watch the sizes and counts follow.")
    st.caption(f"{style.SIGNED_WORDS} {style.MAGNITUDE_WORDS}")
    for tab, section in zip(st.tabs(list(SECTIONS)), SECTIONS.values(), strict=True):
        with tab:
            section()


main()
