"""AdversarialLogisticRegression: exact l_inf adversarial training of a linear model."""

import copy
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from skadv.linear_model._checks import (
    check_class_weight,
    check_numeric_params,
    check_weight_scale,
    warn_if_unbounded,
)
from skadv.linear_model._dask_blocks import partial_fit_blocks
from skadv.linear_model._dask_estimator import fit_dask
from skadv.linear_model._dask_inference import DaskInferenceMixin
from skadv.linear_model._loss import LinearDesign
from skadv.linear_model._partial_fit import partial_fit_arrays
from skadv.linear_model._provider import LinearProviderMixin
from skadv.linear_model._solvers import (
    BinaryProblem,
    MinibatchState,
    fit_minibatch,
    lbfgs,
)
from skadv.metrics._accuracy import CheckedAccuracyMixin
from skadv.utils._dask import is_dask_collection
from skadv.utils._validation import check_budget, class_indices

# A projected gradient below 1e-6 puts the objective within about 1e-6
# relative of its minimum on the benchmark data (1e-8 or closer on standardized
# dense data; one-hot and L1 problems are the least well conditioned).
# Minibatch objectives are noisy: 1e-4 on the mean loss is where scikit-learn's
# MLPClassifier stops, and finer tolerances mostly track the noise of the last
# epochs.
_LBFGS_TOL = 1e-6
_MINIBATCH_TOL = 1e-4


