"""Checks on the documentation sources that do not need a Sphinx build.

Building the site runs the example gallery and takes minutes (``make docs``), so
the test suite only checks what a build would silently get wrong: a public name
missing from the API reference, a configuration that makes the build or the
pages reach out to the network, a getting-started tour or a user-guide recipe
that no longer runs, and a benchmark result that no page shows.
"""

import ast
import importlib
import pkgutil
import re
import sys
import warnings
from pathlib import Path

import pytest

import skadv

DOCS = Path(__file__).resolve().parent.parent / "docs"
RESULTS = DOCS.parent / "benchmarks" / "results"
API_SOURCES = [DOCS / "api.rst", *sorted((DOCS / "api").glob("*.rst"))]


def _public_subpackages():
    """The subpackages skadv declares public: those named in ``skadv.__all__``."""
    packages = {
        info.name for info in pkgutil.iter_modules(skadv.__path__) if info.ispkg
    }
    return sorted(name for name in skadv.__all__ if name in packages)


def _public_names():
    subpackages = _public_subpackages()
    names = {
        ("skadv", name)
        for name in skadv.__all__
        if name not in subpackages and name != "__version__"
    }
    for package in subpackages:
        module = importlib.import_module(f"skadv.{package}")
        names |= {(f"skadv.{package}", name) for name in module.__all__}
    return sorted(names)


def _api_text():
    return "\n".join(path.read_text(encoding="utf-8") for path in API_SOURCES)


def _listed_names(text):
    """Names listed in autosummary blocks, keyed by the current module."""
    listed, module = set(), None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"\.\. currentmodule:: (\S+)", line.strip())
        if match:
            module = match.group(1)
        if line.strip() == ".. autosummary::":
            for item in lines[index + 1 :]:
                if item and not item.startswith(" "):
                    break
                entry = item.strip()
                if entry and not entry.startswith(":"):
                    listed.add(entry if "." in entry else f"{module}.{entry}")
    return listed


def test_every_public_name_is_in_the_api_reference():
    listed = _listed_names(_api_text())
    short = {name.rsplit(".", 1)[1] for name in listed}
    missing = []
    for module, name in _public_names():
        # Top-level names are re-exports; documenting them once under their
        # subpackage is enough.
        found = f"{module}.{name}" in listed or (module == "skadv" and name in short)
        if not found:
            missing.append(f"{module}.{name}")
    assert not missing, f"not in the API reference (docs/api.rst): {missing}"


def test_api_reference_lists_only_public_names():
    public = {f"{module}.{name}" for module, name in _public_names()}
    public |= {f"skadv.{name}" for name in skadv.__all__}
    unknown = sorted(_listed_names(_api_text()) - public)
    assert not unknown, f"listed but not public: {unknown}"


def test_listed_name_extraction_sees_autosummary_entries():
    text = (
        ".. currentmodule:: skadv.metrics\n\n.. autosummary::\n"
        "   :toctree: generated/\n\n   make_gini_scorer\n\nProse.\n"
    )
    assert _listed_names(text) == {"skadv.metrics.make_gini_scorer"}


def _conf_tree():
    return ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))


def _assigned(tree, name):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name
            for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"docs/conf.py does not assign {name}")


def test_conf_enables_no_network_extension():
    tree = _conf_tree()
    extensions = _assigned(tree, "extensions")
    assert "sphinx.ext.intersphinx" not in extensions
    # MathJax is fetched from a CDN; math must be rendered locally.
    assert "sphinx.ext.mathjax" not in extensions
    assert _assigned(tree, "html_math_renderer") != "mathjax"
    source = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "intersphinx_mapping" not in source


def test_conf_references_no_remote_resource():
    remote = [
        node.value
        for node in ast.walk(_conf_tree())
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.search(r"(https?:)?//[\w.-]+\.\w+/", node.value)
    ]
    assert not remote, f"docs/conf.py references remote resources: {remote}"


def test_local_extensions_exist():
    extensions = _assigned(_conf_tree(), "extensions")
    local = [name for name in extensions if "." not in name and name != "numpydoc"]
    for name in local:
        assert (DOCS / "_ext" / f"{name}.py").is_file(), name


