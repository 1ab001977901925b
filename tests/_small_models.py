"""Small models and tables that several test modules train on in seconds."""

import numpy as np


def small_mlp(**params):
    """An AdversarialMLPClassifier that trains in a fraction of a second.

    Parameters
    ----------
    **params : dict
        Overrides of the defaults.

    Returns
    -------
    model : AdversarialMLPClassifier
        Unfitted.
    """
    return _mlp(
        dict(
            hidden_layer_sizes=(8,),
            max_iter=3,
            batch_size=20,
            epsilon=0.05,
            attack_steps=2,
        ),
        params,
    )


def plain_mlp(**params):
    """A small AdversarialMLPClassifier with the estimator's own attack settings.

    Parameters
    ----------
    **params : dict
        Overrides of the defaults.

    Returns
    -------
    model : AdversarialMLPClassifier
        Unfitted.
    """
    return _mlp(dict(hidden_layer_sizes=(16,), max_iter=5), params)


def _mlp(defaults, params):
    # Both small networks train on CPU, at a rate that learns in a few epochs, and
    # from one seed; they differ in size and in the attack settings they fix.
    from skadv.neural_network import AdversarialMLPClassifier

    shared = dict(learning_rate_init=1e-2, device="cpu", random_state=0)
    return AdversarialMLPClassifier(**{**shared, **defaults, **params})


def report_frame(n=60, seed=0):
    """A table with a numeric signal, noise, a category and a text target.

    Parameters
    ----------
    n : int, default=60
        Rows.
    seed : int, default=0
        Seed of the generator.

    Returns
    -------
    frame : pandas.DataFrame
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "x": x,
            "noise": rng.normal(size=n),
            "kind": rng.choice(["a", "b"], size=n),
            "label": np.where(x + 0.5 * rng.normal(size=n) > 0, "yes", "no"),
        }
    )


def scaled_blobs(n=120, n_classes=3, n_features=4, cluster_std=0.6, seed=0):
    """Gaussian blobs min-max scaled into [0, 1], the suite's small table.

    Parameters
    ----------
    n, n_classes, n_features : int
        Shape of the problem.
    cluster_std : float
        Spread of each blob; 0.6 keeps the classes separable.
    seed : int
        Seed of ``make_blobs``.

    Returns
    -------
    X : ndarray of shape (n, n_features)
    y : ndarray of shape (n,)
    """
    from sklearn.datasets import make_blobs

    X, y = make_blobs(
        n_samples=n,
        centers=n_classes,
        n_features=n_features,
        cluster_std=cluster_std,
        random_state=seed,
    )
    return (X - X.min(0)) / (X.max(0) - X.min(0)), y


def noisy_binary(n=120, seed=0):
    """Binary data on four normal features that no hyperplane separates.

    Parameters
    ----------
    n : int, default=120
        Rows.
    seed : int, default=0
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n, 4)
    y : ndarray of shape (n,)
        The sign of the first feature plus noise, as 0 and 1.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def small_torch_net(n_outputs=3):
    """A torch network from 4 inputs to ``n_outputs`` logits, seeded with 0.

    Parameters
    ----------
    n_outputs : int, default=3
        Width of the last layer.

    Returns
    -------
    net : torch.nn.Sequential
        One hidden layer of 8 tanh units, in torch's default dtype.
    """
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, n_outputs)
    )
