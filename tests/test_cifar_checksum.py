"""fetch_cifar10 verifies extracted batch files before it trusts them.

The archive's published md5 covers the download; the sha256 of each batch,
recorded from the verified archive at extraction, covers the extracted files
on every later read.
"""

import hashlib
import io
import tarfile

import numpy as np
import pytest

from skadv.datasets import _cifar, fetch_cifar10

_NAMES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


def _archive(seed=0, n_per_batch=2):
    """A small tar.gz in the binary CIFAR-10 layout, and the images it holds."""
    rng = np.random.default_rng(seed)
    buffer, images = io.BytesIO(), {}
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in _NAMES:
            pixels = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
            labels = rng.integers(0, 10, size=n_per_batch, dtype=np.uint8)
            payload = np.column_stack([labels, pixels]).astype(np.uint8).tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
            images[name] = pixels / np.float32(255)
    return buffer.getvalue(), images


@pytest.fixture
def extracted(tmp_path, monkeypatch):
    """data_home after one successful fetch, with the archive still in place."""
    archive, images = _archive()
    folder = tmp_path / "cifar-10"
    folder.mkdir()
    (folder / "cifar-10-binary.tar.gz").write_bytes(archive)
    monkeypatch.setattr(_cifar, "_ARCHIVE_MD5", hashlib.md5(archive).hexdigest())
    X = fetch_cifar10(data_home=tmp_path, subset="test", return_X_y=True)[0]
    np.testing.assert_array_equal(X, images["test_batch.bin"])
    return tmp_path, images


def _corrupt(path):
    payload = bytearray(path.read_bytes())
    payload[100] ^= 0xFF  # one pixel byte: size and labels still look valid
    path.write_bytes(bytes(payload))


def _batch(data_home, name="test_batch.bin"):
    return data_home / "cifar-10" / "cifar-10-batches-bin" / name


def test_manifest_records_the_archive_bytes(extracted):
    data_home, _ = extracted
    manifest = (data_home / "cifar-10" / "cifar-10-batches-bin.sha256").read_text()
    for name in _NAMES:
        digest = hashlib.sha256(_batch(data_home, name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in manifest.splitlines()
    # the manifest lives beside the batch folder, never in it
    assert sorted(p.name for p in _batch(data_home).parent.iterdir()) == sorted(_NAMES)


def test_corrupted_batch_is_extracted_again(extracted):
    data_home, images = extracted
    _corrupt(_batch(data_home))
    X, _ = fetch_cifar10(data_home=data_home, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, images["test_batch.bin"])
    # the damaged file was replaced by the archive's copy
    X_again, _ = fetch_cifar10(
        data_home=data_home, subset="test", return_X_y=True, download_if_missing=False
    )
    np.testing.assert_array_equal(X_again, images["test_batch.bin"])


def test_corrupted_batch_without_archive_is_a_clear_error(extracted):
    data_home, _ = extracted
    (data_home / "cifar-10" / "cifar-10-binary.tar.gz").unlink()
    # intact batches are still read without the archive
    fetch_cifar10(data_home=data_home, subset="test", download_if_missing=False)
    _corrupt(_batch(data_home, "data_batch_3.bin"))
    with pytest.raises(OSError, match=r"data_batch_3\.bin .*sha256.*corrupted"):
        fetch_cifar10(data_home=data_home, download_if_missing=False)
    # the test split does not read the damaged training batch
    fetch_cifar10(data_home=data_home, subset="test", download_if_missing=False)


@pytest.mark.parametrize("damage", ["delete", "truncate", "garble", "other archive"])
def test_unverifiable_batches_are_extracted_again(extracted, monkeypatch, damage):
    data_home, images = extracted
    manifest = data_home / "cifar-10" / "cifar-10-batches-bin.sha256"
    _corrupt(_batch(data_home))
    if damage == "delete":
        manifest.unlink()
    elif damage == "truncate":
        manifest.write_text(manifest.read_text()[:-30])
    elif damage == "garble":
        manifest.write_bytes(b"\xff\xfe not a manifest")
    else:
        # a manifest written for another archive vouches for nothing here
        text = manifest.read_text().replace(_cifar._ARCHIVE_MD5, "0" * 32)
        manifest.write_text(text)
    X, _ = fetch_cifar10(data_home=data_home, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, images["test_batch.bin"])


def test_batches_extracted_by_hand_need_the_archive(tmp_path, monkeypatch):
    # Files put in place without going through fetch_cifar10 (no manifest)
    # cannot be checked, so they are not trusted.
    archive, images = _archive(seed=1)
    monkeypatch.setattr(_cifar, "_ARCHIVE_MD5", hashlib.md5(archive).hexdigest())
    batch_dir = tmp_path / "cifar-10" / "cifar-10-batches-bin"
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        batch_dir.mkdir(parents=True)
        for name in _NAMES:
            member = tar.extractfile(f"cifar-10-batches-bin/{name}")
            (batch_dir / name).write_bytes(member.read())
    with pytest.raises(OSError, match="no valid checksum manifest"):
        fetch_cifar10(data_home=tmp_path, subset="test", download_if_missing=False)
    (tmp_path / "cifar-10" / "cifar-10-binary.tar.gz").write_bytes(archive)
    X, _ = fetch_cifar10(
        data_home=tmp_path, subset="test", return_X_y=True, download_if_missing=False
    )
    np.testing.assert_array_equal(X, images["test_batch.bin"])
