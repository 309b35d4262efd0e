"""JSON output, described by `scanner/schemas/report.schema.json` (stable field names)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from scanner import __version__
from scanner.findings import Confidence, Finding, Severity
from scanner.model import FileLocation
from scanner.report import ByIdentity
from scanner.report.summary import summary

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.result import ScanResult

SCHEMA_VERSION = "1.0"


def _location(location: FileLocation | None, snippet: str | None = None) -> dict[str, Any] | None:
    if location is None:
        return None
    data: dict[str, Any] = {"path": location.path, "start_line": location.start_line,
                            "start_column": location.start_column,
                            "end_line": location.end_line or location.start_line}
    if location.end_column is not None:
        data["end_column"] = location.end_column
    if snippet is not None:
        data["snippet"] = snippet
    return data


# Each member's `.value`, read once: an enum's `value` is a property run in Python (two per finding)
_SEVERITY: dict[Severity, str] = {member: member.value for member in Severity}
_CONFIDENCE: dict[Confidence, str] = {member: member.value for member in Confidence}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {**_members_before_related(finding), "related_locations": _related_json(finding),
            **_members_after_related(finding)}


def _members_before_related(finding: Finding) -> dict[str, Any]:
    return {**_members_of_rule(finding), **_members_after_rule(finding)}


def _members_of_rule(finding: Finding) -> dict[str, Any]:
    """The members a finding's rule gives it (its first ones)."""
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "title": finding.title,
        "severity": _SEVERITY[finding.severity],
        "confidence": _CONFIDENCE[finding.confidence],
    }


def _members_after_rule(finding: Finding) -> dict[str, Any]:
    """The finding's own members before its related locations: message, location, resource."""
    resource: dict[str, Any] = {"id": finding.resource_id, "type": finding.resource_type,
                                "name": finding.resource_name}
    if finding.aws is not None:
        resource.update({"arn": finding.aws.arn, "account": finding.aws.account, "region": finding.aws.region})
    return {"message": finding.message, "location": _location(finding.location, finding.snippet),
            "resource": resource}


def _related_json(finding: Finding) -> list[dict[str, Any]]:
    return [{**(_location(loc) or {}), "label": label} for loc, label in zip(finding.related, finding.related_labels)]


def _members_after_related(finding: Finding) -> dict[str, Any]:
    shown = {**_own_members_after_related(finding), **_rule_members_after_related(finding)}
    if finding.related_omitted:
        shown["related_omitted"] = finding.related_omitted
    return shown


def _own_members_after_related(finding: Finding) -> dict[str, Any]:
    """The finding's own members after its related locations: fingerprint, suppression."""
    suppression = finding.suppression
    return {"fingerprint": finding.fingerprint, "suppression": None if suppression is None else {
        "kind": suppression.kind, "justification": suppression.justification}}


def _rule_members_after_related(finding: Finding) -> dict[str, Any]:
    """The members after its related locations a finding's rule gives it: tags, help URI."""
    return {"tags": finding.tags, "help_uri": finding.help_uri}


def report_json(result: ScanResult, fail_on: str) -> dict[str, Any]:
    return {**_head(result, fail_on), "findings": list(_findings(result)), **_tail(result)}


def _head(result: ScanResult, fail_on: str) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "tool": {"name": "airguard", "version": __version__},
            "summary": summary(result, fail_on)}


def _findings(result: ScanResult) -> Iterator[dict[str, Any]]:
    compliance = {rule.id: rule.compliance for rule in result.rules}
    for finding in result.findings:
        shown = finding_json(finding)
        shown["compliance"] = compliance.get(finding.rule_id, {})  # last, after what finding_json shows
        yield shown


def _finding_texts(result: ScanResult) -> Iterator[str]:
    """Each finding of `_findings` as compact JSON, its related locations encoded once per list (`_RelatedTexts`)
    and the members a rule gives all its findings once per rule (`_RuleTexts`). Compact JSON of an object is its
    members joined by `,`: the members are encoded in runs, and the texts joined as one object. (On
    /tmp/bt/dense the related locations not encoded again are half the report's bytes; on /tmp/bt/d20k the
    rule's members a sixth.)"""
    compliance = {rule.id: rule.compliance for rule in result.rules}
    related_text = _RelatedTexts()
    rule_texts = _RuleTexts(compliance)
    encode = COMPACT.encode
    for finding in result.findings:
        middle = encode(_members_after_rule(finding))[1:-1]
        own = encode(_own_members_after_related(finding))[1:-1]
        omitted = f',"related_omitted":{encode(finding.related_omitted)}' if finding.related_omitted else ""
        yield (f'{rule_texts.head(finding)},{middle},"related_locations":{related_text(finding)},{own},'
               f'{rule_texts.tags(finding)}{omitted},"compliance":{rule_texts.compliance(finding.rule_id)}}}')


