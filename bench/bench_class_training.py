"""A class pressing Start: N students on the Train page start the default run within a few seconds.

Every student is a websocket client (bench/st_protocol.py) that opens /train, presses Start and then
keeps rerunning the live fragment on its timer, exactly as a browser tab does. Identical settings
make one shared run, so the same run is measured watched by 1 student and by N:

- throughput: the run's own images per second (the progress line), and the seconds from Start to
  "Test accuracy" on every screen; ratio N watchers / 1 watcher (goal >= 0.9);
- the server process's own CPU time over the run (not the clients');
- per student: seconds from pressing Start to the first curve on screen (goal <= 5 s) and to the
  test accuracy (goal <= 30 s), for the class of N.

`--gc` repeats the N-watcher run with Streamlit's `runner.postScriptGC = true` (its default), to
show what collecting all garbage after every fragment run costs a watched run.

`--different`: N students each with their own seed, so N runs queue; how many have a result within
5 minutes (goal: all), and whether each saw curves or a place in the line within 5 s of Start.

Usage: python bench/bench_class_training.py [--students 25] [--gc] [--spread 10] [--different]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench import server as servers  # noqa: E402
from bench import st_protocol  # noqa: E402

RATE = re.compile(r"([\d,]+) images/s")
GOAL_RATIO, GOAL_CURVES, GOAL_ACCURACY, GOAL_DIFFERENT = 0.9, 5.0, 30.0, 300.0
TIMEOUT = 600.0


async def press_start(student: st_protocol.Student, delay: float, times: dict, seed: int | None = None) -> None:
    """Wait `delay` s, press Start (after setting the seed, if given), then note when the first curve, a place
    in the line and the test accuracy reach this screen."""
    await asyncio.sleep(delay)
    if seed is not None:
        await student.rerun([WidgetState(id=student.widget("train_seed").widget_id, int_value=seed)])
    pressed = time.perf_counter()
    try:
        await student.click("train_start", timeout=TIMEOUT)
    except (TimeoutError, st_protocol.ProtocolError) as error:
        student.errors.append(f"{student.name}: {error}")
        return
    deadline = pressed + (GOAL_DIFFERENT + 30 if seed is not None else TIMEOUT)  # past the goal, stop waiting
    while time.perf_counter() < deadline:
        if "curves" not in times and any(s.kind == "plotly_chart" for s in student.screen.values()):
            times["curves"] = time.perf_counter() - pressed
        if "placed" not in times and student.find("Your run is number") is not None:
            times["placed"] = time.perf_counter() - pressed
        if student.find("Test accuracy:") is not None:
            times["accuracy"] = time.perf_counter() - pressed
            times.setdefault("curves", times["accuracy"])
            return
        await asyncio.sleep(0.1)


async def class_run(url: str, students: int, spread: float, different: bool = False) -> dict:
    """N students open /train, press Start within `spread` s of each other and watch to the end (each with
    its own seed if `different`)."""
    await st_protocol.warm_up(url)
    class_ = [st_protocol.Student(url, f"student {index}") for index in range(students)]
    for opened in range(0, students, 5):  # open in small groups, as a class arrives
        await asyncio.gather(*(student.open("train") for student in class_[opened : opened + 5]))
    times = [{} for _ in class_]
    rates = []

    async def sample_rate():
        while True:
            progress = next((s.text for s in class_[0].screen.values() if s.kind == "progress"), "")
            match = RATE.search(progress)
            if match:
                rates.append(float(match.group(1).replace(",", "")))
            await asyncio.sleep(0.5)

    delays = sorted(random.Random(1).uniform(0, spread) for _ in class_) if students > 1 else [0.0]
    sampler = asyncio.create_task(sample_rate())
    started = time.perf_counter()
    seeds = [1000 + index if different else None for index in range(students)]
    await asyncio.gather(*(press_start(*task) for task in zip(class_, delays, times, seeds, strict=True)))
    sampler.cancel()
    wall = time.perf_counter() - started
    errors = [error for student in class_ for error in student.errors]
    await asyncio.gather(*(student.close() for student in class_))
    return {"times": times, "rates": rates, "wall": wall, "errors": errors}


def measure(students: int, spread: float, options: dict | None = None, different: bool = False) -> dict:
    """One server, one class run; the server's own CPU seconds over it."""
    server = servers.start(options=options)
    try:
        cpu = server.cpu_seconds()
        outcome = asyncio.run(class_run(server.url, students, spread, different))
        outcome["cpu"] = server.cpu_seconds() - cpu
        outcome["rss"] = server.rss_mb()
    finally:
        server.stop()
    return outcome


