"""MNIST and Fashion-MNIST: the Madry CNN, natural vs L1 vs adversarial.

The paper (appendix J.1; the values are in ``_paper_constants``) trains the
network of Madry et al. with Adam: a number of steps for the natural models
(with or without L1), more steps of PGD adversarial training from a random
start, with an epsilon per dataset. IG and the Gini index follow the official
evaluation (``_paper_constants``): the true-class logit from the all-black
image, the official quadrature, and the Gini index both as defined in the
paper and as the official code computes it. The profile decides how much of
that schedule runs.
"""

import copy

import numpy as np

from skadv.inspection import gini_index, integrated_gradients
from skadv.metrics import robust_accuracy_score
from skadv.neural_network import AdversarialMLPClassifier

from ._image_data import load_split
from ._paper_common import MODEL_KINDS, PROFILES, Result, stopwatch
from ._paper_constants import (
    GINI_OFFSET,
    IMAGE_BATCH_SIZE,
    IMAGE_EPSILON,
    IMAGE_L1_SCALE,
    PGD_STEP_SIZE,
    TRAIN_IMAGES,
    pgd_steps,
)
from ._paper_prose import _sci

# L1 strength on the network weights (mean cross-entropy + l1 * sum |W|): the
# official scale on the summed loss of a batch, divided by the batch size.
IMAGE_L1 = {name: IMAGE_L1_SCALE / IMAGE_BATCH_SIZE for name in IMAGE_EPSILON}
INPUT_SHAPE = (1, 28, 28)


def load_images(name, n_train, seed, data_home=None, checksums=None):
    """Training subset and full test set, float32 pixels in [0, 1], flat rows."""
    X_train, y_train = load_split(name, "train", data_home, checksums)
    X_test, y_test = load_split(name, "test", data_home, checksums)
    n_train = TRAIN_IMAGES if n_train is None else n_train
    keep = np.random.default_rng(seed).permutation(len(y_train))[:n_train]
    return X_train[keep], y_train[keep], X_test, y_test


def _attack_settings(steps, factor, epsilon):
    """``(steps, step_size)``; ``None`` steps mean the paper's schedule."""
    if steps is None:
        return None, None
    return steps, factor * epsilon / steps


def _common_params(profile, device, seed):
    return {
        "architecture": "cnn",
        "input_shape": INPUT_SHAPE,
        "clip": (0.0, 1.0),
        "alpha": 0.0,
        "batch_size": profile.batch_size,
        "learning_rate_init": profile.learning_rate,
        # a fixed number of epochs, as in the paper: no early stop on the loss
        "tol": 0.0,
        "n_iter_no_change": 10_000,
        "device": device,
        "random_state": seed,
    }


def _attack_text(profile, eps):
    steps, step_size = _attack_settings(
        profile.train_attack_steps, profile.train_step_factor, eps
    )
    if profile.train_attack == "fgsm":
        return "FGSM from a random start, step 1.25ε"
    if steps is None:
        return f"PGD {pgd_steps(eps)}×{PGD_STEP_SIZE:g} from a random start"
    return f"PGD {steps}×(2.5ε/{steps}) from a random start"


def adversarial_text(profile, eps):
    """How the adversarial model of ``profile`` is trained, in words."""
    stages = ", ".join(
        f"{epochs} epoch{'s' if epochs > 1 else ''} at ε={fraction * eps:.2g}"
        for fraction, epochs in profile.adversarial_stages
    )
    start = (
        "the natural model fine-tuned for " if profile.adversarial_from_natural else ""
    )
    return f"ε={eps:g}: {start}{stages}; {_attack_text(profile, eps)}"


def fit_natural(profile, X, y, device, seed, l1=0.0):
    """A natural (``l1=0``) or L1-regularised natural network."""
    model = AdversarialMLPClassifier(
        epsilon=0.0,
        attack=None,
        l1=l1,
        max_iter=profile.natural_epochs,
        **_common_params(profile, device, seed),
    )
    return model.fit(X, y)


