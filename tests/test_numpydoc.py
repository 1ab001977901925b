"""Every public docstring passes numpydoc's validator on the checks kept here.

The public API is what a user reaches without an underscore: the names in the
``__all__`` of ``skadv`` and of every module whose dotted path has no component
starting with ``_`` (the subpackages, ``skadv.utils.estimator_checks``), and the
methods and properties those classes define themselves. Methods inherited from
scikit-learn are scikit-learn's to document.
"""

import importlib
import inspect
import pkgutil

import numpydoc.validate
import pytest

import skadv

# The checks the project commits to. They are the ones the documentation build
# enforces (docs/conf.py, numpydoc_validation_checks), applied here to every
# public name, also those the API reference does not list. Left out, because
# the scikit-learn conventions followed here differ:
#   GL01, GL02  the summary starts right after the opening quotes, and a
#               one-line docstring closes its quotes on the same line;
#   SS05        summaries such as "Whether ..." or "The ..." for predicates and
#               properties are not verbs in the infinitive;
#   ES01, SA01  an extended summary and a See Also section are optional;
#   PR08, PR09, RT05  descriptions may start with a symbol (``l_inf``, a
#               parameter name) or end in a list or a code sample;
#   RT02        Returns entries carry a name and a type (``loss : float``).
CHECKS = frozenset(
    {
        # general layout: tabs, blank lines, known sections in order, directives
        "GL03", "GL05", "GL06", "GL07", "GL08", "GL09", "GL10",
        # a one-line summary that starts with a capital and ends with a period
        "SS01", "SS02", "SS03", "SS04", "SS06",
        # every parameter documented, in order, with a type and a description
        "PR01", "PR02", "PR03", "PR04", "PR05", "PR06", "PR07", "PR10",
        # a described Returns or Yields section where something is returned
        "RT01", "RT03", "RT04", "YD01",
        # See Also entries, where present, well formed
        "SA02", "SA03", "SA04",
    }
)  # fmt: skip
# Public functions and classes also show their use in a doctest; their methods
# are covered by the class example.
TOP_LEVEL_CHECKS = CHECKS | {"EX01"}


def _public_modules():
    """Import and return skadv and every public module below it, by name."""
    modules = {"skadv": skadv}
    for info in pkgutil.walk_packages(skadv.__path__, prefix="skadv."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        modules[info.name] = importlib.import_module(info.name)
    return modules


def _exported_names(module):
    """The public names of ``module``: its ``__all__``, else what it defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", None) == module.__name__
    ]


def _own_members(cls):
    """Public methods and properties of ``cls`` that skadv itself defines."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        static = inspect.getattr_static(cls, name)
        function = static.fget if isinstance(static, property) else static
        function = getattr(function, "__func__", function)
        if not (inspect.isfunction(function) or isinstance(static, property)):
            continue
        if getattr(function, "__module__", "").startswith("skadv"):
            yield name, function


def public_objects():
    """``(dotted name, is_top_level)`` for every public function, class, method.

    An object exported from several places is validated once, under the name of
    the subpackage that holds it (``skadv.inspection.gini_index`` rather than
    ``skadv.gini_index``).
    """
    modules = _public_modules()
    # subpackages first, so that their names win over the top-level aliases
    order = sorted(modules, key=lambda name: (name == "skadv", name))
    seen, found = set(), []
    for module_name in order:
        module = modules[module_name]
        for name in _exported_names(module):
            value = getattr(module, name)
            if inspect.ismodule(value) or not callable(value) or id(value) in seen:
                continue
            seen.add(id(value))
            found.append((f"{module_name}.{name}", True))
            if not inspect.isclass(value):
                continue
            for member_name, function in _own_members(value):
                if id(function) not in seen:
                    seen.add(id(function))
                    found.append((f"{module_name}.{name}.{member_name}", False))
    return sorted(found)


PUBLIC = public_objects()


def violations(name, checks):
    """The ``(code, message)`` pairs of ``checks`` that the docstring fails."""
    result = numpydoc.validate.validate(name)
    return sorted((code, text) for code, text in result["errors"] if code in checks)


def test_the_public_api_is_found():
    names = {name for name, _ in PUBLIC}
    # one of each kind, so that a broken walk cannot pass by finding nothing
    assert "skadv.linear_model.AdversarialLogisticRegression" in names
    assert "skadv.linear_model.AdversarialLogisticRegression.fit" in names
    assert "skadv.inspection.integrated_gradients" in names
    assert "skadv.datasets.load_mushroom" in names
    # scikit-learn's own methods are left to scikit-learn
    assert "skadv.linear_model.AdversarialLogisticRegression.get_params" not in names
    assert not any(part.startswith("_") for n in names for part in n.split("."))


def _undocumented(x, y):
    return x + y


def test_the_checks_catch_a_bad_docstring():
    # the validator and the chosen codes really flag a function documented badly
    codes = {code for code, _ in violations(f"{__name__}._undocumented", CHECKS)}
    assert codes == {"GL08"}
    _undocumented.__doc__ = "no capital, no period\n\nParameters\n----------\nx : int\n"
    try:
        codes = {code for code, _ in violations(f"{__name__}._undocumented", CHECKS)}
    finally:
        _undocumented.__doc__ = None
    assert {"SS02", "SS03", "PR01", "PR07", "RT01"} <= codes


@pytest.mark.parametrize(("name", "top_level"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_docstring(name, top_level):
    found = violations(name, TOP_LEVEL_CHECKS if top_level else CHECKS)
    assert not found, found
