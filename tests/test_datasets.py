"""Bundled tables, IDX and CIFAR-10 readers, checksums and safe downloads."""

import gzip
import hashlib
import io
import os
import re
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skadv.datasets import (
    _base,
    _cifar,
    _mnist,
    _spambase,
    fetch_cifar10,
    fetch_fashion_mnist,
    fetch_mnist,
    load_mushroom,
    load_spambase,
)
from skadv.datasets._idx import _parse_idx, _read_idx_gz
from skadv.utils._testing import shared_data_home

SHARED = shared_data_home()
needs_shared = pytest.mark.skipif(SHARED is None, reason="no shared data folder")


def _needs_folder(name):
    # a data folder may hold MNIST without the UCI originals
    return pytest.mark.skipif(
        SHARED is None or not (SHARED / name).is_dir(),
        reason=f"no {name}/ in the shared data folder",
    )


MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any test that reaches the network fails instead of downloading."""

    def refuse(url, handle):
        raise AssertionError(f"unexpected network access to {url}")

    monkeypatch.setattr(_base, "_stream_url", refuse)


def _md5(payload):
    return hashlib.md5(payload).hexdigest()


def _idx_bytes(array):
    """IDX encoding of a uint8 array, written independently of the reader."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _fake_mnist_files(n, seed=0):
    """{file name: gz bytes} of a tiny test split and its uint8 arrays."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    files = {
        "t10k-images-idx3-ubyte.gz": gzip.compress(_idx_bytes(images)),
        "t10k-labels-idx1-ubyte.gz": gzip.compress(_idx_bytes(labels)),
    }
    return files, images, labels


def _write_files(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (folder / name).write_bytes(payload)


def _accept_checksums(monkeypatch, files):
    for name, payload in files.items():
        monkeypatch.setitem(_mnist._MNIST["md5"], name, _md5(payload))


# --------------------------------------------------------------------------
# Mushroom


def _names_file_mapping(names_path):
    """{attribute: {code: value}} parsed from agaricus-lepiota.names."""
    text = names_path.read_text()
    section = text.split("7. Attribute Information:")[1].split("8. Missing")[0]
    mapping = {}
    for name, values in re.findall(
        r"\d+\.\s+([\w?-]+):\s+(.*?)(?=\n\s+\d+\.\s|\Z)", section, flags=re.S
    ):
        pairs = re.findall(r"(\w+)=(\S)", values)
        mapping[name] = {code: value for value, code in pairs}
    return mapping


def test_mushroom_shape_counts_and_names():
    bunch = load_mushroom()
    assert bunch.data.shape == (8124, 22)
    assert bunch.data.dtype == object
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [3916, 4208]
    assert list(bunch.target_names) == ["poisonous", "edible"]
    assert len(bunch.feature_names) == 22
    assert bunch.feature_names[0] == "cap-shape"
    assert bunch.feature_names[10] == "stalk-root"
    assert "Schlimmer" in bunch.DESCR and "10.24432/C5959T" in bunch.DESCR
    assert "CC BY 4.0" in bunch.DESCR


def test_mushroom_missing_values_only_in_stalk_root():
    data = load_mushroom().data
    missing = np.array([[v is np.nan for v in row] for row in data])
    assert missing.sum() == 2480
    assert missing[:, 10].sum() == 2480
    others = data[~missing]
    assert all(isinstance(value, str) and len(value) > 1 for value in others)


def test_mushroom_values_are_decoded():
    bunch = load_mushroom()
    odor = bunch.data[:, bunch.feature_names.index("odor")]
    assert "foul" in set(odor)
    assert set(odor) <= {
        "almond", "anise", "creosote", "fishy", "foul", "musty", "none",
        "pungent", "spicy",
    }  # fmt: skip
    veil = bunch.data[:, bunch.feature_names.index("veil-type")]
    assert set(veil) == {"partial"}


def test_mushroom_reproduces_published_odor_rule():
    # agaricus-lepiota.names: "odor=NOT(almond.OR.anise.OR.none)" predicts
    # poisonous and misses 120 poisonous cases, with no false alarm
    bunch = load_mushroom()
    odor = bunch.data[:, bunch.feature_names.index("odor")]
    predicted_edible = np.isin(odor, ["almond", "anise", "none"])
    assert np.sum(predicted_edible & (bunch.target == 0)) == 120
    assert np.sum(~predicted_edible & (bunch.target == 1)) == 0


@_needs_folder("mushroom")
def test_mushroom_matches_original_file_and_names_key():
    folder = SHARED / "mushroom"
    mapping = _names_file_mapping(folder / "agaricus-lepiota.names")
    rows = [
        line.split(",")
        for line in (folder / "agaricus-lepiota.data").read_text().splitlines()
    ]
    bunch = load_mushroom()
    assert list(mapping) == bunch.feature_names
    expected_target = [1 if row[0] == "e" else 0 for row in rows]
    np.testing.assert_array_equal(bunch.target, expected_target)
    for j, name in enumerate(bunch.feature_names):
        # the key lists "missing=?", which the loader turns into np.nan
        key = {code: value for code, value in mapping[name].items() if code != "?"}
        expected = [key.get(row[j + 1], np.nan) for row in rows]
        got = bunch.data[:, j]
        for value, want in zip(got, expected):
            assert value == want or (value is np.nan and want is np.nan)


def test_mushroom_as_frame():
    pd = pytest.importorskip("pandas")
    bunch = load_mushroom(as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert bunch.data.shape == (8124, 22)
    assert list(bunch.data.columns) == bunch.feature_names
    assert all(isinstance(t, pd.CategoricalDtype) for t in bunch.data.dtypes)
    assert bunch.data.isna().sum().sum() == 2480
    assert bunch.data["stalk-root"].isna().sum() == 2480
    assert "foul" in set(bunch.data["odor"].dropna())
    assert isinstance(bunch.target, pd.Series)
    assert bunch.frame.shape == (8124, 23)
    assert bunch.frame.columns[-1] == bunch.target.name
    array = load_mushroom()
    np.testing.assert_array_equal(bunch.target.to_numpy(), array.target)
    as_object = bunch.data.astype(object).where(bunch.data.notna(), np.nan)
    mask = ~pd.isna(array.data)
    np.testing.assert_array_equal(as_object.to_numpy()[mask], array.data[mask])


def test_mushroom_return_X_y_and_copies():
    X, y = load_mushroom(return_X_y=True)
    assert X.shape == (8124, 22) and y.shape == (8124,)
    X[:] = "garbage"
    y[:] = -1
    X2, y2 = load_mushroom(return_X_y=True)
    assert X2[0, 0] == "convex"
    assert y2.min() == 0
    pd = pytest.importorskip("pandas")
    Xf, yf = load_mushroom(return_X_y=True, as_frame=True)
    assert isinstance(Xf, pd.DataFrame) and isinstance(yf, pd.Series)


# --------------------------------------------------------------------------
# Spambase


def test_spambase_shape_counts_and_names():
    bunch = load_spambase()
    assert bunch.data.shape == (4601, 57)
    assert bunch.data.dtype == np.float64
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [2788, 1813]
    assert list(bunch.target_names) == ["not spam", "spam"]
    names = bunch.feature_names
    assert len(names) == 57 == len(set(names))
    assert names[0] == "word_freq_make"
    assert names[47] == "word_freq_conference"
    assert names[51] == "char_freq_!"
    assert names[-1] == "capital_run_length_total"
    assert "10.24432/C53G6X" in bunch.DESCR and "CC BY 4.0" in bunch.DESCR


def test_spambase_matches_published_statistics():
    # "Attribute Statistics" table of spambase.DOCUMENTATION (rounded there)
    X = load_spambase().data
    assert X.min() == 0
    np.testing.assert_allclose(X[:, 18].mean(), 1.6621, atol=1e-4)  # "you"
    np.testing.assert_allclose(X[:, 54].max(), 1102.5)
    np.testing.assert_allclose(X[:, 56].mean(), 283.29, atol=5e-3)
    np.testing.assert_allclose(X[:, 56].std(ddof=1), 606.35, atol=5e-3)


@_needs_folder("spambase")
def test_spambase_matches_original_file():
    raw = np.loadtxt(SHARED / "spambase" / "spambase.data", delimiter=",")
    X, y = load_spambase(return_X_y=True)
    np.testing.assert_array_equal(X, raw[:, :-1])
    np.testing.assert_array_equal(y, raw[:, -1])
    names_text = (SHARED / "spambase" / "spambase.names").read_text()
    names = re.findall(r"^(\S+):\s+continuous\.", names_text, flags=re.M)
    assert names == load_spambase().feature_names


def test_spambase_as_frame_return_X_y_and_copies():
    pd = pytest.importorskip("pandas")
    bunch = load_spambase(as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == bunch.feature_names
    assert (bunch.data.dtypes == np.float64).all()
    assert bunch.frame.shape == (4601, 58)
    assert int(bunch.frame[bunch.target.name].sum()) == 1813
    X, y = load_spambase(return_X_y=True)
    X[:] = -1.0
    assert load_spambase().data.min() == 0


@pytest.mark.parametrize("loader", [load_mushroom, load_spambase])
def test_loaders_validate_parameters(loader):
    with pytest.raises(InvalidParameterError, match="as_frame"):
        loader(as_frame="yes")
    with pytest.raises(InvalidParameterError, match="return_X_y"):
        loader(return_X_y=None)


def test_bundled_file_checksum_is_enforced(monkeypatch):
    monkeypatch.setattr(_spambase, "_DATA_SHA256", "0" * 64)
    _spambase._parsed.cache_clear()
    try:
        with pytest.raises(OSError, match="spambase.data.gz is damaged"):
            load_spambase()
    finally:
        _spambase._parsed.cache_clear()


# --------------------------------------------------------------------------
# IDX parser


@pytest.mark.parametrize(
    "code, dtype", [(0x08, "u1"), (0x09, "i1"), (0x0B, ">i2"), (0x0C, ">i4"),
                    (0x0D, ">f4"), (0x0E, ">f8")]
)  # fmt: skip
def test_parse_idx_roundtrip(code, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    payload = struct.pack(">HBB3I", 0, code, 3, 2, 3, 4) + array.tobytes()
    parsed = _parse_idx(payload)
    assert parsed.shape == (2, 3, 4)
    np.testing.assert_array_equal(parsed, array)


def test_parse_idx_rejects_bad_input():
    good = _idx_bytes(np.zeros((2, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"f\.idx: bad IDX magic"):
        _parse_idx(b"\x01" + good[1:], name="f.idx")
    with pytest.raises(ValueError, match="bad IDX magic"):
        _parse_idx(good[:2] + b"\x07" + good[3:])
    with pytest.raises(ValueError, match="truncated"):
        _parse_idx(good[:-1])
    with pytest.raises(ValueError, match="truncated"):
        _parse_idx(good + b"\x00")
    with pytest.raises(ValueError, match="truncated IDX header"):
        _parse_idx(good[:6])
    with pytest.raises(ValueError, match="too short"):
        _parse_idx(b"\x00")


def test_read_idx_gz_checks_dimensions_type_and_stream(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(_idx_bytes(np.zeros((3, 27, 28), np.uint8))))
    with pytest.raises(ValueError, match=r"images\.gz .*dimensions \(3, 27, 28\)"):
        _read_idx_gz(path, shape_tail=(28, 28))
    assert _read_idx_gz(path, shape_tail=(27, 28)).shape == (3, 27, 28)
    with pytest.raises(ValueError, match="element type"):
        _read_idx_gz(path, shape_tail=(27, 28), dtype=np.int32)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(path.read_bytes()[:30])
    with pytest.raises(ValueError, match=r"cut\.gz .*not a complete gzip"):
        _read_idx_gz(cut, shape_tail=(27, 28))


# --------------------------------------------------------------------------
# MNIST-style fetchers on small generated files


def test_fetch_reads_generated_files(tmp_path, monkeypatch):
    files, images, labels = _fake_mnist_files(7)
    _accept_checksums(monkeypatch, files)
    _write_files(tmp_path / "mnist", files)
    bunch = fetch_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    assert bunch.data.shape == (7, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (7, 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    np.testing.assert_array_equal(bunch.images, images.astype(np.float32) / 255)
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(bunch.target, labels)
    assert bunch.feature_names[29] == "pixel_1_1"
    X, y = fetch_mnist(data_home=str(tmp_path), subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)


def test_fetch_offline_missing_file_never_touches_network(tmp_path):
    with pytest.raises(OSError, match="t10k-images-idx3-ubyte.gz not found") as info:
        fetch_mnist(data_home=tmp_path, subset="test", download_if_missing=False)
    assert str(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz") in str(info.value)
    with pytest.raises(OSError, match="fashion-mnist"):
        fetch_fashion_mnist(data_home=tmp_path, download_if_missing=False)
    assert list(tmp_path.iterdir()) == []


def test_fetch_checksum_mismatch_names_file(tmp_path):
    files, _, _ = _fake_mnist_files(3)
    _write_files(tmp_path / "mnist", files)
    with pytest.raises(OSError, match="Checksum mismatch for t10k-images-idx3"):
        fetch_mnist(data_home=tmp_path, subset="test", download_if_missing=False)


def test_fetch_truncated_idx_names_file(tmp_path, monkeypatch):
    files, _, _ = _fake_mnist_files(3)
    raw = gzip.decompress(files["t10k-labels-idx1-ubyte.gz"])
    files["t10k-labels-idx1-ubyte.gz"] = gzip.compress(raw[:-1])
    _accept_checksums(monkeypatch, files)
    _write_files(tmp_path / "mnist", files)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz.*truncated"):
        fetch_mnist(data_home=tmp_path, subset="test")


def test_fetch_inconsistent_split_is_an_error(tmp_path, monkeypatch):
    files, _, _ = _fake_mnist_files(3)
    files["t10k-labels-idx1-ubyte.gz"] = gzip.compress(
        _idx_bytes(np.zeros(4, dtype=np.uint8))
    )
    _accept_checksums(monkeypatch, files)
    _write_files(tmp_path / "mnist", files)
    with pytest.raises(ValueError, match="3 images but 4 labels"):
        fetch_mnist(data_home=tmp_path, subset="test")


def test_download_goes_through_temporary_file(tmp_path, monkeypatch):
    files, images, _ = _fake_mnist_files(5)
    _accept_checksums(monkeypatch, files)
    requested = []

    def serve(url, handle):
        requested.append(url)
        if url.startswith(_mnist._MNIST["mirrors"][0]):
            handle.write(b"partial")
            raise ConnectionError("mirror down")
        handle.write(files[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(_base, "_stream_url", serve)
    bunch = fetch_mnist(data_home=tmp_path, subset="test")
    np.testing.assert_array_equal(bunch.images, images / np.float32(255))
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(files)
    # the first mirror failed, the second served each file
    assert len(requested) == 4
    assert requested[1] == (_mnist._MNIST["mirrors"][1] + "t10k-images-idx3-ubyte.gz")


def test_failed_download_leaves_nothing_behind(tmp_path, monkeypatch):
    def garbage(url, handle):
        handle.write(b"this is not the file you are looking for")

    monkeypatch.setattr(_base, "_stream_url", garbage)
    with pytest.raises(OSError, match="Could not download t10k-images") as info:
        fetch_mnist(data_home=tmp_path, subset="test")
    assert "Checksum mismatch" in str(info.value)
    assert list((tmp_path / "mnist").iterdir()) == []

    def interrupted(url, handle):
        handle.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(_base, "_stream_url", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_fashion_mnist(data_home=tmp_path, subset="train")
    assert list((tmp_path / "fashion-mnist").iterdir()) == []


@pytest.mark.parametrize("fetch", [fetch_mnist, fetch_fashion_mnist, fetch_cifar10])
def test_unknown_subset(fetch, tmp_path):
    with pytest.raises(InvalidParameterError, match="subset"):
        fetch(data_home=tmp_path, subset="validation")
    with pytest.raises(InvalidParameterError, match="data_home"):
        fetch(data_home=3)


def test_data_home_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("SKADV_DATA", str(tmp_path))
    assert _base._get_data_home() == tmp_path
    assert _base._get_data_home(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("SKADV_DATA")
    assert _base._get_data_home() == Path("~/skadv_data").expanduser()


# --------------------------------------------------------------------------
# MNIST and Fashion-MNIST, the real files


@pytest.fixture(scope="module")
def mnist_train():
    if SHARED is None:
        pytest.skip("no shared data folder")
    return fetch_mnist(data_home=SHARED, download_if_missing=False)


@pytest.fixture(scope="module")
def mnist_test():
    if SHARED is None:
        pytest.skip("no shared data folder")
    return fetch_mnist(data_home=SHARED, subset="test", download_if_missing=False)


def test_mnist_train(mnist_train):
    assert mnist_train.data.shape == (60000, 784)
    assert mnist_train.images.shape == (60000, 28, 28)
    assert mnist_train.data.dtype == np.float32
    assert mnist_train.target.dtype == np.int64
    assert np.bincount(mnist_train.target).tolist() == MNIST_TRAIN_COUNTS
    assert mnist_train.data.min() == 0 and mnist_train.data.max() == 1
    np.testing.assert_allclose(mnist_train.data.mean(dtype=np.float64) * 255, 33.318,
                               atol=1e-3)  # fmt: skip
    assert list(mnist_train.target_names) == [str(d) for d in range(10)]
    assert "10.1109/5.726791" in mnist_train.DESCR


def test_mnist_test(mnist_test):
    assert mnist_test.data.shape == (10000, 784)
    assert np.bincount(mnist_test.target).tolist() == MNIST_TEST_COUNTS
    np.testing.assert_allclose(mnist_test.data.mean(dtype=np.float64) * 255, 33.791,
                               atol=1e-3)  # fmt: skip


def test_mnist_all_is_train_then_test(mnist_train, mnist_test, monkeypatch):
    monkeypatch.setenv("SKADV_DATA", str(SHARED))
    X, y = fetch_mnist(subset="all", return_X_y=True, download_if_missing=False)
    assert X.shape == (70000, 784)
    np.testing.assert_array_equal(y[:60000], mnist_train.target)
    np.testing.assert_array_equal(y[60000:], mnist_test.target)
    np.testing.assert_array_equal(X[[0, 59999]], mnist_train.data[[0, 59999]])
    np.testing.assert_array_equal(X[[60000, -1]], mnist_test.data[[0, -1]])


@needs_shared
def test_mnist_corrupted_copy_fails_checksum(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (folder / name).write_bytes((SHARED / "mnist" / name).read_bytes())
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    payload = bytearray(labels.read_bytes())
    payload[100] ^= 0xFF
    labels.write_bytes(bytes(payload))
    with pytest.raises(OSError, match=r"Checksum mismatch for t10k-labels") as info:
        fetch_mnist(data_home=tmp_path, subset="test")
    assert str(labels) in str(info.value)
    # a truncated copy fails the same way, before any parsing
    labels.write_bytes((SHARED / "mnist" / labels.name).read_bytes()[:1000])
    with pytest.raises(OSError, match="Checksum mismatch for t10k-labels"):
        fetch_mnist(data_home=tmp_path, subset="test")


@needs_shared
def test_fashion_mnist_test():
    bunch = fetch_fashion_mnist(
        data_home=SHARED, subset="test", download_if_missing=False
    )
    assert bunch.data.shape == (10000, 784) and bunch.data.dtype == np.float32
    assert np.bincount(bunch.target).tolist() == [1000] * 10
    np.testing.assert_allclose(bunch.data.mean(dtype=np.float64) * 255, 73.147,
                               atol=1e-3)  # fmt: skip
    assert bunch.target_names[0] == "T-shirt/top"
    assert bunch.target_names[9] == "Ankle boot"
    assert "Zalando" in bunch.DESCR


# --------------------------------------------------------------------------
# CIFAR-10 on small generated archives


def _cifar_batches(n_per_batch=3, seed=0):
    """{member name: bytes} in the binary CIFAR-10 layout, and the arrays."""
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    members, all_images, all_labels = {}, [], []
    for name in names:
        images = rng.integers(0, 256, size=(n_per_batch, 3, 32, 32), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n_per_batch, dtype=np.uint8)
        records = b"".join(
            bytes([label]) + image.tobytes() for label, image in zip(labels, images)
        )
        members[f"cifar-10-batches-bin/{name}"] = records
        all_images.append(images)
        all_labels.append(labels)
    return members, np.concatenate(all_images), np.concatenate(all_labels)


def _tar_gz(members, symlinks=()):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        for name, target in symlinks:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def _place_archive(tmp_path, monkeypatch, archive):
    folder = tmp_path / "cifar-10"
    folder.mkdir(exist_ok=True)
    (folder / "cifar-10-binary.tar.gz").write_bytes(archive)
    monkeypatch.setattr(_cifar, "_ARCHIVE_MD5", _md5(archive))
    return folder


def test_cifar10_published_checksum():
    assert _cifar._ARCHIVE_MD5 == "c32a1d4ab5d03f1284b67883e8d87530"


def test_cifar10_reads_binary_archive(tmp_path, monkeypatch):
    members, images, labels = _cifar_batches()
    folder = _place_archive(tmp_path, monkeypatch, _tar_gz(members))
    bunch = fetch_cifar10(data_home=tmp_path, subset="all", download_if_missing=False)
    assert bunch.data.shape == (18, 3072) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (18, 3, 32, 32)
    assert np.shares_memory(bunch.images, bunch.data)
    np.testing.assert_array_equal(bunch.images, images / np.float32(255))
    np.testing.assert_array_equal(bunch.target, labels)
    assert bunch.target.dtype == np.int64
    assert bunch.feature_names[1024] == "green_0_0"
    assert bunch.target_names[3] == "cat"

    X_train, y_train = fetch_cifar10(data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X_train, bunch.data[:15])
    X_test, y_test = fetch_cifar10(data_home=tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(y_test, labels[15:])

    # once extracted, the archive is no longer needed
    (folder / "cifar-10-binary.tar.gz").unlink()
    again = fetch_cifar10(data_home=tmp_path, subset="test")
    np.testing.assert_array_equal(again.data, bunch.data[15:])
    extracted = sorted(p.name for p in (folder / "cifar-10-batches-bin").iterdir())
    assert extracted == sorted(name.split("/")[1] for name in members)


def test_cifar10_checksum_mismatch(tmp_path, monkeypatch):
    members, _, _ = _cifar_batches(1)
    folder = _place_archive(tmp_path, monkeypatch, _tar_gz(members))
    monkeypatch.setattr(_cifar, "_ARCHIVE_MD5", "0" * 32)
    with pytest.raises(OSError, match="Checksum mismatch for cifar-10-binary"):
        fetch_cifar10(data_home=tmp_path)
    assert not (folder / "cifar-10-batches-bin").exists()


@pytest.mark.parametrize("bad_name", ["../evil.bin", "/tmp/skadv-evil.bin"])
def test_cifar10_rejects_unsafe_members(tmp_path, monkeypatch, bad_name):
    members, _, _ = _cifar_batches(1)
    members[bad_name] = b"x"
    _place_archive(tmp_path, monkeypatch, _tar_gz(members))
    with pytest.raises(ValueError, match="unsafe member path"):
        fetch_cifar10(data_home=tmp_path)
    assert not (tmp_path / "evil.bin").exists()
    assert list((tmp_path / "cifar-10" / "cifar-10-batches-bin").iterdir()) == []


def test_cifar10_rejects_links_in_place_of_batches(tmp_path, monkeypatch):
    members, _, _ = _cifar_batches(1)
    del members["cifar-10-batches-bin/test_batch.bin"]
    links = [("cifar-10-batches-bin/test_batch.bin", "/etc/passwd")]
    _place_archive(tmp_path, monkeypatch, _tar_gz(members, links))
    with pytest.raises(ValueError, match="lacks the regular files"):
        fetch_cifar10(data_home=tmp_path, subset="test")


def test_cifar10_truncated_or_foreign_batch(tmp_path, monkeypatch):
    members, _, _ = _cifar_batches(2)
    members["cifar-10-batches-bin/test_batch.bin"] = members[
        "cifar-10-batches-bin/test_batch.bin"
    ][:-5]
    _place_archive(tmp_path, monkeypatch, _tar_gz(members))
    with pytest.raises(ValueError, match=r"test_batch\.bin .*truncated"):
        fetch_cifar10(data_home=tmp_path, subset="test")
    members["cifar-10-batches-bin/test_batch.bin"] = bytes([10]) + bytes(3072)
    _place_archive(tmp_path, monkeypatch, _tar_gz(members))
    with pytest.raises(ValueError, match="labels above 9"):
        fetch_cifar10(data_home=tmp_path, subset="test")


def test_cifar10_not_a_tarball(tmp_path, monkeypatch):
    _place_archive(tmp_path, monkeypatch, gzip.compress(b"not a tar"))
    with pytest.raises(ValueError, match="not a valid tar.gz"):
        fetch_cifar10(data_home=tmp_path)


def test_cifar10_offline_and_download(tmp_path, monkeypatch):
    with pytest.raises(OSError, match="cifar-10-binary.tar.gz not found"):
        fetch_cifar10(data_home=tmp_path, download_if_missing=False)
    assert list(tmp_path.iterdir()) == []

    members, images, _ = _cifar_batches(2)
    archive = _tar_gz(members)
    monkeypatch.setattr(_cifar, "_ARCHIVE_MD5", _md5(archive))
    monkeypatch.setattr(_base, "_stream_url", lambda url, handle: handle.write(archive))
    X, _ = fetch_cifar10(data_home=tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(
        X.reshape(-1, 3, 32, 32), images[10:] / np.float32(255)
    )
    leftovers = [p for p in (tmp_path / "cifar-10").rglob("*") if ".part" in p.name]
    assert leftovers == []
    assert os.path.getsize(tmp_path / "cifar-10" / "cifar-10-binary.tar.gz") == len(
        archive
    )
