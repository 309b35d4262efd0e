"""Markdown for pull-request comments and `$GITHUB_STEP_SUMMARY`: counts, then the top findings.

Links point at the lines when `ReportOptions.repository_url` is set (the CLI sets it from
GITHUB_SERVER_URL / GITHUB_REPOSITORY / GITHUB_SHA). Messages are escaped so they cannot inject
Markdown or HTML, everything is redacted, and the text stays under GitHub's 1 MiB summary limit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scanner.findings import Finding, Notice, Severity
from scanner.report.summary import summary
from scanner.report.text import visible

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.result import ScanResult

TOP = 20
MAX_BYTES = 1000 * 1000          # GitHub rejects step summaries over 1 MiB; keep a margin
_ICONS = {"critical": "🟣", "high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"(?<![\w@])@(?=[\w-])")   # @user, @org/team: would notify in a PR comment
_BACKTICKS = re.compile(r"`+")


def escape(text: str) -> str:
    """Plain text inside a table cell: no Markdown, no HTML, no line breaks, no @mentions; control and
    bidi characters as visible escapes."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = visible(re.sub(r"(?<!\s)\s*[\r\n]+\s*", " ", text))
    return _MENTION.sub("@\u200b", _SPECIAL.sub(r"\\\1", text))


def _code(text: str) -> str:
    """Inline code that survives backticks and pipes in the text: the fence is longer than any run of
    backticks inside, control characters are visible escapes, and `|` cannot end a table cell (a
    backslash right before a `|` always keeps it in the cell, whatever precedes it)."""
    text = visible(text).replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    if longest or text[:1] == " " or text[-1:] == " ":
        return f"{fence} {text} {fence}"   # one space each side is dropped when rendered
    return f"{fence}{text}{fence}"


def _where(finding: Finding, base_url: str | None) -> str:
    if finding.location is None:
        return _code(finding.aws.arn if finding.aws else finding.resource_id)
    label = f"{finding.location.path}:{finding.location.start_line}"
    arn = f" {_code(finding.aws.arn)}" if finding.aws else ""  # an AWS resource shown where code depends on it
    if base_url and not finding.location.path.startswith("/"):   # a file outside the repository: no link
        return (f"[{escape(visible(label))}]({base_url.rstrip('/')}/{_url_path(finding.location.path)}"
                f"#L{finding.location.start_line}){arn}")
    return _code(label) + arn


def _url_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def _notice_line(notice: Notice) -> str:
    where = _code(f"{notice.path}{':' + str(notice.line) if notice.line else ''}") if notice.path else "-"
    return f"- {where}: {escape(notice.message)}"


def render(result: ScanResult, options: ReportOptions) -> str:
    top = getattr(options, "top", TOP) or TOP
    counts = summary(result, options.fail_on)
    active = sorted(result.active(), key=lambda f: (-f.severity.rank, f.sort_key()))
    lines = ["## airguard", ""]
    verdict = "❌ failing" if counts["exit_code"] == 1 else ("⚠️ incomplete" if counts["partial"] else "✅ passing")
    fails = "nothing fails" if options.fail_on == "none" else f"fails on **{options.fail_on}** and above"
    lines.append(f"**{verdict}**: {counts['findings']} finding(s); {fails}.")
    lines += ["", "| severity | findings |", "|---|---:|"]
    for severity in sorted(Severity, key=lambda s: -s.rank):
        lines.append(f"| {_ICONS[severity.value]} {severity.value} | {counts['by_severity'][severity.value]} |")
    inline = counts["suppressed"] - counts["baselined"]
    if inline:
        lines.append(f"| suppressed | {inline} |")
    if counts["baselined"]:
        lines.append(f"| in the baseline | {counts['baselined']} |")
    if counts["baseline_unmatched"]:
        entries = "entries are" if counts["baseline_unmatched"] != 1 else "entry is"
        lines += ["", (f"{counts['baseline_unmatched']} baseline {entries} no longer found "
                       "(fixed or moved): regenerate the baseline with `airguard baseline`.")]
    if active:
        lines += ["", f"### Top findings{' (first ' + str(top) + ' of ' + str(len(active)) + ')' if len(active) > top else ''}",
                  "", "| | rule | where | message |", "|---|---|---|---|"]
        footer_room = 4096
        size = len("\n".join(lines).encode("utf-8"))
        for shown, finding in enumerate(active[:top]):
            row = (f"| {_ICONS[finding.severity.value]} | {_code(finding.rule_id)} | "
                   f"{_where(finding, options.repository_url)} | {escape(finding.message)} |")
            size += len(row.encode("utf-8")) + 1
            if size > MAX_BYTES - footer_room:
                lines.append(f"| | | | … {len(active) - shown} more (summary size limit) |")
                break
            lines.append(row)
    lines += _compliance_lines(result, active)
    errors = [n for n in result.notices if n.level == "error"]
    if errors:
        lines += ["", "### Not scanned (partial result)", ""]
        size = len("\n".join(lines).encode("utf-8"))
        for shown, notice in enumerate(errors[:top]):
            line = _notice_line(notice)
            size += len(line.encode("utf-8")) + 1
            if size > MAX_BYTES - 512:  # the whole summary stays under GitHub's limit
                lines.append(f"- … {len(errors) - shown} more (summary size limit)")
                break
            lines.append(line)
        else:
            if len(errors) > top:
                lines.append(f"- … {len(errors) - top} more")
    stats = (f"{_plural(counts['files_scanned'], 'file')}, {_plural(counts['resources'], 'resource')}, "
             f"{_plural(counts['rules_evaluated'], 'rule')}.")
    lines += ["", f"<sub>{stats}</sub>", ""]
    return "\n".join(lines)


def _compliance_lines(result: ScanResult, active: list[Finding]) -> list[str]:
    """Per framework, the controls that open findings fail (`RDS.2 (AG502)`), most frameworks first."""
    from scanner.compliance.frameworks import FRAMEWORKS, control_sort_key

    rules = {rule.id: rule for rule in result.rules}
    failing: dict[str, dict[str, set[str]]] = {}
    for finding in active:
        rule = rules.get(finding.rule_id)
        for key, controls in (rule.compliance.items() if rule is not None else ()):
            for control in controls:
                failing.setdefault(key, {}).setdefault(control, set()).add(finding.rule_id)
    if not failing:
        return []
    lines = ["", "### Compliance controls with open findings", ""]
    for key, framework in FRAMEWORKS.items():
        if key in failing:
            controls = sorted(failing[key], key=control_sort_key)
            listed = ", ".join(f"{escape(c)} ({', '.join(sorted(failing[key][c]))})" for c in controls)
            lines.append(f"- **{framework.title}**: {listed}")
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
