"""Epsilon search on a Dask cluster gives what the same search gives locally.

``GridSearchCV`` and :func:`~skadv.model_selection.conciseness_frontier` run
their folds through joblib, so ``joblib.parallel_backend("dask")`` sends them to
the workers of a ``distributed.Client``. The data stay in memory; only the
tasks move. Every test runs the same search twice, on one process (the oracle)
and on the cluster, and compares the scores of every candidate, the chosen
point and the refitted model. The task stream of the client shows that the
folds really ran on its workers.
"""

from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadv.inspection import integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer, make_robust_scorer, robust_accuracy_score
from skadv.model_selection import (
    conciseness_frontier,
    conciseness_scoring,
    most_concise_within,
)

distributed = pytest.importorskip("distributed")

STEP = "adversariallogisticregression"
EPSILONS = [0.0, 0.03, 0.1, 0.3]
# Scores that are means of floating-point terms: the workers compute the same
# terms, and these bound how far a reordered sum could move them.
RTOL = 1e-12


def _cluster_client(processes):
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=":0",
    )
    return cluster, distributed.Client(cluster)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6)) * [1.0, 2.0, 0.5, 1.0, 3.0, 1.0]
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.4 * rng.normal(size=240) > 0).astype(int)
    return X, y


def _pipeline():
    return make_pipeline(StandardScaler(), AdversarialLogisticRegression(tol=1e-8))


def _cv():
    return StratifiedKFold(3, shuffle=True, random_state=0)


def _scoring():
    return {
        **conciseness_scoring(),
        "robust_accuracy": make_robust_scorer(epsilon=0.1),
        "feature_gini": make_gini_scorer(level="feature"),
    }


