"""The per-file content-hash cache (one SQLite database) and the worker processes: same reports, no secrets on
disk, a hostile or broken cache never fails a scan."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from scanner import scan as scan_module
from scanner.collect import filecache, parallel
from scanner.config import Config
from scanner.scan import run_scan
from tests.conftest import REPO, run_process
from tests.test_redaction import PLANTED

DAG_SECRETS = ["Dag-Syntax-Pw-2017", "AKIAZZBROKENFALLBK01", "Br0kenFallbackSecretKey/0123456789abcdEF",
               "AKIAZZNULBYTESFILE02", "tok_Dag-Api-Token-2011", "Tmp-Suppressed-Pw-31", "Tmp-Dag-Pw-32"]
SCANNED = ["fixtures/demo", "fixtures/collectors", "fixtures/dags", "extra"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The fixtures plus a DAG file with a suppression comment, so hits must keep suppressions."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["cp", "-r", str(REPO / "fixtures"), str(root)], check=True)
    extra = root / "extra"
    extra.mkdir()
    (extra / "suppressed_dag.py").write_text(
        'A = "postgres://u:Tmp-Suppressed-Pw-31@h.example.com/db"  # airguard: ignore[AG101] test database\n'
        'X = 1\n'
        'B = "postgres://u:Tmp-Dag-Pw-32@h.example.com/db"\n'
    )
    return root


def _scan(root: Path, cache: Path | str, *extra: str) -> dict:
    result = run_process("scan", *SCANNED, "-f", "json", "--fail-on", "none", *extra, cwd=root,
                         env={"AIRGUARD_CACHE_DIR": str(cache)})
    assert result.exit_code == 3, result.stderr
    report = result.json()
    report["summary"].pop("duration_seconds")
    return report


def _sarif(root: Path, cache: Path | str) -> str:
    result = run_process("scan", *SCANNED, "-f", "sarif", "--fail-on", "none", cwd=root,
                         env={"AIRGUARD_CACHE_DIR": str(cache)})
    return result.stdout


def _entries(cache: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every entry of the cache database: key -> (value, size, last used)."""
    with sqlite3.connect(cache / "files" / filecache.DATABASE) as db:
        return {key: (value, size, used) for key, value, size, used in db.execute("SELECT key, value, size, used FROM entries")}


def _stored_bytes(cache: Path) -> bytes:
    """Every byte the cache holds on disk (database, write-ahead log, anything else)."""
    return b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())


