"""The fuzz suite's harness: settings profiles, the property check, a ledger.

Every fuzzed call goes through :func:`check_call`, which enforces the property the
suite is about: a call either returns a finite, correctly shaped result or raises
``ValueError`` / ``TypeError`` / ``NotFittedError`` whose message names the
offending parameter or input, and it never mutates its inputs.

``FUZZ=long`` selects a profile with many more examples. ``FUZZ_REPORT=path``
writes, when the process ends, a Markdown table of what each entry point was fed
and how it fared (with pytest-xdist, each worker adds its share to the table).
"""

import atexit
import json
import os
import re
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, settings
from sklearn.exceptions import NotFittedError

_HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]
# Derandomized so a failure in CI reproduces on any machine without a database.
settings.register_profile(
    "skadv-fuzz",
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "skadv-fuzz-long",
    max_examples=300,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=_HEALTH,
)
_LONG = os.environ.get("FUZZ", "").lower() == "long"
_PROFILE = settings.get_profile("skadv-fuzz-long" if _LONG else "skadv-fuzz")


def fuzz_settings(scale=1.0):
    """Settings of the active profile, with ``scale`` times its examples."""
    return settings(_PROFILE, max_examples=max(2, int(_PROFILE.max_examples * scale)))


ALLOWED = (ValueError, TypeError, NotFittedError)

# Words by which a message can point at bad data rather than at a parameter.
DATA_WORDS = (
    "X",
    "y",
    "sample",
    "feature",
    "nan",
    "infinit",
    "inf",
    "finite",
    "complex",
    "dtype",
    "sparse",
    "class",
    "shape",
    "label",
    "array",
    "float",
    "dimension",
    "input",
    "target",
    "column",
    "string",
    "numeric",
    "categor",
    "number",
    "value",
    "convert",
)


def _mentions(message, names):
    for name in names:
        if len(name) <= 2:
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", message):
                return True
        elif name.lower() in message.lower():
            return True
    return False


# ---------------------------------------------------------------- the ledger
_KINDS = ("examples", "unhandled", "wrong", "mutations", "known")
_LEDGER = defaultdict(Counter)
_SIGNATURES = defaultdict(set)


def _record(entry, kind, signature=None):
    _LEDGER[entry]["examples" if kind is None else kind] += 1
    if kind is not None:
        _LEDGER[entry]["examples"] += 1
        _SIGNATURES[entry].add(f"{kind}: {signature}")


