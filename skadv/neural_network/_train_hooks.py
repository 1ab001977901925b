"""The per-minibatch hooks of :class:`AdversarialMLPClassifier`.

:class:`TrainingHooksMixin` splits training on one minibatch into methods that
a subclass may override one at a time: :meth:`~TrainingHooksMixin.train_step`
(the whole step) calls :meth:`~TrainingHooksMixin.attack_batch` (what the
network trains on) and :meth:`~TrainingHooksMixin.compute_loss`, which adds
:meth:`~TrainingHooksMixin.penalty` (the ``alpha`` and ``l1`` terms) to
:meth:`~TrainingHooksMixin.data_loss` (the cross-entropy). A subclass that
changes the data term overrides ``data_loss`` and keeps the penalties. The
torch work lives in :mod:`skadv.neural_network._training`; like the
estimator, this module never imports torch at import time.
"""


class TrainingHooksMixin:
    """Training on one minibatch, as overridable steps.

    The host class is the estimator: it provides ``module_``, ``optimizer_``,
    ``alpha`` and ``l1``. The epoch loop calls :meth:`train_step` once per
    minibatch; everything else (shuffling, devices, early stopping,
    interruption, progress) stays the same whichever hooks are overridden.
    """

    def train_step(self, X_batch, y_batch, attack):
        """Train the network on one minibatch; override a hook to change how.

        The default puts the network in train mode, calls
        :meth:`attack_batch` for the inputs to train on and
        :meth:`compute_loss` for their loss (in train mode whatever the attack
        did with the mode), and takes one step of ``optimizer_``. ``fit`` and
        ``partial_fit`` call this method once per minibatch, in a subclass too.
        Override it only to change the step itself (several optimizer steps
        per batch, say); :meth:`attack_batch`, :meth:`data_loss` and
        :meth:`penalty` change one part and keep the rest.

        Parameters
        ----------
        X_batch : torch.Tensor of shape (batch_size, n_features)
            Clean inputs on the training device, dense even when ``X`` is
            sparse, in the dtype of the network (see ``module_``).
        y_batch : torch.Tensor of shape (batch_size,)
            Class indices into ``classes_`` (int64), on the same device.
        attack : callable
            The configured attack, ``attack(module, X, y) -> X_adv``; it
            returns ``X`` unchanged for natural training, runs the network in
            eval mode and never writes parameter gradients.

        Returns
        -------
        loss : torch.Tensor or float
            Mean training loss of the batch; ``loss_curve_`` averages it over
            the epoch, weighted by batch size.

        Examples
        --------
        Train on a clean half and an attacked half of every (shuffled)
        minibatch, keeping the ``alpha`` and ``l1`` penalties of the default:

        >>> import torch
        >>> from sklearn.datasets import load_digits
        >>> from skadv.neural_network import AdversarialMLPClassifier
        >>> class HalfAdversarial(AdversarialMLPClassifier):
        ...     def attack_batch(self, X_batch, y_batch, attack):
        ...         half = X_batch.shape[0] // 2
        ...         X_adv = attack(self.module_, X_batch[half:], y_batch[half:])
        ...         return torch.cat([X_batch[:half], X_adv])
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = HalfAdversarial(epsilon=0.05, attack="fgsm", max_iter=2,
        ...                       hidden_layer_sizes=(16,), l1=1e-4,
        ...                       device="cpu", random_state=0)
        >>> len(clf.fit(X[:200] / 16, y[:200]).loss_curve_)
        2
        """
        from skadv.neural_network._training import optimizer_step

        self.module_.train()
        X_train = self.attack_batch(X_batch, y_batch, attack)
        self.module_.train()
        loss = self.compute_loss(X_train, y_batch)
        return optimizer_step(self.optimizer_, loss)

    def attack_batch(self, X_batch, y_batch, attack):
        """The inputs that the network trains on for one minibatch.

        The default returns ``attack(self.module_, X_batch, y_batch)``: the
        adversarial examples of the configured attack, or the clean batch for
        natural training.

        Parameters
        ----------
        X_batch : torch.Tensor of shape (batch_size, n_features)
            Clean inputs, as :meth:`train_step` receives them.
        y_batch : torch.Tensor of shape (batch_size,)
            Their class indices.
        attack : callable
            The configured attack, ``attack(module, X, y) -> X_adv``.

        Returns
        -------
        X_train : torch.Tensor of shape (n_train, n_features)
            The inputs to train on, on the same device and in the same dtype:
            one per label of ``y_batch`` for the default :meth:`data_loss`,
            any layout that an overridden :meth:`data_loss` reads (clean and
            attacked rows stacked, say). Only the parameters are trained, so
            ``X_train`` needs no gradient.

        Examples
        --------
        Attack every other row of the batch and keep the rest clean:

        >>> import torch
        >>> from skadv.neural_network import AdversarialMLPClassifier
        >>> class EveryOtherRow(AdversarialMLPClassifier):
        ...     def attack_batch(self, X_batch, y_batch, attack):
        ...         X_adv = attack(self.module_, X_batch, y_batch)
        ...         keep = torch.arange(X_batch.shape[0], device=X_batch.device)
        ...         return torch.where((keep % 2 == 0)[:, None], X_batch, X_adv)
        >>> clf = EveryOtherRow(epsilon=0.1, attack="fgsm",
        ...                     hidden_layer_sizes=(4,), device="cpu",
        ...                     random_state=0)
        >>> X, y = [[0.0, 1.0], [1.0, 0.0]] * 5, [0, 1] * 5
        >>> clf.partial_fit(X, y, classes=[0, 1]).n_iter_
        1
        """
        return attack(self.module_, X_batch, y_batch)

    def compute_loss(self, X, y):
        """Training loss of the network on ``(X, y)``: data term plus penalties.

        Returns ``self.data_loss(X, y) + self.penalty(len(y))``: the penalty
        is scaled by the size of the minibatch, its number of labels. Override
        :meth:`data_loss` to change the data term and keep the ``alpha`` and
        ``l1`` penalties; override this method only to change how the two are
        combined.

        Parameters
        ----------
        X : torch.Tensor of shape (batch_size, n_features)
            The inputs to train on, as :meth:`attack_batch` returns them.
        y : torch.Tensor of shape (batch_size,)
            Their class indices.

        Returns
        -------
        loss : torch.Tensor
            A 0-d tensor attached to the graph of the parameters, computed
            with the network in train mode.

        Examples
        --------
        >>> import torch
        >>> from skadv.neural_network import AdversarialMLPClassifier
        >>> clf = AdversarialMLPClassifier(hidden_layer_sizes=(4,), alpha=0.1,
        ...                                l1=0.01, device="cpu",
        ...                                random_state=0)
        >>> X, y = [[0.0, 1.0], [1.0, 0.0]] * 5, [0, 1] * 5
        >>> clf = clf.partial_fit(X, y, classes=[0, 1])
        >>> X = torch.zeros(2, 2, dtype=torch.float64)
        >>> y = torch.tensor([0, 1])
        >>> loss = clf.compute_loss(X, y)
        >>> torch.equal(loss, clf.data_loss(X, y) + clf.penalty(2))
        True
        """
        return self.data_loss(X, y) + self.penalty(y.shape[0])

    def data_loss(self, X, y):
        """The data term of the training loss: the mean cross-entropy.

        Override it to train on another loss of the network's outputs;
        :meth:`compute_loss` still adds :meth:`penalty`.

        Parameters
        ----------
        X : torch.Tensor of shape (batch_size, n_features)
            The inputs to train on.
        y : torch.Tensor of shape (batch_size,)
            Their class indices.

        Returns
        -------
        loss : torch.Tensor
            A differentiable 0-d tensor.

        Examples
        --------
        Cross-entropy against smoothed labels, the penalties unchanged:

        >>> import torch.nn.functional as F
        >>> from skadv.neural_network import AdversarialMLPClassifier
        >>> class Smoothed(AdversarialMLPClassifier):
        ...     def data_loss(self, X, y):
        ...         logits = self.module_(X)
        ...         return F.cross_entropy(logits, y, label_smoothing=0.1)
        >>> clf = Smoothed(epsilon=0.1, attack="fgsm",
        ...                hidden_layer_sizes=(4,), device="cpu", random_state=0)
        >>> X, y = [[0.0, 1.0], [1.0, 0.0]] * 5, [0, 1] * 5
        >>> clf.partial_fit(X, y, classes=[0, 1]).n_iter_
        1
        """
        from skadv.neural_network._training import cross_entropy

        return cross_entropy(self.module_, X, y)

    def penalty(self, n_samples):
        r"""The ``alpha`` and ``l1`` penalties on the weights of ``module_``.

        :math:`\frac{\alpha}{2 m} \|W\|_2^2 + \lambda_1 \|W\|_1` with
        :math:`m` = ``n_samples``, the biases left out, as in the objective of
        the class.

        Parameters
        ----------
        n_samples : int
            Size :math:`m` of the minibatch.

        Returns
        -------
        penalty : torch.Tensor or float
            A 0-d tensor attached to the graph of the weights, or ``0.0`` when
            ``alpha`` and ``l1`` are both zero.

        Examples
        --------
        >>> from skadv.neural_network import AdversarialMLPClassifier
        >>> clf = AdversarialMLPClassifier(hidden_layer_sizes=(4,), alpha=0.0,
        ...                                l1=0.0, device="cpu",
        ...                                random_state=0)
        >>> X, y = [[0.0, 1.0], [1.0, 0.0]] * 5, [0, 1] * 5
        >>> clf.partial_fit(X, y, classes=[0, 1]).penalty(10)
        0.0
        """
        from skadv.neural_network._training import weight_penalty

        return weight_penalty(self.module_, n_samples, alpha=self.alpha, l1=self.l1)
