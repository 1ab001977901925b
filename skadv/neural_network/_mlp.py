"""AdversarialMLPClassifier: l_inf adversarial training of torch networks.

The estimator validates, dispatches and holds the fitted attributes; the torch
work lives in private modules imported inside the methods that need them, so
that this module, and constructing the estimator, never import torch:
``_fit_loop`` (epochs, early stopping, interruption), ``_training`` (attack,
loss terms and step of one minibatch), ``_inference`` (logits, input
gradients, robustness checks) and ``_device`` (devices, generators, state
snapshots and their CPU serialisation). Mixins add inference for numpy callers
(``_provider``), the network's construction, device, optimizer and pickling
(``_persistence``), the overridable per-minibatch hooks (``_train_hooks``) and
a ``score`` that checks its labels and weights. The training history is a
``_history.TrainingHistory`` record that the estimator alone turns into its
fitted attributes.
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import validate_data

from skadv.metrics._accuracy import CheckedAccuracyMixin
from skadv.neural_network._history import TrainingHistory
from skadv.neural_network._persistence import NetworkStateMixin
from skadv.neural_network._provider import _SEED_MAX, TorchNetworkProviderMixin
from skadv.neural_network._train_hooks import TrainingHooksMixin
from skadv.neural_network._validation import (
    check_float32_range,
    check_known_labels,
    check_two_classes,
    checked_hidden_layer_sizes,
    partial_fit_classes,
    validated_budget,
)
from skadv.utils._dask import is_dask_array
from skadv.utils._dask_models import lazy_prediction
from skadv.utils._validation import class_indices


def _copied(scores):
    return None if scores is None else list(scores)


class AdversarialMLPClassifier(
    NetworkStateMixin,
    TorchNetworkProviderMixin,
    TrainingHooksMixin,
    CheckedAccuracyMixin,
    ClassifierMixin,
    BaseEstimator,
):
    r"""Neural network classifier trained against l_inf(epsilon) adversaries.

    Each minibatch is replaced by adversarial examples found by an attack on the
    current network before the Adam step, i.e. the network minimizes

    .. math::

        \frac{1}{n} \sum_{i=1}^{n} \max_{\|\delta_i\|_\infty \le \epsilon}
        \ell(f_\theta(x_i + \delta_i), y_i)
        + \frac{\alpha}{2 m} \|W\|_2^2 + \lambda_1 \|W\|_1

    with :math:`\ell` the cross-entropy, :math:`m` the batch size and :math:`W`
    the weights (not the biases). ``epsilon=0`` or ``attack=None`` gives natural
    training, and ``l1 > 0`` the paper's L1-regularized baseline, so one estimator
    trains the paper's three model types (Chalasani et al., ICML 2020).

    Parameters
    ----------
    epsilon : float or array-like of shape (n_features,), default=0.1
        l_inf budget of the adversary, in the units of ``X``; per feature when an
        array (useful for tabular data on different scales).
    hidden_layer_sizes : array-like of int, default=(100,)
        Widths of the hidden layers of ``architecture="mlp"``.
    architecture : {"mlp", "cnn"} or callable, default="mlp"
        ``"mlp"``: fully connected network. ``"cnn"``: the MNIST network of Madry
        et al. used in the paper (two 5x5 convolutions of 32 and 64 filters, each
        followed by 2x2 max-pooling, then a 1024-unit dense layer). A callable is
        called as ``architecture(input_shape, n_classes)`` and must return a
        :class:`torch.nn.Module` mapping tensors of shape
        ``(n_samples, *input_shape)`` to logits of shape ``(n_samples, n_classes)``
        (two logits for two classes), which ``fit`` checks before training.
    input_shape : tuple of int, default=None
        Shape of one sample for convolutional networks, e.g. ``(1, 28, 28)``;
        the 2-D ``X`` is reshaped to ``(n_samples, *input_shape)``. ``None``
        means ``(n_features,)``, or a one-channel square image for ``"cnn"``.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Hidden-layer non-linearity of the built-in architectures.
    attack : {"pgd", "fgsm"} or None, default="pgd"
        ``"pgd"``: projected gradient descent from a random start (Madry et al.).
        ``"fgsm"``: one step of ``1.25 * epsilon`` from a random start, the "fast
        adversarial training" of Wong, Rice and Kolter (2020). ``None``: natural
        training.
    attack_steps : int, default=None
        PGD steps. ``None`` follows the paper's MNIST schedule
        ``round(100 * max(epsilon)) + 10``, which assumes features in [0, 1],
        capped at 200 steps (the step size then grows to keep the walk length
        ``max(epsilon) + 0.1``).
    attack_step_size : float, default=None
        PGD step size; ``None`` means the paper's 0.01 for PGD and
        ``1.25 * epsilon`` for FGSM.
    random_start : bool, default=True
        Start the attacks from a uniform random point of the epsilon-ball.
    clip : None or (low, high), default=None
        Valid data range that attacks must stay in, e.g. ``(0, 1)`` for images;
        each bound a scalar or an array of shape (n_features,), ``-inf`` or
        ``inf`` leaving a side open. Never NaN, and ``low < high`` must hold in
        the dtype of the network.
    alpha : float, default=1e-4
        L2 penalty on the weights, scaled as in
        :class:`~sklearn.neural_network.MLPClassifier`.
    l1 : float, default=0.0
        L1 penalty :math:`\lambda_1` on the weights.
    batch_size : int or "auto", default="auto"
        Minibatch size; ``"auto"`` means ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Adam learning rate of every ``fit`` and ``partial_fit``, including
        those that continue a trained network.
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Minimum improvement of the training loss (or validation accuracy with
        ``early_stopping``) that resets the patience counter.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its clean
        accuracy stops improving, and keep the best network. Not supported by
        :meth:`partial_fit`.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    warm_start : bool, default=False
        Start the next ``fit`` from the previous network; that fit may only
        use the classes the network was trained on. As in
        :class:`~sklearn.neural_network.MLPClassifier`, every ``fit`` starts a
        new Adam optimizer; only :meth:`partial_fit` continues its moments.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or
        ``"cuda:<index>"``. CUDA without a GPU falls back to the CPU with a
        warning.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the validation split, the
        attacks' random starts and, during training only, torch's global
        generator (for dropout in custom networks). Results on the CPU are
        reproducible given an int.
    verbose : int, default=0
        Report each epoch: a progress bar on a terminal, one log line otherwise.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    module_ : torch.nn.Module
        The trained network, taking flat inputs of shape (n_samples, n_features)
        in its dtype, float32 or float64 after the first training data (see
        Notes); left in eval mode after fitting.
    optimizer_ : torch.optim.Adam
        Its optimizer, new at every ``fit``, whose state ``partial_fit``
        continues.
    device_ : str
        Device the network lives on.
    loss_curve_ : list of float
        Mean training loss (adversarial when attacking) after each epoch.
    best_loss_ : float or None
        Lowest training loss seen (None with early stopping).
    validation_scores_ : list of float or None
        Clean validation accuracy after each epoch (early stopping only).
    best_validation_score_ : float or None
        Best validation accuracy (early stopping only).
    n_iter_ : int
        Number of epochs run.
    t_ : int
        Number of training samples seen.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Natural training of MLPs.

    Notes
    -----
    The attacks run with the network in eval mode and differentiate with respect
    to the inputs only. Each minibatch goes through :meth:`train_step`, made of
    hooks that a subclass may override one at a time: :meth:`attack_batch` (the
    inputs to train on) and :meth:`compute_loss`, the sum of
    :meth:`data_loss` (the cross-entropy) and :meth:`penalty` (``alpha`` and
    ``l1``), so that a new data term keeps the penalties.

    Interrupting ``fit`` (Ctrl-C) keeps the network of the last completed epoch
    (the best one so far with ``early_stopping``) and warns. Before the first
    epoch of the call completes (always so in ``partial_fit``) the interrupt
    propagates instead: like every error of ``fit`` and ``partial_fit``, bad
    input or a training loss turned non-finite among them, it leaves the
    estimator as it was before the call, unfitted or with its previous model.

    The network computes in the dtype of the data of its first ``fit`` (or
    ``partial_fit``), as :class:`~sklearn.neural_network.MLPClassifier` does:
    float32 ``X`` gives a float32 network, anything else (float64, integers) a
    float64 one, and later calls cast their inputs to it. In float64 the
    outputs and input gradients of a row do not depend, beyond rounding of
    about 1e-16, on the other rows of its batch or on the number of threads,
    whereas float32 matrix kernels round differently with the shape of the
    batch (about 1e-7 relative). Float32 is the choice for speed: about 1.4
    times faster for an MLP and 4 times for the CNN on a CPU, and many times
    faster on most GPUs; the image loaders of :mod:`skadv.datasets` return
    float32. A callable ``architecture`` is converted with ``module.to(dtype)``,
    so its ``forward`` should create any tensors of its own in the dtype of
    its input.

    Sparse ``X`` (any scipy.sparse format, converted to CSR) is densified one
    minibatch at a time in training, prediction, robust accuracy and input
    gradients, so memory grows with the batch, not with the dense size of
    ``X``.

    Pickling stores the network and optimizer as a CPU state dict, loaded back
    with ``weights_only=True``, so a model trained on a GPU unpickles on a
    CPU-only machine; the network keeps its dtype.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skadv.neural_network import AdversarialMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = AdversarialMLPClassifier(epsilon=0.05, hidden_layer_sizes=(32,),
    ...                                attack="fgsm", clip=(0, 1), max_iter=5,
    ...                                random_state=0, device="cpu")
    >>> clf.fit(X[:500], y[:500]).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "epsilon": [Interval(Real, 0, None, closed="left"), "array-like"],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "architecture": [StrOptions({"mlp", "cnn"}), callable],
        "input_shape": [tuple, list, None],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "attack": [StrOptions({"pgd", "fgsm"}), None],
        "attack_steps": [Interval(Integral, 1, None, closed="left"), None],
        "attack_step_size": [Interval(Real, 0, None, closed="neither"), None],
        "random_start": ["boolean"],
        "clip": [tuple, list, None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "warm_start": ["boolean"],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        epsilon=0.1,
        *,
        hidden_layer_sizes=(100,),
        architecture="mlp",
        input_shape=None,
        activation="relu",
        attack="pgd",
        attack_steps=None,
        attack_step_size=None,
        random_start=True,
        clip=None,
        alpha=1e-4,
        l1=0.0,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.epsilon = epsilon
        self.hidden_layer_sizes = hidden_layer_sizes
        self.architecture = architecture
        self.input_shape = input_shape
        self.activation = activation
        self.attack = attack
        self.attack_steps = attack_steps
        self.attack_step_size = attack_step_size
        self.random_start = random_start
        self.clip = clip
        self.alpha = alpha
        self.l1 = l1
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on ``(X, y)`` against the configured adversary.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; reshaped to ``input_shape`` for convolutional nets.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        from skadv.neural_network._fit_loop import unchanged_on_failure

        first = not (self.warm_start and hasattr(self, "module_"))
        with unchanged_on_failure(self, continues=not first):
            X, y = self._validate_inputs(X, y, reset=first)
            if first:
                classes = unique_labels(y)
            else:
                classes = self.classes_
                check_known_labels(y, classes, "fit with warm_start=True")
            self._fit(
                X, y, classes, first=first, epochs=self.max_iter, incremental=False
            )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Run one epoch over ``(X, y)``, initialising the network if needed.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class that may appear; required on the first call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: one epoch per "
                "call leaves nothing to hold out and stop on."
            )
        from skadv.neural_network._fit_loop import unchanged_on_failure

        first = not hasattr(self, "module_")
        with unchanged_on_failure(self, continues=not first):
            X, y = self._validate_inputs(X, y, reset=first)
            fitted = None if first else self.classes_
            classes = partial_fit_classes(y, classes, fitted)
            self._fit(X, y, classes, first=first, epochs=1, incremental=True)
        return self

    def _validate_inputs(self, X, y, reset):
        # float32 data keeps its dtype; anything else computes in float64
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            dtype=(np.float64, np.float32),
            order="C",
        )
        check_classification_targets(y)
        return X, y

    def _fit(self, X, y, classes, *, first, epochs, incremental):
        from skadv.neural_network._device import resolve_device
        from skadv.neural_network._fit_loop import fit_network

        check_two_classes(classes)
        # a new network is built in the dtype of X, a trained one keeps its own
        dtype = X.dtype if first else self.input_dtype
        epsilon, clip = validated_budget(self.epsilon, self.clip, X.shape[1], dtype)
        check_float32_range(X, dtype)
        device = resolve_device(self.device)
        self.classes_ = classes
        if first:
            self._initialize(device, X.dtype)
        elif not incremental:
            # as in sklearn's MLP, a warm start reuses the weights but not Adam
            self._move_to(device, optimizer_state=None)
        elif str(device) != self.device_:
            self._move_to(device)
        else:
            self._use_current_learning_rate()
        fit_network(
            self,
            X,
            class_indices(y, self.classes_),
            epsilon=epsilon,
            clip=clip,
            device=device,
            epochs=epochs,
            incremental=incremental,
        )

    def _initialize(self, device, dtype):
        from skadv.neural_network._modules import resolve_input_shape

        self._random_state = check_random_state(self.random_state)
        self._input_shape = resolve_input_shape(
            self.input_shape, self.n_features_in_, self.architecture
        )
        self._hidden_layer_sizes = checked_hidden_layer_sizes(self.hidden_layer_sizes)
        self.module_ = self._build_module(self._random_state.randint(_SEED_MAX), dtype)
        self.device_ = "cpu"
        self._move_to(device, optimizer_state=None)
        self._store_history(TrainingHistory.start(self.early_stopping))

    def _training_history(self):
        """The fitted training history as a record the epoch loop continues."""
        return TrainingHistory(
            n_iter=self.n_iter_,
            t=self.t_,
            loss_curve=list(self.loss_curve_),
            best_loss=self.best_loss_,
            validation_scores=_copied(self.validation_scores_),
            best_validation_score=self.best_validation_score_,
            no_improvement_count=self._no_improvement_count,
        ).continued(self.early_stopping)

    def _store_history(self, history):
        """Set the fitted attributes of the training history from ``history``.

        The only place they are written: at initialisation, and by the epoch
        loop after every completed epoch. The lists are copied, so that later
        epochs never change attributes already handed out.
        """
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_curve_ = list(history.loss_curve)
        self.best_loss_ = history.best_loss
        self.validation_scores_ = _copied(history.validation_scores)
        self.best_validation_score_ = history.best_validation_score
        self._no_improvement_count = history.no_improvement_count

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    # ------------------------------------------------------------- prediction

    def decision_function(self, X):
        """Logits of the network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples. A dask array gives a dask array with its row
            chunks, each block predicted in memory when it is computed.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The logits, float64; for two classes the difference
            ``logit[1] - logit[0]``, whose sigmoid is the probability of
            ``classes_[1]``.
        """
        if is_dask_array(X):
            return lazy_prediction(self, "decision_function", X)
        logits = self._logits(X)
        if len(self.classes_) == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities, the softmax of the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples. A dask array gives a dask array with its row
            chunks, each block predicted in memory when it is computed.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        if is_dask_array(X):
            return lazy_prediction(self, "predict_proba", X)
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples. A dask array gives a dask array with its row
            chunks, each block predicted in memory when it is computed.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        if is_dask_array(X):
            return lazy_prediction(self, "predict_log_proba", X)
        return log_softmax(self._logits(X), axis=1)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples. A dask array gives a dask array with its row
            chunks, each block predicted in memory when it is computed.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class with the largest logit.
        """
        if is_dask_array(X):
            return lazy_prediction(self, "predict", X)
        index = self._logits(X).argmax(axis=1)
        return self.classes_[index]

    # --------------------------------------------------------------- tags

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = False
        tags.non_deterministic = False
        return tags
