"""What a scan produces: findings, notices about what could not be read, and the report."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scanner.model import AwsIdentity, FileLocation


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


class Suppression(BaseModel):
    model_config = ConfigDict(defer_build=True)

    kind: str = "inline"          # inline (a comment in the source) | baseline | config
    justification: str = ""
    location: FileLocation | None = None


_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}


class Finding(BaseModel):
    model_config = ConfigDict(defer_build=True)

    rule_id: str
    rule_name: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    resource_id: str
    resource_type: str
    resource_name: str
    location: FileLocation | None = None
    snippet: str | None = None
    aws: AwsIdentity | None = None
    related: list[FileLocation] = Field(default_factory=list)
    related_labels: list[str] = Field(default_factory=list)
    related_omitted: int = 0          # related locations left out (`scanner.engine.evaluate.MAX_RELATED`)
    fingerprint: str = ""
    suppression: Suppression | None = None
    tags: list[str] = Field(default_factory=list)
    help_uri: str | None = None

    def model_post_init(self, context: Any, /) -> None:
        # Pydantic gives each instance its own set of the field names it was given (728 bytes for 17): a
        # 50,000-security-group snapshot makes 58,795 findings, nearly all given the same names. They share
        # one set per distinct set of names; assigning a field (below) first gives the finding its own copy,
        # so the sharing cannot be seen.
        names = self.__pydantic_fields_set__
        object.__setattr__(self, "__pydantic_fields_set__", _SHARED_FIELD_SETS.setdefault(frozenset(names), names))

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        super().__setattr__(name, value)

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


class Notice(BaseModel):
    """Something the scan could not do: a file it could not read, a rule it could not evaluate."""

    model_config = ConfigDict(defer_build=True)

    kind: str                     # parse-error | read-error | rule-error | not-evaluated | config
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    rule_id: str | None = None
    level: str = "error"          # error | warning | note

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path or "~", self.line or 0, self.kind, self.rule_id or "", self.message)


class ScanStats(BaseModel):
    model_config = ConfigDict(defer_build=True)

    files_scanned: int = 0
    resources: int = 0
    rules_evaluated: int = 0
    duration_seconds: float = 0.0
