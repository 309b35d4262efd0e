"""Values that flow between modules of the scanned repository.

A DAG or helper module often takes what makes a connection from another module of the same repository:
`pymysql.connect(**CATALOG_MYSQL)` with `CATALOG_MYSQL = {"host": ..., "password": ...}` in
`include/warehouse_config.py`, `create_engine(f"postgresql://u:{PW}@...")` with `PW` imported,
`sts.assume_role(DurationSeconds=SESSION_SECONDS)` with the constant defined in `settings.py`.

The per-file analysis (cached, run in worker processes) cannot read another file: where such a call uses an
imported name, it marks its file with a `code.cross_module` resource naming the modules. Once every file of
the scan is collected, `link_modules` analyses each marked file again, in this process, with a resolver that
evaluates imported names in the module that defines them (parsed once, never imported or run). The file's
resources are replaced by the new analysis; findings on values defined in the other module point where they
are written there (the password's line, the RDS host's line, `ssl_disabled`'s line). What the other module
reported about a value that is now part of a connection (a secret-named constant, a dict entry, a URI
string) is dropped, as it is in a single file: one secret, one finding, at its literal.

Modules are found among the Python files of the scan by their dotted path (`include.warehouse_config` ->
`.../include/warehouse_config.py` or `.../include/warehouse_config/__init__.py`; relative imports from the
importing file's folder); when several files fit, the one sharing the longest folder prefix with the
importing file wins, and a tie is no resolution. Chains of imports are followed up to `MAX_HOPS` modules.
A module outside the scanned paths (`airguard scan dags/` without `include/`, a pre-commit run on one file)
is not read: the values stay unknown, as before.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable
from pathlib import Path

from scanner import safeio
from scanner.collect.pycode.analyzer import CONNECTION_TYPES, CREDENTIAL, Analyzer, class_names
from scanner.collect.pycode.kinds import CROSS_MODULE
from scanner.collect.pycode.values import Evaluated, Evaluator, Resolver, Scope, bind_targets
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.records import Record
from scanner.source import SourceFile

MAX_HOPS = 4          # modules followed from the importing file (a -> b -> c -> d)
MAX_MODULE_BYTES = 2 * 1024 * 1024  # a module larger than this is not read for values


class ModuleIndex:
    """The scan's Python files by module path."""

    def __init__(self, relatives: list[str]) -> None:
        self.paths = set(relatives)
        self._by_module: dict[str, list[str]] = {}
        for relative in relatives:
            if not relative.endswith(".py"):
                continue
            stem = relative[:-3]
            if stem.endswith("/__init__") or stem == "__init__":
                stem = stem[: -len("__init__")].rstrip("/")
            parts = [part for part in stem.split("/") if part]
            for start in range(len(parts)):  # every suffix: `a/b/c` is module c, b.c and a.b.c
                self._by_module.setdefault(".".join(parts[start:]), []).append(relative)

    def find(self, importer: str, module: str, level: int) -> str | None:
        """The file of `module` as `importer` imports it (`level` dots of a relative import), or None."""
        if level:
            folder = importer.rsplit("/", 1)[0].split("/") if "/" in importer else []
            if level - 1 > len(folder):
                return None
            base = folder[: len(folder) - (level - 1)]
            stem = "/".join([*base, *module.split(".")]) if module else "/".join(base)
            for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
                if candidate in self.paths:
                    return candidate.lstrip("/")
            return None
        candidates = [c for c in self._by_module.get(module, []) if c != importer]
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        importer_parts = importer.split("/")[:-1]

        def shared(candidate: str) -> int:
            count = 0
            for mine, theirs in zip(importer_parts, candidate.split("/")[:-1]):
                if mine != theirs:
                    break
                count += 1
            return count

        ranked = sorted(candidates, key=shared, reverse=True)
        if shared(ranked[0]) == shared(ranked[1]):
            return None  # two equally likely files: no guess
        return ranked[0]


