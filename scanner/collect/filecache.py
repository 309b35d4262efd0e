"""A content-hash cache of per-file collection outcomes (like ruff's), under the airguard cache dir.

Key: airguard version, a hash of the collector code, the file's kind, its repo-relative path and a
BLAKE2 hash of its bytes. Value: a digest of the rest keyed by the entry's key, then the file's outcome
as JSON (`scanner.collect.unit`), with secrets stored only as positions in the file's text. A scan looks its
files up a few hundred keys per query.

Storage: one SQLite database (`files/entries.sqlite3`, write-ahead log, so concurrent scans and the
worker processes of one scan share it). A scan's own entries are written in one transaction when it
finishes (worker processes write theirs as they go); a file per entry cost a create + rename each and
a folder scan to prune. The cache is bounded by size (`MAX_BYTES`, `AIRGUARD_CACHE_MAX_MB`): the
least recently used entries go first, so a scan larger than the cache keeps the entries it uses.

The database lives in the user's cache folder, and its content is still checked: an entry larger than
any airguard writes, one whose digest does not match (changed, truncated, or another key's), malformed
JSON or another format is a miss, so what `scanner.collect.unit` reads back is what airguard wrote; a file
that is not a database, or a symlink, disables the cache for the scan (a corrupt database is replaced);
no SQLite error ever fails a scan.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import __version__, digests

if TYPE_CHECKING:
    import sqlite3

# sqlite3 is imported by the functions that open or use the database: a scan with no file to look up
# (an empty tree) never loads SQLite.

FORMAT_VERSION = 3                    # of the outcome JSON; 2: a value starts with its digest;
                                      # 3: secret spans may be encoded (`collect.secret_spans`)
SCHEMA_VERSION = 3                    # of the database (PRAGMA user_version); 1 was a file per entry,
                                      # 2 a WITHOUT ROWID table (`_create_schema` says why no more)
PAGE_SIZE = 16 * 1024                 # of a new database: entries average 2 KB, several to a page
DATABASE = "entries.sqlite3"
MAX_BYTES = 512 * 1024 * 1024         # the cache's bound (values); pruned to 80 % of it when over
MAX_ENTRY_BYTES = 16 * 1024 * 1024    # no outcome airguard writes is larger: a larger value is a miss
BATCH = 512                           # buffered puts written at once
_KEYS_PER_QUERY = 500                 # keys looked up in one query (SQLite allows 999 parameters at least)
_DIGEST_BYTES = 16                    # of the integrity digest that starts each stored value
_code_hash: str | None = None
_connections: dict[tuple[int, str], tuple[sqlite3.Connection, tuple[int, int] | None]] = {}  # (pid, file)
_KEPT_CONNECTIONS = 4


# The code that turns a file into resources: the package's top-level modules, the collectors, and what they
# build resources with (the AWS services' resource builders, for infrastructure code; the resource types).
# `tests/collect/test_filecache.py` checks that every module a file's collection imports is in here.
COLLECTOR_PACKAGES = ("collect", "aws", "resources")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the `scanner` folder


def collector_code_files() -> list[str]:
    """The modules `collector_code_hash` covers, as paths relative to the package."""
    return [relative for relative, _ in _collector_code_stats()]


def _collector_code_stats() -> list[tuple[str, os.stat_result]]:
    """Each module `collector_code_hash` covers with its stat, in path order: the package's own modules, then
    every module under the collector packages (not their `__pycache__`, nor folders linked in). One
    `os.scandir` per folder: joining and resolving paths per file was a third of this on every start."""
    found = [(entry.name, entry.stat()) for entry in os.scandir(_PACKAGE) if entry.name.endswith(".py")]
    folders = list(COLLECTOR_PACKAGES)
    while folders:
        relative = folders.pop()
        with os.scandir(os.path.join(_PACKAGE, relative)) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__" and not entry.is_symlink():
                        folders.append(f"{relative}/{entry.name}")
                elif entry.name.endswith(".py"):
                    found.append((f"{relative}/{entry.name}", entry.stat()))
    return sorted(found, key=lambda item: item[0])


def collector_code_hash() -> str:
    """A hash over the code that turns files into resources (name, size, mtime of each module, which is
    0.5 ms where reading them would be 5 ms on the pre-commit path): editing any of it invalidates the cache."""
    global _code_hash
    if _code_hash is None:
        digest = digests.blake2b(f"{__version__}\0{FORMAT_VERSION}".encode(), digest_size=16)
        for relative, stat in _collector_code_stats():
            digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        _code_hash = digest.hexdigest()
    return _code_hash


def max_bytes() -> int:
    """`AIRGUARD_CACHE_MAX_MB` (a positive number of MiB), else `MAX_BYTES`."""
    configured = os.environ.get("AIRGUARD_CACHE_MAX_MB", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured) * 1024 * 1024
    return MAX_BYTES


class FileCache:
    """The cache of one scan (or one worker process). `open()` buffers its puts until `finish()`; a
    cache made directly (in a worker process) writes each put at once."""

    def __init__(self, directory: Path, buffered: bool = False) -> None:
        self.directory = directory / "files"
        self.database = self.directory / DATABASE
        self.writes = 0
        self.hits = 0
        self.buffered = buffered
        self._pending: list[tuple[str, bytes, int, int]] = []
        self._hit_keys: list[str] = []   # entries read whose use time is to be set at `finish`
        self._broken = False
        self._names: frozenset[str] | None = None   # the masked names the key prefixes were made with
        self._names_text = ""
        self._prefixes: dict[str, Any] = {}
        self._connection_here: sqlite3.Connection | None = None

    @classmethod
    def open(cls) -> FileCache | None:
        """The cache, or None when caching is off (`--no-cache`, or `AIRGUARD_CACHE_DIR` set empty)."""
        from scanner.cachedir import cache_dir

        directory = cache_dir()
        return None if directory is None else cls(directory, buffered=True)

    def key(self, kind: str, relative: str, data: bytes) -> str:
        digest = self._key_prefix(kind).copy()
        digest.update(f"{relative}\0{self._names_text}\0".encode())
        digest.update(digests.blake2b(data, digest_size=32).digest())
        return digest.hexdigest()

    def _key_prefix(self, kind: str) -> Any:
        """The hash of what every key of `kind` starts with, made once per kind and masked names: the
        deployment's own masked names (`EXTRA_SENSITIVE_FIELDS`, set before any file is collected) change
        results, so they are part of the key."""
        from scanner.secrets import EXTRA_SENSITIVE_FIELDS

        if EXTRA_SENSITIVE_FIELDS is not self._names:
            self._names, self._prefixes = EXTRA_SENSITIVE_FIELDS, {}
            self._names_text = str(sorted(EXTRA_SENSITIVE_FIELDS))
        prefix = self._prefixes.get(kind)
        if prefix is None:
            prefix = self._prefixes[kind] = digests.blake2b(f"{collector_code_hash()}\0{kind}\0".encode(),
                                                             digest_size=20)
        return prefix

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The intact entries of those of `keys` the cache holds (key -> entry), read in a few queries."""
        if not keys:   # nothing to look up: the database is not opened
            return {}
        connection = self._connection(create=False)
        if connection is None:
            return {}
        import sqlite3

        found: dict[str, dict[str, Any]] = {}
        now = _now()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _KEYS_PER_QUERY):
            batch = unique[start:start + _KEYS_PER_QUERY]
            try:
                rows = connection.execute(
                    f"SELECT key, value, used FROM entries WHERE key IN ({','.join('?' * len(batch))}) "
                    "AND length(value) <= ?", (*batch, MAX_ENTRY_BYTES)).fetchall()
            except sqlite3.Error as exc:
                self._broken = not isinstance(exc, sqlite3.OperationalError)   # malformed: no more reads
                break
            for key, value, used in rows:
                entry = _entry(key, value)
                if entry is None:
                    continue
                found[key] = entry
                if not isinstance(used, int) or used < now:
                    self._hit_keys.append(key)   # marked used at `finish` (an entry used this hour is not)
        self.hits += sum(1 for key in keys if key in found)
        return found

    # -- writing ---------------------------------------------------------------------------------------

    def put(self, key: str, payload: bytes) -> None:
        """Store an entry's payload (`encode`) under `key` (written now, or at `finish` when buffered)."""
        value = _sealed(key, payload)
        if len(value) > MAX_ENTRY_BYTES:
            return
        self._pending.append((key, value, len(value), _now()))
        self.writes += 1
        if not self.buffered or len(self._pending) >= BATCH:
            self.flush()

    def finish(self) -> None:
        """Write what is buffered, mark the entries used, and prune when the scan wrote entries."""
        self.flush()
        connection = self._connection(create=False) if (self._hit_keys or self.writes) else None
        if connection is None:
            self.close()
            return
        import sqlite3

        now = _now()
        try:
            with connection:
                connection.executemany("UPDATE entries SET used = ? WHERE key = ? AND used < ?",
                                       [(now, key, now) for key in dict.fromkeys(self._hit_keys)])
        except sqlite3.Error:
            pass
        self._hit_keys = []
        if self.writes:
            self.prune(max_bytes())
        self.close()

    def prune(self, limit: int) -> None:
        """Keep at most `limit` bytes of values: the least recently used go until 80 % of it is left."""
        connection = self._connection(create=False)
        if connection is None:
            return
        import sqlite3

        try:
            with connection:
                total = connection.execute("SELECT coalesce(sum(size), 0) FROM entries").fetchone()[0]
                if total <= limit:
                    return
                excess, doomed = total - int(limit * 0.8), []
                for key, size in connection.execute("SELECT key, size FROM entries ORDER BY used, key"):
                    if excess <= 0:
                        break
                    doomed.append((key,))
                    excess -= size
                connection.executemany("DELETE FROM entries WHERE key = ?", doomed)
        except sqlite3.Error:
            pass

    def flush(self) -> None:
        """Write what is buffered now (`put` when the buffer is full, `finish`, and a worker process after
        each chunk of files: its writes go while the other workers compute, not all at the pool's shutdown)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        connection = self._connection(create=True)
        if connection is None:
            return
        import sqlite3

        try:
            with connection:
                connection.executemany("INSERT OR REPLACE INTO entries (key, value, size, used) VALUES (?, ?, ?, ?)",
                                       pending)
        except sqlite3.Error:
            pass   # busy beyond the timeout, disk full, read-only: the entries are just not cached

    # -- the database ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close this scan's connection (a worker's stays open for the process's next files)."""
        connection, self._connection_here = self._connection_here, None
        if connection is not None and self.buffered:
            connection.close()

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        """The connection to the database (None when it cannot be used, or does not exist yet and `create`
        is false): a scan's own, or, for a worker process's caches (one per file), the process's one."""
        if self._connection_here is not None or self._broken:
            return self._connection_here
        slot = (os.getpid(), str(self.database))
        identity = _identity(self.database)
        known = None if self.buffered else _connections.pop(slot, None)
        if known is not None and known[1] == identity:
            _connections[slot] = known
            self._connection_here = known[0]
            return known[0]
        if known is not None:          # the file was removed or replaced since (e.g. `rm -r` of the cache)
            known[0].close()
        if not create and identity is None:
            return None
        import sqlite3

        try:
            connection = _connect(self.database)
        except (OSError, sqlite3.Error):
            connection = None
        if connection is None:
            self._broken = True
            return None
        if not self.buffered:
            while len(_connections) >= _KEPT_CONNECTIONS:   # a bound: one per cache a process writes to
                oldest = next(iter(_connections))
                _connections.pop(oldest)[0].close()
            _connections[slot] = (connection, _identity(self.database))
        self._connection_here = connection
        return connection


