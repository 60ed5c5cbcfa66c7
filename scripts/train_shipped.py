"""Train one of the models shipped in assets/models, reproducibly, and write its model card.

The MNIST CNN trains with batch normalisation after each convolution, then the normalisation is
folded into the convolution's weights and bias (exactly: it is a per-filter scale and shift), so
the shipped file has the guide CNN's named layers (conv_1, relu_1, pool_1, ...) and nothing else.

Usage: python scripts/train_shipped.py mnist|fashion_mnist|mnist_mlp [--epochs N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from cnnlab import config, data, models, pipeline  # noqa: E402
from cnnlab.training import schedules  # noqa: E402

# Two 3×3 convolutions per stage, as in VGG: the Fashion-MNIST CNN needs more than the guide CNN's
# 32 and 64 filters to tell shirts from T-shirts and pullovers.
DEEPER_FASHION = replace(
    models.PRESETS["guide_cnn"],
    key="fashion_cnn",
    title="Fashion CNN",
    source="the guide CNN with two convolutions per stage",
    description="Two stages of two 3×3 convolutions (32, then 64 filters) and a max-pool, then Dense 256.",
    blocks=(
        ("conv", 32, 3, "same"), ("conv", 32, 3, "valid"), ("pool",),
        ("conv", 64, 3, "same"), ("conv", 64, 3, "valid"), ("pool",), ("flatten",), ("dense", 256, "relu"),
    ),
)  # fmt: skip

# What each shipped model is: preset, dropout, augmentation strength, epochs, batch size; for the
# CNNs also batch normalisation (folded away before saving) and a one-cycle schedule, and for the
# MNIST CNN a finish: its last epochs with milder augmentation, closer to the test set's digits.
RECIPES = {
    "mnist": {
        "preset": "guide_cnn",
        "dropout": 0.3,
        "augmentation": 1.0,
        "epochs": 30,
        "batch_size": 128,
        "batch_norm": True,
        "learning_rate": 0.005,
        "finish": {"epochs": 8, "augmentation": 0.3},
    },
    "fashion_mnist": {
        "preset": DEEPER_FASHION,
        "dropout": 0.4,
        "augmentation": 0.3,
        "epochs": 25,
        "batch_size": 128,
        "batch_norm": True,
        "learning_rate": 0.003,
    },
    "mnist_mlp": {"preset": "mlp_baseline", "dropout": 0.0, "augmentation": 1.0, "epochs": 16, "batch_size": 128},
}
VALIDATION_SIZE = 5000


def save_without_optimizer(model: keras.Model, path: Path) -> None:
    """Save only the architecture and weights (the optimizer state would triple the file)."""
    export = keras.Model.from_config(model.get_config())
    export.set_weights(model.get_weights())
    partial = path.with_name(path.stem + ".partial.keras")
    export.save(partial)
    partial.replace(path)


def with_batch_norm(preset: models.Preset, dropout: float) -> keras.Model:
    """The preset's network with a BatchNormalization layer ("bn_N") between each conv_N and relu_N."""
    inputs = keras.Input(shape=config.IMAGE_SHAPE, name="input")
    x, convs, pools, denses = inputs, 0, 0, 0
    for block in preset.blocks:
        if block[0] == "conv":
            convs += 1
            x = keras.layers.Conv2D(block[1], block[2], padding=block[3], name=f"conv_{convs}")(x)
            x = keras.layers.BatchNormalization(name=f"bn_{convs}")(x)
            x = keras.layers.Activation("relu", name=f"relu_{convs}")(x)
        elif block[0] == "pool":
            pools += 1
            x = keras.layers.MaxPooling2D(2, name=f"pool_{pools}")(x)
        elif block[0] == "flatten":
            x = keras.layers.Flatten(name="flatten")(x)
        else:
            denses += 1
            x = keras.layers.Dense(block[1], activation=block[2], name=f"dense_{denses}")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x) if dropout else x
    outputs = keras.layers.Dense(config.NUM_CLASSES, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=preset.key)


def fold_batch_norm(trained: keras.Model, plain: keras.Model) -> keras.Model:
    """Copy trained weights into the plain network, folding each bn_N into conv_N's kernel and bias.

    BatchNormalization at inference computes gamma * (z - mean) / sqrt(var + eps) + beta per
    filter; with z = conv(x) + bias this is conv(x) with kernel * s and bias (bias - mean) * s + beta,
    where s = gamma / sqrt(var + eps).
    """
    names = {layer.name for layer in trained.layers}
    for layer in plain.layers:
        weights = trained.get_layer(layer.name).get_weights()
        if layer.name.startswith("conv_") and f"bn_{layer.name[5:]}" in names:
            normalisation = trained.get_layer(f"bn_{layer.name[5:]}")
            gamma, beta, mean, variance = normalisation.get_weights()
            scale = gamma / np.sqrt(variance + normalisation.epsilon)
            weights = [weights[0] * scale, (weights[1] - mean) * scale + beta]
        layer.set_weights(weights)
    return plain


