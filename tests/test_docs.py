"""Checks on the documentation sources that do not need a Sphinx build.

Building the site runs the example gallery and takes minutes (``make docs``), so
the test suite only checks what a build would silently get wrong: a public name
missing from the API reference, a configuration that makes the build or the
pages reach out to the network, and a getting-started tour that no longer runs.
"""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import skadv

DOCS = Path(__file__).resolve().parent.parent / "docs"
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


def _python_blocks(path):
    """The ``.. code-block:: python`` blocks of an rst file, dedented."""
    blocks, lines = [], path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        body = []
        for item in lines[index + 1 :]:
            if item.strip() and not item.startswith("    "):
                break
            body.append(item[4:])
        blocks.append("\n".join(body).strip("\n"))
    return blocks


def test_getting_started_code_runs(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    blocks = _python_blocks(DOCS / "getting_started.rst")
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
