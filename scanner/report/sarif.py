"""SARIF 2.1.0 through the sarif-om object model, shaped for GitHub code scanning."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import attrs
import sarif_om as om

from scanner import __version__
from scanner.engine.rule import Rule
from scanner.findings import Finding, Severity
from scanner.model import FileLocation
from scanner.report.fingerprints import line_hashes
from scanner.report.json_report import inert_json

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.scan import ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/airguard/"
SRCROOT = "%SRCROOT%"


def rule_help_markdown(rule: Rule) -> str:
    parts = [f"## {rule.title}", "", "### What it does", rule.docs.what.strip(), "",
             "### Why is this bad?", rule.docs.why.strip(), "", "### How to fix", rule.docs.fix.strip()]
    language = rule.docs.example_language or ""
    if rule.docs.bad:
        parts += ["", "### Example", f"```{language}", rule.docs.bad.rstrip(), "```"]
    if rule.docs.good:
        parts += ["", "Use instead:", f"```{language}", rule.docs.good.rstrip(), "```"]
    if rule.compliance:
        from scanner.compliance.frameworks import FRAMEWORKS

        parts += ["", "### Compliance", *[f"- {framework.title}: {', '.join(rule.compliance[key])}"
                                          for key, framework in FRAMEWORKS.items() if key in rule.compliance]]
    if rule.references:
        parts += ["", "### References", *[f"- {ref}" for ref in rule.references]]
    return "\n".join(parts) + "\n"


def rule_help_text(rule: Rule) -> str:
    return f"{rule.docs.what.strip()}\n\nWhy: {rule.docs.why.strip()}\n\nFix: {rule.docs.fix.strip()}\n"


def _descriptor(rule: Rule) -> om.ReportingDescriptor:
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.title),
        full_description=om.MultiformatMessageString(text=rule.docs.what.strip()),
        help=om.MultiformatMessageString(text=rule_help_text(rule), markdown=rule_help_markdown(rule)),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=rule.severity.sarif_level),
        properties={
            "tags": ["security", *(_github_tag(tag) for tag in rule.tags), *rule.compliance_tags],
            "precision": rule.confidence.sarif_precision,
            "security-severity": rule.severity.security_severity,
            "problem.severity": "recommendation" if rule.severity == Severity.INFO else
            ("error" if rule.severity.sarif_level == "error" else "warning"),
        },
    )


def _github_tag(tag: str) -> str:
    """`cwe-798` is written `external/cwe/cwe-798`, the form code scanning files CWE tags under."""
    if re.fullmatch(r"cwe-\d{1,5}", tag.lower()):
        return f"external/cwe/{tag.lower()}"
    return tag


def _physical(location: FileLocation, snippet: str | None = None,
              lines: list[str] | None = None) -> om.PhysicalLocation:
    end_line = max(location.end_line or location.start_line, location.start_line)
    region = om.Region(start_line=location.start_line, start_column=location.start_column or 1, end_line=end_line)
    if location.end_column is not None:
        region.end_column = location.end_column + 1  # SARIF end columns are exclusive
    elif lines is not None and 1 <= end_line <= len(lines):
        region.end_column = len(lines[end_line - 1]) + 1  # the whole last line
    else:
        region.end_column = region.start_column + 1
    if end_line == location.start_line and region.end_column <= region.start_column:
        region.end_column = region.start_column + 1
    if snippet:
        region.snippet = om.ArtifactContent(text=snippet)
    return om.PhysicalLocation(artifact_location=om.ArtifactLocation(uri=location.path, uri_base_id=SRCROOT),
                               region=region)


_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9._/-]+")


def placeholder_uri(finding: Finding) -> str:
    """`aws/<account>/<region>/<type>/<name>` for an AWS resource no file mentions (no scheme, no
    colon: code scanning accepts only repository-relative paths)."""
    if finding.aws is not None:
        parts = ["aws", finding.aws.account or "unknown-account", finding.aws.region or "global",
                 finding.resource_type.removeprefix("aws."), finding.resource_name]
    else:
        parts = ["resources", finding.resource_type, finding.resource_name]
    return "/".join(_UNSAFE_PATH.sub("_", part).strip("./") or "_" for part in parts)


def _message(finding: Finding) -> str:
    """The finding's message; related locations are linked from it (`[label](id)`), as code scanning shows."""
    if not finding.related:
        return finding.message
    links = ", ".join(f"[{_link_text(label)}]({index})" for index, label in enumerate(finding.related_labels))
    return f"{finding.message} (related: {links})"


