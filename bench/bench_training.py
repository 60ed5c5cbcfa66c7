"""Benchmark a TrainingRun, measured in one run of this script, with PASS/FAIL against each goal.

1. Peak resident memory (VmHWM) of this process after a one-epoch run on full MNIST, measured
   first because the high-water mark only grows. Goal: <= 1 GB.
2. Wall time of the default settings, from start() to a tested model, and its test accuracy
   on embedded MNIST. Goal: >= 98 % within 60 s.
3. Throughput of a TrainingRun against a bare `model.fit` on the same model, data and batch size
   (steady state: the first batch of an epoch is left out of both), the median of the ratios of
   back-to-back rounds. Goal: ratio >= 0.95. Other processes on the machine make single rounds
   swing by tens of percent, so the time spent in the per-batch callback is printed as well.
4. With --full-mnist-search: the cheapest of a few schedules that reaches 99.0 % on full MNIST.

Usage: python bench/bench_training.py [--full-mnist-search] [--rounds N]
Exit status 1 if a goal fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402

from cnnlab import data, models, pipeline, training  # noqa: E402

# (preset, epochs, batch size, learning rate) from cheapest to dearest, for --full-mnist-search.
SEARCH = [
    ("guide_cnn", 2, 128, 0.002),
    ("guide_cnn", 3, 128, 0.002),
    ("guide_cnn", 4, 128, 0.002),
    ("guide_cnn", 6, 128, 0.002),
    ("kaggle_deep", 4, 128, 0.001),
]


def peak_rss_megabytes() -> float:
    """The process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("/proc/self/status has no VmHWM line.")


def finished_run(settings: training.TrainingSettings) -> tuple[training.TrainingRun, float]:
    """Train to the end; the run and its wall time in seconds from start()."""
    run = training.TrainingRun(settings, training.SlotPool(1))
    started = time.perf_counter()
    run.start()
    run.join()
    if run.state != "finished":
        raise RuntimeError(f"The run ended as {run.state}: {run.error}")
    return run, time.perf_counter() - started


def bare_rate(settings: training.TrainingSettings) -> float:
    """Images per second of a bare model.fit, first batch and fit overhead left out (two fits subtracted)."""
    (x_train, y_train), _ = data.load_dataset(settings.dataset, settings.source)
    fit_count = len(x_train) - max(1, round(len(x_train) * settings.validation_split))
    keras.utils.set_random_seed(settings.seed)
    model = models.build_model(
        settings.preset, optimizer=settings.optimizer, learning_rate=settings.learning_rate, dropout=settings.dropout
    )
    batches = pipeline.make_dataset(x_train[:fit_count], y_train[:fit_count], settings.batch_size, seed=settings.seed)

    def seconds(dataset) -> float:
        started = time.perf_counter()
        model.fit(dataset, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - started

    seconds(batches.take(2))  # trace the train step once
    one, full = seconds(batches.take(1)), seconds(batches)
    return (fit_count - settings.batch_size) / (full - one)


def throughput(rounds: int) -> bool:
    settings = training.default_settings(epochs=1)
    run_rates, bare_rates = [], []
    for _ in range(rounds):  # back to back, so that load from other processes hits both alike
        run_rates.append(finished_run(settings)[0].progress().samples_per_second)
        bare_rates.append(bare_rate(settings))
    ratio = statistics.median(run / bare for run, bare in zip(run_rates, bare_rates, strict=True))
    print(
        f"throughput, images/s by round: TrainingRun {rates_text(run_rates)}; bare model.fit {rates_text(bare_rates)}"
    )
    callback_share(settings)
    return verdict(f"throughput ratio {ratio:.3f}, the median of the rounds' ratios (goal >= 0.95)", ratio >= 0.95)


def callback_share(settings: training.TrainingSettings) -> float:
    """Time the run's per-batch callback itself: a load-independent check of what the ratio measures."""
    spent, original = [], training._Recorder.on_train_batch_end

    def timed(recorder, batch, logs=None):
        started = time.perf_counter()
        original(recorder, batch, logs)
        spent.append(time.perf_counter() - started)

    training._Recorder.on_train_batch_end = timed
    try:
        run, _ = finished_run(settings)
    finally:
        training._Recorder.on_train_batch_end = original
    batch_seconds = settings.batch_size / run.progress().samples_per_second
    share = statistics.mean(spent) / batch_seconds
    print(f"   the per-batch callback takes {statistics.mean(spent) * 1e6:,.0f} µs, {share:.2%} of a batch")
    return share


def rates_text(rates) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in rates)


def verdict(text: str, passed: bool) -> bool:
    print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return passed


def default_time() -> bool:
    run, seconds = finished_run(training.default_settings())
    accuracy, settings = run.result().test_accuracy, run.settings
    print(
        f"default settings: {settings.preset}, {settings.epochs} epochs, batch {settings.batch_size}, "
        f"{settings.optimizer} {settings.learning_rate}, dropout {settings.dropout}, "
        f"plateau {settings.reduce_lr_on_plateau}, seed {settings.seed}"
    )
    print(f"   learning rate by epoch: {', '.join(f'{rate:.2g}' for rate in run.progress().learning_rates)}")
    passed = accuracy >= 0.98 and seconds <= 60
    return verdict(f"default run: test accuracy {accuracy:.4f} in {seconds:.1f} s (goal >= 0.98 within 60 s)", passed)


def full_memory() -> bool:
    if not data.full_available("mnist"):
        return verdict("peak memory: full MNIST is not on this machine (run `make data`)", False)
    before = peak_rss_megabytes()
    run, seconds = finished_run(training.default_settings(source="full", epochs=1))
    after = peak_rss_megabytes()
    print(f"full MNIST, 1 epoch: test accuracy {run.result().test_accuracy:.4f} in {seconds:.1f} s")
    return verdict(
        f"peak memory {after:,.0f} MB (was {before:,.0f} MB before the full run; goal <= 1024)", after <= 1024
    )


def full_search() -> bool:
    for preset, epochs, batch_size, learning_rate in SEARCH:
        settings = training.default_settings(
            source="full", preset=preset, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate
        )
        run, seconds = finished_run(settings)
        accuracy = run.result().test_accuracy
        print(
            f"   {preset}, {epochs} epochs, batch {batch_size}, lr {learning_rate}: {accuracy:.4f} in {seconds:.0f} s"
        )
        if accuracy >= 0.99:
            return verdict(f"fastest schedule found for 99.0 % on full MNIST: {seconds:.0f} s", True)
    return verdict("no schedule in the search reached 99.0 % on full MNIST", False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full-mnist-search", action="store_true", help="also search schedules on full MNIST")
    parser.add_argument("--rounds", type=int, default=7, help="back-to-back rounds for the throughput ratio")
    arguments = parser.parse_args()
    results = [full_memory(), default_time(), throughput(arguments.rounds)]  # memory first: VmHWM only grows
    if arguments.full_mnist_search:
        results.append(full_search())
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
