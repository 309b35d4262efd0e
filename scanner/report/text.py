"""The terminal view: findings grouped by file with the offending line (redacted), then a summary.

Every string that comes from the scanned tree (paths, messages, snippets, names, notices) goes through
`visible`: this output is a GitHub Actions log, where a line starting with `::` (or holding `##[`) is a
workflow command, and a terminal, where escape sequences act.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import TYPE_CHECKING

from scanner.compliance.frameworks import short_labels
from scanner.findings import Finding
from scanner.report.summary import summary

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.result import ScanResult

_COLORS = {"critical": "\033[1;35m", "high": "\033[1;31m", "medium": "\033[33m", "low": "\033[36m",
           "info": "\033[2m", "bold": "\033[1m", "dim": "\033[2m", "reset": "\033[0m"}
# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates and marks, BOM.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"


def visible(text: object) -> str:
    """Untrusted text as one line of plain characters: controls (newlines, tabs, ESC), line separators
    and bidi controls become visible escapes (`\\n`, `\\x1b`, `\\u202e`), and GitHub's legacy
    workflow-command marker `##[` is broken (`##\\x5b`), as the runner finds it anywhere in a line."""
    return _INVISIBLE.sub(_escape_char, str(text)).replace("##[", "##\\x5b")


def line_start(text: object) -> str:
    """`visible`, for text that starts an output line: never `::` (after blanks) either, which the runner
    would execute as a workflow command (`::error::`, `::stop-commands::`)."""
    text = visible(text)
    stripped = text.lstrip()
    if stripped.startswith(":"):
        text = text[: len(text) - len(stripped)] + "\\x3a" + stripped[1:]
    return text


def visible_lines(text: str) -> str:
    """Text of several lines (an error message) with each line made safe as by `line_start`."""
    return "\n".join(line_start(line) for line in text.split("\n"))


def render(result: ScanResult, options: ReportOptions) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_COLORS['reset']}" if options.color else text

    lines: list[str] = []
    shown = [f for f in result.findings if options.show_suppressed or f.suppression is None]
    controls = {rule.id: ", ".join(short_labels(rule.compliance)) for rule in result.rules}

    def group_key(finding: Finding) -> str:
        if finding.location:
            return finding.location.path
        return finding.aws.arn if finding.aws else finding.resource_id

    for key, group in groupby(shown, key=group_key):
        lines.append(paint(line_start(key), "bold"))
        for finding in group:
            where = f"{finding.location.start_line}:{finding.location.start_column}" if finding.location else "-"
            severity = finding.severity.value
            suppressed = paint(" (suppressed)", "dim") if finding.suppression else ""
            lines.append(f"  {where:>7}  {paint(f'{severity:<8}', severity)} {visible(finding.rule_id)} "
                         f"{visible(finding.message)}{suppressed}")
            if finding.snippet:
                lines.append(paint(f"           │ {visible(finding.snippet.strip())}", "dim"))
            for related, label in zip(finding.related, finding.related_labels):
                lines.append(paint(f"           ↳ {visible(label)} at {visible(related.path)}:{related.start_line}",
                                   "dim"))
            if finding.related_omitted:
                lines.append(paint(f"           ↳ and {finding.related_omitted} more", "dim"))
            if controls.get(finding.rule_id):
                lines.append(paint(f"           ⚖ {visible(controls[finding.rule_id])}", "dim"))
        lines.append("")

    if result.notices:
        lines.append(paint("Problems while scanning", "bold"))
        for notice in result.notices:
            where = visible(notice.path or "")
            if notice.line:
                where += f":{notice.line}"
            lines.append(f"  {notice.level:<7} {where + ': ' if where else ''}{visible(notice.message)}")
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
    lines.append(f"{_plural(counts['files_scanned'], 'file')}, {_plural(counts['resources'], 'resource')}, "
                 f"{_plural(counts['rules_evaluated'], 'rule')} in {counts['duration_seconds']:.2f}s; "
                 f"failing at {options.fail_on} and above")
    if not shown and not result.notices:
        lines.insert(0, "No findings.")
    return "\n".join(lines) + "\n"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
