"""JUnit XML for CI dashboards (Jenkins, GitLab, Azure DevOps, CircleCI test reports).

Shape (valid against Jenkins' junit-10.xsd, tests/data/junit-10.xsd):

- `<testsuites name="airguard">` with the totals;
- one `<testsuite>` per rule that ran (`AG502 rds-instance-publicly-accessible`), its `<properties>` the
  rule's severity, confidence, resource type, help URI and compliance tags (`compliance/aws-fsbp/RDS.2`);
- one `<testcase>` per finding, named by where it is (`path:line`, or the ARN), with a `<failure>` whose
  message is the (redacted) finding message and whose text adds rule, location, resource and snippet;
  a suppressed or baselined finding is `<skipped>` with its justification;
- a rule without findings is one passing testcase;
- a rule the scan could not (fully) evaluate gets a testcase with an `<error>` per notice; notices about
  no rule (a file that could not be read) are errors of a last suite, `airguard scan`, and warnings are
  `<system-err>` lines there.

Everything comes from the scan's already-redacted findings and notices; every string is made safe for
XML 1.0 (control characters, lone surrogates and non-characters become visible escapes) and for CI logs
(no line starts with `::`, no `##[`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import TYPE_CHECKING

from scanner.compliance.frameworks import compliance_tags
from scanner.findings import Finding, Notice
from scanner.report.text import line_start

if TYPE_CHECKING:
    from scanner.engine.rule import Rule
    from scanner.report import ReportOptions
    from scanner.result import ScanResult

SCAN_SUITE = "airguard scan"
# Not allowed in XML 1.0 documents even as character references, beyond what `visible` escapes.
_XML_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_text(text: object) -> str:
    """One line of untrusted text, safe in an XML 1.0 attribute or element and in a CI log."""
    safe = line_start(text)   # C0/C1 controls, bidi, `##[`, leading `::` made visible
    return _XML_INVALID.sub(lambda m: f"\\u{ord(m.group(0)):04x}", safe)


def xml_lines(text: str) -> str:
    """Several lines, each made safe as by `xml_text` (newlines kept)."""
    return "\n".join(xml_text(line) for line in text.split("\n"))


def _where(finding: Finding) -> str:
    if finding.location is not None:
        return f"{finding.location.path}:{finding.location.start_line}"
    return finding.aws.arn if finding.aws is not None else finding.resource_id


def _details(finding: Finding) -> str:
    lines = [f"{finding.rule_id} {finding.title}", f"severity: {finding.severity.value}",
             f"location: {_where(finding)}", f"resource: {finding.resource_type} '{finding.resource_name}'"]
    if finding.aws is not None:
        lines.append(f"arn: {finding.aws.arn}")
    if finding.snippet:
        lines.append(f"line: {finding.snippet.strip()}")
    lines += [f"related: {label} at {loc.path}:{loc.start_line}"
              for loc, label in zip(finding.related, finding.related_labels)]
    if finding.related_omitted:
        lines.append(f"related: and {finding.related_omitted} more")
    if finding.help_uri:
        lines.append(f"help: {finding.help_uri}")
    lines.append(f"fingerprint: {finding.fingerprint}")
    return xml_lines("\n".join(lines))


def _testcase(suite: ET.Element, rule_id: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"name": xml_text(name), "classname": f"airguard.{rule_id}",
                                             "time": "0"})


def _rule_suite(parent: ET.Element, rule: Rule, findings: list[Finding], notices: list[Notice]) -> None:
    suite = ET.SubElement(parent, "testsuite", {"name": xml_text(f"{rule.id} {rule.name}")})
    properties = ET.SubElement(suite, "properties")
    values = [("severity", rule.severity.value), ("confidence", rule.confidence.value),
              ("resource", rule.resource), ("title", rule.title)]
    if rule.help_uri:
        values.append(("help_uri", rule.help_uri))
    values += [("compliance", tag) for tag in compliance_tags(rule.compliance)]
    for name, value in values:
        ET.SubElement(properties, "property", {"name": name, "value": xml_text(value)})
    for finding in findings:
        case = _testcase(suite, rule.id, _where(finding))
        if finding.suppression is not None:
            reason = finding.suppression.justification or "no reason given"
            ET.SubElement(case, "skipped", {"message": xml_text(f"{finding.suppression.kind}: {reason}")})
            continue
        failure = ET.SubElement(case, "failure", {"message": xml_text(finding.message),
                                                   "type": finding.severity.value})
        failure.text = _details(finding)
    if notices:
        case = _testcase(suite, rule.id, f"{rule.id} evaluation")
        for notice in notices:
            error = ET.SubElement(case, "error", {"message": xml_text(notice.message), "type": notice.kind})
            error.text = xml_text(notice.message)
    if not findings and not notices:
        _testcase(suite, rule.id, f"{rule.id} {rule.name}: no findings")
    _set_counts(suite)


def _scan_suite(parent: ET.Element, notices: list[Notice]) -> None:
    suite = ET.SubElement(parent, "testsuite", {"name": SCAN_SUITE})
    errors = [n for n in notices if n.level == "error"]
    for notice in errors:
        where = f"{notice.path}:{notice.line}" if notice.path and notice.line else (notice.path or notice.kind)
        case = _testcase(suite, "scan", where)
        error = ET.SubElement(case, "error", {"message": xml_text(notice.message), "type": notice.kind})
        error.text = xml_text(f"{where}: {notice.message}")
    if not errors:
        _testcase(suite, "scan", "every file and resource was read")
    others = [n for n in notices if n.level != "error"]
    if others:
        err = ET.SubElement(suite, "system-err")
        err.text = "\n".join(xml_text(f"{n.level}: {n.path + ': ' if n.path else ''}{n.message}") for n in others)
    _set_counts(suite)


def _counts(suite: ET.Element) -> dict[str, int]:
    """A suite's counts, read from the test cases it holds (one per case, per failure, error, skip)."""
    return {"tests": len(suite.findall("testcase")), "failures": len(suite.findall("testcase/failure")),
            "errors": len(suite.findall("testcase/error")), "skipped": len(suite.findall("testcase/skipped"))}


def _set_counts(suite: ET.Element) -> None:
    for key, count in _counts(suite).items():
        suite.set(key, str(count))
    suite.set("time", "0")


def build(result: ScanResult) -> ET.Element:
    root = ET.Element("testsuites", {"name": "airguard"})
    findings = {rule_id: list(group) for rule_id, group in
                groupby(sorted(result.findings, key=lambda f: (f.rule_id, f.sort_key())), key=lambda f: f.rule_id)}
    by_rule: dict[str, list[Notice]] = {}
    general: list[Notice] = []
    for notice in result.notices:
        (by_rule.setdefault(notice.rule_id, []) if notice.rule_id else general).append(notice)
    for rule in sorted(result.rules, key=lambda r: r.id):
        _rule_suite(root, rule, findings.get(rule.id, []), by_rule.get(rule.id, []))
    _scan_suite(root, general)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in root)))
    root.set("time", f"{result.stats.duration_seconds:.3f}")
    return root


def render(result: ScanResult, options: ReportOptions) -> str:
    root = build(result)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