def _link_text(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _result(finding: Finding, rule_index: int, line_hash: str | None = None,
            sources: dict[str, Any] | None = None) -> om.Result:
    fingerprints = {"airguard/v1": finding.fingerprint}
    if line_hash is not None:
        fingerprints["primaryLocationLineHash"] = line_hash
    result = om.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index,
        level=finding.severity.sarif_level,
        kind="fail",
        message=om.Message(text=_message(finding)),
        partial_fingerprints=fingerprints,
        properties={"severity": finding.severity.value, "confidence": finding.confidence.value,
                    "resourceType": finding.resource_type, "resourceName": finding.resource_name},
    )
    location = om.Location()
    if finding.location is not None:
        location.physical_location = _physical(finding.location, finding.snippet, _lines(sources, finding.location))
    else:  # GitHub rejects a result without a file: name the resource as a repository-relative path
        location.physical_location = om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=placeholder_uri(finding), uri_base_id=SRCROOT),
            region=om.Region(start_line=1, start_column=1, end_column=2))
        result.properties["locationIsPlaceholder"] = True
    if finding.aws is not None:
        location.logical_locations = [om.LogicalLocation(fully_qualified_name=finding.aws.arn, kind="resource",
                                                         name=finding.resource_name)]
    elif finding.location is None:
        location.logical_locations = [om.LogicalLocation(fully_qualified_name=finding.resource_id,
                                                         kind="resource", name=finding.resource_name)]
    result.locations = [location]
    if finding.related:
        result.related_locations = [
            om.Location(id=index, physical_location=_physical(loc, lines=_lines(sources, loc)),
                        message=om.Message(text=label))
            for index, (loc, label) in enumerate(zip(finding.related, finding.related_labels))
        ]
    if finding.suppression is not None:
        result.suppressions = [om.Suppression(
            kind="inSource" if finding.suppression.kind == "inline" else "external",
            justification=finding.suppression.justification or None,
        )]
    return result


def _lines(sources: dict[str, Any] | None, location: FileLocation) -> list[str] | None:
    source = (sources or {}).get(location.path)
    return source.lines if source is not None else None


def _line_hashes(result: ScanResult, findings: list[Finding]) -> dict[tuple[str, int], str]:
    """GitHub's `primaryLocationLineHash` for each finding's line, from the text airguard read."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        if finding.location is not None and finding.location.path in result.ctx.sources:
            wanted.setdefault(finding.location.path, set()).add(finding.location.start_line)
    hashes: dict[tuple[str, int], str] = {}
    for path, lines in wanted.items():
        for line, value in line_hashes(result.ctx.sources[path].text, lines).items():
            hashes[(path, line)] = value
    return hashes


def _notification(notice: Any) -> om.Notification:
    notification = om.Notification(
        message=om.Message(text=notice.message),
        level=notice.level if notice.level in ("error", "warning", "note") else "note",
        descriptor=om.ReportingDescriptorReference(id=notice.kind),
    )
    if notice.path:
        region = om.Region(start_line=notice.line) if notice.line else None
        notification.locations = [om.Location(physical_location=om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=notice.path, uri_base_id=SRCROOT), region=region))]
    if notice.rule_id:
        notification.associated_rule = om.ReportingDescriptorReference(id=notice.rule_id)
    return notification


def build_log(result: ScanResult, options: ReportOptions) -> om.SarifLog:
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rules)}
    # Code scanning ignores `suppressions` (a suppressed result would open an alert): suppressed and
    # baselined findings are left out of the SARIF unless asked for (--show-suppressed); JSON keeps them.
    findings = [f for f in result.findings if f.rule_id in index
                and (f.suppression is None or options.show_suppressed)]
    hashes = _line_hashes(result, findings)
    sources = result.ctx.sources
    run = om.Run(
        tool=om.Tool(driver=om.ToolComponent(
            name="airguard", version=__version__, semantic_version=__version__,
            information_uri=INFORMATION_URI, rules=[_descriptor(r) for r in rules])),
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(description=om.Message(
            text="The root of the scanned repository; every path in this log is relative to it."))},
        results=[_result(f, index[f.rule_id], hashes.get((f.location.path, f.location.start_line))
                         if f.location is not None else None, sources) for f in findings],
        invocations=[om.Invocation(
            execution_successful=not result.partial,
            tool_execution_notifications=[_notification(n) for n in result.notices] or None,
        )],
        column_kind="unicodeCodePoints",
    )
    baseline = result.baseline
    if baseline is not None:  # recorded findings the scan no longer found (fixed or moved)
        run.properties = {"baselineUnmatched": baseline.unmatched}
    if options.sarif_category:
        run.automation_details = om.RunAutomationDetails(id=f"{options.sarif_category.rstrip('/')}/")
    return om.SarifLog(version="2.1.0", schema_uri=SARIF_SCHEMA, runs=[run])


def to_dict(obj: Any) -> Any:
    """Serialise sarif-om objects with their schema property names, leaving out unset values."""
    if attrs.has(type(obj)):
        data: dict[str, Any] = {}
        for field in attrs.fields(type(obj)):
            value = getattr(obj, field.name)
            if value is None or (field.default is not attrs.NOTHING and value == field.default
                                 and field.name not in ("level", "kind")):
                continue
            data[field.metadata.get("schema_property_name", field.name)] = to_dict(value)
        return data
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


def render(result: ScanResult, options: ReportOptions) -> str:
    data = to_dict(build_log(result, options))  # strings were masked where findings and notices were made
    return inert_json(json.dumps(data, indent=2)) + "\n"
