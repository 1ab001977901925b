"""The UCI Mushroom dataset, bundled with the package."""

import functools

import numpy as np
from sklearn.utils._param_validation import validate_params

from skadv.datasets._base import _bunch_or_tuple, _read_bundled

_DATA_FILE = "agaricus-lepiota.data.gz"
# sha256 of the original, uncompressed agaricus-lepiota.data
_DATA_SHA256 = "e65d082030501a3ebcbcd7c9f7c71aa9d28fdfff463bf4cf4716a3fe13ac360e"
_MISSING_CODE = "?"

# (attribute name, {one-letter code: category}) in the column order of the file,
# as documented in agaricus-lepiota.names
# fmt: off
_ATTRIBUTES = (
    ("cap-shape", dict(b="bell", c="conical", x="convex", f="flat", k="knobbed",
                       s="sunken")),
    ("cap-surface", dict(f="fibrous", g="grooves", y="scaly", s="smooth")),
    ("cap-color", dict(n="brown", b="buff", c="cinnamon", g="gray", r="green",
                       p="pink", u="purple", e="red", w="white", y="yellow")),
    ("bruises?", dict(t="bruises", f="no")),
    ("odor", dict(a="almond", l="anise", c="creosote", y="fishy", f="foul",
                  m="musty", n="none", p="pungent", s="spicy")),
    ("gill-attachment", dict(a="attached", d="descending", f="free", n="notched")),
    ("gill-spacing", dict(c="close", w="crowded", d="distant")),
    ("gill-size", dict(b="broad", n="narrow")),
    ("gill-color", dict(k="black", n="brown", b="buff", h="chocolate", g="gray",
                        r="green", o="orange", p="pink", u="purple", e="red",
                        w="white", y="yellow")),
    ("stalk-shape", dict(e="enlarging", t="tapering")),
    ("stalk-root", dict(b="bulbous", c="club", u="cup", e="equal", z="rhizomorphs",
                        r="rooted")),
    ("stalk-surface-above-ring", dict(f="fibrous", y="scaly", k="silky",
                                      s="smooth")),
    ("stalk-surface-below-ring", dict(f="fibrous", y="scaly", k="silky",
                                      s="smooth")),
    ("stalk-color-above-ring", dict(n="brown", b="buff", c="cinnamon", g="gray",
                                    o="orange", p="pink", e="red", w="white",
                                    y="yellow")),
    ("stalk-color-below-ring", dict(n="brown", b="buff", c="cinnamon", g="gray",
                                    o="orange", p="pink", e="red", w="white",
                                    y="yellow")),
    ("veil-type", dict(p="partial", u="universal")),
    ("veil-color", dict(n="brown", o="orange", w="white", y="yellow")),
    ("ring-number", dict(n="none", o="one", t="two")),
    ("ring-type", dict(c="cobwebby", e="evanescent", f="flaring", l="large",
                       n="none", p="pendant", s="sheathing", z="zone")),
    ("spore-print-color", dict(k="black", n="brown", b="buff", h="chocolate",
                               r="green", o="orange", u="purple", w="white",
                               y="yellow")),
    ("population", dict(a="abundant", c="clustered", n="numerous", s="scattered",
                        v="several", y="solitary")),
    ("habitat", dict(g="grasses", l="leaves", m="meadows", p="paths", u="urban",
                     w="waste", d="woods")),
)
# fmt: on
_FEATURE_NAMES = [name for name, _ in _ATTRIBUTES]
# the paper (and this package) treat "edible" as the positive class
_CLASS_CODES = {"p": 0, "e": 1}
_TARGET_NAMES = ("poisonous", "edible")


def _decode_column(codes, mapping, name):
    """Readable categories of one column of codes; '?' becomes np.nan."""
    lookup = dict(mapping, **{_MISSING_CODE: np.nan})
    unknown = set(np.unique(codes)) - set(lookup)
    if unknown:
        raise ValueError(f"Unknown codes {sorted(unknown)} in mushroom column {name}")
    return np.array([lookup[code] for code in codes], dtype=object)


@functools.cache
def _parsed():
    """(data, target) parsed once per process; callers must copy them."""
    text = _read_bundled(_DATA_FILE, _DATA_SHA256).decode("ascii")
    rows = np.array([line.split(",") for line in text.splitlines()], dtype=str)
    if rows.shape[1] != 1 + len(_ATTRIBUTES):
        raise ValueError(f"Bundled mushroom data has shape {rows.shape}")
    target = np.array([_CLASS_CODES[code] for code in rows[:, 0]], dtype=np.int64)
    data = np.empty((rows.shape[0], len(_ATTRIBUTES)), dtype=object)
    for j, (name, mapping) in enumerate(_ATTRIBUTES):
        data[:, j] = _decode_column(rows[:, j + 1], mapping, name)
    data.setflags(write=False)
    target.setflags(write=False)
    return data, target


def _as_frame(data, target):
    """DataFrame of categorical columns, target Series and the joined frame."""
    import pandas as pd

    columns = {
        name: pd.Categorical(data[:, j], categories=list(mapping.values()))
        for j, (name, mapping) in enumerate(_ATTRIBUTES)
    }
    X = pd.DataFrame(columns)
    y = pd.Series(target, name="edible")
    return X, y, pd.concat([X, y], axis=1)


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_mushroom(*, return_X_y=False, as_frame=False):
    """Load the UCI Mushroom dataset (binary classification, categorical).

    8124 gilled mushrooms described by 22 categorical attributes, labelled
    edible or poisonous. The one-letter codes of the original file are decoded
    into readable categories (e.g. odor ``"foul"``). The only missing values
    are 2480 unknown ``stalk-root`` entries.

    =================   ==============
    Classes                          2
    Samples per class   4208 edible,
                        3916 poisonous
    Samples total                 8124
    Dimensionality                  22
    Features               categorical
    =================   ==============

    Read more in ``DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame of "category" columns (missing
        values are NA), ``target`` a pandas Series, and the Bunch also holds
        ``frame`` with both. Requires pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (8124, 22), dtype object, or DataFrame
            The decoded attribute values as str; missing ``stalk-root``
            values are ``np.nan``.
        target : ndarray of shape (8124,), dtype int64, or Series
            1 for edible, 0 for poisonous.
        feature_names : list of str
            The 22 attribute names, e.g. ``"cap-shape"``.
        target_names : ndarray of str
            ``["poisonous", "edible"]``.
        frame : DataFrame of shape (8124, 23)
            Only present when ``as_frame=True``: data and target together.
        DESCR : str
            Description, provenance, citation and license.

    (data, target) : tuple if ``return_X_y`` is True
        The arrays (or DataFrame and Series) described above.

    Examples
    --------
    >>> from skadv.datasets import load_mushroom
    >>> mushroom = load_mushroom()
    >>> mushroom.data.shape
    (8124, 22)
    >>> mushroom.feature_names[:3]
    ['cap-shape', 'cap-surface', 'cap-color']
    >>> str(mushroom.data[0, mushroom.feature_names.index("odor")])
    'pungent'
    >>> int(mushroom.target.sum())
    4208
    >>> mushroom.target_names.tolist()
    ['poisonous', 'edible']
    """
    cached_data, cached_target = _parsed()
    # the cache is shared by every caller, so hand out writable copies
    data, target = cached_data.copy(), cached_target.copy()
    frame = None
    if as_frame:
        data, target, frame = _as_frame(data, target)
    return _bunch_or_tuple(
        data,
        target,
        frame,
        return_X_y=return_X_y,
        feature_names=_FEATURE_NAMES,
        target_names=_TARGET_NAMES,
        descr="mushroom.rst",
    )