def _write_report():
    path = os.environ.get("FUZZ_REPORT")
    if not path or not _LEDGER:
        return
    parts = Path(f"{path}.parts")
    parts.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own = {
        entry: {"counts": dict(c), "signatures": sorted(_SIGNATURES[entry])}
        for entry, c in _LEDGER.items()
    }
    (parts / f"{worker}.json").write_text(json.dumps(own))
    merged = defaultdict(Counter)
    signatures = defaultdict(set)
    for part in sorted(parts.glob("*.json")):
        for entry, data in json.loads(part.read_text()).items():
            merged[entry].update(data["counts"])
            signatures[entry].update(data["signatures"])
    lines = [
        "| entry point | examples tried | unhandled exceptions | silently wrong "
        "outputs | mutations | known defects (strict xfail) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for entry in sorted(merged):
        c = merged[entry]
        lines.append(f"| `{entry}` | " + " | ".join(str(c[k]) for k in _KINDS) + " |")
    total = sum((merged[e] for e in merged), Counter())
    lines.append("| **total** | " + " | ".join(str(total[k]) for k in _KINDS) + " |")
    problems = [
        f"- `{e}` {s}" for e in sorted(signatures) for s in sorted(signatures[e])
    ]
    if problems:
        lines += ["", "Distinct problems (shrinking replays each one):", *problems]
    Path(path).write_text("\n".join(lines) + "\n")


def reset_report_parts():
    """Drop partial ledgers of earlier runs (called once by a non-worker process)."""
    path = os.environ.get("FUZZ_REPORT")
    if not path:
        return
    if "PYTEST_XDIST_WORKER" in os.environ:
        # Workers overwrite their own parts; only a serial run's part is stale.
        stale = [Path(f"{path}.parts") / "main.json"]
    else:
        stale = list(Path(f"{path}.parts").glob("*.json"))
    for part in stale:
        part.unlink(missing_ok=True)


reset_report_parts()
atexit.register(_write_report)


# ------------------------------------------------------- snapshots of inputs
def snapshot(obj):
    """A deep, comparable copy of ``obj`` (arrays, sparse, pandas, containers)."""
    if sp.issparse(obj):
        fields = {"format": obj.format, "shape": obj.shape, "dtype": obj.dtype}
        for name in ("data", "indices", "indptr", "row", "col", "coords"):
            value = getattr(obj, name, None)
            if isinstance(value, tuple) and all(
                isinstance(v, np.ndarray) for v in value
            ):
                fields[name] = tuple(v.copy() for v in value)
            elif isinstance(value, np.ndarray):
                fields[name] = value.copy()
        return ("sparse", fields)
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.copy(order="K"), obj.flags.writeable, obj.dtype)
    module = type(obj).__module__
    if module.startswith("pandas"):
        return ("pandas", obj.copy(deep=True))
    if isinstance(obj, dict):
        return ("dict", {k: snapshot(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [snapshot(v) for v in obj])
    return ("other", repr(obj))


def _same(a, b):
    if a[0] != b[0]:
        return False
    kind = a[0]
    if kind == "sparse":
        fa, fb = a[1], b[1]
        if fa.keys() != fb.keys():
            return False
        for key in fa:
            va, vb = fa[key], fb[key]
            if key == "coords":
                if not all(_arrays_equal(x, y) for x, y in zip(va, vb)):
                    return False
            elif isinstance(va, np.ndarray):
                if not _arrays_equal(va, vb):
                    return False
            elif va != vb:
                return False
        return True
    if kind == "ndarray":
        return a[2] == b[2] and a[3] == b[3] and _arrays_equal(a[1], b[1])
    if kind == "pandas":
        x, y = a[1], b[1]
        same_dtypes = (
            (x.dtypes == y.dtypes).all()
            if hasattr(x, "columns")
            else x.dtype == y.dtype
        )
        return bool(same_dtypes) and x.equals(y)
    if kind == "dict":
        return a[1].keys() == b[1].keys() and all(_same(a[1][k], b[1][k]) for k in a[1])
    if kind in ("list", "tuple"):
        return len(a[1]) == len(b[1]) and all(map(_same, a[1], b[1]))
    return a[1] == b[1]


def _arrays_equal(x, y):
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind in "fc":
        return bool(np.array_equal(x, y, equal_nan=True))
    if x.dtype == object:
        return [repr(v) for v in x.ravel()] == [repr(v) for v in y.ravel()]
    return bool(np.array_equal(x, y))


class FuzzProblem(AssertionError):
    """A fuzzed call broke the property."""


def check_call(
    entry, func, *, names, inputs=(), check=None, allowed=ALLOWED, known=False
):
    """Run ``func()`` and hold it to the property; returns its result or None.

    Parameters
    ----------
    entry : str
        Entry point, a row of the report.
    func : callable
        The call, without arguments.
    names : tuple of str
        Words one of which an error message must contain: the fuzzed
        parameter's name, or :data:`DATA_WORDS` for bad data.
    inputs : sequence
        Objects the call must leave untouched.
    check : callable, default=None
        ``check(result)`` returning None when the result is right, else a
        description of what is wrong.
    allowed : tuple of exception types
        The exceptions that count as a clean refusal.
    known : bool, default=False
        The call reproduces a known defect (a strict xfail test): a problem is
        counted as known rather than as unhandled, wrong or a mutation.
    """
    before = [snapshot(x) for x in inputs]
    problem = signature = None
    result = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = func()
    except allowed as exc:
        if not _mentions(str(exc), names):
            problem = "unhandled"
            signature = f"{type(exc).__name__} not naming {names[:3]}: {exc}"
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - classifying is the point
        problem, signature = "unhandled", f"{type(exc).__name__}: {exc}"
    else:
        wrong = check(result) if check is not None else None
        if wrong:
            problem, signature = "wrong", wrong
    if problem is None:
        for x, snap in zip(inputs, before):
            if not _same(snapshot(x), snap):
                problem, signature = "mutations", f"input {type(x).__name__} changed"
                break
    if known and problem is not None:
        problem = "known"
    _record(entry, problem, None if signature is None else signature[:300])
    if problem is not None:
        raise FuzzProblem(f"{entry}: {problem}: {signature}")
    return result


# ---------------------------------------------------------------- checkers
def finite_array(shape=None):
    """Checker: a finite float ndarray, of ``shape`` when given."""

    def check(result):
        arr = np.asarray(result)
        if shape is not None and arr.shape != tuple(shape):
            return f"shape {arr.shape}, expected {tuple(shape)}"
        if arr.dtype.kind not in "fiub" or not np.all(np.isfinite(arr)):
            return f"non-finite or non-numeric output (dtype {arr.dtype})"
        return None

    return check


def probabilities(n_rows, n_classes):
    def check(result):
        wrong = finite_array((n_rows, n_classes))(result)
        if wrong:
            return wrong
        if np.any(result < 0) or np.any(result > 1):
            return "probabilities outside [0, 1]"
        if n_rows and not np.allclose(result.sum(axis=1), 1.0):
            return "probability rows do not sum to 1"
        return None

    return check


def labels_in(classes, n_rows):
    def check(result):
        arr = np.asarray(result)
        if arr.shape != (n_rows,):
            return f"predictions of shape {arr.shape}, expected ({n_rows},)"
        if not np.all(np.isin(arr, classes)):
            return "predictions outside classes_"
        return None

    return check


def score_in_unit():
    def check(result):
        if not isinstance(result, float) or not 0.0 <= result <= 1.0:
            return f"score {result!r} is not a float in [0, 1]"
        return None

    return check
