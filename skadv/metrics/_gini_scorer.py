"""A scorer measuring how concentrated a model's explanations are."""

import inspect

import numpy as np

from skadv.metrics._robust import (
    checked_sample_weight,
    combine_weighted,
    weighted_partials,
)
from skadv.utils._dask import is_dask_array, reduce_rows, rows_like


def _allowed_ig_params():
    from skadv.inspection import integrated_gradients

    signature = inspect.signature(integrated_gradients)
    return {
        name
        for name, p in signature.parameters.items()
        if p.kind is p.KEYWORD_ONLY and name != "return_convergence_delta"
    }


def make_gini_scorer(*, level="encoded", groups=None, **ig_params):
    """Scorer: mean Gini index of the Integrated Gradients of the scoring rows.

    ``scorer(estimator, X, y)`` explains every row of ``X`` with
    :func:`~skadv.inspection.integrated_gradients` (attributing the true class
    ``y``, the paper's choice) and returns the mean over rows of
    :func:`~skadv.inspection.gini_index`. Greater means more concentrated
    explanations. Combined with accuracy in a multi-metric search, it supports the
    recipe of Chalasani et al. (2020) for choosing ``epsilon``: among the values
    whose accuracy is within a tolerance of the best, take the one with the most
    concentrated attributions.

    Parameters
    ----------
    level : {"encoded", "feature"}, default="encoded"
        ``"encoded"``: the Gini index over the columns the final estimator sees
        (the one-hot columns of a Pipeline). ``"feature"``: over the original
        features, the absolute attributions of each feature's columns summed
        first (:func:`~skadv.inspection.feature_gini`), with the grouping read
        from the scored model as by
        :class:`~skadv.inspection.FeatureImpactTransformer`.
    groups : dict, default=None
        Explicit grouping for ``level="feature"``: original feature name ->
        list of encoded columns (names or indices). None reads it from the
        Pipeline's preprocessing.
    **ig_params : dict
        Keyword arguments of :func:`~skadv.inspection.integrated_gradients`:
        ``baselines``, ``target``, ``output``, ``n_steps``, ``method``,
        ``internal_batch_size``. ``baselines="mean"`` or ``"median"`` is the
        statistic of the scored rows; to explain every fold against one fixed
        row, such as the training mean from
        :func:`~skadv.inspection.baseline_from`, pass that row.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None)`` returning a float in
        ``[0, 1)``; ``sample_weight`` weights the mean over rows. For a dask
        array ``X`` the rows are explained block by block (see
        :func:`~skadv.inspection.integrated_gradients`) and each block's Gini
        indices are summed where it is computed; the mean is reduced from
        those sums.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.metrics import make_gini_scorer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> scores = cross_val_score(AdversarialLogisticRegression(), X, y, cv=3,
    ...                          scoring=make_gini_scorer())
    >>> bool(np.all((scores >= 0) & (scores < 1)))
    True
    """
    if not (isinstance(level, str) and level in ("encoded", "feature")):
        raise ValueError(f"level must be 'encoded' or 'feature'; got {level!r}.")
    if groups is not None and not isinstance(groups, dict):
        raise TypeError(
            "groups must be None or a dict mapping feature names to encoded "
            f"columns; got a {type(groups).__name__}."
        )
    if groups is not None and level != "feature":
        raise ValueError("groups is used only with level='feature'.")
    unknown = set(ig_params) - _allowed_ig_params()
    if unknown:
        raise TypeError(
            f"make_gini_scorer got unexpected arguments {sorted(unknown)}; "
            f"expected keywords of integrated_gradients among "
            f"{sorted(_allowed_ig_params())}."
        )
    return _GiniScorer(ig_params, level=level, groups=groups)


def _row_gini(attributions, parents):
    """Gini index of each row, over the encoded columns or over ``parents``."""
    from skadv.inspection import feature_gini, gini_index

    if parents is None:
        return gini_index(attributions, axis=1)
    return feature_gini(attributions, parents)


class _GiniBlock:
    """Weighted sum of the row Gini indices of one block (picklable)."""

    def __init__(self, parents):
        self.parents = parents

    def __call__(self, attributions, sample_weight):
        gini = _row_gini(attributions, self.parents)
        return weighted_partials(gini, sample_weight)


class _GiniScorer:
    """Picklable callable behind :func:`make_gini_scorer`."""

    def __init__(self, ig_params, *, level="encoded", groups=None):
        self.ig_params = ig_params
        self.level = level
        self.groups = groups

    def __call__(self, estimator, X, y, sample_weight=None):
        from skadv.inspection import integrated_gradients
        from skadv.inspection._grouping import model_grouping

        attributions = integrated_gradients(estimator, X, y, **self.ig_params)
        if not is_dask_array(attributions):
            # Labelled (DataFrame) attributions are scored as plain arrays.
            attributions = np.asarray(attributions)
        attributions = attributions.reshape(attributions.shape[0], -1)
        parents = None
        if self.level == "feature":
            _, parents, _ = model_grouping(
                estimator, attributions.shape[1], self.groups
            )
        if is_dask_array(attributions):
            block = _GiniBlock(parents)
            weights = rows_like(sample_weight, attributions, "sample_weight")
            partials = reduce_rows(block, attributions, 3, weights)
            return combine_weighted(partials.compute())
        gini = _row_gini(attributions, parents)
        weights = checked_sample_weight(sample_weight, gini.shape[0])
        return float(np.average(gini, weights=weights))

    def __repr__(self):
        params = dict(self.ig_params)
        if self.level != "encoded":
            params["level"] = self.level
        if self.groups is not None:
            params["groups"] = self.groups
        params = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        return f"make_gini_scorer({params})"
