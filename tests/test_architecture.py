"""The package's layout rules: the engine knows no resource domain, and no module imports itself in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scanner"
DOMAINS = ("aws.", "airflow.")


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_the_engine_names_no_aws_or_airflow_resource_type() -> None:
    named = [f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}"
             for path in sorted((PACKAGE / "engine").rglob("*.py"))
             for line, text in _literals(path) if text.startswith(DOMAINS)]
    assert named == []