def summary(name: str, outcome: dict) -> str:
    times = outcome["times"]
    curves = [t.get("curves", float("inf")) for t in times]
    accuracy = [t.get("accuracy", float("inf")) for t in times]
    rate = statistics.median(outcome["rates"][-10:]) if outcome["rates"] else 0.0
    return (
        f"{name}: {len(times)} students, run at {rate:,.0f} images/s (median of the last progress lines), "
        f"server CPU {outcome['cpu']:.1f} s over {outcome['wall']:.1f} s, RSS {outcome['rss']:.0f} MB; "
        f"Start -> first curve max {max(curves):.1f} s, Start -> test accuracy max {max(accuracy):.1f} s "
        f"(median {statistics.median(accuracy):.1f} s); errors {len(outcome['errors'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=25)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which the class presses Start")
    parser.add_argument("--gc", action="store_true", help="also measure with runner.postScriptGC = true")
    parser.add_argument("--different", action="store_true", help="only: every student with another seed")
    arguments = parser.parse_args()
    print(f"load average before: {servers.load_average()}")
    if arguments.different:
        return different_settings(arguments.students, arguments.spread)
    alone = measure(1, 0.0)
    print(summary("watched by 1", alone))
    crowd = measure(arguments.students, arguments.spread)
    print(summary(f"watched by {arguments.students}", crowd))
    rate = lambda outcome: statistics.median(outcome["rates"][-10:]) if outcome["rates"] else 0.0  # noqa: E731
    ratio = rate(crowd) / rate(alone) if rate(alone) else 0.0
    print(f"throughput ratio {arguments.students} watchers / 1 watcher: {ratio:.2f} (goal >= {GOAL_RATIO})"
          f"  {'PASS' if ratio >= GOAL_RATIO else 'FAIL'}")  # fmt: skip
    wall_ratio = alone["times"][0]["accuracy"] / max(t.get("accuracy", float("inf")) for t in crowd["times"])
    print(f"Start -> accuracy, 1 watcher / slowest of {arguments.students}: {wall_ratio:.2f}")
    curves = max(t.get("curves", float("inf")) for t in crowd["times"])
    accuracy = max(t.get("accuracy", float("inf")) for t in crowd["times"])
    print(f"every student: first curve within {curves:.1f} s (goal <= {GOAL_CURVES})"
          f"  {'PASS' if curves <= GOAL_CURVES else 'FAIL'}")  # fmt: skip
    print(f"every student: test accuracy within {accuracy:.1f} s (goal <= {GOAL_ACCURACY})"
          f"  {'PASS' if accuracy <= GOAL_ACCURACY else 'FAIL'}")  # fmt: skip
    if arguments.gc:
        collected = measure(arguments.students, arguments.spread, {"runner.postScriptGC": "true"})
        print(summary(f"watched by {arguments.students}, postScriptGC on", collected))
        print(f"throughput ratio with postScriptGC on: {rate(collected) / rate(alone):.2f}")
    print(f"load average after: {servers.load_average()}")


def different_settings(students: int, spread: float) -> None:
    """N students with N different seeds: N runs in one line; who has a result within 5 minutes, and
    did every student see either curves or a place in the line within 5 s of pressing Start?"""
    outcome = measure(students, spread, different=True)
    print(summary(f"{students} different settings", outcome))
    times = outcome["times"]
    done = sorted(t["accuracy"] for t in times if "accuracy" in t)
    placed = sum(min(t.get("curves", float("inf")), t.get("placed", float("inf"))) <= GOAL_CURVES for t in times)
    within = sum(seconds <= GOAL_DIFFERENT for seconds in done)
    print(f"results within {GOAL_DIFFERENT:.0f} s: {within} of {students} (last at {done[-1] if done else 0:.0f} s)"
          f"  {'PASS' if within == students else 'FAIL'}")  # fmt: skip
    print(f"curves or a place in the line within {GOAL_CURVES:.0f} s of Start: {placed} of {students}"
          f"  {'PASS' if placed == students else 'FAIL'}")  # fmt: skip
    print(f"load average after: {servers.load_average()}")


if __name__ == "__main__":
    main()
