"""The UCI Spambase dataset, bundled with the package."""

import functools
import io

import numpy as np
from sklearn.utils._param_validation import validate_params

from skadv.datasets._base import _bunch_or_tuple, _read_bundled

_DATA_FILE = "spambase.data.gz"
# sha256 of the original, uncompressed spambase.data
_DATA_SHA256 = "b1ef93de71f97714d3d7d4f58fc9f718da7bbc8ac8a150eff2778616a8097b12"

_WORDS = (
    "make", "address", "all", "3d", "our", "over", "remove", "internet", "order",
    "mail", "receive", "will", "people", "report", "addresses", "free",
    "business", "email", "you", "credit", "your", "font", "000", "money", "hp",
    "hpl", "george", "650", "lab", "labs", "telnet", "857", "data", "415", "85",
    "technology", "1999", "parts", "pm", "direct", "cs", "meeting", "original",
    "project", "re", "edu", "table", "conference",
)  # fmt: skip
_CHARS = (";", "(", "[", "!", "$", "#")
# column order of spambase.data, as listed in spambase.names
_FEATURE_NAMES = (
    [f"word_freq_{word}" for word in _WORDS]
    + [f"char_freq_{char}" for char in _CHARS]
    + [
        "capital_run_length_average",
        "capital_run_length_longest",
        "capital_run_length_total",
    ]
)
_TARGET_NAMES = ("not spam", "spam")


@functools.cache
def _parsed():
    """(data, target) parsed once per process; callers must copy them."""
    payload = _read_bundled(_DATA_FILE, _DATA_SHA256)
    table = np.loadtxt(io.BytesIO(payload), delimiter=",", dtype=np.float64)
    if table.shape[1] != len(_FEATURE_NAMES) + 1:
        raise ValueError(f"Bundled spambase data has shape {table.shape}")
    labels = table[:, -1]
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("Bundled spambase labels are not all 0 or 1")
    data = np.ascontiguousarray(table[:, :-1])
    target = labels.astype(np.int64)
    data.setflags(write=False)
    target.setflags(write=False)
    return data, target


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_spambase(*, return_X_y=False, as_frame=False):
    """Load the UCI Spambase dataset (binary classification, real features).

    4601 e-mails described by 57 continuous attributes: 48 word frequencies,
    6 character frequencies (both in percent) and 3 statistics of runs of
    capital letters. The target says whether the e-mail is spam.

    =================   ==============
    Classes                          2
    Samples per class   1813 spam,
                        2788 not spam
    Samples total                 4601
    Dimensionality                  57
    Features            real, positive
    =================   ==============

    Read more in ``DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame, ``target`` a pandas Series,
        and the Bunch also holds ``frame`` with both. Requires pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (4601, 57), dtype float64, or DataFrame
            The attribute values.
        target : ndarray of shape (4601,), dtype int64, or Series
            1 for spam, 0 otherwise.
        feature_names : list of str
            ``"word_freq_make"`` ... ``"capital_run_length_total"``.
        target_names : ndarray of str
            ``["not spam", "spam"]``.
        frame : DataFrame of shape (4601, 58)
            Only present when ``as_frame=True``: data and target together.
        DESCR : str
            Description, provenance, citation and license.

    (data, target) : tuple if ``return_X_y`` is True
        The arrays (or DataFrame and Series) described above.

    Examples
    --------
    >>> from skadv.datasets import load_spambase
    >>> X, y = load_spambase(return_X_y=True)
    >>> X.shape, X.dtype
    ((4601, 57), dtype('float64'))
    >>> int(y.sum())
    1813
    >>> load_spambase().feature_names[-1]
    'capital_run_length_total'
    """
    cached_data, cached_target = _parsed()
    # the cache is shared by every caller, so hand out writable copies
    data, target = cached_data.copy(), cached_target.copy()
    frame = None
    if as_frame:
        import pandas as pd

        data = pd.DataFrame(data, columns=list(_FEATURE_NAMES))
        target = pd.Series(target, name="spam")
        frame = pd.concat([data, target], axis=1)
    return _bunch_or_tuple(
        data,
        target,
        frame,
        return_X_y=return_X_y,
        feature_names=_FEATURE_NAMES,
        target_names=_TARGET_NAMES,
        descr="spambase.rst",
    )