class AdversarialLogisticRegression(
    DaskInferenceMixin,
    LinearProviderMixin,
    CheckedAccuracyMixin,
    ClassifierMixin,
    BaseEstimator,
):
    r"""Logistic regression trained against worst-case l_inf perturbations.

    For labels :math:`y_i \in \{-1, +1\}` and sample weights :math:`s_i`
    (including class weights), the binary problem minimises

    .. math::

        C \sum_i s_i \log\left(1 + \exp\left(\sum_j e_j |w_j|
        - y_i (\langle w, x_i \rangle + b)\right)\right)
        + \frac{1 - \rho}{2} \|w\|_2^2 + \rho \|w\|_1

    with :math:`e` = ``epsilon`` and :math:`\rho` = ``l1_ratio``. The data term is
    the exact worst case of the logistic loss over all perturbations
    :math:`|\delta_j| \le e_j` of the inputs; the intercept is not attacked. With
    ``epsilon=0`` this is scikit-learn's ``LogisticRegression``; ``C=np.inf`` drops
    the penalty. Several classes are handled one-vs-rest, each class its own
    binary adversarial problem.

    Parameters
    ----------
    epsilon : float or array-like of shape (n_features,), default=0.1
        l_inf budget of the attacker, one per feature when an array (in the units
        of each column).
    C : float, default=1.0
        Inverse regularisation strength; ``np.inf`` means no penalty. Without a
        penalty the loss of (robustly) separable data has no minimiser, which
        ``fit`` reports with a ConvergenceWarning.
    l1_ratio : float, default=0.0
        Share of the L1 term in the penalty, between 0 and 1.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised, unattacked) intercept.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes of ``y``, multiplied into the sample weights of
        every one-vs-rest problem. Weights must be finite and non-negative;
        classes missing from a dict weigh 1, and a dict may name labels that
        are not classes of ``y`` only if it weighs every class.
    solver : {"lbfgs", "sgd", "adam"}, default="lbfgs"
        ``"lbfgs"`` finds the exact optimum with L-BFGS-B on the split
        :math:`w = p - q`, :math:`p, q \ge 0`. ``"sgd"`` and ``"adam"`` run
        projected minibatch steps on the same function; they only approximate
        the optimum but support ``partial_fit``. ``"sgd"`` takes the L2 term
        by its proximal step, stable for any ``C``. A minibatch fit whose
        objective ends well above that of its starting point warns that
        ``learning_rate`` is too large; one whose iterates overflow raises a
        ValueError.
    max_iter : int, default=1000
        Maximum number of L-BFGS-B iterations, or of epochs for the minibatch
        solvers.
    tol : float or None, default=None
        Stopping tolerance; None means 1e-6 for ``"lbfgs"`` and 1e-4 for
        ``"sgd"`` and ``"adam"``. L-BFGS-B stops when the largest projected
        gradient entry of the objective divided by ``C * sum(s)`` is below
        ``tol`` (the rule of scikit-learn's lbfgs, whose default of 1e-4 leaves
        L1 and adversarial fits on sparse one-hot data visibly short of their
        optimum). The minibatch solvers stop when the epoch's mean objective
        (the objective divided by ``C * sum(s)``) has not improved by ``tol``
        for ``n_iter_no_change`` epochs in a row (the rule of scikit-learn's
        ``MLPClassifier``).
    n_iter_no_change : int, default=5
        Epochs without improvement before ``"sgd"`` and ``"adam"`` stop; unused
        by ``"lbfgs"``.
    learning_rate : float, default=0.01
        Step size of ``"sgd"`` and ``"adam"``.
    batch_size : int, default=32
        Minibatch size of ``"sgd"`` and ``"adam"``.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    n_jobs : int, default=None
        Number of processes solving the one-vs-rest problems in parallel; on
        dask inputs, of threads, see :meth:`fit`.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the minibatch solvers.
    verbose : int, default=0
        Verbosity of the solvers.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for a binary problem (that of ``classes_[1]``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    n_iter_ : ndarray of shape (1,) or (n_classes,)
        Iterations (L-BFGS-B) or epochs (minibatch solvers) of each problem.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when they are all strings.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model with ``epsilon=0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> X = np.array([[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.9, 1.1]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = AdversarialLogisticRegression(epsilon=0.1, C=10.0).fit(X, y)
    >>> clf.predict(X)
    array([0, 0, 1, 1])
    >>> clf.coef_.shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        "epsilon": [Interval(Real, 0, None, closed="left"), "array-like"],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        epsilon=0.1,
        *,
        C=1.0,
        l1_ratio=0.0,
        fit_intercept=True,
        class_weight=None,
        solver="lbfgs",
        max_iter=1000,
        tol=None,
        n_iter_no_change=5,
        learning_rate=0.01,
        batch_size=32,
        warm_start=False,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.epsilon = epsilon
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def _check_fit_data(self, X, y, sample_weight, reset):
        check_numeric_params(self.get_params(deep=False))
        # With reset, validate_data records n_features_in_ and feature_names_in_
        # on the estimator it is given: a blank copy receives them, so that a fit
        # failing later leaves this one as it was.
        record = clone(self) if reset else self
        X, y = validate_data(
            record,
            X,
            y,
            accept_sparse="csr",
            dtype=np.float64,
            order="C",
            reset=reset,
        )
        check_classification_targets(y)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        names = ("n_features_in_", "feature_names_in_") if reset else ()
        attributes = {k: getattr(record, k) for k in names if hasattr(record, k)}
        return X, y, sample_weight, attributes

    def _problems(self, y, sample_weight, classes):
        """Labels in {-1, +1} and weights of every binary problem."""
        weights = check_class_weight(self.class_weight, classes, y)
        if weights is not None:
            sample_weight = sample_weight * weights[class_indices(y, classes)]
            if not np.any(sample_weight > 0):
                raise ValueError(
                    "The class weights leave every sample with zero weight; at "
                    "least one sample must have a positive weight."
                )
        positives = classes[1:] if len(classes) == 2 else classes
        return [(np.where(y == c, 1.0, -1.0), sample_weight) for c in positives]

    def _problem(self, X, y_pm, sample_weight, eps):
        design = LinearDesign(X, y_pm, sample_weight)
        return BinaryProblem(design, eps, self.C, self.l1_ratio, self.fit_intercept)

    def _solve(self, X, y_pm, sample_weight, eps, w0, b0, state, seed):
        problem = self._problem(X, y_pm, sample_weight, eps)
        return self._solve_problem(problem, w0, b0, state, seed)

    def _solve_problem(self, problem, w0, b0, state, seed, run_epoch=None):
        if self.solver == "lbfgs":
            theta, n_iter = lbfgs(
                problem,
                problem.pack(w0, b0),
                max_iter=self.max_iter,
                tol=self._tol(),
                verbose=self.verbose,
            )
            w, b = problem.unpack(theta)
            return w, b, n_iter, None
        if state is None or state.theta.shape != (problem.n_vars,):
            state = MinibatchState(problem.pack(w0, b0))
        n_iter = fit_minibatch(
            problem,
            state,
            solver=self.solver,
            learning_rate=float(self.learning_rate),
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            tol=self._tol(),
            n_iter_no_change=self.n_iter_no_change,
            rng=np.random.default_rng(seed),
            verbose=self.verbose,
            run_epoch=run_epoch,
        )
        w, b = problem.unpack(state.theta)
        return w, b, n_iter, state

    def _tol(self):
        if self.tol is not None:
            return self.tol
        return _LBFGS_TOL if self.solver == "lbfgs" else _MINIBATCH_TOL

    def _starting_points(self, balances, n_features):
        """Starting coefficients and intercepts of the binary problems.

        ``balances`` holds the total weight of the positive and of the negative
        samples of each problem.
        """
        coef = np.zeros((len(balances), n_features))
        intercept = np.zeros(len(balances))
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == coef.shape:
                coef = self.coef_.copy()
                if self.fit_intercept:
                    intercept = self.intercept_.copy()
                return coef, intercept
        if self.fit_intercept:
            # At w = 0 the budget term vanishes and the best intercept is the
            # log-odds of the weighted classes: the exact optimum along the
            # intercept, and a start that saves iterations on imbalanced data.
            for k, (positive, negative) in enumerate(balances):
                if positive > 0 and negative > 0:
                    intercept[k] = np.log(positive / negative)
        return coef, intercept

    def _commit(self, fitted, reset):
        # One store replaces every fitted attribute at once, so that neither an
        # exception nor Ctrl-C can leave a mix of the old fit and the new one.
        attributes = dict(vars(self))
        if reset:
            attributes.pop("feature_names_in_", None)
        attributes.update(fitted)
        self.__dict__ = attributes

    @staticmethod
    def _fitted(classes, results):
        states = [state for _, _, _, state in results]
        return {
            "classes_": classes,
            "coef_": np.vstack([w for w, _, _, _ in results]),
            "intercept_": np.array([b for _, b, _, _ in results], dtype=np.float64),
            "n_iter_": np.array([n for _, _, n, _ in results], dtype=np.int32),
            "_minibatch_states": (
                states if all(s is not None for s in states) else None
            ),
        }

    @staticmethod
    def _check_two_classes(classes):
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}."
            )

    def _previous_states(self, n_problems):
        previous = getattr(self, "_minibatch_states", None) if self.warm_start else None
        if previous is None or len(previous) != n_problems:
            return [None] * n_problems
        # The solvers update their state in place.
        return copy.deepcopy(previous)

    def _seeds(self, n_problems):
        return check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=n_problems
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Every input is validated and the new solution computed before any
        fitted attribute changes: a fit that fails, or is interrupted, leaves
        a fitted estimator as it was.

        On a dask array, the solver runs here and each evaluation of the
        objective is a map-reduce over the blocks of rows of ``X``, computed
        with the default scheduler (a ``distributed.Client``'s when one is
        active, else dask's threaded one); the optimum is that of the same fit
        in memory. ``fit`` reads the data once to check it and find the
        classes, then once per evaluation (L-BFGS-B), or once per epoch plus
        twice (``"sgd"``, ``"adam"``: one epoch is one pass over the blocks in
        order, each block's rows shuffled within the block). The one-vs-rest
        problems are solved ``n_jobs`` at a time, in threads; when None, one
        at a time on the threaded scheduler (whose threads the blocks already
        fill) and all at once on a distributed client (which hides the
        latency of each evaluation).

        ``X`` must be split along its rows only, with known chunk sizes, into
        numpy or scipy.sparse blocks; ``y`` and ``sample_weight`` may be in
        memory or dask arrays with the row chunks of ``X``. Dask DataFrames
        are refused: pass ``df.to_dask_array(lengths=True)``. Each task runs
        on one block with one thread, so give ``X`` at least as many blocks as
        the scheduler has threads; persist ``X`` first if it fits in the
        memory of the cluster, else every pass reads it from its source.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
(n_samples, n_features)
            Training inputs; sparse input stays sparse.
        y : array-like or dask array of shape (n_samples,)
            Target labels.
        sample_weight : array-like or dask array of shape (n_samples,), \
default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if is_dask_collection(X):
            return self._fit_dask(X, y, sample_weight)
        X, y, sample_weight, attributes = self._check_fit_data(
            X, y, sample_weight, reset=True
        )
        classes = np.unique(y)
        self._check_two_classes(classes)
        eps = check_budget(self.epsilon, X.shape[1], broadcast=True)
        problems = self._problems(y, sample_weight, classes)
        check_weight_scale(float(problems[0][1].sum()), self.C)
        balances = [(s[y_pm > 0].sum(), s[y_pm < 0].sum()) for y_pm, s in problems]
        coef, intercept = self._starting_points(balances, X.shape[1])
        previous = self._previous_states(len(problems))
        seeds = self._seeds(len(problems))
        n_jobs = 1 if len(problems) == 1 else self.n_jobs
        results = Parallel(n_jobs=n_jobs)(
            delayed(self._solve)(
                X, y_pm, s, eps, coef[k], intercept[k], previous[k], seed
            )
            for k, ((y_pm, s), seed) in enumerate(zip(problems, seeds))
        )
        fitted = self._fitted(classes, results)
        if self.C == np.inf:
            warn_if_unbounded(X, problems, fitted, eps)
        self._commit({**attributes, **fitted}, reset=True)
        return self

    def _fit_dask(self, X, y, sample_weight):
        return fit_dask(self, X, y, sample_weight)

    def _has_minibatch_solver(self):
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available with solver='sgd' or solver='adam'."
            )
        return True

    @available_if(_has_minibatch_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch of the minibatch solver on a chunk of data.

        As with :meth:`fit`, a call that fails or is interrupted leaves the
        estimator as it was.

        A dask array is one pass over its blocks of rows, in order: the same
        as calling ``partial_fit`` on each block in memory, one after the
        other (``n_iter_`` counts one per block). The blocks are computed one
        at a time, here.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape \
(n_samples, n_features)
            A chunk of training inputs.
        y : array-like or dask array of shape (n_samples,)
            Its target labels.
        classes : array-like of shape (n_classes,), default=None
            Every class of the full data; required on the first call only.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            Updated estimator.
        """
        if is_dask_collection(X):
            # Each block is an in-memory call on a copy; the copy's state
            # replaces this one's only once every block has been used.
            work = copy.copy(self)
            for X_block, y_block, s_block in partial_fit_blocks(X, y, sample_weight):
                work._partial_fit_arrays(X_block, y_block, classes, s_block)
            self.__dict__ = dict(vars(work))
            return self
        return self._partial_fit_arrays(X, y, classes, sample_weight)

    def _partial_fit_arrays(self, X, y, classes, sample_weight):
        return partial_fit_arrays(self, X, y, classes, sample_weight)

    # --------------------------------------------------------------- prediction

    def decision_function(self, X):
        """Signed distances to the separating hyperplanes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``X @ coef_.T + intercept_``; one column (raveled) when binary, where
            positive scores favour ``classes_[1]``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``classes_[1]`` where the binary score is positive, else the class of
            the largest one-vs-rest score (the first one on ties).
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
            return -np.logaddexp(0.0, -scores)
        # Normalising the one-vs-rest sigmoids is a softmax of their logarithms.
        return log_softmax(-np.logaddexp(0.0, -scores), axis=1)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Binary: the sigmoid of the score for ``classes_[1]``. Multiclass: the
            one-vs-rest sigmoids normalised to sum to one.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            proba = expit(scores)
            return np.column_stack([1.0 - proba, proba])
        return np.exp(self.predict_log_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
