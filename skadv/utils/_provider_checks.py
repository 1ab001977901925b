"""The checks of a provider's own members, and what every provider check shares.

:mod:`skadv.utils.estimator_checks` is the public face of these checks: it adds
those that go through the explanations and runs them all. The checks here call
the members of :mod:`skadv.utils._protocol` directly; like every provider
check, each takes ``(estimator, X=None, y=None)`` and raises an AssertionError
that names it when the model breaks the contract.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.pipeline import Pipeline

from skadv.utils._protocol import OUTPUTS, has_input_gradients, provider_input_dtype
from skadv.utils._resolve import (
    as_numpy_array,
    is_fitted_model,
    is_torch_module,
    resolve_model,
    unfreeze,
)
from skadv.utils._validation import class_indices

#: Rows of a generated problem: enough to fit a small model, few enough to be fast.
_N_FIT_SAMPLES = 200
#: Rows every check evaluates the model on.
_N_CHECK_SAMPLES = 24
#: Rows and features whose gradients are compared with finite differences.
_N_DIFFERENCED = 6
#: Attack parameters of the robustness checks (every provider accepts these
#: names): a short attack suffices to test the set relations, and a seed makes
#: them reproducible.
ATTACK_PARAMS = {"steps": 10, "random_state": 0}


def fail(check, message):
    """Raise the AssertionError of ``check``, naming it."""
    raise AssertionError(f"{check}: {message}")


def require(condition, check, message):
    """Fail ``check`` with ``message`` unless ``condition`` holds."""
    # Not an assert statement: the checks must also fail under ``python -O``.
    if not condition:
        fail(check, message)


class _Case:
    """A fitted model, the rows a check evaluates it on, and what resolution found."""

    def __init__(self, estimator, X, y):
        self.estimator = estimator
        self.X = X
        self.resolved = resolve_model(estimator, X)
        self.provider = self.resolved.provider
        flat = self.resolved.X
        self.Xf = flat.toarray() if sp.issparse(flat) else np.asarray(flat)
        self.n_classes = self.resolved.n_classes
        self.classes = self.resolved.classes
        self.dtype = provider_input_dtype(self.provider)
        self.y = _default_labels(self.resolved) if y is None else np.asarray(y)

    @property
    def is_module(self):
        """Whether the model is a torch module, whose labels are output indices."""
        return self.classes is None


def _default_labels(resolved):
    # Predictions with every third one changed: some rows right, some wrong.
    index = np.asarray(resolved.predict(), dtype=np.intp).copy()
    index[::3] = (index[::3] + 1) % resolved.n_classes
    return index if resolved.classes is None else resolved.classes[index]


def generated_problem(n_classes):
    """A small, well separated classification problem of ``n_classes`` classes."""
    X, index = make_classification(
        n_samples=_N_FIT_SAMPLES,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=1.5,
        random_state=0,
    )
    # Labels other than 0..k-1 tell apart a model that mixes labels and indices.
    return X, 10 * (index + 1)


def final_estimator(estimator):
    """The estimator that provides the gradients: a Pipeline's last, unfrozen."""
    model = unfreeze(estimator)
    return unfreeze(model[-1]) if isinstance(model, Pipeline) else model


def prepared(estimator, X, y):
    """The case a check runs on: ``estimator`` fitted, and at most 24 rows."""
    if is_torch_module(unfreeze(estimator)) and X is None:
        raise ValueError("X is needed to check a torch module: samples of its input.")
    if not is_fitted_model(estimator):
        if X is None:
            X, y = generated_problem(2)
        elif y is None:
            raise ValueError("y is needed to fit an unfitted estimator on X.")
        estimator = clone(estimator).fit(X, y)
    if X is None:
        width = final_estimator(estimator).n_features_in_
        X = np.random.default_rng(0).normal(size=(_N_CHECK_SAMPLES, width))
    X = as_numpy_array(X)
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    n = min(_N_CHECK_SAMPLES, X.shape[0])
    # a DataFrame is sliced by position, as arrays and sparse matrices are
    X = X.iloc[:n] if hasattr(X, "iloc") else X[:n]
    y = None if y is None else np.asarray(y)[:n]
    return _Case(estimator, X, y)


def evaluate(case, X, target, output):
    """``_output_and_gradient`` of the provider on ``X`` for class ``target``."""
    return case.provider._output_and_gradient(
        X, np.asarray(target, dtype=np.intp), output
    )


