"""Test-split numbers of each fitted model: accuracy, robustness, conciseness.

Each model is explained once, with Integrated Gradients of a predicted
probability from the report's baseline (the training mean of the encoded
inputs by default, the all-zero encoded input for the paper's comparison).
A binary model is explained towards its positive class for every row: the
attribution of the true class is the same up to its sign, so one computation
gives both the magnitudes (impact, Gini) and the directions. A multiclass
model is explained towards each row's true class.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    roc_auc_score,
)

#: Signed per-value impacts listed per model.
TOP_VALUES = 8


@dataclass
class ModelResult:
    """What the report shows about one fitted model.

    Attributes
    ----------
    name : str
        One of ``natural``, ``l1``, ``adversarial``.
    params : dict
        ``epsilon``, ``C``, ``l1_ratio`` of the estimator.
    scores : dict
        ``accuracy``, ``majority_rate``, ``balanced_accuracy``, ``roc_auc``,
        ``robust_accuracy``, ``gini``, ``feature_gini`` and ``class_gini``.
    value_impact : ndarray of shape (n_encoded,)
        Mean |IG| of each encoded column over the test rows (for multiclass,
        the mean over classes of the per-class means).
    signed_impact : ndarray of shape (n_encoded,)
        Mean over the test rows of each encoded column's IG times the sign of
        its input's step from the baseline: positive when having the value
        (a higher value, for a numeric column) raises the explained
        probability (for multiclass, the mean over classes of ``towards``).
    towards : dict of str to ndarray of shape (n_encoded,)
        Class name -> the signed impacts on the probability of that class: of
        the positive class over every row for binary, of each class over its
        own rows for multiclass.
    feature_impact : ndarray of shape (n_features,)
        ``value_impact`` summed over each original feature's columns.
    class_impact : dict or None
        Multiclass only: class name -> per-feature impact on its rows.
    confusion : ndarray of shape (n_classes, n_classes)
    coef : ndarray of shape (n_rows, n_encoded)
    """

    name: str
    params: dict
    scores: dict
    value_impact: np.ndarray
    signed_impact: np.ndarray
    towards: dict
    feature_impact: np.ndarray
    class_impact: object
    confusion: np.ndarray
    coef: np.ndarray


@dataclass
class Grouping:
    """Encoded columns of the shared preprocessing and their original features."""

    encoded: np.ndarray
    parents: np.ndarray
    features: np.ndarray
    numeric: frozenset

    def value_label(self, column):
        """Readable value of encoded column ``column`` (a category or a direction)."""
        feature = str(self.features[self.parents[column]])
        name = str(self.encoded[column])
        if feature in self.numeric:
            return "(higher)"
        prefix = f"{feature}_"
        return name[len(prefix) :] if name.startswith(prefix) else name


def grouping_of(pipeline, numeric):
    """The :class:`Grouping` of a fitted report pipeline."""
    from ..inspection._grouping import model_grouping

    n_encoded = pipeline.named_steps["model"].coef_.shape[1]
    encoded, parents, features = model_grouping(pipeline, n_encoded)
    return Grouping(encoded, parents, features, frozenset(numeric))


def _by_feature(values, grouping):
    sums = np.zeros(len(grouping.features))
    np.add.at(sums, grouping.parents, values)
    return sums


def _attributions(pipeline, X, y, baseline, binary):
    from ..inspection import integrated_gradients

    target = np.ones_like(y) if binary else y
    attr = integrated_gradients(pipeline, X, target=target, baselines=baseline)
    return np.asarray(attr, dtype=float)


def _roc_auc(y, proba, binary):
    try:
        if binary:
            return float(roc_auc_score(y, proba[:, 1]))
        return float(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    except ValueError:
        # A class absent from the test split leaves the score undefined.
        return None


def _class_gini(gini, y, class_names):
    return {
        str(name): float(gini[y == k].mean()) if np.any(y == k) else None
        for k, name in enumerate(class_names)
    }


def _directions(pipeline, X, baseline):
    """Sign of each encoded input's step from the baseline, row by row."""
    import scipy.sparse as sp

    encoded = pipeline[:-1].transform(X)
    encoded = encoded.toarray() if sp.issparse(encoded) else np.asarray(encoded)
    origin = 0.0 if baseline is None else np.asarray(baseline, dtype=float)
    return np.sign(encoded.astype(float) - origin)


