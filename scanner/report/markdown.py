"""Markdown for pull-request comments and `$GITHUB_STEP_SUMMARY`: counts, then the top findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.findings import Finding, Severity
from scanner.report.summary import summary

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.scan import ScanResult

TOP = 20
_ICONS = {"critical": "🟣", "high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _where(finding: Finding, base_url: str | None) -> str:
    if finding.location is None:
        return f"`{_escape(finding.aws.arn if finding.aws else finding.resource_id)}`"
    label = f"{finding.location.path}:{finding.location.start_line}"
    if base_url:
        return f"[`{label}`]({base_url.rstrip('/')}/{finding.location.path}#L{finding.location.start_line})"
    return f"`{label}`"


def render(result: ScanResult, options: ReportOptions) -> str:
    counts = summary(result, options.fail_on)
    active = sorted(result.active(), key=lambda f: (-f.severity.rank, f.sort_key()))
    lines = ["## airguard", ""]
    verdict = "❌ failing" if counts["exit_code"] == 1 else ("⚠️ incomplete" if counts["partial"] else "✅ passing")
    lines.append(f"**{verdict}** — {counts['findings']} finding(s) at or above any severity; "
                 f"fails on **{options.fail_on}** and above.")
    lines += ["", "| severity | findings |", "|---|---:|"]
    for severity in sorted(Severity, key=lambda s: -s.rank):
        lines.append(f"| {_ICONS[severity.value]} {severity.value} | {counts['by_severity'][severity.value]} |")
    if counts["suppressed"]:
        lines.append(f"| suppressed | {counts['suppressed']} |")
    if active:
        lines += ["", f"### Top findings{' (first ' + str(TOP) + ')' if len(active) > TOP else ''}", "",
                  "| | rule | where | message |", "|---|---|---|---|"]
        for finding in active[:TOP]:
            lines.append(f"| {_ICONS[finding.severity.value]} | `{finding.rule_id}` | {_where(finding, options.repository_url)} "
                         f"| {_escape(finding.message)} |")
    errors = [n for n in result.notices if n.level == "error"]
    if errors:
        lines += ["", "### Not scanned", ""]
        for notice in errors[:TOP]:
            where = f"`{notice.path}{':' + str(notice.line) if notice.line else ''}`" if notice.path else "-"
            lines.append(f"- {where}: {_escape(notice.message)}")
    lines += ["", f"<sub>{counts['files_scanned']} files, {counts['resources']} resources, "
                  f"{counts['rules_evaluated']} rules.</sub>", ""]
    return result.ctx.redactor.scrub("\n".join(lines))
