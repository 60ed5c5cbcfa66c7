"""The shift experiment: how a network's accuracy changes when every test digit is moved sideways."""

from __future__ import annotations

import numpy as np

from cnnlab import config
from cnnlab.extractor import extractor_of


def shift_images(images, shift: int) -> np.ndarray:
    """Move images sideways by whole pixels, filling the gap with zeros (nothing wraps around).

    Args:
        images: array (28, 28) or (N, 28, 28), any dtype.
        shift: pixels to move right; negative moves left.

    Returns:
        An array of the same shape and dtype.
    """
    images = np.asarray(images)
    if images.shape[-2:] != config.IMAGE_SHAPE[:2] or images.ndim not in (2, 3):
        raise ValueError(f"Images must have shape (28, 28) or (N, 28, 28), not {images.shape}.")
    shifted = np.zeros_like(images)
    width = images.shape[-1]
    if shift >= 0:
        shifted[..., shift:] = images[..., : max(width - shift, 0)]
    else:
        shifted[..., : max(width + shift, 0)] = images[..., -shift:]
    return shifted


def accuracy_vs_shift(extractor, images, labels, shifts) -> np.ndarray:
    """The accuracy when every image is moved sideways by each shift (zero fill; see shift_images).

    Args:
        extractor: a FeatureExtractor or a keras.Model.
        images: uint8 array (N, 28, 28).
        labels: integer array (N,).
        shifts: whole pixels, positive right, negative left, e.g. [-4, -2, 0, 2, 4].

    Returns:
        float32 array (len(shifts),) of accuracies in [0, 1].
    """
    extractor, labels = extractor_of(extractor), np.asarray(labels)
    images = np.asarray(images)
    if images.ndim != 3 or len(images) == 0 or labels.shape != (len(images),):
        raise ValueError("Pass N > 0 images of shape (N, 28, 28) and N labels.")
    hits = [
        (extractor.probabilities(shift_images(images, int(shift))).argmax(axis=1) == labels).mean() for shift in shifts
    ]
    return np.asarray(hits, np.float32)
