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

import bisect
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


class _Lines:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


def _decoded(literal: str) -> str | None:
    try:
        value = json.loads(literal)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _id_lines(text: str, path: str) -> dict[str, FileLocation]:
    found: dict[str, FileLocation] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ID_LINE.match(line)
        if match:
            resource_id = _decoded(match.group(1))
            if resource_id is not None:
                found.setdefault(resource_id, FileLocation(path=path, start_line=number,
                                                           start_column=line.index('"') + 1))
    return found


def _id_members(text: str, path: str, wanted: set[str], lines: _Lines) -> dict[str, FileLocation]:
    found: dict[str, FileLocation] = {}
    for match in _ID_MEMBER.finditer(text):
        resource_id = _decoded(match.group(1))
        if resource_id in wanted and resource_id not in found:
            line, column = lines.at(match.start())
            found[resource_id] = FileLocation(path=path, start_line=line, start_column=column)
    return found


def _account_entries(text: str, path: str, lines: _Lines) -> dict[str, FileLocation]:
    """Account id -> its entry in the top-level `"accounts"` list (the first such list in the text:
    `write_snapshot` sorts keys, so it comes before any unit)."""
    found: dict[str, FileLocation] = {}
    start = _ACCOUNTS.search(text)
    if start is None:
        return found
    end = text.find("]", start.end())
    end = len(text) if end < 0 else end
    for match in _ACCOUNT.finditer(text, start.end(), end):
        line, column = lines.at(match.start())
        found.setdefault(match.group(1), FileLocation(path=path, start_line=line, start_column=column))
    return found


def snapshot_locations(text: str, path: str, resources: Iterable[Resource] = ()) -> dict[str, FileLocation]:
    """Resource id -> its place in the snapshot text at `path`: the ids written in the file, and every
    resource of `resources` (those written on fewer lines, those derived from the file) as the module
    docstring says, so that each has one."""
    found = _id_lines(text, path)
    missing = [resource for resource in resources if resource.id not in found]
    if not missing:
        return found
    lines = _Lines(text)
    found.update(_id_members(text, path, {resource.id for resource in missing}, lines))
    accounts: dict[str, FileLocation] | None = None
    for resource in missing:
        if resource.id in found:
            continue
        if accounts is None:
            accounts = _account_entries(text, path, lines)
        account = resource.source.aws.account if resource.source.aws is not None else None
        found[resource.id] = accounts.get(account or "") or FileLocation(path=path, start_line=1, start_column=1)
    return found
