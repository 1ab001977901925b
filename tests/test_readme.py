"""The quick start in README.rst runs and shows what it claims."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.rst"


def _python_blocks(text):
    blocks = []
    for match in re.finditer(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text):
        lines = [line[4:] for line in match.group(1).splitlines()]
        blocks.append("\n".join(lines))
    return blocks


def test_readme_quick_start_runs(capsys):
    blocks = _python_blocks(README.read_text())
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
