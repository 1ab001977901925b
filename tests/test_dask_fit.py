"""AdversarialLogisticRegression.fit and partial_fit on dask arrays.

The oracle is the same fit in memory: on the same rows, the fit on a dask array
must reach the same optimum (coefficients close, objective equal to 1e-8
relative, both measured by the in-memory objective), on the threaded scheduler
and on a distributed cluster.
"""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from skadv.linear_model import AdversarialLogisticRegression
from skadv.linear_model._loss import LinearDesign
from skadv.linear_model._solvers import BinaryProblem, MinibatchState, minibatch_epoch

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

CHUNKS = 70
OBJECTIVE_RTOL = 1e-8


@pytest.fixture(params=["threads", "distributed"])
def scheduler(request):
    """Run the test on the threaded scheduler, then on a cluster's client."""
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield "threads"
        return
    client = request.getfixturevalue("client")
    with dask.config.set(scheduler=client):
        yield client


def _data(n_classes=2, n=300, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, n_classes, size=n)
    X[:, 0] += 1.5 * y  # informative, not separable
    return X, y


def _objectives(clf, X, y, sample_weight=None):
    """The in-memory objective of every binary problem at ``clf``'s solution."""
    X = np.asarray(X, dtype=np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    eps = np.broadcast_to(np.asarray(clf.epsilon, dtype=float), X.shape[1])
    out = []
    for k, (y_pm, s_k) in enumerate(clf._problems(np.asarray(y), s, clf.classes_)):
        problem = BinaryProblem(
            LinearDesign(X, y_pm, s_k), eps, clf.C, clf.l1_ratio, clf.fit_intercept
        )
        out.append(problem.natural_objective(clf.coef_[k], clf.intercept_[k]))
    return np.array(out)


def _assert_same_fit(lazy, eager, X, y, sample_weight=None):
    np.testing.assert_array_equal(lazy.classes_, eager.classes_)
    np.testing.assert_allclose(lazy.coef_, eager.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lazy.intercept_, eager.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        _objectives(lazy, X, y, sample_weight),
        _objectives(eager, X, y, sample_weight),
        rtol=OBJECTIVE_RTOL,
    )
    assert lazy.n_features_in_ == X.shape[1]
    assert not hasattr(lazy, "feature_names_in_")


CASES = {
    "dense": ({}, {}),
    "float32": ({}, {"dtype": np.float32}),
    "csr": ({}, {"sparse": True}),
    "y_in_memory": ({}, {"lazy_y": False}),
    "weights_dask": ({}, {"weights": "dask"}),
    "weights_numpy": ({}, {"weights": "numpy"}),
    "eps_per_feature": ({"epsilon": [0.0, 0.2, 0.05, 0.1, 0.0]}, {}),
    "l1": ({"epsilon": 0.05, "l1_ratio": 0.5, "C": 0.5}, {}),
    "no_intercept": ({"fit_intercept": False}, {}),
    "multiclass": ({"epsilon": 0.05}, {"n_classes": 3}),
    "multiclass_strings": ({}, {"n_classes": 4, "labels": "strings"}),
    "class_weight_dict": ({"class_weight": {0: 3.0, 1: 0.5}}, {}),
    "class_weight_balanced": ({"class_weight": "balanced"}, {"n_classes": 3}),
}


def _inputs(n_classes=2, dtype=np.float64, sparse=False, lazy_y=True, weights=None,
            labels="ints"):  # fmt: skip
    X, y = _data(n_classes)
    X = X.astype(dtype)
    if labels == "strings":
        y = np.array(["ant", "bee", "cat", "dog"])[y]
    s = None
    if weights is not None:
        s = np.random.default_rng(1).uniform(0.0, 2.0, size=X.shape[0])
    Xd = da.from_array(X, chunks=(CHUNKS, X.shape[1]))
    if sparse:
        Xd = Xd.map_blocks(sp.csr_matrix)
        X = sp.csr_matrix(X)
    yd = da.from_array(y, chunks=CHUNKS) if lazy_y else y
    sd = da.from_array(s, chunks=CHUNKS) if weights == "dask" else s
    return (X, y, s), (Xd, yd, sd)


@pytest.mark.parametrize("case", list(CASES))
def test_fit_on_dask_equals_the_fit_in_memory(case, scheduler):
    params, data = CASES[case]
    (X, y, s), (Xd, yd, sd) = _inputs(**data)
    eager = AdversarialLogisticRegression(**{"epsilon": 0.1, **params})
    eager.fit(X, y, sample_weight=s)
    lazy = AdversarialLogisticRegression(**{"epsilon": 0.1, **params})
    lazy.fit(Xd, yd, sample_weight=sd)
    dense = X.toarray() if sp.issparse(X) else X
    _assert_same_fit(lazy, eager, dense, y, s)


def test_wide_problems_reduce_on_the_workers(scheduler, monkeypatch):
    # Past these sizes the point is its own key and partial sums are added in
    # groups before they come back: the same sums, in another order.
    from skadv.linear_model import _dask_fit

    monkeypatch.setattr(_dask_fit, "_INLINE_FLOATS", 0)
    monkeypatch.setattr(_dask_fit, "_CLIENT_FLOATS", 8)
    monkeypatch.setattr(_dask_fit, "_FAN_IN", 2)
    (X, y, _), (Xd, yd, _) = _inputs(sparse=True)
    lazy = AdversarialLogisticRegression(0.1).fit(Xd, yd)
    eager = AdversarialLogisticRegression(0.1).fit(X, y)
    _assert_same_fit(lazy, eager, X.toarray(), y)


def test_multiclass_solves_at_once_equal_solves_one_by_one(scheduler):
    (X, y, _), (Xd, yd, _) = _inputs(n_classes=3)
    together = AdversarialLogisticRegression(0.05, n_jobs=-1).fit(Xd, yd)
    one_by_one = AdversarialLogisticRegression(0.05, n_jobs=1).fit(Xd, yd)
    np.testing.assert_array_equal(together.coef_, one_by_one.coef_)
    np.testing.assert_array_equal(together.n_iter_, one_by_one.n_iter_)


@pytest.mark.parametrize("first", ["memory", "dask"])
def test_warm_start_crosses_between_memory_and_dask(first, scheduler):
    (X, y, _), (Xd, yd, _) = _inputs(n_classes=3)
    inputs = {"memory": (X, y), "dask": (Xd, yd)}
    second = "dask" if first == "memory" else "memory"
    clf = AdversarialLogisticRegression(0.05, C=0.1, warm_start=True)
    clf.fit(*inputs[first])
    start = copy.deepcopy(clf)
    clf.set_params(C=10.0).fit(*inputs[second])
    # The oracle refits in memory from the same start.
    oracle = start.set_params(C=10.0).fit(X, y)
    _assert_same_fit(clf, oracle, X, y)


@pytest.mark.parametrize("lazy_y", [True, False])
def test_persisted_blocks_do_not_move(client, lazy_y):
    # Blocks of a few MB: the scheduler weighs moving data against balancing
    # its workers, and tiny blocks are cheaper to move than to wait for.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40_000, 25))
    y = (X[:, 0] + rng.normal(size=X.shape[0]) > 0).astype(int)
    with dask.config.set(scheduler=client):
        Xd, yd = dask.persist(
            da.from_array(X, chunks=(10_000, 25)), da.from_array(y, chunks=10_000)
        )
        distributed.wait([Xd, yd])
        before = client.who_has(Xd)
        lazy = AdversarialLogisticRegression(0.1).fit(Xd, yd if lazy_y else y)
        after = client.who_has(Xd)
    assert after == before
    assert all(len(workers) == 1 for workers in after.values())
    _assert_same_fit(lazy, AdversarialLogisticRegression(0.1).fit(X, y), X, y)


def test_fit_on_a_cluster_of_processes():
    (X, y, _), (Xd, yd, _) = _inputs(n_classes=3)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as remote,
        dask.config.set(scheduler=remote),
    ):
        lazy = AdversarialLogisticRegression(0.1).fit(Xd, yd)
    _assert_same_fit(lazy, AdversarialLogisticRegression(0.1).fit(X, y), X, y)


