"""What a scan produces: findings, notices about what could not be read, and the report."""

from __future__ import annotations

from enum import Enum
from typing import Any

from scanner.model import AwsIdentity, FileLocation
from scanner.records import Record


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @property
    def security_severity(self) -> str:
        """GitHub code scanning's CVSS-like score, as a string."""
        return _SECURITY_SEVERITY[self]

    @property
    def sarif_level(self) -> str:
        return {"critical": "error", "high": "error", "medium": "warning"}.get(self.value, "note")


_SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                      Severity.LOW: "3.0", Severity.INFO: "0.0"}


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def sarif_precision(self) -> str:
        return {"high": "very-high", "medium": "high", "low": "medium"}[self.value]


# Suppressions, findings and notices are plain slotted records (`scanner.records`: a dataclass's equality and
# repr, and unhashable like one), as the resources are (`scanner.model`): every scan imports this module, and a
# dataclass costs ~3M instructions to create (and `dataclasses` ~44M to import). Airguard makes them from its own
# values; a report read back from outside (`scanner.aws.securityhub`) checks its fields.
class Suppression(Record):
    """Why a finding does not count: an inline comment, a baseline entry or the configuration."""

    __slots__ = _fields = ("kind", "justification", "location")

    def __init__(self, kind: str = "inline", justification: str = "", location: FileLocation | None = None) -> None:
        self.kind = kind                      # inline (a comment in the source) | baseline | config
        self.justification = justification
        self.location = location


class Finding(Record):
    """One rule failing on one resource: what, where, how severe, and what else is involved."""

    __slots__ = _fields = ("rule_id", "rule_name", "title", "severity", "confidence", "message", "resource_id",
                           "resource_type", "resource_name", "location", "snippet", "aws", "related",
                           "related_labels", "related_omitted", "fingerprint", "suppression", "tags", "help_uri")

    def __init__(self, rule_id: str, rule_name: str, title: str, severity: Severity, confidence: Confidence,
                 message: str, resource_id: str, resource_type: str, resource_name: str,
                 location: FileLocation | None = None, snippet: str | None = None, aws: AwsIdentity | None = None,
                 related: list[FileLocation] | None = None, related_labels: list[str] | None = None,
                 related_omitted: int = 0, fingerprint: str = "", suppression: Suppression | None = None,
                 tags: list[str] | None = None, help_uri: str | None = None) -> None:
        self.rule_id = rule_id
        self.rule_name = rule_name
        self.title = title
        self.severity = severity
        self.confidence = confidence
        self.message = message
        self.resource_id = resource_id
        self.resource_type = resource_type
        self.resource_name = resource_name
        self.location = location
        self.snippet = snippet
        self.aws = aws
        self.related = [] if related is None else related
        self.related_labels = [] if related_labels is None else related_labels
        self.related_omitted = related_omitted   # related locations left out (`scanner.engine.evaluate.MAX_RELATED`)
        self.fingerprint = fingerprint
        self.suppression = suppression
        self.tags = [] if tags is None else tags
        self.help_uri = help_uri

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            loc.path if loc else "~",
            loc.start_line if loc else 0,
            loc.start_column if loc else 0,
            self.rule_id,
            self.aws.arn if self.aws else "",
            self.fingerprint,
        )


class Notice(Record):
    """Something the scan could not do: a file it could not read, a rule it could not evaluate."""

    __slots__ = _fields = ("kind", "message", "path", "line", "column", "rule_id", "level")

    def __init__(self, kind: str, message: str, path: str | None = None, line: int | None = None,
                 column: int | None = None, rule_id: str | None = None, level: str = "error") -> None:
        self.kind = kind              # parse-error | read-error | rule-error | not-evaluated | config
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.rule_id = rule_id
        self.level = level            # error | warning | note

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path or "~", self.line or 0, self.kind, self.rule_id or "", self.message)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "path": self.path, "line": self.line,
                "column": self.column, "rule_id": self.rule_id, "level": self.level}


class ScanStats(Record):
    """What a scan read and evaluated, and how long it took."""

    __slots__ = _fields = ("files_scanned", "resources", "rules_evaluated", "duration_seconds")

    def __init__(self, files_scanned: int = 0, resources: int = 0, rules_evaluated: int = 0,
                 duration_seconds: float = 0.0) -> None:
        self.files_scanned = files_scanned
        self.resources = resources
        self.rules_evaluated = rules_evaluated
        self.duration_seconds = duration_seconds
