"""Benchmark training, measured in one run of this script, with PASS/FAIL against each goal.

1. Peak resident memory (VmHWM) after a run of the fast recipe on full MNIST, measured first
   because the high-water mark only grows. Goal: <= 1 GB.
2. Full MNIST, recipe "fast": >= 99.0 % test accuracy in <= 15 s of training (model.fit).
3. Full MNIST, recipe "fast_longer": >= 99.3 % in <= 30 s of training.
4. The whole terminal command `python -m cnnlab.training --recipe fast --dataset mnist --source full`,
   from launch to printed accuracy, in a fresh process: <= 25 s.
5. The Train page's default settings on the embedded set: >= 98.0 % in <= 8 s of training.
6. The curves move at least once a second: the longest gap between two progress points of the
   default run, from its first point on.
7. Throughput: a TrainingRun against a bare `model.fit` of the same model, data, batch size and
   steps per call (from `training.prepare`), one epoch of full MNIST each, back to back in
   alternating order; the median of the rounds' ratios of fit times. Goal: >= 0.95. The bare fit
   validates the same held-out images after the epoch as the run does (the run shows that curve);
   the ratio against a bare fit that validates nothing is printed beside it.

Absolute times depend on the machine and its load; the load average is printed with them, and so
are the CPU-seconds the process used for each run (user + system time, summed over its threads),
which other processes do not inflate much: on 2 idle cores a run takes about half its CPU-seconds.
Usage: python bench/bench_training.py [--rounds N]. Exit status 1 if a goal fails.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from cnnlab import data, training  # noqa: E402


def peak_rss_megabytes() -> float:
    """The process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("/proc/self/status has no VmHWM line.")


def load() -> str:
    return "load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg())


def verdict(text: str, passed: bool) -> bool:
    print(f"{'PASS' if passed else 'FAIL'}  {text}  [{load()}]", flush=True)
    return passed


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def finished_run(settings: training.TrainingSettings, watch: list | None = None) -> training.TrainingRun:
    """Train to the end; with `watch`, note the time each new progress point appears. Sets run.cpu_seconds."""
    run = training.TrainingRun(settings, training.SlotPool(1))
    started = cpu_seconds()
    run.start()
    while not run.join(0.05):
        if watch is not None:
            count = len(run.progress().batch_loss)
            if count and (not watch or watch[-1][1] != count):
                watch.append((time.perf_counter(), count))
    if run.state != "finished":
        raise RuntimeError(f"The run ended as {run.state}: {run.error} {run.divergence}")
    run.cpu_seconds = cpu_seconds() - started
    return run


def full_recipe(name: str, goal_accuracy: float, goal_seconds: float) -> bool:
    run = finished_run(training.recipe_settings(name, dataset="mnist", source="full"))
    result, settings = run.result(), run.settings
    passed = result.test_accuracy >= goal_accuracy and result.training_seconds <= goal_seconds
    text = f"full MNIST, recipe {name} ({settings.epochs} epochs, batch {settings.batch_size}): "
    text += f"test accuracy {result.test_accuracy:.4f} in {result.training_seconds:.1f} s of training "
    text += f"({result.seconds:.1f} s with loading and testing, {run.cpu_seconds:.0f} CPU-s; "
    text += f"goal >= {goal_accuracy:.3f} in <= {goal_seconds:.0f} s)"
    return verdict(text, passed)


def full_memory() -> bool:
    before = peak_rss_megabytes()
    passed = full_recipe("fast", 0.990, 15.0)
    after = peak_rss_megabytes()
    memory = verdict(
        f"peak memory {after:,.0f} MB (was {before:,.0f} MB before the full run; goal <= 1024)", after <= 1024
    )
    return passed and memory


def command_time() -> bool:
    command = [sys.executable, "-m", "cnnlab.training", "--recipe", "fast", "--dataset", "mnist", "--source", "full"]
    started = time.perf_counter()
    children = os.times()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    seconds = time.perf_counter() - started
    after = os.times()
    used = after.children_user + after.children_system - children.children_user - children.children_system
    found = re.search(r"^Test accuracy: (\d\.\d{4})", done.stdout, re.M)
    if done.returncode or not found:
        return verdict(f"the command failed: {done.stderr[-500:]}", False)
    accuracy = float(found[1])
    text = f"whole command, recipe fast: {seconds:.1f} s from launch to 'Test accuracy: {accuracy:.4f}' "
    text += f"({used:.0f} CPU-s; goal <= 25 s)"
    return verdict(text, seconds <= 25 and accuracy >= 0.99)


