"""The one line of training runs that every student on this server shares, and this tab's name in it.

Both the Train and the Experiments page start their runs here, so a run started on one page is
joined, queued behind and stopped as the same run on the other.
"""

import uuid

import streamlit as st

from cnnlab import training_queue

MEMBER_KEY = "training_run_member"  # kept across reloads with the run (pages/memory.py KEPT_PREFIXES)


@st.cache_resource
def shared() -> training_queue.TrainingQueue:
    """The server's line: identical runs trained once for all who start them, different ones in turn."""
    return training_queue.TrainingQueue()


def member() -> str:
    """This browser tab's name in the line, the same after a reload."""
    return st.session_state.setdefault(MEMBER_KEY, uuid.uuid4().hex)
