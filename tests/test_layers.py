"""The layer contract's companion: no import is hidden inside a function to dodge a cycle.

import-linter (`make lint`) fails on an upward import wherever it is; this test fails on an import placed
inside a function without a comment saying why (the app registry not ready yet, a task module that imports
its caller back, a heavy optional library), so a new cycle cannot be papered over quietly.
"""

import ast
from pathlib import Path

import liuyan

SOURCE = Path(liuyan.__file__).parent


def _explained(lines: list[str], lineno: int) -> bool:
    """Whether the import on `lineno` (1-based) or the comment block right above its group says why."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and (lines[above].strip().startswith(("from ", "import ")) or not lines[above].strip()):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def _unexplained_imports(path: Path, root: Path = SOURCE.parent) -> list[str]:
    text = path.read_text()
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom) and not _explained(lines, inner.lineno):
                    found.append(
                        f"{path.relative_to(root)}:{inner.lineno}: {lines[inner.lineno - 1].strip()}"
                    )
    return found


def test_no_import_inside_a_function_without_a_reason():
    found = [
        line
        for path in sorted(SOURCE.rglob("*.py"))
        if "migrations" not in path.parts
        for line in _unexplained_imports(path)
    ]
    assert not found, "imports inside functions without a comment saying why:\n" + "\n".join(found)


def test_the_check_sees_an_unexplained_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "def f():\n    from liuyan.board import models\n\n\ndef g():\n    # why\n    import json\n"
    )
    assert _unexplained_imports(module, tmp_path) == ["example.py:2: from liuyan.board import models"]
