"""Inline suppressions: an ``airguard: ignore[AG101] reason`` comment on the finding's own line, or an
``airguard: ignore-next-line[AG101] reason`` comment on the line above it.

Only real comments of the file's own syntax count, never text that merely looks like one (a string
literal, a quoted YAML value, a URI fragment in a .env value): a scanned repository must not be able to
silence findings through data. Where a comment can stand: `scanner.engine.comments`.
"""

from __future__ import annotations

import re

from scanner.model import FileLocation, Resource, Source
from scanner.source import SourceFile

SUPPRESSION = "airguard.suppression"
# Inside a comment: the comment's own prefix (or a later '#') then the marker.
_MARKER = re.compile(r"(?:^[#;]+|#)\s*airguard:\s*ignore(?P<next>-next-line)?\[(?P<ids>[^\]\r\n]*)\]"
                     r"(?P<reason>[^\r\n]*)", re.IGNORECASE)
_MAYBE = re.compile(r"airguard:\s*ignore", re.IGNORECASE)


class InlineSuppression:
    """An `airguard: ignore[...]` comment: where it is written, the rules it names and its reason. (A plain
    class: every scan imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("column", "line", "next_line", "path", "reason", "rules")

    def __init__(self, path: str, line: int, column: int, rules: list[str], reason: str,
                 next_line: bool = False) -> None:
        self.path = path
        self.line = line  # where the comment is written
        self.column = column
        self.rules = rules
        self.reason = reason
        self.next_line = next_line  # `ignore-next-line`: covers line + 1 instead of its own line

    @property
    def target_line(self) -> int:
        return self.line + 1 if self.next_line else self.line

    def covers(self, rule_id: str, rule_name: str) -> bool:
        return any(r in (rule_id, rule_name, "*", "all") for r in self.rules)


def find_suppressions(source: SourceFile) -> list[InlineSuppression]:
    """The suppression comments of a scanned file, read with the comment syntax of its kind."""
    # `_MAYBE` ignores case: read at ~120 MB/s it was the largest part of this stage on large trees. Every
    # character it takes for one of "guard:" is that character in lower case (tests/hostile check it over all
    # of Unicode), so a text whose lower case has no "guard:" has no marker (str.lower and find: GB/s).
    if "guard:" not in source.text.lower() or not _MAYBE.search(source.text):
        return []
    from scanner.engine.comments import comments  # past the marker test: most scans never load the readers

    found = []
    for line, column, comment in comments(source):
        match = _MARKER.search(comment)
        if match is None:
            continue
        rules = [r.strip() for r in match.group("ids").split(",") if r.strip()]
        reason = match.group("reason").strip().lstrip(":-—").strip()
        found.append(InlineSuppression(source.path, line, column, rules, reason, bool(match.group("next"))))
    return found


def as_resource(suppression: InlineSuppression) -> Resource:
    """The suppression as a resource rules can judge (AG001)."""
    location = FileLocation(suppression.path, suppression.line, suppression.column)
    return Resource(
        id=f"{SUPPRESSION}:{suppression.path}:{suppression.line}",
        type=SUPPRESSION,
        name=",".join(suppression.rules) or "(none)",
        attributes={"rules": suppression.rules, "reason": suppression.reason,
                    "has_reason": bool(suppression.reason), "next_line": suppression.next_line},
        source=Source(file=location))


class SuppressionIndex:
    """Which suppression covers a finding: one on the finding's first or last line, or an
    `ignore-next-line` one on the line above it. A same-line comment never reaches another line."""

    def __init__(self, suppressions: list[InlineSuppression]) -> None:
        self._by_line: dict[tuple[str, int], list[InlineSuppression]] = {}
        for suppression in suppressions:
            self._by_line.setdefault((suppression.path, suppression.target_line), []).append(suppression)

    def match(self, rule_id: str, rule_name: str, location: FileLocation | None) -> InlineSuppression | None:
        if location is None:
            return None
        lines = {location.start_line}
        if location.end_line:
            lines.add(location.end_line)
        for line in sorted(lines):
            for suppression in self._by_line.get((location.path, line), []):
                if suppression.covers(rule_id, rule_name):
                    return suppression
        return None
