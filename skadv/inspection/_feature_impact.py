"""Feature impact: Integrated Gradients aggregated over a dataset (Appendix H)."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import Bunch, get_tags
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from skadv.inspection._baselines import BASELINE_STRATEGIES, baseline_from
from skadv.inspection._gini import feature_gini
from skadv.inspection._grouping import groups_from_mapping, model_grouping
from skadv.inspection._integrated_gradients import integrated_gradients
from skadv.inspection._quadrature import MAX_N_STEPS, QUADRATURE_METHODS
from skadv.utils._dask import is_dask_array, is_dask_collection, map_rows, reduce_rows
from skadv.utils._resolve import is_fitted_model
from skadv.utils._validation import default_feature_names


def _check_samples_first(X):
    """Reject 1-d inputs early; anything else is left to the wrapped model."""
    # X is not converted: a Pipeline may select DataFrame columns by name and a
    # torch module may take images, so only the dimension is checked here.
    shape = getattr(X, "shape", None)
    ndim = len(shape) if shape is not None else np.asarray(X, dtype=object).ndim
    if ndim < 2:
        raise ValueError(
            f"Expected a 2D array of shape (n_samples, n_features), got a {ndim}D "
            "array instead. Reshape your data either using array.reshape(-1, 1) if "
            "your data has a single feature or array.reshape(1, -1) if it contains "
            "a single sample."
        )


def _check_attributions(attributions):
    """Attributions as a finite float64 matrix with at least one row."""
    try:
        arr = np.asarray(attributions)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"attributions must be a rectangular array: {exc}") from exc
    if arr.dtype.kind == "c":
        # A cast to float would silently drop the imaginary parts.
        raise TypeError("attributions must hold real numbers, not complex ones.")
    try:
        arr = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"attributions must hold real numbers; got dtype {arr.dtype}: {exc}"
        ) from exc
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(
            "attributions must have shape (n_samples, n_encoded) with at least one "
            f"row; got {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("attributions must be finite (no NaN or infinity).")
    return arr


def _aggregate(attributions, parents, n_groups):
    """Mean |IG| per encoded column and its sums over groups."""
    value_impact = np.mean(np.abs(attributions), axis=0)
    impact = np.bincount(parents, weights=value_impact, minlength=n_groups)
    return value_impact, impact


def _group_sums(attributions, groups, n_groups):
    """Each row's attributions summed over the columns of every group."""
    out = np.zeros((attributions.shape[0], n_groups))
    np.add.at(out.T, groups, attributions.T)
    return out


def _impact_partials(attributions, groups):
    """Column sums of ``|IG|``, the sum of the rows' feature Gini, the rows."""
    gini = feature_gini(attributions, groups)
    totals = np.abs(attributions).sum(axis=0)
    return np.concatenate([totals, [gini.sum(), attributions.shape[0]]])[None]


def _dask_impacts(attributions, groups, n_groups):
    """Feature value impacts, feature impacts and mean feature Gini of lazy IG.

    One pass over the blocks: each block's attributions are reduced where
    they are computed, and only one row of partial sums per block comes back.
    """
    d = attributions.shape[1]
    block_partials = partial(_impact_partials, groups=groups)
    partials = reduce_rows(block_partials, attributions, d + 2)
    totals = partials.compute().sum(axis=0)
    n = totals[-1]
    if n == 0:
        raise ValueError("FeatureImpactTransformer.fit needs at least one row of X.")
    value_impact = totals[:d] / n
    impact = np.bincount(groups, weights=value_impact, minlength=n_groups)
    return value_impact, impact, float(totals[d] / n)


def _impact_series(values, names, name, sort):
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a test dependency
        raise ImportError("Sorted impact views need pandas installed.") from exc
    series = pd.Series(values, index=pd.Index(list(names), name="feature"), name=name)
    return series.sort_values(ascending=False, kind="stable") if sort else series


