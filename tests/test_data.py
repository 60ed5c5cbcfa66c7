"""cnnlab.data: IDX parsing, checksums, the search order, the embedded subsets, offline behaviour."""

import gzip
import hashlib
import socket
import time

import numpy as np
import pytest

from cnnlab import config, data


def small_dataset(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, 6).astype(np.uint8),
        "test_images": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, 3).astype(np.uint8),
    }


@pytest.fixture
def fake_checksums(monkeypatch):
    """Make 'mnist' mean a small made-up dataset whose checksums we know."""
    arrays = small_dataset()
    sums = {split: hashlib.sha256(data.idx_bytes(array)).hexdigest() for split, array in arrays.items()}
    monkeypatch.setitem(data.CHECKSUMS, "mnist", sums)
    return arrays


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No local files, no Keras cache, and no network at all."""
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "env"))
    monkeypatch.setattr(config, "LOCAL_DATA_DIR", tmp_path / "local")
    monkeypatch.setattr(config, "DEBIAN_FASHION_DIR", tmp_path / "debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def refuse(*args, **kwargs):
        raise OSError("network is disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return tmp_path


def write_idx_folder(folder, arrays, compress=False):
    folder.mkdir(parents=True, exist_ok=True)
    for split, stem in data.SPLITS.items():
        raw = data.idx_bytes(arrays[split])
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


def test_idx_round_trip():
    images = small_dataset()["train_images"]
    raw = data.idx_bytes(images)
    assert raw[:4] == b"\x00\x00\x08\x03"
    assert int.from_bytes(raw[4:8], "big") == 6
    np.testing.assert_array_equal(data.parse_idx(raw, "x"), images)


def test_truncated_idx_names_its_source():
    raw = data.idx_bytes(small_dataset()["train_images"])[:-5]
    with pytest.raises(data.CorruptDataset, match="my-file.*truncated"):
        data.parse_idx(raw, "my-file")


@pytest.mark.parametrize("compress", [False, True])
def test_full_set_from_env_folder(offline, fake_checksums, compress):
    write_idx_folder(offline / "env" / "mnist", fake_checksums, compress=compress)
    (x_train, y_train), (x_test, y_test) = data.load_dataset("mnist", source="full")
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28)
    np.testing.assert_array_equal(y_test, fake_checksums["test_labels"])
    assert data.full_available("mnist")


def test_env_folder_comes_before_local_folder(offline, fake_checksums):
    write_idx_folder(offline / "env" / "mnist", fake_checksums)
    corrupt = dict(fake_checksums, test_labels=fake_checksums["test_labels"] + 1)
    write_idx_folder(offline / "local" / "mnist", corrupt)
    data.load_full("mnist")  # the env folder is read first and is valid


def test_corrupt_file_is_refused_by_name(offline, fake_checksums):
    changed = dict(fake_checksums)
    changed["train_images"] = fake_checksums["train_images"].copy()
    changed["train_images"][0, 0, 0] ^= 1
    write_idx_folder(offline / "local" / "mnist", changed)
    with pytest.raises(data.CorruptDataset, match="train-images-idx3-ubyte.*checksum"):
        data.load_full("mnist")


def test_truncated_gzip_is_refused(offline, fake_checksums):
    folder = offline / "local" / "mnist"
    write_idx_folder(folder, fake_checksums, compress=True)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(data.CorruptDataset, match="t10k-labels"):
        data.load_full("mnist")


def test_offline_without_files_fails_fast_and_lists_what_was_tried(offline):
    started = time.perf_counter()
    with pytest.raises(data.DatasetUnavailable) as raised:
        data.load_full("fashion_mnist")
    assert time.perf_counter() - started < 10
    message = str(raised.value)
    for tried in ("env", "local", "debian", "Keras"):
        assert tried in message
    assert not data.full_available("fashion_mnist")


@pytest.mark.parametrize("name", config.DATASET_NAMES)
def test_embedded_subset_loads_offline_and_is_stratified(offline, name):
    (x_train, y_train), (x_test, y_test) = data.load_dataset(name, source="embedded")
    assert x_train.shape == (10000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (2000, 28, 28)
    assert np.bincount(y_train, minlength=10).tolist() == [1000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [200] * 10
    assert x_train.max() == 255 and x_train.mean() > 20


def test_auto_falls_back_to_embedded_with_a_warning(offline):
    with pytest.warns(UserWarning, match="embedded"):
        (x_train, _), _ = data.load_dataset("mnist", source="auto")
    assert len(x_train) == 10000


def test_bad_arguments_are_sentences():
    with pytest.raises(ValueError, match="Unknown dataset"):
        data.load_dataset("cifar")
    with pytest.raises(ValueError, match="Unknown source"):
        data.load_dataset("mnist", source="cloud")


def test_stratified_subset_is_reproducible():
    labels = np.repeat(np.arange(10), 30)
    images = np.arange(300)[:, None, None] * np.ones((1, 28, 28), dtype=np.int64)
    first = data.stratified_subset(images, labels, 5, seed=3)
    second = data.stratified_subset(images, labels, 5, seed=3)
    np.testing.assert_array_equal(first[1], second[1])
    assert np.bincount(first[1]).tolist() == [5] * 10
    np.testing.assert_array_equal(first[0][:, 0, 0] // 30, first[1])


@pytest.mark.parametrize("name", config.DATASET_NAMES)
def test_real_full_sets_are_present_and_verified(name):
    """The test command fetches the full sets; CI evaluates on the real data."""
    (x_train, y_train), (x_test, y_test) = data.load_full(name, allow_download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_test, minlength=10).min() >= 890
