"""Find every public estimator class that skadv defines."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator, ClassifierMixin

_SKIPPED_PACKAGES = ("tests", "_cli")


def all_estimators(type_filter=None):
    """List the public estimators defined in skadv.

    Walks every submodule of ``skadv`` and collects the concrete
    :class:`~sklearn.base.BaseEstimator` subclasses whose names do not start with an
    underscore. Submodules whose optional dependencies are missing are skipped.

    Parameters
    ----------
    type_filter : {"classifier", "transformer"} or None, default=None
        Keep only classifiers or only transformers. ``None`` keeps all estimators.

    Returns
    -------
    estimators : list of (str, type)
        Pairs of class name and class, sorted by name.

    Examples
    --------
    >>> from skadv.utils import all_estimators
    >>> names = [name for name, _ in all_estimators()]
    >>> isinstance(names, list)
    True
    """
    import skadv

    found = {}
    for info in pkgutil.walk_packages(skadv.__path__, prefix="skadv."):
        parts = info.name.split(".")
        if any(part in _SKIPPED_PACKAGES for part in parts):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and cls.__module__.startswith("skadv.")
                and not name.startswith("_")
                and not inspect.isabstract(cls)
            ):
                found[name] = cls
    estimators = sorted(found.items())
    if type_filter is None:
        return estimators
    # Checked before comparing: an array would compare element-wise.
    if isinstance(type_filter, str) and type_filter == "classifier":
        # Classes, not instances: sklearn's tag helpers accept only instances.
        return [(n, c) for n, c in estimators if issubclass(c, ClassifierMixin)]
    if isinstance(type_filter, str) and type_filter == "transformer":
        return [(n, c) for n, c in estimators if hasattr(c, "transform")]
    raise ValueError(
        f"type_filter must be 'classifier', 'transformer' or None, got {type_filter!r}."
    )
