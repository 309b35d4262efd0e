"""Find the files to scan, read them safely, and hand each to the collector for its kind."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from scanner import safeio
from scanner.collect import cfgfile, dockerfile, envfile, requirements, structured, terraform
from scanner.collect.source import SourceFile
from scanner.collect.tree import DocumentError
from scanner.context import ScanContext
from scanner.model import Resource

MAX_FILE_BYTES = safeio.SCANNED_FILE_CAP
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode", ".eggs", "site-packages",
             ".airguard_cache", ".cache", ".direnv"}
ENV_NAMES = {".env", ".envrc", "env"}
ENV_SUFFIXES = (".env", ".sh", ".bash", ".zsh", ".envrc")
YAML_SUFFIXES = (".yml", ".yaml")

FileCollector = Callable[[ScanContext, SourceFile], list[Resource]]

# Kinds of files and who reads them. Other collectors (DAG code) register themselves here.
COLLECTORS: dict[str, FileCollector] = {
    "env": envfile.collect,
    "yaml": structured.collect_yaml,
    "json": structured.collect_json,
    "cfg": cfgfile.collect,
    "dockerfile": dockerfile.collect,
    "requirements": requirements.collect,
    "terraform": terraform.collect,
}


def kind_of(path: Path) -> str | None:
    """Which collector reads a file, judged by its name."""
    name = path.name.lower()
    if name in ENV_NAMES or name.startswith(".env.") or name.endswith(ENV_SUFFIXES):
        return "env"
    if dockerfile.is_dockerfile(name):
        return "dockerfile"
    if requirements.is_requirements(name):
        return "requirements"
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(YAML_SUFFIXES):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    if name == "airflow.cfg" or name.endswith((".cfg", ".ini")):
        return "cfg"
    if name.endswith(".py"):
        return "python"
    return None


def _sniff(text: str) -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    if re.match(r"\[[A-Za-z_][\w.-]*\]\s*$", stripped.split("\n", 1)[0]) or "\n[core]" in text:
        return "cfg"
    if stripped.startswith(("{", "[")):
        return "json"
    first = stripped.split("\n", 1)[0]
    if "=" in first and ":" not in first.split("=", 1)[0]:
        return "env"
    return "yaml"


def excluded(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
            return True
        if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
    return False


def discover(ctx: ScanContext, paths: Iterable[Path], excludes: list[str]) -> list[tuple[Path, str]]:
    """(file, kind) for every file to scan, sorted and without duplicates."""
    found: dict[Path, str] = {}
    # `.airflowignore` is not honoured: it keeps Airflow from loading a file, but a secret in that file
    # is still in the repository, and a pull request could otherwise hide any DAG file from the scan.
    for path in paths:
        if not path.exists():
            ctx.notice("read-error", f"path does not exist: {ctx.relpath(path)}", ctx.relpath(path))
            continue
        try:  # a scan path that is itself a symlink out of the tree (`config -> /`) is not walked
            safeio.check_location(path, ctx.boundaries)
        except safeio.ReadRefused as exc:
            ctx.notice("read-error", exc.message, ctx.relpath(path))
            continue
        if path.is_file():   # named explicitly (e.g. by pre-commit): scanned whatever its name, unless excluded
            if excludes and excluded(ctx.relpath(path), excludes):
                continue
            kind = kind_of(path)
            if kind is None:
                kind = "sniff"
            found[path] = kind
            continue
        for directory, subdirs, files in os.walk(path):
            here = Path(directory)
            subdirs[:] = sorted(
                d for d in subdirs
                if d not in SKIP_DIRS and not excluded(ctx.relpath(here / d), excludes)
            )
            for name in files:
                file_path = here / name
                kind = kind_of(file_path)
                if kind is None or excluded(ctx.relpath(file_path), excludes):
                    continue
                found[file_path] = kind
    return sorted(found.items(), key=lambda item: ctx.relpath(item[0]))


def read_bytes(ctx: ScanContext, path: Path, relative: str) -> bytes | None:
    """The file's bytes, or None with an error notice (`ScanContext.read_file`)."""
    return ctx.read_file(path, relative, MAX_FILE_BYTES)


def text_of(data: bytes) -> str:
    """A config file's text: UTF-8 without BOM, undecodable bytes replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def source_from_bytes(ctx: ScanContext, path: Path, relative: str, data: bytes) -> SourceFile | None:
    """The file as text (registered in `ctx.sources`), or None with a notice for binary files."""
    if b"\x00" in data[:8192]:
        ctx.notice("read-error", "binary file (NUL bytes); not scanned", relative)
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        ctx.notice("read-error", "file is not valid UTF-8; undecodable bytes were replaced", relative, line,
                   level="warning")
        text = data.decode("utf-8", errors="replace")
    source = SourceFile(path=relative, absolute=path, text=text)
    ctx.sources[relative] = source
    return source


def collect_source_file(ctx: ScanContext, source: SourceFile, kind: str) -> list[Resource]:
    """One config file's resources, by kind (`sniff` = judged by content)."""
    if kind == "sniff":
        kind = _sniff(source.text)
    elif kind == "cfg" and not cfgfile.looks_like_airflow_cfg(source):
        return []
    ctx.files_scanned += 1
    try:
        return COLLECTORS[kind](ctx, source)
    except DocumentError as exc:
        ctx.notice("parse-error", exc.message, source.path, exc.line, exc.column)
        from scanner.collect import fallback

        return fallback.collect(ctx, source)
    except RecursionError:
        ctx.notice("parse-error", "document nested too deeply", source.path)
        return []


def collect_files(ctx: ScanContext, paths: Iterable[Path], excludes: list[str] | None = None,
                  jobs: int | None = None) -> list[Resource]:
    """Config files first, then Python: the pre-check of DAG files needs the conn ids defined in config.

    Each file's collection is cached by content hash (`scanner.collect.filecache`); many DAG files that
    need a full parse are spread over `jobs` processes (`scanner.collect.parallel`).
    """
    from scanner.collect import filecache, unit

    cache = filecache.FileCache.open()
    resources: list[Resource] = []
    discovered = discover(ctx, paths, excludes or [])
    from scanner import secrets
    from scanner.collect.sensitive_names import extra_sensitive_names

    # Config files are read once, before any is collected: the names a deployment adds to Airflow's
    # masked fields (sensitive_var_conn_names) must be known to every collector and to the cache keys.
    config_files = [(path, kind) for path, kind in discovered if kind in COLLECTORS or kind == "sniff"]
    contents = {path: read_bytes(ctx, path, ctx.relpath(path)) for path, _ in config_files}
    secrets.set_extra_sensitive_fields(extra_sensitive_names(data for data in contents.values() if data))
    python_files = [path for path, kind in discovered if kind == "python"]
    for path, kind in config_files:
        data = contents.pop(path)
        if data is not None:
            resources.extend(unit.collect_one(ctx, path, ctx.relpath(path), kind, data, cache))
    if python_files:
        from scanner.collect import pycode
        from scanner.collect.parallel import collect_python_files

        conn_ids = {str(r.attributes.get("conn_id")) for r in resources if r.type == "airflow.connection"}
        known = pycode.conn_id_pattern(conn_ids)
        resources.extend(collect_python_files(ctx, python_files, known, cache, jobs))
    if cache is not None:
        cache.finish()
    return resources
