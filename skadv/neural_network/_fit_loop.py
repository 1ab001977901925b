"""The epoch loop of :class:`AdversarialMLPClassifier`.

:func:`fit_network` prepares one call to ``fit`` or ``partial_fit`` (validation
split, tensors on the device, the bound attack, seeded generators) and hands it
to :class:`EpochLoop`, which shuffles, calls the estimator's ``train_step`` on
every minibatch, reports progress, applies the stopping rule of scikit-learn's
MLP and turns a ``KeyboardInterrupt`` into a usable network with a warning.
:func:`unchanged_on_failure` guards a whole call: one that raises, Ctrl-C
included, leaves the estimator as it was before the call.

The loop keeps its count of epochs, samples, losses and scores in a
:class:`~skadv.neural_network._history.TrainingHistory`, which starts from the
estimator's (so that warm starts and ``partial_fit`` continue where the
previous call stopped) and which it hands back to the estimator after every
completed epoch; only the estimator turns the record into fitted attributes.
"""

import math
import sys
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skadv.neural_network._device import (
    make_generator,
    restore,
    seeded_global_rng,
    snapshot,
)
from skadv.neural_network._inference import predict_logits, training_rows
from skadv.neural_network._provider import _SEED_MAX as SEED_MAX
from skadv.neural_network._training import batch_loss_total, build_attack
from skadv.utils._torch import as_tensor, module_device, network_dtype
from skadv.utils._warnings import warn_caller


