"""Reader for the IDX format of the MNIST family of datasets.

An IDX file is a 4-byte magic number -- two zero bytes, a type code, the number
of dimensions -- followed by one big-endian uint32 per dimension and the
row-major payload, itself big-endian.
"""

import struct
from pathlib import Path

import numpy as np

from skadv.datasets._base import _read_gzip

# IDX type code -> numpy dtype of one (big-endian) element
_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _parse_idx(payload, *, name="<bytes>"):
    """Array stored in the IDX bytes `payload`.

    Parameters
    ----------
    payload : bytes
        Whole content of an (uncompressed) IDX file.
    name : str, default="<bytes>"
        Name used in error messages.

    Returns
    -------
    array : ndarray
        Read-only view of `payload` with the shape and type of its header.

    Raises
    ------
    ValueError
        On a bad magic number, or a payload that is shorter or longer than
        the header announces.
    """
    if len(payload) < 4:
        raise ValueError(f"{name}: too short for an IDX header ({len(payload)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", payload[:4])
    if zero != 0 or type_code not in _IDX_DTYPES or ndim == 0:
        raise ValueError(
            f"{name}: bad IDX magic number 0x{payload[:4].hex()}; expected two "
            "zero bytes, a known type code and at least one dimension"
        )
    header_size = 4 + 4 * ndim
    if len(payload) < header_size:
        raise ValueError(f"{name}: truncated IDX header ({ndim} dimensions announced)")
    shape = struct.unpack(f">{ndim}I", payload[4:header_size])
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(payload) - header_size
    if actual != expected:
        raise ValueError(
            f"{name}: IDX payload has {actual} bytes but its header {shape} "
            f"announces {expected}; the file is truncated or corrupted"
        )
    return np.frombuffer(payload, dtype=dtype, offset=header_size).reshape(shape)


def _read_idx_gz(path, *, shape_tail=(), dtype=np.uint8):
    """Array of a gzip-compressed IDX file.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.gz`` file.
    shape_tail : tuple of int, default=()
        Required dimensions after the first one, e.g. ``(28, 28)`` for
        images and ``()`` for labels.
    dtype : numpy dtype, default=np.uint8
        Required element type.

    Returns
    -------
    array : ndarray
        Read-only array with shape ``(n, *shape_tail)``.

    Raises
    ------
    ValueError
        When the file is not valid IDX or has other dimensions or type.
    """
    path = Path(path)
    array = _parse_idx(_read_gzip(path), name=f"{path.name} at {path}")
    if array.shape[1:] != tuple(shape_tail):
        raise ValueError(
            f"{path.name} at {path}: IDX dimensions {array.shape}, expected "
            f"{('n', *shape_tail)}"
        )
    if array.dtype != np.dtype(dtype):
        raise ValueError(
            f"{path.name} at {path}: IDX element type {array.dtype}, expected "
            f"{np.dtype(dtype)}"
        )
    return array