class _RuleTexts:
    """The compact JSON of the members of a finding its rule gives every finding of it, each made once: the
    object's start to its confidence, its tags and help URI, its compliance (by rule id)."""

    def __init__(self, compliance: dict[str, dict[str, list[str]]]) -> None:
        self._compliance = compliance
        self._heads: dict[tuple[str, str, str, Severity, Confidence], str] = {}
        self._tags: dict[tuple[tuple[str, ...], str | None], str] = {}
        self._compliance_texts: dict[str, str] = {}

    def head(self, finding: Finding) -> str:
        """`{"rule_id": ..., ..., "confidence": ...` (the object opened, no comma after)."""
        key = (finding.rule_id, finding.rule_name, finding.title, finding.severity, finding.confidence)
        found = self._heads.get(key)
        if found is None:
            found = self._heads[key] = COMPACT.encode(_members_of_rule(finding))[:-1]
        return found

    def tags(self, finding: Finding) -> str:
        """`"tags": [...], "help_uri": ...` (no comma around)."""
        key = (tuple(finding.tags), finding.help_uri)
        found = self._tags.get(key)
        if found is None:
            found = self._tags[key] = COMPACT.encode(_rule_members_after_related(finding))[1:-1]
        return found

    def compliance(self, rule_id: str) -> str:
        found = self._compliance_texts.get(rule_id)
        if found is None:
            found = self._compliance_texts[rule_id] = COMPACT.encode(self._compliance.get(rule_id, {}))
        return found


class _RelatedTexts:
    """The compact JSON of findings' related locations, each list encoded once: rules firing on one resource
    list the same places (a connection's tasks), by the same objects (`scanner.engine.evaluate.Shared.related`),
    and on a dense tree four in five related locations written repeat a list already written.

    A list is known by the identities of its locations and labels: an equal list made of other objects is
    only encoded again. Each entry keeps the finding's lists alive, so no identity can be reused by another
    object while the report is written."""

    def __init__(self) -> None:
        self._texts: ByIdentity[str] = ByIdentity()

    def __call__(self, finding: Finding) -> str:
        if not finding.related:
            return "[]"
        return self._texts.get((len(finding.related),), (*finding.related, *finding.related_labels),
                               lambda: COMPACT.encode(_related_json(finding)))


def _tail(result: ScanResult) -> dict[str, Any]:
    return {
        "errors": [
            {"kind": n.kind, "level": n.level, "message": n.message, "path": n.path, "line": n.line,
             "rule_id": n.rule_id}
            for n in result.notices
        ],
        "rules": [{"id": r.id, "name": r.name, "title": r.title, "severity": r.severity.value,
                   "parameters": result.parameters.get(r.id, {}), "compliance": r.compliance} for r in result.rules],
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    # Every string from a scanned file was masked where the finding or notice was made (by position)
    return "".join(render_chunks(result, options))


def render_chunks(result: ScanResult, options: ReportOptions) -> Iterator[str]:
    """`render`'s text in pieces, findings written `FINDINGS_PER_PIECE` at a time: a report of 60,000 findings
    is written out without its dicts, the encoder's parts, the whole text and its bytes all alive at once (~4x
    its size).
    Compact JSON of an object or list is its members joined by `,`, so the pieces join to exactly `dumps`'s
    text; every piece ends in a bracket, brace or comma, so no `##[` spans two (`inert_json` per piece)."""
    if options.pretty:  # a terminal: indented, in one piece
        yield dumps(report_json(result, options.fail_on), pretty=True) + "\n"
        return
    head = dumps(_head(result, options.fail_on))
    yield head[:-1] + ',"findings":['
    findings = _finding_texts(result)
    separator = ""
    while batch := list(islice(findings, FINDINGS_PER_PIECE)):
        yield separator + inert_json(",".join(batch))  # a list's members, as `dumps(list)` joins them
        separator = ","
    yield '],' + dumps(_tail(result))[1:] + "\n"


# Findings written in one piece (`render_chunks`): a few hundred KB of text per piece.
FINDINGS_PER_PIECE = 256


def dumps(data: Any, pretty: bool = False) -> str:
    """Compact JSON (the C encoder; reports are files for machines), indented when `pretty` (a terminal),
    ASCII only, and inert in a GitHub job log (`inert_json`)."""
    if pretty:
        return inert_json(json.dumps(data, indent=2))
    return inert_json(COMPACT.encode(data))


COMPACT = json.JSONEncoder(separators=(",", ":"))  # json.dumps's defaults otherwise; made once (the SARIF log uses it too)


def inert_json(text: str) -> str:
    """JSON that cannot act as a GitHub workflow command when printed in a job log: `##[` (which the
    runner reads anywhere in a line) only ever stands inside strings, so it is written `##\\u005b`,
    the same string once parsed. (A `::` command must start its line; JSON lines start with a bracket,
    a brace or, indented, a space.)"""
    return text.replace("##[", "##\\u005b")
