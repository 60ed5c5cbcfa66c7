"""The Experiments page trains in the same slots as the Train page: one pool per server, not one per page.

Both pages define `slot_pool` with the same source under st.cache_resource; Streamlit keys a cached
function by its module ("__main__" for every page script), its name and its source, so both get
the one pool. This test runs both definitions as Streamlit runs a page and fails if that stops holding.
"""

import ast
from pathlib import Path

import streamlit as st

from cnnlab import training

PAGES = Path(__file__).resolve().parent.parent / "pages"


def pool_of(page: str) -> training.SlotPool:
    """Run the page's own slot_pool definition in a "__main__" namespace, as a page script, and call it."""
    path = PAGES / page
    tree = ast.parse(path.read_text())
    definition = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "slot_pool")
    namespace = {"__name__": "__main__", "st": st, "training": training}
    exec(compile(ast.Module([definition], []), str(path), "exec"), namespace)
    return namespace["slot_pool"]()


def test_the_train_and_experiments_pages_share_one_slot_pool():
    pool = pool_of("train.py")
    assert isinstance(pool, training.SlotPool)
    assert pool_of("experiments.py") is pool
