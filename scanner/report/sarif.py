"""SARIF 2.1.0 shaped for GitHub code scanning, built as plain JSON data in one pass (property names as
the SARIF schema spells them; no object model: building and serialising sarif-om objects was most of
the render time)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from scanner import __version__
from scanner.engine.rule import Rule
from scanner.findings import Finding, Severity
from scanner.model import FileLocation
from scanner.report import ByIdentity
from scanner.report import sarif_limits as limits
from scanner.report.fingerprints import line_hashes_of_files
from scanner.report.json_report import COMPACT, dumps, inert_json

if TYPE_CHECKING:
    from scanner.report import ReportOptions
    from scanner.result import ScanResult

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


def _descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.docs.what.strip()},
        "defaultConfiguration": {"level": rule.severity.sarif_level},
        "help": {"text": rule_help_text(rule), "markdown": rule_help_markdown(rule)},
        **({"helpUri": rule.help_uri} if rule.help_uri is not None else {}),
        "properties": {
            "tags": limits.rule_tags(["security", *(_github_tag(tag) for tag in rule.tags), *rule.compliance_tags]),
            "precision": rule.confidence.sarif_precision,
            "security-severity": rule.severity.security_severity,
            "problem.severity": "recommendation" if rule.severity == Severity.INFO else
            ("error" if rule.severity.sarif_level == "error" else "warning"),
        },
    }


def _github_tag(tag: str) -> str:
    """`cwe-798` is written `external/cwe/cwe-798`, the form code scanning files CWE tags under."""
    if _CWE.fullmatch(tag.lower()):
        return f"external/cwe/{tag.lower()}"
    return tag


_CWE = re.compile(r"cwe-\d{1,5}")


def _physical(location: FileLocation, snippet: str | None = None, source: Any = None) -> dict[str, Any]:
    """A SARIF physical location; a span without an end column ends with its last line (of `source`)."""
    start_line = location.start_line
    start_column = location.start_column or 1
    end_line = max(location.end_line or start_line, start_line)
    if location.end_column is not None:
        end_column = location.end_column + 1  # SARIF end columns are exclusive
    elif source is not None and 1 <= end_line <= len(source.lines):
        end_column = len(source.lines[end_line - 1]) + 1  # the whole last line
    else:
        end_column = start_column + 1
    if end_line == start_line and end_column <= start_column:
        end_column = start_column + 1
    region: dict[str, Any] = {"startLine": start_line, "startColumn": start_column, "endLine": end_line,
                              "endColumn": end_column}
    if snippet:
        region["snippet"] = {"text": snippet}
    return {"artifactLocation": {"uri": location.path, "uriBaseId": SRCROOT}, "region": region}


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


def _message(finding: Finding, related: int, shared: _SharedRelated) -> str:
    """The finding's message; related locations are linked from it (`[label](id)`), as code scanning shows."""
    if not finding.related:
        return finding.message
    return f"{finding.message} (related: {shared.links(finding, related)})"


def _links(finding: Finding, related: int) -> str:
    """The links to the first `related` related locations, and how many more there are and where."""
    labels = finding.related_labels[:related]
    links = ", ".join(f"[{_link_text(label)}]({index})" for index, label in enumerate(labels))
    in_json = len(finding.related) - len(labels)   # the JSON report lists up to MAX_RELATED, counts the rest
    not_linked = in_json + finding.related_omitted
    if not_linked > 0:
        if not finding.related_omitted:
            where = " (in the JSON report)"
        else:  # some are in no report: say how many the JSON report lists, if any
            where = f" ({in_json} in the JSON report)" if in_json else ""
        links += f", and {not_linked} more{where}"
    return links


