"""Places in a snapshot file for findings on AWS resources that no connection references, so that every
such finding points at a file of the repository when the snapshot is one (GitHub code scanning needs a
real file to show an alert at a line and to fingerprint it; a placeholder path gets neither).

- a resource read from the snapshot: the line of its `"id": ...` member (written one member per line by
  `write_snapshot`; a snapshot reformatted on fewer lines still works: the member is found anywhere);
- a resource airguard derives from the snapshot (the per-account CloudTrail summary): its account's
  entry in the snapshot's top-level `"accounts"` list;
- anything else: the first line of the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from scanner.model import FileLocation, Resource

# `...\s*,?\s*$` with the second run of spaces only after a comma: `\s*\s*` would try every split of a run
# of spaces (quadratic in it) before failing on what follows.
_ID_LINE = re.compile(r'^\s*"id"\s*:\s*("(?:[^"\\]|\\.)*")\s*(?:,\s*)?$')
# The same member anywhere in the text (a snapshot written on one line): each try stops at the next quote.
_ID_MEMBER = re.compile(r'"id"\s*:\s*("(?:[^"\\\n]|\\.)*")')
_ACCOUNTS = re.compile(r'"accounts"\s*:\s*\[')
_ACCOUNT = re.compile(r'"(\d{12})"')


def _positions(text: str, offsets: list[int]) -> dict[int, tuple[int, int]]:
    """Offset -> (line, column), both 1-based, for a few offsets: one walk through the text in offset
    order (no table of every line start: a snapshot can have millions of lines)."""
    found: dict[int, tuple[int, int]] = {}
    line, previous = 1, 0
    for offset in sorted(set(offsets)):
        line += text.count("\n", previous, offset)
        found[offset] = (line, offset - (text.rfind("\n", 0, offset) + 1) + 1)
        previous = offset
    return found


def _decoded(literal: str) -> str | None:
    try:
        value = json.loads(literal)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


# `_ID_LINE` from its `"id"` on, for a text whose only line break is "\n" (`_id_lines`): the spaces are those
# of `\s` but the newline, and the line ends at the next newline.
_ID_LINE_REST = re.compile(r'"id"[^\S\n]*:[^\S\n]*("(?:[^"\\\n]|\\.)*")[^\S\n]*(?:,[^\S\n]*)?$', re.MULTILINE)
# What str.splitlines() takes for a line break besides "\n"
_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _id_lines(text: str, path: str) -> dict[str, FileLocation]:
    """Resource id -> the first line that is its `"id"` member alone (`_ID_LINE`), numbered as
    `str.splitlines` numbers lines. Only the first `"id"` of a line can start such a line, so each line is
    looked at once, from there: no list of the file's lines (a 50,000-security-group snapshot has 6 million,
    450 MB as a list)."""
    if any(separator in text for separator in _OTHER_LINE_BREAKS):
        return _id_lines_split(text, path)
    found: dict[str, FileLocation] = {}
    number, counted_to = 1, 0
    at = text.find('"id"')
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        match = _ID_LINE_REST.match(text, at) if at == line_start or text[line_start:at].isspace() else None
        if match:
            resource_id = _decoded(match.group(1))
            if resource_id is not None and resource_id not in found:
                number += text.count("\n", counted_to, at)
                counted_to = at
                found[resource_id] = FileLocation(path=path, start_line=number, start_column=at - line_start + 1)
        line_end = text.find("\n", at)
        at = -1 if line_end < 0 else text.find('"id"', line_end)
    return found


def _id_lines_split(text: str, path: str) -> dict[str, FileLocation]:
    found: dict[str, FileLocation] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ID_LINE.match(line)
        if match:
            resource_id = _decoded(match.group(1))
            if resource_id is not None:
                found.setdefault(resource_id, FileLocation(path=path, start_line=number,
                                                           start_column=line.index('"') + 1))
    return found


def _id_members(text: str, wanted: set[str]) -> dict[str, int]:
    """Resource id -> offset of its first `"id": ...` member anywhere in the text."""
    found: dict[str, int] = {}
    for match in _ID_MEMBER.finditer(text):
        resource_id = _decoded(match.group(1))
        if resource_id in wanted and resource_id not in found:
            found[resource_id] = match.start()
    return found


def _account_entries(text: str) -> dict[str, int]:
    """Account id -> offset of its entry in the top-level `"accounts"` list (the first such list in the
    text: `write_snapshot` sorts keys, so it comes before any unit)."""
    found: dict[str, int] = {}
    start = _ACCOUNTS.search(text)
    if start is None:
        return found
    end = text.find("]", start.end())
    for match in _ACCOUNT.finditer(text, start.end(), len(text) if end < 0 else end):
        found.setdefault(match.group(1), match.start())
    return found


def snapshot_locations(text: str, path: str, resources: Iterable[Resource] = ()) -> dict[str, FileLocation]:
    """Resource id -> its place in the snapshot text at `path`: the ids written in the file, and every
    resource of `resources` (those written on fewer lines, those derived from the file) as the module
    docstring says, so that each has one."""
    found = _id_lines(text, path)
    missing = [resource for resource in resources if resource.id not in found]
    if not missing:
        return found
    # A file in write_snapshot's layout has every resource it holds on an "id" line: what is missing then is
    # derived, and the text need not be searched again.
    members = {} if found else _id_members(text, {resource.id for resource in missing})
    accounts = _account_entries(text)
    offsets: dict[str, int] = {}
    for resource in missing:
        account = resource.source.aws.account if resource.source.aws is not None else None
        offset = members.get(resource.id, accounts.get(account or ""))
        if offset is not None:
            offsets[resource.id] = offset
    positions = _positions(text, list(offsets.values()))
    for resource in missing:
        line, column = positions[offsets[resource.id]] if resource.id in offsets else (1, 1)
        found[resource.id] = FileLocation(path=path, start_line=line, start_column=column)
    return found
