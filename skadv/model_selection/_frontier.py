"""Cross-validated adversarial and L1 paths of one model: the conciseness frontier.

Chalasani et al. (2020) compare two ways of making explanations concise at a
given accuracy: adversarial training (growing epsilon) and L1 regularisation
(growing lambda). :func:`conciseness_frontier` walks both paths on every fold.
The preprocessing head of a Pipeline is fitted once per fold, and the final
model is refitted along each path with ``warm_start=True`` from the secant
through the two previous solutions: neighbouring points have nearby optima,
so each fit starts close to its own. Each point is scored from its weights by
:class:`~skadv.model_selection._path_scores.FoldScorer`.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skadv.inspection._baselines import row_statistic
from skadv.model_selection._frontier_result import PATHS, FrontierResult
from skadv.model_selection._path_scores import FoldScorer
from skadv.utils._resolve import unwrap_model

#: Parameters the final step must have: those of AdversarialLogisticRegression
#: that the paths set.
_PATH_PARAMS = ("epsilon", "C", "l1_ratio", "warm_start")
_DEFAULT_EPSILONS = (0.0, 0.01, 0.03, 0.1, 0.3)
#: Longest next step, relative to the last one, extrapolated along the secant.
_MAX_SECANT_RATIO = 4.0
_DEFAULT_LAMBDAS = (1e-4, 1e-3, 1e-2, 3e-2, 1e-1)


def _check_grid(values, name, *, positive):
    try:
        grid = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-d array of numbers.") from exc
    if grid.ndim != 1 or grid.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-d array of numbers; got shape {grid.shape}."
        )
    if not np.all(np.isfinite(grid)):
        raise ValueError(f"{name} must be finite (no NaN or infinity).")
    bad = grid <= 0 if positive else grid < 0
    if np.any(bad):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be {kind}; got {grid[bad][0]!r}.")
    # Each path is walked from the weakest regularisation to the strongest.
    return np.unique(grid)


def _split_estimator(estimator):
    # Only the parameters of the wrapped model matter: it is cloned per fold.
    estimator = unwrap_model(estimator)
    if isinstance(estimator, Pipeline):
        head = Pipeline(estimator.steps[:-1]) if len(estimator) > 1 else None
        final = estimator.steps[-1][1]
    else:
        head, final = None, estimator
    params = final.get_params(deep=False) if hasattr(final, "get_params") else {}
    missing = [p for p in _PATH_PARAMS if p not in params]
    if missing or not is_classifier(final):
        raise TypeError(
            "conciseness_frontier needs an AdversarialLogisticRegression, or a "
            "Pipeline ending in one (a classifier with the parameters "
            f"{list(_PATH_PARAMS)}); got {type(final).__name__}."
        )
    return head, final


def _rows(X, index):
    if hasattr(X, "iloc"):
        return X.iloc[index]
    return X[index]


def _fold_baselines(baselines, X_train, test, n_samples):
    if baselines is None or (isinstance(baselines, str) and baselines == "zero"):
        return None
    if isinstance(baselines, str):
        # The statistic of the training fold, in the space the model sees: the
        # test rows must not shape their own reference point.
        if not sp.issparse(X_train):
            X_train = np.asarray(X_train, dtype=np.float64)
        return row_statistic(X_train, baselines)
    array = np.asarray(baselines)
    if array.ndim == 2 and array.shape[0] == n_samples:
        return array[test]
    return baselines


def _path_settings(path, grid, C, n_train):
    if path == "adversarial":
        return [{"epsilon": float(e), "l1_ratio": 0.0, "C": C} for e in grid]
    # Mean-loss convention: mean loss + lambda * |w|_1 is, up to the factor
    # 1 / C, C * sum loss + |w|_1 with C = 1 / (lambda * n_train).
    return [
        {"epsilon": 0.0, "l1_ratio": 1.0, "C": 1.0 / (float(lam) * n_train)}
        for lam in grid
    ]


def _grouping(head, model, n_encoded, groups):
    from skadv.inspection._grouping import model_grouping

    fitted = model if head is None else Pipeline([*head.steps, ("model", model)])
    return model_grouping(fitted, n_encoded, groups)[1]


def _predicted_start(model, history, position):
    """Warm start on the secant through the last two solutions of the path.

    The optimum moves smoothly along a path between the points where weights
    reach or leave zero, so extrapolating the last step lands nearer the next
    optimum than the last solution alone does.
    """
    if len(history) < 2:
        return
    (t0, w0, b0), (t1, w1, b1) = history[-2:]
    ratio = (position - t1) / (t1 - t0)
    if not np.isfinite(ratio) or ratio > _MAX_SECANT_RATIO:
        # After a step far longer than the last one the optima are no longer
        # near each other: the model starts afresh, as an independent fit.
        model.coef_ = None
        return
    model.coef_ = w1 + ratio * (w1 - w0)
    model.intercept_ = b1 + ratio * (b1 - b0)


def _path_position(params):
    # Epsilon moves the adversarial optimum about linearly; the L1 optimum
    # moves about linearly in log C over a geometric grid of lambdas.
    if params["l1_ratio"] == 0.0:
        return params["epsilon"]
    return float(np.log(params["C"]))


def _walk(head, final, settings, data, options):
    X_train, y_train, X_test, y_test, U = data
    model = clone(final).set_params(warm_start=True)
    scores, coefs, intercepts, history, scorer = [], [], [], [], None
    for params in settings:
        position = _path_position(params)
        _predicted_start(model, history, position)
        model.set_params(**params).fit(X_train, y_train)
        if scorer is None:
            n_encoded = model.coef_.shape[1]
            parents = _grouping(head, model, n_encoded, options["groups"])
            scorer = FoldScorer(X_test, y_test, U, options["robust_epsilon"], parents)
        scores.append(scorer(model))
        coefs.append(model.coef_.copy())
        intercepts.append(model.intercept_.copy())
        history.append((position, coefs[-1], intercepts[-1]))
    return scores, np.array(coefs), np.array(intercepts)


def _fold(head, final, X, y, train, test, grids, options):
    X_train, X_test = _rows(X, train), _rows(X, test)
    y_train, y_test = y[train], y[test]
    if head is not None:
        head = clone(head)
        X_train = head.fit_transform(X_train, y_train)
        X_test = head.transform(X_test)
    U = _fold_baselines(options["baselines"], X_train, test, len(y))
    _, counts = np.unique(y_test, return_counts=True)
    data = (X_train, y_train, X_test, y_test, U)
    out = {"majority_rate": float(counts.max() / counts.sum())}
    C = final.get_params(deep=False)["C"]
    for path in PATHS:
        settings = _path_settings(path, grids[path], C, len(train))
        out[path] = _walk(head, final, settings, data, options)
    return out


def _stack(folds, path):
    n_points = len(folds[0][path][0])
    keys = folds[0][path][0][0].keys()
    scores = {
        key: np.array([[f[path][0][k][key] for k in range(n_points)] for f in folds])
        for key in keys
    }
    majority = np.array([f["majority_rate"] for f in folds])
    scores["majority_rate"] = np.repeat(majority[:, None], n_points, axis=1)
    # Encoders fitted per fold may produce different numbers of columns.
    coefs = [f[path][1] for f in folds]
    intercepts = [f[path][2] for f in folds]
    return scores, coefs, intercepts


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "epsilons": ["array-like"],
        "l1_lambdas": ["array-like"],
        "cv": ["cv_object"],
        "baselines": [StrOptions({"zero", "mean", "median"}), Real, "array-like", None],
        "robust_epsilon": [Interval(Real, 0, None, closed="left"), None],
        "tolerance": [Interval(Real, 0, 1, closed="both")],
        "groups": [dict, None],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=False,
)
def conciseness_frontier(
    estimator,
    X,
    y,
    *,
    epsilons=_DEFAULT_EPSILONS,
    l1_lambdas=_DEFAULT_LAMBDAS,
    cv=5,
    baselines=None,
    robust_epsilon=None,
    tolerance=0.02,
    groups=None,
    n_jobs=None,
):
    """Cross-validate the adversarial and the L1 path of one model.

    On every fold of ``cv``, the preprocessing steps of a Pipeline are fitted
    once on the training rows; then the final model is fitted along

    - the adversarial path: each of ``epsilons`` in increasing order, with
      ``l1_ratio=0`` and the estimator's own ``C``;
    - the L1 path: each of ``l1_lambdas`` in increasing order, with
      ``epsilon=0``, ``l1_ratio=1`` and ``C = 1 / (lambda * n_train)``, where
      ``n_train`` is the number of training rows of the fold: ``lambda`` is the
      weight of ``|w|_1`` against the *mean* logistic loss.

    Each point starts from the solution of the previous one (``warm_start`` on
    a clone of the final step; the estimator passed in is not changed). Every
    point is scored on the fold's test rows: accuracy, robust accuracy, the
    mean Gini index of the Integrated Gradients of the true class over the
    encoded columns (``gini``) and over the original features (``feature_gini``,
    :func:`~skadv.inspection.feature_gini`), the number of non-zero weights
    (above ``1e-8`` times the largest in absolute value), and the solver
    iterations the fit took.

    Parameters
    ----------
    estimator : AdversarialLogisticRegression or Pipeline
        Unfitted template: an :class:`~skadv.linear_model.AdversarialLogisticRegression`
        or a Pipeline ending in one. The paths set its ``epsilon``, ``C``,
        ``l1_ratio`` and ``warm_start``; its other parameters are kept. A
        :class:`~sklearn.frozen.FrozenEstimator` or a fitted search is looked
        through: the model it holds serves as the template, refitted per fold.
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        Inputs, in the space the estimator takes (raw for a Pipeline).
    y : array-like of shape (n_samples,)
        Class labels.
    epsilons : array-like of shape (n_epsilons,), default=(0, 0.01, 0.03, 0.1, 0.3)
        Budgets of the adversarial path, finite and non-negative, in the units
        of the columns the final step sees. Sorted; duplicates are dropped.
    l1_lambdas : array-like of shape (n_lambdas,), default=(1e-4, 1e-3, 1e-2, 0.03, 0.1)
        L1 strengths of the L1 path (mean-loss convention), finite and
        positive. Sorted; duplicates are dropped.
    cv : int, cross-validation generator or iterable, default=5
        Folds, as in :func:`~sklearn.model_selection.cross_validate` (an int
        means stratified k-fold).
    baselines : None, "zero", "mean", "median", float or array-like, default=None
        Baselines of the Integrated Gradients, in the space the final step
        sees. ``"mean"`` and ``"median"`` are taken over the training rows of
        each fold, after its preprocessing; an array with one row per sample
        of ``X`` is split with the folds.
    robust_epsilon : float, default=None
        Budget at which every point's robust accuracy is evaluated (one budget
        for both paths, so that they compare); None means the median of
        ``epsilons``.
    tolerance : float, default=0.02
        Tolerance of the rule behind the result's ``selected``, as in
        :func:`most_concise_within`.
    groups : dict, default=None
        Explicit grouping of the encoded columns into original features, as
        ``FeatureImpactTransformer(groups=)``; None reads it from the Pipeline.
    n_jobs : int, default=None
        Number of folds computed in parallel (joblib).

    Returns
    -------
    result : FrontierResult
        With ``to_frame()``, ``selected`` and ``at_equal_accuracy()``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.model_selection import conciseness_frontier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 5))
    >>> y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    >>> pipe = make_pipeline(StandardScaler(), AdversarialLogisticRegression())
    >>> result = conciseness_frontier(pipe, X, y, epsilons=[0.0, 0.1, 0.3],
    ...                               l1_lambdas=[0.001, 0.01, 0.1], cv=3)
    >>> frame = result.to_frame()
    >>> frame.shape[0], sorted(set(frame["path"]))
    (6, ['adversarial', 'l1'])
    """
    grids = {
        "adversarial": _check_grid(epsilons, "epsilons", positive=False),
        "l1": _check_grid(l1_lambdas, "l1_lambdas", positive=True),
    }
    head, final = _split_estimator(estimator)
    y = np.asarray(y)
    if robust_epsilon is None:
        robust_epsilon = float(np.median(grids["adversarial"]))
    options = {
        "baselines": baselines,
        "robust_epsilon": float(robust_epsilon),
        "groups": groups,
    }
    splits = list(check_cv(cv, y, classifier=True).split(X, y))
    folds = Parallel(n_jobs=n_jobs)(
        delayed(_fold)(head, final, X, y, train, test, grids, options)
        for train, test in splits
    )
    stacked = {path: _stack(folds, path) for path in PATHS}
    return FrontierResult(
        epsilons=grids["adversarial"],
        l1_lambdas=grids["l1"],
        scores={path: stacked[path][0] for path in PATHS},
        coefs={path: stacked[path][1] for path in PATHS},
        intercepts={path: stacked[path][2] for path in PATHS},
        tolerance=float(tolerance),
        robust_epsilon=float(robust_epsilon),
    )