def test_fit_out_of_core_from_an_npy_stack(tmp_path):
    (X, y, _), (Xd, _, _) = _inputs(dtype=np.float32)
    da.to_npy_stack(tmp_path, Xd, axis=0)
    on_disk = da.from_npy_stack(tmp_path)
    assert on_disk.chunks == Xd.chunks
    with dask.config.set(scheduler="threads"):
        lazy = AdversarialLogisticRegression(0.1).fit(on_disk, y)
    _assert_same_fit(lazy, AdversarialLogisticRegression(0.1).fit(X, y), X, y)


@pytest.mark.filterwarnings("ignore:L-BFGS-B did not converge")
def test_unbounded_fit_warns_as_in_memory():
    X = np.array([[-2.0, 0.5], [-1.0, 0.0], [1.0, 0.2], [2.0, -0.4]] * 5)
    y = np.array([0, 0, 1, 1] * 5)
    Xd = da.from_array(X, chunks=(6, 2))
    with dask.config.set(scheduler="threads"):
        with pytest.warns(ConvergenceWarning, match="separable") as lazy_record:
            AdversarialLogisticRegression(0.1, C=np.inf, max_iter=20).fit(Xd, y)
    with pytest.warns(ConvergenceWarning, match="separable") as eager_record:
        AdversarialLogisticRegression(0.1, C=np.inf, max_iter=20).fit(X, y)
    messages = {str(w.message) for w in lazy_record if "separable" in str(w.message)}
    assert messages == {
        str(w.message) for w in eager_record if "separable" in str(w.message)
    }
    # Not separable once the attack is large: no warning.
    with dask.config.set(scheduler="threads"), warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AdversarialLogisticRegression(0.1, C=1.0).fit(Xd, y)


