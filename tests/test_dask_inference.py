"""Lazy inference, explanations and scores on dask arrays equal the eager ones.

Every test computes the same quantity twice: in memory (the oracle) and on a
dask array of the same rows, on the threaded scheduler and on a
``distributed.LocalCluster``, and compares them. Predictions and attributions
of every block are those of the in-memory methods on that block, so they match
exactly; statistics reduced over blocks (the mean baseline, weighted scores,
feature impacts) match up to the rounding of sums taken in another order.
"""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skadv.inspection import FeatureImpactTransformer, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer, make_robust_scorer, robust_accuracy_score

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

METHODS = ("predict", "predict_proba", "decision_function", "predict_log_proba")
CHUNKS = 13
# Sums over blocks are taken in another order than numpy's pairwise sums.
RTOL = 1e-12


@pytest.fixture(params=["distributed", "threads"])
def scheduler(request, client):
    """Run the test on the cluster's client, then on the threaded scheduler."""
    name = client if request.param == "distributed" else "threads"
    with dask.config.set(scheduler=name):
        yield request.param


def _data(n_classes, n=50, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, n_classes, size=n)
    return X, y


def _affine(Z):
    # Works on numpy and on dask arrays alike: a dask-preserving head.
    return 2.0 * Z + 1.0


@pytest.fixture(scope="module")
def binary():
    X, y = _data(2)
    return X, y, AdversarialLogisticRegression(epsilon=0.05).fit(X, y)


@pytest.fixture(scope="module")
def multiclass():
    X, y = _data(3, seed=1)
    return X, y, AdversarialLogisticRegression(epsilon=0.05).fit(X, y)


def _lazy(X, chunks=CHUNKS):
    if sp.issparse(X):
        return da.from_array(sp.csr_matrix(X), chunks=(chunks, -1), asarray=False)
    return da.from_array(X, chunks=(chunks, 2))


@pytest.mark.parametrize("problem", ["binary", "multiclass", "csr"])
def test_lazy_predictions_equal_eager(problem, binary, multiclass, scheduler):
    X, _, clf = multiclass if problem == "multiclass" else binary
    if problem == "csr":
        X = sp.csr_matrix(np.where(X > 0.3, X, 0.0))
    Xd = _lazy(X)
    with distributed.get_task_stream() as stream:
        for method in METHODS:
            lazy = getattr(clf, method)(Xd)
            assert isinstance(lazy, da.Array)
            assert lazy.chunks[0] == Xd.chunks[0]
            assert_array_equal(lazy.compute(), getattr(clf, method)(X))
    # The blocks were predicted by the cluster's workers, or not at all.
    assert bool(stream.data) == (scheduler == "distributed")


def test_lazy_predictions_unknown_and_empty_chunks(binary):
    X, _, clf = binary
    Xd = _lazy(X)
    # Boolean indexing leaves the row chunk sizes unknown (NaN); one block of
    # the concatenation is empty.
    masked = Xd[Xd[:, 0] > 0]
    gappy = da.concatenate([Xd[:0], Xd])
    with dask.config.set(scheduler="threads"):
        assert_array_equal(clf.predict(masked).compute(), clf.predict(X[X[:, 0] > 0]))
        assert_array_equal(clf.predict_proba(gappy).compute(), clf.predict_proba(X))


def test_lazy_prediction_checks_width_before_computing(binary):
    _, _, clf = binary
    with pytest.raises(ValueError, match="X has 5 features, but"):
        clf.predict(da.zeros((6, 5), chunks=3))
    with pytest.raises(ValueError, match="2D dask array"):
        clf.predict(da.zeros(6, chunks=3))


def test_mlp_lazy_predictions_equal_eager(scheduler):
    pytest.importorskip("torch")
    from skadv.neural_network import AdversarialMLPClassifier

    X, y = _data(3)
    mlp = AdversarialMLPClassifier(
        hidden_layer_sizes=(8,), max_iter=3, epsilon=0.05, random_state=0
    )
    with pytest.warns(Warning):  # three epochs do not converge
        mlp.fit(X, y)
    Xd = _lazy(X)
    for method in METHODS:
        lazy = getattr(mlp, method)(Xd)
        assert lazy.chunks[0] == Xd.chunks[0]
        assert_array_equal(lazy.compute(), getattr(mlp, method)(X))


