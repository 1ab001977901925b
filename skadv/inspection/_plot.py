"""Display classes for feature impacts and saliency maps (matplotlib on demand)."""

import numpy as np

from skadv.inspection._feature_impact import FeatureImpactTransformer
from skadv.inspection._gini import gini_index
from skadv.inspection._integrated_gradients import integrated_gradients


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib; install it with `pip install matplotlib`."
        ) from exc
    return plt


def _as_list(estimators):
    return list(estimators) if isinstance(estimators, (list, tuple)) else [estimators]


def _model_names(names, n_models):
    if names is None:
        return [f"model {i}" for i in range(n_models)]
    names = [str(name) for name in names]
    if len(names) != n_models:
        raise ValueError(f"names must hold {n_models} entries; got {len(names)}.")
    return names


class FeatureImpactDisplay:
    """Bar chart of the feature impacts of one or several models, side by side.

    Features are ordered by decreasing impact in the first model and those whose
    impact stays below ``threshold`` times the largest impact (across all models)
    are hidden, as in Figs. J.4 and J.5 of Chalasani et al. (2020). Create it with
    :meth:`from_estimator` or :meth:`from_transformers`.

    Parameters
    ----------
    feature_impacts : array-like of shape (n_models, n_features)
        Feature impacts, e.g. ``FeatureImpactTransformer.feature_impact_``.
    feature_names : array-like of shape (n_features,)
        Names of the features.
    model_names : list of str, default=None
        Legend labels; ``"model 0", "model 1", ...`` when None.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the bars.
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    bars_ : list of matplotlib BarContainer
        One container per model.
    shown_features_ : ndarray of str
        Names of the plotted features, left to right.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skadv.inspection import FeatureImpactDisplay
    >>> display = FeatureImpactDisplay(
    ...     [[0.5, 0.2, 0.001], [0.1, 0.6, 0.0]], ["odor", "color", "ring"],
    ...     model_names=["natural", "adversarial"]).plot()
    >>> display.shown_features_.tolist()
    ['odor', 'color']
    """

    def __init__(self, feature_impacts, feature_names, *, model_names=None):
        self.feature_impacts = feature_impacts
        self.feature_names = feature_names
        self.model_names = model_names

    def plot(self, *, ax=None, threshold=0.05, bar_kw=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        threshold : float, default=0.05
            Hide features whose impact is below ``threshold`` times the largest
            impact of any model in every model. 0 shows all features.
        bar_kw : dict, default=None
            Keyword arguments passed to ``ax.bar``.

        Returns
        -------
        display : FeatureImpactDisplay
            The object itself.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")

        impacts = np.atleast_2d(np.asarray(self.feature_impacts, dtype=np.float64))
        names = np.asarray(self.feature_names, dtype=object)
        if impacts.shape[1] != len(names):
            raise ValueError(
                f"feature_impacts has {impacts.shape[1]} features but "
                f"feature_names has {len(names)}."
            )
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must lie in [0, 1]; got {threshold}.")
        labels = _model_names(self.model_names, impacts.shape[0])
        order = np.argsort(-impacts[0], kind="stable")
        keep = impacts.max(axis=0) >= threshold * impacts.max()
        order = order[keep[order]]
        if ax is None:
            _, ax = plt.subplots(figsize=(max(4.0, 0.35 * len(order) + 2), 4))
        width = 0.8 / impacts.shape[0]
        positions = np.arange(len(order))
        self.bars_ = [
            ax.bar(
                positions + (i - (impacts.shape[0] - 1) / 2) * width,
                impacts[i, order],
                width,
                label=labels[i],
                **(bar_kw or {}),
            )
            for i in range(impacts.shape[0])
        ]
        ax.set_xticks(positions)
        ax.set_xticklabels(names[order], rotation=90)
        ax.set_ylabel("feature impact (mean |IG|)")
        if impacts.shape[0] > 1:
            ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        self.shown_features_ = names[order]
        return self

    @classmethod
    def from_transformers(cls, transformers, *, names=None, ax=None, threshold=0.05):
        """Plot fitted :class:`FeatureImpactTransformer` objects side by side.

        Parameters
        ----------
        transformers : FeatureImpactTransformer or list of them
            Fitted transformers over the same original features.
        names : list of str, default=None
            Legend labels, one per transformer.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        threshold : float, default=0.05
            See :meth:`plot`.

        Returns
        -------
        display : FeatureImpactDisplay
            The drawn display.
        """
        transformers = _as_list(transformers)
        feature_names = transformers[0].get_feature_names_out()
        for other in transformers[1:]:
            if list(other.get_feature_names_out()) != list(feature_names):
                raise ValueError(
                    "All transformers must describe the same features in the same "
                    "order to be plotted side by side."
                )
        display = cls(
            np.vstack([t.feature_impact_ for t in transformers]),
            feature_names,
            model_names=_model_names(names, len(transformers)),
        )
        return display.plot(ax=ax, threshold=threshold)

    @classmethod
    def from_estimator(
        cls,
        estimators,
        X,
        y=None,
        *,
        names=None,
        groups=None,
        baselines=None,
        method="auto",
        n_steps=50,
        internal_batch_size=None,
        ax=None,
        threshold=0.05,
    ):
        """Compute and plot the feature impacts of fitted models on ``X``.

        Parameters
        ----------
        estimators : estimator, Pipeline or list of them
            Models accepted by :class:`FeatureImpactTransformer`, all taking the
            same raw features; an unfitted one is fitted as a clone on ``X, y``.
        X : array-like of shape (n_samples, n_features)
            Data on which the impacts are averaged.
        y : array-like of shape (n_samples,), default=None
            True labels (the attributed class); predicted classes when None.
        names : list of str, default=None
            Legend labels, one per estimator.
        groups : dict, default=None
            Mapping of original feature name to encoded column names or indices;
            read from the Pipeline's encoders when None.
        baselines : float, array-like or None, default=None
            Integrated Gradients baselines; None is the all-zero input.
        method : str, default="auto"
            Integration method; "auto" is exact for linear models and
            Gauss-Legendre quadrature otherwise.
        n_steps : int, default=50
            Quadrature points when the method is not exact.
        internal_batch_size : int, default=None
            Bound on the (row, step) points evaluated at once; None evaluates
            all together.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        threshold : float, default=0.05
            See :meth:`plot`.

        Returns
        -------
        display : FeatureImpactDisplay
            The drawn display.
        """
        fitted = [
            FeatureImpactTransformer(
                estimator,
                groups=groups,
                baselines=baselines,
                method=method,
                n_steps=n_steps,
                internal_batch_size=internal_batch_size,
            ).fit(X, y)
            for estimator in _as_list(estimators)
        ]
        return cls.from_transformers(fitted, names=names, ax=ax, threshold=threshold)


def _saliency(attr):
    """Signed 2-d map of one sample: channels (first or last axis of size <= 4)
    are summed."""
    attr = np.asarray(attr, dtype=np.float64)
    if attr.ndim == 3:
        channel_axis = 0 if attr.shape[0] <= 4 else -1
        attr = attr.sum(axis=channel_axis)
    if attr.ndim != 2:
        raise ValueError(
            "Saliency maps need image-shaped attributions, (H, W) or with a "
            f"channel axis, per sample; got {attr.shape}. Pass image_shape."
        )
    return attr


def _image(img):
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] in (1, 3, 4):
        img = np.moveaxis(img, 0, -1)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    span = img.max() - img.min()
    return (img - img.min()) / span if span > 0 else np.zeros_like(img)


