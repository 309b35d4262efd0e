"""GitHub's line fingerprint: `partialFingerprints.primaryLocationLineHash`, the only fingerprint code
scanning uses to keep an alert the same alert when lines are inserted above it.

The algorithm is the one `github/codeql-action` applies at upload (src/fingerprints.ts), so the value
airguard writes is the value the upload would compute: a rolling hash (base 37, 64-bit wrap-around) over
the first 100 characters of the text from the start of each line on, counted as UTF-16 code units,
skipping spaces and tabs, with every line ending read as `\\n`, an end-of-file mark (65535) and zero
padding after the last line; a hash that repeats gets `:N`, its N-th occurrence in the file.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


def line_hashes(text: str, wanted: Iterable[int]) -> dict[int, str]:
    """The `primaryLocationLineHash` of each 1-based line in `wanted` that exists in `text`.

    Stops as soon as the last wanted line has its hash, so a finding near the top of a large file costs
    little; counts of repeated hashes only depend on the lines before, so they are the same.
    """
    lines = set(wanted)
    if not lines:
        return {}
    last = max(lines)
    found: dict[int, str] = {}
    window = [0] * BLOCK_SIZE
    line_at = [-1] * BLOCK_SIZE
    counts: dict[int, int] = {}
    state = {"hash": 0, "index": 0}

    def output() -> None:
        index = state["index"]
        value = state["hash"]
        counts[value] = counts.get(value, 0) + 1
        if line_at[index] in lines:
            found[line_at[index]] = f"{value:x}:{counts[value]}"
        line_at[index] = -1

    def update(current: int) -> None:
        index = state["index"]
        begin = window[index]
        window[index] = current
        state["hash"] = (_MOD * state["hash"] + current - _FIRST_MOD * begin) & _MASK
        state["index"] = (index + 1) % BLOCK_SIZE

    units = array("H")
    units.frombytes(text.encode("utf-16-le", errors="surrogatepass"))
    line_number = 0
    line_start = True
    previous_cr = False
    for current in (*units, _EOF):
        if current in (_SPACE, _TAB) or (previous_cr and current == _LF):
            previous_cr = False
            continue
        if current == _CR:
            current, previous_cr = _LF, True
        else:
            previous_cr = False
        if line_at[state["index"]] != -1:
            output()
            if line_at_done(found, lines, last):
                return found
        if line_start:
            line_start = False
            line_number += 1
            line_at[state["index"]] = line_number
        if current == _LF:
            line_start = True
        update(current)
    for _ in range(BLOCK_SIZE):
        if line_at[state["index"]] != -1:
            output()
        update(0)
    return found


def line_at_done(found: dict[int, str], lines: set[int], last: int) -> bool:
    return last in found and len(found) == len(lines)
