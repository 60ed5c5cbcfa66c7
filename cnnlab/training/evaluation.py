"""Testing a trained model on unseen images: accuracy, loss, confusion matrix, mistakes; saving it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from cnnlab import config, models, pipeline

TOP_MISTAKES = 12
SAMPLE_COUNT = 10
GUESSING_ACCURACY = 2 / config.NUM_CLASSES  # one class in ten is right by chance


@dataclass(frozen=True)
class Predictions:
    """Some test images with what the model said: uint8 images (K, 28, 28), int arrays (K,)."""

    indices: np.ndarray
    images: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray


@dataclass(frozen=True)
class TrainingResult:
    """What a finished or stopped run leaves: the model and how it does on the test set."""

    model: keras.Model
    test_accuracy: float
    test_loss: float
    confusion: np.ndarray
    mistakes: Predictions
    samples: Predictions
    summary: list
    seconds: float
    test_count: int
    training_seconds: float = 0.0

    @property
    def is_guessing(self) -> bool:
        """True if the test accuracy is no better than about twice what blind guessing scores."""
        return self.test_accuracy < GUESSING_ACCURACY


def _pick(images, labels, probabilities, indices) -> Predictions:
    predicted = probabilities[indices].argmax(axis=1)
    return Predictions(
        indices=np.asarray(indices, dtype=np.int64),
        images=images[indices],
        true=labels[indices].astype(np.int64),
        predicted=predicted.astype(np.int64),
        confidence=probabilities[indices, predicted].astype(np.float32),
    )


def probabilities_of(model: keras.Model, images: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """Run a model over images in chunks, eagerly: no float copy of the whole set, no graph to trace.

    A small network's layers each run as one big operation per chunk, so an eager call costs about
    what a compiled one does, without the second or two of tracing a compiled step needs first.

    Args:
        model: maps float32 (N, 28, 28, 1) to (N, C) probabilities.
        images: uint8 (N, 28, 28) images.
        chunk: images per call.

    Returns:
        float64 array (N, C).
    """
    batches = (pipeline.to_model_input(images[start : start + chunk]) for start in range(0, len(images), chunk))
    return np.concatenate([np.asarray(model(batch, training=False)) for batch in batches]).astype(np.float64)


def loss_and_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The cross-entropy as Keras computes it (probabilities renormalised and clipped) and the accuracy.

    Args:
        probabilities: float array (N, C).
        labels: integer array (N,).

    Returns:
        (mean loss, share right) as floats.
    """
    labels = np.asarray(labels, dtype=np.int64)
    normalised = probabilities / probabilities.sum(axis=1, keepdims=True)
    picked = np.clip(normalised[np.arange(len(labels)), labels], keras.config.epsilon(), 1 - keras.config.epsilon())
    return float(np.mean(-np.log(picked))), float(np.mean(probabilities.argmax(axis=1) == labels))


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> TrainingResult:
    """Test a model on images it never saw.

    Args:
        model: maps float32 (N, 28, 28, 1) to (N, 10) probabilities.
        images: uint8 (N, 28, 28) test images.
        labels: integer (N,) test labels.

    Returns:
        A TrainingResult (seconds 0.0, training_seconds 0.0): the loss is the cross-entropy as Keras computes it; the
        confusion matrix is int64 (10, 10), rows the true class, columns the predicted one.
    """
    probabilities = probabilities_of(model, images)
    labels = np.asarray(labels, dtype=np.int64)
    predicted = probabilities.argmax(axis=1)
    loss, accuracy = loss_and_accuracy(probabilities, labels)
    wrong = np.flatnonzero(predicted != labels)
    confident_wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:TOP_MISTAKES]
    classes = config.NUM_CLASSES
    return TrainingResult(
        model=model,
        test_accuracy=accuracy,
        test_loss=loss,
        confusion=np.bincount(labels * classes + predicted, minlength=classes**2).reshape(classes, classes),
        mistakes=_pick(images, labels, probabilities, confident_wrong),
        samples=_pick(images, labels, probabilities, np.arange(min(SAMPLE_COUNT, len(labels)))),
        summary=models.summary_rows(model),
        seconds=0.0,
        test_count=len(labels),
    )


def model_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a .keras file, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()
