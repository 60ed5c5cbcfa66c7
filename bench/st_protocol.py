"""A Streamlit client without a browser: one websocket per simulated student, speaking the app's protocol.

The browser and the server talk over `/_stcore/stream` in protobuf: the browser sends `BackMsg`
(`rerun_script` with the page and every widget's value), the server answers with `ForwardMsg`
(`new_session`, one `delta` per element, `script_finished`, and `auto_rerun` for a fragment that
runs every few seconds, which the browser then reruns on its own clock). A `Student` keeps what
is on its screen as {delta path: element} and plays the browser's side, so one process can be a
whole class while the server does exactly the work real browsers would give it.

Frames captured from Chromium (bench/capture_frames.py) show what the drawing canvas sends:
a `WidgetState` with `json_value` = {"drawing": {"raw": <Fabric.js JSON>, "data": "data:image/png;
base64,..."}} under the canvas element's id, in a `rerun_script` naming the canvas's fragment.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import numpy as np
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
TEXT_FIELDS = {"heading": "body", "markdown": "body", "alert": "body", "progress": "text", "text": "body"}
CANVAS_SIZE = 280
# The Draw page's second lesson (pages/draw.py LESSONS[1]) and how its text begins (TWO_KINDS).
SECOND_LESSON, SECOND_LESSON_TEXT = "Two kinds of network, one input", "A **CNN** slides"


class ProtocolError(RuntimeError):
    """The server sent something a browser would show as an error, or nothing in time."""


@dataclass
class Shown:
    """One element on a student's screen."""

    kind: str
    text: str
    widget_id: str | None
    fragment_id: str
    run: int
    received: float
    element: object = field(repr=False, default=None)