@pytest.mark.parametrize("baselines", ["zero", "row", "mean", "per-sample", 0.5])
@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_exact_ig_equals_eager(problem, baselines, binary, multiclass, scheduler):
    X, y, clf = multiclass if problem == "multiclass" else binary
    eager_baselines = lazy_baselines = baselines
    if baselines == "row":
        eager_baselines = lazy_baselines = X[3]
    elif baselines == "per-sample":
        eager_baselines = X[::-1].copy()
        lazy_baselines = da.from_array(eager_baselines, chunks=10)
    Xd, yd = _lazy(X), da.from_array(y, chunks=7)
    attr, delta = integrated_gradients(
        clf, Xd, yd, baselines=lazy_baselines, return_convergence_delta=True
    )
    assert isinstance(attr, da.Array) and isinstance(delta, da.Array)
    assert attr.chunks == (Xd.chunks[0], (X.shape[1],))
    assert delta.chunks == (Xd.chunks[0],)
    expected, expected_delta = integrated_gradients(
        clf, X, y, baselines=eager_baselines, return_convergence_delta=True
    )
    got, got_delta = dask.compute(attr, delta)
    assert_allclose(got, expected, rtol=RTOL, atol=1e-15)
    assert_allclose(got_delta, expected_delta, rtol=RTOL, atol=1e-15)


def test_ig_on_csr_chunks_equals_eager(binary, scheduler):
    X, _, clf = binary
    X = sp.csr_matrix(np.where(X > 0.3, X, 0.0))
    lazy = integrated_gradients(
        clf, _lazy(X), baselines="mean", method="riemann_middle", n_steps=8
    )
    expected = integrated_gradients(
        clf, X, baselines="mean", method="riemann_middle", n_steps=8
    )
    assert_allclose(lazy.compute(), expected, rtol=RTOL, atol=1e-15)


@pytest.fixture(scope="module")
def network():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(6, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 3),
    ).double()


@pytest.mark.parametrize("baselines", ["zero", "mean"])
def test_torch_quadrature_ig_equals_eager(network, baselines, scheduler):
    X = np.random.default_rng(2).normal(size=(30, 2, 3))
    # Chunks along the sample axes are merged into whole samples.
    Xd = da.from_array(X, chunks=(8, 1, 3))
    kwargs = dict(
        target=2, baselines=baselines, method="gausslegendre", n_steps=16,
        return_convergence_delta=True,
    )  # fmt: skip
    attr, delta = integrated_gradients(network, Xd, internal_batch_size=20, **kwargs)
    assert attr.shape == X.shape and attr.chunks[0] == Xd.chunks[0]
    expected, expected_delta = integrated_gradients(network, X, **kwargs)
    got, got_delta = dask.compute(attr, delta)
    assert_allclose(got, expected, rtol=RTOL, atol=1e-15)
    assert_allclose(got_delta, expected_delta, rtol=RTOL, atol=1e-15)


def test_attributions_and_delta_explain_each_block_once(binary, monkeypatch):
    from skadv.inspection import _integrated_gradients as module

    X, y, clf = binary
    original = module.integrated_gradients
    calls = []

    def counting(estimator, X, *args, **kwargs):
        calls.append(X.shape[0])
        return original(estimator, X, *args, **kwargs)

    monkeypatch.setattr(module, "integrated_gradients", counting)
    Xd = _lazy(X)
    attr, delta = original(clf, Xd, y, return_convergence_delta=True)
    assert calls == []  # lazy: nothing is explained before compute
    with dask.config.set(scheduler="threads"):
        dask.compute(attr, delta)
    assert sorted(calls) == sorted(Xd.chunks[0])


