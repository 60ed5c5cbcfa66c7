"""A class drawing at once, played by one process that speaks Streamlit's protocol (no browsers).

Each student is a websocket client (bench/st_protocol.py) on the Draw page: it opens /draw as a
browser does, then draws a digit every `--interval` seconds (an enlarged handwritten test digit,
sent as the drawing canvas sends it), timing each drawing from sending to the "Prediction:"
heading arriving, and checking that the prediction is the digit drawn. Optionally some students
on the Train page keep training runs going meanwhile (each with its own seed, so they queue).
The server's resident memory is sampled every second.

Goals on 2 cores (issue: a class on one server): 30 students drawing every 3 s plus 2 training runs:
0 errors, 95th percentile <= 1.0 s, server RSS <= 1.5 GB throughout.

`--soak`: 200 students arrive one after another over 10 minutes, each opens the page, draws three
digits and leaves; the server's RSS at the end must be within 100 MB of where it was after the
first 20 had left, and no script thread may be left behind.

Usage:
    python bench/load_protocol.py [--students 30] [--interval 3] [--seconds 60] [--training 2] [--url URL]
    python bench/load_protocol.py --soak [--students 200] [--seconds 600]
Without --url it starts `streamlit run app.py` on 127.0.0.1 and stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import server as servers  # noqa: E402
from bench import st_protocol  # noqa: E402

GOAL_P95, GOAL_RSS_MB, GOAL_SOAK_MB = 1.0, 1500.0, 100.0


@dataclass
class Outcome:
    """What a load run measured."""

    latencies: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    rss: list = field(default_factory=list)  # (seconds since start, MB)
    drawings: int = 0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("inf")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def draw_for(student, digits, count: int, interval: float, outcome: Outcome, first_delay: float) -> None:
    """Draw `count` digits, one every `interval` s, timing each and checking its prediction."""
    await asyncio.sleep(first_delay)
    next_at = time.perf_counter()
    for index in range(count):
        digit, image = digits[index % len(digits)]
        try:
            seconds, predicted = await st_protocol.draw(student, image, timeout=60)
        except (TimeoutError, st_protocol.ProtocolError) as error:
            outcome.errors.append(f"{student.name}: drawing {index + 1}: {type(error).__name__} {error}")
            return
        outcome.drawings += 1
        if predicted != str(digit):
            outcome.errors.append(f"{student.name}: drew a {digit}, the page said {predicted}")
        else:
            outcome.latencies.append(seconds)
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def student_session(url, name, digits, count, interval, outcome, delay, affinity=None) -> st_protocol.Student:
    """One student: open /draw, draw `count` digits, stay connected; returns the student."""
    student = st_protocol.Student(url, name)
    student.affinity_cookie = affinity
    await asyncio.sleep(delay)
    try:
        await student.open("draw")
    except (TimeoutError, OSError, st_protocol.ProtocolError) as error:
        outcome.errors.append(f"{name}: could not open the page: {type(error).__name__} {error}")
        return student
    await draw_for(student, digits, count, interval, outcome, random.Random(name).uniform(0, interval))
    outcome.errors.extend(student.errors)
    return student


async def keep_training(url: str, seed: int, until: float, outcome: Outcome) -> None:
    """A student on the Train page who starts a run (own seed) and starts another each time one ends."""
    student = st_protocol.Student(url, f"trainer {seed}")
    await student.open("train")
    student_seed = student.widget("train_seed")
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    await student.rerun([WidgetState(id=student_seed.widget_id, int_value=seed)])
    while time.perf_counter() < until:
        await student.click("train_start", timeout=120)
        while time.perf_counter() < until and student.find("Test accuracy:") is None:
            await asyncio.sleep(0.5)
    outcome.errors.extend(student.errors)
    await student.close()


async def sample_memory(server, outcome: Outcome, started: float) -> None:
    while True:
        outcome.rss.append((time.perf_counter() - started, server.rss_mb()))
        await asyncio.sleep(1.0)


async def classroom(url: str, students: int, interval: float, seconds: float, training: int, server=None) -> Outcome:
    """`students` draw every `interval` s for about `seconds` s, while `training` runs keep going."""
    await st_protocol.warm_up(url)
    outcome, started = Outcome(), time.perf_counter()
    digits = st_protocol.drawn_digits(3)
    sampler = asyncio.create_task(sample_memory(server, outcome, started)) if server else None
    count = max(1, int(seconds / interval))
    until = started + seconds + 30
    trainers = [asyncio.create_task(keep_training(url, 100 + index, until, outcome)) for index in range(training)]
    class_ = await asyncio.gather(
        *(student_session(url, f"student {i}", digits, count, interval, outcome, i * 0.3) for i in range(students))
    )
    await asyncio.gather(*(student.close() for student in class_))
    for task in trainers:
        task.cancel()
    await asyncio.gather(*trainers, return_exceptions=True)
    if sampler:
        sampler.cancel()
    return outcome


async def soak(server, students: int, seconds: float) -> tuple[Outcome, float, float, list[str]]:
    """Students arrive evenly over `seconds`, each draws three digits 3 s apart and leaves."""
    await st_protocol.warm_up(server.url)
    outcome, started = Outcome(), time.perf_counter()
    digits = st_protocol.drawn_digits(3)
    sampler = asyncio.create_task(sample_memory(server, outcome, started))
    gap, early = seconds / students, None

    async def one(index: int):
        student = await student_session(server.url, f"visitor {index}", digits, 3, 3.0, outcome, index * gap)
        await student.close()

    tasks = [asyncio.create_task(one(index)) for index in range(students)]
    await asyncio.gather(*tasks[:20])
    await asyncio.sleep(5)
    early = server.rss_mb()
    await asyncio.gather(*tasks[20:])
    await asyncio.sleep(5)
    sampler.cancel()
    return outcome, early, server.rss_mb(), server.thread_names()


def report(outcome: Outcome, label: str) -> str:
    peak = max((mb for _, mb in outcome.rss), default=0.0)
    median = statistics.median(outcome.latencies) if outcome.latencies else float("inf")
    lines = [
        f"{label}: {outcome.drawings} drawings, {len(outcome.errors)} errors",
        f"  sending the drawing -> 'Prediction:' arriving: median {median:.3f} s, "
        f"p95 {outcome.percentile(0.95):.3f} s, max {max(outcome.latencies, default=float('inf')):.3f} s",
        f"  server RSS: peak {peak:.0f} MB over {len(outcome.rss)} samples",
    ]
    lines += [f"  error: {error}" for error in outcome.errors[:10]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--training", type=int, default=2)
    parser.add_argument("--url", default=None, help="an app already running on 127.0.0.1 (no RSS is measured)")
    parser.add_argument("--soak", action="store_true")
    arguments = parser.parse_args()
    print(f"load average before: {servers.load_average()}")
    server = None if arguments.url else servers.start()
    url = arguments.url or server.url
    try:
        if arguments.soak:
            return soak_main(server, arguments.students or 200, arguments.seconds or 600)
        students, seconds = arguments.students or 30, arguments.seconds or 60
        cpu = server.cpu_seconds() if server else 0.0
        outcome = asyncio.run(classroom(url, students, arguments.interval, seconds, arguments.training, server))
        print(report(outcome, f"{students} students drawing every {arguments.interval:g} s, {arguments.training} runs"))
        if server:
            print(f"  server CPU: {server.cpu_seconds() - cpu:.1f} s, {outcome.drawings} drawings")
        peak = max((mb for _, mb in outcome.rss), default=0.0)
        passed = not outcome.errors and outcome.percentile(0.95) <= GOAL_P95 and peak <= GOAL_RSS_MB
        print(f"goal: 0 errors, p95 <= {GOAL_P95} s, RSS <= {GOAL_RSS_MB:.0f} MB: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1
    finally:
        if server:
            server.stop()
        print(f"load average after: {servers.load_average()}")


def soak_main(server, students: int, seconds: float) -> int:
    outcome, early, end, threads = asyncio.run(soak(server, students, seconds))
    print(report(outcome, f"soak: {students} students over {seconds:.0f} s"))
    script_threads = [name for name in threads if name.startswith("ScriptRunner")]
    print(f"  RSS after the first 20 left: {early:.0f} MB; at the end: {end:.0f} MB ({end - early:+.0f} MB)")
    print(f"  threads at the end: {len(threads)}, script threads left: {len(script_threads)}")
    passed = not outcome.errors and end - early <= GOAL_SOAK_MB and not script_threads
    print(f"goal: RSS within {GOAL_SOAK_MB:.0f} MB, no script thread left: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
