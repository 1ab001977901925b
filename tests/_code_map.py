"""The import graph of skadv and the length of its functions, read from the source.

Run ``python tests/_code_map.py`` from the repository root to print every skadv
module with the skadv modules it imports (at any depth of its body, lazy imports
included) and the longest functions, counted in code lines: the lines of the body
that are neither blank, nor comments, nor the docstring.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skadv"


def module_name(path):
    """Dotted name of the module stored at ``path`` under the repository root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _absolute(node, name, is_package):
    """The absolute module named by an ``ImportFrom`` node inside module ``name``."""
    if not node.level:
        return node.module or ""
    parts = name.split(".")
    # A package's own name is its first level; a module's is its parent's.
    keep = len(parts) - node.level + (1 if is_package else 0)
    return ".".join(parts[:keep] + ([node.module] if node.module else []))


def imports_of(path):
    """The skadv modules that the module at ``path`` imports, sorted."""
    name = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(_absolute(node, name, path.name == "__init__.py"))
    return sorted(m for m in found if m.split(".")[0] == "skadv" and m != name)


def import_graph():
    """``{module: [imported skadv modules]}`` for every module of skadv."""
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _code_lines(node, source_lines):
    body = node.body
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        body = body[1:]
    lines = set()
    for statement in body:
        for number in range(statement.lineno, statement.end_lineno + 1):
            text = source_lines[number - 1].strip()
            if text and not text.startswith("#"):
                lines.add(number)
    return len(lines)


def function_lengths():
    """``[(code lines, "module.function")]`` for every function of skadv."""
    lengths = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualified = f"{module_name(path)}.{node.name}"
                lengths.append((_code_lines(node, lines), qualified))
    return sorted(lengths, reverse=True)


def main(n_longest=10):
    """Print the import graph and the ``n_longest`` longest functions."""
    for module, imported in import_graph().items():
        print(f"{module} -> {', '.join(imported) or '(nothing of skadv)'}")
    print("\nlongest functions (code lines, docstrings excluded):")
    for length, name in function_lengths()[:n_longest]:
        print(f"{length:5d}  {name}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
