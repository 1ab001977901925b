"""Test-split numbers of each fitted model: accuracy, robustness, conciseness.

Explanations are Integrated Gradients of the predicted probability of the true
class, from the all-zero baseline of the encoded space (no category active,
every numeric column at its training mean), as in the paper.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score


@dataclass
class ModelResult:
    """What the report shows about one fitted model.

    Attributes
    ----------
    name : str
        One of ``natural``, ``l1``, ``adversarial``.
    epsilon, C, l1_ratio : float
        The estimator's training parameters.
    accuracy, roc_auc, robust_accuracy, gini : float
        Test accuracy, ROC AUC, robust accuracy at the report's epsilon, and
        the mean over test rows of the Gini index of |IG|.
    feature_value_impact : ndarray of shape (n_encoded,)
        Mean |IG| of each encoded column over the test rows.
    feature_impact : ndarray of shape (n_groups,)
        The same summed over the encoded columns of each original column.
    group_names : ndarray of str
        Original column names, aligned with ``feature_impact``.
    encoded_names : ndarray of str
        Names of the encoded columns.
    groups : ndarray of int
        Index into ``group_names`` of each encoded column.
    coef : ndarray of shape (n_encoded,)
        The fitted weights.
    """

    name: str
    epsilon: float
    C: float
    l1_ratio: float
    accuracy: float
    roc_auc: float
    robust_accuracy: float
    gini: float
    feature_value_impact: np.ndarray
    feature_impact: np.ndarray
    group_names: np.ndarray
    encoded_names: np.ndarray
    groups: np.ndarray
    coef: np.ndarray


def evaluate_model(name, pipeline, X, y, *, epsilon):
    """Score one fitted pipeline on the test split.

    Parameters
    ----------
    name : str
        Model type.
    pipeline : Pipeline
        Fitted preprocessing + AdversarialLogisticRegression.
    X, y : test data (raw table and 0/1 target).
    epsilon : float
        The epsilon at which robust accuracy is measured.

    Returns
    -------
    result : ModelResult
    """
    from ..inspection import FeatureImpactTransformer, gini_index, integrated_gradients
    from ..metrics import robust_accuracy_score

    model = pipeline.named_steps["model"]
    proba = pipeline.predict_proba(X)[:, 1]
    attributions = integrated_gradients(pipeline, X, y)
    gini = gini_index(np.abs(attributions), axis=1)
    impact = FeatureImpactTransformer(pipeline).fit(X, y)
    return ModelResult(
        name=name,
        epsilon=float(model.epsilon),
        C=float(model.C),
        l1_ratio=float(model.l1_ratio),
        accuracy=float(accuracy_score(y, pipeline.predict(X))),
        roc_auc=float(roc_auc_score(y, proba)),
        robust_accuracy=float(robust_accuracy_score(pipeline, X, y, epsilon=epsilon)),
        gini=float(np.mean(gini)),
        feature_value_impact=np.asarray(impact.feature_value_impact_, dtype=float),
        feature_impact=np.asarray(impact.feature_impact_, dtype=float),
        group_names=np.asarray(impact.get_feature_names_out(), dtype=object),
        encoded_names=np.asarray(impact.encoded_feature_names_, dtype=object),
        groups=np.asarray(impact.groups_, dtype=np.intp),
        coef=np.asarray(model.coef_, dtype=float).ravel(),
    )


def impact_threshold(results, fraction):
    """Smallest feature-value impact that counts as non-negligible.

    A common threshold for all models (``fraction`` of the largest impact of
    any model) keeps their counts comparable, as in the paper's Figure J.5.
    """
    top = max(float(np.max(r.feature_value_impact, initial=0.0)) for r in results)
    return fraction * top


def count_impactful(result, threshold):
    """Number of encoded columns whose impact reaches `threshold` (> 0)."""
    values = result.feature_value_impact
    return int(np.sum((values >= threshold) & (values > 0)))