def _on_cluster(client, function):
    """``function()`` under the dask backend, and the tasks the client ran."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            result = function()
    return result, stream.data


def _assert_same_cv_results(local, remote):
    assert local.keys() == remote.keys()
    for key in local:
        if key.endswith(("_fit_time", "_score_time")):
            continue
        if key == "params":
            assert local[key] == remote[key]
        elif key.startswith("rank_") or "accuracy" in key or "classes" in key:
            assert_array_equal(remote[key], local[key], err_msg=key)
        else:
            assert_allclose(remote[key], local[key], rtol=RTOL, err_msg=key)


def _assert_same_search(local, remote):
    _assert_same_cv_results(local.cv_results_, remote.cv_results_)
    assert remote.best_index_ == local.best_index_
    assert remote.best_params_ == local.best_params_
    model, expected = remote.best_estimator_[-1], local.best_estimator_[-1]
    assert_allclose(model.coef_, expected.coef_, rtol=RTOL)
    assert_allclose(model.intercept_, expected.intercept_, rtol=RTOL)


def _search(refit):
    return GridSearchCV(
        _pipeline(),
        {f"{STEP}__epsilon": EPSILONS},
        scoring=_scoring(),
        refit=refit,
        cv=_cv(),
        n_jobs=2,
    )


def test_grid_search_over_epsilon_equals_the_local_run(client, data):
    X, y = data
    local = clone(_search("robust_accuracy")).set_params(n_jobs=None).fit(X, y)
    remote, tasks = _on_cluster(client, lambda: _search("robust_accuracy").fit(X, y))
    # One task per (candidate, fold) at least: the folds ran on the workers.
    assert len(tasks) >= len(EPSILONS) * 3
    _assert_same_search(local, remote)
    # The scores are those of the estimator refitted on the same fold locally.
    train, test = next(_cv().split(X, y))
    fold_model = clone(_pipeline()).set_params(**{f"{STEP}__epsilon": 0.1})
    fold_model.fit(X[train], y[train])
    robust = make_robust_scorer(epsilon=0.1)(fold_model, X[test], y[test])
    index = EPSILONS.index(0.1)
    assert_allclose(remote.cv_results_["split0_test_robust_accuracy"][index], robust)


def test_most_concise_within_as_refit_chooses_the_local_point(client, data):
    X, y = data
    refit = most_concise_within(0.02)
    local = clone(_search(refit)).set_params(n_jobs=None).fit(X, y)
    remote, tasks = _on_cluster(client, lambda: _search(refit).fit(X, y))
    assert tasks
    _assert_same_search(local, remote)
    # The rule picked a point that is not the unregularised one: the scores it
    # read did differ between candidates.
    assert remote.best_params_[f"{STEP}__epsilon"] > 0


def test_conciseness_frontier_with_n_jobs_equals_the_local_run(client, data):
    X, y = data
    options = dict(
        epsilons=[0.0, 0.1, 0.3], l1_lambdas=[1e-3, 1e-2, 0.1], cv=_cv(), n_jobs=2
    )
    local = conciseness_frontier(_pipeline(), X, y, **{**options, "n_jobs": None})
    remote, tasks = _on_cluster(
        client, lambda: conciseness_frontier(_pipeline(), X, y, **options)
    )
    assert len(tasks) >= 3
    for path in ("adversarial", "l1"):
        assert local.scores[path].keys() == remote.scores[path].keys()
        for name, expected in local.scores[path].items():
            assert_allclose(remote.scores[path][name], expected, rtol=RTOL)
        for fold, expected in enumerate(local.coefs[path]):
            assert_allclose(remote.coefs[path][fold], expected, rtol=RTOL)
            assert_allclose(
                remote.intercepts[path][fold], local.intercepts[path][fold], rtol=RTOL
            )
    assert remote.select_indices() == local.select_indices()


def test_multiclass_one_vs_rest_fits_its_classes_on_the_cluster(client):
    # n_jobs of the estimator itself goes through joblib too.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(180, 4))
    y = np.argmax(X[:, :3] + 0.3 * rng.normal(size=(180, 3)), axis=1)
    model = AdversarialLogisticRegression(epsilon=0.1, tol=1e-8, n_jobs=3)
    local = clone(model).set_params(n_jobs=None).fit(X, y)
    remote, tasks = _on_cluster(client, lambda: clone(model).fit(X, y))
    assert len(tasks) >= 3
    assert_allclose(remote.coef_, local.coef_, rtol=RTOL)
    assert_allclose(remote.intercept_, local.intercept_, rtol=RTOL)


def test_scorers_and_refit_rule_travel_to_worker_processes(data):
    # Worker processes receive the scorers and the refit callable pickled.
    X, y = data
    refit = most_concise_within(0.02)
    local = clone(_search(refit)).set_params(n_jobs=None).fit(X, y)
    cluster, client = _cluster_client(processes=True)
    try:
        remote, tasks = _on_cluster(client, lambda: _search(refit).fit(X, y))
    finally:
        client.close()
        cluster.close()
    assert tasks
    _assert_same_search(local, remote)


PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "scaling_out.rst"


def test_scaling_out_page_recipes_run(tmp_path, monkeypatch, rst_python_blocks):
    # The page's code, on fewer rows and in-process workers; the block that
    # connects to a remote scheduler is the only one left out.
    pytest.importorskip("dask.array")
    blocks = rst_python_blocks(PAGE)
    assert len(blocks) == 5 and "tcp://scheduler" in blocks[3]
    monkeypatch.chdir(tmp_path)
    small = {
        "1_000_000": "20_000",
        "100_000": "5_000",
        "2_000": "300",
        "threads_per_worker=1)": "threads_per_worker=1, processes=False)",
    }
    namespace = {"__name__": "scaling_out"}
    try:
        for index in (0, 1, 2, 4):
            source = blocks[index]
            for old, new in small.items():
                source = source.replace(old, new)
            exec(compile(source, str(PAGE), "exec"), namespace)
            if index == 1:
                eager = _page_claims_in_memory(namespace)
    finally:
        namespace["client"].close()
    assert eager["impact"].shape == (100,)
    assert 0 <= eager["robust"] <= 1
    # The out-of-core fit read the same rows back from disk (as float32).
    on_disk = namespace["model"]
    assert_allclose(on_disk.coef_, eager["coef"], rtol=1e-4, atol=1e-6)
    search = namespace["search"]
    assert search.best_params_ and namespace["frontier"].selected is not None


def _page_claims_in_memory(namespace):
    """What the page says of its cluster fit, checked against the eager code."""
    import dask

    X, y = dask.compute(namespace["X"], namespace["y"])
    model = namespace["model"]
    local = AdversarialLogisticRegression(epsilon=0.05).fit(X, y)
    assert_allclose(model.coef_, local.coef_, rtol=1e-6, atol=1e-9)
    assert_allclose(namespace["proba"].compute(), local.predict_proba(X), atol=1e-9)
    impact = np.abs(integrated_gradients(local, X)).mean(axis=0)
    assert_allclose(namespace["mean_impact"], impact, rtol=1e-9)
    robust = robust_accuracy_score(local, X, y, epsilon=0.05)
    assert namespace["robust"] == pytest.approx(robust, abs=1e-12)
    return {"coef": local.coef_, "impact": impact, "robust": robust}
