"""DAG files: the byte-level pre-check in this process, the full parses spread over processes when many.

Worker processes return the same JSON-serialisable outcome the cache stores (`scanner.collect.unit`),
merged in file order, so results are identical to an in-process scan. Small scans (pre-commit: a few
files) never start a process.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from scanner.collect import pycode, unit
from scanner.collect.pycode import project
from scanner.context import ScanContext
from scanner.model import Resource

# Files needing a full parse (and missing from the cache) before worker processes pay for their start-up:
# a fork pool of 2 starts and stops in 35-45 ms here and a full parse + analysis costs 3-6 ms per file, so
# 2 workers break even near 15-20 files on idle cores; 64 leaves margin for busy machines.
MIN_FILES = 64


def workers_for(jobs: int | None, pending: int) -> int:
    """How many processes: 1 (in-process) for small batches or `--jobs 1`, else jobs or the core count."""
    wanted = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    if wanted <= 1 or pending < MIN_FILES:
        return 1
    return min(wanted, pending)


def _run(task: tuple[str, str, str, bytes, str | None, str | None]) -> unit.Outcome:
    """In a worker: collect one file and store its cache entry there too (the writes run in parallel)."""
    root, path, relative, data, key, cache_dir = task
    outcome = unit.run_file(Path(root), Path(path), relative, "python", data)
    if key is not None and cache_dir is not None:
        from scanner.collect.filecache import FileCache

        entry = unit.to_entry(outcome, unit.text_for("python", data))
        if entry is not None:
            cache = FileCache(Path(cache_dir))
            cache.put(key, entry)
            outcome["stored"] = cache.writes == 1
    return outcome


def _run_all(ctx: ScanContext, tasks: list[tuple[Path, str, bytes]], workers: int,
             keys: list[str | None] | None = None, cache: Any = None) -> list[unit.Outcome]:
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        method = "fork" if sys.platform.startswith("linux") else None
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
                chunk = max(1, len(tasks) // (workers * 4))
                cache_dir = str(cache.directory.parent) if cache is not None else None
                work = [(str(ctx.root), str(p), r, d, (keys or [])[i] if keys else None, cache_dir)
                        for i, (p, r, d) in enumerate(tasks)]
                outcomes = list(pool.map(_run, work, chunksize=chunk))
                if cache is not None:
                    cache.writes += sum(1 for outcome in outcomes if outcome.get("stored"))
                return outcomes
        except (OSError, BrokenProcessPool):
            pass  # no processes on this machine: do the work here
    return [unit.run_file(ctx.root, path, relative, "python", data) for path, relative, data in tasks]


def collect_python_files(ctx: ScanContext, paths: list[Path], known_conn_ids: re.Pattern[bytes] | None,
                         cache: Any, jobs: int | None) -> list[Resource]:
    """Every DAG file: pre-check, cache lookup, then the misses in-process or in worker processes."""
    # (path, relative, data, cache key, cached entry) of each file needing a full parse, in file order
    needed: list[tuple[Path, str, bytes, str | None, dict[str, Any] | None]] = []
    python_files: dict[str, Path] = {}  # every DAG file read: the modules other files may import from
    for path in paths:
        relative = ctx.relpath(path)
        data = ctx.read_file(path, relative)
        if data is None:
            continue
        python_files[relative] = path
        ctx.files_scanned += 1
        if not pycode.needs_parse(data, known_conn_ids):
            continue
        key = cache.key("python", relative, data) if cache is not None else None
        needed.append((path, relative, data, key, cache.get(key) if key is not None else None))
    misses = [(path, relative, data) for path, relative, data, _, entry in needed if entry is None]
    keys = [key for _, _, _, key, entry in needed if entry is None]
    computed = iter(_run_all(ctx, misses, workers_for(jobs, len(misses)), keys, cache))
    per_file: list[tuple[str, list[Resource]]] = []
    for path, relative, data, key, entry in needed:
        if entry is not None:
            restored = unit.restore(ctx, path, relative, "python", data, entry)
            if restored is not None:
                per_file.append((relative, restored))
                continue
            outcome = unit.run_file(ctx.root, path, relative, "python", data)
        else:
            outcome = next(computed)
            if outcome.pop("stored", False):
                key = None  # a worker stored it already
        per_file.append((relative, unit.absorb(ctx, path, relative, "python", data, outcome, cache, key)))
    # values imported from other modules of the scan (`pycode.project`): marked files analysed again
    project.link_modules(ctx, per_file, list(python_files), project.reader(ctx, python_files))
    return [resource for _, resources in per_file for resource in resources]
