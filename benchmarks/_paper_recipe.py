"""The official one-layer recipe of Chalasani et al. (2020), transcribed from its facts.

Everything here follows the authors' code (github.com/jfc43/advex, folder
``One-layer-Experiments``), read for its hyper-parameters and protocol:

- *Model*: one dense unit with a sigmoid; kernel and bias start from
  N(0, 0.05²) (``tf.random_normal_initializer()`` in ``spambase_1layer_tf2.py``
  and ``mushroom_1layer_tf2.py``).
- *Loss*: the mean binary cross-entropy of TensorFlow 2.0's Keras in eager
  mode, which clips the probability to ``[1e-7, 1 - 1e-7]`` (no gradient
  outside) and takes ``log(p + 1e-7)``, plus ``lambda * ||w||_1`` on the kernel
  only (``kernel_regularizer=l1``); no L2 and no penalty on the bias
  (requirements: ``One-layer-Experiments/requirements.txt``, tensorflow 2.0).
- *Attack*: the closed form ``delta = -eps * sign(w) * (2y - 1)``
  (``advtrain/adversarial.py``, ``logistic_perturb``), computed from the current
  kernel before each step, outside the gradient; the bias is not attacked.
- *Schedule*: 30 epochs of minibatches of 32 reshuffled every epoch
  (``hparams/*-ig.yaml``: ``epochs: 30``, ``batch: 32``); the first two epochs
  are clean, because ``clean_epochs: 0`` in the yaml files reads as
  ``params.clean_epochs or 2`` in the training scripts.
- *Optimizer*: Ftrl at learning rate 0.01 (``adam: False`` in the committed
  yaml files) with Keras's defaults (learning-rate power -0.5, initial
  accumulator 0.1, no Ftrl penalties); ``adam=True`` selects Adam at 0.01
  (beta 0.9 / 0.999, epsilon 1e-7), the optimizer the result files are named
  after (``AISTATS2020/*_results_ADAM.txt``).
- *Split*: ``train_test_split(test_size=0.2)`` twice, unstratified, from the
  global numpy seed 312: 64% of the rows train, 16% validate (unused), 20%
  test.
- *Evaluation* (``advtrain/model_metrics.py``, ``attribs_pct`` and ``gini``):
  accuracy at the 0.5 threshold on the whole test split; IG of the predicted
  probability of class 1 from the zero baseline with 20 left-Riemann steps, on
  the first ``min(1000, n_test)`` test rows; the Gini index of ``|IG| + 1e-7``.

The training loop is compiled with numba: one model takes milliseconds.
"""

import numba
import numpy as np
from sklearn.model_selection import train_test_split

from skadv.inspection import gini_index

from ._paper_constants import GINI_OFFSET

RECIPE_EPOCHS = 30
RECIPE_BATCH = 32
RECIPE_LEARNING_RATE = 0.01
RECIPE_CLEAN_EPOCHS = 2
RECIPE_INIT_STD = 0.05
OFFICIAL_SEED = 312
SPLIT_TEST_SIZE = 0.2
TABULAR_IG_STEPS = 20
IG_MAX_ROWS = 1000
# Keras's epsilon: the clipping of the cross-entropy and Adam's epsilon.
_KERAS_EPSILON = 1e-7
_FTRL_INITIAL_ACCUMULATOR = 0.1


def official_split(n_rows, seed=OFFICIAL_SEED):
    """Row indices ``(train, validation, test)`` of the official 80/20, 80/20 split.

    Two unstratified ``train_test_split(test_size=0.2)`` calls drawing from
    ``RandomState(seed)``, as the official scripts draw from the global numpy
    seed: with ``seed=312`` this is the split of the first model of a run.

    Examples
    --------
    >>> from benchmarks._paper_recipe import official_split
    >>> train, val, test = official_split(100)
    >>> len(train), len(val), len(test)
    (64, 16, 20)
    """
    rng = np.random.RandomState(seed)
    rows = np.arange(n_rows)
    rest, test = train_test_split(rows, test_size=SPLIT_TEST_SIZE, random_state=rng)
    train, val = train_test_split(rest, test_size=SPLIT_TEST_SIZE, random_state=rng)
    return train, val, test


@numba.njit(cache=True)
def _loss_gradient(X, y, w, b, epsilon, l1, rows):
    """Gradient of the batch loss in (w, b); the perturbation is held fixed."""
    d = X.shape[1]
    grad = np.zeros(d + 1)
    m = rows.shape[0]
    for r in range(m):
        i = rows[r]
        sign_y = 2.0 * y[i] - 1.0
        z = b
        for j in range(d):
            z += (X[i, j] - epsilon * np.sign(w[j]) * sign_y) * w[j]
        p = 1.0 / (1.0 + np.exp(-z))
        # Keras clips p to [eps, 1 - eps]: no gradient flows where it clips.
        if p <= _KERAS_EPSILON or p >= 1.0 - _KERAS_EPSILON:
            continue
        if y[i] > 0.5:
            dz = -p * (1.0 - p) / (p + _KERAS_EPSILON)
        else:
            dz = p * (1.0 - p) / (1.0 - p + _KERAS_EPSILON)
        dz /= m
        for j in range(d):
            grad[j] += dz * (X[i, j] - epsilon * np.sign(w[j]) * sign_y)
        grad[d] += dz
    for j in range(d):
        grad[j] += l1 * np.sign(w[j])
    return grad


@numba.njit(cache=True)
def _ftrl_step(theta, grad, accum, linear, lr):
    for k in range(theta.shape[0]):
        new_accum = accum[k] + grad[k] * grad[k]
        sigma = (np.sqrt(new_accum) - np.sqrt(accum[k])) / lr
        linear[k] += grad[k] - sigma * theta[k]
        accum[k] = new_accum
        theta[k] = -linear[k] / (np.sqrt(new_accum) / lr) if linear[k] != 0 else 0.0


