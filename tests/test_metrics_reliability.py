"""robust_accuracy_score and the scorers under hostile input.

Bad attack settings, labels and weights must fail with a message naming the
argument, for a network as for a linear model, and array-likes must give the
same score as arrays.
"""

import warnings

import numpy as np
import pytest
from _small_models import scaled_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import InvalidParameterError

from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer, make_robust_scorer, robust_accuracy_score

torch = pytest.importorskip("torch")

from skadv.neural_network import AdversarialMLPClassifier, _attacks  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return scaled_blobs(n=60, cluster_std=1.5)


@pytest.fixture(scope="module")
def models(data):
    X, y = data
    mlp = AdversarialMLPClassifier(
        epsilon=0.0,
        hidden_layer_sizes=(8,),
        max_iter=30,
        learning_rate_init=1e-2,
        device="cpu",
        random_state=0,
    )
    with warnings.catch_warnings():
        # a few epochs give a good enough network; convergence is not the point
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    linear = AdversarialLogisticRegression(epsilon=0.05).fit(X, y)
    return {"mlp": mlp, "linear": linear}


@pytest.fixture(params=["mlp", "linear"])
def model(request, models):
    return models[request.param]


# ------------------------------------------------------------ attack parameters


@pytest.mark.parametrize(
    "params, name",
    [
        ({"step_size": -1.0}, "step_size"),
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": np.nan}, "step_size"),
        ({"step_size": np.inf}, "step_size"),
        ({"step_size": "big"}, "step_size"),
        ({"step_size": True}, "step_size"),
        ({"steps": 0}, "steps"),
        ({"steps": 1.5}, "steps"),
        ({"steps": -3}, "steps"),
        ({"steps": True}, "steps"),
        ({"restarts": 0}, "restarts"),
        ({"restarts": 2.0}, "restarts"),
        ({"attack": "bad"}, "attack"),
        ({"attack": None}, "attack"),
        ({"random_state": "seed"}, "random_state"),
        ({"clip": (np.nan, 1.0)}, "clip"),
        ({"clip": (0.0, [1.0, np.nan, 1.0, 1.0])}, "clip"),
        ({"clip": ("low", "high")}, "clip"),
        ({"clip": 1.0}, "clip"),
    ],
)
def test_bad_attack_parameters_are_rejected(data, model, params, name):
    X, y = data
    with pytest.raises((InvalidParameterError, ValueError), match=name):
        robust_accuracy_score(model, X, y, epsilon=0.1, **params)
    with pytest.raises((InvalidParameterError, ValueError), match=name):
        make_robust_scorer(epsilon=0.1, **params)


@pytest.mark.parametrize("typo", ["stepz", "step", "n_steps", "epsilon_step"])
def test_unknown_attack_parameter_lists_the_accepted_ones(data, model, typo):
    X, y = data
    with pytest.raises(TypeError, match=rf"\['{typo}'\].*'restarts'.*'steps'"):
        robust_accuracy_score(model, X, y, epsilon=0.1, **{typo: 3})
    with pytest.raises(TypeError, match=typo):
        make_robust_scorer(epsilon=0.1, **{typo: 3})


def test_valid_attack_parameters_still_work(data, models):
    X, y = data
    mlp = models["mlp"]
    clean = mlp.score(X, y)
    for params in [
        {"attack": "fgsm"},
        {"steps": np.int64(3), "step_size": np.float32(0.05)},
        {"restarts": 2, "random_state": np.random.RandomState(0)},
        {"clip": (0.0, 1.0)},
        {"clip": None},
        {"clip": "auto"},
    ]:
        score = robust_accuracy_score(mlp, X, y, epsilon=0.2, **params)
        assert 0.0 <= score <= clean


def test_attack_parameters_reach_the_attack(data, models):
    # A budget that leaves the clean accuracy intact under a 1-step attack with
    # a tiny step must fall under a real attack: the settings are not ignored.
    X, y = data
    mlp = models["mlp"]
    weak = robust_accuracy_score(
        mlp, X, y, epsilon=0.3, steps=1, step_size=1e-6, random_state=0
    )
    strong = robust_accuracy_score(mlp, X, y, epsilon=0.3, steps=20, random_state=0)
    assert strong < weak


