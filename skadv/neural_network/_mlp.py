"""AdversarialMLPClassifier: l_inf adversarial training of torch networks.

This module must stay importable without torch: every torch-side helper is
imported inside the methods that need it.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

_SEED_MAX = 2**31 - 1


class AdversarialMLPClassifier(ClassifierMixin, BaseEstimator):
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
        ``(n_samples, *input_shape)`` to logits of shape ``(n_samples, n_classes)``.
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
        ``int(100 * max(epsilon) + 10)``, which assumes features in [0, 1].
    attack_step_size : float, default=None
        PGD step size; ``None`` means the paper's 0.01 for PGD and
        ``1.25 * epsilon`` for FGSM.
    random_start : bool, default=True
        Start the attacks from a uniform random point of the epsilon-ball.
    clip : None or (low, high), default=None
        Valid data range that attacks must stay in, e.g. ``(0, 1)`` for images;
        each bound a scalar or an array of shape (n_features,).
    alpha : float, default=1e-4
        L2 penalty on the weights, scaled as in
        :class:`~sklearn.neural_network.MLPClassifier`.
    l1 : float, default=0.0
        L1 penalty :math:`\lambda_1` on the weights.
    batch_size : int or "auto", default="auto"
        Minibatch size; ``"auto"`` means ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Adam learning rate.
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Minimum improvement of the training loss (or validation accuracy with
        ``early_stopping``) that resets the patience counter.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its clean
        accuracy stops improving, and keep the best network.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    warm_start : bool, default=False
        Continue from the previous network on the next ``fit``.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or
        ``"cuda:<index>"``. CUDA without a GPU falls back to the CPU with a
        warning.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the validation split and the
        attacks' random starts. Results on the CPU are reproducible given an int.
    verbose : int, default=0
        Report each epoch: a progress bar on a terminal, one log line otherwise.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    module_ : torch.nn.Module
        The trained network, taking flat inputs of shape (n_samples, n_features).
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
    to the inputs only. Pickling stores the weights as a CPU state dict, so a
    model trained on a GPU unpickles on a CPU-only machine.

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
        X : array-like of shape (n_samples, n_features)
            Training data; reshaped to ``input_shape`` for convolutional nets.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        first = not (self.warm_start and hasattr(self, "module_"))
        X, y = self._validate_inputs(X, y, reset=first)
        if first:
            self.classes_ = unique_labels(y)
        self._fit(X, y, first=first, epochs=self.max_iter, incremental=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Run one epoch over ``(X, y)``, initialising the network if needed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
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
        first = not hasattr(self, "module_")
        X, y = self._validate_inputs(X, y, reset=first)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first partial_fit.")
            self.classes_ = unique_labels(classes)
        elif classes is not None and not np.array_equal(
            self.classes_, unique_labels(classes)
        ):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first "
                f"partial_fit call, {self.classes_!r}."
            )
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels not in classes: {unknown!r}.")
        self._fit(X, y, first=first, epochs=1, incremental=True)
        return self

    def _validate_inputs(self, X, y, reset):
        X, y = validate_data(
            self, X, y, reset=reset, dtype=(np.float32, np.float64), order="C"
        )
        check_classification_targets(y)
        return X, y

    def _fit(self, X, y, *, first, epochs, incremental):
        from skadv.neural_network import _training as tr

        if len(self.classes_) < 2:
            raise ValueError(
                "AdversarialMLPClassifier needs samples of at least 2 classes; "
                f"got 1 class ({self.classes_[0]!r})."
            )
        epsilon, clip = self._validated_budget(X.shape[1])
        device = tr.resolve_device(self.device)
        if first:
            self._random_state = check_random_state(self.random_state)
            self._initialize(device)
        elif str(device) != self.device_:
            self._move_to(device)
        rng = self._random_state
        y_index = np.searchsorted(self.classes_, y)

        X_val = y_val = None
        if self.early_stopping and not incremental:
            X, X_val, y_index, y_val = train_test_split(
                X,
                y_index,
                test_size=self.validation_fraction,
                random_state=rng.randint(_SEED_MAX),
                stratify=y_index,
            )
        attack = self._attack_spec(
            tr,
            epsilon,
            clip,
            device,
            rng.randint(_SEED_MAX),
            kind=self.attack,
            steps=self.attack_steps,
            step_size=self.attack_step_size,
        )
        X_t = tr.as_tensor(X, device)
        y_t = tr.as_tensor(y_index, device, dtype=tr.torch.long)
        shuffle_gen = tr.make_generator("cpu", rng.randint(_SEED_MAX))
        batch_size = self._batch_size(X.shape[0])

        converged = self._train(
            tr, X_t, y_t, X_val, y_val, attack, shuffle_gen, batch_size, epochs
        )
        if not incremental and not converged and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stopped after max_iter={self.max_iter} epochs without converging.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _train(self, tr, X_t, y_t, X_val, y_val, attack, shuffle_gen, batch_size, n):
        """Run up to ``n`` epochs; return whether the stopping rule fired."""
        best_state = None
        for _ in range(n):
            state = tr.snapshot(self.module_, self._optimizer)
            order = (
                tr.torch.randperm(X_t.shape[0], generator=shuffle_gen)
                if self.shuffle
                else tr.torch.arange(X_t.shape[0])
            ).to(X_t.device)
            try:
                loss = self._run_epoch(tr, X_t, y_t, order, attack, batch_size)
            except KeyboardInterrupt:
                tr.restore(self.module_, self._optimizer, state)
                warnings.warn(
                    "Training interrupted; keeping the network of the last completed "
                    f"epoch ({self.n_iter_}).",
                    UserWarning,
                    stacklevel=3,
                )
                return True
            self.n_iter_ += 1
            self.t_ += X_t.shape[0]
            self.loss_curve_.append(loss)
            if X_val is not None:
                score = float(np.mean(self._predict_index(X_val) == y_val))
                self.validation_scores_.append(score)
                if score > self.best_validation_score_:
                    best_state = tr.snapshot(self.module_, self._optimizer)
                improved = score > self.best_validation_score_ + self.tol
                self.best_validation_score_ = max(self.best_validation_score_, score)
            else:
                improved = loss < self.best_loss_ - self.tol
                self.best_loss_ = min(self.best_loss_, loss)
            self._no_improvement_count = (
                0 if improved else self._no_improvement_count + 1
            )
            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    print(
                        f"No improvement for {self.n_iter_no_change} consecutive "
                        "epochs; stopping.",
                        flush=True,
                    )
                if best_state is not None:
                    tr.restore(self.module_, self._optimizer, best_state)
                return True
        if best_state is not None:
            tr.restore(self.module_, self._optimizer, best_state)
        return False

    def _run_epoch(self, tr, X_t, y_t, order, attack, batch_size):
        """One epoch of training; the single overridable training step."""
        reporter = tr.EpochReporter(
            self.verbose, self.n_iter_ + 1, -(-X_t.shape[0] // batch_size)
        )
        loss = tr.train_epoch(
            self.module_,
            self._optimizer,
            X_t,
            y_t,
            batch_size=batch_size,
            order=order,
            attack=attack,
            alpha=self.alpha,
            l1=self.l1,
            reporter=reporter,
        )
        reporter.close(loss)
        return loss

    def _initialize(self, device):
        from skadv.neural_network._modules import resolve_input_shape

        self._input_shape = resolve_input_shape(
            self.input_shape, self.n_features_in_, self.architecture
        )
        self._hidden_layer_sizes = self._checked_hidden_layer_sizes()
        self.module_ = self._build_module(self._random_state.randint(_SEED_MAX))
        self.device_ = "cpu"
        self._move_to(device, rebuild_optimizer=True)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _build_module(self, seed):
        from skadv.neural_network._modules import build_module, seeded_build

        return seeded_build(
            seed,
            build_module,
            self.architecture,
            self._input_shape,
            len(self.classes_),
            hidden_layer_sizes=self._hidden_layer_sizes,
            activation=self.activation,
        )

    def _move_to(self, device, rebuild_optimizer=False):
        import torch

        optimizer_state = None
        if not rebuild_optimizer:
            optimizer_state = self._optimizer.state_dict()
        self.module_.to(device)
        self._optimizer = torch.optim.Adam(
            self.module_.parameters(), lr=self.learning_rate_init
        )
        if optimizer_state is not None:
            # load_state_dict casts state tensors to the parameters' device
            self._optimizer.load_state_dict(optimizer_state)
        self.device_ = str(device)

    def _checked_hidden_layer_sizes(self):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if sizes.ndim != 1 or (
            sizes.size
            and (not np.issubdtype(sizes.dtype, np.integer) or np.any(sizes <= 0))
        ):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive ints, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    def _validated_budget(self, n_features, epsilon=None, clip="auto"):
        """Per-feature (or scalar) float arrays for epsilon and the clip bounds."""
        epsilon = self.epsilon if epsilon is None else epsilon
        clip = self.clip if isinstance(clip, str) and clip == "auto" else clip
        epsilon = np.asarray(epsilon, dtype=np.float64)
        if epsilon.ndim not in (0, 1) or (
            epsilon.ndim == 1 and epsilon.shape[0] != n_features
        ):
            raise ValueError(
                "epsilon must be a scalar or an array of shape (n_features,) = "
                f"({n_features},), got shape {epsilon.shape}."
            )
        if not np.all(np.isfinite(epsilon)) or np.any(epsilon < 0):
            raise ValueError("epsilon must be finite and >= 0.")
        if clip is None:
            return epsilon, None
        try:
            low, high = clip
            low = np.asarray(low, dtype=np.float64)
            high = np.asarray(high, dtype=np.float64)
            low, high = np.broadcast_arrays(low, high, np.empty(n_features))[:2]
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "clip must be None or a (low, high) pair of scalars or arrays of "
                f"shape (n_features,) = ({n_features},); got {clip!r}."
            ) from exc
        if np.any(low >= high):
            raise ValueError(f"clip needs low < high for every feature; got {clip!r}.")
        return epsilon, (low.copy(), high.copy())

    def _attack_spec(self, tr, epsilon, clip, device, seed, *, kind, steps, step_size):
        from skadv.neural_network._attacks import paper_schedule

        if not np.any(epsilon > 0):
            kind = None
        paper_steps, paper_step_size = paper_schedule(np.max(epsilon))
        if steps is None:
            steps = paper_steps
        if step_size is None and kind == "pgd":
            step_size = paper_step_size
        eps_t = tr.as_tensor(epsilon, device)
        clip_t = None if clip is None else tuple(tr.as_tensor(c, device) for c in clip)
        return tr.AttackSpec(
            kind,
            eps_t,
            clip_t,
            int(steps),
            step_size,
            self.random_start,
            tr.make_generator(device, seed),
        )

    # ------------------------------------------------------------- prediction

    def _logits(self, X):
        from skadv.neural_network import _training as tr

        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, dtype=(np.float32, np.float64), order="C"
        )
        return tr.predict_logits(self.module_, X, self._module_device)

    @property
    def _module_device(self):
        return next(self.module_.parameters()).device

    def _predict_index(self, X):
        from skadv.neural_network import _training as tr

        return tr.predict_logits(self.module_, X, self._module_device).argmax(axis=1)

    def decision_function(self, X):
        """Logits of the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The logits, float64; for two classes the difference
            ``logit[1] - logit[0]``, whose sigmoid is the probability of
            ``classes_[1]``.
        """
        logits = self._logits(X)
        if len(self.classes_) == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities, the softmax of the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class with the largest logit.
        """
        index = self._logits(X).argmax(axis=1)
        return self.classes_[index]

    # ---------------------------------------------------------- the protocol

    def _output_and_gradient(self, X, target, output):
        from skadv.neural_network import _training as tr

        check_is_fitted(self)
        if output not in ("proba", "logit"):
            raise ValueError(f"output must be 'proba' or 'logit', got {output!r}.")
        X = np.ascontiguousarray(X, dtype=np.float32)
        target = np.asarray(target, dtype=np.int64)
        return tr.output_and_gradient(
            self.module_, X, target, output, self._module_device
        )

    def _robust_correct(
        self,
        X,
        y,
        epsilon,
        *,
        steps=None,
        step_size=None,
        restarts=1,
        random_state=None,
        clip="auto",
        attack="pgd",
    ):
        """PGD check of each row: an upper bound on its robust correctness.

        ``clip="auto"`` uses the estimator's ``clip``.
        A row counts as robust when it is correct on the clean point and after
        each of ``restarts`` attacks. ``steps`` and ``step_size`` default to the
        paper's schedule for this ``epsilon``, not to the training settings, so
        that the strength of the evaluation does not depend on how the model was
        trained.
        """
        from skadv.neural_network import _training as tr

        check_is_fitted(self)
        X = np.ascontiguousarray(X, dtype=np.float32)
        epsilon, clip = self._validated_budget(X.shape[1], epsilon, clip)
        if not (isinstance(restarts, Integral) and restarts >= 1):
            raise ValueError(f"restarts must be an int >= 1, got {restarts!r}.")
        y = np.asarray(y)
        index = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        index = np.where(self.classes_[index] == y, index, -1)
        seed = check_random_state(random_state).randint(_SEED_MAX)
        device = self._module_device
        spec = self._attack_spec(
            tr,
            epsilon,
            clip,
            device,
            seed,
            kind=attack,
            steps=steps,
            step_size=step_size,
        )
        return tr.robust_correct(
            self.module_, X, index, spec, device, restarts=restarts
        )

    # ------------------------------------------------------ pickling & tags

    def __getstate__(self):
        state = super().__getstate__()
        if "module_" in state:
            from skadv.neural_network import _training as tr

            state = dict(state)
            state["module_"] = tr.state_to_bytes(self.module_, self._optimizer)
            state.pop("_optimizer", None)
        return state

    def __setstate__(self, state):
        blob = state.get("module_")
        super().__setstate__(state)
        if isinstance(blob, bytes):
            import torch

            from skadv.neural_network import _training as tr

            saved = tr.state_from_bytes(blob)
            self.module_ = self._build_module(0)
            self.module_.load_state_dict(saved["module"])
            device = torch.device(self.device_)
            if device.type == "cuda" and not torch.cuda.is_available():
                device = torch.device("cpu")
            self.device_ = "cpu"
            self._optimizer = torch.optim.Adam(
                self.module_.parameters(), lr=self.learning_rate_init
            )
            self._optimizer.load_state_dict(saved["optimizer"])
            self._move_to(device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_label = False
        tags.non_deterministic = False
        return tags
