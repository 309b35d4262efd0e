"""Counts every reporter shows the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.findings import Severity

if TYPE_CHECKING:
    from scanner.result import ScanResult


def summary(result: ScanResult, fail_on: str) -> dict[str, Any]:
    active = result.active()
    baseline = result.baseline
    baselined = sum(1 for f in result.findings if f.suppression is not None and f.suppression.kind == "baseline")
    by_severity = {s.value: sum(1 for f in active if f.severity == s) for s in Severity}
    return {
        "findings": len(active),
        "by_severity": by_severity,
        "suppressed": len(result.findings) - len(active),
        "errors": sum(1 for n in result.notices if n.level == "error"),
        "warnings": sum(1 for n in result.notices if n.level != "error"),
        "files_scanned": result.stats.files_scanned,
        "resources": result.stats.resources,
        "rules_evaluated": result.stats.rules_evaluated,
        "duration_seconds": result.stats.duration_seconds,
        "partial": result.partial,
        "fail_on": fail_on,
        "exit_code": result.exit_code(fail_on),
        "baselined": baselined,
        "baseline_unmatched": baseline.unmatched if baseline is not None else 0,
    }