def test_default_schedule_is_capped_for_huge_budgets(data, models, monkeypatch):
    X, y = data
    steps, step_size = _attacks.paper_schedule(1e6)
    assert steps == _attacks.MAX_SCHEDULE_STEPS == 200
    # the walk still covers the ball, as in the paper's schedule
    assert steps * step_size >= 1e6 + 0.1 - 1e-6
    assert _attacks.paper_schedule(0.3) == (40, 0.01)
    assert _attacks.paper_schedule(1.9) == (200, 0.01)

    calls = []
    sign_step = _attacks._sign_step

    def counted(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1000:
            raise RuntimeError("the default PGD schedule does not stop")
        return sign_step(*args, **kwargs)

    monkeypatch.setattr(_attacks, "_sign_step", counted)
    score = robust_accuracy_score(models["mlp"], X, y, epsilon=1e6, random_state=0)
    assert len(calls) == 200  # one batch of 60 rows, one restart
    assert 0.0 <= score <= models["mlp"].score(X, y)


def test_pgd_accepts_numpy_step_sizes():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    X = torch.rand(5, 3)
    y = torch.tensor([0, 1, 0, 1, 1])
    common = dict(steps=3, random_start=False)
    per_feature = np.array([0.05, 0.0, 0.1])
    X_adv = _attacks.pgd(model, X, y, 0.2, step_size=per_feature, **common)
    expected = _attacks.pgd(
        model, X, y, 0.2, step_size=torch.tensor(per_feature, dtype=X.dtype), **common
    )
    torch.testing.assert_close(X_adv, expected)
    torch.testing.assert_close(X_adv[:, 1], X[:, 1])


# ----------------------------------------------------------- X, y, sample_weight


def test_array_like_inputs_give_the_array_score(data, model):
    X, y = data
    expected = robust_accuracy_score(model, X, y, epsilon=0.1, random_state=0)
    got = robust_accuracy_score(
        model, X.tolist(), y.tolist(), epsilon=0.1, random_state=0
    )
    assert got == expected
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        robust_accuracy_score(model, X.tolist(), y[:-1], epsilon=0.1)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")
def test_missing_labels_are_rejected(data, model):
    X, y = data
    y_nan = y.astype(float)
    y_nan[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        robust_accuracy_score(model, X, y_nan, epsilon=0.0)
    y_none = y.astype(object)
    y_none[3] = None
    with pytest.raises(ValueError, match="y"):
        robust_accuracy_score(model, X, y_none, epsilon=0.0)
    with pytest.raises(ValueError, match="class labels"):
        robust_accuracy_score(model, X, y + 0.5, epsilon=0.0)


def test_labels_of_another_type_are_rejected(data, model):
    X, y = data
    with pytest.raises(ValueError, match="classes_.*not comparable"):
        robust_accuracy_score(model, X, y.astype(str), epsilon=0.0)


def test_unknown_labels_count_as_wrong(data, model):
    # The documented policy, with sklearn's accuracy as the oracle at epsilon=0.
    X, y = data
    y_unknown = y.copy()
    y_unknown[::4] = 7
    expected = accuracy_score(y_unknown, model.predict(X))
    assert expected < model.score(X, y)
    assert robust_accuracy_score(model, X, y_unknown, epsilon=0.0) == expected


@pytest.mark.parametrize(
    "weights, match",
    [
        ("nan", "finite"),
        ("inf", "finite"),
        ("negative", "non-negative"),
        ("zeros", "all zero"),
        ("short", r"shape \(60,\)"),
        ("column", r"shape \(60,\)"),
        ("strings", "numbers"),
    ],
)
def test_bad_sample_weights_are_rejected(data, models, weights, match):
    X, y = data
    sw = {
        "nan": np.r_[np.nan, np.ones(59)],
        "inf": np.r_[np.inf, np.ones(59)],
        "negative": np.r_[-1.0, np.ones(59)],
        "zeros": np.zeros(60),
        "short": np.ones(59),
        "column": np.ones((60, 1)),
        "strings": np.array(["a"] * 60),
    }[weights]
    for model in models.values():
        with pytest.raises(ValueError, match=f"sample_weight.*{match}|{match}"):
            robust_accuracy_score(model, X, y, epsilon=0.0, sample_weight=sw)
    scorer = make_gini_scorer()
    with pytest.raises(ValueError, match=f"sample_weight.*{match}|{match}"):
        scorer(models["linear"], X, y, sample_weight=sw)


def test_sample_weights_match_weighted_accuracy(data, model):
    X, y = data
    sw = np.random.default_rng(0).uniform(0.0, 2.0, size=60)
    sw[:5] = 0.0  # zero weights are allowed, only an all-zero vector is not
    expected = accuracy_score(y, model.predict(X), sample_weight=sw)
    got = robust_accuracy_score(model, X, y, epsilon=0.0, sample_weight=list(sw))
    assert got == pytest.approx(expected, rel=1e-12)
    # weights near the largest float would overflow a plain weighted mean
    huge = robust_accuracy_score(
        model, X, y, epsilon=0.0, sample_weight=np.full(60, 1e308)
    )
    assert huge == pytest.approx(model.score(X, y), rel=1e-12)


def test_inputs_are_not_mutated(data, model):
    X, y = data
    X_copy, y_copy = X.copy(), y.copy()
    sw = np.ones(60)
    clip = (np.zeros(4), np.ones(4))
    robust_accuracy_score(
        model, X_copy, y_copy, epsilon=0.1, sample_weight=sw, clip=clip, steps=2
    )
    np.testing.assert_array_equal(X_copy, X)
    np.testing.assert_array_equal(y_copy, y)
    np.testing.assert_array_equal(sw, np.ones(60))
    np.testing.assert_array_equal(clip[1], np.ones(4))
