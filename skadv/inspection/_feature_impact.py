"""Feature impact: Integrated Gradients aggregated over a dataset (Appendix H)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from skadv.inspection._grouping import column_parents, groups_from_mapping
from skadv.inspection._integrated_gradients import integrated_gradients, unfreeze
from skadv.inspection._quadrature import QUADRATURE_METHODS


def _default_names(n, prefix="x"):
    return np.asarray([f"{prefix}{i}" for i in range(n)], dtype=object)


def _aggregate(attributions, parents, n_groups):
    """Mean |IG| per encoded column and its sums over groups."""
    value_impact = np.mean(np.abs(attributions), axis=0)
    impact = np.bincount(parents, weights=value_impact, minlength=n_groups)
    return value_impact, impact


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
        :func:`integrated_gradients`.
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
    attributions = np.asarray(attributions, dtype=np.float64)
    if attributions.ndim != 2 or attributions.shape[0] == 0:
        raise ValueError(
            "attributions must have shape (n_samples, n_encoded) with at least one "
            f"row; got {attributions.shape}."
        )
    n_encoded = attributions.shape[1]
    if encoded_feature_names is None:
        encoded_feature_names = _default_names(n_encoded)
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
        if parents.min() < 0:
            raise ValueError("group indices must be non-negative.")
        if feature_names is None:
            names = _default_names(parents.max() + 1, prefix="g")
        else:
            names = np.asarray(feature_names, dtype=object)
            if names.ndim != 1 or len(names) <= parents.max():
                raise ValueError(
                    f"feature_names must name all {parents.max() + 1} groups; got "
                    f"{len(names)} names."
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

    ``fit(X, y)`` explains a fitted model on ``X`` and stores, for every encoded
    column ``i``, the feature value impact ``FV_i = mean_x |IG_i(x)|`` and, for
    every original feature, its feature impact ``FI``: the sum of ``FV`` over
    the encoded columns it produced (Appendix H of Chalasani et al., 2020).
    ``transform(X)`` returns each row's attributions summed per original feature.

    The grouping of encoded columns is read from the fitted preprocessing steps
    of a Pipeline: OneHotEncoder (including ``drop``, ``min_frequency`` /
    ``max_categories`` with infrequent categories merged), ColumnTransformer
    (with passthrough or dropped remainders), nested Pipelines and one-to-one
    transformers such as scalers. Other encoders need ``groups``.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted model accepted by :func:`integrated_gradients`. It is not
        refitted; wrap it in :class:`~sklearn.frozen.FrozenEstimator` to keep it
        fitted through :func:`~sklearn.base.clone`.
    groups : dict, default=None
        Explicit grouping: original feature name -> list of encoded columns
        (names or indices) in the space the final estimator sees. Unlisted
        columns stand alone. None reads the grouping from the Pipeline (each
        column on its own for a bare estimator).
    baselines : None, float or array-like, default=None
        Integrated Gradients baselines in the encoded space (zeros when None).
    method : {"auto", "exact", "gausslegendre", "riemann_left", \
"riemann_right", "riemann_middle", "riemann_trapezoid"}, default="auto"
        Integration method, see :func:`integrated_gradients`.
    n_steps : int, default=50
        Quadrature nodes for the non-exact methods.
    internal_batch_size : int, default=None
        Bound on the points evaluated at once, see :func:`integrated_gradients`.

    Attributes
    ----------
    feature_value_impact_ : ndarray of shape (n_encoded,)
        Mean absolute attribution of each encoded column on the ``fit`` data,
        attributing the true class when ``y`` is given, else the predicted one.
    encoded_feature_names_ : ndarray of shape (n_encoded,)
        Names of the encoded columns, such as ``"odor_foul"``.
    feature_impact_ : ndarray of shape (n_features_out,)
        Sum of ``feature_value_impact_`` over each original feature's columns.
    groups_ : ndarray of shape (n_encoded,)
        Index into ``get_feature_names_out()`` of each encoded column.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    feature_impact : The same aggregation for precomputed attributions.
    FeatureImpactDisplay : Bar charts of the feature impacts of several models.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skadv.inspection import FeatureImpactTransformer
    >>> net = torch.nn.Linear(3, 2).double()
    >>> X = np.random.default_rng(0).normal(size=(6, 3))
    >>> fi = FeatureImpactTransformer(net, groups={"ab": [0, 1]}).fit(X)
    >>> fi.get_feature_names_out().tolist()
    ['ab', 'x2']
    >>> fi.transform(X).shape
    (6, 2)
    """

    _parameter_constraints = {
        "estimator": "no_validation",
        "groups": [dict, None],
        "baselines": [Real, "array-like", None],
        "method": [StrOptions({"auto", "exact", *QUADRATURE_METHODS})],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "internal_batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        estimator,
        *,
        groups=None,
        baselines=None,
        method="auto",
        n_steps=50,
        internal_batch_size=None,
    ):
        self.estimator = estimator
        self.groups = groups
        self.baselines = baselines
        self.method = method
        self.n_steps = n_steps
        self.internal_batch_size = internal_batch_size

    def _attributions(self, X, y):
        attr = integrated_gradients(
            self.estimator,
            X,
            y,
            baselines=self.baselines,
            method=self.method,
            n_steps=self.n_steps,
            internal_batch_size=self.internal_batch_size,
        )
        return attr.reshape(attr.shape[0], -1)

    def _grouping(self, n_encoded):
        model = unfreeze(self.estimator)
        head_names = None
        if isinstance(model, Pipeline) and len(model) > 1:
            head_names = getattr(model, "feature_names_in_", None)
        encoded = None
        if isinstance(model, Pipeline):
            try:
                encoded = np.asarray(model[:-1].get_feature_names_out(), dtype=object)
            except (AttributeError, ValueError, TypeError):
                encoded = None
        elif hasattr(model, "feature_names_in_"):
            encoded = np.asarray(model.feature_names_in_, dtype=object)
        if encoded is None or len(encoded) != n_encoded:
            encoded = _default_names(n_encoded)
        if self.groups is not None:
            parents, names = groups_from_mapping(self.groups, encoded)
        elif isinstance(model, Pipeline) and len(model) > 1:
            n_in = model.n_features_in_
            parents = column_parents(model[:-1], n_in)
            names = head_names if head_names is not None else _default_names(n_in)
        else:
            parents, names = np.arange(n_encoded), encoded
        return encoded, np.asarray(parents, dtype=np.intp), np.asarray(names, object)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Explain the model on ``X`` and store the impacts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs in the model's raw space (before a Pipeline's encoders).
        y : array-like of shape (n_samples,), default=None
            True labels; when given each row attributes its true class (the
            paper's choice), else its predicted class.

        Returns
        -------
        self : FeatureImpactTransformer
            The fitted transformer.
        """
        validate_data(self, X, skip_check_array=True)
        attr = self._attributions(X, y)
        encoded, parents, names = self._grouping(attr.shape[1])
        self.encoded_feature_names_ = encoded
        self.groups_ = parents
        self._feature_names_out = names
        self.feature_value_impact_, self.feature_impact_ = _aggregate(
            attr, parents, len(names)
        )
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
        """
        check_is_fitted(self)
        validate_data(self, X, skip_check_array=True, reset=False)
        attr = self._attributions(X, None)
        if attr.shape[1] != len(self.groups_):
            raise ValueError(
                f"The model produced {attr.shape[1]} encoded columns, but "
                f"{len(self.groups_)} were seen in fit."
            )
        out = np.zeros((attr.shape[0], len(self._feature_names_out)))
        np.add.at(out.T, self.groups_, attr.T)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the original features, one per column of ``transform``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The original feature names (group names for an explicit mapping).
        """
        check_is_fitted(self)
        return np.asarray(self._feature_names_out, dtype=object)

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
                self._feature_names_out,
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
