"""Tiny synthetic stand-ins for MNIST and Fashion-MNIST, in the original layout.

The files are gzip-compressed IDX, written here independently of the reader in
``skadv.datasets._idx``, so that code reading them goes through the real parser
and the real loaders. Their md5 digests are those of these files, not the
published ones; a data home written here therefore carries an ``MD5SUMS`` file
(the format of ``md5sum``) that vouches for them explicitly.
"""

import gzip
import hashlib
import struct

import numpy as np

FOLDERS = ("mnist", "fashion-mnist")
SIDE = 28
N_CLASSES = 10


def idx_bytes(array):
    """IDX encoding of a uint8 array: magic, big-endian sizes, payload."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def synthetic_split(n, rng):
    """``(images (n, 28, 28), labels (n,))``, uint8, every class present.

    Each class lights a 7 x 7 block of its own over faint noise, so that a
    model can learn something even from a few hundred images.
    """
    labels = rng.permutation(np.arange(n) % N_CLASSES).astype(np.uint8)
    images = rng.integers(0, 40, size=(n, SIDE, SIDE), dtype=np.uint8)
    for label in range(N_CLASSES):
        row, col = divmod(label, 4)
        rows = slice(row * 7 + 3, row * 7 + 10)
        cols = slice(col * 7, col * 7 + 7)
        images[labels == label, rows, cols] = 255
    return images, labels


def write_data_home(home, n_train=300, n_test=100, seed=0):
    """Write both datasets under `home` and return the path of ``MD5SUMS``."""
    rng = np.random.default_rng(seed)
    lines = []
    for folder in FOLDERS:
        (home / folder).mkdir(parents=True, exist_ok=True)
        for stem, n in (("train", n_train), ("t10k", n_test)):
            images, labels = synthetic_split(n, rng)
            for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
                name = f"{folder}/{stem}-{kind}-ubyte.gz"
                payload = gzip.compress(idx_bytes(array), mtime=0)
                (home / name).write_bytes(payload)
                lines.append(f"{hashlib.md5(payload).hexdigest()}  {name}")
    md5sums = home / "MD5SUMS"
    md5sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md5sums
