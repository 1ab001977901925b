"""generate_report: data -> three models -> numbers, figures, page -> folder.

Each stage is a function of its own, called in turn by :func:`generate_report`:
check the options, load and split the table, fit the three models, evaluate
them on the test split, and write the folder.
"""

import contextlib
import dataclasses
import json
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, train_test_split

from ..utils._warnings import warn_caller
from ._data import load_table
from ._epsilon import GINI_TIE, parse_epsilon
from ._errors import ReportInputError
from ._evaluate import evaluate_model, grouping_of
from ._models import MODEL_NAMES, fit_models, l1_C, make_model_pipeline
from ._output import PAGE_FILE, SUMMARY_FILE, check_output_dir, write_report_folder
from ._paths import AUTO_LAMBDAS, sweep_paths
from ._summary import build_summary

BASELINES = ("mean", "zero")


def _check_number(
    name, value, low, high=None, *, integer=False, low_open=False, high_open=False
):
    """Raise unless `value` is a finite number in the range; None: no upper bound."""
    kind = Integral if integer else Real
    bad = not isinstance(value, kind) or isinstance(value, bool)
    if not bad:
        # Written so that NaN, which compares false with everything, is bad.
        inside = math.isfinite(value) and low <= value <= (
            math.inf if high is None else high
        )
        bad = not inside or (low_open and value == low) or (high_open and value == high)
    if bad:
        what = "an integer" if integer else "a finite number"
        if high is None:
            where = f"{'>' if low_open else '>='} {low}"
        else:
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            where = f"in {left}{low}, {high}{right}"
        raise ReportInputError(
            f"{name} must be {what} {where}; got {value!r}", parameter=name
        )


def _check_n_jobs(n_jobs):
    bad = n_jobs is not None and (
        not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0
    )
    if bad:
        raise ReportInputError(
            "n_jobs must be None, a positive number of processes or a negative "
            f"count from the number of cores (-1: all); got {n_jobs!r}",
            parameter="n_jobs",
        )


def _check_class_counts(part, labels, least, class_names, hint):
    """Raise unless each class has `least` rows; `hint(spell)` says what to change."""
    counts = np.bincount(labels, minlength=len(class_names))
    if counts.min() < least:
        short = class_names[int(np.argmin(counts))]
        raise ReportInputError(
            lambda spell: (
                f"the {part} split holds {counts.min()} rows of class "
                f"{short!r}, fewer than the {least} it needs; {hint(spell)}"
            ),
            parameter="test_size",
        )


def _class_counts(y, class_names):
    counts = np.bincount(y, minlength=len(class_names))
    return {str(name): int(c) for name, c in zip(class_names, counts)}


def _given_test(table, cv):
    """The training table and the held-out file, as the split."""
    y_train = np.asarray(table.y, dtype=np.int64)
    y_test = np.asarray(table.y_test, dtype=np.int64)
    _check_class_counts(
        "training",
        y_train,
        cv,
        table.class_names,
        lambda spell: f"lower {spell('cv')}",
    )
    return table.X, table.X_test, y_train, y_test


def _split(table, test_size, random_state, cv):
    y = np.asarray(table.y, dtype=np.int64)
    names = table.class_names
    if getattr(table, "X_test", None) is not None:
        X_train, X_test, y_train, y_test = _given_test(table, cv)
    else:
        counts = np.bincount(y, minlength=len(names))
        needed = int(np.ceil(cv / (1 - test_size))) + 1
        if counts.min() < needed:
            raise ReportInputError(
                f"too few rows of class {names[int(np.argmin(counts))]!r} "
                f"({counts.min()}): need at least {needed} for a {test_size:g} "
                f"test split and {cv}-fold cross-validation"
            )
        n_test = math.ceil(test_size * len(y))
        if n_test < len(names) or len(y) - n_test < len(names):
            raise ReportInputError(
                f"test_size {test_size:g} puts {n_test} of {len(y)} rows in the "
                "test split; each split needs rows of every class",
                parameter="test_size",
            )
        X_train, X_test, y_train, y_test = train_test_split(
            table.X, y, test_size=test_size, random_state=random_state, stratify=y
        )
        _check_class_counts(
            "test", y_test, 1, names, lambda spell: f"raise {spell('test_size')}"
        )
        _check_class_counts(
            "training",
            y_train,
            cv,
            names,
            lambda spell: f"lower {spell('test_size')} or {spell('cv')}",
        )
    info = {
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
        "train_class_counts": _class_counts(y_train, names),
        "test_class_counts": _class_counts(y_test, names),
    }
    return X_train, X_test, y_train, y_test, info