def check_provider_members(estimator, X=None, y=None):
    """Check the members of the contract exist with the documented types.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_provider_members"
    final = final_estimator(estimator)
    if not (is_torch_module(final) or has_input_gradients(final)):
        fail(name, f"{type(final).__name__} has no _output_and_gradient.")
    case = prepared(estimator, X, y)
    dtype = getattr(case.provider, "input_dtype", None)
    if dtype is not None:
        require(
            isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.floating),
            name,
            f"input_dtype must be a floating numpy dtype, got {dtype!r}.",
        )
    require(case.n_classes >= 2, name, f"{case.n_classes} classes; at least 2.")
    index = np.asarray(case.resolved.predict())
    if not case.is_module:
        final = case.provider
        classes = final.classes_
        require(
            isinstance(classes, np.ndarray) and classes.ndim == 1,
            name,
            f"classes_ must be a 1-d ndarray, got {type(classes).__name__}.",
        )
        require(
            np.array_equal(classes, np.unique(classes)),
            name,
            f"classes_ must be sorted and distinct, got {classes.tolist()}.",
        )
        width = final.n_features_in_
        require(
            isinstance(width, (int, np.integer)) and width == case.Xf.shape[1],
            name,
            f"n_features_in_ is {width!r}, but the model sees {case.Xf.shape[1]}.",
        )
        predicted = np.asarray(final.predict(case.resolved.X))
        require(
            predicted.shape == (case.Xf.shape[0],)
            and np.isin(predicted, classes).all(),
            name,
            "predict must return one label of classes_ per row.",
        )
    require(
        index.shape == (case.Xf.shape[0],)
        and np.all((index >= 0) & (index < case.n_classes)),
        name,
        "the predicted class indices must lie in [0, n_classes).",
    )


def check_output_and_gradient(estimator, X=None, y=None):
    """Check shapes, dtypes and ranges of ``_output_and_gradient``.

    Every class is the target of every row, for both outputs, with inputs in
    float64 and in ``input_dtype`` (as the quadrature passes them).

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_output_and_gradient"
    case = prepared(estimator, X, y)
    n, d = case.Xf.shape
    allowed = {np.dtype(np.float64), case.dtype}
    for k in range(case.n_classes):
        for output in OUTPUTS:
            where = f"target {k}, output {output!r}"
            for inputs in (case.Xf, case.Xf.astype(case.dtype)):
                values, grads = evaluate(case, inputs, np.full(n, k), output)
                require(
                    isinstance(values, np.ndarray)
                    and values.dtype == np.float64
                    and values.shape == (n,),
                    name,
                    f"{where}: values must be a float64 array of shape ({n},), got "
                    f"{getattr(values, 'dtype', type(values))} {np.shape(values)}.",
                )
                require(
                    isinstance(grads, np.ndarray)
                    and grads.dtype in allowed
                    and grads.shape == (n, d),
                    name,
                    f"{where}: gradients must be an array of shape ({n}, {d}) in "
                    f"float64 or input_dtype {case.dtype}, got "
                    f"{getattr(grads, 'dtype', type(grads))} {np.shape(grads)}.",
                )
                finite = np.isfinite(values).all() and np.isfinite(grads).all()
                require(finite, name, f"{where}: non-finite values or gradients.")
                if output == "proba":
                    inside = np.all((values >= 0) & (values <= 1))
                    require(inside, name, f"{where}: probabilities outside [0, 1].")


def _difference_points(case, rows, features):
    """Inputs moved by -h, 0 and +h along each feature, and the steps taken."""
    x = case.Xf[rows].astype(case.dtype).astype(np.float64)
    # The step that balances truncation (h^2) against rounding (eps / h).
    h = np.finfo(case.dtype).eps ** (1 / 3) * (1 + np.abs(x[:, features]))
    points, steps = [], []
    for j, feature in enumerate(features):
        low, high = x.copy(), x.copy()
        low[:, feature] -= h[:, j]
        high[:, feature] += h[:, j]
        low, high = low.astype(case.dtype), high.astype(case.dtype)
        # The step actually taken, once the points are rounded to the dtype.
        steps.append(high[:, feature].astype(np.float64) - low[:, feature])
        points += [low, x.astype(case.dtype), high]
    return np.concatenate(points), np.stack(steps, axis=1)


