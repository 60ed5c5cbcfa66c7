"""Server memory at rest: `streamlit run app.py`, every page opened once, then nobody on it.

One protocol client (bench/st_protocol.py) opens each page in turn, draws one digit on the Draw
page (and opens its second lesson) and on the whole network page, takes the sample digit on
Feature maps, and leaves; the server's resident memory (RSS, from /proc) is printed after each
page and at rest. Goal: <= 800 MB at rest with every page opened once.

Usage: python bench/bench_memory.py [NAME=VALUE ...]   (extra environment for the server)
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import server as servers  # noqa: E402
from bench import st_protocol  # noqa: E402

PAGES = ["", "toy", "draw", "overview", "feature_maps", "concepts", "train", "experiments"]  # as shared.LESSON
GOAL_MB = 800.0


async def visit(url: str, page: str) -> list[str]:
    student = st_protocol.Student(url, page or "home")
    await student.open(page)
    if page in ("draw", "overview"):
        digit, image = st_protocol.drawn_digits(1)[3]
        await st_protocol.draw(student, image)
    if page == "draw":  # the second lesson under the drawing runs only when its tab is open
        await student.choose("draw_lesson", st_protocol.SECOND_LESSON)
        if student.find(st_protocol.SECOND_LESSON_TEXT) is None and not student.errors:
            student.errors.append(f"the second lesson did not open: {student.texts('heading')}")
    if page == "feature_maps":
        await student.click("sample_digit")
    await student.close()
    return student.errors


def main() -> int:
    print(f"load average before: {servers.load_average()}")
    env = dict(item.split("=", 1) for item in sys.argv[1:])  # e.g. MALLOC_ARENA_MAX=2
    if env:
        print(f"server environment: {env}")
    server = servers.start(env=env)
    try:
        print(f"started: {server.rss_mb():.0f} MB")
        errors = []
        for page in PAGES:
            errors += asyncio.run(visit(server.url, page))
            print(f"after /{page}: {server.rss_mb():.0f} MB")
        time.sleep(10)
        rest = server.rss_mb()
    finally:
        server.stop()
    print(f"at rest, every page opened once: {rest:.0f} MB (goal <= {GOAL_MB:.0f})  "
          f"{'PASS' if rest <= GOAL_MB and not errors else 'FAIL'}; errors: {errors}")  # fmt: skip
    print(f"load average after: {servers.load_average()}")
    return 0 if rest <= GOAL_MB and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
