"""Input pipelines: uint8 images stay uint8 until a batch is drawn, then scaled and augmented."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from cnnlab import config


def to_model_input(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images to what the models take.

    Args:
        images: uint8 array (N, 28, 28) or float array in [0, 1] of the same shape.

    Returns:
        float32 array (N, 28, 28, 1), values in [0, 1].
    """
    images = np.asarray(images)
    scaled = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)
    return scaled.reshape(-1, config.IMAGE_SIZE, config.IMAGE_SIZE, 1)


def _random_thickness(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Thicken a third of the strokes (3×3 max) and thin a third (3×3 min); keep the rest."""
    thick = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thin = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    choice = tf.random.stateless_uniform([tf.shape(images)[0], 1, 1, 1], seed=seed)
    return tf.where(choice < 1 / 3, thick, tf.where(choice < 2 / 3, thin, images))


def _random_affine(images: tf.Tensor, seed: tf.Tensor, max_shift: float, max_degrees: float, max_zoom: float):
    """Shift, rotate and scale each image by its own random amount (bilinear, zero fill)."""
    batch = tf.shape(images)[0]
    uniform = tf.random.stateless_uniform([batch, 4], seed=seed, minval=-1.0, maxval=1.0)
    angle = uniform[:, 0] * max_degrees * np.pi / 180
    scale = 1.0 + uniform[:, 1] * max_zoom
    shift_x, shift_y = uniform[:, 2] * max_shift, uniform[:, 3] * max_shift
    centre = (config.IMAGE_SIZE - 1) / 2
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    # Output pixel (x, y) samples the input at A @ (x - c, y - c) + c - shift.
    a0, a1, b0, b1 = cos, -sin, sin, cos
    a2 = centre - a0 * centre - a1 * centre - shift_x
    b2 = centre - b0 * centre - b1 * centre - shift_y
    zeros = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.constant([config.IMAGE_SIZE, config.IMAGE_SIZE]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


def augment(images: tf.Tensor, seed: tf.Tensor, strength: float = 1.0, clothes: bool = False) -> tf.Tensor:
    """Make a batch look like digits drawn by other hands: shifted, tilted, scaled, thicker or thinner.

    Args:
        images: float32 tensor (N, 28, 28, 1) in [0, 1].
        seed: int tensor of shape (2,), for stateless (reproducible) randomness.
        strength: 1.0 for shifts of up to 3 px, 12° rotations, ±12 % scale; 0.5 for half that.
        clothes: for Fashion-MNIST: mirror left-right at random instead of changing stroke width.

    Returns:
        float32 tensor (N, 28, 28, 1) in [0, 1].
    """
    seeds = tf.random.experimental.stateless_split(seed, 2)
    if clothes:
        flip = tf.random.stateless_uniform([tf.shape(images)[0], 1, 1, 1], seed=seeds[0]) < 0.5
        images = tf.where(flip, tf.reverse(images, axis=[2]), images)
    else:
        images = _random_thickness(images, seeds[0])
    images = _random_affine(images, seeds[1], 3.0 * strength, 12.0 * strength, 0.12 * strength)
    return tf.clip_by_value(images, 0.0, 1.0)


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    shuffle: bool = True,
    augmentation: float = 0.0,
    seed: int = 0,
    clothes: bool = False,
) -> tf.data.Dataset:
    """A tf.data pipeline that keeps images uint8 until each batch is drawn.

    It shuffles and batches image numbers, then gathers each batch's images at once: a batch costs
    one gather and one cast, not one pipeline step per image (a full epoch of 55,000 images is
    read in about 0.2 s on 2 cores), and the set stays uint8 in memory (47 MB for 60,000 images,
    not 188 MB as float32).

    Args:
        images: uint8 array (N, 28, 28).
        labels: integer array (N,).
        batch_size: examples per batch.
        shuffle: reshuffle every epoch (reproducibly from the seed).
        augmentation: 0 for none, else the strength passed to `augment`.
        seed: the random seed for shuffling and augmentation.
        clothes: augment as clothes (mirroring) rather than as digits (stroke width).

    Returns:
        A dataset of (float32 (B, 28, 28, 1), int32 (B,)) batches.
    """
    all_images = tf.constant(np.asarray(images, dtype=np.uint8))
    all_labels = tf.constant(np.asarray(labels, dtype=np.int32))
    numbers = tf.data.Dataset.range(len(images))
    if shuffle:
        numbers = numbers.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    counter = tf.data.Dataset.counter(seed * 1_000_003)
    dataset = tf.data.Dataset.zip((numbers.batch(batch_size), counter))

    def prepare(batch, step):
        pictures = tf.cast(tf.gather(all_images, batch)[..., None], tf.float32) / 255.0
        if augmentation > 0:
            pictures = augment(pictures, tf.stack([step, tf.constant(seed, tf.int64)]), augmentation, clothes)
        return pictures, tf.gather(all_labels, batch)

    return dataset.map(prepare, num_parallel_calls=1, deterministic=True).prefetch(2)