class _SharedRelated:
    """What results listing the same related locations share, made once for each list: the related locations
    as SARIF data and as compact JSON, and the links of the message. Rules firing on one resource list the same
    places (a connection's tasks) by the same objects (`scanner.engine.evaluate.Shared.related`): on
    /tmp/bt/d20k 46,000 related locations written in 240 distinct lists, half the log's bytes.

    A list is known by the identities of its locations and labels (an equal list of other objects is only
    made again); each entry keeps them alive, so no identity can be reused while the log is made."""

    def __init__(self, sources: dict[str, Any]) -> None:
        self.sources = sources
        self._locations: ByIdentity[list[dict[str, Any]]] = ByIdentity()
        self._texts: ByIdentity[str] = ByIdentity()   # a list `locations` made -> its compact JSON
        self._links: ByIdentity[str] = ByIdentity()

    def locations(self, related: list[FileLocation], labels: list[str]) -> list[dict[str, Any]]:
        """`relatedLocations` of the related locations `related` (labelled by the first of `labels`)."""
        def make() -> list[dict[str, Any]]:
            sources = self.sources
            return [{"id": index, "physicalLocation": _physical(loc, source=sources.get(loc.path)),
                     "message": {"text": label}} for index, (loc, label) in enumerate(zip(related, labels))]

        return self._locations.get((len(related),), (*related, *labels[:len(related)]), make)

    def text(self, locations: list[dict[str, Any]]) -> str:
        """The compact JSON of a list `locations` made, inert (`inert_json`)."""
        return self._texts.get((), (locations,), lambda: inert_json(COMPACT.encode(locations)))

    def links(self, finding: Finding, related: int) -> str:
        """`_links` of a finding, made once for its labels and counts."""
        return self._links.get((related, len(finding.related), finding.related_omitted),
                               tuple(finding.related_labels[:related]), lambda: _links(finding, related))


def _link_text(text: str) -> str:
    if "[" not in text and "]" not in text and "\\" not in text:
        return text
    return _LINK_SPECIAL.sub(r"\\\1", text)


_LINK_SPECIAL = re.compile(r"([\\\[\]])")


def _result(finding: Finding, rule_index: int, line_hash: str | None, shared: _SharedRelated) -> dict[str, Any]:
    fingerprints = {"airguard/v1": finding.fingerprint}
    if line_hash is not None:
        fingerprints["primaryLocationLineHash"] = line_hash
    properties: dict[str, Any] = {"severity": finding.severity.value, "confidence": finding.confidence.value,
                                  "resourceType": finding.resource_type, "resourceName": finding.resource_name}
    location: dict[str, Any]
    if finding.location is not None:
        location = {"physicalLocation": _physical(finding.location, finding.snippet,
                                                  shared.sources.get(finding.location.path))}
    else:  # GitHub rejects a result without a file: name the resource as a repository-relative path
        location = {"physicalLocation": {
            "artifactLocation": {"uri": placeholder_uri(finding), "uriBaseId": SRCROOT},
            "region": {"startLine": 1, "startColumn": 1, "endColumn": 2}}}
        properties["locationIsPlaceholder"] = True
        # upload-sarif cannot hash a line of a file that does not exist: a value of the same form from
        # airguard's own fingerprint (rule, ARN, ...) keeps the alert the same one from run to run
        fingerprints["primaryLocationLineHash"] = f"{finding.fingerprint[:16]}:1"
    if finding.aws is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.aws.arn, "kind": "resource",
                                         "name": finding.resource_name}]
    elif finding.location is None:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.resource_id, "kind": "resource",
                                         "name": finding.resource_name}]
    related = finding.related[:limits.RELATED_LOCATIONS]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.severity.sarif_level,
        "kind": "fail",
        "message": {"text": _message(finding, len(related), shared)},
        "locations": [location],
        "partialFingerprints": fingerprints,
        "properties": properties,
    }
    if related:
        result["relatedLocations"] = shared.locations(related, finding.related_labels)
        omitted = len(finding.related) + finding.related_omitted - len(related)
        if omitted > 0:
            properties["relatedLocationsOmitted"] = omitted
    if finding.suppression is not None:
        suppression = {"kind": "inSource" if finding.suppression.kind == "inline" else "external"}
        if finding.suppression.justification:
            suppression["justification"] = finding.suppression.justification
        result["suppressions"] = [suppression]
    return result


def _line_hashes(result: ScanResult, findings: list[Finding]) -> dict[tuple[str, int], str]:
    """GitHub's `primaryLocationLineHash` for each finding's line, from the text airguard read."""
    sources = result.ctx.sources
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        if finding.location is not None and finding.location.path in sources:
            wanted.setdefault(finding.location.path, set()).add(finding.location.start_line)
    paths = list(wanted)
    hashes: dict[tuple[str, int], str] = {}
    for path, found in zip(paths, line_hashes_of_files((sources[path].text, wanted[path]) for path in paths)):
        for line, value in found.items():
            hashes[(path, line)] = value
    return hashes


def _notification(notice: Any) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "descriptor": {"id": notice.kind},
        "level": notice.level if notice.level in ("error", "warning", "note") else "note",
        "message": {"text": notice.message},
    }
    if notice.path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": notice.path, "uriBaseId": SRCROOT}}
        if notice.line:
            physical["region"] = {"startLine": notice.line}
        notification["locations"] = [{"physicalLocation": physical}]
    if notice.rule_id:
        notification["associatedRule"] = {"id": notice.rule_id}
    return notification