@dataclasses.dataclass(frozen=True)
class _Options:
    """The options of one report, checked on construction (stage 1).

    Every option is checked before any data is read. ``grids`` and ``fixed``
    are derived from ``epsilon`` and ``l1_lambda``.
    """

    epsilon: object
    test_size: float
    random_state: int
    tolerance: float
    cv: int
    C: float
    l1_lambda: object
    impact_threshold: float
    n_jobs: object
    baseline: str
    grids: dict = dataclasses.field(init=False)
    fixed: dict = dataclasses.field(init=False)

    def __post_init__(self):
        grid, fixed = parse_epsilon(self.epsilon)
        _check_number("test_size", self.test_size, 0, 1, low_open=True, high_open=True)
        _check_number("random_state", self.random_state, 0, 2**32 - 1, integer=True)
        _check_number("tolerance", self.tolerance, 0, 1)
        _check_number("cv", self.cv, 2, 100, integer=True)
        # Finite only: summary.json must stay valid JSON, which has no Infinity.
        _check_number("C", self.C, 0, low_open=True)
        lambdas = tuple(AUTO_LAMBDAS)
        if self.l1_lambda is not None:
            _check_number("l1_lambda", self.l1_lambda, 0, low_open=True)
            lambdas = tuple(sorted({*lambdas, float(self.l1_lambda)}))
        _check_number("impact_threshold", self.impact_threshold, 0, 1)
        _check_n_jobs(self.n_jobs)
        if not (isinstance(self.baseline, str) and self.baseline in BASELINES):
            raise ReportInputError(
                f"baseline must be one of {', '.join(BASELINES)}; got "
                f"{self.baseline!r}",
                parameter="baseline",
            )
        # 0 joins a list the user gave as the reference; it is said so.
        listed = str(self.epsilon).strip().lower() != "auto" and fixed is None
        zero_added = listed and 0.0 not in _listed_values(self.epsilon)
        # frozen: the derived fields are set once, here
        grids = {"epsilon": grid, "l1_lambda": lambdas, "zero_added": zero_added}
        fixed = {"epsilon": fixed, "l1_lambda": self.l1_lambda}
        object.__setattr__(self, "grids", grids)
        object.__setattr__(self, "fixed", fixed)


def _listed_values(text):
    return {float(part) for part in str(text).split(",")}


@contextlib.contextmanager
def _timed(timing, stage):
    """Record in ``timing[stage]`` the seconds the block takes."""
    tick = time.perf_counter()
    yield
    timing[stage] = time.perf_counter() - tick


def _load(data, columns, options, say):
    """Stage 2: the tidy table, its train and test parts, and the split info."""
    table = load_table(data, **columns)
    X_train, X_test, y_train, y_test, split = _split(
        table, options.test_size, options.random_state, options.cv
    )
    say(
        f"loaded {table.name}: {len(table.y)} rows, {len(table.categorical)} "
        "categorical and "
        f"{len(table.numeric)} numeric columns; {split['n_train']} train / "
        f"{split['n_test']} test"
    )
    return table, (X_train, X_test, y_train, y_test), split


