"""Warnings attributed to the caller's own code, however deep they are raised.

A warning raised inside skadv names the line that called into the library: the
first frame of the stack that belongs neither to skadv nor to the machinery in
between: scikit-learn (``_fit_context``, ``validate_params``), joblib (the
linear solvers run in ``joblib.Parallel`` even with one job) and ``contextlib``.
Counting stack levels by hand breaks whenever a call path gains or loses a
frame, and differs between ``fit`` and ``partial_fit``.
"""

import contextlib
import functools
import os
import sys
import warnings

import joblib
import sklearn

import skadv

# Frames from these folders and files are skipped when looking for the caller.
_LIBRARY_PREFIXES = tuple(
    os.path.dirname(module.__file__) + os.sep for module in (skadv, sklearn, joblib)
)
_PLUMBING_FILES = frozenset({contextlib.__file__, functools.__file__})


def _is_library_frame(frame):
    filename = frame.f_code.co_filename
    return filename.startswith(_LIBRARY_PREFIXES) or filename in _PLUMBING_FILES


def caller_stacklevel():
    """The ``stacklevel`` that makes a warning point at the first caller frame.

    Returns
    -------
    stacklevel : int
        For a ``warnings.warn`` call made in the function that calls this one,
        the number of frames up to the first one outside skadv, scikit-learn,
        joblib, ``contextlib`` and ``functools``. When every frame is library code (a
        joblib worker thread, say) the outermost frame is named.

    Examples
    --------
    >>> from skadv.utils._warnings import caller_stacklevel
    >>> caller_stacklevel()
    1
    """
    # Level 1 is the function that called this one, as for warnings.warn.
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and _is_library_frame(frame):
        frame = frame.f_back
        level += 1
    return level


def warn_caller(message, category=UserWarning):
    """Issue ``message`` as a warning attributed to the caller of skadv.

    Parameters
    ----------
    message : str
        The warning text.
    category : type of Warning, default=UserWarning
        The warning class.

    Examples
    --------
    >>> import warnings
    >>> from skadv.utils._warnings import warn_caller
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_caller("something to know")
    >>> str(caught[0].message)
    'something to know'
    """
    # caller_stacklevel counts from this function; warnings.warn counts from
    # its own caller, which is this function too.
    warnings.warn(message, category, stacklevel=caller_stacklevel())