def _impacts(attr, y, grouping, class_names, binary, directions):
    magnitude = np.abs(attr)
    # An attribution signed by the direction of its input's step from the
    # baseline says which way having a value (or a higher value) pushes the
    # explained probability; the plain mean would cancel between the rows
    # above and below a mean baseline.
    signed = (attr * directions).mean(axis=0)
    if binary:
        value_impact = magnitude.mean(axis=0)
        towards = {str(class_names[1]): signed}
        return value_impact, towards, _by_feature(value_impact, grouping), None
    # Each row is explained towards its own class: on the rows of class c, the
    # signed attributions say which way each input pushes c's probability.
    towards = {
        str(name): (attr * directions)[y == k].mean(axis=0)
        for k, name in enumerate(class_names)
        if np.any(y == k)
    }
    per_class = {
        str(name): magnitude[y == k].mean(axis=0)
        for k, name in enumerate(class_names)
        if np.any(y == k)
    }
    # Every class weighs the same in the overall impact, however rare it is.
    value_impact = np.mean(list(per_class.values()), axis=0)
    class_impact = {name: _by_feature(v, grouping) for name, v in per_class.items()}
    return value_impact, towards, _by_feature(value_impact, grouping), class_impact


def evaluate_model(name, pipeline, X, y, *, epsilon, baseline, grouping, class_names):
    """Score and explain one fitted pipeline on the test split.

    Parameters
    ----------
    name : str
        Model type.
    pipeline : Pipeline
        Fitted preprocessing + AdversarialLogisticRegression.
    X, y : test data (raw table, integer class codes).
    epsilon : float
        The budget of the robust accuracy.
    baseline : ndarray of shape (n_encoded,) or None
        Integrated Gradients baseline in the encoded space (None: zeros).
    grouping : Grouping
    class_names : list of str

    Returns
    -------
    result : ModelResult
    """
    from ..inspection import feature_gini, gini_index
    from ..metrics import robust_accuracy_score

    model = pipeline.named_steps["model"]
    binary = len(class_names) == 2
    pred = pipeline.predict(X)
    attr = _attributions(pipeline, X, y, baseline, binary)
    gini = gini_index(np.abs(attr), axis=1)
    value_impact, towards, feature_impact, class_impact = _impacts(
        attr, y, grouping, class_names, binary, _directions(pipeline, X, baseline)
    )
    counts = np.bincount(y, minlength=len(class_names))
    scores = {
        "accuracy": float(accuracy_score(y, pred)),
        "majority_rate": float(counts.max() / counts.sum()),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "roc_auc": _roc_auc(y, pipeline.predict_proba(X), binary),
        "robust_accuracy": float(
            robust_accuracy_score(pipeline, X, y, epsilon=epsilon)
        ),
        "gini": float(np.mean(gini)),
        "feature_gini": float(np.mean(feature_gini(attr, grouping.parents))),
        "class_gini": _class_gini(gini, y, class_names),
    }
    return ModelResult(
        name=name,
        params={
            "epsilon": float(model.epsilon),
            "C": float(model.C),
            "l1_ratio": float(model.l1_ratio),
        },
        scores=scores,
        value_impact=value_impact,
        signed_impact=np.mean(list(towards.values()), axis=0),
        towards=towards,
        feature_impact=feature_impact,
        class_impact=class_impact,
        confusion=confusion_matrix(y, pred, labels=np.arange(len(class_names))),
        coef=np.asarray(model.coef_, dtype=float),
    )


def top_values(result, grouping, n=TOP_VALUES):
    """The (class, encoded column) pairs of largest |signed impact|, as entries."""
    pairs = [
        (abs(values[j]), name, j)
        for name, values in result.towards.items()
        for j in range(len(values))
        if values[j] != 0
    ]
    # Largest first; equal magnitudes keep the class and column order.
    pairs.sort(key=lambda pair: -pair[0])
    return [
        {
            "feature": str(grouping.features[grouping.parents[j]]),
            "value": grouping.value_label(j),
            "encoded": str(grouping.encoded[j]),
            "class": name,
            "signed_impact": float(result.towards[name][j]),
        }
        for _, name, j in pairs[:n]
    ]


def impact_threshold(results, fraction):
    """Smallest feature-value impact that counts as non-negligible.

    A common threshold for all models (``fraction`` of the largest impact of
    any model) keeps their counts comparable, as in the paper's Figure J.5.
    """
    top = max(float(np.max(r.value_impact, initial=0.0)) for r in results)
    return fraction * top


def count_impactful(result, threshold):
    """Number of encoded columns whose impact reaches `threshold` (> 0)."""
    values = result.value_impact
    return int(np.sum((values >= threshold) & (values > 0)))
