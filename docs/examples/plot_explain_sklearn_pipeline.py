"""
====================================================
Explaining a plain scikit-learn logistic regression
====================================================

skadv explains the models you already have. Here a scikit-learn
:class:`~sklearn.linear_model.LogisticRegression`, fitted in an ordinary
:class:`~sklearn.pipeline.Pipeline` with a one-hot encoder, is explained with
exact Integrated Gradients, its attributions are aggregated into the impact of
each of the table's attributes, and its robustness to small perturbations of
the encoded input is measured exactly -- all without retraining it.
"""

# %%
# A plain model
# -------------
# Mushroom ships with skadv: 22 categorical attributes, one-hot encoded into
# indicator columns inside the Pipeline.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skadv.datasets import load_mushroom

X, y = load_mushroom(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
model = make_pipeline(
    OneHotEncoder(handle_unknown="ignore"), LogisticRegression(max_iter=1000)
).fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# Integrated Gradients, labelled
# ------------------------------
# For a linear model the attributions have a closed form (Lemma 4.1 of the
# paper), so ``method="exact"`` costs two dot products per row. ``X_test`` is a
# DataFrame, so the attributions come back as one too, with one column per
# indicator the classifier sees, named by the encoder.
from skadv.inspection import gini_index, integrated_gradients

attributions = integrated_gradients(model, X_test, y_test, method="exact")
print(attributions.shape)
first = attributions.iloc[0]
print("largest attributions of the first test row:")
print(first[first.abs().sort_values(ascending=False).index[:5]].round(3))
print(f"mean Gini of IG: {gini_index(attributions).mean():.3f}")

# %%
# Feature impact, under two baselines
# -----------------------------------
# :class:`~skadv.inspection.FeatureImpactTransformer` sums the absolute
# attributions over each attribute's indicators and averages them over the
# test set. The default baseline is the all-zero encoded row ("no category
# present"); the mean baseline compares each row with the average training row
# instead, which :func:`~skadv.inspection.baseline_from` computes in the space
# the classifier sees.
from skadv.inspection import FeatureImpactTransformer, baseline_from

impacts = {
    "zero baseline": FeatureImpactTransformer(model).fit(X_test, y_test),
    "training-mean baseline": FeatureImpactTransformer(
        model, baselines=baseline_from(model, X_train)
    ).fit(X_test, y_test),
}
for name, impact in impacts.items():
    top = impact.get_feature_impact().head(5).round(3)
    print(f"{name}: feature-level Gini {impact.feature_gini_:.3f}")
    print(top.to_string())

# %%
# Both explanations put ``odor`` first and agree on most of the leading
# attributes, but their weights and the order below the first few change with
# the baseline -- one reason to state the baseline with every explanation. The
# plot shows the two side by side, attributes ordered by the first.
import matplotlib.pyplot as plt

from skadv.inspection import FeatureImpactDisplay

FeatureImpactDisplay.from_transformers(list(impacts.values()), names=list(impacts))
plt.show()

# %%
# Robust accuracy
# ---------------
# How many test rows stay correctly classified when every indicator may move
# by up to ``epsilon``? For a linear model the worst case has a closed form,
# so :func:`~skadv.metrics.robust_accuracy_score` is exact, not an attack's
# estimate. An adversarially trained model of the same form, for comparison,
# keeps its predictions over a much larger budget.
import numpy as np

from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score

robust_model = make_pipeline(
    OneHotEncoder(handle_unknown="ignore"), AdversarialLogisticRegression(epsilon=0.1)
).fit(X_train, y_train)
epsilons = np.linspace(0, 0.3, 7)
curves = {
    "LogisticRegression": [
        robust_accuracy_score(model, X_test, y_test, epsilon=e) for e in epsilons
    ],
    "AdversarialLogisticRegression(epsilon=0.1)": [
        robust_accuracy_score(robust_model, X_test, y_test, epsilon=e) for e in epsilons
    ],
}
for name, curve in curves.items():
    print(name, np.round(curve, 3))

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, curve in curves.items():
    ax.plot(epsilons, curve, "o-", label=name)
ax.set_xlabel("epsilon (l_inf budget on the one-hot columns)")
ax.set_ylabel("robust accuracy on the test set")
ax.legend(loc="lower left")
plt.show()