# One encoder for every entry (`json.dumps` with arguments makes one per call) without the check for cycles: an
# entry is made of the plain dicts and lists of an outcome's JSON dumps, which hold none (that check kept a
# table of every dict and list being encoded, a tenth of the encoding). Compact ASCII JSON, as `json.dumps`
# with these separators writes it.
_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def encode(entry: dict[str, Any]) -> bytes:
    """An entry as the cache stores it (after its digest): compact ASCII JSON with the format version."""
    return _ENCODER.encode({"format": FORMAT_VERSION, **entry}).encode("ascii")


def _sealed(key: str, payload: bytes) -> bytes:
    """The stored value: a digest of the payload tied to its key, then the payload (see `_entry`)."""
    return _digest(key, payload) + payload


def _digest(key: str, payload: bytes) -> bytes:
    """The integrity digest of a stored payload, keyed by its entry's key (a value moved to another key
    fails)."""
    return digests.blake2b(payload, digest_size=_DIGEST_BYTES, key=key.encode()).digest()


def _entry(key: str, value: object) -> dict[str, Any] | None:
    """The entry a stored value holds, or None when it is not one airguard wrote for this key: the digest
    catches a changed, truncated or moved value (so `scanner.collect.unit` can trust what it reads back and
    build its models without validating them again), then the JSON and its format are checked."""
    if not isinstance(value, bytes) or len(value) < _DIGEST_BYTES:
        return None
    payload = value[_DIGEST_BYTES:]
    if _digest(key, payload) != value[:_DIGEST_BYTES]:
        return None
    try:
        entry = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT_VERSION:
        return None
    return entry