def fit_adversarial(profile, eps, X, y, device, seed, natural=None):
    """Adversarial training, through ``profile``'s stages of growing epsilon.

    With ``profile.adversarial_from_natural``, a copy of ``natural`` is trained
    further (``warm_start``); otherwise a fresh network starts from scratch.
    """
    if profile.adversarial_from_natural:
        model = copy.deepcopy(natural)
    else:
        model = AdversarialMLPClassifier(**_common_params(profile, device, seed))
    for stage, (fraction, epochs) in enumerate(profile.adversarial_stages):
        stage_eps = fraction * eps
        steps, step_size = _attack_settings(
            profile.train_attack_steps, profile.train_step_factor, stage_eps
        )
        model.set_params(
            epsilon=stage_eps,
            attack=profile.train_attack,
            attack_steps=steps,
            attack_step_size=step_size,
            max_iter=epochs,
            warm_start=profile.adversarial_from_natural or stage > 0,
        )
        model.fit(X, y)
    return model


def _robust_method(profile, eps):
    steps, step_size = _attack_settings(
        profile.eval_attack_steps, profile.eval_step_factor, eps
    )
    if steps is None:
        steps, step_size = pgd_steps(eps), PGD_STEP_SIZE
    restarts = (
        f", {profile.eval_restarts} restarts" if profile.eval_restarts > 1 else ""
    )
    return steps, step_size, f"PGD {steps}×{step_size:.3g}{restarts}"


def _setup_text(kind, name, profile):
    if kind == "natural":
        return f"{profile.natural_epochs} epochs"
    if kind == "l1":
        return f"λ={IMAGE_L1[name]:g}, {profile.natural_epochs} epochs"
    return adversarial_text(profile, IMAGE_EPSILON[name])


def paper_ig_rule(n_steps):
    """The official IG quadrature with ``n_steps`` = S: ``(alphas, weights)``.

    The official code evaluates the gradient at ``k / S``, ``k = 1..S``, and
    averages all but the last point.

    Examples
    --------
    >>> from benchmarks._paper_images import paper_ig_rule
    >>> alphas, weights = paper_ig_rule(4)
    >>> alphas.tolist(), weights.round(4).tolist()
    ([0.25, 0.5, 0.75], [0.3333, 0.3333, 0.3333])
    """
    return np.arange(1, n_steps) / n_steps, np.full(n_steps - 1, 1 / (n_steps - 1))


def official_gini(maps):
    """The Gini index of each row of ``maps`` as the official code computes it.

    ``GINI_OFFSET`` is added to every ``|attribution|`` first, which counts the
    exact zeros of the black background as tiny attributions.
    """
    return gini_index(maps, offset=GINI_OFFSET)


def _evaluate(model, profile, eps, test, n_eval, result):
    """Accuracy on ``test``; robust accuracy and IG on its first ``n_eval`` rows.

    ``result.gini`` gets the mean Gini index as defined in the paper,
    ``result.extra["gini_offset"]`` the official one, both over the same
    ``n_eval`` images. Returns the attributions, which the figure reuses.
    """
    X_test, y_test = test
    X_eval, y_eval = X_test[:n_eval], y_test[:n_eval]
    steps, step_size, _ = _robust_method(profile, eps)
    result.accuracy.append(float(model.score(X_test, y_test)))
    robust = robust_accuracy_score(
        model,
        X_eval,
        y_eval,
        epsilon=eps,
        steps=steps,
        step_size=step_size,
        restarts=profile.eval_restarts,
        random_state=model.random_state,
    )
    result.robust_accuracy.append(float(robust))
    maps = integrated_gradients(
        model,
        X_eval,
        y_eval,
        output="logit",
        method=paper_ig_rule(profile.ig_steps),
        internal_batch_size=profile.ig_batch,
    )
    result.gini.append(float(np.mean(gini_index(maps))))
    result.extra.setdefault("gini_offset", []).append(
        float(np.mean(official_gini(maps)))
    )
    result.extra["ig_steps"] = profile.ig_steps
    return maps


