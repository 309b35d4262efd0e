"""Files collected in worker processes when there are many: config files first, then DAG files.

The pool (`Workers`) is started once per scan, after the config files are read (their bytes tell which
names a deployment masks, which every worker must know), and serves both phases: config files (whose
connections the DAG pre-check looks for), then the DAG files that pass the byte-level pre-check. Worker
processes return the same JSON-serialisable outcome the cache stores (`scanner.collect.unit`), merged in
file order, so results are identical to an in-process scan. Small scans (pre-commit: a few files) never
start a process.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner import gcpause, safeio
from scanner.collect import unit
from scanner.context import ScanContext
from scanner.model import Resource

# Files to collect (and missing from the cache) before worker processes pay for their start-up: a fork
# pool of 2 starts and stops in 35-45 ms here and a full parse + analysis costs 3-6 ms per file, so
# 2 workers break even near 15-20 files on idle cores; 64 leaves margin for busy machines.
MIN_FILES = 64
# DAG files are handed to the workers whole (each reads, pre-checks and collects its share), most of them
# before anyone knows whether they need a full parse: on a small tree the pre-check turns most of them away
# (79 of Airflow's 82 example DAGs), and reading and pre-checking them here is cheaper than a pool's start.
# Below this many bytes of DAG files in all, they are collected here (~0.5 MB: ~40 ms of pre-check and
# partial parsing, the pool's start and stop).
MIN_PARALLEL_BYTES = 512 * 1024
# DAG files collected in this process are read, looked up and merged this many at a time: the bytes and cache
# entries of one slice are alive at once, not those of a whole tree (a warm scan of 100,000 files held 1.7 GB).
IN_PROCESS_SLICE = 1024

Task = tuple[Path, str, str, bytes]  # (path, relative, kind, bytes)


def workers_for(jobs: int | None, pending: int) -> int:
    """How many processes: 1 (in-process) for small batches or `--jobs 1`, else jobs or the core count."""
    wanted = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    if wanted <= 1 or pending < MIN_FILES:
        return 1
    return min(wanted, pending)


class TreeReader:
    """Reads scanned files as `ScanContext.read_file` does, with one real-path lookup per folder instead of
    one per file (a `realpath` costs a `lstat` per path component, the largest part of reading a warm
    tree): a file opened without following a symlink, in a folder whose real path is inside the scan's
    boundaries and outside /proc, /sys and /dev, is itself inside them and outside those. Any other file (a
    symlink, a folder outside, an open that fails) takes `read_file`'s full check: the same bytes or notice.

    A folder's real path is looked up once per scan: a folder swapped for a symlink while the scan runs would
    be followed. Nothing the scan runs can do that (scanned code is never executed; DagBag's child sees the
    tree read-only); the per-file lookup this replaces had the same race, over a shorter window."""

    def __init__(self, ctx: ScanContext, cap: int = safeio.SCANNED_FILE_CAP) -> None:
        self.ctx = ctx
        self.cap = cap
        self._folders: dict[str, str | None] = {}   # a folder as written -> its real path, None when not usable

    def read(self, path: Path, relative: str) -> bytes | None:
        """The file's bytes, or None with a read-error notice in `ctx`."""
        folder, _, name = str(path).rpartition(os.sep)
        real = self._folders[folder] if folder in self._folders else self._real_folder(folder)
        if real is not None and name not in ("", ".", ".."):
            try:
                return safeio.read_regular(real + os.sep + name, self.cap)
            except safeio.ReadRefused as exc:   # the file itself (not a symlink) is inside: as read_file says
                self.ctx.notice("read-error", exc.message, relative)
                return None
            except OSError:
                pass   # a symlink (not followed), gone, not allowed: the full check tells which
        return self.ctx.read_file(path, relative, self.cap)

    def _real_folder(self, folder: str) -> str | None:
        real: str | None = None
        if folder:
            try:
                real = str(safeio.check_location(folder, self.ctx.boundaries))
            except safeio.ReadRefused:
                real = None
            if real == os.sep:
                real = None   # a file there could be /proc itself: each file is checked in full
        self._folders[folder] = real
        return real


class WorkersFailed(Exception):
    """The pool broke while results were coming: the files not answered yet are collected here."""


