"""What one scan produced (findings, notices, the graph, the rules run) and the exit code it means: the shared
core that reporters read, without depending on how the scan was run (`scanner.scan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.context import ScanContext
from scanner.findings import Finding, Notice, ScanStats, Severity
from scanner.model import ResourceGraph

if TYPE_CHECKING:
    from scanner.baseline import BaselineOutcome
    from scanner.engine.rule import Rule

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


@dataclass
class ScanResult:
    """One scan's outcome: findings, notices, the rules run with their parameters, the graph and the context."""

    findings: list[Finding]
    notices: list[Notice]
    rules: list[Rule]
    stats: ScanStats
    graph: ResourceGraph
    ctx: ScanContext
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline: BaselineOutcome | None = None  # set when a baseline was applied

    @property
    def partial(self) -> bool:
        return any(n.level == "error" for n in self.notices)

    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]

    def exit_code(self, fail_on: str) -> int:
        if fail_on != "none":
            threshold = Severity(fail_on).rank
            if any(f.severity.rank >= threshold for f in self.active()):
                return EXIT_FINDINGS
        return EXIT_PARTIAL if self.partial else EXIT_OK
