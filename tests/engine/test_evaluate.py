"""Snippets read line N of a file through `LineIndex` (no list of every line kept): the same lines, and
the same count, as str.splitlines gives, whatever the line breaks."""

from __future__ import annotations

import random

from scanner.engine.evaluate import LineIndex

PIECES = ["a", "bc", "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", " ", "é"]


def test_line_index_numbers_lines_as_splitlines() -> None:
    rng = random.Random(3)
    for _ in range(5000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        index = LineIndex(text)
        assert [index.line(n) for n in range(1, len(index) + 1)] == text.splitlines(), repr(text)


def test_line_index_on_plain_files() -> None:
    assert len(LineIndex("")) == 0
    assert len(LineIndex("one\n")) == 1 and LineIndex("one\n").line(1) == "one"
    index = LineIndex("a = 1\r\nb = 2\n\nc = 3")
    assert (len(index), index.line(2), index.line(3), index.line(4)) == (4, "b = 2", "", "c = 3")


def test_line_index_split_in_pieces_numbers_lines_as_whole(monkeypatch) -> None:
    """A long text is split into lines a piece at a time: a piece ending inside "\\r\\n" or a run of breaks
    must not change a line."""
    monkeypatch.setattr(LineIndex, "CHUNK", 3)
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        index = LineIndex(text)
        assert [index.line(n) for n in range(1, len(index) + 1)] == text.splitlines(), repr(text)
