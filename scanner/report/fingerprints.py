"""GitHub's line fingerprint: `partialFingerprints.primaryLocationLineHash`, the only fingerprint code
scanning uses to keep an alert the same alert when lines are inserted above it.

The value is the one `github/codeql-action` computes at upload (src/fingerprints.ts), so the value airguard
writes is the value the upload would compute. That algorithm reads the text as UTF-16 code units, skips
spaces and tabs, reads every line ending as `\\n`, appends an end-of-file mark (65535) and zero padding,
and gives each line the hash of the 100 units from the line's first (kept) unit on:
``sum(unit[i] * 37 ** (99 - i)) mod 2**64`` (its rolling hash, written out); a hash that repeats gets
`:N`, its N-th occurrence among the lines of the file so far.

codeql-action rolls that hash unit by unit; in Python that costs ~0.4 µs per unit. Here the windows of
all wanted lines (of many files at once) are laid out as rows of a byte matrix and hashed column by
column with Horner's rule on one big integer holding a 72-bit slot per row: each of the 100 steps is a
few linear-time big-integer operations, so the per-unit work runs in C. A slot never overflows
(< 2**64 * 37 + 2**16 < 2**72), so rows never mix. Only lines up to the last wanted one of a file are
hashed (repeat counts depend only on the lines before), and the matrix is hashed in bounded batches, each
distinct window of a batch once.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice

BLOCK_SIZE = 100
_BASE = 37
_EOF = b"\xff\xff"                      # the end-of-file mark, one UTF-16 unit (65535), little-endian
_ROW = 2 * BLOCK_SIZE                   # bytes per window: 100 little-endian UTF-16 units
_PADDING = b"\0" * _ROW                 # windows reaching past the end read zeros
_SLOT = 9                               # bytes per row in the big integer (72 bits)
ROWS_PER_BATCH = 16_384                 # 3 MiB of windows per batch (and a 144 KiB integer)


def line_hashes(text: str, wanted: Iterable[int]) -> dict[int, str]:
    """The `primaryLocationLineHash` of each 1-based line in `wanted` that exists in `text`."""
    return line_hashes_of_files([(text, wanted)])[0]


def line_hashes_of_files(requests: Iterable[tuple[str, Iterable[int]]]) -> list[dict[int, str]]:
    """`line_hashes` of many texts (one dict per request, in order), hashed together in batches."""
    hasher = _Hasher()
    found: list[dict[int, str]] = []
    for text, wanted in requests:
        state = _FileState({line for line in wanted if line >= 1})
        found.append(state.found)
        if state.lines:
            first = 1
            for rows in _windows(text, max(state.lines)):
                hasher.add(state, first, rows)
                first += len(rows)
    hasher.flush()
    return found


class _FileState:
    """One file's wanted lines, the repeat count of each hash so far, and the values found."""

    __slots__ = ("counts", "found", "lines", "pending")

    def __init__(self, lines: set[int]) -> None:
        self.lines = lines
        self.pending = sorted(lines, reverse=True)   # the wanted lines not reached yet, the next one last
        self.counts: Counter[int] = Counter()
        self.found: dict[int, str] = {}

    def take(self, first: int, hashes: array[int]) -> None:
        """The hashes of lines `first`, `first` + 1, ...: counted (by `Counter.update`, in C, not one Python
        step per line), and the value of each wanted line among them filed with its count so far."""
        counts, pending, found = self.counts, self.pending, self.found
        end = first + len(hashes)
        counted = first   # lines before this one are counted
        while pending and pending[-1] < end:
            number = pending.pop()
            counts.update(hashes[counted - first:number - first + 1])
            value = hashes[number - first]
            found[number] = f"{value:x}:{counts[value]}"
            counted = number + 1
        if pending:   # a wanted line in a later batch: its count includes these lines
            counts.update(hashes[counted - first:])


class _Hasher:
    """Windows waiting to be hashed, with the file (and first line) each run of them belongs to."""

    def __init__(self) -> None:
        self.rows: list[bytes] = []
        self.owners: list[tuple[_FileState, int, int]] = []   # (file, its first line here, rows)

    def add(self, state: _FileState, first: int, rows: list[bytes]) -> None:
        while rows:
            room = ROWS_PER_BATCH - len(self.rows)
            taken, rows = rows[:room], rows[room:]
            self.rows.extend(taken)
            self.owners.append((state, first, len(taken)))
            first += len(taken)
            if len(self.rows) >= ROWS_PER_BATCH:
                self.flush()

    def flush(self) -> None:
        hashes = _hash_rows(self.rows)
        start = 0
        for state, first, count in self.owners:
            state.take(first, hashes[start:start + count])
            start += count
        self.rows, self.owners = [], []


def _windows(text: str, last: int) -> Iterator[list[bytes]]:
    """The 100-unit window (200 bytes, zero-padded) of each line up to `last`, in lists of bounded size."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "")
    if "\t" in normalised:   # (two replace calls: a third of str.translate's time)
        normalised = normalised.replace("\t", "")
    padded = normalised.encode("utf-16-le", "surrogatepass") + _EOF + _PADDING
    lines = normalised.split("\n", last - 1)       # line k starts after the k-1 line feeds before it
    if len(padded) == 2 * len(normalised) + len(_EOF) + len(_PADDING):
        lengths = map(len, lines[:-1])              # one UTF-16 unit per character
    else:                                           # characters beyond the BMP are two units
        lengths = (len(line.encode("utf-16-le", "surrogatepass")) // 2 for line in lines[:-1])
    offsets = accumulate(map((2).__add__, map((2).__mul__, lengths)), initial=0)   # in bytes
    while rows := [padded[offset: offset + _ROW] for offset in islice(offsets, ROWS_PER_BATCH)]:
        yield rows


def _hash_rows(rows: list[bytes]) -> array[int]:
    """The hash of each window, each distinct window hashed once (`_hash_distinct`): files repeat lines
    (imports, a team's boilerplate, a connection's settings), and equal windows have equal hashes; on the
    bench trees three in five windows repeat one already in their batch."""
    distinct: dict[bytes, int] = dict.fromkeys(rows)  # type: ignore[arg-type]  # positions filled below
    if len(distinct) == len(rows):
        return _hash_distinct(rows)
    for position, row in enumerate(distinct):
        distinct[row] = position
    hashes = _hash_distinct(list(distinct))
    return array("Q", map(hashes.__getitem__, map(distinct.__getitem__, rows)))


def _hash_distinct(rows: list[bytes]) -> array[int]:
    """The hash of each window: Horner's rule over the 100 columns, every row at once in its own slot."""
    count = len(rows)
    hashes = array("Q")
    if not count:
        return hashes
    matrix = b"".join(rows)
    keep = int.from_bytes((b"\xff" * 8 + b"\0") * count, "little")    # the low 64 bits of every slot
    column = bytearray(_SLOT * count)
    value = 0
    for unit in range(BLOCK_SIZE):
        column[0::_SLOT] = matrix[2 * unit::_ROW]
        column[1::_SLOT] = matrix[2 * unit + 1::_ROW]
        value = ((value * _BASE) & keep) + int.from_bytes(column, "little")
    slots = value.to_bytes(_SLOT * count, "little")
    packed = bytearray(8 * count)
    for byte in range(8):
        packed[byte::8] = slots[byte::_SLOT]
    hashes.frombytes(bytes(packed))
    if sys.byteorder == "big":  # pragma: no cover
        hashes.byteswap()
    return hashes
