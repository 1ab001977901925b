"""The training history of :class:`AdversarialMLPClassifier` as one record.

:class:`TrainingHistory` holds what the fitted attributes ``n_iter_``, ``t_``,
``loss_curve_``, ``best_loss_``, ``validation_scores_``,
``best_validation_score_`` and ``_no_improvement_count`` describe, and the rule
that updates them after an epoch: the patience counter of scikit-learn's MLP.
The epoch loop updates a record; the estimator alone turns it into attributes
and back. Like the estimator, this module never imports torch.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingHistory:
    """Epochs, samples, losses and validation scores of a network's training.

    Parameters
    ----------
    n_iter : int, default=0
        Epochs completed.
    t : int, default=0
        Training samples seen.
    loss_curve : list of float
        Mean training loss of each completed epoch.
    best_loss : float or None, default=inf
        Lowest training loss; None with early stopping.
    validation_scores : list of float or None, default=None
        Validation accuracy of each epoch; a list with early stopping only.
    best_validation_score : float or None, default=None
        Best validation accuracy; ``-inf`` before the first epoch with early
        stopping, None without.
    no_improvement_count : int, default=0
        Consecutive epochs without an improvement of more than ``tol``.

    Examples
    --------
    >>> from skadv.neural_network._history import TrainingHistory
    >>> history = TrainingHistory.start(early_stopping=False)
    >>> history.record(0.5, None, n_samples=100, tol=1e-4)
    False
    >>> history.n_iter, history.t, history.best_loss
    (1, 100, 0.5)
    """

    n_iter: int = 0
    t: int = 0
    loss_curve: list = field(default_factory=list)
    best_loss: float | None = np.inf
    validation_scores: list | None = None
    best_validation_score: float | None = None
    no_improvement_count: int = 0

    @classmethod
    def start(cls, early_stopping):
        """The history of an untrained network: no epoch, no best score yet.

        Parameters
        ----------
        early_stopping : bool
            Whether the epochs are scored on a validation set.

        Returns
        -------
        history : TrainingHistory
        """
        if early_stopping:
            return cls(
                best_loss=None, validation_scores=[], best_validation_score=-np.inf
            )
        return cls()

    def record(self, loss, score, *, n_samples, tol):
        """Book-keep a completed epoch and update the patience counter.

        Parameters
        ----------
        loss : float
            Mean training loss of the epoch.
        score : float or None
            Its validation accuracy, None without early stopping.
        n_samples : int
            Training samples of the epoch.
        tol : float
            Least improvement that resets the patience counter.

        Returns
        -------
        new_best : bool
            Whether ``score`` beats every earlier validation score, so that the
            network of this epoch is the one early stopping keeps.
        """
        self.n_iter += 1
        self.t += n_samples
        self.loss_curve.append(loss)
        new_best = False
        if score is not None:
            self.validation_scores.append(score)
            new_best = score > self.best_validation_score
            improved = score > self.best_validation_score + tol
            self.best_validation_score = max(self.best_validation_score, score)
        else:
            improved = loss < self.best_loss - tol
            self.best_loss = min(self.best_loss, loss)
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1
        return new_best

    def continued(self, early_stopping):
        """This history, set to go on with or without early stopping.

        A warm start may switch ``early_stopping`` between fits. The epochs,
        samples and losses carry over; the scores that the stopping rule
        compares start afresh in the new mode: no validation score yet with
        early stopping, the lowest training loss so far without it.

        Parameters
        ----------
        early_stopping : bool
            Whether the next epochs are scored on a validation set.

        Returns
        -------
        history : TrainingHistory
            ``self`` when the mode does not change, else a new record.

        Examples
        --------
        >>> from skadv.neural_network._history import TrainingHistory
        >>> history = TrainingHistory.start(early_stopping=False)
        >>> _ = history.record(0.5, None, n_samples=100, tol=1e-4)
        >>> switched = history.continued(early_stopping=True)
        >>> switched.n_iter, switched.validation_scores, switched.best_loss
        (1, [], None)
        """
        if early_stopping == (self.validation_scores is not None):
            return self
        fresh = TrainingHistory.start(early_stopping)
        if not early_stopping and self.loss_curve:
            fresh.best_loss = min(self.loss_curve)
        fresh.n_iter, fresh.t = self.n_iter, self.t
        fresh.loss_curve = list(self.loss_curve)
        return fresh