def _check_l1_strengths(options, n_train):
    """Raise when a lambda of the L1 path gives no usable C."""
    for l1_lambda in options.grids["l1_lambda"]:
        with np.errstate(over="ignore", divide="ignore"):
            l1_model_C = l1_C(l1_lambda, n_train)
        if not 0 < l1_model_C < np.inf:
            raise ReportInputError(
                f"l1_lambda {l1_lambda:g} with {n_train} training rows gives "
                f"the L1 model C = 1 / (l1_lambda * n_train) = {l1_model_C:g}; "
                "choose a value for which C is a positive finite number",
                parameter="l1_lambda",
            )


def _fit(table, X_train, y_train, options, say, timing):
    """Stage 3: both paths and the three models, warnings recorded.

    Convergence warnings are counted in the summary rather than shown; the
    others are returned with them, to be issued again once the fits are done.
    """
    pipeline = make_model_pipeline(
        table, C=options.C, random_state=options.random_state
    )
    cv = StratifiedKFold(options.cv, shuffle=True, random_state=options.random_state)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        with _timed(timing, "sweep"):
            listed = ", ".join(f"{e:g}" for e in options.grids["epsilon"])
            say(
                f"sweeping eps over {listed}"
                f" and lambda over {len(options.grids['l1_lambda'])} values with "
                f"{options.cv}-fold cross-validation"
            )
            paths = sweep_paths(
                pipeline,
                X_train,
                y_train,
                grids=options.grids,
                fixed=options.fixed,
                tolerance=options.tolerance,
                cv=cv,
                baseline=options.baseline,
                n_jobs=options.n_jobs,
            )
        say(
            f"chosen eps = {paths.epsilon:g}, lambda = {paths.l1_lambda:g}; "
            "fitting the three models"
        )
        with _timed(timing, "fit"):
            models = fit_models(
                pipeline,
                X_train,
                y_train,
                epsilon=paths.epsilon,
                l1_lambda=paths.l1_lambda,
            )
    return paths, models, caught


def _evaluate(table, models, X_train, test, epsilon, baseline, say):
    """Stage 4: the numbers and explanations of each model on the test split."""
    from ..inspection import baseline_from

    X_test, y_test = test
    say("explaining the test split with Integrated Gradients")
    grouping = grouping_of(models["natural"], table.numeric)
    results = {}
    for name in MODEL_NAMES:
        # The same preprocessing fitted on the same rows: the training mean
        # of the encoded inputs is that of every model.
        row = None if baseline == "zero" else baseline_from(models[name], X_train)
        results[name] = evaluate_model(
            name,
            models[name],
            X_test,
            y_test,
            epsilon=epsilon,
            baseline=row,
            grouping=grouping,
            class_names=table.class_names,
        )
    return results, grouping


def _settings(options, table, paths, caught):
    """The settings section of the summary: every threshold and cap used."""
    from ._evaluate import TOP_VALUES
    from ._figures import MAX_BARS

    given_test = getattr(table, "X_test", None) is not None
    return {
        "epsilon_option": str(options.epsilon),
        "epsilon_grid": [float(e) for e in options.grids["epsilon"]],
        "l1_lambda_grid": [float(v) for v in options.grids["l1_lambda"]],
        "tolerance": float(options.tolerance),
        "gini_tie": GINI_TIE,
        "cv_folds": int(options.cv),
        "test_size": None if given_test else float(options.test_size),
        "random_state": int(options.random_state),
        "C": float(options.C),
        "baseline": options.baseline,
        "robust_epsilon": float(np.median(options.grids["epsilon"])),
        "impact_threshold": float(options.impact_threshold),
        "convergence_warnings": len(
            [w for w in caught if issubclass(w.category, ConvergenceWarning)]
        ),
        **dict(getattr(table, "settings", {}) or {}),
        "top_values": TOP_VALUES,
        "max_bars": MAX_BARS,
    }


