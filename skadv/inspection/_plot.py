"""Display classes for feature impacts and saliency maps (matplotlib on demand)."""

import operator
import reprlib
from numbers import Real

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


def _model_names(names, n_models, param="names"):
    if names is None:
        return [f"model {i}" for i in range(n_models)]
    # A bare string is a sequence of characters, never a list of labels.
    if isinstance(names, str) or np.ndim(names) != 1:
        raise ValueError(
            f"{param} must be a list of {n_models} labels, one per model; "
            f"got {reprlib.repr(names)}."
        )
    names = [str(name) for name in names]
    if len(names) != n_models:
        raise ValueError(f"{param} must hold {n_models} entries; got {len(names)}.")
    return names


def _float_array(value, param, expected):
    """``value`` as a float64 array, or a ValueError naming ``param``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{param} must be a numeric array of shape {expected}; "
            f"got {reprlib.repr(value)}."
        ) from exc
    return array


def _check_finite(array, param):
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{param} must be finite (no NaN or infinity).")


def _checked_impacts(feature_impacts, feature_names):
    """Impacts of shape (n_models, n_features) and their names, both validated."""
    impacts = _float_array(feature_impacts, "feature_impacts", "(n_models, n_features)")
    if impacts.ndim == 1:
        impacts = impacts[None, :]
    if impacts.ndim != 2 or 0 in impacts.shape:
        raise ValueError(
            "feature_impacts must have shape (n_models, n_features) with at least "
            f"one model and one feature; got shape {impacts.shape}."
        )
    _check_finite(impacts, "feature_impacts")
    if np.any(impacts < 0):
        raise ValueError(
            "feature_impacts must be non-negative: they are mean absolute attributions."
        )
    if isinstance(feature_names, str) or np.ndim(feature_names) != 1:
        raise ValueError(
            "feature_names must be a 1-d list of names, one per feature; got "
            f"{reprlib.repr(feature_names)}."
        )
    names = np.asarray(feature_names, dtype=object)
    if impacts.shape[1] != len(names):
        raise ValueError(
            f"feature_impacts has {impacts.shape[1]} features but "
            f"feature_names has {len(names)}."
        )
    return impacts, names


def _checked_threshold(threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, Real):
        raise ValueError(f"threshold must be a number in [0, 1]; got {threshold!r}.")
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must lie in [0, 1]; got {threshold}.")
    return float(threshold)


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
        impacts, names = _checked_impacts(self.feature_impacts, self.feature_names)
        threshold = _checked_threshold(threshold)
        labels = _model_names(self.model_names, impacts.shape[0], "model_names")
        plt = _pyplot(f"{type(self).__name__}.plot")
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
        if not transformers:
            raise ValueError(
                "transformers must hold at least one fitted FeatureImpactTransformer."
            )
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
        baselines : {"zero", "mean", "median"}, float, array-like or None, \
default=None
            Integrated Gradients baselines (see :func:`integrated_gradients`).
        method : str or tuple (alphas, weights), default="auto"
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


def _attribution_spatial_shape(image_shape):
    """(H, W) of a saliency map; a channel axis (size <= 4) is first or last."""
    if len(image_shape) == 3:
        if image_shape[0] <= 4:
            return image_shape[1:]
        if image_shape[-1] <= 4:
            return image_shape[:2]
    if len(image_shape) != 2:
        raise ValueError(
            "Saliency maps need image-shaped attributions, (H, W) or with a "
            f"channel axis of size <= 4 first or last, per sample; got "
            f"{image_shape}. Pass image_shape."
        )
    return image_shape


def _channels_last(images, spatial):
    """``images`` as (n, H, W) or (n, H, W, C) with (H, W) the maps' shape.

    A 3-d image is gray with one channel or colour with 3 or 4, on its first
    or last axis; the axis that leaves the maps' (H, W) is the channel axis.
    """
    shape = images.shape[1:]
    if len(shape) == 2 and shape == spatial:
        return images
    if len(shape) == 3:
        if shape[-1] in (1, 3, 4) and shape[:2] == spatial:
            return images
        if shape[0] in (1, 3, 4) and shape[1:] == spatial:
            return np.moveaxis(images, 1, -1)
    if len(shape) in (2, 3):
        raise ValueError(
            f"images of shape {shape} do not match the {spatial} saliency maps "
            "of the attributions."
        )
    raise ValueError(
        "images must have shape (n_samples, H, W), or a channel axis of 1, 3 "
        f"or 4 first or last; got images of shape {shape}."
    )


def _checked_attributions(attributions):
    attributions = _float_array(
        attributions, "attributions", "(n_models, n_samples, *image_shape)"
    )
    if attributions.ndim < 4:
        raise ValueError(
            "attributions must have shape (n_models, n_samples, *image_shape); "
            f"got {attributions.shape}."
        )
    spatial = _attribution_spatial_shape(attributions.shape[2:])
    if 0 in attributions.shape:
        raise ValueError(
            "attributions must hold at least one model, one sample and one "
            f"pixel; got shape {attributions.shape}."
        )
    _check_finite(attributions, "attributions")
    return attributions, spatial


def _checked_images(images, n_samples, spatial):
    images = _float_array(images, "images", "(n_samples, *image_shape)")
    if images.ndim < 1 or images.shape[0] != n_samples:
        raise ValueError(
            f"images must hold one image per sample, {n_samples}; got an array of "
            f"shape {images.shape}."
        )
    images = _channels_last(images, spatial)
    _check_finite(images, "images")
    return images


def _saliency(attr):
    """Signed 2-d map of one sample: channels (first or last axis of size <= 4)
    are summed."""
    if attr.ndim == 3:
        channel_axis = 0 if attr.shape[0] <= 4 else -1
        attr = attr.sum(axis=channel_axis)
    return attr


def _image(img):
    """One channels-last image scaled to [0, 1] for ``imshow``."""
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    span = img.max() - img.min()
    return (img - img.min()) / span if span > 0 else np.zeros_like(img)


def _axes_grid(axes, n_rows, n_cols):
    axes = np.asarray(axes, dtype=object)
    if axes.size != n_rows * n_cols:
        raise ValueError(
            f"axes must hold a ({n_rows}, {n_cols}) grid of Axes, one row per "
            f"sample and one column per panel; got {axes.size} Axes."
        )
    return axes.reshape(n_rows, n_cols)


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
        attributions, spatial = _checked_attributions(self.attributions)
        n_models, n_samples = attributions.shape[:2]
        labels = _model_names(self.model_names, n_models, "model_names")
        images = None
        if self.images is not None:
            images = _checked_images(self.images, n_samples, spatial)
        offset = 0 if images is None else 1
        n_cols = n_models + offset
        if axes is not None:
            axes = _axes_grid(axes, n_samples, n_cols)
        plt = _pyplot(f"{type(self).__name__}.plot")

        flat = attributions.reshape(n_models, n_samples, -1)
        self.gini_ = gini_index(flat, axis=-1)
        if axes is None:
            _, axes = plt.subplots(
                n_samples,
                n_cols,
                figsize=(2.2 * n_cols, 2.4 * n_samples),
                squeeze=False,
            )
        axes = _axes_grid(axes, n_samples, n_cols)
        for i in range(n_samples):
            if images is not None:
                axes[i, 0].imshow(_image(images[i]), cmap="gray")
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
        baselines : {"zero", "mean", "median"}, float, array-like or None, \
default=None
            Integrated Gradients baselines (see :func:`integrated_gradients`).
        method : str or tuple (alphas, weights), default="auto"
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
        if not estimators:
            raise ValueError("estimators must hold at least one fitted model.")
        X_array = np.asarray(X)
        shape = X_array.shape[1:]
        if image_shape is not None:
            shape = _checked_image_shape(image_shape, X_array.shape)
        attributions = np.stack(
            [
                np.asarray(
                    integrated_gradients(
                        est,
                        X,
                        y,
                        baselines=baselines,
                        method=method,
                        n_steps=n_steps,
                        internal_batch_size=internal_batch_size,
                    )
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


def _checked_image_shape(image_shape, X_shape):
    """``image_shape`` as a tuple of positive ints holding one sample's values."""
    try:
        shape = tuple(operator.index(n) for n in image_shape)
    except TypeError as exc:
        raise ValueError(
            f"image_shape must be a tuple of ints such as (28, 28); got "
            f"{image_shape!r}."
        ) from exc
    n_values = int(np.prod(X_shape[1:]))
    if not shape or min(shape) < 1 or int(np.prod(shape)) != n_values:
        raise ValueError(
            f"image_shape {shape} must be positive and hold the {n_values} values "
            f"of each sample of X (X has shape {X_shape})."
        )
    return shape
