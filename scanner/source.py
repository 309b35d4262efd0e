"""A file being scanned: its repo-relative path, its text and helpers to point into it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.model import FileLocation


@dataclass
class Span:
    """A place in a file: 1-based lines and columns, end inclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class SourceFile:
    """A scanned file's text, its repo-relative and absolute paths, and its lines when asked for.

    A scan keeps one per file it read to the end (for snippets, suppressions and SARIF line hashes): the
    absolute path is kept as its text and made a `Path` when asked for (a `Path` and its list of parts were
    0.4 KB of each), in slots (no instance dict)."""

    __slots__ = ("path", "_absolute", "text", "_lines")

    def __init__(self, path: str, absolute: Path | str, text: str, _lines: list[str] | None = None) -> None:
        self.path = path     # repo-relative, with forward slashes
        self._absolute = str(absolute)
        self.text = text
        self._lines = _lines

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, absolute={self.absolute!r}, text={self.text!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not SourceFile:
            return NotImplemented
        return (self.path, self._absolute, self.text, self._lines) == \
            (other.path, other._absolute, other.text, other._lines)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as the dataclass it was)

    @property
    def absolute(self) -> Path:
        return Path(self._absolute)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    @property
    def name(self) -> str:
        return self.absolute.name

    def location(self, line: int, column: int = 1, end_line: int | None = None,
                 end_column: int | None = None) -> FileLocation:
        return FileLocation(path=self.path, start_line=line, start_column=column,
                            end_line=end_line if end_line is not None else line, end_column=end_column)

    def span_location(self, span: Span | object) -> FileLocation:
        return self.location(span.line, span.column, span.end_line, span.end_column)  # type: ignore[attr-defined]

    def find(self, span: Span | FileLocation | object, needles: list[str]) -> FileLocation | None:
        """Where the first of `needles` is written inside `span` (exact line and column)."""
        if isinstance(span, FileLocation):
            start_line, start_column = span.start_line, span.start_column
            end_line = span.end_line or span.start_line
        else:
            start_line = span.line  # type: ignore[attr-defined]
            start_column = span.column  # type: ignore[attr-defined]
            end_line = span.end_line  # type: ignore[attr-defined]
        lines = self.lines
        for needle in needles:
            if not needle:
                continue
            for number in range(start_line, min(end_line, len(lines)) + 1):
                text = lines[number - 1]
                offset = start_column - 1 if number == start_line else 0
                index = text.find(needle, offset)
                if index >= 0:
                    return self.location(number, index + 1, number, index + len(needle))
        return None
