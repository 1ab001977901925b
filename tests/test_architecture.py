"""The shape of the code: which modules may import which, and how long functions get.

The graph is read from the source by ``tests/_code_map.py`` (``python
tests/_code_map.py`` prints it), lazy imports inside functions included.
"""

from _code_map import function_lengths, import_graph

#: The public suite of provider checks drives the explanations and the scores
#: themselves, as scikit-learn's estimator checks do; it sits above them.
_CHECK_SUITE = "skadv.utils.estimator_checks"

#: Most code lines (docstring, comments and blank lines excluded) of a function.
MAX_FUNCTION_LINES = 60


def _subpackage(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_utils_depend_on_nothing_above_them():
    for module, imported in import_graph().items():
        if _subpackage(module) != "utils" or module == _CHECK_SUITE:
            continue
        above = [m for m in imported if m != "skadv" and _subpackage(m) != "utils"]
        assert not above, f"{module} imports {above}"


def test_explanations_and_scores_reach_models_only_through_the_protocol():
    model_families = {"linear_model", "neural_network"}
    for module, imported in import_graph().items():
        if _subpackage(module) not in {"inspection", "metrics"}:
            continue
        models = [m for m in imported if _subpackage(m) in model_families]
        assert not models, f"{module} imports model code {models}"


def test_model_families_do_not_import_each_other_or_the_explanations():
    families = {"linear_model", "neural_network"}
    for module, imported in import_graph().items():
        own = _subpackage(module)
        if own not in families:
            continue
        for other in imported:
            assert _subpackage(other) not in (families - {own}) | {"inspection"}, (
                f"{module} imports {other}"
            )


def test_model_selection_reaches_models_only_through_their_parameters():
    # The paths set epsilon, C and l1_ratio on the user's estimator: model
    # selection needs the explanations and the scores, never model code.
    allowed = {"model_selection", "inspection", "metrics", "utils"}
    for module, imported in import_graph().items():
        if _subpackage(module) != "model_selection":
            continue
        other = [m for m in imported if m != "skadv" and _subpackage(m) not in allowed]
        assert not other, f"{module} imports {other}"


def test_the_report_is_reached_only_through_the_command_line():
    for module, imported in import_graph().items():
        if _subpackage(module) == "_report" or module == "skadv._cli":
            continue
        report = [m for m in imported if _subpackage(m) == "_report"]
        assert not report, f"{module} imports {report}"


def test_subpackages_form_no_cycle():
    edges = {}
    for module, imported in import_graph().items():
        if module == _CHECK_SUITE:
            continue
        source = _subpackage(module)
        for target in map(_subpackage, imported):
            if source and target and source != target:
                edges.setdefault(source, set()).add(target)

    def reaches(start, goal, seen):
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = [p for p in edges if reaches(p, p, {p})]
    assert not cycles, f"subpackages on an import cycle: {cycles} (edges {edges})"


def test_no_function_is_longer_than_the_limit():
    lengths = function_lengths()
    too_long = [(n, name) for n, name in lengths if n > MAX_FUNCTION_LINES]
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} code lines: {too_long}"
    # The measure itself must see real functions, or the check above is empty.
    assert lengths[0][0] > 20


def test_code_map_reads_relative_and_lazy_imports():
    graph = import_graph()
    # a relative import of a sibling, and a lazy import inside a function
    assert "skadv.inspection._integrated_gradients" in graph["skadv.inspection"]
    assert "skadv.neural_network._fit_loop" in graph["skadv.neural_network._mlp"]
