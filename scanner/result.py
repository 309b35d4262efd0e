"""What one scan produced (findings, notices, the graph, the rules run) and the exit code it means: the shared
core that reporters read, without depending on how the scan was run (`scanner.scan`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.context import ScanContext
from scanner.findings import Finding, Notice, ScanStats, Severity
from scanner.model import ResourceGraph
from scanner.records import Record

if TYPE_CHECKING:
    from scanner.baseline import BaselineOutcome
    from scanner.engine.rule import Rule

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class ScanResult(Record):
    """One scan's outcome: findings, notices, the rules run with their parameters, the graph and the context.
    (A plain record, not a dataclass: every scan imports this module, and a dataclass cost ~2.5M instructions to
    create.)"""

    # not slotted (nor was the dataclass): callers may attach more to a result
    _fields = ("findings", "notices", "rules", "stats", "graph", "ctx", "parameters", "baseline")

    def __init__(self, findings: list[Finding], notices: list[Notice], rules: list[Rule], stats: ScanStats,
                 graph: ResourceGraph, ctx: ScanContext, parameters: dict[str, dict[str, Any]] | None = None,
                 baseline: BaselineOutcome | None = None) -> None:
        self.findings = findings
        self.notices = notices
        self.rules = rules
        self.stats = stats
        self.graph = graph
        self.ctx = ctx
        self.parameters = {} if parameters is None else parameters
        self.baseline = baseline   # set when a baseline was applied

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
