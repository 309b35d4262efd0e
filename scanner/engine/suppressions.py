"""Inline suppressions: ``# airguard: ignore[AG101] reason`` on the line or the line above."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.collect.source import SourceFile
from scanner.model import FileLocation, Resource, Source

SUPPRESSION = "airguard.suppression"
_COMMENT = re.compile(r"(?:#|//|--)\s*airguard:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>[^\n]*)", re.IGNORECASE)


@dataclass
class InlineSuppression:
    path: str
    line: int
    column: int
    rules: list[str]
    reason: str

    def covers(self, rule_id: str, rule_name: str) -> bool:
        return any(r in (rule_id, rule_name, "*", "all") for r in self.rules)


def find_suppressions(source: SourceFile) -> list[InlineSuppression]:
    if "airguard:" not in source.text:
        return []
    found = []
    for number, line in enumerate(source.lines, start=1):
        match = _COMMENT.search(line)
        if match:
            rules = [r.strip() for r in match.group("ids").split(",") if r.strip()]
            reason = match.group("reason").strip().lstrip(":-—").strip()
            found.append(InlineSuppression(source.path, number, match.start() + 1, rules, reason))
    return found


def as_resource(suppression: InlineSuppression) -> Resource:
    location = FileLocation(path=suppression.path, start_line=suppression.line, start_column=suppression.column)
    return Resource(
        id=f"{SUPPRESSION}:{suppression.path}:{suppression.line}",
        type=SUPPRESSION,
        name=",".join(suppression.rules) or "(none)",
        attributes={"rules": suppression.rules, "reason": suppression.reason,
                    "has_reason": bool(suppression.reason)},
        source=Source(file=location),
    )


class SuppressionIndex:
    def __init__(self, suppressions: list[InlineSuppression]) -> None:
        self._by_line: dict[tuple[str, int], list[InlineSuppression]] = {}
        for suppression in suppressions:
            self._by_line.setdefault((suppression.path, suppression.line), []).append(suppression)

    def match(self, rule_id: str, rule_name: str, location: FileLocation | None) -> InlineSuppression | None:
        if location is None:
            return None
        lines = {location.start_line, location.start_line - 1}
        if location.end_line:
            lines.add(location.end_line)
        for line in sorted(lines):
            for suppression in self._by_line.get((location.path, line), []):
                if suppression.covers(rule_id, rule_name):
                    return suppression
        return None