# ----------------------------------------------------------------- minibatch
@pytest.mark.filterwarnings("ignore:.*reached max_iter")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_minibatch_fit_on_one_block_is_the_fit_in_memory(solver):
    (X, y, _), _ = _inputs(n_classes=3)
    params = {"solver": solver, "random_state": 3, "max_iter": 15, "tol": 0.0}
    eager = AdversarialLogisticRegression(0.05, **params).fit(X, y)
    with dask.config.set(scheduler="threads"):
        lazy = AdversarialLogisticRegression(0.05, **params).fit(
            da.from_array(X, chunks=X.shape), y
        )
    np.testing.assert_allclose(lazy.coef_, eager.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(lazy.n_iter_, eager.n_iter_)


def test_minibatch_epoch_is_a_pass_over_the_blocks_in_order(scheduler):
    (X, y, _), (Xd, yd, _) = _inputs()
    clf = AdversarialLogisticRegression(
        0.1, solver="sgd", learning_rate=0.05, batch_size=16, max_iter=3,
        n_iter_no_change=10, random_state=7,
    )  # fmt: skip
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        clf.fit(Xd, yd)
    again = AdversarialLogisticRegression(**clf.get_params())
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        again.fit(Xd, yd)
    np.testing.assert_array_equal(again.coef_, clf.coef_)
    # The oracle: three epochs, each over the blocks in order, by hand.
    y_pm = np.where(y == 1, 1.0, -1.0)
    seed = check_random_state(7).randint(np.iinfo(np.int32).max, size=1)[0]
    rng = np.random.default_rng(seed)
    eps = np.full(X.shape[1], 0.1)
    state = MinibatchState(np.zeros(2 * X.shape[1] + 1))
    state.theta[-1] = np.log(np.sum(y_pm > 0) / np.sum(y_pm < 0))
    for _ in range(3):
        for lo in range(0, X.shape[0], CHUNKS):
            rows = slice(lo, lo + CHUNKS)
            design = LinearDesign(X[rows], y_pm[rows], np.ones(len(y_pm[rows])))
            minibatch_epoch(
                BinaryProblem(design, eps, 1.0, 0.0, True), state, solver="sgd",
                learning_rate=0.05, batch_size=16, rng=rng,
                total_weight=float(X.shape[0]), n_samples=X.shape[0],
            )  # fmt: skip
    w = state.theta[: X.shape[1]] - state.theta[X.shape[1] : -1]
    np.testing.assert_allclose(clf.coef_[0], w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_[0], state.theta[-1], rtol=1e-10)


@pytest.mark.parametrize("weights", [None, "dask"])
def test_partial_fit_on_dask_feeds_the_blocks_in_order(weights, scheduler):
    (X, y, s), (Xd, yd, sd) = _inputs(n_classes=3, weights=weights)
    params = {"solver": "adam", "random_state": 0, "batch_size": 8}
    lazy = AdversarialLogisticRegression(0.05, **params)
    eager = AdversarialLogisticRegression(0.05, **params)
    for _ in range(2):
        lazy.partial_fit(Xd, yd, classes=[0, 1, 2], sample_weight=sd)
        for lo in range(0, X.shape[0], CHUNKS):
            rows = slice(lo, lo + CHUNKS)
            eager.partial_fit(
                X[rows], y[rows], classes=[0, 1, 2],
                sample_weight=None if s is None else s[rows],
            )  # fmt: skip
    np.testing.assert_array_equal(lazy.coef_, eager.coef_)
    np.testing.assert_array_equal(lazy.intercept_, eager.intercept_)
    np.testing.assert_array_equal(lazy.n_iter_, eager.n_iter_)


def test_failed_partial_fit_on_dask_leaves_the_estimator_as_it_was():
    (X, y, _), (Xd, yd, _) = _inputs()
    clf = AdversarialLogisticRegression(0.05, solver="sgd", random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    before = copy.deepcopy(vars(clf))
    y_bad = y.copy()
    y_bad[-1] = 5  # an unknown class, in the last block only
    with dask.config.set(scheduler="threads"):
        with pytest.raises(ValueError, match="not in classes_"):
            clf.partial_fit(Xd, da.from_array(y_bad, chunks=CHUNKS))
    np.testing.assert_array_equal(clf.coef_, before["coef_"])
    assert clf.n_iter_.tolist() == before["n_iter_"].tolist()


# ----------------------------------------------------------------- bad input
def _fit(X, y, sample_weight=None, clf=None):
    clf = clf or AdversarialLogisticRegression(0.1)
    with dask.config.set(scheduler="threads"):
        return clf.fit(X, y, sample_weight=sample_weight)


def test_column_chunks_are_refused():
    (_, y, _), (Xd, _, _) = _inputs()
    with pytest.raises(ValueError, match=r"rechunk\(\{1: -1\}\)"):
        _fit(Xd.rechunk((CHUNKS, 2)), y)


def test_unknown_chunk_sizes_are_refused():
    (_, y, _), (Xd, yd, _) = _inputs()
    unknown = Xd[Xd[:, 0] > -np.inf]
    with pytest.raises(ValueError, match=r"to_dask_array\(lengths=True\)"):
        _fit(unknown, y)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        _fit(Xd, yd[yd > -1])


def test_mismatched_chunks_are_refused():
    (_, y, s), (Xd, yd, _) = _inputs()
    with pytest.raises(ValueError, match="row chunks of y do not match.*block 0"):
        _fit(Xd, yd.rechunk(50))
    weights = da.ones(y.shape[0], chunks=100)
    with pytest.raises(ValueError, match="row chunks of sample_weight"):
        _fit(Xd, yd, weights)


def test_wrong_lengths_are_refused():
    (_, y, _), (Xd, yd, _) = _inputs()
    with pytest.raises(ValueError, match="300 rows but y has 299"):
        _fit(Xd, y[:-1])
    with pytest.raises(ValueError, match="300 rows but y has 299"):
        _fit(Xd, yd[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        _fit(Xd, yd, np.ones(10))
    with pytest.raises(ValueError, match="sample_weight has 10"):
        _fit(Xd, yd, da.ones(10, chunks=5))


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda X: X[:, :, None], ValueError, "2-d dask array"),
        (lambda X: X.astype(complex), TypeError, "real numbers"),
        (lambda X: da.where(X > 2.5, np.nan, X), ValueError, "NaN or infinity"),
    ],
)
def test_bad_values_of_X_are_refused(make, error, match):
    (_, y, _), (Xd, _, _) = _inputs()
    with pytest.raises(error, match=match):
        _fit(make(Xd), y)


def test_bad_labels_and_weights_are_refused():
    (_, y, s), (Xd, yd, _) = _inputs(weights="numpy")
    with pytest.raises(ValueError, match="only one class"):
        _fit(Xd, da.zeros(y.shape[0], chunks=CHUNKS))
    with pytest.raises(ValueError, match="continuous|Unknown label type"):
        _fit(Xd, da.from_array(y + 0.5, chunks=CHUNKS))
    with pytest.raises(ValueError, match="Negative"):
        _fit(Xd, yd, da.from_array(-s, chunks=CHUNKS))
    with pytest.raises(ValueError, match="Negative"):
        _fit(Xd, yd, -s)
    with pytest.raises(ValueError, match="zero weight"):
        _fit(Xd, yd, clf=AdversarialLogisticRegression(class_weight={0: 0, 1: 0}))


def test_dask_dataframes_are_refused_with_the_conversion():
    # dask.dataframe refuses to import with an old pandas: skip then too.
    dd = pytest.importorskip("dask.dataframe", exc_type=ImportError)
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcde")), npartitions=3)
    with pytest.raises(TypeError, match=r"to_dask_array\(lengths=True\)"):
        _fit(frame, y)
    Xd = frame.to_dask_array(lengths=True)
    with pytest.raises(TypeError, match=r"y.to_dask_array"):
        _fit(Xd, dd.from_pandas(pd.Series(y), npartitions=3))


class _FailingBlocks:
    """Blocks of X that fail once they have been read ``calls`` times."""

    def __init__(self, calls):
        self.calls = calls

    def __call__(self, block):
        self.calls -= 1
        if self.calls < 0:
            raise OSError("the disk went away")
        return block


@pytest.mark.parametrize("n_classes", [2, 4])
def test_a_failing_evaluation_propagates_and_changes_nothing(n_classes):
    (X, y, _), (Xd, yd, _) = _inputs(n_classes=n_classes)
    # n_jobs=-1: with several problems, the solves run at once and the others
    # stop once one has failed.
    clf = AdversarialLogisticRegression(0.1, n_jobs=-1).fit(X[:40], y[:40] % 2)
    before = copy.deepcopy(vars(clf))
    # The checking pass reads each block once; the third evaluation fails.
    failing = Xd.map_blocks(_FailingBlocks(Xd.numblocks[0] * 3), dtype=X.dtype)
    with pytest.raises(OSError, match="the disk went away") as info:
        _fit(failing, yd, clf=clf)
    notes = getattr(info.value, "__notes__", ["did not complete"])
    assert any("did not complete" in note for note in notes)
    assert vars(clf).keys() == before.keys()
    np.testing.assert_array_equal(clf.coef_, before["coef_"])


@pytest.mark.parametrize("n_jobs", [1, -1])
def test_an_interrupted_fit_changes_nothing(n_jobs, monkeypatch):
    from skadv.linear_model import _logistic

    (X, y, _), (Xd, yd, _) = _inputs(n_classes=3)
    clf = AdversarialLogisticRegression(0.1, n_jobs=n_jobs).fit(X, y)
    before = copy.deepcopy(vars(clf))

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_logistic, "lbfgs", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _fit(Xd, yd, clf=clf)
    assert vars(clf).keys() == before.keys()
    np.testing.assert_array_equal(clf.coef_, before["coef_"])


# ------------------------------------------------- evaluations grouped by worker
def _persisted(client, *arrays):
    with dask.config.set(scheduler=client):
        arrays = dask.persist(*arrays)
        distributed.wait(list(arrays))
    return arrays


def _fit_counting_tasks(client, clf, X, y, sample_weight=None):
    """Fit on ``client``; the number of evaluations and of tasks of each kind."""
    from skadv.linear_model._dask_fit import DaskDesign

    evaluations = []
    evaluate = DaskDesign.loss_and_gradient

    def counted(self, *args, **kwargs):
        evaluations.append(self.positive)
        return evaluate(self, *args, **kwargs)

    with (
        pytest.MonkeyPatch.context() as patch,
        dask.config.set(scheduler=client),
        distributed.get_task_stream(client=client) as stream,
    ):
        patch.setattr(DaskDesign, "loss_and_gradient", counted)
        clf.fit(X, y, sample_weight=sample_weight)
    names = [str(task["key"]).strip("('\"").split("-")[0] for task in stream.data]
    return len(evaluations), names.count("_group_terms"), names.count("_block_terms")


def _holders(client, Xd):
    return {workers[0] for workers in client.who_has(Xd).values()}


@pytest.mark.parametrize("lazy_y", [True, False])
def test_persisted_blocks_are_evaluated_one_task_per_worker(
    client, monkeypatch, lazy_y
):
    from skadv.linear_model import _dask_fit

    (X, y, s), (Xd, yd, sd) = _inputs(weights="dask")
    Xd, yd, sd = _persisted(client, Xd, yd, sd)
    # One thread per worker: one group, and one task, per worker holding blocks.
    n_groups = len(_holders(client, Xd))
    labels = yd if lazy_y else y
    n_eval, n_group_tasks, n_block_tasks = _fit_counting_tasks(
        client, AdversarialLogisticRegression(0.1), Xd, labels, sd
    )
    assert n_eval > 0
    assert n_group_tasks == n_eval * n_groups
    assert n_block_tasks == 0
    with dask.config.set(scheduler=client):
        grouped = AdversarialLogisticRegression(0.1).fit(Xd, labels, sd)
        monkeypatch.setattr(_dask_fit, "find_groups", lambda *args: None)
        per_block = AdversarialLogisticRegression(0.1).fit(Xd, labels, sd)
    np.testing.assert_array_equal(grouped.coef_, per_block.coef_)
    np.testing.assert_array_equal(grouped.intercept_, per_block.intercept_)
    _assert_same_fit(grouped, AdversarialLogisticRegression(0.1).fit(X, y, s), X, y, s)


def test_grouped_evaluation_equals_the_evaluation_in_memory(client):
    from skadv.linear_model._dask_fit import DaskFitData

    (X, y, s), (Xd, _, _) = _inputs(weights="numpy")
    (Xd,) = _persisted(client, Xd)
    rng = np.random.default_rng(5)
    w, b, r = rng.normal(size=X.shape[1]), 0.3, 0.7
    y_pm = np.where(y == 1, 1.0, -1.0)
    expected = LinearDesign(X, y_pm, s).loss_and_gradient(w, b, r)
    with dask.config.set(scheduler=client):
        data = DaskFitData(Xd, y, s)
        data.problems(None)
        groups = data.worker_groups()
        loss, grad_w, grad_b, grad_r = data.design(0).loss_and_gradient(w, b, r)
    # Every block in exactly one group, on the worker that holds it.
    holders = client.who_has(Xd)
    keys = [piece.key for piece in Xd.to_delayed().ravel()]
    assert sorted(k for _, blocks in groups for k in blocks) == list(range(len(keys)))
    for address, blocks in groups:
        assert all(holders[keys[k]][0] == address for k in blocks)
    np.testing.assert_allclose(loss, expected[0], rtol=1e-12)
    np.testing.assert_allclose(grad_w, expected[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([grad_b, grad_r], expected[2:], rtol=1e-12)


def test_unpersisted_blocks_are_evaluated_one_task_per_block(client):
    (X, y, _), (Xd, yd, _) = _inputs()
    n_eval, n_group_tasks, n_block_tasks = _fit_counting_tasks(
        client, AdversarialLogisticRegression(0.1), Xd, yd
    )
    assert n_group_tasks == 0
    assert n_block_tasks == n_eval * Xd.numblocks[0]
    with dask.config.set(scheduler=client):
        lazy = AdversarialLogisticRegression(0.1).fit(Xd, yd)
    _assert_same_fit(lazy, AdversarialLogisticRegression(0.1).fit(X, y), X, y)


def test_unpersisted_labels_fall_back_to_one_task_per_block(client):
    (X, y, _), (Xd, yd, _) = _inputs()
    (Xd,) = _persisted(client, Xd)
    _, n_group_tasks, n_block_tasks = _fit_counting_tasks(
        client, AdversarialLogisticRegression(0.1), Xd, yd
    )
    assert n_group_tasks == 0 and n_block_tasks > 0


def test_multiclass_on_persisted_blocks_is_grouped(client, monkeypatch):
    from skadv.linear_model import _dask_fit

    (X, y, _), (Xd, yd, _) = _inputs(n_classes=3)
    Xd, yd = _persisted(client, Xd, yd)
    n_eval, n_group_tasks, n_block_tasks = _fit_counting_tasks(
        client, AdversarialLogisticRegression(0.05), Xd, yd
    )
    assert n_group_tasks == n_eval * len(_holders(client, Xd))
    assert n_block_tasks == 0
    with dask.config.set(scheduler=client):
        grouped = AdversarialLogisticRegression(0.05).fit(Xd, yd)
        monkeypatch.setattr(_dask_fit, "find_groups", lambda *args: None)
        per_block = AdversarialLogisticRegression(0.05).fit(Xd, yd)
    np.testing.assert_array_equal(grouped.coef_, per_block.coef_)
    np.testing.assert_array_equal(grouped.intercept_, per_block.intercept_)
    _assert_same_fit(grouped, AdversarialLogisticRegression(0.05).fit(X, y), X, y)
