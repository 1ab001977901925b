"""Clean accuracy for the classifiers' ``score``, with checked labels and weights.

:class:`~sklearn.base.ClassifierMixin` hands ``y`` and ``sample_weight`` to
:func:`~sklearn.metrics.accuracy_score` as they come: a negative weight gives
a negative "accuracy", and a missing label fails while sorting, with a message
that names neither input. :class:`CheckedAccuracyMixin` applies the checks of
:func:`~skadv.metrics.robust_accuracy_score` first, so that clean and robust
accuracy accept and refuse the same labels and weights.
"""

from sklearn.metrics import accuracy_score
from sklearn.utils.validation import check_is_fitted

from skadv.metrics._robust import checked_sample_weight
from skadv.utils._validation import checked_labels


class CheckedAccuracyMixin:
    """``score`` as the mean accuracy, refusing labels and weights it would misread.

    Mixed in before :class:`~sklearn.base.ClassifierMixin` into a classifier
    with ``classes_`` and ``predict``.
    """

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels, of the type of ``classes_``, without missing values;
            a label the model does not know counts as a wrong prediction.
        sample_weight : array-like of shape (n_samples,), default=None
            Finite, non-negative weights, not all zero.

        Returns
        -------
        score : float
            Weighted share of correct predictions, in [0, 1].
        """
        check_is_fitted(self)
        y = checked_labels(y, self.classes_)
        weights = checked_sample_weight(sample_weight, y.shape[0])
        return float(accuracy_score(y, self.predict(X), sample_weight=weights))