class Workers:
    """The scan's worker processes: `count` of them (1: everything in this process), started at the
    first batch that is worth them and shut down by `close`. A machine that cannot start processes
    gets the work done here."""

    def __init__(self, jobs: int | None, expected: int, preload: list[str] | None = None) -> None:
        self.count = workers_for(jobs, expected)
        # modules imported in this process just before the pool forks: every worker inherits them instead of
        # importing them itself (a scan that starts no pool, a warm one, never loads them here)
        self.preload = preload or []
        self._pool: Any = None
        self._exiting: Any = None   # the thread that joins the processes of a pool closed without waiting
        self._failed = False
        self.looked_up = 0   # files looked up in the cache so far (`collect_batch`), and how many missed
        self.missed = 0

    def warm(self) -> bool:
        """Whether the files so far came from the cache (an unchanged tree): reading the rest in worker
        processes would cost more in handing entries back than it saves. A few misses are allowed: a file
        whose secret the cache cannot hold as a place in its text (decoded from base64, say) is never
        stored, so it misses on every scan of an unchanged tree (6 of the 311 config files of the dense
        bench tree sent its 1,448 DAG files through the workers on every warm scan)."""
        return self.looked_up > 0 and self.missed * 16 <= self.looked_up

    def map(self, function: Any, tasks: list[Any], chunksize: int | None = None) -> Iterator[Any] | None:
        """`function` over `tasks` in the pool: the results in order, each as soon as it is there (the
        caller merges while the workers go on); None when there is no pool (do it here). `chunksize` given:
        the tasks are chunks of files already (no minimum). The iterator raises `WorkersFailed` when the
        pool breaks on the way (a worker killed): the caller does the rest here."""
        if self.count <= 1 or self._failed or not tasks or \
                (self._pool is None and chunksize is None and len(tasks) < MIN_FILES):
            return None  # a few files (a warm scan's changed ones) cost less here than a pool's start
        from concurrent.futures.process import BrokenProcessPool

        frozen = False
        try:
            if self._pool is None:
                import importlib
                import multiprocessing

                for module in self.preload:
                    importlib.import_module(module)
                from concurrent.futures import ProcessPoolExecutor

                method = "fork" if sys.platform.startswith("linux") else None
                # a worker collects its cyclic garbage (forked while the scan's collector is paused)
                self._pool = ProcessPoolExecutor(max_workers=self.count, initializer=gcpause.in_worker,
                                                 mp_context=multiprocessing.get_context(method))
                # the workers are forked by the first map: what this process holds then is frozen out of the
                # cyclic collector, so a worker's collections do not touch (and copy) every inherited page (not
                # when the process froze objects of its own: they are not ours to unfreeze after)
                if gc.get_freeze_count() == 0:
                    gc.freeze()
                    frozen = True
            # chunks small enough to balance the two phases' uneven files, large enough to amortise pickling
            chunk = chunksize or max(1, min(32, len(tasks) // (self.count * 8)))
            try:
                results = self._pool.map(function, tasks, chunksize=chunk)
            finally:
                if frozen:
                    gc.unfreeze()
        except (OSError, BrokenProcessPool):
            self._failed = True  # no processes on this machine: the work is done here
            return None
        return self._guarded(results)

    def _guarded(self, results: Iterator[Any]) -> Iterator[Any]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            yield from results
        except (OSError, BrokenProcessPool):
            self._failed = True
            raise WorkersFailed from None

    def close(self, wait: bool = True) -> None:
        """Shut the pool down. Each worker writes what its cache still holds (the use times of its hits)
        as it exits: with `wait`, this returns when they have exited; without, the exits go on beside this
        process's work, and `join` waits for them."""
        if self._pool is not None:
            # the pool's own thread that joins the processes: `shutdown` forgets it when it does not wait (a
            # Python without it waits here: `cli.run` leaves with `os._exit`, which would not wait for them)
            self._exiting = getattr(self._pool, "_executor_manager_thread", None)
            self._pool.shutdown(wait=wait or self._exiting is None, cancel_futures=True)
            self._pool = None

    def join(self) -> None:
        """Wait for the workers told to exit by `close(wait=False)`."""
        exiting, self._exiting = self._exiting, None
        if exiting is not None:
            exiting.join()

    def __enter__(self) -> Workers:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_worker_cache: Any = None  # a worker process's own cache: entries buffered, written in batches and at exit


def _cache_in_worker(cache_dir: str) -> Any:
    global _worker_cache
    from scanner.collect.filecache import FileCache

    if _worker_cache is None or _worker_cache.directory != Path(cache_dir) / "files":
        from multiprocessing import util

        _worker_cache = FileCache(Path(cache_dir), buffered=True)
        # written when the worker exits (the pool's shutdown waits for it): a transaction per entry cost
        # the workers a quarter of their time
        util.Finalize(_worker_cache, _worker_cache.finish, exitpriority=10)
    return _worker_cache


def _run(task: tuple[str, str, str, str, bytes, str | None, str | None]) -> unit.Outcome:
    """In a worker: collect one file and store its cache entry there too (the writes run in parallel)."""
    root, path, relative, kind, data, key, cache_dir = task
    outcome = unit.run_file(Path(root), Path(path), relative, kind, data)
    if key is not None and cache_dir is not None:
        payload = unit.to_payload(outcome, unit.text_for(kind, data))
        if payload is not None:
            cache = _cache_in_worker(cache_dir)
            before = cache.writes
            cache.put(key, payload)
            outcome["stored"] = cache.writes > before
    return outcome


def _run_all(ctx: ScanContext, tasks: list[Task], workers: Workers, keys: list[str | None],
             cache: Any) -> Iterator[unit.Outcome]:
    """Each task's outcome, in order, as it comes: from the pool when there is one (the tasks are handed
    to it now), else made here."""
    cache_dir = str(cache.directory.parent) if cache is not None else None
    work = [(str(ctx.root), str(path), relative, kind, data, keys[i], cache_dir)
            for i, (path, relative, kind, data) in enumerate(tasks)]
    return _outcomes(ctx, tasks, workers.map(_run, work))


def _outcomes(ctx: ScanContext, tasks: list[Task], outcomes: Iterator[unit.Outcome] | None) -> Iterator[unit.Outcome]:
    done = 0
    if outcomes is not None:
        try:
            for outcome in outcomes:
                done += 1
                yield outcome
            return
        except WorkersFailed:
            pass  # the rest here
    for path, relative, kind, data in tasks[done:]:
        yield unit.run_file(ctx.root, path, relative, kind, data)


def collect_batch(ctx: ScanContext, tasks: list[Task], cache: Any, workers: Workers) -> list[tuple[str, list[Resource]]]:
    """(relative path, resources) of each file, in order: cache hits restored here, misses collected by
    the workers (or here), each outcome merged into `ctx` in file order."""
    keys = [cache.key(kind, relative, data) if cache is not None else None for _, relative, kind, data in tasks]
    entries = cache.get_many(keys) if cache is not None else {}
    needed = [(task, key, entries.get(key) if key is not None else None)  # (task, cache key, cached entry)
              for task, key in zip(tasks, keys)]
    misses = [(task, key) for task, key, entry in needed if entry is None]
    workers.looked_up += len(needed) if cache is not None else 0
    workers.missed += len(misses) if cache is not None else 0
    computed = _run_all(ctx, [task for task, _ in misses], workers, [key for _, key in misses], cache)
    per_file: list[tuple[str, list[Resource]]] = []
    for (path, relative, kind, data), key, entry in needed:
        if entry is not None:
            restored = unit.restore(ctx, path, relative, kind, data, entry)
            if restored is not None:
                per_file.append((relative, restored))
                continue
            outcome = unit.run_file(ctx.root, path, relative, kind, data)
        else:
            outcome = next(computed)
            if outcome.pop("stored", False):
                key = None  # a worker stored it already
                cache.writes += 1
        per_file.append((relative, unit.absorb(ctx, path, relative, kind, data, outcome, cache, key)))
    return per_file


def collect_config_files(ctx: ScanContext, tasks: list[Task], cache: Any, workers: Workers) -> list[Resource]:
    """Config files (path, relative, kind, bytes): every one collected, in order."""
    return [resource for _, resources in collect_batch(ctx, tasks, cache, workers) for resource in resources]


def collect_python_files(ctx: ScanContext, files: list[tuple[Path, str]], conn_ids: set[str], cache: Any,
                         workers: Workers) -> list[Resource]:
    """Every DAG file (path, relative): read, pre-check (`conn_ids`: the ids the config files define), cache
    lookup, full parse of the misses; with worker processes, all of it in the workers (`_python_chunk`)."""
    # imported here: a scan of config files only (pre-commit on a .env) never loads the analyzer
    from scanner.collect import pycode
    from scanner.collect.pycode.kinds import CROSS_MODULE

    python_files: dict[str, Path] = {}  # every DAG file read: the modules other files may import from
    per_file = _python_in_workers(ctx, files, conn_ids, cache, workers, python_files)
    if per_file is None:
        known_conn_ids = pycode.conn_id_pattern(conn_ids)
        reader = TreeReader(ctx)
        per_file = []
        for start in range(0, len(files), IN_PROCESS_SLICE):
            tasks: list[Task] = []  # each file of the slice needing a full parse, in file order
            for path, relative in files[start:start + IN_PROCESS_SLICE]:
                data = reader.read(path, relative)
                if data is None:
                    continue
                python_files[relative] = path
                ctx.files_scanned += 1
                if pycode.needs_parse(data, known_conn_ids):
                    tasks.append((path, relative, "python", data))
            per_file += collect_batch(ctx, tasks, cache, workers)
    # values imported from other modules of the scan (`pycode.project`): marked files analysed again (the
    # analyser is loaded only when a file is marked: a warm scan of other trees never loads it)
    if any(resource.type == CROSS_MODULE for _, resources in per_file for resource in resources):
        from scanner.collect.pycode import project

        project.link_modules(ctx, per_file, list(python_files), project.reader(ctx, python_files))
    return [resource for _, resources in per_file for resource in resources]


# ------------------------------------------------------------------ DAG files read in the workers
# Reading, the pre-check, the cache key and lookup cost the main process as much as a worker's parse on
# a warm tree: with workers, each does all of it for its share of the files and hands back the outcome
# (a cache entry or a fresh one) and the file's text; the main process only merges, in file order.

_conn_patterns: dict[frozenset[str], Any] = {}  # in a worker: the compiled conn-id pattern of this scan


def _python_chunk(chunk: tuple[str, list[Path] | None, str | None, frozenset[str], list[tuple[str, str]]]) \
        -> list[tuple[Any, ...]]:
    """In a worker: each DAG file of the chunk read, pre-checked, looked up and collected (`_python_files`)."""
    from scanner.collect import pycode

    root, boundaries, cache_dir, conn_ids, files = chunk
    if conn_ids not in _conn_patterns:
        _conn_patterns.clear()
        _conn_patterns[conn_ids] = pycode.conn_id_pattern(set(conn_ids))
    known = _conn_patterns[conn_ids]
    cache = _cache_in_worker(cache_dir) if cache_dir is not None else None
    answers = _python_files(Path(root), boundaries, cache, known, files)
    if cache is not None:
        cache.flush()   # written while the other workers go on: at the pool's shutdown it was a serial tail
    return answers


def _python_files(root: Path, boundaries: list[Path] | None, cache: Any, known: Any,
                  files: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """Each file's answer: ("unread", notices) | ("skipped",) | ("hit", entry, text) | ("computed", outcome,
    text, stored). The files are read and pre-checked first, so the cache is asked for all of them at once."""
    from scanner.collect import pycode

    reader = TreeReader(ScanContext(root=root, boundaries=boundaries))
    answers: list[tuple[Any, ...]] = []
    parsed: list[tuple[int, Path, str, bytes, str | None]] = []   # (answer index, path, relative, bytes, key)
    for path_text, relative in files:
        path, before = Path(path_text), len(reader.ctx.notices)
        data = reader.read(path, relative)
        if data is None:
            answers.append(("unread", [notice.to_json() for notice in reader.ctx.notices[before:]]))
        elif not pycode.needs_parse(data, known):
            answers.append(("skipped",))
        else:
            key = cache.key("python", relative, data) if cache is not None else None
            parsed.append((len(answers), path, relative, data, key))
            answers.append(())
    entries = cache.get_many([key for *_, key in parsed]) if cache is not None else {}  # marked used at exit
    for index, path, relative, data, key in parsed:
        entry = entries.get(key) if key is not None else None
        if entry is not None:
            text = unit.text_for("python", data) if (entry.get("source") or entry.get("secret_spans")) else None
            answers[index] = ("hit", entry, text)
        else:
            answers[index] = _python_computed(root, path, relative, data, cache, key)
    return answers


def _python_computed(root: Path, path: Path, relative: str, data: bytes, cache: Any,
                     key: str | None) -> tuple[Any, ...]:
    """("computed", outcome, text, stored): a DAG file collected in a worker, its entry stored there."""
    outcome = unit.run_file(root, path, relative, "python", data)
    text = unit.text_for("python", data)
    stored = False
    if key is not None:
        payload = unit.to_payload(outcome, text)
        if payload is not None:
            before = cache.writes
            cache.put(key, payload)
            stored = cache.writes > before
    return ("computed", outcome, text if (outcome["source"] or outcome["secrets"]) else None, stored)


def _enough_bytes(files: list[tuple[Path, str]]) -> bool:
    """Whether the DAG files hold at least MIN_PARALLEL_BYTES (sizes read until they do; a file that cannot
    be looked at counts nothing here and gets its notice when it is read)."""
    total = 0
    for path, _ in files:
        try:
            total += os.stat(path, follow_symlinks=False).st_size
        except OSError:
            continue
        if total >= MIN_PARALLEL_BYTES:
            return True
    return False


def _python_in_workers(ctx: ScanContext, files: list[tuple[Path, str]], conn_ids: set[str], cache: Any,
                       workers: Workers, python_files: dict[str, Path]) -> list[tuple[str, list[Resource]]] | None:
    """(relative path, resources) of each DAG file that needed a parse, collected by the workers; None when
    there are none (a few files, `--jobs 1`, no processes on this machine): the caller does it here."""
    if workers.count <= 1 or len(files) < MIN_FILES or workers.warm() or not _enough_bytes(files):
        return None
    from scanner.findings import Notice

    size = max(8, min(64, len(files) // (workers.count * 8)))
    frozen = frozenset(conn_ids)
    cache_dir = str(cache.directory.parent) if cache is not None else None
    chunks = [(str(ctx.root), ctx.boundaries, cache_dir, frozen,
               [(str(path), relative) for path, relative in files[i:i + size]])
              for i in range(0, len(files), size)]
    answers = workers.map(_python_chunk, chunks, chunksize=1)
    if answers is None:
        return None
    per_file: list[tuple[str, list[Resource]]] = []
    hits = 0
    for (path, relative), answer in zip(files, _answers(chunks, answers, conn_ids)):
        if answer[0] == "unread":
            ctx.notices.extend(Notice(**notice) for notice in answer[1])
            continue
        python_files[relative] = path
        ctx.files_scanned += 1
        if answer[0] == "skipped":
            continue
        if answer[0] == "hit":
            hits += 1
            restored = unit.restore(ctx, path, relative, "python", b"", answer[1], answer[2])
            if restored is None:  # a corrupt entry: collected again, here
                data = ctx.read_file(path, relative)
                outcome = unit.run_file(ctx.root, path, relative, "python", data or b"")
                restored = unit.absorb(ctx, path, relative, "python", data or b"", outcome, None, None)
            per_file.append((relative, restored))
            continue
        outcome, text, stored = answer[1], answer[2], answer[3]
        if cache is not None and stored:
            cache.writes += 1  # written by the worker
        per_file.append((relative, unit.absorb(ctx, path, relative, "python", b"", outcome, None, None, text)))
    if cache is not None:
        cache.hits += hits
    return per_file


def _answers(chunks: list[Any], answers: Iterator[list[tuple[Any, ...]]], conn_ids: set[str]) -> Iterator[tuple[Any, ...]]:
    """Each file's answer, in order, as the workers send them; the chunks not answered when the pool
    broke are done here (without the cache)."""
    done = 0
    try:
        for chunk in answers:
            done += 1
            yield from chunk
        return
    except WorkersFailed:
        pass
    from scanner.collect import pycode

    known = pycode.conn_id_pattern(conn_ids)
    for root, boundaries, _cache_dir, _ids, files in chunks[done:]:
        yield from _python_files(Path(root), boundaries, None, known, files)