def run_images(
    profile, datasets, device, seed=0, log=print, data_home=None, checksums=None
):
    """Train and evaluate the image models; also return what the figure needs.

    ``data_home`` and ``checksums`` say where the idx files are and vouch for a
    local copy, as the ``--data-home`` and ``--checksums`` options do.
    """
    results, figure_data = [], {}
    for name in datasets:
        eps = IMAGE_EPSILON[name]
        X_train, y_train, X_test, y_test = load_images(
            name, profile.image_train, seed, data_home, checksums
        )
        # one seeded order of the test set: its head is the evaluation subset
        order = np.random.default_rng(seed).permutation(len(y_test))
        X_test, y_test = X_test[order], y_test[order]
        if profile.image_test is not None:
            X_test, y_test = X_test[: profile.image_test], y_test[: profile.image_test]
        n_eval = len(y_test) if profile.image_eval is None else profile.image_eval
        X_eval, y_eval = X_test[:n_eval], y_test[:n_eval]
        robust_text = _robust_method(profile, eps)[2]
        figure_data[name] = {"X": X_eval, "y": y_eval, "maps": {}, "proba": {}}
        models, fit_seconds = {}, {}
        for kind in MODEL_KINDS:
            result = Result(
                dataset=name,
                kind=kind,
                recipe=f"Madry CNN, {len(y_train):,} training images",
                setup=_setup_text(kind, name, profile),
                n_test=len(y_test),
                n_eval=n_eval,
                robust_method=robust_text,
            )
            with stopwatch(result.fit_seconds):
                if kind == "adversarial":
                    model = fit_adversarial(
                        profile, eps, X_train, y_train, device, seed, models["natural"]
                    )
                else:
                    l1 = IMAGE_L1[name] if kind == "l1" else 0.0
                    model = fit_natural(profile, X_train, y_train, device, seed, l1)
            if kind == "adversarial" and profile.adversarial_from_natural:
                # fine-tuning is only part of its cost: add the natural training
                result.fit_seconds[-1] += fit_seconds["natural"]
            models[kind], fit_seconds[kind] = model, result.fit_seconds[-1]
            with stopwatch(result.eval_seconds):
                maps = _evaluate(model, profile, eps, (X_test, y_test), n_eval, result)
            figure_data[name]["maps"][kind] = maps
            proba = model.predict_proba(X_eval)
            column = np.searchsorted(model.classes_, y_eval)
            figure_data[name]["proba"][kind] = proba[np.arange(n_eval), column]
            result.extra["device"] = model.device_
            log(
                f"{name:9s} {kind:11s} acc={result.accuracy[-1]:.4f} "
                f"robust={result.robust_accuracy[-1]:.4f} "
                f"gini={result.gini[-1]:.4f} "
                f"official={result.extra['gini_offset'][-1]:.4f} "
                f"fit={result.fit_seconds[-1]:.1f}s "
                f"eval={result.eval_seconds[-1]:.1f}s"
            )
            results.append(result)
    return results, figure_data


def _ig_steps(mode):
    return PROFILES[mode].ig_steps


# 1e-07 written as 1e-7

IMAGE_PREPROCESSING = {
    "mnist": (
        f"pixels scaled to [0, 1] by `fetch_mnist`, ε = {IMAGE_EPSILON['mnist']:g} "
        "in those units; attacks are clipped to [0, 1]; training images are a "
        f"seeded random subset of the 60,000 (the paper's {TRAIN_IMAGES:,} in "
        "--full); IG of the true-class logit from the all-black image by the "
        "official rule (gradients at (k/S)·x averaged over k = 1..S-1), "
        f"S = {_ig_steps('quick')} in --quick and {_ig_steps('full')} in --full; "
        "Gini index G as the paper defines it and G+ as the official code "
        f"computes it (+{_sci(GINI_OFFSET)} on every |attribution|); L1: the "
        f"official λ = {IMAGE_L1_SCALE:g} on the loss summed over a batch of "
        f"{IMAGE_BATCH_SIZE}, i.e. λ = {IMAGE_L1['mnist']:g} on the mean loss"
    ),
    "fashion": (
        f"as MNIST (`fetch_fashion_mnist`), ε = {IMAGE_EPSILON['fashion']:g}; L1, "
        "adversarial and IG set-ups as for MNIST"
    ),
}