def test_dask_ig_refuses_bad_input_before_computing(binary):
    X, y, clf = binary
    Xd = _lazy(X)
    with pytest.raises(ValueError, match="median"):
        integrated_gradients(clf, Xd, baselines="median")
    with pytest.raises(ValueError, match="target must lie in"):
        integrated_gradients(clf, Xd, target=2)
    with pytest.raises(ValueError, match="y has 40 rows, but X has 50"):
        integrated_gradients(clf, Xd, da.from_array(y[:40], chunks=10))
    with pytest.raises(ValueError, match="baselines given per sample"):
        integrated_gradients(clf, Xd, baselines=np.zeros((50, 3)))
    with pytest.raises(ValueError, match="X has 5 features"):
        integrated_gradients(clf, da.zeros((6, 5), chunks=3))


def test_pipeline_with_dask_head_works_end_to_end(binary, scheduler):
    X, y, _ = binary
    seen = []

    def head(Z):
        seen.append(type(Z))
        return _affine(Z)

    pipe = make_pipeline(
        FunctionTransformer(head), AdversarialLogisticRegression(epsilon=0.05)
    ).fit(X, y)
    eager = make_pipeline(
        FunctionTransformer(_affine), AdversarialLogisticRegression(epsilon=0.05)
    ).fit(X, y)
    Xd, yd = _lazy(X), da.from_array(y, chunks=CHUNKS)
    seen.clear()
    proba = pipe.predict_proba(Xd)
    # Pipeline.predict_proba hands the head the dask array itself.
    assert seen == [da.Array]
    seen.clear()
    attr = integrated_gradients(pipe, Xd, yd, baselines="mean")
    assert isinstance(proba, da.Array) and isinstance(attr, da.Array)
    attr = attr.persist()
    # The explanations run the head block by block: it never sees more than a
    # block's rows in memory, nor the whole dask array.
    assert seen and all(t is np.ndarray for t in seen)
    assert_array_equal(proba.compute(), eager.predict_proba(X))
    expected = integrated_gradients(eager, X, y, baselines="mean")
    assert_allclose(attr.compute(), expected, rtol=RTOL, atol=1e-15)
    score = robust_accuracy_score(pipe, Xd, yd, epsilon=0.1)
    assert score == robust_accuracy_score(eager, X, y, epsilon=0.1)


@pytest.mark.parametrize("weights", [None, "numpy", "dask"])
@pytest.mark.parametrize("model", ["skadv", "sklearn"])
def test_robust_accuracy_equals_eager(model, weights, multiclass, scheduler):
    X, y, clf = multiclass
    if model == "sklearn":
        clf = LogisticRegression().fit(X, y)
    w = np.random.default_rng(3).uniform(0, 3, size=len(y))
    w[:CHUNKS] = 0.0  # a block without weight counts for nothing
    lazy_w = {None: None, "numpy": w, "dask": da.from_array(w, chunks=9)}[weights]
    eager_w = None if weights is None else w
    Xd, yd = _lazy(X), da.from_array(y, chunks=11)
    for epsilon in (0.0, 0.1, 0.4):
        expected = robust_accuracy_score(
            clf, X, y, epsilon=epsilon, sample_weight=eager_w
        )
        got = robust_accuracy_score(clf, Xd, yd, epsilon=epsilon, sample_weight=lazy_w)
        assert isinstance(got, float)
        assert got == pytest.approx(expected, rel=RTOL)
    scorer = make_robust_scorer(epsilon=0.1)
    assert scorer(clf, Xd, yd) == pytest.approx(scorer(clf, X, y), rel=RTOL)


def test_robust_accuracy_refuses_bad_weights(binary):
    X, y, clf = binary
    Xd = _lazy(X)
    with pytest.raises(ValueError, match="must not be all zero"):
        robust_accuracy_score(clf, Xd, y, epsilon=0.1, sample_weight=np.zeros(50))
    negative = -np.ones(50)
    with pytest.raises(ValueError, match="non-negative"):
        robust_accuracy_score(clf, Xd, y, epsilon=0.1, sample_weight=negative)
    with pytest.raises(ValueError, match="sample_weight has 10 rows"):
        robust_accuracy_score(clf, Xd, y, epsilon=0.1, sample_weight=np.ones(10))