def train(target: str, epochs: int, seed: int) -> dict:
    recipe = dict(RECIPES[target], epochs=epochs or RECIPES[target]["epochs"])
    dataset_name = config.PRETRAINED[target][1]
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    (x_train, y_train), (x_test, y_test) = data.load_full(dataset_name, allow_download=True)
    x_fit, y_fit = x_train[:-VALIDATION_SIZE], y_train[:-VALIDATION_SIZE]
    x_val, y_val = x_train[-VALIDATION_SIZE:], y_train[-VALIDATION_SIZE:]

    def batches(augmentation: float):
        clothes = dataset_name == "fashion_mnist"
        return pipeline.make_dataset(
            x_fit, y_fit, recipe["batch_size"], augmentation=augmentation, seed=seed, clothes=clothes
        )

    train_batches = batches(recipe["augmentation"])
    val_batches = pipeline.make_dataset(x_val, y_val, 500, shuffle=False)
    preset = recipe["preset"] if isinstance(recipe["preset"], models.Preset) else models.PRESETS[recipe["preset"]]
    steps = recipe["epochs"] * len(train_batches)
    plain = models.build_model(preset, dropout=recipe["dropout"])
    if recipe.get("batch_norm"):
        model = with_batch_norm(preset, recipe["dropout"])
        schedule = schedules.learning_rate("one_cycle", recipe["learning_rate"], steps, 0.2)
        optimizer = models.make_optimizer(preset.optimizer, schedule)
        models.compile_model(model, optimizer, steps_per_execution=10)
    else:
        model = plain
        schedule = keras.optimizers.schedules.CosineDecay(preset.learning_rate, decay_steps=steps, alpha=0.02)
        models.compile_model(model, models.make_optimizer(preset.optimizer, schedule))
    started = time.perf_counter()
    finish = recipe.get("finish", {"epochs": 0})
    first = recipe["epochs"] - finish["epochs"]
    history = model.fit(train_batches, validation_data=val_batches, epochs=first, verbose=2)
    if finish["epochs"]:  # the one-cycle schedule counts the optimizer's steps, so it carries on
        finished = batches(finish["augmentation"])
        history = model.fit(
            finished, validation_data=val_batches, initial_epoch=first, epochs=recipe["epochs"], verbose=2
        )
    seconds = time.perf_counter() - started
    if model is not plain:
        trained_probabilities = model.predict(pipeline.to_model_input(x_test[:1000]), verbose=0)
        model = fold_batch_norm(model, plain)
        folded_probabilities = model.predict(pipeline.to_model_input(x_test[:1000]), verbose=0)
        if not np.allclose(trained_probabilities, folded_probabilities, atol=1e-4):
            raise RuntimeError("Folding the batch normalisation changed the predictions.")
    models.compile_model(model, models.make_optimizer("adam", 0.001))
    test_loss, test_accuracy = model.evaluate(pipeline.to_model_input(x_test), y_test, batch_size=500, verbose=0)
    path = models.pretrained_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_without_optimizer(model, path)
    card = {
        "model": target,
        "dataset": dataset_name,
        "preset": preset.key,
        "architecture": preset.description,
        "source": preset.source,
        "dropout": recipe["dropout"],
        "augmentation": recipe["augmentation"],
        "finish": recipe.get("finish"),
        "epochs": recipe["epochs"],
        "batch_size": recipe["batch_size"],
        "optimizer": (
            f"{preset.optimizer}, warm-up to {recipe['learning_rate']} over 20 % of the steps, cosine decay to 0; "
            "batch normalisation after each convolution, folded into it before saving"
            if recipe.get("batch_norm")
            else f"{preset.optimizer}, cosine decay from {preset.learning_rate}"
        ),
        "seed": seed,
        "training_examples": len(x_fit),
        "validation_examples": len(x_val),
        "data_sha256": data.CHECKSUMS[dataset_name],
        "parameters": models.count_parameters(model),
        "test_accuracy": round(float(test_accuracy), 4),
        "test_loss": round(float(test_loss), 4),
        "final_val_accuracy": round(float(history.history["val_accuracy"][-1]), 4),
        "training_seconds": round(seconds),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "command": f"python scripts/train_shipped.py {target} --epochs {recipe['epochs']} --seed {seed}",
    }
    path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    print(json.dumps(train(arguments.target, arguments.epochs, arguments.seed), indent=2))


if __name__ == "__main__":
    main()