class Module(Record):
    """Another module of the repository, read for its module-level values."""

    __slots__ = _fields = ("source", "tree", "scope", "evaluator", "from_imports", "module_imports", "nodes")

    def __init__(self, source: SourceFile, tree: ast.Module, scope: Scope, evaluator: Evaluator,
                 from_imports: dict[str, tuple[str, str, int]] | None = None,
                 module_imports: dict[str, str] | None = None, nodes: dict[int, ast.AST] | None = None) -> None:
        self.source = source
        self.tree = tree
        self.scope = scope
        self.evaluator = evaluator
        self.from_imports = {} if from_imports is None else from_imports
        self.module_imports = {} if module_imports is None else module_imports
        self.nodes = {} if nodes is None else nodes


def _imports(body: list[ast.stmt], module: Module) -> None:
    for statement in body:
        if isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if alias.name != "*":
                    module.from_imports[alias.asname or alias.name] = (statement.module or "", alias.name,
                                                                       statement.level or 0)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                local = alias.asname or alias.name.split(".")[0]
                module.module_imports[local] = alias.name if alias.asname else local
        elif isinstance(statement, (ast.If, ast.Try)):
            inner = [*statement.body, *statement.orelse]
            if isinstance(statement, ast.Try):
                inner += [s for handler in statement.handlers for s in handler.body] + statement.finalbody
            _imports(inner, module)


class Project:
    """The modules of one scan, read on demand (each parsed once)."""

    def __init__(self, index: ModuleIndex, read: Callable[[str], str | None], root: Path) -> None:
        self.index = index
        self.read = read
        self.root = root
        self._modules: dict[str, Module | None] = {}
        self.analyzer: Analyzer | None = None   # the analysis foreign nodes are registered with
        self._active: list[tuple[str, str]] = []

    def module(self, relative: str) -> Module | None:
        if relative in self._modules:
            return self._modules[relative]
        self._modules[relative] = None  # a module that fails to load stays unread
        text = self.read(relative)
        if text is None or len(text) > MAX_MODULE_BYTES:
            return None
        tree = quiet_parse(text, relative)
        if tree is None:
            return None
        scope = Scope()
        bind_targets(scope, tree.body)
        module = Module(SourceFile(relative, self.root / relative, text), tree, scope,
                        Evaluator(class_names(text)))
        _imports(tree.body, module)
        module.evaluator.resolver = ImportResolver(self, relative, module.from_imports, module.module_imports)
        self._modules[relative] = module
        return module

    def value(self, importer: str, module_name: str, level: int, name: str) -> Evaluated | None:
        """`name` as defined at module level in `module_name` (imported by `importer`), evaluated there."""
        relative = self.index.find(importer, module_name, level)
        if relative is None or relative == importer or len(self._active) >= MAX_HOPS \
                or (relative, name) in self._active:
            return None
        module = self.module(relative)
        if module is None or name not in module.scope.names:
            return None
        analyzer = self.analyzer
        if analyzer is not None and not module.nodes:
            module.nodes = {id(node): node for node in ast.walk(module.tree)}
        if analyzer is not None and relative not in analyzer.foreign_modules:
            analyzer.foreign_modules.add(relative)
            analyzer.foreign.update({key: (node, module) for key, node in module.nodes.items()})
        self._active.append((relative, name))
        try:
            return module.evaluator.evaluate(module.scope.names[name], module.scope)
        finally:
            self._active.pop()


class ImportResolver(Resolver):
    """Resolves the names one file imports (`from M import N`, `import M as m` + `m.N`) through `Project`."""

    def __init__(self, project: Project, importer: str, from_imports: dict[str, tuple[str, str, int]],
                 module_imports: dict[str, str]) -> None:
        self.project = project
        self.importer = importer
        self.from_imports = from_imports
        self.module_imports = module_imports

    def resolve(self, dotted: str, depth: int) -> Evaluated | None:
        parts = dotted.split(".")
        head = parts[0]
        if head in self.from_imports:
            module, name, level = self.from_imports[head]
            if len(parts) == 1:
                return self.project.value(self.importer, module, level, name)
            if len(parts) == 2:  # from pkg import config; config.X
                return self.project.value(self.importer, f"{module}.{name}" if module else name, level, parts[1])
            return None
        if head in self.module_imports and len(parts) >= 2:
            module = ".".join([self.module_imports[head], *parts[1:-1]])
            return self.project.value(self.importer, module, 0, parts[-1])
        return None