def check_gradients_finite_differences(estimator, X=None, y=None):
    """Check gradients against central finite differences of the values.

    The central difference with step ``h = eps^(1/3) (1 + |x|)``, ``eps`` the
    machine epsilon of ``input_dtype``, is the mean of the partial derivative
    along the segment ``[x - h, x + h]``. It must lie between the partial
    derivatives at the segment's ends and middle, up to
    ``50 eps^(2/3) (|F| + (1 + |x|) max |grad F|)``: about 1e-3 of the output's
    scale for float32, 2e-9 for float64. Values rounded to ``c eps |F|`` give
    the difference an error of ``c eps^(2/3) |F| / (2 (1 + |x|))``, so the
    factor 50 leaves room for ``c`` up to 100, the rounding of a few layers in
    float32. A ReLU kink inside the segment moves the difference away from the
    gradient at ``x``, but not out of that range, while a gradient of the
    wrong sign or a few percent off its scale falls outside it.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_gradients_finite_differences"
    case = prepared(estimator, X, y)
    n, d = case.Xf.shape
    rows = np.arange(min(n, _N_DIFFERENCED))
    features = np.random.default_rng(0).permutation(d)[:_N_DIFFERENCED]
    points, steps = _difference_points(case, rows, features)
    shape = (len(features), 3, len(rows))
    scale = 50 * np.finfo(case.dtype).eps ** (2 / 3)
    for k in range(case.n_classes):
        for output in OUTPUTS:
            target = np.full(points.shape[0], k)
            values, grads = evaluate(case, points, target, output)
            values = values.reshape(shape)
            grads = np.asarray(grads, dtype=np.float64).reshape(shape + (d,))
            for j, feature in enumerate(features):
                diff = (values[j, 2] - values[j, 0]) / steps[:, j]
                partial_j = grads[j, :, :, feature]
                reach = 1 + np.abs(case.Xf[rows, feature])
                size = np.abs(grads[j, 1]).max(axis=1) * reach
                tol = scale * (np.abs(values[j, 1]) + size) + 1e-12
                low, high = partial_j.min(axis=0) - tol, partial_j.max(axis=0) + tol
                bad = (diff < low) | (diff > high)
                if bad.any():
                    i = int(np.argmax(bad))
                    fail(
                        name,
                        f"target {k}, output {output!r}, row {i}, feature "
                        f"{feature}: the finite difference {diff[i]:.6g} is not "
                        f"near the gradient {partial_j[1, i]:.6g}.",
                    )


def label_index(case, y):
    """Class indices of the labels ``y`` (they are indices for a torch module)."""
    if case.is_module:
        return np.asarray(y, dtype=np.intp)
    return class_indices(y, case.classes)


def check_linear_logit(estimator, X=None, y=None):
    """Check ``_linear_logit`` gives the logits and gradients of the provider.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_linear_logit"
    case = prepared(estimator, X, y)
    n, d = case.Xf.shape
    for k in range(case.n_classes):
        W, b = case.provider._linear_logit(np.full(n, k, dtype=np.intp))
        require(
            np.shape(W) == (n, d) and np.shape(b) == (n,),
            name,
            f"target {k}: W and b of shapes {np.shape(W)} and {np.shape(b)}, not "
            f"({n}, {d}) and ({n},).",
        )
        logit = np.einsum("ij,ij->i", case.Xf, W) + b
        values, grads = evaluate(case, case.Xf, np.full(n, k), "logit")
        close = np.allclose(values, logit, rtol=1e-10, atol=1e-12)
        require(close, name, f"target {k}: X @ W + b is not the 'logit' output.")
        require(
            np.allclose(grads, W, rtol=1e-12, atol=0),
            name,
            f"target {k}: the gradient of the 'logit' output is not W.",
        )
        values, grads = evaluate(case, case.Xf, np.full(n, k), "proba")
        proba = expit(logit)
        require(
            np.allclose(values, proba, rtol=1e-10, atol=1e-15),
            name,
            f"target {k}: the 'proba' output is not the sigmoid of X @ W + b.",
        )


def unknown_label(case):
    """A label of the type of ``classes_`` that the model does not know, or None."""
    if case.is_module:
        return case.n_classes
    classes = case.classes
    if classes.dtype.kind in "iuf":
        return classes.max() + 1
    if classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes):
        return "".join(classes) + "?"
    return None


def _budgets(case):
    # Budgets on the scale of the data, from harmless to crushing.
    scale = float(np.mean(np.std(case.Xf, axis=0))) or 1.0
    return [0.0] + [factor * scale for factor in (0.1, 0.5, 2.0)]


def check_robust_correct(estimator, X=None, y=None):
    """Check ``_robust_correct`` against plain correctness and across budgets.

    At ``epsilon=0`` it must be ``predict(X) == y``; at every budget a robust
    row must be a correct one, and a label the model does not know is never
    correct. An attack-based bound need not shrink row by row as the budget
    grows (each budget runs another attack), but the share of robust rows must
    not grow.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_robust_correct"
    case = prepared(estimator, X, y)
    X_final, y = case.resolved.X, case.y
    correct = np.asarray(case.provider.predict(X_final)) == y
    shares = []
    for epsilon in _budgets(case):
        robust = case.provider._robust_correct(X_final, y, epsilon, **ATTACK_PARAMS)
        require(
            isinstance(robust, np.ndarray)
            and robust.dtype == bool
            and robust.shape == y.shape,
            name,
            f"epsilon={epsilon:.3g}: a boolean array of shape {y.shape} is "
            f"expected, got {getattr(robust, 'dtype', type(robust))} "
            f"{np.shape(robust)}.",
        )
        if epsilon == 0:
            require(
                np.array_equal(robust, correct),
                name,
                "at epsilon=0 the robust rows are not the correctly predicted ones.",
            )
        require(
            not np.any(robust & ~correct),
            name,
            f"epsilon={epsilon:.3g}: rows that are not correctly predicted count "
            "as robust.",
        )
        shares.append(robust.mean())
    require(
        np.all(np.diff(shares) <= 0),
        name,
        f"the robust share grows with epsilon: {np.round(shares, 3).tolist()}.",
    )
    unknown = unknown_label(case)
    if unknown is not None:
        labels = np.full(y.shape, unknown)
        robust = case.provider._robust_correct(X_final, labels, 0.0, **ATTACK_PARAMS)
        require(not np.any(robust), name, "an unknown label counts as correct.")