def test_getting_started_code_runs(tmp_path, monkeypatch, rst_python_blocks):
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    blocks = rst_python_blocks(DOCS / "getting_started.rst")
    assert len(blocks) >= 4
    namespace = {"__name__": "getting_started"}

    def run(block):
        exec(compile(block, str(DOCS / "getting_started.rst"), "exec"), namespace)

    try:
        run(blocks[0])
        run(blocks[1])
        # The tour's claim: adversarial training concentrates the attributions.
        gini, ig = namespace["gini_index"], namespace["integrated_gradients"]
        X_test, y_test = namespace["X_test"], namespace["y_test"]
        natural = gini(ig(namespace["natural"], X_test, y_test)).mean()
        adversarial = gini(ig(namespace["adversarial"], X_test, y_test)).mean()
        assert adversarial > natural
        for block in blocks[2:]:
            run(block)
    finally:
        plt.close("all")
    impact = namespace["impact"].get_feature_impact()
    assert set(impact.index) == {"age", "income", "city", "plan"}
    # The page's claim: the noise columns get exactly no impact.
    assert impact["income"] == 0 and impact["city"] == 0
    assert impact["age"] > 0 and impact["plan"] > 0


def test_neural_network_recipes_run(rst_python_blocks):
    """The custom architecture and the train_step override of the user guide."""
    pytest.importorskip("torch")
    from sklearn.datasets import load_digits

    blocks = rst_python_blocks(DOCS / "user_guide" / "neural_networks.rst")
    assert len(blocks) == 2
    namespace = {"__name__": "neural_networks"}
    exec(compile(blocks[0], "neural_networks.rst", "exec"), namespace)
    X, y = load_digits(return_X_y=True)
    X = X[:200] / 16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = namespace["clf"].set_params(max_iter=1, device="cpu", random_state=0)
        net.fit(X, y[:200])
        # A smaller schedule than the page's keeps the test short.
        source = blocks[1].replace("max_iter=20", "max_iter=3")
        exec(compile(source, "neural_networks.rst", "exec"), namespace)
    assert net.predict(X).shape == (200,)
    clf = namespace["clf"]
    assert type(clf).__name__ == "MixedLoss"
    assert len(clf.loss_curve_) == clf.n_iter_ == 3


def test_gallery_examples_are_named_for_sphinx_gallery():
    examples = sorted((DOCS / "examples").glob("*.py"))
    assert examples, "the gallery has no examples"
    assert (DOCS / "examples" / "README.txt").is_file()
    for path in examples:
        assert path.name.startswith("plot_"), path.name
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert docstring, f"{path.name} needs a docstring with a title"
        lines = [line for line in docstring.splitlines()[:3] if set(line) != {"="}]
        underlines = [line for line in docstring.splitlines()[:3] if set(line) == {"="}]
        # sphinx-gallery takes the page title from a "=" underlined first line.
        assert lines and underlines, f"{path.name} needs a title underlined by '='"
        assert all(len(line) >= len(lines[0]) for line in underlines), path.name


def _benchmark_directives():
    """(rst file, path or glob argument) of every benchmark-results directive."""
    found = []
    for path in DOCS.rglob("*.rst"):
        if "_build" in path.parts or "generated" in path.parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\.\. benchmark-results:: (\S+)", line.strip())
            if match:
                found.append((path, match.group(1)))
    return found


def test_every_benchmark_result_is_on_a_page():
    shown = set()
    for page, pattern in _benchmark_directives():
        folder = (page.parent / pattern).parent.resolve()
        shown |= {p.resolve() for p in folder.glob(Path(pattern).name)}
    committed = {p.resolve() for p in RESULTS.glob("*.md")}
    assert committed, "benchmarks/results/ holds no Markdown results"
    missing = sorted(p.name for p in committed - shown)
    assert not missing, f"results not included by any docs page: {missing}"


@pytest.fixture(scope="module")
def markdown_results():
    pytest.importorskip("docutils")
    pytest.importorskip("sphinx")
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        yield importlib.import_module("markdown_results")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_markdown_hard_breaks_alignment_and_sections(markdown_results):
    from docutils import nodes

    text = (
        "# Title\n\nCommand: `run`  \nDate: today\n\n## Speed\n\n"
        "| name | time |\n| --- | ---: |\n| a | 1.0 |\n\n### Detail\n\nSoft\nwrap.\n"
    )
    blocks = markdown_results.parse_markdown(text)
    assert markdown_results.document_title(blocks) == "Title"

    made = []

    def make_section(title):
        section = nodes.section()
        section += nodes.title(text=title)
        made.append(title)
        return section

    body = markdown_results.build_sections(blocks[1:], make_section, base_level=2)
    # Two hard-broken lines stay two lines; soft breaks join into one paragraph.
    lines = body[0]
    assert isinstance(lines, nodes.line_block)
    assert [line.astext() for line in lines.children] == ["Command: run", "Date: today"]
    speed = body[1]
    assert isinstance(speed, nodes.section) and made == ["Speed", "Detail"]
    detail = speed.children[-1]
    assert isinstance(detail, nodes.section)
    assert detail.children[-1].astext() == "Soft wrap."
    table = speed.next_node(nodes.table)
    entries = list(table.findall(nodes.entry))
    assert [e.get("classes") for e in entries] == [[], ["benchmark-right"]] * 2