@numba.njit(cache=True)
def _adam_step(theta, grad, m, v, t, lr, beta1, beta2):
    lr_t = lr * np.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
    for k in range(theta.shape[0]):
        m[k] = beta1 * m[k] + (1.0 - beta1) * grad[k]
        v[k] = beta2 * v[k] + (1.0 - beta2) * grad[k] * grad[k]
        theta[k] -= lr_t * m[k] / (np.sqrt(v[k]) + _KERAS_EPSILON)


@numba.njit(cache=True)
def _train(X, y, theta, epsilon, l1, orders, batch, clean_epochs, lr, adam):
    d = X.shape[1]
    state_a = np.full(d + 1, 0.0 if adam else _FTRL_INITIAL_ACCUMULATOR)
    state_b = np.zeros(d + 1)
    t = 0
    for epoch in range(orders.shape[0]):
        eps = 0.0 if epoch < clean_epochs else epsilon
        order = orders[epoch]
        for start in range(0, order.shape[0], batch):
            rows = order[start : start + batch]
            grad = _loss_gradient(X, y, theta[:d], theta[d], eps, l1, rows)
            t += 1
            if adam:
                _adam_step(theta, grad, state_a, state_b, t, lr, 0.9, 0.999)
            else:
                _ftrl_step(theta, grad, state_a, state_b, lr)
    return theta


def fit_recipe(
    X,
    y,
    *,
    epsilon=0.0,
    l1=0.0,
    adam=False,
    seed=0,
    epochs=RECIPE_EPOCHS,
    batch=RECIPE_BATCH,
    clean_epochs=RECIPE_CLEAN_EPOCHS,
    learning_rate=RECIPE_LEARNING_RATE,
):
    """Train one logistic unit with the official recipe; returns ``(w, b)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Encoded training rows (the space the model sees).
    y : ndarray of shape (n_samples,)
        0/1 labels.
    epsilon : float, default=0.0
        l_inf budget of the closed-form attack (after the clean epochs).
    l1 : float, default=0.0
        ``lambda`` of the penalty ``lambda * ||w||_1`` added to the mean loss.
    adam : bool, default=False
        Adam instead of the committed Ftrl.
    seed : int, default=0
        Seed of the initial weights and of the per-epoch shuffles.
    epochs, batch, clean_epochs, learning_rate
        The schedule; the defaults are the official values.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks._paper_recipe import fit_recipe
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = (X[:, 0] > 0).astype(float)
    >>> w, b = fit_recipe(X, y, epsilon=0.1)
    >>> bool(np.argmax(np.abs(w)) == 0)
    True
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, RECIPE_INIT_STD, size=X.shape[1] + 1)
    orders = np.stack([rng.permutation(X.shape[0]) for _ in range(epochs)])
    theta = _train(
        X,
        y,
        theta,
        float(epsilon),
        float(l1),
        orders,
        int(batch),
        int(clean_epochs),
        float(learning_rate),
        bool(adam),
    )
    return theta[:-1].copy(), float(theta[-1])


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def official_integrated_gradients(w, b, X, n_steps=TABULAR_IG_STEPS):
    """IG of ``sigmoid(x @ w + b)`` from zero, with ``n_steps`` left-Riemann nodes.

    The gradient at ``alpha * x`` is ``s'(b + alpha x.w) * w``, so the rule is
    ``x * w`` times the mean of ``s'`` over ``alpha = 0, 1/S, ..., (S-1)/S``.
    """
    X = np.asarray(X, dtype=np.float64)
    alphas = np.arange(n_steps) / n_steps
    s = _sigmoid(b + np.outer(X @ w, alphas))
    return X * w * np.mean(s * (1.0 - s), axis=1)[:, None]


def official_scores(
    w,
    b,
    X_test,
    y_test,
    *,
    max_rows=IG_MAX_ROWS,
    n_steps=TABULAR_IG_STEPS,
    offset=GINI_OFFSET,
):
    """Accuracy and mean Gini (without and with the offset) of the official protocol.

    IG attributes the probability of class 1 whatever the label, as the
    official evaluation does; for a binary logistic model the attributions of
    the true class's probability differ only in sign on the rows of class 0,
    so the Gini indices do not depend on that choice.

    Parameters
    ----------
    w, b : ndarray of shape (n_features,), float
        The model.
    X_test, y_test : ndarray
        Encoded test rows and their 0/1 labels.
    max_rows : int or None, default=IG_MAX_ROWS
        IG is computed on the first ``max_rows`` test rows (None: all).
    n_steps : int, default=TABULAR_IG_STEPS
        Left-Riemann steps of IG.
    offset : float, default=GINI_OFFSET
        The constant of ``gini_offset``.

    Returns
    -------
    scores : dict
        ``accuracy`` over all test rows; ``gini`` and ``gini_offset``, means
        over the rows explained of the Gini index of ``|IG|``, plain and with
        ``offset`` added.
    """
    X_test = np.asarray(X_test, dtype=np.float64)
    proba = _sigmoid(X_test @ w + b)
    accuracy = float(np.mean((proba > 0.5) == (np.asarray(y_test) > 0.5)))
    ig = np.abs(official_integrated_gradients(w, b, X_test[:max_rows], n_steps))
    return {
        "accuracy": accuracy,
        "gini": float(np.mean(gini_index(ig))),
        "gini_offset": float(np.mean(gini_index(ig, offset=offset))),
    }
