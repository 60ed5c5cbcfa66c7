"""The Experiments page trains in the same line as the Train page: one line per server, not one per page.

The line lives in pages/training_line.py, a module both pages import; these tests fail if a page
makes a line of its own again, or if the module stops handing out one line.
"""

import ast
from pathlib import Path

from cnnlab import training_queue
from pages import training_line

PAGES = Path(__file__).resolve().parent.parent / "pages"
TRAINING_PAGES = ("train.py", "experiments.py")


def calls_in(page: str) -> set[str]:
    """Every dotted call in a page's source, e.g. "training_line.shared"."""
    tree = ast.parse((PAGES / page).read_text())
    return {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}


def test_there_is_one_line_for_the_whole_server():
    line = training_line.shared()
    assert isinstance(line, training_queue.TrainingQueue)
    assert training_line.shared() is line


def test_both_training_pages_join_runs_in_that_line_and_make_none_of_their_own():
    for page in TRAINING_PAGES:
        calls = calls_in(page)
        assert "training_line.shared" in calls and "training_line.member" in calls, page
        assert not any(call.endswith("TrainingQueue") for call in calls), page