def _identity(database: Path) -> tuple[int, int] | None:
    try:
        stat = database.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _now() -> int:
    """Recency in hours: an entry used again within the hour is not written again."""
    return int(time.time()) // 3600


def _connect(database: Path) -> sqlite3.Connection | None:
    """Open (create) the database; a corrupt one is replaced once, a symlink or non-file is refused."""
    if database.is_symlink() or (database.exists() and not database.is_file()):
        return None
    import sqlite3

    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    locked_tries = 0
    attempt = 0
    while attempt < 2:
        fresh = not database.exists()
        connection = sqlite3.connect(database, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            # taken by an empty database only (one in use keeps its own): asked of every connection, so a
            # sibling worker that opens the new file a moment after another still makes it with these pages
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            _set_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                _create_schema(connection)
                if fresh:
                    _remove_file_entries(database.parent)
            connection.isolation_level = "DEFERRED"
            return connection
        except sqlite3.DatabaseError as exc:
            connection.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc) and locked_tries < _LOCKED_TRIES:
                # another process (a sibling worker) is creating the same new database this instant
                locked_tries += 1
                time.sleep(0.05)
                continue
            if attempt or isinstance(exc, sqlite3.OperationalError):   # locked, read-only: not corrupt
                return None
            for suffix in ("", "-wal", "-shm"):                      # not a database: start again
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            attempt += 1
    return None