def build_log(result: ScanResult, options: ReportOptions,
              shared: _SharedRelated | None = None) -> tuple[dict[str, Any], limits.Omitted]:
    """The SARIF log as plain JSON data within GitHub's limits on counts (`scanner.report.sarif_limits`),
    and the results it leaves out. Results listing the same related locations share one list of them
    (`shared`'s)."""
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rules)}
    # Code scanning ignores `suppressions` (a suppressed result would open an alert): suppressed and
    # baselined findings are left out of the SARIF unless asked for (--show-suppressed); JSON keeps them.
    findings = [f for f in result.findings if f.rule_id in index
                and (f.suppression is None or options.show_suppressed)]
    findings, omitted = limits.keep_results(findings)
    hashes = _line_hashes(result, findings)
    shared = shared if shared is not None else _SharedRelated(result.ctx.sources)
    results = [_result(f, index[f.rule_id], hashes.get((f.location.path, f.location.start_line))
                       if f.location is not None else None, shared) for f in findings]
    notifications = [_notification(n) for n in result.notices]
    invocation: dict[str, Any] = {"executionSuccessful": not result.partial}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "airguard", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "contents": ["localizedData", "nonLocalizedData"],
                            "rules": [_descriptor(r) for r in rules]}},
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"description": {
            "text": "The root of the scanned repository; every path in this log is relative to it."}}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "newlineSequences": ["\r\n", "\n"],
    }
    if options.sarif_category:
        run["automationDetails"] = {"id": f"{options.sarif_category.rstrip('/')}/"}
    properties: dict[str, Any] = {}
    baseline = result.baseline
    if baseline is not None:  # recorded findings the scan no longer found (fixed or moved)
        properties["baselineUnmatched"] = baseline.unmatched
    if properties:
        run["properties"] = properties
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    limits.record_omitted(log, omitted)
    return log, omitted


def render(result: ScanResult, options: ReportOptions) -> str:
    """Compact JSON (a file for machines; `--pretty` indents it). Strings were masked where findings and
    notices were made. A log over GitHub's size limit loses its lowest-severity results, counted."""
    shared = _SharedRelated(result.ctx.sources)
    log, omitted = build_log(result, options, shared)
    if options.pretty:
        text = limits.fit_size(log, omitted, lambda data: dumps(data, pretty=True))
    else:
        text = limits.fit_size(log, omitted, _CompactLog(shared).dumps)
    return text + "\n"


class _CompactLog:
    """`dumps` of a log (compact) with each result encoded once, whatever the number of times the log is
    (`sarif_limits.fit_size` cuts results and encodes again), and each list of related locations encoded once
    (`_SharedRelated.text`), not once per result listing it. Compact JSON of an object is its members joined
    by `,`: the text around a member's value (`_around`) with the value's text between gives exactly the
    encoder's text of the whole. The pieces are joined once (a log of 25 MB is not copied at each level), and
    each is made inert (`inert_json`) alone: every piece ends in `:`, `,`, a bracket or a brace, so no `##[`
    spans two."""

    def __init__(self, shared: _SharedRelated) -> None:
        self.shared = shared
        self._pieces: ByIdentity[tuple[str, ...]] = ByIdentity()   # a result -> its pieces

    def dumps(self, log: dict[str, Any]) -> str:
        [run] = log["runs"]
        log_head, log_tail = _around(log, "runs")
        run_head, run_tail = _around(run, "results")
        pieces = [f"{log_head}[{run_head}["]
        for result in run["results"]:
            pieces += self._result_pieces(result)
            pieces.append(",")
        if run["results"]:
            pieces.pop()
        pieces.append(f"]{run_tail}]{log_tail}")
        return "".join(pieces)

    def _result_pieces(self, result: dict[str, Any]) -> tuple[str, ...]:
        def make() -> tuple[str, ...]:
            related = result.get("relatedLocations")
            if related is None:
                return (inert_json(COMPACT.encode(result)),)
            head, tail = _around(result, "relatedLocations")
            return (head, self.shared.text(related), tail)

        return self._pieces.get((), (result,), make)


def _around(data: dict[str, Any], key: str) -> tuple[str, str]:
    """The compact JSON of `data` before and after the value of its member `key`, each made inert."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    part = before
    for name, value in data.items():
        if name == key:
            part = after
        else:
            part[name] = value
    head = COMPACT.encode(before)[:-1] + ("," if before else "")
    tail = "," + COMPACT.encode(after)[1:] if after else "}"
    return inert_json(f"{head}{COMPACT.encode(key)}:"), inert_json(tail)
