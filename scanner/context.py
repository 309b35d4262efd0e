"""State shared by one scan: where it runs from, the redactor, the notices, the files read."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from scanner import safeio
from scanner.findings import Notice
from scanner.model import FileLocation
from scanner.secrets import Redactor
from scanner.source import SourceFile


class ScanContext:
    """The state collectors share during one scan: its root, redactor, notices, sources and counts. (A plain
    class: every scan imports this module, and a dataclass costs ~3M instructions to create.)"""

    def __init__(self, root: Path, redactor: Redactor | None = None, notices: list[Notice] | None = None,
                 sources: dict[str, SourceFile] | None = None, files_scanned: int = 0,
                 aws_locations: dict[str, FileLocation] | None = None, boundaries: list[Path] | None = None,
                 strings: dict[str, str] | None = None) -> None:
        self.root = root
        self.redactor = Redactor() if redactor is None else redactor
        self.notices: list[Notice] = [] if notices is None else notices
        self.sources: dict[str, SourceFile] = {} if sources is None else sources
        self.files_scanned = files_scanned
        # AWS resource id -> its line in an AWS snapshot inside the repository (a place for file-less findings)
        self.aws_locations: dict[str, FileLocation] = {} if aws_locations is None else aws_locations
        # Real folders every file read must resolve into (`scanner.safeio`); None = anywhere (tests, workers)
        self.boundaries = boundaries
        # One object per distinct string of the resources merged into this scan (`scanner.compact.Interner`):
        # files repeat the same ids, types, paths, keys and values, and each decoded outcome has its own copies
        self.strings: dict[str, str] = {} if strings is None else strings
        # What a collector leaves to finish once the rules have run (`scanner.scan.run_scan`), in order: its
        # worker processes' exits (each marks its cache hits used), which run beside the evaluation, then
        # this process's own cache writes
        self.finishers: list[Callable[[], None]] = []

    def notice(self, kind: str, message: str, path: str | None = None, line: int | None = None,
               column: int | None = None, level: str = "error", rule_id: str | None = None) -> None:
        self.notices.append(Notice(kind=kind, message=message, path=path, line=line, column=column,
                                   level=level, rule_id=rule_id))

    def read_file(self, path: Path, relative: str, cap: int = safeio.SCANNED_FILE_CAP) -> bytes | None:
        """A scanned file's bytes through the safe reader (inside the scan roots, a regular file, at most
        `cap` bytes), or None with an error notice: a file not read could hold findings (partial scan)."""
        try:
            return safeio.read_bytes(path, cap, self.boundaries)
        except safeio.ReadRefused as exc:
            self.notice("read-error", exc.message, relative)
            return None

    def relpath(self, path: Path) -> str:
        """The path as reports show it: relative to the report root with forward slashes when it is
        inside the root (as written, or once symlinks are resolved), else absolute. Never shortened to
        its name: `a/.env` and `b/.env` outside the root stay two files."""
        text = str(path)
        root = str(self.root)
        if text.startswith(root + os.sep) and ".." not in path.parts:
            return text[len(root) + 1:].replace(os.sep, "/")
        absolute = Path(os.path.abspath(path))  # lexical: a symlink inside the root stays inside it
        for base in dict.fromkeys((Path(os.path.abspath(self.root)), self.root.resolve())):
            if absolute.is_relative_to(base):
                return absolute.relative_to(base).as_posix()
        resolved = path.resolve()
        if resolved.is_relative_to(self.root.resolve()):
            return resolved.relative_to(self.root.resolve()).as_posix()
        return absolute.as_posix()

    def secret(self, value: object, path: str | None = None, line: int | None = None) -> None:
        self.redactor.register(value, path, line)
