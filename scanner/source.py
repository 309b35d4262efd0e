"""A file being scanned: its repo-relative path, its text and helpers to point into it."""

from __future__ import annotations

from pathlib import PurePath

from scanner.model import FileLocation

# Plain classes, not dataclasses: every scan imports this module, and a dataclass costs ~3M instructions to
# create.


class Span:
    """A place in a file: 1-based lines and columns, end inclusive."""

    __slots__ = ("column", "end_column", "end_line", "line")

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column


class SourceFile:
    """A scanned file's text, its repo-relative and absolute paths, and its lines when asked for.

    A scan keeps one per file it read to the end (for snippets, suppressions and SARIF line hashes), in slots,
    with its absolute path as text (given as a `Path` or text: a `Path` and its list of parts were 0.4 KB of
    each)."""

    __slots__ = ("_lines", "absolute", "path", "text")

    def __init__(self, path: str, absolute: str | PurePath, text: str) -> None:
        self.path = path  # repo-relative, with forward slashes
        self.absolute = str(absolute)
        self.text = text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    @property
    def name(self) -> str:
        return PurePath(self.absolute).name

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