class SaliencyMapDisplay:
    """Integrated Gradients saliency maps of images, with their Gini index.

    One row per sample and one column per model (plus the input image when
    given); every panel's title carries the Gini index of its attributions, as
    in Figs. J.6-J.10 of Chalasani et al. (2020).

    Parameters
    ----------
    attributions : array-like of shape (n_models, n_samples, *image_shape)
        Attributions of each model; ``image_shape`` is ``(H, W)``, ``(C, H, W)``
        or ``(H, W, C)``.
    images : array-like of shape (n_samples, *image_shape), default=None
        Inputs, drawn in a first column when given.
    model_names : list of str, default=None
        Column titles.

    Attributes
    ----------
    gini_ : ndarray of shape (n_models, n_samples)
        Gini index of every attribution map.
    axes_ : ndarray of matplotlib Axes
        Grid of shape (n_samples, n_columns).
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skadv.inspection import SaliencyMapDisplay
    >>> attr = np.zeros((1, 2, 4, 4))
    >>> attr[0, :, 1, 2] = 1.0
    >>> display = SaliencyMapDisplay(attr, model_names=["adversarial"]).plot()
    >>> display.gini_.round(4).tolist()
    [[0.9375, 0.9375]]
    """

    def __init__(self, attributions, *, images=None, model_names=None):
        self.attributions = attributions
        self.images = images
        self.model_names = model_names

    def plot(self, *, axes=None, cmap="RdBu_r"):
        """Draw the maps.

        Parameters
        ----------
        axes : ndarray of matplotlib Axes, default=None
            Grid of shape (n_samples, n_columns); a new figure when None.
        cmap : str, default="RdBu_r"
            Diverging colormap, centred on zero attribution.

        Returns
        -------
        display : SaliencyMapDisplay
            The object itself.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")

        attributions = np.asarray(self.attributions, dtype=np.float64)
        if attributions.ndim < 4:
            raise ValueError(
                "attributions must have shape (n_models, n_samples, *image_shape); "
                f"got {attributions.shape}."
            )
        n_models, n_samples = attributions.shape[:2]
        labels = _model_names(self.model_names, n_models)
        flat = attributions.reshape(n_models, n_samples, -1)
        self.gini_ = gini_index(flat, axis=-1)
        offset = 0 if self.images is None else 1
        n_cols = n_models + offset
        if axes is None:
            _, axes = plt.subplots(
                n_samples,
                n_cols,
                figsize=(2.2 * n_cols, 2.4 * n_samples),
                squeeze=False,
            )
        axes = np.asarray(axes).reshape(n_samples, n_cols)
        for i in range(n_samples):
            if self.images is not None:
                axes[i, 0].imshow(_image(np.asarray(self.images)[i]), cmap="gray")
                axes[i, 0].set_title("input")
            for m in range(n_models):
                saliency = _saliency(attributions[m, i])
                bound = np.abs(saliency).max() or 1.0
                ax = axes[i, m + offset]
                ax.imshow(saliency, cmap=cmap, vmin=-bound, vmax=bound)
                ax.set_title(f"{labels[m]}\nGini: {self.gini_[m, i]:.4f}")
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
        self.axes_, self.figure_ = axes, axes[0, 0].figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimators,
        X,
        y=None,
        *,
        names=None,
        image_shape=None,
        baselines=None,
        method="auto",
        n_steps=50,
        internal_batch_size=None,
        show_images=True,
        axes=None,
    ):
        """Explain images with one or several models and draw the maps.

        Parameters
        ----------
        estimators : estimator, torch.nn.Module or list of them
            Fitted models accepted by :func:`integrated_gradients`.
        X : array-like of shape (n_samples, ...)
            Images, flat or image-shaped as each model expects.
        y : array-like of shape (n_samples,), default=None
            True labels; each map attributes the probability of the true class
            (the paper's choice), or of the predicted class when None.
        names : list of str, default=None
            Column titles, one per model.
        image_shape : tuple of int, default=None
            Shape to which each sample's attributions are reshaped, e.g.
            ``(28, 28)`` for flat MNIST inputs. None keeps ``X.shape[1:]``.
        baselines : float, array-like or None, default=None
            Integrated Gradients baselines; None is the all-zero input.
        method : str, default="auto"
            Integration method; "auto" is exact for linear models and
            Gauss-Legendre quadrature otherwise.
        n_steps : int, default=50
            Quadrature points when the method is not exact.
        internal_batch_size : int, default=None
            Bound on the (row, step) points evaluated at once; None evaluates
            all together.
        show_images : bool, default=True
            Draw the inputs in a first column.
        axes : ndarray of matplotlib Axes, default=None
            Grid to draw on.

        Returns
        -------
        display : SaliencyMapDisplay
            The drawn display.
        """
        estimators = _as_list(estimators)
        X_array = np.asarray(X)
        shape = tuple(image_shape) if image_shape is not None else X_array.shape[1:]
        attributions = np.stack(
            [
                integrated_gradients(
                    est,
                    X,
                    y,
                    baselines=baselines,
                    method=method,
                    n_steps=n_steps,
                    internal_batch_size=internal_batch_size,
                ).reshape((X_array.shape[0],) + shape)
                for est in estimators
            ]
        )
        images = X_array.reshape((X_array.shape[0],) + shape) if show_images else None
        display = cls(
            attributions,
            images=images,
            model_names=_model_names(names, len(estimators)),
        )
        return display.plot(axes=axes)