def link_modules(ctx: ScanContext, files: list[tuple[str, list[Resource]]], python_files: list[str],
                 read: Callable[[str], str | None]) -> None:
    """Analyse again, with the modules they import from, the files marked `code.cross_module` (in place);
    drop every marker. `files` are (repo-relative path, resources) in scan order."""
    marked: dict[str, Resource] = {}
    for index, (relative, resources) in enumerate(files):
        kept = [r for r in resources if r.type != CROSS_MODULE]
        if len(kept) != len(resources):
            marked[relative] = next(r for r in resources if r.type == CROSS_MODULE)
            files[index] = (relative, kept)
    if not marked:
        return
    modules = ModuleIndex(python_files)
    project = Project(modules, read, ctx.root)
    position = {relative: index for index, (relative, _) in enumerate(files)}
    dropped: set[tuple[str, int, int]] = set()  # where the other module's own findings are now part of a link
    for relative, marker in marked.items():
        wanted = marker.attributes.get("modules") or []
        if not any(modules.find(relative, str(name), int(level)) not in (None, relative) for name, level in wanted):
            continue
        analysed = _analyse(ctx, project, relative, read)
        if analysed is None:
            continue
        resources, analyzer = analysed
        files[position[relative]] = (relative, resources)
        for key in analyzer.consumed:
            found = analyzer.foreign.get(key)
            if found is not None:
                where = analyzer.loc(found[0])
                dropped.add((where.path, where.start_line, where.start_column))
    seen: set[str] = set()
    for index, (relative, resources) in enumerate(files):
        kept = []
        for resource in resources:
            if resource.type in (CREDENTIAL, *CONNECTION_TYPES):
                where = resource.source.file
                if where is not None and where.path != relative and resource.id in seen:
                    continue  # the same value of another module, reached from two files
                seen.add(resource.id)
                if where is not None and where.path == relative \
                        and (where.path, where.start_line, where.start_column) in dropped:
                    continue
            kept.append(resource)
        files[index] = (relative, kept)


def quiet_parse(text: str, filename: str) -> ast.Module | None:
    """The module's tree, or None when it does not parse (its own scan reported why); no SyntaxWarnings."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _analyse(ctx: ScanContext, project: Project, relative: str,
             read: Callable[[str], str | None]) -> tuple[list[Resource], Analyzer] | None:
    """The resources of `relative` analysed with its imports resolved; None when that fails (the first
    analysis stands)."""
    text = read(relative)
    if text is None:
        return None
    tree = quiet_parse(text, relative)
    if tree is None:
        return None
    # Secrets go to the scan's redactor; notices were given by the first analysis of the file.
    sub = ScanContext(root=ctx.root, redactor=ctx.redactor, sources=ctx.sources, boundaries=ctx.boundaries)
    source = SourceFile(relative, ctx.root / relative, text)
    analyzer = Analyzer(sub, source)
    analyzer.evaluator.resolver = ImportResolver(project, relative, analyzer.from_imports, analyzer.module_imports)
    project.analyzer = analyzer
    try:
        analyzer.visit(tree)
        analyzer.scan_strings(tree)
        resources = analyzer.finish()
    except (RecursionError, MemoryError):
        return None
    finally:
        project.analyzer = None
    for path in analyzer.foreign_modules:  # findings there need its text for snippets and suppressions
        module = project.module(path)
        if module is not None and path not in ctx.sources:
            ctx.sources[path] = module.source
    return [r for r in resources if r.type != CROSS_MODULE], analyzer


def reader(ctx: ScanContext, absolute: dict[str, Path]) -> Callable[[str], str | None]:
    """Reads a scanned Python file's text (a known source first) through the scan's safe reader."""
    from scanner.collect.pycode import decode_text

    def read(relative: str) -> str | None:
        if relative in ctx.sources:
            return ctx.sources[relative].text
        path = absolute.get(relative)
        if path is None:
            return None
        try:
            data = safeio.read_bytes(path, MAX_MODULE_BYTES, ctx.boundaries)
        except (OSError, safeio.ReadRefused):  # an unreadable module stays unread (its own scan said why)
            return None
        return decode_text(data)[0]

    return read
