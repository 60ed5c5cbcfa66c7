"""The Experiments page trains in the same line as the Train page: one line per server, not one per page.

Both pages define `line` with the same source under st.cache_resource; Streamlit keys a cached
function by its module ("__main__" for every page script), its name and its source, so both get
the one line. This test runs both definitions as Streamlit runs a page and fails if that stops holding.
"""

import ast
from pathlib import Path

import streamlit as st

from cnnlab import training_queue

PAGES = Path(__file__).resolve().parent.parent / "pages"


def line_of(page: str) -> training_queue.TrainingQueue:
    """Run the page's own `line` definition in a "__main__" namespace, as a page script, and call it."""
    path = PAGES / page
    tree = ast.parse(path.read_text())
    definition = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "line")
    namespace = {"__name__": "__main__", "st": st, "training_queue": training_queue}
    exec(compile(ast.Module([definition], []), str(path), "exec"), namespace)
    return namespace["line"]()


def test_the_train_and_experiments_pages_share_one_line():
    line = line_of("train.py")
    assert isinstance(line, training_queue.TrainingQueue)
    assert line_of("experiments.py") is line
