"""Lines of resources in a snapshot file, so a finding on an AWS resource that no connection
references still has a place in the repository (GitHub code scanning needs a file for every result)."""

from __future__ import annotations

import json
import re

from scanner.model import FileLocation

# `...\s*,?\s*$` with the second run of spaces only after a comma: `\s*\s*` would try every split of a run
# of spaces (quadratic in it) before failing on what follows.
_ID_LINE = re.compile(r'^\s*"id"\s*:\s*("(?:[^"\\]|\\.)*")\s*(?:,\s*)?$')


def snapshot_locations(text: str, path: str) -> dict[str, FileLocation]:
    """Resource id -> the line of its `"id": ...` member in the snapshot text (written one member
    per line by `write_snapshot`)."""
    found: dict[str, FileLocation] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ID_LINE.match(line)
        if match:
            try:
                resource_id = json.loads(match.group(1))
            except ValueError:
                continue
            found.setdefault(resource_id, FileLocation(path=path, start_line=number,
                                                       start_column=line.index('"') + 1))
    return found