def default_run() -> bool:
    watch: list = []
    run = finished_run(training.default_settings(), watch)
    result, settings = run.result(), run.settings
    print(
        f"   default settings: {settings.network.key}, {settings.epochs} epochs, batch {settings.batch_size}, "
        f"{settings.optimizer} {settings.learning_rate} {settings.schedule}, "
        f"{run.progress().steps_per_execution} batches per call"
    )
    passed = result.test_accuracy >= 0.98 and result.training_seconds <= 8
    text = f"default run (embedded set): test accuracy {result.test_accuracy:.4f} in {result.training_seconds:.1f} s "
    text += f"of training ({run.cpu_seconds:.0f} CPU-s for the whole run; goal >= 0.980 in <= 8 s)"
    gaps = [later[0] - earlier[0] for earlier, later in zip(watch, watch[1:], strict=False)]
    text_gaps = (
        f"longest gap between curve points: {max(gaps, default=0):.2f} s, median {statistics.median(gaps):.2f} s"
    )
    moving = verdict(f"{text_gaps} (goal: longest <= 1 s)", max(gaps, default=0) <= 1.0)
    return verdict(text, passed) and moving


class _Validate(keras.callbacks.Callback):
    """What the run's fit does besides training, and nothing else: the same eager validation per epoch."""

    def __init__(self, images):
        super().__init__()
        self._images = images

    def on_epoch_end(self, epoch, logs=None):
        training.evaluation.probabilities_of(self.model, self._images)


def bare_fit_seconds(settings: training.TrainingSettings, validate: bool) -> tuple[float, float]:
    """Wall and CPU seconds of a bare model.fit: the same model, batches and steps per call as the run.

    With `validate`, it also validates the run's 6,000 held-out images after each epoch in the same
    eager call the run makes, so the ratio measures what the app adds (recording the curves, its
    thread, its callbacks) rather than the validation the student sees.
    """
    plan = training.prepare(settings)
    callbacks = [_Validate(plan.validation[0])] if validate else []
    started, cpu_started = time.perf_counter(), cpu_seconds()
    plan.model.fit(plan.batches, epochs=settings.epochs, verbose=0, callbacks=callbacks)
    return time.perf_counter() - started, cpu_seconds() - cpu_started


def run_fit_seconds(settings: training.TrainingSettings) -> tuple[float, float]:
    """Wall seconds of a TrainingRun's model.fit, and the CPU seconds of the whole run (loading and testing too)."""
    run = finished_run(settings)
    return run.result().training_seconds, run.cpu_seconds


def throughput(rounds: int) -> bool:
    settings = training.recipe_settings("fast", dataset="mnist", source="full", epochs=1)
    ratios, plain_ratios, cpu_ratios = [], [], []
    for round_number in range(rounds):  # back to back, the order alternating, so load hits both alike
        if round_number % 2:
            bare, plain, run = (
                bare_fit_seconds(settings, True),
                bare_fit_seconds(settings, False),
                run_fit_seconds(settings),
            )
        else:
            run, plain, bare = (
                run_fit_seconds(settings),
                bare_fit_seconds(settings, False),
                bare_fit_seconds(settings, True),
            )
        ratios.append(bare[0] / run[0])
        plain_ratios.append(plain[0] / run[0])
        cpu_ratios.append(bare[1] / run[1])
        print(
            f"   round: TrainingRun fit {run[0]:.2f} s ({run[1]:.1f} CPU-s with loading and testing), "
            f"bare model.fit {bare[0]:.2f} s with the same validation ({bare[1]:.1f} CPU-s), "
            f"{plain[0]:.2f} s without it",
            flush=True,
        )
    print(f"info  CPU-seconds ratio {statistics.median(cpu_ratios):.3f}, bare fit / whole run with loading and testing")
    print(f"info  ratio against a bare fit that validates nothing: {statistics.median(plain_ratios):.3f} (median)")
    wall = statistics.median(ratios)
    text = f"throughput ratio {wall:.3f}, bare fit time / run fit time, both validating, median of {rounds}"
    return verdict(text + " (goal >= 0.95)", wall >= 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="back-to-back rounds for the throughput ratio")
    parser.add_argument("--throughput-only", action="store_true", help="measure only the throughput ratio")
    arguments = parser.parse_args()
    if arguments.throughput_only:
        return int(not throughput(arguments.rounds))
    if not data.full_available("mnist"):
        return int(not verdict("full MNIST is not on this machine (python -m cnnlab.data fetch mnist)", False))
    print(f"{os.cpu_count()} cores; {load()}", flush=True)
    results = [full_memory()]  # memory first: VmHWM only grows
    results += [full_recipe("fast_longer", 0.993, 30.0), command_time(), default_run(), throughput(arguments.rounds)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