def test_scores_pair_blocks_of_unknown_sizes_only_when_they_match(binary):
    X, y, clf = binary
    Xd, yd = _lazy(X), da.from_array(y, chunks=CHUNKS)
    keep, other = Xd[:, 0] > 0, Xd[:, 1] > 0
    expected = robust_accuracy_score(clf, X[X[:, 0] > 0], y[X[:, 0] > 0], epsilon=0.1)
    with dask.config.set(scheduler="threads"):
        got = robust_accuracy_score(clf, Xd[keep], yd[keep], epsilon=0.1)
        assert got == pytest.approx(expected, rel=RTOL)
        with pytest.raises(ValueError, match="split differently"):
            robust_accuracy_score(clf, Xd[keep], yd[other], epsilon=0.1)


@pytest.mark.parametrize("level", ["encoded", "feature"])
def test_gini_scorer_equals_eager(level, multiclass, scheduler):
    X, y, clf = multiclass
    w = np.random.default_rng(4).uniform(0, 2, size=len(y))
    scorer = make_gini_scorer(level=level, groups=None, baselines="mean")
    Xd, yd = _lazy(X), da.from_array(y, chunks=CHUNKS)
    for lazy_w, eager_w in [(None, None), (da.from_array(w, chunks=20), w)]:
        expected = scorer(clf, X, y, sample_weight=eager_w)
        assert scorer(clf, Xd, yd, sample_weight=lazy_w) == pytest.approx(
            expected, rel=RTOL
        )


@pytest.mark.parametrize(
    "kwargs", [{}, {"groups": {"ab": [0, 1]}}, {"baselines": "mean"}]
)
def test_feature_impact_equals_eager(kwargs, multiclass, scheduler):
    X, y, clf = multiclass
    Xd, yd = _lazy(X), da.from_array(y, chunks=CHUNKS)
    eager = FeatureImpactTransformer(clf, **kwargs).fit(X, y)
    lazy = FeatureImpactTransformer(clf, **kwargs).fit(Xd, yd)
    assert_allclose(lazy.feature_value_impact_, eager.feature_value_impact_, rtol=RTOL)
    assert_allclose(lazy.feature_impact_, eager.feature_impact_, rtol=RTOL)
    assert lazy.feature_gini_ == pytest.approx(eager.feature_gini_, rel=RTOL)
    assert_allclose(
        np.zeros(0) if lazy.baseline_ is None else lazy.baseline_,
        np.zeros(0) if eager.baseline_ is None else eager.baseline_,
        rtol=RTOL,
    )
    out = lazy.transform(Xd)
    assert isinstance(out, da.Array) and out.chunks[0] == Xd.chunks[0]
    assert_allclose(out.compute(), eager.transform(X), rtol=RTOL, atol=1e-15)


def test_lazy_results_on_a_cluster_of_processes(binary):
    # Estimators, block functions and arguments must survive pickling.
    X, y, clf = binary
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as remote,
    ):
        Xd = _lazy(X)
        with dask.config.set(scheduler=remote):
            assert_array_equal(clf.predict(Xd).compute(), clf.predict(X))
            attr = integrated_gradients(clf, Xd, y, baselines="mean").compute()
            score = robust_accuracy_score(clf, Xd, y, epsilon=0.1)
    expected = integrated_gradients(clf, X, y, baselines="mean")
    assert_allclose(attr, expected, rtol=RTOL, atol=1e-15)
    assert score == pytest.approx(robust_accuracy_score(clf, X, y, epsilon=0.1))


def test_importing_skadv_does_not_import_dask():
    code = (
        "import sys\n"
        "import skadv, skadv.inspection, skadv.metrics, skadv.linear_model\n"
        "import skadv.neural_network, skadv.utils._dask\n"
        "print([m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed')])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