def test_warm_scan_gives_byte_identical_reports(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _scan(tree, cache)
    written = _entries(cache)
    assert len(written) >= 20
    warm = _scan(tree, cache)
    assert _entries(cache) == written          # nothing rewritten (not even the use time): every entry was a hit
    uncached = _scan(tree, "")
    assert cold == warm == uncached
    assert {(f["rule_id"], f["location"]["start_line"], f["suppression"] is not None)
            for f in warm["findings"] if f["location"]["path"] == "extra/suppressed_dag.py"} == {
        ("AG101", 1, True), ("AG101", 3, False)}
    assert _sarif(tree, cache) == _sarif(tree, "")


def _count_cache_use(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(hits, writes) of every scan's file cache, in order."""
    counts: list[tuple[int, int]] = []
    original = filecache.FileCache.finish

    def finish(self: filecache.FileCache) -> None:
        counts.append((self.hits, self.writes))
        original(self)

    monkeypatch.setattr(filecache.FileCache, "finish", finish)
    return counts


def test_hits_are_counted_and_cover_every_cacheable_file(tree: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(tmp_path / "cache"))
    counts = _count_cache_use(monkeypatch)
    paths = [tree / p for p in SCANNED]
    first = run_scan(paths, Config(), tree)
    second = run_scan(paths, Config(), tree)
    entries = len(_entries(tmp_path / "cache"))
    assert counts == [(0, entries), (entries, 0)]
    assert first.graph.to_json() == second.graph.to_json()
    assert [f for f in first.findings] == [f for f in second.findings]


def test_no_planted_secret_is_stored_in_the_cache(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _scan(tree, cache)
    stored = _stored_bytes(cache)
    assert len(stored) > 10_000
    forms = {form for secret in [*PLANTED, *DAG_SECRETS] for form in (secret, quote(secret, safe=""))}
    assert sorted(form for form in forms if form.encode() in stored) == []


def test_a_corrupt_entry_is_a_miss_never_an_error(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _scan(tree, cache)
    corruptions: list[object] = [
        b"", b"{not json", b"[]", b'{"format": 1}', "a text, not bytes", 7, b"\xff\xfe",
        (b'{"format": 1, "resources": [{"id": 3}], '
         b'"notices": [], "source": true, "scanned": 1, "secret_spans": [[999999, 5, null, null]]}'),
        b'{"format": 1, "resources": [], "notices": [], "source": true, "scanned": 1, "secret_spans": [],'
        b' "pad": "' + b"x" * (filecache.MAX_ENTRY_BYTES + 1) + b'"}']
    with sqlite3.connect(cache / "files" / filecache.DATABASE) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM entries ORDER BY key")]
        for number, key in enumerate(keys):
            db.execute("UPDATE entries SET value = ? WHERE key = ?", (corruptions[number % len(corruptions)], key))
    assert _scan(tree, cache) == cold
    assert _scan(tree, cache) == cold   # rewritten entries are good again
    assert all(len(value) < 1_000_000 for value, _, _ in _entries(cache).values())


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\x07" * 5000])
def test_a_database_that_is_not_one_is_replaced(tree: Path, tmp_path: Path, content: bytes) -> None:
    cache = tmp_path / "cache"
    cold = _scan(tree, cache)
    database = cache / "files" / filecache.DATABASE
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(content)
    assert _scan(tree, cache) == cold
    assert len(_entries(cache)) >= 20      # written again
    assert _scan(tree, cache) == cold


def test_a_database_of_the_former_schema_is_made_again(tree: Path, tmp_path: Path) -> None:
    """Schema 2 (a WITHOUT ROWID table, the value before size and use time): its table is dropped and made
    again, its rows are not read (one the same key would hit is planted), and the new table's rows are
    complete."""
    cache = tmp_path / "cache"
    cold = _scan(tree, cache)
    key = next(iter(_entries(cache)))
    database = cache / "files" / filecache.DATABASE
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL, "
                   "used INTEGER NOT NULL) WITHOUT ROWID")
        db.execute("INSERT INTO entries VALUES (?, ?, 2, 0)", (key, b"{}"))
        db.execute("PRAGMA user_version = 2")
        pages = db.execute("PRAGMA page_size").fetchone()[0]   # SQLite's default
    assert _scan(tree, cache) == cold
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == filecache.SCHEMA_VERSION
        assert db.execute("PRAGMA page_size").fetchone()[0] == pages   # a database in use keeps its pages
        assert [row[1] for row in db.execute("PRAGMA table_info(entries)")] == ["key", "size", "used", "value"]
    entries = _entries(cache)
    assert len(entries) >= 20 and entries[key][1] > 2   # written again, by this scan


@pytest.mark.parametrize("made", ["by this scan", "empty, by a sibling a moment before"])
def test_a_new_database_has_large_pages(tree: Path, tmp_path: Path, made: str) -> None:
    cache = tmp_path / "cache"
    if made != "by this scan":   # the file exists, with nothing in it yet: it still takes the page size
        (cache / "files").mkdir(parents=True)
        (cache / "files" / filecache.DATABASE).write_bytes(b"")
    _scan(tree, cache)
    with sqlite3.connect(cache / "files" / filecache.DATABASE) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == filecache.PAGE_SIZE == 16384
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_symlinked_database_is_not_followed(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    elsewhere = tmp_path / "elsewhere.sqlite3"
    elsewhere.write_bytes(b"the user's own file")
    (cache / "files").mkdir(parents=True)
    (cache / "files" / filecache.DATABASE).symlink_to(elsewhere)
    uncached = _scan(tree, "")
    assert _scan(tree, cache) == uncached
    assert elsewhere.read_bytes() == b"the user's own file"


def test_entries_of_the_former_format_are_removed(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "files").mkdir(parents=True)
    for name in ("0" * 40 + ".json", ".abc.123.tmp"):
        (cache / "files" / name).write_text("{}")
    _scan(tree, cache)
    assert sorted(p.name for p in (cache / "files").iterdir() if not p.name.startswith(filecache.DATABASE)) == []


def test_a_changed_file_is_a_miss(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _scan(tree, cache)
    dag = tree / "extra" / "suppressed_dag.py"
    dag.write_text(dag.read_text().replace("B = ", "\n\nB = "))
    lines = {f["location"]["start_line"] for f in _scan(tree, cache)["findings"]
             if f["location"]["path"] == "extra/suppressed_dag.py"}
    assert lines == {1, 5}


def test_no_cache_flag_and_empty_dir_write_nothing(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _scan(tree, cache, "--no-cache")
    assert not cache.exists()


def test_concurrent_scans_share_one_cache(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "scanner", "scan", *SCANNED, "-f", "json", "--fail-on", "none"]
    env = {**os.environ, "AIRGUARD_CACHE_DIR": str(cache)}
    runs = [subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(3)]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 3, err
        report = json.loads(out)
        report["summary"].pop("duration_seconds")
        reports.append(report)
    assert reports[0] == reports[1] == reports[2] == _scan(tree, cache)
    with sqlite3.connect(cache / "files" / filecache.DATABASE) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_prune_keeps_the_most_recently_used_entries(tmp_path: Path) -> None:
    cache = filecache.FileCache(tmp_path)
    size = 18 + filecache._DIGEST_BYTES                         # the JSON and its digest
    for number in range(50):
        cache.put(f"{number:040x}", filecache.encode({"n": number % 10}))
    with sqlite3.connect(cache.database) as db:
        assert db.execute("SELECT DISTINCT size FROM entries").fetchall() == [(size,)]
        db.executemany("UPDATE entries SET used = ? WHERE key = ?",
                       [((number * 7) % 50, f"{number:040x}") for number in range(50)])  # used in another order
    cache.prune(40 * size)
    kept = sorted((number * 7) % 50 for number in (int(key, 16) for key in _entries(tmp_path)))
    assert kept == list(range(18, 50))   # pruned to 80 % of the bound, least recently used first
    cache.prune(40 * size)
    assert len(_entries(tmp_path)) == 32


def test_a_scan_marks_what_it_used_and_the_bound_keeps_it(tree: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(cache))
    paths = [tree / p for p in SCANNED]
    run_scan(paths, Config(), tree)
    with sqlite3.connect(cache / "files" / filecache.DATABASE) as db:
        db.execute("UPDATE entries SET used = 1")
        db.execute("INSERT INTO entries (key, value, size, used) VALUES ('stale', ?, 3000000, 0)", (b"{}",))  # 3 MB, never used since
    run_scan(paths, Config(), tree)                    # warm: every entry used now
    used = {key: row[2] for key, row in _entries(cache).items()}
    assert used.pop("stale") == 0 and set(used.values()) == {filecache._now()}
    monkeypatch.setenv("AIRGUARD_CACHE_MAX_MB", "2")
    (tree / "extra" / "new_dag.py").write_text('B = "postgres://u:Tmp-New-Pw-33@h.example.com/db"\n')
    run_scan(paths, Config(), tree)                    # one write: over the bound, the stale entry goes
    assert "stale" not in _entries(cache) and len(_entries(cache)) == len(used) + 1


def test_workers_exit_beside_the_rules_and_are_gone_when_the_scan_returns(
        tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool is told to exit once every outcome is in, and the rules run while its processes exit; the scan
    returns only after they have exited and the cache is written (hits marked used)."""
    import multiprocessing

    cache = tmp_path / "cache"
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(cache))
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    seen: list[tuple[bool, bool]] = []   # at evaluation: (a pool is open, the workers' exit is awaited)
    closes: list[bool] = []
    seen_workers: list[parallel.Workers] = []
    close, evaluate = parallel.Workers.close, scan_module.evaluate

    def closing(workers: parallel.Workers, wait: bool = True) -> None:
        closes.append(wait)
        close(workers, wait)
        seen_workers.append(workers)

    def evaluating(*args: object, **kwargs: object) -> object:
        seen.extend((w._pool is not None, w._exiting is not None) for w in seen_workers)
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(parallel.Workers, "close", closing)
    monkeypatch.setattr(scan_module, "evaluate", evaluating)
    paths = [tree / p for p in SCANNED]
    result = run_scan(paths, Config(), tree, jobs=2)
    assert closes == [False] and seen == [(False, True)]   # closed without waiting, before the rules ran
    assert multiprocessing.active_children() == []          # and gone when the scan returned
    assert seen_workers[0]._exiting is None
    assert result.findings and len(_entries(cache)) >= 20


def test_a_pool_without_the_thread_to_join_is_waited_for_at_close() -> None:
    """`close(wait=False)` needs the pool's own thread to join its processes later; a pool without it (another
    Python's) is waited for at once, since the program leaves with `os._exit`."""
    calls: list[bool] = []

    class Pool:
        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            calls.append(wait)

    workers = parallel.Workers(2, 1000)
    workers._pool = Pool()
    workers.close(wait=False)
    workers.join()
    assert calls == [True] and workers._pool is None


def test_worker_processes_give_identical_results(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    used: list[int] = []
    original = parallel._run_all

    def run_all(ctx, tasks, workers, keys, cache):  # type: ignore[no-untyped-def]
        used.append(workers.count)
        return original(ctx, tasks, workers, keys, cache)

    monkeypatch.setattr(parallel, "_run_all", run_all)
    in_workers: list[bool] = []
    original_python = parallel._python_in_workers

    def python_in_workers(*args):  # type: ignore[no-untyped-def]
        found = original_python(*args)
        in_workers.append(found is not None)
        return found

    monkeypatch.setattr(parallel, "_python_in_workers", python_in_workers)
    paths = [tree / p for p in SCANNED]
    single = run_scan(paths, Config(), tree, jobs=1)
    multi = run_scan(paths, Config(), tree, jobs=2)
    # config files, then DAG files: in this process; then config files in 2 workers, DAG files read there too
    assert used == [1, 1, 2] and in_workers == [False, True]
    assert single.graph.to_json() == multi.graph.to_json()
    assert [f for f in single.findings] == [f for f in multi.findings]
    assert [n for n in single.notices] == [n for n in multi.notices]
    assert single.ctx.files_scanned == multi.ctx.files_scanned
    assert sorted(single.ctx.sources) == sorted(multi.ctx.sources)
    assert single.ctx.redactor.scrub(" ".join(DAG_SECRETS)) == multi.ctx.redactor.scrub(" ".join(DAG_SECRETS))


def test_worker_processes_fill_the_cache_without_secrets(tree: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(cache))
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    counts = _count_cache_use(monkeypatch)
    paths = [tree / p for p in SCANNED]
    multi = run_scan(paths, Config(), tree, jobs=2)
    warm = run_scan(paths, Config(), tree, jobs=1)
    entries = len(_entries(cache))
    assert counts == [(0, entries), (entries, 0)]
    assert multi.graph.to_json() == warm.graph.to_json()
    assert [f for f in multi.findings] == [f for f in warm.findings]
    stored = _stored_bytes(cache)
    assert [s for s in [*PLANTED, *DAG_SECRETS] if s.encode() in stored] == []


def test_small_scans_stay_in_process() -> None:
    assert parallel.workers_for(None, 1) == 1
    assert parallel.workers_for(None, parallel.MIN_FILES - 1) == 1
    assert parallel.workers_for(1, 10_000) == 1
    assert parallel.workers_for(4, 10_000) == 4


def test_dag_files_go_to_the_workers_by_their_bytes(tmp_path: Path) -> None:
    """Many small DAG files (Airflow's 82 example DAGs: 270 KB) stay here; the count alone is not enough."""
    small = []
    for n in range(100):
        (tmp_path / f"dag_{n}.py").write_bytes(b"x" * 1024)
        small.append((tmp_path / f"dag_{n}.py", f"dag_{n}.py"))
    missing = [(tmp_path / "gone.py", "gone.py")]
    assert parallel._enough_bytes(small + missing) is False
    (tmp_path / "big.py").write_bytes(b"y" * (parallel.MIN_PARALLEL_BYTES - 100 * 1024))
    assert parallel._enough_bytes([*small, (tmp_path / "big.py", "big.py")]) is True


def test_jobs_flag_is_validated(tmp_path: Path) -> None:
    result = run_process("scan", ".", "--jobs", "0", cwd=tmp_path)
    assert result.exit_code == 2
    assert "expected a positive number" in result.stderr


def test_restored_resources_equal_their_dumps_read_back(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resources merged from outcomes are what their JSON dumps give back (checked), and copies are
    independent."""
    from scanner.model import Resource

    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    result = run_scan([tree / p for p in SCANNED], Config(), tree, jobs=1)
    resources = list(result.graph)
    assert resources
    for resource in resources:
        assert Resource.from_json(resource.to_json()) == resource
    locations = [loc for r in resources for loc in r.locations.values()]
    moved = locations[0].with_path("elsewhere.py")
    assert moved.path == "elsewhere.py" and locations[0].path != "elsewhere.py"
    assert (moved.start_line, moved.start_column) == (locations[0].start_line, locations[0].start_column)


_ORIGINAL_PYTHON_CHUNK = parallel._python_chunk
_ORIGINAL_RUN = parallel._run


def _chunk_that_kills_its_worker(chunk):  # type: ignore[no-untyped-def]
    if any("extra/" in relative for _, relative in chunk[4]):
        os._exit(3)  # a worker killed (out of memory) while the DAG files are read
    return _ORIGINAL_PYTHON_CHUNK(chunk)


def _run_that_kills_its_worker(task):  # type: ignore[no-untyped-def]
    if "collectors" in task[2]:
        os._exit(3)  # a worker killed while config files are collected
    return _ORIGINAL_RUN(task)


@pytest.mark.parametrize("phase", ["config files", "DAG files"])
def test_a_worker_killed_on_the_way_leaves_the_rest_to_this_process(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   phase: str) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    paths = [tree / p for p in SCANNED]
    single = run_scan(paths, Config(), tree, jobs=1)
    if phase == "DAG files":
        monkeypatch.setattr(parallel, "_python_chunk", _chunk_that_kills_its_worker)
    else:
        monkeypatch.setattr(parallel, "_run", _run_that_kills_its_worker)
    broken: list[bool] = []
    close = parallel.Workers.close

    def closing(workers: parallel.Workers, wait: bool = True) -> None:
        broken.append(workers._failed)
        close(workers, wait)

    monkeypatch.setattr(parallel.Workers, "close", closing)
    multi = run_scan(paths, Config(), tree, jobs=2)
    assert broken == [True]  # the pool did break on the way
    assert single.graph.to_json() == multi.graph.to_json()
    assert [f for f in single.findings] == [f for f in multi.findings]
    assert [n for n in single.notices] == [n for n in multi.notices]
    assert single.ctx.files_scanned == multi.ctx.files_scanned


def test_dag_files_in_slices_give_identical_results(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process DAG files are read and merged a slice at a time (memory bound); cold and warm, the
    result is that of one slice."""
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", "")
    paths = [tree / p for p in SCANNED]
    whole = run_scan(paths, Config(), tree, jobs=1)
    monkeypatch.setattr(parallel, "IN_PROCESS_SLICE", 1)
    sliced = run_scan(paths, Config(), tree, jobs=1)
    assert sliced.graph.to_json() == whole.graph.to_json()
    assert [f for f in sliced.findings] == [f for f in whole.findings]
    assert sliced.stats.files_scanned == whole.stats.files_scanned


def test_the_cache_key_covers_every_module_a_files_collection_imports() -> None:
    """Editing code that shapes a file's outcome must invalidate the cache: every airguard module imported while
    the fixtures' files of every kind are collected one by one (`unit.run_file`, as the cache stores them) is in
    `collector_code_hash`'s files (infrastructure code builds its resources with the AWS services' builders)."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from scanner.collect import unit\n"
        "from scanner.filekinds import kind_of\n"
        "root = Path(sys.argv[1])\n"
        "kinds = set()\n"
        "for path in sorted(root.rglob('*')):\n"
        "    kind = kind_of(path) if path.is_file() else None\n"
        "    if kind is not None:\n"
        "        unit.run_file(root, path, path.relative_to(root).as_posix(), kind, path.read_bytes())\n"
        "        kinds.add(kind)\n"
        "modules = [m.__file__ for n, m in sys.modules.items() if n.startswith('scanner') and getattr(m, '__file__', None)]\n"
        "print(json.dumps({'kinds': sorted(kinds), 'modules': modules}))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code, str(REPO / "fixtures")], cwd=REPO, capture_output=True,
                         text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr[-2000:]
    answer = json.loads(ran.stdout)
    assert {"python", "env", "yaml", "json", "terraform"} <= set(answer["kinds"])
    package = REPO / "scanner"
    imported = {Path(module).resolve().relative_to(package.resolve()).as_posix() for module in answer["modules"]}
    assert any(module.startswith("aws/services/") for module in imported)   # the IaC builders
    assert imported - set(filecache.collector_code_files()) == set()


def test_a_resource_of_the_wrong_shape_fails_its_file_not_the_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A collector bug that builds a resource of the wrong shape (what pydantic's validation used to catch), or
    attributes that cannot be made JSON, is an internal-error notice for that file only."""
    from scanner.collect import unit
    from scanner.model import FileLocation, Resource, Source

    def broken(kind: str) -> list[Resource]:
        if kind == "line":
            return [Resource("r", "t", "n", {}, Source(FileLocation("a.env", None)))]  # type: ignore[arg-type]
        return [Resource("r", "t", "n", {"raw": b"\xff"})]

    for kind in ("line", "bytes"):
        monkeypatch.setattr(unit.one_file, "collect_source_file", lambda ctx, source, k, kind=kind: broken(kind))
        outcome = unit.run_file(REPO, REPO / "a.env", "a.env", "env", b"A=1\n")
        assert outcome["resources"] == []
        assert [(n["kind"], n["path"]) for n in outcome["notices"]] == [("internal-error", "a.env")]
