"""The terminal view: findings grouped by file with the offending line (redacted), then a summary."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from scanner.findings import Finding
from scanner.report.summary import summary

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.scan import ScanResult

_COLORS = {"critical": "\033[1;35m", "high": "\033[1;31m", "medium": "\033[33m", "low": "\033[36m",
           "info": "\033[2m", "bold": "\033[1m", "dim": "\033[2m", "reset": "\033[0m"}


def render(result: ScanResult, options: ReportOptions) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_COLORS['reset']}" if options.color else text

    lines: list[str] = []
    shown = [f for f in result.findings if options.show_suppressed or f.suppression is None]

    def group_key(finding: Finding) -> str:
        if finding.location:
            return finding.location.path
        return finding.aws.arn if finding.aws else finding.resource_id

    for key, group in groupby(shown, key=group_key):
        lines.append(paint(key, "bold"))
        for finding in group:
            where = f"{finding.location.start_line}:{finding.location.start_column}" if finding.location else "-"
            severity = finding.severity.value
            suppressed = paint(" (suppressed)", "dim") if finding.suppression else ""
            lines.append(f"  {where:>7}  {paint(f'{severity:<8}', severity)} {finding.rule_id} "
                         f"{finding.message}{suppressed}")
            if finding.snippet:
                lines.append(paint(f"           │ {finding.snippet.strip()}", "dim"))
            for related, label in zip(finding.related, finding.related_labels):
                lines.append(paint(f"           ↳ {label} at {related.path}:{related.start_line}", "dim"))
        lines.append("")

    if result.notices:
        lines.append(paint("Problems while scanning", "bold"))
        for notice in result.notices:
            where = notice.path or ""
            if notice.line:
                where += f":{notice.line}"
            lines.append(f"  {notice.level:<7} {where + ': ' if where else ''}{notice.message}")
        lines.append("")

    counts = summary(result, options.fail_on)
    by_severity = ", ".join(f"{n} {s}" for s, n in counts["by_severity"].items() if n)
    headline = f"{counts['findings']} finding{'s' if counts['findings'] != 1 else ''}"
    if by_severity:
        headline += f" ({by_severity})"
    details = [headline]
    if counts["suppressed"]:
        baselined = f" ({counts['baselined']} by the baseline)" if counts["baselined"] else ""
        details.append(f"{counts['suppressed']} suppressed{baselined}")
    if counts["baseline_unmatched"]:
        details.append(f"{counts['baseline_unmatched']} baseline entr"
                       f"{'ies' if counts['baseline_unmatched'] != 1 else 'y'} no longer found")
    if counts["errors"]:
        details.append(f"{counts['errors']} error{'s' if counts['errors'] != 1 else ''} (scan incomplete)")
    lines.append(paint(", ".join(details), "bold"))
    lines.append(f"{counts['files_scanned']} files, {counts['resources']} resources, "
                 f"{counts['rules_evaluated']} rules in {counts['duration_seconds']:.2f}s; "
                 f"failing at {options.fail_on} and above")
    if not shown and not result.notices:
        lines.insert(0, "No findings.")
    return "\n".join(lines) + "\n"
