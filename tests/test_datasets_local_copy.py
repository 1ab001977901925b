"""``checksums``: fetch_mnist and fetch_fashion_mnist on a local, unpublished copy.

The copy is the synthetic one of ``_synthetic_idx``; its files go through the
real IDX reader. Downloads must stay bound to the published md5 whatever the
caller passes.
"""

import gzip

import numpy as np
import pytest
from _synthetic_idx import write_data_home
from sklearn.utils._param_validation import InvalidParameterError

from skadv.datasets import _base, fetch_fashion_mnist, fetch_mnist
from skadv.datasets._idx import _parse_idx

LOADERS = {"mnist": fetch_mnist, "fashion-mnist": fetch_fashion_mnist}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(url, handle):
        raise AssertionError(f"unexpected network access to {url}")

    monkeypatch.setattr(_base, "_stream_url", refuse)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    folder = tmp_path_factory.mktemp("home")
    md5sums = write_data_home(folder, n_train=30, n_test=20)
    table = {}
    for line in md5sums.read_text().splitlines():
        digest, name = line.split("  ")
        dataset, file_name = name.split("/")
        table.setdefault(dataset, {})[file_name] = digest
    return folder, table


def _raw(folder, name):
    return _parse_idx(gzip.decompress((folder / name).read_bytes()))


@pytest.mark.parametrize("dataset", sorted(LOADERS))
def test_vouched_local_copy_is_read_through_the_real_parser(home, dataset):
    folder, table = home
    X, y = LOADERS[dataset](
        data_home=folder,
        subset="all",
        return_X_y=True,
        download_if_missing=False,
        checksums=table[dataset],
    )
    images = np.concatenate(
        [_raw(folder / dataset, f"{s}-images-idx3-ubyte.gz") for s in ("train", "t10k")]
    )
    labels = np.concatenate(
        [_raw(folder / dataset, f"{s}-labels-idx1-ubyte.gz") for s in ("train", "t10k")]
    )
    assert X.shape == (50, 784) and X.dtype == np.float32
    np.testing.assert_array_equal(X, images.reshape(50, -1) / np.float32(255))
    np.testing.assert_array_equal(y, labels)
    assert set(y[:30]) == set(range(10))


def test_without_checksums_the_published_md5_is_enforced(home):
    folder, _ = home
    with pytest.raises(OSError, match="Checksum mismatch for t10k-images"):
        fetch_mnist(data_home=folder, subset="test", download_if_missing=False)


def test_a_wrong_local_digest_is_a_mismatch(home):
    folder, table = home
    checksums = dict(table["mnist"], **{"t10k-labels-idx1-ubyte.gz": "0" * 32})
    with pytest.raises(OSError, match="Checksum mismatch for t10k-labels.*0{32}"):
        fetch_mnist(data_home=folder, subset="test", checksums=checksums)


def test_files_not_named_keep_the_published_md5(home):
    folder, table = home
    only_images = {
        "t10k-images-idx3-ubyte.gz": table["mnist"]["t10k-images-idx3-ubyte.gz"]
    }
    with pytest.raises(OSError, match="Checksum mismatch for t10k-labels"):
        fetch_mnist(data_home=folder, subset="test", checksums=only_images)


def test_upper_case_digests_are_accepted(home):
    folder, table = home
    checksums = {k: v.upper() for k, v in table["mnist"].items()}
    X, _ = fetch_mnist(
        data_home=folder, subset="test", return_X_y=True, checksums=checksums
    )
    assert X.shape == (20, 784)


IMAGES = "t10k-images-idx3-ubyte.gz"


@pytest.mark.parametrize(
    "checksums, error, match",
    [
        ({"x.gz": "0" * 32}, ValueError, r"checksums names unknown.*'x\.gz'"),
        ({IMAGES: "abc"}, ValueError, r"checksums\['t10k-images.*'abc'"),
        ({IMAGES: None}, ValueError, r"checksums\['t10k-images.*None"),
        ({IMAGES: "g" * 32}, ValueError, "32 hexadecimal"),
        ([IMAGES], InvalidParameterError, "'checksums' parameter"),
        ("0" * 32, InvalidParameterError, "'checksums' parameter"),
    ],
)
def test_bad_checksums_are_rejected_before_reading(home, checksums, error, match):
    folder, _ = home
    with pytest.raises(error, match=match):
        fetch_fashion_mnist(data_home=folder, subset="test", checksums=checksums)


def test_a_download_is_checked_against_the_published_md5(tmp_path, monkeypatch, home):
    # a caller's digest never vouches for downloaded bytes: the synthetic file
    # served by a "mirror" is refused although its md5 was passed in
    folder, table = home
    served = (folder / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (tmp_path / "mnist").mkdir()
    images = "t10k-images-idx3-ubyte.gz"
    (tmp_path / "mnist" / images).write_bytes((folder / "mnist" / images).read_bytes())

    def serve(url, handle):
        handle.write(served)

    monkeypatch.setattr(_base, "_stream_url", serve)
    with pytest.raises(OSError, match="Could not download t10k-labels"):
        fetch_mnist(data_home=tmp_path, subset="test", checksums=table["mnist"])
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == [images]
