"""The quick start in README.rst runs and shows what it claims."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.rst"


def test_readme_quick_start_runs(capsys, rst_python_blocks):
    blocks = rst_python_blocks(README)
    assert blocks, "README.rst has no python code-block"
    for code in blocks:
        exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out
    ginis = [float(g) for g in re.findall(r"mean Gini of IG ([0-9.]+)", printed)]
    # eps = 0 first, eps = 0.1 second: adversarial training concentrates attributions.
    assert len(ginis) == 2 and ginis[1] > ginis[0]


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make report" in text and "make test" in text


def test_readme_renders_without_warnings():
    # PyPI renders the long description with docutils and shows the raw text
    # when it fails; a warning is where that starts, so it counts as an error
    core = pytest.importorskip("docutils.core")
    doctree = core.publish_doctree(
        README.read_text(encoding="utf-8"),
        source_path=str(README),
        settings_overrides={
            "halt_level": 2,
            "report_level": 2,
            "warning_stream": False,
            "raw_enabled": False,
            "file_insertion_enabled": False,
        },
    )
    assert "Quick start" in doctree.astext()


def test_readme_explains_the_data_folder():
    text = README.read_text(encoding="utf-8")
    assert "SKADV_DATA" in text and "tests/test_datasets.py" in text
