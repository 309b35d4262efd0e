"""Find the files to scan and collect them: config files first, then Python (each through the file cache,
many DAG files over worker processes); one file's collection is `scanner.collect.one_file`."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

from scanner import safeio
from scanner.collect import filecache
from scanner.collect.one_file import (  # noqa: F401 - importable from here as before
    COLLECTORS,
    MAX_FILE_BYTES,
    FileCollector,
    collect_source_file,
    source_from_bytes,
)
from scanner.context import ScanContext
from scanner.filekinds import ENV_NAMES, ENV_SUFFIXES, YAML_SUFFIXES, kind_of, kind_of_name  # noqa: F401
from scanner.filekinds import sniff as _sniff  # noqa: F401
from scanner.model import Resource

SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode", ".eggs", "site-packages",
             ".airguard_cache", ".cache", ".direnv"}


def excluded(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
            return True
        if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
    return False


def discover(ctx: ScanContext, paths: Iterable[Path], excludes: list[str]) -> list[tuple[Path, str, str]]:
    """(file, kind, path as reports show it) for every file to scan, sorted and without duplicates."""
    found: dict[str, tuple[Path, str, str]] = {}   # a file's path as text (its Path's str) -> the listing's item
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
            relative = ctx.relpath(path)
            if excludes and excluded(relative, excludes):
                continue
            found[str(path)] = (path, kind_of(path) or "sniff", relative)
            continue
        _walk(ctx, path, excludes, found)
    return sorted(found.values(), key=lambda item: item[2])


def _walk(ctx: ScanContext, top: Path, excludes: list[str], found: dict[str, tuple[Path, str, str]]) -> None:
    """Add the files under the folder `top` to `found`, keyed as `discover` keys them.

    The walk keys and names files by text: a tree of 100,000 files spent most of its listing hashing and
    printing a Path per file (1.5 s). A folder's files share its path and, when the folder lies plainly
    under the report root, the prefix of their report paths (`ScanContext.relpath`'s first case); any
    other folder asks `relpath` for each file, as before. A file's Path is made from its folder's (a child
    path reuses the parent's parsed parts; a Path made from the whole text parses every part again)."""
    root = str(ctx.root)
    normalised = str(top) != "."   # os.walk joins names onto the top as given: a Path's str, except "./x"
    def unlisted(error: OSError) -> None:   # os.walk skips a folder it cannot list, silently unless told
        _unlisted(ctx, error)

    for directory, subdirs, names in os.walk(top, onerror=unlisted):
        here = Path(directory)
        subdirs[:] = sorted(
            d for d in subdirs
            if d not in SKIP_DIRS and not (excludes and excluded(ctx.relpath(here / d), excludes))
        )
        prefix, symlinks_differ = _folder_prefix(ctx, directory, root) if normalised else (None, False)
        base = directory if directory.endswith(os.sep) else directory + os.sep   # the top may be "/"
        for name in names:
            kind = kind_of_name(name)
            if kind is None:
                continue
            file_path = here / name
            if prefix is not None and not (symlinks_differ and os.path.islink(base + name)):
                text, relative = base + name, prefix + name
            else:
                text, relative = str(file_path), ctx.relpath(file_path)
            if excludes and excluded(relative, excludes):
                continue
            found[text] = (file_path, kind, relative)


def _unlisted(ctx: ScanContext, error: OSError) -> None:
    """A folder the walk could not list (not allowed, gone, a path too long to open): the files in it could
    hold findings, so the scan says it is partial."""
    where = ctx.relpath(Path(error.filename)) if isinstance(error.filename, str) else None
    ctx.notice("read-error", f"folder cannot be listed ({error.strerror or type(error).__name__}); "
               "its files were not scanned", where)


def _folder_prefix(ctx: ScanContext, directory: str, root: str) -> tuple[str | None, bool]:
    """What `ScanContext.relpath` puts before the name of a file in `directory` (a folder of the walk, named
    as os.walk names it), decided once for the folder instead of once per file: (prefix, whether a file that
    is a symlink must still be asked about itself); (None, False) when each file must be asked.

    `relpath` tries, in order: the text under the root (`_relative_prefix`); the lexical absolute path under
    the root, as written or resolved; the real path under the resolved root; else the absolute path. The first
    two read only the folder's text, so they hold for its files alike. The last two resolve the file itself:
    a file's real path is its folder's real path plus its name unless the file is a symlink, which is then
    asked about itself. (A scan path outside the report root, or a root reached through a symlink such as
    macOS's /tmp, took a `realpath` per file: an lstat per path component, 0.3 ms a file.)"""
    prefix = _relative_prefix(directory, root)
    if prefix is not None:
        return prefix, False
    absolute = os.path.abspath(directory)
    resolved_root = str(ctx.root.resolve())
    for base in dict.fromkeys((os.path.abspath(ctx.root), resolved_root)):
        prefix = _lexical_prefix(absolute, base)
        if prefix is not None:
            return prefix, False
    prefix = _lexical_prefix(os.path.realpath(directory), resolved_root)
    if prefix is not None:
        return prefix, True
    return absolute.rstrip(os.sep).replace(os.sep, "/") + "/", True


def _lexical_prefix(folder: str, base: str) -> str | None:
    """`Path(folder).relative_to(base)` as a prefix for names ("" or "a/b/"), None when `folder` is not under
    `base`; both absolute and normalised."""
    if folder == base:
        return ""
    head = base if base.endswith(os.sep) else base + os.sep   # the base may be "/"
    if not folder.startswith(head):
        return None
    return folder[len(head):].replace(os.sep, "/") + "/"


def _relative_prefix(directory: str, root: str) -> str | None:
    """What `ScanContext.relpath` puts before a file's name for the files of `directory` when its first case
    holds (the folder is the root or under it as written, with no '..'): "" or "a/b/"; else None."""
    if directory == root:
        return ""
    if not directory.startswith(root + os.sep) or ".." in directory.split(os.sep):
        return None
    return directory[len(root) + 1:].replace(os.sep, "/") + "/"


def collect_files(ctx: ScanContext, paths: Iterable[Path], excludes: list[str] | None = None,
                  jobs: int | None = None) -> list[Resource]:
    """Config files first, then Python: the pre-check of DAG files needs the conn ids defined in config.

    Each file's collection is cached by content hash (`scanner.collect.filecache`); many DAG files that
    need a full parse are spread over `jobs` processes (`scanner.collect.parallel`). What is left to finish
    (the workers' exit, this process's cache writes) is in `ctx.finishers`, for the caller to run when it
    is done with the resources (`scanner.scan.run_scan` runs them once the rules have run).
    """
    cache = filecache.FileCache.open()
    resources: list[Resource] = []
    discovered = discover(ctx, paths, excludes or [])
    from scanner import secrets
    from scanner.collect import parallel
    from scanner.collect.sensitive_names import extra_sensitive_names

    # Config files are read once, before any is collected: the names a deployment adds to Airflow's
    # masked fields (sensitive_var_conn_names) must be known to every collector and to the cache keys.
    config_files = [(path, kind, relative) for path, kind, relative in discovered
                    if kind in COLLECTORS or kind == "sniff"]
    reader = parallel.TreeReader(ctx, MAX_FILE_BYTES)   # `ScanContext.read_file`, a real path per folder
    contents = {path: reader.read(path, relative) for path, _, relative in config_files}
    secrets.set_extra_sensitive_fields(extra_sensitive_names(data for data in contents.values() if data))
    python_files = [(path, relative) for path, kind, relative in discovered if kind == "python"]
    del discovered   # a tuple per file of the tree, alive through the whole collection otherwise

    # one pool for both phases, started (forked) now that the masked names are known; the DAG analyser is
    # imported as it forks (if it does), so the workers inherit it
    preload = ["scanner.collect.pycode.analyzer"] if python_files else []
    workers = parallel.Workers(jobs, len(config_files) + len(python_files), preload)
    try:
        read = [(path, relative, kind, data) for path, kind, relative in config_files
                if (data := contents.pop(path)) is not None]
        resources.extend(parallel.collect_config_files(ctx, read, cache, workers))
        del read, contents, config_files   # the config files' bytes: not kept through the DAG files
        if python_files:
            conn_ids = {str(r.attributes.get("conn_id")) for r in resources if r.type == "airflow.connection"}
            resources.extend(parallel.collect_python_files(ctx, python_files, conn_ids, cache, workers))
        # the table that shared the merged outcomes' strings (`unit.parse`) has done its work: the strings
        # stay with the resources, the table (a dict of every distinct string) goes before the pool's close
        ctx.strings = {}
    except BaseException:
        workers.close()
        raise
    # Every outcome is in (the workers wrote their entries as they went): the workers are told to exit, and
    # their exits (the use times of their cache hits, the write-ahead log copied into the database by the
    # last connection to close: 35 ms of a 2,000-file scan) run beside the rules. The scan waits for them
    # once the rules have run, then writes this process's part of the cache.
    workers.close(wait=False)
    ctx.finishers.append(workers.join)
    if cache is not None:
        ctx.finishers.append(cache.finish)
    from scanner.collect import iac

    # a Terraform module is a directory: its files' records become resources once every file is read
    return iac.assemble(ctx, resources)
