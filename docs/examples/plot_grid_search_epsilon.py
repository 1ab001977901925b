"""
=============================================
Choosing epsilon with GridSearchCV
=============================================

The paper picks :math:`\\epsilon` by a simple rule: among the values whose
accuracy stays within a small tolerance of the best, take the one whose
explanations are most concise. :func:`~skadv.model_selection.conciseness_scoring`
gives the scorers it reads -- accuracy and the mean Gini index of the Integrated
Gradients (:func:`~skadv.metrics.make_gini_scorer`) -- and
:func:`~skadv.model_selection.most_concise_within` is the rule as a ``refit``
callable, so that :class:`~sklearn.model_selection.GridSearchCV` applies it with
cross-validation.

The encoder sits inside the Pipeline (a
:class:`~sklearn.compose.ColumnTransformer` here, as for any real table), so
every fold learns its own encoding and nothing leaks from the validation folds.
"""

# %%
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from skadv.datasets import load_mushroom
from skadv.linear_model import AdversarialLogisticRegression
from skadv.model_selection import conciseness_scoring, most_concise_within

X, y = load_mushroom(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

pipeline = Pipeline(
    [
        (
            "encode",
            ColumnTransformer(
                [
                    (
                        "categories",
                        OneHotEncoder(handle_unknown="ignore"),
                        list(X.columns),
                    )
                ]
            ),
        ),
        ("classify", AdversarialLogisticRegression()),
    ]
)

# %%
# The refit rule
# --------------
# ``refit`` receives ``cv_results_`` and returns the index of the candidate to
# refit on the whole training set. Among candidates within ``tolerance`` of the
# best mean accuracy, it takes the highest mean Gini index, and among equal
# ones the largest epsilon. It never takes a candidate that predicts one class
# on some fold, or that does no better than always answering the majority
# class: such a model has the most concise explanation of all, and a useless
# one. The two extra scores of ``conciseness_scoring`` are those guards.
search = GridSearchCV(
    pipeline,
    {"classify__epsilon": [0.0, 0.02, 0.05, 0.1, 0.2, 0.3]},
    scoring=conciseness_scoring(),
    refit=most_concise_within(0.02),
    cv=3,
)
search.fit(X_train, y_train)

results = search.cv_results_
print(" epsilon  CV accuracy  CV Gini of IG")
for epsilon, acc, gini in zip(
    results["param_classify__epsilon"],
    results["mean_test_accuracy"],
    results["mean_test_gini"],
):
    print(f"{epsilon:8.2f}  {acc:11.3f}  {gini:13.3f}")
print(f"chosen: {search.best_params_}")
# With a callable ``refit`` the search has no single score to report, so the
# refitted model is scored directly.
test_accuracy = search.best_estimator_.score(X_test, y_test)
print(f"test accuracy of the refitted model: {test_accuracy:.3f}")

# %%
# The chosen point on the trade-off
# ---------------------------------
import matplotlib.pyplot as plt

epsilons = np.asarray(results["param_classify__epsilon"], dtype=float)
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(epsilons, results["mean_test_accuracy"], "o-", label="CV accuracy")
ax.plot(epsilons, results["mean_test_gini"], "^-", label="CV mean Gini of IG")
ax.axvline(
    search.best_params_["classify__epsilon"], color="grey", ls="--", label="chosen"
)
ax.set_xlabel("epsilon")
ax.legend(loc="lower left")
plt.show()
