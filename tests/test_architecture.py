"""The package's layout rules (see README "Architecture"): the engine knows no resource domain, the engine and
the reporters depend on the shared core only (never on `scanner.scan` or the collectors), and no module
imports itself through others (an import inside a function counts: it is a cycle that only waits)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scanner"
DOMAINS = ("aws.", "airflow.")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(module: str, *, type_checking: bool = False) -> set[str]:
    """The package modules `module` imports, at any depth of its code; those under `if TYPE_CHECKING:` only
    with `type_checking` (they never run, so they make no cycle, but they still tie a layer to another).
    ``from a.b import c`` is an import of ``a.b.c`` when that is a module, else of ``a.b``."""
    modules = _modules()
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child) and not type_checking:
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*parts, *([child.module] if child.module else [])])
                for alias in child.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    resolved = set()
    for name in found:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            resolved.add(name)
    return resolved


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    graph = {module: imports_of(module) for module in _modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups)


def test_no_module_imports_itself_through_others() -> None:
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle_of_lazy_imports(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "scanner"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from scanner.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from scanner import a\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from scanner import a\n")
    monkeypatch.setitem(globals(), "PACKAGE", package)
    _modules.cache_clear()
    try:
        assert import_cycles() == [["scanner.a", "scanner.sub.b"]]
    finally:
        _modules.cache_clear()


def _within(module: str, names: tuple[str, ...]) -> bool:
    """`module` is one of `names` or inside one of them (scanner.collect.x, not scanner.collectors)."""
    return any(module == name or module.startswith(f"{name}.") for name in names)


def _forbidden_imports(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{module} imports {target}" for module in sorted(_modules()) if _within(module, (f"scanner.{folder}",))
            for target in sorted(imports_of(module, type_checking=True)) if _within(target, forbidden)]


def test_the_engine_depends_on_the_core_not_on_the_scan_or_the_collectors() -> None:
    assert _forbidden_imports("engine", ("scanner.scan", "scanner.collect", "scanner.aws", "scanner.report")) == []


def test_reporters_depend_on_the_core_not_on_the_scan_or_the_collectors() -> None:
    assert _forbidden_imports("report", ("scanner.scan", "scanner.collect", "scanner.engine.link")) == []


CORE = ("scanner.model", "scanner.findings", "scanner.context", "scanner.source", "scanner.result", "scanner.doctree",
        "scanner.collector", "scanner.resources")
OUTER = ("scanner.scan", "scanner.runscan", "scanner.cli", "scanner.collectors", "scanner.collect", "scanner.aws",
         "scanner.report", "scanner.compliance")


def test_the_core_and_the_resource_contract_depend_on_nothing_outside_them() -> None:
    """The shared core and scanner/resources/ are what collectors, the engine and reporters build on: they import
    none of those, nor the scan or the commands."""
    found = [f"{module} imports {target}" for module in sorted(_modules())
             if _within(module, CORE)
             for target in sorted(imports_of(module, type_checking=True))
             if _within(target, OUTER)]
    assert found == []


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


def _third_party_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return found


def test_the_package_holds_no_test_harness_or_benchmark() -> None:
    """Test stand-ins live in tests/support/, benchmarks in scripts/: nothing a user installs imports a test tool."""
    tools = {"pytest", "moto", "hypothesis", "tests", "scripts"}
    assert [f"{path.relative_to(PACKAGE.parent)} imports {name}" for path in sorted(PACKAGE.rglob("*.py"))
            for name in sorted(_third_party_imports(path) & tools)] == []


# Tests mirror the package: tests/<folder>/test_<module>.py for scanner/<folder>/<module>.py (a file covering several
# modules of one folder may name its topic); these folders and top-level files are about the whole program instead.
TOPIC_FOLDERS = {"hostile", "integrations", "iac", "support", "data"}
TOPIC_FILES = {"test_architecture.py", "test_packaging.py", "test_realistic_corpus.py", "test_redaction.py",
               "test_rules.py"}


def test_tests_mirror_the_package_layout() -> None:
    tests = Path(__file__).resolve().parent
    misplaced = []
    for path in sorted(tests.rglob("test_*.py")):
        folder = path.parent.relative_to(tests)
        if folder.parts and folder.parts[0] in TOPIC_FOLDERS:
            continue
        if folder.parts and not (PACKAGE / folder).is_dir():
            misplaced.append(f"{path.relative_to(tests)}: no scanner/{folder.as_posix()}/")
        elif not folder.parts and path.name not in TOPIC_FILES \
                and not (PACKAGE / f"{path.stem.removeprefix('test_')}.py").is_file():
            misplaced.append(f"{path.name}: no scanner/{path.stem.removeprefix('test_')}.py (move it beside the "
                             "module it tests, or list it as a whole-program topic)")
    assert misplaced == []