def _reemit_warnings(caught):
    """Issue the recorded warnings other than convergence ones again.

    They name the caller's line, as a warning raised by the report itself
    does: the frame that recorded them is deep inside the library.
    """
    for warning in caught:
        if not issubclass(warning.category, ConvergenceWarning):
            warn_caller(warning.message, warning.category)


def _write_outputs(out, summary):
    """Stage 5: figures, page and summary written to `out` at once."""
    from ._figures import render_figures
    from ._html import render_html

    figures = render_figures(summary)
    files = dict(figures)
    # NaN or infinity would make summary.json invalid JSON: fail loudly.
    files[SUMMARY_FILE] = json.dumps(summary, indent=2, allow_nan=False).encode("utf-8")
    files[PAGE_FILE] = render_html(summary, figures).encode("utf-8")
    write_report_folder(out, files)


def generate_report(
    data="mushroom",
    *,
    out="report",
    target=None,
    categorical=None,
    numeric=None,
    epsilon="auto",
    test_size=0.3,
    random_state=0,
    tolerance=0.02,
    cv=3,
    C=1.0,
    l1_lambda=None,
    impact_threshold=0.05,
    n_jobs=None,
    baseline="mean",
    sep=None,
    na_values=None,
    drop=None,
    keep=None,
    positive_class=None,
    test_data=None,
    progress=None,
):
    """Fit the paper's three model types on a table and write a report folder.

    The natural model (epsilon = 0, L2 penalty), an L1-regularised natural
    model and an adversarially trained model are fitted on the same training
    split and compared on the test split: accuracy beside the majority-class
    rate, balanced accuracy, ROC AUC, robust accuracy, the Gini index of
    Integrated Gradients over the encoded columns and over the original
    features, the impact of each feature and the direction of each value, and
    for 3 or more classes per-class Gini, impacts and confusion matrices.
    Epsilon and the L1 strength are each chosen on their own cross-validated
    path (:func:`~skadv.model_selection.conciseness_frontier`) by the paper's
    rule, after guards that set aside any candidate predicting one class on a
    fold, with every weight zero, or not beating the majority rate by more
    than its accuracy's spread; the page and the terminal say what they set
    aside, and when epsilon = 0 is chosen. ``out`` receives ``index.html``
    (self-contained), ``summary.json`` (every number, format 2, described by
    ``summary.schema.json`` in the package) and the PNG figures.

    The command line ``skadv report`` (also ``python -m skadv report``) calls
    this function: each option is the parameter of the same name, spelled the
    command-line way (``--test-size`` for `test_size`).

    Parameters
    ----------
    data : {"mushroom", "spambase"}, path-like or pandas.DataFrame, \
default="mushroom"
        Bundled dataset, CSV/TSV/Parquet file, or frame.
    out : path-like, default="report"
        Destination folder. It is created, or replaced when it is empty or
        holds a previous report and nothing else; any other folder, the
        working directory and read-only folders are refused.
    target : str, default=None
        Target column of a file or frame (2 to 50 classes); required with
        those, not allowed with a bundled dataset.
    categorical, numeric : list of str, default=None
        Columns to one-hot encode / to standardise; the others are inferred
        from their dtypes (numbers are numeric, everything else categorical).
    epsilon : str or float, default="auto"
        ``"auto"`` sweeps a default grid and picks epsilon with the paper's
        recipe; a comma-separated list sweeps those values (0 is added as the
        reference when missing, and the report says so); a single value is
        used as given (the sweep then holds 0 and that value).
    test_size : float, default=0.3
        Share of rows held out for the test split.
    random_state : int, default=0
        Seed of the split and the folds.
    tolerance : float, default=0.02
        Accuracy drop accepted when choosing epsilon.
    cv : int, default=3
        Folds of the epsilon sweep.
    C : float, default=1.0
        Inverse L2 strength of the natural and adversarial models.
    l1_lambda : float, default=None
        L1 strength of the L1 model on the mean loss (the paper's convention):
        its objective is ``mean loss + l1_lambda * ||w||_1``. None chooses it
        on the L1 path by the same rule as epsilon; a value is used as given
        (the path is still swept and shown).
    impact_threshold : float, default=0.05
        Fraction of the largest feature-value impact above which an encoded
        feature counts as impactful.
    n_jobs : int, default=None
        Folds of the sweep run in parallel.
    baseline : {"mean", "zero"}, default="mean"
        Integrated Gradients baseline: the training mean of the encoded
        inputs, or the all-zero encoded input of the paper's comparison.
    sep : str, default=None
        Column separator of a text file; None sniffs it.
    na_values : list of str, default=None
        Cell values read as missing besides pandas' defaults; None means
        ``"?"`` and the empty string.
    drop : list of str, default=None
        Columns removed before anything else.
    keep : list of str, default=None
        Columns kept although they look like row identifiers.
    positive_class : str, default=None
        The class whose probability a binary report explains; None: the
        second in sorted order.
    test_data : path-like, default=None
        A held-out file with the same columns, used as the test split instead
        of a random one.
    progress : callable, default=None
        Called with a short message at each stage.

    Returns
    -------
    summary : dict
        The content of ``summary.json``.

    Raises
    ------
    ValueError
        For unusable data, options or output folder, before anything is
        written. The message names the parameter to change (``target=``,
        ``out=``, ...), and so does the error's ``parameter`` attribute.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, pandas as pd
    >>> import skadv
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=120)
    >>> frame = pd.DataFrame({"x": x, "noise": rng.normal(size=120),
    ...                       "kind": rng.choice(["a", "b"], size=120),
    ...                       "y": (x > 0).astype(int)})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp) / "r"
    ...     summary = skadv.generate_report(frame, target="y", epsilon="0.1",
    ...                                     out=out)
    ...     sorted(p.name for p in out.iterdir())
    ['feature_impact.png', 'frontier.png', 'index.html', 'summary.json', \
'weights.png']
    >>> summary["epsilon"], summary["models"]["adversarial"]["accuracy"] > 0.9
    (0.1, True)

    A problem with the inputs stops the report before anything is written, with
    a message that names the parameter to change:

    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     try:
    ...         skadv.generate_report(frame, out=pathlib.Path(tmp) / "r")
    ...     except ValueError as error:
    ...         print(error)
    target= is required with a data file; columns are: x, noise, kind, y
    """
    started = time.perf_counter()
    say = progress or (lambda message: None)
    options = _Options(
        epsilon=epsilon,
        test_size=test_size,
        random_state=random_state,
        tolerance=tolerance,
        cv=cv,
        C=C,
        l1_lambda=l1_lambda,
        impact_threshold=impact_threshold,
        n_jobs=n_jobs,
        baseline=baseline,
    )
    out = check_output_dir(out)
    columns = {
        "target": target,
        "categorical": categorical,
        "numeric": numeric,
        "sep": sep,
        "na_values": na_values,
        "drop": drop,
        "keep": keep,
        "positive_class": positive_class,
        "test_data": test_data,
    }

    timing = {}
    with _timed(timing, "load"):
        table, parts, split = _load(data, columns, options, say)
    X_train, X_test, y_train, y_test = parts
    _check_l1_strengths(options, split["n_train"])
    paths, models, caught = _fit(table, X_train, y_train, options, say, timing)
    with _timed(timing, "evaluate"):
        results, grouping = _evaluate(
            table, models, X_train, (X_test, y_test), paths.epsilon,
            options.baseline, say,
        )  # fmt: skip

    settings = _settings(options, table, paths, caught)
    _reemit_warnings(caught)
    say("drawing figures and writing the report")
    timing["total"] = time.perf_counter() - started
    summary = build_summary(table, settings, split, paths, results, grouping, timing)
    _write_outputs(out, summary)
    return summary
