"""The pipeline and the report's three model types.

All three models share one preprocessing (:mod:`._preprocess`) and are fitted
on the same training split, each at the point chosen on its path
(:mod:`._paths`):

- ``natural``: epsilon = 0 with scikit-learn's default L2 penalty (C = 1).
  Some tables (Mushroom) are linearly separable, where an unpenalised
  optimum does not exist, so a mild L2 term keeps the weights finite.
- ``l1``: epsilon = 0 with a pure L1 penalty of the chosen lambda. The paper
  states its strength as lambda on the *mean* loss; the estimator puts C on
  the *summed* loss, so ``C = 1 / (lambda * n_train)`` gives the same optimum.
- ``adversarial``: the chosen epsilon, with the same C as ``natural``.
"""

from sklearn.pipeline import Pipeline

from ._preprocess import make_preprocessor

MODEL_NAMES = ("natural", "l1", "adversarial")
MODEL_TITLES = {
    "natural": "Natural",
    "l1": "Natural + L1",
    "adversarial": "Adversarial",
}


def make_model_pipeline(table, **estimator_params):
    """Preprocessing followed by an AdversarialLogisticRegression.

    Parameters
    ----------
    table : TabularData
        The table, for its column kinds.
    **estimator_params
        Passed to :class:`~skadv.linear_model.AdversarialLogisticRegression`.

    Returns
    -------
    pipeline : Pipeline
        Steps ``"encode"`` and ``"model"``, unfitted.
    """
    from ..linear_model import AdversarialLogisticRegression

    impute = bool(table.numeric) and bool(table.X[table.numeric].isna().any().any())
    collapse = [entry["column"] for entry in getattr(table, "collapsed", [])]
    pre = make_preprocessor(
        table.categorical, table.numeric, impute_numeric=impute, collapse=collapse
    )
    model = AdversarialLogisticRegression(**estimator_params)
    return Pipeline([("encode", pre), ("model", model)])


def l1_C(l1_lambda, n_train):
    """C of the summed-loss objective equal to lambda on the mean loss.

    Examples
    --------
    >>> from skadv._report import l1_C
    >>> round(l1_C(0.01, 5686), 6)
    0.017587
    """
    return 1.0 / (l1_lambda * n_train)


def fit_models(pipeline, X, y, *, epsilon, l1_lambda):
    """The three model types fitted on the whole training split.

    Parameters
    ----------
    pipeline : Pipeline
        Unfitted; its ``"model"`` step is an AdversarialLogisticRegression.
    X, y : training data.
    epsilon : float
        Budget of the adversarial model, chosen on its path.
    l1_lambda : float
        L1 strength on the mean loss, chosen on its path.

    Returns
    -------
    models : dict of str to Pipeline
        Keyed by ``MODEL_NAMES``.
    """
    from sklearn.base import clone

    settings = {
        "natural": {"model__epsilon": 0.0},
        "l1": {
            "model__epsilon": 0.0,
            "model__l1_ratio": 1.0,
            "model__C": l1_C(l1_lambda, len(y)),
        },
        "adversarial": {"model__epsilon": float(epsilon)},
    }
    return {
        name: clone(pipeline).set_params(**settings[name]).fit(X, y)
        for name in MODEL_NAMES
    }
