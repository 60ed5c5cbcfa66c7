"""Write the stratified subsets shipped in assets/datasets from the full, checksum-verified sets.

Usage: python scripts/make_embedded.py   (needs the full sets: python -m cnnlab.data fetch ...)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from cnnlab import config, data  # noqa: E402

TRAIN_PER_CLASS = 1000
TEST_PER_CLASS = 200


def main() -> None:
    config.EMBEDDED_DIR.mkdir(parents=True, exist_ok=True)
    for name in config.DATASET_NAMES:
        (x_train, y_train), (x_test, y_test) = data.load_full(name, allow_download=False)
        x_train, y_train = data.stratified_subset(x_train, y_train, TRAIN_PER_CLASS, seed=0)
        x_test, y_test = data.stratified_subset(x_test, y_test, TEST_PER_CLASS, seed=1)
        path = data.embedded_path(name)
        np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        print(f"{path.name}: {len(x_train)} train, {len(x_test)} test, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