@validate_params(
    {
        "attributions": ["array-like"],
        "groups": [dict, "array-like", None],
        "encoded_feature_names": ["array-like", None],
        "feature_names": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def feature_impact(
    attributions, groups=None, *, encoded_feature_names=None, feature_names=None
):
    """Feature value impact and feature impact of precomputed attributions.

    For encoded columns ``i`` and rows ``x`` of a dataset ``D``,
    ``FV_i = mean_x |IG_i(x)|``, and the impact of an original feature is the sum
    of ``FV_i`` over the encoded columns ``i`` that come from it (Appendix H of
    Chalasani et al., 2020).

    Parameters
    ----------
    attributions : array-like of shape (n_samples, n_encoded)
        Attributions in the encoded space, e.g. from
        :func:`integrated_gradients`. Must be finite real numbers.
    groups : dict, array-like of shape (n_encoded,) or None, default=None
        The original feature of each encoded column: a dict mapping feature names
        to lists of encoded columns (names or indices; unlisted columns stand
        alone), or an int array giving each column's group index. None keeps
        every column on its own.
    encoded_feature_names : array-like of shape (n_encoded,), default=None
        Names of the encoded columns; ``x0, x1, ...`` when None.
    feature_names : array-like of shape (n_groups,), default=None
        Group names when ``groups`` is an int array; its length sets the number
        of groups, so features without columns get an impact of 0. Defaults to
        ``g0, g1, ...`` up to the largest group index.

    Returns
    -------
    result : Bunch
        ``feature_value_impact`` (n_encoded,), ``encoded_feature_names``
        (n_encoded,), ``feature_impact`` (n_groups,), ``feature_names``
        (n_groups,) and ``groups`` (group index of each encoded column).

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.inspection import feature_impact
    >>> attr = np.array([[0.5, 0.0, -1.0], [0.0, 0.25, 1.0]])
    >>> res = feature_impact(attr, {"color": [0, 1]},
    ...                      encoded_feature_names=["red", "blue", "size"])
    >>> res.feature_value_impact.tolist(), res.feature_impact.tolist()
    ([0.25, 0.125, 1.0], [0.375, 1.0])
    >>> res.feature_names.tolist()
    ['color', 'size']
    """
    attributions = _check_attributions(attributions)
    n_encoded = attributions.shape[1]
    if encoded_feature_names is None:
        encoded_feature_names = default_feature_names(n_encoded)
    encoded_feature_names = np.asarray(encoded_feature_names, dtype=object)
    if encoded_feature_names.shape != (n_encoded,):
        raise ValueError(
            f"encoded_feature_names must have {n_encoded} entries; got "
            f"{encoded_feature_names.shape[0]}."
        )
    if groups is None:
        parents, names = np.arange(n_encoded), encoded_feature_names
    elif isinstance(groups, dict):
        parents, names = groups_from_mapping(groups, encoded_feature_names)
    else:
        parents = np.asarray(groups)
        if parents.shape != (n_encoded,) or not np.issubdtype(
            parents.dtype, np.integer
        ):
            raise ValueError(
                f"groups given as an array must hold {n_encoded} integers; got "
                f"shape {parents.shape} and dtype {parents.dtype}."
            )
        if n_encoded and parents.min() < 0:
            raise ValueError("group indices must be non-negative.")
        n_groups = parents.max() + 1 if n_encoded else 0
        if feature_names is None:
            names = default_feature_names(n_groups, prefix="g")
        else:
            names = np.asarray(feature_names, dtype=object)
            if names.ndim != 1 or len(names) < n_groups:
                raise ValueError(
                    f"feature_names must name all {n_groups} groups (a 1-d list); "
                    f"got shape {names.shape}."
                )
    value_impact, impact = _aggregate(attributions, parents, len(names))
    return Bunch(
        feature_value_impact=value_impact,
        encoded_feature_names=encoded_feature_names,
        feature_impact=impact,
        feature_names=np.asarray(names, dtype=object),
        groups=np.asarray(parents, dtype=np.intp),
    )


class FeatureImpactTransformer(TransformerMixin, BaseEstimator):
    """Integrated Gradients aggregated onto the original features.

    ``fit(X, y)`` explains a model on ``X`` and stores, for every encoded
    column ``i``, the feature value impact ``FV_i = mean_x |IG_i(x)|`` and, for
    every original feature, its feature impact ``FI``: the sum of ``FV`` over
    the encoded columns it produced (Appendix H of Chalasani et al., 2020).
    ``transform(X)`` returns each row's attributions summed per original feature.

    The model may be given fitted, in which case it is explained as is, or
    unfitted, in which case ``fit`` first fits a clone of it on ``(X, y)``.

    The grouping of encoded columns is read from the fitted preprocessing steps
    of a Pipeline: OneHotEncoder (including ``drop``, ``min_frequency`` /
    ``max_categories`` with infrequent categories merged), ColumnTransformer
    (with passthrough or dropped remainders), nested Pipelines and one-to-one
    transformers such as scalers. Other encoders need ``groups``.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        The model to explain: a classifier accepted by
        :func:`integrated_gradients` (a skadv estimator that provides input
        gradients, a Pipeline whose last step is one, or a ``torch.nn.Module``
        returning logits).

        - Fitted (:func:`~sklearn.utils.validation.check_is_fitted` passes;
          always the case for a torch module): ``fit`` explains it as is. It is
          never refitted nor modified, and ``estimator_`` is this very object,
          not a copy. ``y`` is then optional.
        - Not fitted: ``fit(X, y)`` fits a clone of it on ``(X, y)``, stores it
          as ``estimator_`` and explains it; ``y`` is required.

        :func:`~sklearn.base.clone` (used by cross-validation and grid search)
        returns an unfitted copy, so a fitted model is refitted on each training
        split there; wrap it in :class:`~sklearn.frozen.FrozenEstimator` to keep
        explaining that one fitted model.
    groups : dict, default=None
        Explicit grouping: original feature name -> list of encoded columns
        (names or indices) in the space the final estimator sees. Unlisted
        columns stand alone. None reads the grouping from the Pipeline (each
        column on its own for a bare estimator).
    baselines : {"zero", "mean", "median"}, float, array-like or None, \
default=None
        Integrated Gradients baselines in the encoded space (zeros when None or
        ``"zero"``). ``"mean"`` and ``"median"`` are taken on the ``fit`` data,
        in the space the final estimator sees, stored as ``baseline_`` and used
        by ``transform`` too: rows are explained against the training
        statistic, not against their own.
    output : {"proba", "logit", "decision"}, default="proba"
        The attributed output, see :func:`integrated_gradients`; a model that
        defines no probabilities (such as ``LinearSVC``) needs ``"logit"``.
    method : {"auto", "exact", "gausslegendre", "riemann_left", \
"riemann_right", "riemann_middle", "riemann_trapezoid"} or tuple (alphas, \
weights), default="auto"
        Integration method, or a quadrature rule given by its nodes and
        weights, see :func:`integrated_gradients`.
    n_steps : int, default=50
        Quadrature nodes for the non-exact methods, at most 1000.
    internal_batch_size : int, default=None
        Bound on the points evaluated at once, see :func:`integrated_gradients`.

    Attributes
    ----------
    estimator_ : estimator, Pipeline or torch.nn.Module
        The explained model: ``estimator`` itself when it was fitted, else a
        clone of it fitted on the ``fit`` data.
    feature_value_impact_ : ndarray of shape (n_encoded,)
        Mean absolute attribution of each encoded column on the ``fit`` data,
        attributing the true class when ``y`` is given, else the predicted one.
    encoded_feature_names_ : ndarray of shape (n_encoded,)
        Names of the encoded columns, such as ``"odor_foul"``.
    feature_impact_ : ndarray of shape (n_features_out,)
        Sum of ``feature_value_impact_`` over each original feature's columns.
    groups_ : ndarray of shape (n_encoded,)
        Index into ``get_feature_names_out()`` of each encoded column.
    feature_gini_ : float
        Mean over the ``fit`` rows of the Gini index of each row's absolute
        attributions summed per original feature (:func:`feature_gini`).
    baseline_ : ndarray or None
        The baselines used by ``fit`` and ``transform``, in the space the final
        estimator sees: the training statistic for ``"mean"`` or
        ``"median"`` (shape ``(n_encoded,)``), None for the zero baseline,
        else ``baselines`` as given.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    feature_impact : The same aggregation for precomputed attributions.
    FeatureImpactDisplay : Bar charts of the feature impacts of several models.

    Notes
    -----
    Whether to fit is decided from the state of ``estimator`` rather than by a
    ``prefit`` flag. Explaining a model one has just trained, the common case,
    then needs no extra argument, and the transformer behaves like any
    scikit-learn meta-estimator inside cross-validation. A flag could also
    contradict the estimator: ``prefit=True`` fails once
    :func:`~sklearn.base.clone` has dropped the fitted state, while
    :class:`~sklearn.frozen.FrozenEstimator` states the intent of keeping a
    fitted model in the estimator itself and survives cloning.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skadv.inspection import FeatureImpactTransformer
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(6, 3))
    >>> y = np.array([0, 1, 0, 1, 1, 0])

    An unfitted model is fitted (as a clone) on ``(X, y)`` first:

    >>> fi = FeatureImpactTransformer(AdversarialLogisticRegression(epsilon=0.05))
    >>> fi.fit(X, y).estimator_.coef_.shape
    (1, 3)
    >>> fi.transform(X).shape
    (6, 3)

    A fitted model, here a torch module, is explained as is:

    >>> net = torch.nn.Linear(3, 2).double()
    >>> fi = FeatureImpactTransformer(net, groups={"ab": [0, 1]}).fit(X)
    >>> fi.estimator_ is net
    True
    >>> fi.get_feature_names_out().tolist()
    ['ab', 'x2']
    """

    _parameter_constraints = {
        "estimator": "no_validation",
        "groups": [dict, None],
        "baselines": [StrOptions(set(BASELINE_STRATEGIES)), Real, "array-like", None],
        "output": [StrOptions({"proba", "logit", "decision"})],
        "method": [StrOptions({"auto", "exact", *QUADRATURE_METHODS}), tuple],
        "n_steps": [Interval(Integral, 1, MAX_N_STEPS, closed="both")],
        "internal_batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        estimator,
        *,
        groups=None,
        baselines=None,
        output="proba",
        method="auto",
        n_steps=50,
        internal_batch_size=None,
    ):
        self.estimator = estimator
        self.groups = groups
        self.baselines = baselines
        self.output = output
        self.method = method
        self.n_steps = n_steps
        self.internal_batch_size = internal_batch_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator
        if hasattr(inner, "__sklearn_tags__"):
            inner_tags = get_tags(inner)
            # Inputs reach the wrapped model untouched, so it decides what X may be.
            tags.input_tags = inner_tags.input_tags
            tags.non_deterministic = inner_tags.non_deterministic
        # y is needed only to fit an unfitted model; a fitted one is explained
        # with or without true labels.
        tags.target_tags.required = not is_fitted_model(inner)
        return tags

    def _attributions(self, X, y):
        attr = integrated_gradients(
            self.estimator_,
            X,
            y,
            baselines=self.baseline_,
            output=self.output,
            method=self.method,
            n_steps=self.n_steps,
            internal_batch_size=self.internal_batch_size,
        )
        if is_dask_array(attr):
            return attr if attr.ndim == 2 else attr.reshape(attr.shape[0], -1)
        # Labelled (DataFrame) attributions are aggregated as plain arrays.
        attr = np.asarray(attr)
        return attr.reshape(attr.shape[0], -1)

    def _fit_baseline(self, X):
        """The baselines of fit and transform, a statistic taken on the fit data."""
        if self.baselines is None or (
            isinstance(self.baselines, str) and self.baselines == "zero"
        ):
            return None
        if isinstance(self.baselines, str) and is_dask_collection(X):
            from skadv.inspection._dask_ig import model_inputs, row_statistic_of

            _, X_final = model_inputs(self.estimator_, X)
            return row_statistic_of(X_final, self.baselines)
        if isinstance(self.baselines, str):
            return baseline_from(self.estimator_, X, self.baselines)
        # Numbers are checked, with the other arguments, by integrated_gradients.
        return self.baselines

    # The wrapped estimator's parameters are not validated by this class, so its
    # own fit must validate them: nested validation stays on.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the model if needed, explain it on ``X`` and store the impacts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs in the model's raw space (before a Pipeline's encoders). For
            a dask array the attributions are computed block by block and
            reduced where they are computed, in one pass (a second one first
            for ``baselines="mean"``; ``"median"`` is refused): no block of
            attributions is held beyond its own task, and the impacts are the
            means over all the rows.
        y : array-like of shape (n_samples,), default=None
            True labels. Required when ``estimator`` is not fitted, to fit its
            clone. Each row then attributes its true class (the paper's
            choice); without ``y`` it attributes its predicted class.

        Returns
        -------
        self : FeatureImpactTransformer
            The fitted transformer.
        """
        _check_samples_first(X)
        # Raises the usual "requires y" error when a model has to be fitted.
        validate_data(self, X, y, skip_check_array=True)
        if is_fitted_model(self.estimator):
            self.estimator_ = self.estimator
        else:
            self.estimator_ = clone(self.estimator).fit(X, y)
        self.baseline_ = self._fit_baseline(X)
        attr = self._attributions(X, y)
        encoded, parents, names = model_grouping(
            self.estimator_, attr.shape[1], self.groups
        )
        self.encoded_feature_names_ = encoded
        self.groups_ = parents
        # Without explicit groups every output column is one input feature, so
        # the output names follow the input names (see get_feature_names_out).
        one_to_one = self.groups is None and len(names) == self.n_features_in_
        self._feature_names_out_ = None if one_to_one else names
        if is_dask_array(attr):
            impacts = _dask_impacts(attr, parents, len(names))
            self.feature_value_impact_, self.feature_impact_ = impacts[:2]
            self.feature_gini_ = impacts[2]
            return self
        self.feature_value_impact_, self.feature_impact_ = _aggregate(
            attr, parents, len(names)
        )
        self.feature_gini_ = float(np.mean(feature_gini(attr, parents)))
        return self

    def transform(self, X):
        """Per-row attributions summed over each original feature's columns.

        The predicted class of each row is attributed. Signed attributions are
        summed, so each row still sums to ``F(x) - F(u)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs in the model's raw space.

        Returns
        -------
        X_impact : ndarray of shape (n_samples, n_features_out)
            Aggregated attributions, columns named by ``get_feature_names_out``.
            A lazy dask array with the row chunks of ``X`` when ``X`` is one,
            each block explained and summed in memory.
        """
        check_is_fitted(self)
        _check_samples_first(X)
        validate_data(self, X, skip_check_array=True, reset=False)
        attr = self._attributions(X, None)
        if attr.shape[1] != len(self.groups_):
            raise ValueError(
                f"The model produced {attr.shape[1]} encoded columns, but "
                f"{len(self.groups_)} were seen in fit."
            )
        n_out = len(self.feature_impact_)
        if is_dask_array(attr):
            sums = partial(_group_sums, groups=self.groups_, n_groups=n_out)
            return map_rows(sums, attr, n_out, np.float64)
        return _group_sums(attr, self.groups_, n_out)

    def get_feature_names_out(self, input_features=None):
        """Names of the original features, one per column of ``transform``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names. Checked against ``feature_names_in_`` (or
            against ``n_features_in_`` when ``fit`` saw no names). Without
            ``groups`` the output features are the input features, so they are
            named after these (``x0, x1, ...`` when None and unknown); with
            ``groups`` the names are those of the groups.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The original feature names (group names for an explicit mapping).
        """
        check_is_fitted(self)
        names_in = _check_feature_names_in(self, input_features)
        if self._feature_names_out_ is None:
            return np.asarray(names_in, dtype=object)
        return np.asarray(self._feature_names_out_, dtype=object)

    def get_feature_impact(self, level="feature", *, sort=True):
        """Impacts as a pandas Series, largest first.

        Parameters
        ----------
        level : {"feature", "value"}, default="feature"
            ``"feature"`` for ``feature_impact_`` by original feature,
            ``"value"`` for ``feature_value_impact_`` by encoded column.
        sort : bool, default=True
            Sort in decreasing order of impact (ties keep column order).

        Returns
        -------
        impact : pandas.Series
            Impacts indexed by feature name.
        """
        check_is_fitted(self)
        if level == "feature":
            values, names, label = (
                self.feature_impact_,
                self.get_feature_names_out(),
                "feature_impact",
            )
        elif level == "value":
            values, names, label = (
                self.feature_value_impact_,
                self.encoded_feature_names_,
                "feature_value_impact",
            )
        else:
            raise ValueError(f"level must be 'feature' or 'value'; got {level!r}.")
        return _impact_series(values, names, label, sort)