class EpochReporter:
    """Progress of one epoch: a tqdm bar on a terminal, plain log lines otherwise.

    Parameters
    ----------
    verbose : int
        Nothing is shown when 0.
    epoch : int
        One-based number of the epoch, for the bar and the log line.
    n_batches : int
        Length of the bar.
    """

    def __init__(self, verbose, epoch, n_batches):
        self.verbose = verbose
        self.epoch = epoch
        self.bar = None
        if verbose and sys.stderr.isatty():
            try:
                from tqdm.auto import tqdm
            except ImportError:  # tqdm is optional: fall back to log lines
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(
                    total=n_batches, desc=f"epoch {epoch}", unit="batch", leave=False
                )

    def update(self, loss):
        """Advance the bar by one batch of the given loss (a no-op without a bar)."""
        if self.bar is not None:
            # reading the loss waits for the device, so only pay for it with a bar
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{float(loss):.4f}", refresh=False)

    def close(self):
        """Remove the bar, finished or not."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def log_epoch(verbose, epoch, loss, validation_score=None):
    """Print an epoch's summary line when verbose (the format of sklearn's MLP)."""
    if not verbose:
        return
    line = f"Iteration {epoch}, loss = {loss:.8f}"
    if validation_score is not None:
        line += f", validation score = {validation_score:.6f}"
    print(line, flush=True)


class EpochLoop:
    """Epochs of minibatch training on tensors already on the device.

    Parameters
    ----------
    estimator : AdversarialMLPClassifier
        Holds the network (``module_``), its optimizer (``optimizer_``), the
        ``train_step`` to call per batch, the settings of the stopping rule
        and ``_store_history``, which receives the history after every
        completed epoch.
    history : TrainingHistory
        The history to continue; updated in place.
    X, y : torch.Tensor
        Training inputs and class indices on the device.
    attack : callable
        ``attack(module, X, y)``, handed to ``train_step``.
    batch_size : int
        Minibatch size.
    shuffle_generator : torch.Generator
        CPU generator of the epoch orders.
    validation : None or (ndarray, ndarray)
        Held-out inputs and class indices for early stopping.
    """

    def __init__(
        self,
        estimator,
        history,
        X,
        y,
        attack,
        batch_size,
        shuffle_generator,
        validation,
    ):
        self.estimator = estimator
        self.history = history
        self.X = X
        self.y = y
        self.attack = attack
        self.batch_size = batch_size
        self.shuffle_generator = shuffle_generator
        self.validation = validation
        self.best_state = None
        self.completed = 0

    def run(self, n_epochs):
        """Run up to ``n_epochs``; return whether training stopped on its own.

        It stops on its own when the stopping rule fires or when interrupted.
        With early stopping the network of the best validation score is kept in
        every case, as scikit-learn's MLP does.
        """
        est = self.estimator
        stopped = False
        for _ in range(n_epochs):
            result = self._interruptible_epoch()
            if result is None:
                stopped = True
                break
            self._check_finite(result[0])
            self._record(*result)
            self.completed += 1
            if self.history.no_improvement_count > est.n_iter_no_change:
                if est.verbose:
                    print(
                        f"No improvement for {est.n_iter_no_change} consecutive "
                        "epochs; stopping.",
                        flush=True,
                    )
                stopped = True
                break
        if self.best_state is not None:
            restore(est.module_, est.optimizer_, self.best_state)
        # a fitted network is for inference: no stale gradients, no dropout
        est.optimizer_.zero_grad(set_to_none=True)
        est.module_.eval()
        return stopped

    def _interruptible_epoch(self):
        """One epoch as ``(loss, validation_score)``, or None when interrupted.

        An interrupt rolls the network and the optimizer back to the start of
        the epoch, so half an epoch of steps never leaks into the result. Before
        the first epoch of this call completes there is nothing of it to keep:
        the interrupt then propagates, for :func:`unchanged_on_failure` to
        restore the estimator of before the call.
        """
        est = self.estimator
        start_state = snapshot(est.module_, est.optimizer_)
        try:
            loss = self._epoch()
            score = self._validation_score()
        except KeyboardInterrupt:
            restore(est.module_, est.optimizer_, start_state)
            if not self.completed:
                raise
            kept = (
                "the best network on the validation set"
                if self.best_state is not None
                else "the network of the last completed epoch"
            )
            n_iter = self.history.n_iter
            warn_caller(
                f"Training interrupted during epoch {n_iter + 1}; keeping "
                f"{kept} ({n_iter} epochs completed).",
                UserWarning,
            )
            return None
        return loss, score

    def _check_finite(self, loss):
        if not math.isfinite(loss):
            raise ValueError(
                f"Training diverged: the mean training loss of epoch "
                f"{self.history.n_iter + 1} is {loss}. Rescale X or lower "
                "learning_rate_init; the estimator is left as it was before "
                "this call."
            )

    def _epoch(self):
        est = self.estimator
        n_samples = self.X.shape[0]
        order = (
            torch.randperm(n_samples, generator=self.shuffle_generator)
            if est.shuffle
            else torch.arange(n_samples)
        ).to(self.X.device)
        reporter = EpochReporter(
            est.verbose, self.history.n_iter + 1, -(-n_samples // self.batch_size)
        )
        total = torch.zeros((), dtype=torch.float64, device=self.X.device)
        try:
            for start in range(0, n_samples, self.batch_size):
                index = order[start : start + self.batch_size]
                loss = est.train_step(self.X[index], self.y[index], self.attack)
                total += batch_loss_total(loss, index.shape[0]).to(total.device)
                reporter.update(loss)
        finally:
            reporter.close()
        return total.item() / n_samples

    def _validation_score(self):
        if self.validation is None:
            return None
        X_val, y_val = self.validation
        module = self.estimator.module_
        device = self.X.device
        return float(np.mean(predict_logits(module, X_val, device).argmax(1) == y_val))

    def _record(self, loss, score):
        """Book-keep a completed epoch, keep its network if best, publish it.

        The estimator receives the history after every epoch, so its fitted
        attributes always describe the completed epochs: a ``train_step`` that
        reads ``n_iter_`` sees the current epoch, and an interrupted fit keeps
        attributes that match the network it keeps.
        """
        est = self.estimator
        new_best = self.history.record(
            loss, score, n_samples=self.X.shape[0], tol=est.tol
        )
        log_epoch(est.verbose, self.history.n_iter, loss, score)
        if new_best:
            self.best_state = snapshot(est.module_, est.optimizer_)
        est._store_history(self.history)


@contextmanager
def unchanged_on_failure(estimator, continues):
    """Restore every attribute of ``estimator`` if the block raises, then re-raise.

    Validation errors, a diverging run and a ``KeyboardInterrupt`` before the
    first epoch completes all leave the estimator as before the call: unfitted
    after a first fit, the previous model intact after a refit.

    Parameters
    ----------
    estimator : AdversarialMLPClassifier
        The estimator being fitted.
    continues : bool
        Whether the call trains the existing ``module_`` in place (warm start,
        ``partial_fit``), whose weights and optimizer state are then saved too;
        a fresh fit builds a new network and leaves the old one untouched.
    """
    saved = {
        key: list(value) if isinstance(value, list) else value
        for key, value in vars(estimator).items()
    }
    rng = saved.get("_random_state")
    # seeds are drawn from it in place; rewinding it keeps later calls reproducible
    rng_state = None if rng is None else rng.get_state()
    network = None
    if continues and "module_" in saved:
        module = saved["module_"]
        network = (module, saved["optimizer_"], module_device(module))
        network_state = snapshot(module, saved["optimizer_"])
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        if rng is not None:
            rng.set_state(rng_state)
        if network is not None:
            module, optimizer, device = network
            # a warm start may have moved the network to another device
            module.to(device)
            restore(module, optimizer, network_state)
            optimizer.zero_grad(set_to_none=True)
            module.eval()
        raise


def fit_network(estimator, X, y, *, epsilon, clip, device, epochs, incremental):
    """Train ``estimator.module_`` on ``(X, y)`` for up to ``epochs`` epochs.

    Parameters
    ----------
    estimator : AdversarialMLPClassifier
        Initialised: ``module_`` and ``optimizer_`` exist on ``device`` and
        ``_training_history()`` gives the history to continue, which the loop
        hands back through ``_store_history`` after every completed epoch.
    X : ndarray of shape (n_samples, n_features)
        Validated training inputs.
    y : ndarray of shape (n_samples,)
        Class indices into ``estimator.classes_``.
    epsilon, clip : ndarray, None or (ndarray, ndarray)
        Validated budget and data range.
    device : torch.device
        Training device.
    epochs : int
        Maximum number of epochs.
    incremental : bool
        ``partial_fit``: no validation split and no convergence warning.
    """
    rng = estimator._random_state
    validation = None
    if estimator.early_stopping and not incremental:
        try:
            X, X_val, y, y_val = train_test_split(
                X,
                y,
                test_size=estimator.validation_fraction,
                random_state=rng.randint(SEED_MAX),
                stratify=y,
            )
        except ValueError as exc:
            raise ValueError(
                "early_stopping=True cannot hold out validation_fraction="
                f"{estimator.validation_fraction} of {X.shape[0]} samples with every "
                f"class on both sides ({exc}); add samples, change "
                "validation_fraction or set early_stopping=False."
            ) from exc
        validation = (X_val, y_val)
    attack = build_attack(
        estimator.attack,
        epsilon,
        clip,
        device,
        rng.randint(SEED_MAX),
        steps=estimator.attack_steps,
        step_size=estimator.attack_step_size,
        random_start=estimator.random_start,
    )
    # sparse X stays on the host and is densified one minibatch at a time
    X_t = training_rows(X, device, network_dtype(estimator.module_))
    y_t = as_tensor(y, device, dtype=torch.long)
    shuffle_generator = make_generator("cpu", rng.randint(SEED_MAX))
    history = estimator._training_history()
    loop = EpochLoop(
        estimator,
        history,
        X_t,
        y_t,
        attack,
        estimator._batch_size(X.shape[0]),
        shuffle_generator,
        validation,
    )
    with seeded_global_rng(device, rng.randint(SEED_MAX)):
        stopped = loop.run(epochs)
    if not incremental and not stopped and history.n_iter == estimator.max_iter:
        warn_caller(
            f"Stopped after max_iter={estimator.max_iter} epochs without converging.",
            ConvergenceWarning,
        )
