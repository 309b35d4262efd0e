"""A content-hash cache of per-file collection outcomes (like ruff's), under the airguard cache dir.

Key: airguard version, a hash of the collector code, the file's kind, its repo-relative path and a
BLAKE2 hash of its bytes. Value: the file's outcome as JSON (`scanner.collect.unit`), with secrets
stored only as positions in the file's text. Writes are atomic (temp file + rename), a corrupt or
unreadable entry is a miss, and the cache is pruned to `MAX_ENTRIES` (oldest written first).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from scanner import __version__

FORMAT_VERSION = 1
MAX_ENTRIES = 20_000
_code_hash: str | None = None


def collector_code_hash() -> str:
    """A hash over the code that turns files into resources (name, size, mtime of each module, which is
    0.2 ms where reading them would be 5 ms on the pre-commit path): editing any of it invalidates the cache."""
    global _code_hash
    if _code_hash is None:
        package = Path(__file__).resolve().parent.parent
        digest = hashlib.blake2b(f"{__version__}\0{FORMAT_VERSION}".encode(), digest_size=16)
        for file in sorted([*package.glob("*.py"), *(package / "collect").rglob("*.py")]):
            stat = file.stat()
            digest.update(f"{file.relative_to(package).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        _code_hash = digest.hexdigest()
    return _code_hash


class FileCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / "files"
        self.writes = 0
        self.hits = 0
        self._made = False

    @classmethod
    def open(cls) -> FileCache | None:
        """The cache, or None when caching is off (`--no-cache`, or `AIRGUARD_CACHE_DIR` set empty)."""
        from scanner.cachedir import cache_dir

        directory = cache_dir()
        return None if directory is None else cls(directory)

    def key(self, kind: str, relative: str, data: bytes) -> str:
        digest = hashlib.blake2b(digest_size=20)
        from scanner.secrets import EXTRA_SENSITIVE_FIELDS  # the deployment's own masked names change results

        digest.update(f"{collector_code_hash()}\0{kind}\0{relative}\0{sorted(EXTRA_SENSITIVE_FIELDS)}\0".encode())
        digest.update(hashlib.blake2b(data, digest_size=32).digest())
        return digest.hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads((self.directory / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT_VERSION:
            return None
        self.hits += 1
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        target = self.directory / f"{key}.json"
        tmp = self.directory / f".{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            if not self._made:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._made = True
            tmp.write_text(json.dumps({"format": FORMAT_VERSION, **entry}, separators=(",", ":")), "utf-8")
            os.replace(tmp, target)
            self.writes += 1
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass

    def finish(self) -> None:
        """Prune after a scan that wrote entries."""
        if self.writes:
            self.prune(MAX_ENTRIES)

    def prune(self, max_entries: int) -> None:
        """Keep at most `max_entries` entries (drop the oldest written to 80 % of it); stale temp files go."""
        try:
            with os.scandir(self.directory) as scan:
                entries = list(scan)
        except OSError:
            return
        if len(entries) <= max_entries:
            return
        aged = []
        for entry in entries:
            try:
                aged.append((entry.stat().st_mtime, entry.path))
            except OSError:
                continue
        aged.sort()
        for _, path in aged[: len(aged) - int(max_entries * 0.8)]:
            try:
                os.unlink(path)
            except OSError:
                pass
