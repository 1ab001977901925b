"""AdversarialMLPClassifier: the dtype it computes in, and scipy sparse inputs.

The network takes the dtype of its first training data (float32 stays float32,
anything else is float64), so float64 predictions do not depend on which rows
share a batch. Sparse inputs give the results of their dense equivalents while
only one batch of rows is ever densified.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _small_models import plain_mlp as _small
from _small_models import scaled_blobs
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skadv.inspection import integrated_gradients
from skadv.metrics import robust_accuracy_score

torch = pytest.importorskip("torch")


def _blobs(n=120, n_features=4, seed=0):
    return scaled_blobs(n=n, n_features=n_features, seed=seed)


def _sparse_blobs(n=120, n_features=6, seed=0):
    """Blobs with about half the entries zeroed, dense and as CSR."""
    X, y = _blobs(n, n_features, seed)
    X[np.random.default_rng(seed).uniform(size=X.shape) < 0.5] = 0.0
    return X, sp.csr_matrix(X), y


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


def _dtypes(clf):
    return {p.dtype for p in clf.module_.parameters()}


# -------------------------------------------------------------------- dtype


@pytest.mark.parametrize(
    "cast, expected",
    [
        (lambda X: X, torch.float64),
        (lambda X: X.astype(np.float32), torch.float32),
        (lambda X: (X * 10).astype(np.int64), torch.float64),
        (lambda X: sp.csr_matrix(X.astype(np.float32)), torch.float32),
    ],
    ids=["float64", "float32", "int64", "sparse-float32"],
)
def test_network_takes_the_dtype_of_its_first_training_data(cast, expected):
    X, y = _blobs()
    clf = _fit(_small(max_iter=2, warm_start=True), cast(X), y)
    assert _dtypes(clf) == {expected}
    # later fits cast their data to the network, which keeps its dtype
    other = X.astype(np.float32) if expected == torch.float64 else X
    _fit(clf, other, y)
    clf.partial_fit(other, y)
    assert _dtypes(clf) == {expected}
    assert clf.input_dtype == np.dtype(str(expected).removeprefix("torch."))


def test_float64_network_pickles_without_losing_precision():
    X, y = _blobs()
    clf = _fit(_small(max_iter=3), X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert _dtypes(restored) == {torch.float64}
    for got, want in zip(restored.module_.parameters(), clf.module_.parameters()):
        assert torch.equal(got, want)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # the optimizer state comes back in float64 too: training continues alike
    clf.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


@pytest.fixture(scope="module")
def wide_float64_network():
    # wide layers make float32 rounding depend on how many rows a kernel sees
    X, y = _blobs(n=60, n_features=10)
    return _fit(_small(hidden_layer_sizes=(64, 64), max_iter=20), X, y), X, y


@pytest.mark.parametrize(
    "method", ["predict_proba", "predict_log_proba", "decision_function"]
)
def test_float64_outputs_do_not_depend_on_the_batch(wide_float64_network, method):
    clf, X, _ = wide_float64_network
    predict = getattr(clf, method)
    full = predict(X)
    one_by_one = np.concatenate([predict(X[i : i + 1]) for i in range(len(X))])
    halves = np.concatenate([predict(X[:25]), predict(X[25:])])
    reversed_rows = predict(X[::-1])[::-1]
    for other in (one_by_one, halves, reversed_rows):
        np.testing.assert_allclose(other, full, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("output", ["proba", "logit"])
def test_gradients_do_not_depend_on_the_batch(wide_float64_network, output):
    clf, X, y = wide_float64_network
    values, grads = clf._output_and_gradient(X, y, output)
    assert values.dtype == grads.dtype == np.float64
    for i in (0, 17, 59):
        v, g = clf._output_and_gradient(X[i : i + 1], y[i : i + 1], output)
        np.testing.assert_allclose(v, values[i : i + 1], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g, grads[i : i + 1], rtol=1e-12, atol=1e-14)


def test_float64_attack_stays_exactly_within_the_budget():
    from skadv.neural_network._training import build_attack

    X, y = _blobs()
    clf = _fit(_small(max_iter=3), X, y)
    attack = build_attack(
        "pgd",
        np.asarray(0.1),
        None,
        torch.device("cpu"),
        0,
        steps=20,
        step_size=0.03,
        random_start=True,
    )
    X_t = torch.as_tensor(X)
    X_adv = attack(clf.module_, X_t, torch.as_tensor(y))
    assert X_adv.dtype == torch.float64
    # a float32 budget would be 0.1000000015, past the float64 ball
    assert (X_adv - X_t).abs().max().item() <= 0.1 + 1e-15


def test_float32_network_rejects_inputs_beyond_float32_range():
    X, y = _blobs()
    clf = _fit(_small(max_iter=2), X.astype(np.float32), y)
    huge = X.copy()
    huge[3, 1] = 1e39
    for call in (
        clf.predict,
        clf.predict_proba,
        lambda Z: clf._robust_correct(Z, y, 0.1, steps=2),
    ):
        with pytest.raises(ValueError, match="float32 range"):
            call(huge)
    with pytest.raises(ValueError, match="float32 range"):
        clf.predict(sp.csr_matrix(huge))
    # float64 networks represent such values
    wide = _fit(_small(max_iter=2), X, y)
    assert np.isfinite(wide.decision_function(huge)).all()


def test_integrated_gradients_of_a_float32_network():
    X, y = _blobs()
    clf = _fit(_small(max_iter=5, activation="tanh"), X.astype(np.float32), y)
    attr, delta = integrated_gradients(
        clf, X[:10], y[:10], n_steps=32, return_convergence_delta=True
    )
    assert attr.dtype == np.float64
    assert np.abs(delta).max() < 1e-4


# ------------------------------------------------------------------- sparse


_FORMATS = {
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
    "coo": sp.coo_matrix,
    "csr_array": sp.csr_array,
    "lil": sp.lil_matrix,
}


@pytest.fixture(scope="module")
def dense_and_sparse_fits():
    X, Xs, y = _sparse_blobs()
    params = dict(epsilon=0.1, clip=(0, 1), batch_size=32)
    dense = _fit(_small(**params), X, y)
    sparse = _fit(_small(**params), Xs, y)
    return dense, sparse, X, Xs, y


def test_sparse_fit_trains_the_network_of_the_dense_data(dense_and_sparse_fits):
    dense, sparse, X, Xs, y = dense_and_sparse_fits
    assert sparse.loss_curve_ == dense.loss_curve_
    for a, b in zip(sparse.module_.parameters(), dense.module_.parameters()):
        assert torch.equal(a, b)
    params = dict(epsilon=0.1, clip=(0, 1), batch_size=32, max_iter=2)
    reference = _fit(_small(**params), X, y).loss_curve_
    for fmt in (sp.csc_matrix, sp.coo_array, sp.csr_array):
        assert _fit(_small(**params), fmt(X), y).loss_curve_ == reference


@pytest.mark.parametrize("fmt", list(_FORMATS))
def test_sparse_predictions_equal_dense_predictions(dense_and_sparse_fits, fmt):
    dense, _, X, _, y = dense_and_sparse_fits
    Xs = _FORMATS[fmt](X)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        np.testing.assert_array_equal(
            getattr(dense, method)(Xs), getattr(dense, method)(X)
        )
    np.testing.assert_array_equal(
        dense.decision_function(Xs), dense.decision_function(X)
    )
    assert dense.score(Xs, y) == dense.score(X, y)


def test_coo_duplicates_are_summed_like_toarray():
    X, _, y = _sparse_blobs()
    clf = _fit(_small(max_iter=2), X, y)
    rows, cols = np.nonzero(X)
    # each stored value split into two duplicate entries
    coo = sp.coo_matrix(
        (
            np.concatenate([X[rows, cols] / 4, 3 * X[rows, cols] / 4]),
            (np.concatenate([rows, rows]), np.concatenate([cols, cols])),
        ),
        shape=X.shape,
    )
    np.testing.assert_allclose(
        clf.predict_proba(coo), clf.predict_proba(coo.toarray()), rtol=1e-12
    )
    refit = _fit(_small(max_iter=2), coo, y)
    assert refit.loss_curve_ == pytest.approx(
        _fit(_small(max_iter=2), coo.toarray(), y).loss_curve_, rel=1e-12
    )


def test_sparse_partial_fit_and_early_stopping_match_dense():
    X, Xs, y = _sparse_blobs()
    dense = _small().partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    sparse = _small().partial_fit(Xs, y, classes=[0, 1, 2]).partial_fit(Xs, y)
    assert sparse.loss_curve_ == dense.loss_curve_
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))

    params = dict(early_stopping=True, max_iter=8, n_iter_no_change=2)
    dense = _fit(_small(**params), X, y)
    sparse = _fit(_small(**params), Xs, y)
    assert sparse.validation_scores_ == dense.validation_scores_
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))


def test_sparse_robust_accuracy_equals_dense(dense_and_sparse_fits):
    dense, _, X, Xs, y = dense_and_sparse_fits
    for epsilon in (0.0, 0.1, 0.3):
        kwargs = dict(epsilon=epsilon, steps=10, random_state=0)
        assert robust_accuracy_score(dense, Xs, y, **kwargs) == (
            robust_accuracy_score(dense, X, y, **kwargs)
        )
    np.testing.assert_array_equal(
        dense._robust_correct(Xs, y, 0.2, restarts=2, random_state=1),
        dense._robust_correct(X, y, 0.2, restarts=2, random_state=1),
    )


def test_sparse_gradients_and_integrated_gradients_equal_dense(
    dense_and_sparse_fits,
):
    dense, _, X, Xs, y = dense_and_sparse_fits
    for output in ("proba", "logit"):
        for got, want in zip(
            dense._output_and_gradient(Xs, y, output),
            dense._output_and_gradient(X, y, output),
        ):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(
        integrated_gradients(dense, Xs[:20], y[:20], n_steps=16),
        integrated_gradients(dense, X[:20], y[:20], n_steps=16),
        rtol=1e-12,
        atol=1e-15,
    )


def test_pipeline_with_default_sparse_one_hot_encoder():
    rng = np.random.default_rng(0)
    X = rng.choice(["a", "b", "c", "d"], size=(150, 3))
    y = ((X[:, 0] == "a") | (X[:, 1] == "b")).astype(int)
    sparse = make_pipeline(OneHotEncoder(), _small(max_iter=30))
    dense = make_pipeline(OneHotEncoder(sparse_output=False), _small(max_iter=30))
    _fit(sparse, X, y)
    _fit(dense, X, y)
    assert sp.issparse(sparse[0].transform(X))
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))
    assert sparse.score(X, y) > 0.9
    assert robust_accuracy_score(
        sparse, X, y, epsilon=0.2, random_state=0
    ) == robust_accuracy_score(dense, X, y, epsilon=0.2, random_state=0)
    np.testing.assert_allclose(
        integrated_gradients(sparse, X[:10], y[:10], n_steps=8),
        integrated_gradients(dense, X[:10], y[:10], n_steps=8),
        rtol=1e-12,
        atol=1e-15,
    )


def test_sparse_input_is_densified_one_batch_at_a_time(monkeypatch):
    from skadv.neural_network._inference import INFERENCE_BATCH_SIZE

    n, batch_size = 3 * INFERENCE_BATCH_SIZE // 2, 40
    X, Xs, y = _sparse_blobs(n=n)
    densified = []
    toarray = sp.csr_matrix.toarray

    def spying_toarray(self, *args, **kwargs):
        densified.append(self.shape[0])
        return toarray(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spying_toarray)
    clf = _small(max_iter=2, batch_size=batch_size, attack="fgsm")
    _fit(clf, Xs, y)
    training = list(densified)
    assert len(training) == 2 * -(-n // batch_size)
    assert max(training) == batch_size

    densified.clear()
    clf.predict_proba(Xs)
    clf._robust_correct(Xs, y, 0.1, steps=2)
    clf._output_and_gradient(Xs, y, "proba")
    assert densified == [INFERENCE_BATCH_SIZE, n - INFERENCE_BATCH_SIZE] * 3
    np.testing.assert_array_equal(clf.predict_proba(Xs), clf.predict_proba(X))
