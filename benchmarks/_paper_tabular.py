"""Mushroom and Spambase: logistic regression, natural vs L1 vs adversarial.

Set-up of the paper (appendix J.1): 70/30 train/test split, one-hot Mushroom,
epsilon = 0.1, L1 strength lambda = 0.01 (Mushroom) and 0.02 (Spambase) on the
*mean* training loss, Integrated Gradients of the predicted probability of the
true class from the all-zero baseline, in the space the model sees.

Two training recipes are run for every model type:

- ``exact``: skadv's L-BFGS-B solver, the exact optimum of the convex objective;
- ``paper``: the paper's recipe, Adam with learning rate 0.01, batches of 32,
  exactly 30 epochs (``max_iter=30`` with ``n_iter_no_change=30``, so the
  early stop never fires; checked on ``n_iter_``), no penalty besides the L1
  term (``solver="adam"``).

skadv minimises ``L / S + [(1 - r) / 2 ||w||^2 + r ||w||_1] / (C S)`` with
``S = n_train`` for unit sample weights, so the paper's
``mean loss + lambda ||w||_1`` is exactly ``l1_ratio = 1, C = 1 / (lambda n_train)``,
and "no penalty" is ``C = inf``.
"""

import warnings

import numpy as np
from _paper_common import Result, stopwatch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skadv.datasets import load_mushroom, load_spambase
from skadv.inspection import gini_index, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score

EPSILON = 0.1
L1_LAMBDA = {"mushroom": 0.01, "spambase": 0.02}
TEST_SIZE = 0.3
PAPER_EPOCHS = 30

# The exact natural and adversarial models get this tiny ridge (on the mean
# loss) instead of none: natural Mushroom is linearly separable, so without any
# penalty its optimum lies at infinity and "exact" would mean "until max_iter".
EXACT_RIDGE = 1e-6

PREPROCESSING = {
    "mushroom": (
        "22 categorical columns one-hot encoded (missing stalk-root is its own "
        "category; encoder fitted on the training split, unseen test categories "
        "encode to all zeros)"
    ),
    "spambase": (
        "57 numeric columns standardised (StandardScaler fitted on the training "
        "split); ε = 0.1 is measured in these standard units"
    ),
}

RECIPES = {
    "exact": "exact optimum (L-BFGS-B)",
    "paper": "paper recipe (Adam, lr 0.01, batch 32, 30 epochs)",
}


def load_split(name, seed, max_rows=None):
    """The 70/30 split of one tabular dataset, stratified on the label."""
    loader = {"mushroom": load_mushroom, "spambase": load_spambase}[name]
    X, y = loader(return_X_y=True)
    if max_rows is not None and max_rows < len(y):
        X, _, y, _ = train_test_split(
            X, y, train_size=max_rows, random_state=seed, stratify=y
        )
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)


def _encoder(name):
    if name == "mushroom":
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    return StandardScaler()


def model_specs(name, n_train, recipe):
    """``(kind, setup text, estimator keyword arguments)`` of the three models."""
    lam = L1_LAMBDA[name]
    C_l1 = 1.0 / (lam * n_train)
    if recipe == "exact":
        common = {"solver": "lbfgs", "max_iter": 5000, "tol": 1e-8}
        C_plain = 1.0 / (EXACT_RIDGE * n_train)
        plain = f"ridge {EXACT_RIDGE:g} (C={C_plain:.4g})"
    else:
        # exactly PAPER_EPOCHS epochs: with n_iter_no_change = max_iter the
        # early stop cannot fire (the first epoch always improves on +inf)
        common = {
            "solver": "adam",
            "learning_rate": 0.01,
            "batch_size": 32,
            "max_iter": PAPER_EPOCHS,
            "n_iter_no_change": PAPER_EPOCHS,
            "tol": 0.0,
        }
        C_plain = np.inf
        plain = "no penalty (C=inf)"
    return [
        ("natural", f"ε=0, {plain}", {"epsilon": 0.0, "C": C_plain, **common}),
        (
            "l1",
            f"λ={lam:g}: ε=0, l1_ratio=1, C=1/(λ·n)={C_l1:.4g}",
            {"epsilon": 0.0, "C": C_l1, "l1_ratio": 1.0, **common},
        ),
        (
            "adversarial",
            f"ε={EPSILON:g}, {plain}",
            {"epsilon": EPSILON, "C": C_plain, **common},
        ),
    ]


def _evaluate(model, X_test, y_test, result):
    """Test accuracy, exact robust accuracy and mean Gini of IG on the test set."""
    result.accuracy.append(float(model.score(X_test, y_test)))
    result.robust_accuracy.append(
        float(robust_accuracy_score(model, X_test, y_test, epsilon=EPSILON))
    )
    attributions = integrated_gradients(model, X_test, y_test)
    result.gini.append(float(np.mean(gini_index(np.abs(attributions)))))


def _fit_recording_max_iter(model, X, y):
    """Fit ``model``; whether its solver warned that it stopped at max_iter."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return any(issubclass(w.category, ConvergenceWarning) for w in caught)


def _n_iter(estimator, recipe):
    """Iterations (epochs for Adam) of ``estimator``; checks the paper's 30."""
    n_iter = np.atleast_1d(estimator.n_iter_)
    if recipe == "paper" and not np.all(n_iter == PAPER_EPOCHS):
        raise RuntimeError(
            f"the paper recipe must run exactly {PAPER_EPOCHS} epochs, "
            f"got n_iter_={n_iter.tolist()}"
        )
    return int(np.max(n_iter))


def run_tabular(profile, datasets, log=print):
    """Train and evaluate every tabular model of ``profile``; one Result each."""
    results = []
    for name in datasets:
        table = {}
        for seed in profile.tabular_seeds:
            X_train, X_test, y_train, y_test = load_split(
                name, seed, profile.tabular_max_rows
            )
            for recipe in RECIPES:
                for kind, setup, params in model_specs(name, len(y_train), recipe):
                    key = (recipe, kind)
                    if key not in table:
                        table[key] = Result(
                            dataset=name,
                            kind=kind,
                            recipe=RECIPES[recipe],
                            setup=setup,
                            n_test=len(y_test),
                            n_eval=len(y_test),
                            robust_method="exact",
                        )
                    result = table[key]
                    model = make_pipeline(
                        _encoder(name),
                        AdversarialLogisticRegression(random_state=seed, **params),
                    )
                    with stopwatch(result.fit_seconds):
                        hit_max_iter = _fit_recording_max_iter(model, X_train, y_train)
                    n_iter = _n_iter(model[-1], recipe)
                    # the Adam recipe ends at max_iter by design (its
                    # ConvergenceWarning is expected and counted in the log);
                    # only the exact solver's max_iter means "not at the optimum"
                    if recipe == "exact" and hit_max_iter:
                        result.extra["not converged"] = (
                            result.extra.get("not converged", 0) + 1
                        )
                    result.extra.setdefault("n_iter", []).append(n_iter)
                    with stopwatch(result.eval_seconds):
                        _evaluate(model, X_test, y_test, result)
                    log(
                        f"{name:9s} seed={seed} {recipe:5s} {kind:11s} "
                        f"acc={result.accuracy[-1]:.4f} "
                        f"robust={result.robust_accuracy[-1]:.4f} "
                        f"gini={result.gini[-1]:.4f} "
                        f"fit={result.fit_seconds[-1]:.2f}s n_iter={n_iter}"
                        + (" (ConvergenceWarning: max_iter reached)" * hit_max_iter)
                    )
        results.extend(table.values())
    return results
