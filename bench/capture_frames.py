"""Capture what a real browser sends: Chromium draws one digit on /draw and every websocket frame is decoded.

Prints each BackMsg the page sent (the drawing canvas's WidgetState among them, its JSON shortened)
and the kind of each ForwardMsg it received, with the delta paths and the "Prediction:" heading.
This is how bench/st_protocol.py learned what to send: one `rerun_script` with the canvas's
`json_value` {"drawing": {"raw": ..., "data": "data:image/png;base64,..."}} and the fragment's id.

Usage: python bench/capture_frames.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import server as servers  # noqa: E402
from bench.bench_stroke_cpu import CHROMIUM, CHROMIUM_ARGS, draw  # noqa: E402

SEVEN = [(0.3, 0.2), (0.7, 0.2), (0.45, 0.8)]


def shorten(widget) -> str:
    if widget.WhichOneof("value") != "json_value":
        return str(widget).replace("\n", " ")
    value = json.loads(widget.json_value)
    drawing = value.get("drawing", {})
    objects = len(drawing.get("raw", {}).get("objects", []))
    return (
        f"id: {widget.id} json_value: drawing.raw with {objects} objects, drawing.data {drawing.get('data', '')[:30]}…"
    )


def listen(socket, sent: list, received: list) -> None:
    socket.on("framesent", lambda payload: sent.append(payload))  # Playwright needs plain functions here
    socket.on("framereceived", lambda payload: received.append(payload))


def main() -> None:
    server = servers.start()
    sent, received = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("websocket", lambda socket: listen(socket, sent, received))
            page.goto(f"{server.url}/draw")
            page.locator("canvas.upper-canvas").first.wait_for(timeout=120_000)
            page.wait_for_timeout(2000)
            draw(page, SEVEN)
            page.get_by_text("Prediction:").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            browser.close()
    finally:
        server.stop()
    for payload in sent:
        message = BackMsg.FromString(payload if isinstance(payload, bytes) else payload.encode())
        rerun = message.rerun_script
        print(f"SENT rerun_script page={rerun.page_name!r} fragment={rerun.fragment_id!r}")
        for widget in rerun.widget_states.widgets:
            print(f"    {shorten(widget)[:300]}")
    for payload in received:
        message = ForwardMsg.FromString(payload)
        kind = message.WhichOneof("type")
        detail = ""
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            detail = element.WhichOneof("type")
            if detail == "heading":
                detail += f" {element.heading.body!r}"
        print(f"RECEIVED {kind} {list(message.metadata.delta_path)} {detail}")


if __name__ == "__main__":
    main()