class Student:
    """One browser tab: a websocket to the server and what the tab shows."""

    def __init__(self, url: str, name: str = "student"):
        parsed = urlparse(url)
        self.url, self.name = url.rstrip("/"), name
        self._stream = f"ws://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
        self._origin = f"http://{parsed.netloc}"
        self.screen: dict[tuple, Shown] = {}
        self.page_hash = ""
        self.session_id = ""
        self.errors: list[str] = []
        self.sent_bytes = self.received_bytes = 0
        self._run = 0
        self._finished = asyncio.Condition()
        self._finish_count = 0
        self._auto: dict[str, asyncio.Task] = {}
        self._socket = None
        self._reader: asyncio.Task | None = None
        self.affinity_cookie: str | None = None

    async def _connect(self, timeout: float, session_id: str = "") -> None:
        headers = {"Cookie": self.affinity_cookie} if self.affinity_cookie else None
        # The browser passes the id of its session in the subprotocol list when it reconnects (the
        # second entry is an XSRF token, needed only for signed-in users: a placeholder here).
        protocols = ["streamlit", "no-xsrf-token", session_id] if session_id else ["streamlit"]
        self._socket = await connect(
            self._stream, subprotocols=protocols, origin=self._origin, max_size=None,
            additional_headers=headers, open_timeout=timeout, ping_interval=None,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())

    async def reconnect(self, timeout: float = 60.0) -> None:
        """Drop the websocket and connect again asking for the same session, as a browser does after a network
        blip; then rerun the page. The server resumes the session only if it still holds it."""
        await self.close()
        await self._connect(timeout, self.session_id)
        await self.rerun(timeout=timeout)

    async def open(self, page: str = "", timeout: float = 120.0) -> None:
        """Connect and run a page as a browser opening `url/page` does; wait until the script has finished."""
        await self._connect(timeout)
        context = {"timezone": "UTC", "locale": "en-US", "url": f"{self.url}/{page}", "color_scheme": "light"}
        await self.rerun(page_name=page, context=context, timeout=timeout)
        if not self.texts():
            raise ProtocolError(f"{self.name}: the page {page!r} showed nothing")

    async def close(self) -> None:
        """Close the tab: stop its timers and its websocket."""
        for task in self._auto.values():
            task.cancel()
        self._auto.clear()
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def rerun(
        self, widgets=(), fragment_id: str = "", page_name: str = "", context=None, auto=False, timeout=60.0
    ):
        """Send a rerun with these WidgetStates and wait for its script_finished; returns the seconds it took."""
        message = BackMsg()
        state = message.rerun_script
        state.widget_states.widgets.extend(widgets)
        state.page_script_hash, state.page_name, state.fragment_id, state.is_auto_rerun = (
            self.page_hash, page_name, fragment_id, auto,
        )  # fmt: skip
        for key, value in (context or {}).items():
            setattr(state.context_info, key, value)
        before = self._finish_count
        started = time.perf_counter()
        payload = message.SerializeToString()
        self.sent_bytes += len(payload)
        await self._socket.send(payload)
        await self.wait_finished(before, timeout)
        return time.perf_counter() - started

    async def wait_finished(self, after: int, timeout: float) -> None:
        """Wait until a script run that is not cut short for a rerun has finished since count `after`."""
        async with self._finished:
            done = await asyncio.wait_for(
                self._finished.wait_for(lambda: self._finish_count > after or self._reader.done()), timeout
            )
        if not done or self._reader.done():
            raise ProtocolError(f"{self.name}: the connection closed")

    async def _read(self) -> None:
        async for payload in self._socket:
            self.received_bytes += len(payload)
            message = ForwardMsg()
            message.ParseFromString(payload)
            await self._handle(message)
        async with self._finished:
            self._finished.notify_all()

    async def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self._run += 1
            self.page_hash = message.new_session.page_script_hash
            self.session_id = message.new_session.initialize.session_id or self.session_id
        elif kind == "navigation" and message.navigation.page_script_hash:
            self.page_hash = message.navigation.page_script_hash  # the page app.py's st.navigation chose
        elif kind == "delta":
            self._show(tuple(message.metadata.delta_path), message.delta)
        elif kind == "script_finished" and message.script_finished != FINISHED_FOR_RERUN:
            self._prune(message.script_finished)
            async with self._finished:
                self._finish_count += 1
                self._finished.notify_all()
        elif kind == "auto_rerun":
            self._start_auto(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            task = self._auto.pop(message.stop_auto_rerun.fragment_id, None)
            if task is not None:
                task.cancel()

    def _show(self, path: tuple, delta) -> None:
        change = delta.WhichOneof("type")
        if change != "new_element":
            if change == "add_block":  # a tab container with a key is a widget too: its id is the block's
                block_id = delta.add_block.id or None
                self.screen[path] = Shown("block", "", block_id, delta.fragment_id, self._run, time.perf_counter())
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        inner = getattr(element, kind)
        text = getattr(inner, TEXT_FIELDS[kind]) if kind in TEXT_FIELDS else ""
        if kind == "exception":
            self.errors.append(f"{self.name}: exception on the page: {inner.message[:200]}")
        widget_id = getattr(inner, "id", None) or None
        self.screen[path] = Shown(kind, text, widget_id, delta.fragment_id, self._run, time.perf_counter(), inner)

    def _prune(self, status) -> None:
        """Drop what the finished run did not redraw, as the browser does (for a fragment run: inside it)."""
        fragment_run = status == ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        fragments = {shown.fragment_id for shown in self.screen.values() if shown.run == self._run}
        for path, shown in list(self.screen.items()):
            if shown.run != self._run and (not fragment_run or (shown.fragment_id and shown.fragment_id in fragments)):
                del self.screen[path]

    def _start_auto(self, fragment_id: str, interval: float) -> None:
        old = self._auto.pop(fragment_id, None)
        if old is not None:
            old.cancel()
        self._auto[fragment_id] = asyncio.create_task(self._auto_rerun(fragment_id, interval))

    async def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """The browser's timer for a fragment with run_every: one rerun of that fragment every `interval` s."""
        while True:
            await asyncio.sleep(interval)
            payload = BackMsg()
            payload.rerun_script.page_script_hash, payload.rerun_script.fragment_id = self.page_hash, fragment_id
            payload.rerun_script.is_auto_rerun = True
            await self._socket.send(payload.SerializeToString())

    def texts(self, kind: str | None = None) -> list[str]:
        """The texts on screen, top to bottom, of one kind of element (heading, markdown, alert, progress) or all."""
        return [shown.text for _, shown in sorted(self.screen.items()) if kind in (None, shown.kind) and shown.text]

    def find(self, prefix: str, since: float = 0.0) -> Shown | None:
        """The first element whose text starts with `prefix` and that arrived after `since` (perf_counter)."""
        for _, shown in sorted(self.screen.items()):
            if shown.text.startswith(prefix) and shown.received >= since:
                return shown
        return None

    def widget(self, key: str) -> Shown:
        """The element of the widget with this user key (ids end in "-<key>")."""
        for shown in self.screen.values():
            if shown.widget_id and shown.widget_id.endswith(f"-{key}"):
                return shown
        raise ProtocolError(f"{self.name}: no widget with key {key!r} on screen ({sorted(self.texts('heading'))})")

    async def set_widget(self, key: str, timeout: float = 60.0, **value) -> float:
        """Send one widget's new value (e.g. trigger_value=True) and wait for the run it starts."""
        shown = self.widget(key)
        return await self.rerun([WidgetState(id=shown.widget_id, **value)], shown.fragment_id, timeout=timeout)

    async def click(self, key: str, timeout: float = 60.0) -> float:
        """Press a button, as its trigger value, and wait for the run it starts."""
        return await self.set_widget(key, timeout, trigger_value=True)

    async def choose(self, key: str, value: str, timeout: float = 60.0) -> float:
        """Set a widget with a text value (a tab container's open tab, by label) and wait for the run it starts."""
        return await self.set_widget(key, timeout, string_value=value)


def canvas_state(widget_id: str, image: np.ndarray) -> WidgetState:
    """The canvas's value after a drawing, as streamlit_drawable_canvas 0.13 sends it with return_image_data=True.

    Args:
        widget_id: the canvas element's id.
        image: uint8 array (280, 280), white ink on black.

    Returns:
        A WidgetState with json_value {"drawing": {"raw": Fabric.js JSON, "data": PNG data URL}}.
    """
    rgba = np.dstack([image, image, image, np.full_like(image, 255)])
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    raw = {"version": "7.4.0", "objects": [{"type": "Image", "width": CANVAS_SIZE, "height": CANVAS_SIZE}]}
    raw["background"] = "#000000"
    value = {"drawing": {"raw": raw, "data": url}}
    return WidgetState(id=widget_id, json_value=json.dumps(value))


def drawn_digits(per_class: int = 2) -> list[tuple[int, np.ndarray]]:
    """Handwritten digits to draw: the first test images of each class, enlarged to the canvas, thick white ink.

    Args:
        per_class: how many images of each digit.

    Returns:
        [(digit, uint8 array (280, 280))], digits in turn 0, 1, ..., 9, 0, 1, ...
    """
    from cnnlab import data

    _, (images, labels) = data.load_dataset("mnist", "embedded")
    chosen = []
    for round_index in range(per_class):
        for digit in range(10):
            index = int(np.flatnonzero(labels == digit)[round_index])
            enlarged = Image.fromarray(images[index]).resize((CANVAS_SIZE, CANVAS_SIZE), Image.Resampling.BILINEAR)
            chosen.append((digit, np.asarray(enlarged, dtype=np.uint8)))
    return chosen


async def draw(student: Student, digit_image: np.ndarray, timeout: float = 60.0) -> tuple[float, str | None]:
    """Draw one digit on the Draw page and time it until the prediction arrives.

    Returns:
        (seconds from sending the drawing to the "Prediction:" heading arriving, the predicted class name
        or None if no prediction came).
    """
    canvas = student.widget("draw_canvas")
    sent = time.perf_counter()
    await student.rerun([canvas_state(canvas.widget_id, digit_image)], canvas.fragment_id, timeout=timeout)
    shown = student.find("Prediction:", since=sent)
    if shown is None:
        return time.perf_counter() - sent, None
    return shown.received - sent, shown.text.split(" ")[1]


async def warm_up(url: str) -> None:
    """Open the start page once and leave, as the teacher does before the class arrives.

    The first run of a fresh server imports the app's modules; sessions that open in that moment
    can see an ImportError page (pages/shared.py reruns from inside its own import), so every
    benchmark lets one visitor through first.
    """
    student = Student(url, "teacher")
    await student.open("")
    await student.close()
