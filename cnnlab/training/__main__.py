"""Train in the terminal, as the Train page does, e.g. to prepare a lesson.

    python -m cnnlab.training --recipe fast --dataset mnist --source full [--epochs E] [--save PATH]

Shows a progress bar, then prints `Test accuracy: 0.xxxx` and the wall time from start to result.
The run is the Train page's TrainingRun, with a pool of one slot.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from cnnlab.training import divergence, evaluation, run, settings, slots

STARTED = time.perf_counter()
WIDTH = 30


def bar_line(progress) -> str:
    """One progress-bar line: "[#####-----]  40% epoch 1/2 loss 0.312 accuracy 0.91 lr 0.0061"."""
    done = round(progress.fraction * WIDTH)
    parts = [f"[{'#' * done}{'-' * (WIDTH - done)}] {progress.fraction:4.0%}", progress.state]
    if progress.epoch:
        parts.append(f"epoch {progress.epoch}/{progress.total_epochs}")
    if progress.batch_loss:
        parts.append(f"loss {progress.batch_loss[-1]:.3f} accuracy {progress.batch_accuracy[-1]:.3f}")
    if progress.learning_rate is not None:
        parts.append(f"lr {progress.learning_rate:.2g}")
    if progress.samples_per_second:
        parts.append(f"{progress.samples_per_second:,.0f} images/s")
    return " ".join(parts)


def seconds_since_start() -> float:
    """Seconds since this process started (Linux /proc), imports included; since main() elsewhere."""
    try:
        ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        booted_seconds = float(open("/proc/uptime").read().split()[0])
        return booted_seconds - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - STARTED


def parse(arguments: list[str]) -> argparse.Namespace:
    """The command's options; argparse explains bad ones and exits with status 2."""
    parser = argparse.ArgumentParser(prog="python -m cnnlab.training", description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="fast", choices=list(settings.RECIPES), help="what to train (fast)")
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    parser.add_argument("--source", default="full", choices=list(settings.SOURCES))
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training images")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="train on at most this many images")
    parser.add_argument("--save", default=None, help="write the trained model to this .keras file")
    return parser.parse_args(arguments)


def main(arguments: list[str] | None = None) -> int:
    """Train one recipe with a progress bar; 0 if it finished, 1 if it stopped or failed, 2 for bad settings."""
    options = parse(sys.argv[1:] if arguments is None else arguments)
    changes = {"dataset": options.dataset, "source": options.source, "seed": options.seed}
    changes |= {"max_train_examples": options.limit} | (
        {"epochs": options.epochs} if options.epochs is not None else {}
    )
    try:
        chosen = settings.recipe_settings(options.recipe, **changes)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(
        f"Training {chosen.network.title} on {options.dataset} ({options.source}): {chosen.epochs} epochs, "
        f"batch {chosen.batch_size}, {chosen.optimizer} {chosen.learning_rate} ({chosen.schedule})"
    )
    training = run.TrainingRun(chosen, slots.SlotPool(1))
    training.start()
    while not training.join(0.25):
        print("\r" + bar_line(training.progress()).ljust(110), end="", flush=True)
    print("\r" + bar_line(training.progress()).ljust(110))
    result = training.result()
    if training.error:
        print(training.error, file=sys.stderr)
        return 1
    if training.divergence:
        print(divergence.explain(training.divergence, training.divergence_details))
    if result is None:
        return 1
    print(f"Test accuracy: {result.test_accuracy:.4f} ({result.test_count:,} test images)")
    print(f"Training: {result.training_seconds:.1f} s; wall time of the command: {seconds_since_start():.1f} s")
    if options.save:
        with open(options.save, "wb") as file:
            file.write(evaluation.model_bytes(result.model))
        print(f"Saved the model to {options.save}")
    return 0 if training.state == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