_LOCKED_TRIES = 100   # x 50 ms: as long as the busy timeout, for what the busy handler does not cover


def _set_wal(connection: sqlite3.Connection) -> None:
    """WAL mode; a database already in it is left alone (changing the mode takes a lock that the busy
    timeout does not wait for when a sibling process is setting up the same new file)."""
    if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        connection.execute("PRAGMA journal_mode = WAL")


def _create_schema(connection: sqlite3.Connection) -> None:
    """The table, made once even when concurrent scans open a new database at the same time.

    A plain (rowid) table, its value last. Rows are appended in rowid order and found through the key's
    index. Schema 2 was a WITHOUT ROWID table keyed by the key, a random hash: each insert went to a random
    leaf of a tree whose rows (2 KB on average) mostly spilled to overflow pages, so a commit rewrote pages
    all over the file (on 10,000 entries: 3-4x the CPU time of this table to write them, 2x to read them
    back). And `size` and `used` came after the value, so pruning, which reads them, walked every value's
    overflow pages to reach them."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            connection.execute("DROP TABLE IF EXISTS entries")
            connection.execute("CREATE TABLE entries (key TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, "
                               "used INTEGER NOT NULL, value BLOB NOT NULL)")
            connection.execute("CREATE INDEX entries_used ON entries (used)")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _remove_file_entries(directory: Path) -> None:
    """The entries of the former format (a JSON file per entry, and temp files) next to a new database."""
    try:
        with os.scandir(directory) as scan:
            names = [e.name for e in scan if e.name.endswith((".json", ".tmp")) and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for name in names:
        try:
            os.unlink(directory / name)
        except OSError:
            pass


def _forget_inherited_connections() -> None:
    """In a forked child: the parent's connections are the parent's (SQLite forbids using them across a
    fork); the child opens its own. They are kept referenced, never closed, so nothing runs on them here."""
    _inherited.extend(connection for connection, _ in _connections.values())
    _connections.clear()


_inherited: list[sqlite3.Connection] = []
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)
