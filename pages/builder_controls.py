"""The network builder's widgets: a stack of rows a student edits, each with its output shape and weights.

Session state: "builder_rows" is a list of [row id, cnnlab.builder.Block]; the widgets of a row are
keyed "builder_<row id>_<field>", so removing a row leaves the others' widgets where they are.
"""

from dataclasses import replace

import streamlit as st

from cnnlab import builder, models

FILTERS = list(range(1, builder.MAX_FILTERS + 1))
UNITS = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
RATES = [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
# field -> (choices, how a choice reads), per kind of row; the label is hidden, the choice says it all.
FIELDS = {
    "conv": {
        "size": (FILTERS, lambda value: f"{value} filters"),
        "kernel_size": (builder.KERNEL_SIZES, lambda value: f"{value}×{value}"),
        "padding": (("valid", "same"), lambda value: f"pad {value}"),
        "stride": (builder.STRIDES, lambda value: f"stride {value}"),
    },
    "activation": {"function": (builder.FUNCTIONS, str)},
    "pool": {"pooling": (builder.POOLINGS, lambda value: "no pooling" if value == "none" else f"{value} 2×2")},
    "batchnorm": {},
    "dropout": {"rate": (RATES, lambda value: f"drop {value:.0%}")},
    "dense": {"size": (UNITS, lambda value: f"{value:,} units"), "function": (builder.FUNCTIONS, str)},
}
FIRST_PRESET = "guide_cnn"  # the network of the CNN guide the lesson follows
WIDTHS = [1.0, 1.3, 3.5, 0.55]


def load_blocks(blocks: tuple) -> None:
    """Replace the builder's rows by these blocks (new row ids, so every widget starts from its block)."""
    start = st.session_state.get("builder_next_id", 0)
    st.session_state["builder_rows"] = [[start + index, block] for index, block in enumerate(blocks)]
    st.session_state["builder_next_id"] = start + len(blocks)


def _load_preset() -> None:
    load_blocks(builder.from_preset(st.session_state["builder_preset"]))
    st.session_state["builder_loaded"] = st.session_state["builder_preset"]


def _remove(row_id: int) -> None:
    st.session_state["builder_rows"] = [row for row in st.session_state["builder_rows"] if row[0] != row_id]


def _insert() -> None:
    rows, kind = st.session_state["builder_rows"], st.session_state["builder_add_kind"]
    after = st.session_state.get("builder_add_after", -1)
    position = next((index + 1 for index, row in enumerate(rows) if row[0] == after), 0)
    rows.insert(position, [st.session_state["builder_next_id"], builder.Block(kind)])
    st.session_state["builder_next_id"] += 1


def _suggest_place() -> None:
    """Put a new convolution or pooling after the last row that still holds maps; anything else at the end."""
    rows = st.session_state["builder_rows"]
    place = rows[-1][0] if rows else -1
    if st.session_state["builder_add_kind"] in ("conv", "pool"):
        before_dense = [row_id for row_id, block in rows[: _first_dense(rows)]]
        place = before_dense[-1] if before_dense else -1
    st.session_state["builder_add_after"] = place


def _first_dense(rows: list) -> int:
    """The index of the first dense row, or the number of rows if there is none."""
    return next((index for index, (_, block) in enumerate(rows) if block.kind == "dense"), len(rows))


def _current(row_id: int, block: builder.Block) -> builder.Block:
    """The block of a row with its widgets' values (those drawn last run), before they are drawn again."""
    fields = FIELDS[block.kind]
    return replace(
        block, **{field: st.session_state.get(f"builder_{row_id}_{field}", getattr(block, field)) for field in fields}
    )


def current_blocks() -> tuple:
    """The blocks as the widgets hold them now (for a callback, which runs before the widgets are drawn)."""
    return tuple(_current(row_id, block) for row_id, block in st.session_state.get("builder_rows", []))


def _row(row_id: int, block: builder.Block, row: builder.Row | None) -> None:
    """One row: its name and output shape and weights, a remove button, then its widgets beneath."""
    name, kind, shape, remove = st.columns(WIDTHS, vertical_alignment="center")
    name.markdown(f"**{row.name if row else '—'}**")
    kind.markdown(builder.KIND_NAMES[block.kind])
    shape.markdown(_shape_text(row) if row else "*not reached: see the message below*")
    remove.button(
        "", icon=":material/close:", key=f"builder_{row_id}_remove", on_click=_remove, args=(row_id,), help="Remove"
    )
    fields = FIELDS[block.kind]
    if not fields:
        return
    for column, (field, (choices, words)) in zip(st.columns(4), fields.items(), strict=False):
        key, value = f"builder_{row_id}_{field}", getattr(block, field)
        choices = list(choices) if value in choices else [*choices, value]
        options = {} if key in st.session_state else {"index": choices.index(value)}
        label = f"{builder.KIND_NAMES[block.kind]}: {field.replace('_', ' ')}"
        column.selectbox(label, choices, format_func=words, key=key, label_visibility="collapsed", **options)


def _shape_text(row: builder.Row) -> str:
    """A row's output in words and its weights, e.g. "26×26×32: 32 maps of 26×26 · **320** weights"."""
    return f"{builder.shape_words(row.shape)} · **{row.weights:,}** weights"


def _fixed_row(row: builder.Row) -> None:
    """A row the builder adds by itself (flatten, output): no widgets."""
    name, kind, shape, _ = st.columns(WIDTHS, vertical_alignment="center")
    name.markdown(f"**{row.name}**")
    kind.markdown(row.text.split(":")[0].capitalize())
    shape.markdown(_shape_text(row))


def builder_controls(images: int) -> tuple[tuple, builder.Plan]:
    """Draw the preset loader, the stack of rows, the add controls and the totals.

    Args:
        images: training images per epoch, for the estimate of seconds per epoch.

    Returns:
        (blocks, plan): the tuple of Block as edited now, and its Plan (problem None when it can train).
    """
    if "builder_rows" not in st.session_state:
        load_blocks(builder.from_preset(FIRST_PRESET))
        st.session_state.setdefault("builder_preset", FIRST_PRESET)
    left, right = st.columns([3, 1.2], vertical_alignment="bottom")
    presets = models.PRESETS
    left.selectbox("Start from", list(presets), format_func=lambda key: presets[key].title, key="builder_preset")
    right.button("Load", key="builder_load", on_click=_load_preset)
    rows = st.session_state["builder_rows"]
    for row in rows:
        row[1] = _current(*row)
    blocks = tuple(block for _, block in rows)
    plan = builder.plan(blocks, images=images)
    planned, position = plan.rows, 0
    for row_id, block in rows:
        if position < len(planned) and planned[position].kind == "flatten":
            _fixed_row(planned[position])
            position += 1
        row = planned[position] if position < len(planned) and planned[position].kind != "output" else None
        position += row is not None
        _row(row_id, block, row)
    for row in planned[position:]:
        _fixed_row(row)
    add_controls(rows, builder.layer_names(blocks))
    return blocks, plan


def add_controls(rows: list, names: list[str]) -> None:
    """Insert a new layer of a chosen kind after a chosen row."""
    kind, after, button = st.columns([2, 2, 1.2], vertical_alignment="bottom")
    kind.selectbox(
        "Add a layer",
        builder.KINDS,
        format_func=builder.KIND_NAMES.get,
        key="builder_add_kind",
        on_change=_suggest_place,
    )
    places = {-1: "at the top"} | {row_id: f"after {name}" for (row_id, _), name in zip(rows, names, strict=True)}
    if st.session_state.get("builder_add_after") not in places:
        st.session_state["builder_add_after"] = list(places)[-1]
    after.selectbox("Where", list(places), format_func=places.get, key="builder_add_after")
    button.button("Add", key="builder_add", on_click=_insert)
