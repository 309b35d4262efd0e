"""Evaluate rules over the graph and turn matches into findings."""

from __future__ import annotations

from array import array
from itertools import accumulate, islice
from typing import Any

from scanner import digests
from scanner.context import ScanContext
from scanner.engine.conditions import EvalEnv, UnknownValue, compile_condition, render, resolve_path
from scanner.engine.rule import Rule
from scanner.engine.suppressions import SuppressionIndex
from scanner.findings import Finding, Suppression
from scanner.model import FileLocation, Resource, ResourceGraph
from scanner.secrets import scrub_patterns

SNIPPET_MAX = 240
# Related locations a finding lists: the rest are counted (`Finding.related_omitted`). A connection defined in
# 3,000 projects and named by 3,000 tasks would otherwise list every task on each definition's finding: a
# report quadratic in the tree. GitHub code scanning shows 100 locations per alert (the primary one and 99).
MAX_RELATED = 100


def fingerprint(rule: Rule, resource: Resource, location: FileLocation | None, occurrence: int,
                item: str = "") -> str:
    """Stable across lines inserted above: rule, file (or ARN), resource name, which attribute.
    An AWS resource is anchored to its ARN even when the finding points at a connection's file."""
    if resource.source.aws is not None:
        anchor, attribute = resource.source.aws.arn, ""  # the AWS rules' location names an IaC line only
    else:
        anchor, attribute = (location.path if location else resource.id), rule.location or ""
    material = "|".join([rule.id, anchor, resource.type, resource.name, attribute, item, str(occurrence)])
    return digests.sha256(material.encode("utf-8")).hexdigest()[:32]


class LineIndex:
    """Line `n` of a text without a list of all its lines: where each line starts (an int array). For a text
    longer than `CHUNK` (`file_lines`): a snapshot in the tree can have millions of lines (195 MB as one list
    for 2.35 million)."""

    # Characters split into lines at a time: a piece of this size has some tens of thousands
    CHUNK = 1 << 20

    def __init__(self, text: str) -> None:
        self.text = text
        # str.splitlines numbers lines as `SourceFile.lines` and the collectors do; the starts come from the
        # lengths without a Python loop per line. Each piece ends just after a "\n", which ends a line
        # whatever comes before it ("\r\n" stays whole), so the pieces' lines are the text's.
        self.starts = array("l", [0])
        start = 0
        while start < len(text):
            end = text.find("\n", start + self.CHUNK) + 1 or len(text)
            lengths = map(len, text[start:end].splitlines(keepends=True))
            self.starts.extend(islice(accumulate(lengths, initial=start), 1, None))
            start = end

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, index: int) -> str:
        """Line `index` (from 0, as in the list of lines) without its break."""
        return self.line(index + 1)

    def line(self, number: int) -> str:
        """Line `number` (from 1) without its break: the one break it holds ends it."""
        with_break = self.text[self.starts[number - 1]:self.starts[number]]
        return with_break.splitlines()[0] if with_break else ""


def file_lines(text: str) -> list[str] | LineIndex:
    """The lines of `text`, numbered as str.splitlines numbers them: its list (one C call, a fifth of a
    `LineIndex`'s time on a file of a few KB) for a text of up to `LineIndex.CHUNK` characters, else a
    `LineIndex`. The snippets are made one file at a time (`Shared.fill_snippets`): one file's list is alive
    at a time."""
    return text.splitlines() if len(text) <= LineIndex.CHUNK else LineIndex(text)


class Shared:
    """What the findings of one evaluation share, each made once: scrubbed texts (rules firing on one
    resource repeat its name, message and related labels), the redacted snippet of each (file, line), and
    the related locations of each (resource, relation). The redactor knows every secret before rules run,
    so its answers hold for the whole evaluation."""

    def __init__(self, ctx: ScanContext, graph: ResourceGraph) -> None:
        self.ctx = ctx
        self.graph = graph
        self.scrubbed: dict[str, str] = {}
        # a snippet line with its file's secrets masked -> with credential shapes masked too: lines repeat
        # across files (a connection's `password: ****`), and the shapes' patterns are most of a snippet's time
        self.shapes_masked: dict[str, str] = {}
        self.related_by: dict[tuple[str, str], tuple[list[FileLocation], list[str], int]] = {}
        self.labels: dict[tuple[str, str], str] = {}   # (relation, target id) -> its scrubbed label

    def scrub(self, text: str) -> str:
        found = self.scrubbed.get(text)
        if found is None:
            found = self.scrubbed[text] = self.ctx.redactor.scrub(text)
        return found

    def fill_snippets(self, findings: list[Finding]) -> None:
        """Each finding's snippet: the redacted line its location starts on, or None when its file was not
        read or has no such line. Made file by file once every finding is known: a file's lines are split
        once for all its findings, and dropped before the next file's."""
        by_path: dict[str, list[Finding]] = {}
        for finding in findings:
            if finding.location is not None:
                by_path.setdefault(finding.location.path, []).append(finding)
        for path, in_file in by_path.items():
            source = self.ctx.sources.get(path)
            if source is None:
                continue
            lines = file_lines(source.text)
            snippets: dict[int, str | None] = {}   # line -> its snippet (rules firing on one line share it)
            for finding in in_file:
                number = finding.location.start_line  # type: ignore[union-attr]  # grouped by it above
                if number not in snippets:
                    snippets[number] = self._snippet(path, number, lines)
                finding.snippet = snippets[number]

    def _snippet(self, path: str, number: int, lines: list[str] | LineIndex) -> str | None:
        if not (1 <= number <= len(lines)):
            return None
        return self.ctx.redactor.snippet(path, number, lines[number - 1].strip(), SNIPPET_MAX, self._mask_shapes)

    def _mask_shapes(self, text: str) -> str:
        found = self.shapes_masked.get(text)
        if found is None:
            found = self.shapes_masked[text] = scrub_patterns(text)
        return found

    def _label(self, relation: str, target: Resource) -> str:
        """The scrubbed label of `target` as a related location by `relation` (a resource many others lead
        to, a connection's tasks, is labelled once)."""
        key = (relation, target.id)
        found = self.labels.get(key)
        if found is None:
            found = self.labels[key] = self.scrub(f"{relation}: {target.type} '{target.name}'")
        return found

    def related(self, resource: Resource, relation: str) -> tuple[list[FileLocation], list[str], int]:
        """The files of the first `MAX_RELATED` resources `relation` leads to, their scrubbed labels (shared:
        copy them), and how many there are in all."""
        key = (resource.id, relation)
        found = self.related_by.get(key)
        if found is None:
            places: list[FileLocation] = []
            labels: list[str] = []
            total = 0
            for target in self.graph.follow(resource, relation):
                if target.source.file is not None:
                    total += 1
                    if total <= MAX_RELATED:
                        places.append(target.source.file)
                        labels.append(self._label(relation, target))
            found = self.related_by[key] = (places, labels, total)
        return found


def evaluate(
    graph: ResourceGraph,
    rules: list[Rule],
    ctx: ScanContext,
    parameters: dict[str, dict[str, Any]] | None = None,
    suppressions: SuppressionIndex | None = None,
) -> list[Finding]:
    """Every finding of every rule, redacted, fingerprinted, with inline suppressions applied (its snippet
    is made once all are known: `Shared.fill_snippets`)."""
    findings: list[Finding] = []
    shared = Shared(ctx, graph)
    of_type: dict[str, list[Resource]] = {}   # rules reading one type share its list (the graph is not changed)
    for rule in rules:
        predicate = compile_condition(rule.condition)
        env = EvalEnv(graph=graph, params=(parameters or {}).get(rule.id, rule.resolve_parameters()))
        occurrences: dict[tuple[str, str, str, str], int] = {}
        resources = of_type.get(rule.resource)
        if resources is None:
            resources = of_type[rule.resource] = graph.of_type(rule.resource)
        for resource in resources:
            try:
                matched = predicate(resource, env)
            except UnknownValue as unknown:
                _not_evaluated(ctx, rule, resource, unknown)
                continue
            except Exception as exc:  # noqa: BLE001 - a rule must never take the scan down
                ctx.notice("rule-error", f"rule {rule.id} failed on {resource.type} '{resource.name}': "
                           f"{type(exc).__name__}", rule_id=rule.id)
                continue
            if not matched:
                continue
            items: list[Any] = [None]
            if rule.for_each:
                items = [v for values in resolve_path(resource, rule.for_each)
                         for v in (values if isinstance(values, list) else [values])] or [None]
            for item in items:
                finding = _finding(ctx, graph, rule, resource, env.params, item, occurrences, shared)
                if suppressions is not None:
                    match = suppressions.match(rule.id, rule.name, finding.location)
                    if match is not None:
                        finding.suppression = Suppression(
                            "inline", ctx.redactor.scrub_in_file(match.path, match.reason),
                            FileLocation(match.path, match.line, match.column))
                findings.append(finding)
    shared.fill_snippets(findings)
    return sorted(findings, key=Finding.sort_key)


def _not_evaluated(ctx: ScanContext, rule: Rule, resource: Resource, unknown: UnknownValue) -> None:
    """A rule that needs a value infrastructure code leaves unknown until apply: a warning on the resource,
    never a pass and never a finding."""
    where = resource.location_for(rule.location) or resource.source.file
    subject = unknown.resource
    about = "" if subject is resource else f" of {subject.type} '{subject.name}'"
    ctx.notice("not-evaluated", f"rule {rule.id} not evaluated on {resource.type} '{resource.name}': "
               f"{unknown.path}{about} is not known before apply", where.path if where else None,
               where.start_line if where else None, level="warning", rule_id=rule.id)


def _connection_locations(graph: ResourceGraph, resource: Resource) \
        -> tuple[FileLocation | None, list[FileLocation], list[str]]:
    """Where the connections that depend on an AWS resource are written: the first is the finding's
    location (so it shows in code review), the others are related locations."""
    places: list[tuple[FileLocation, str]] = []
    for connection in graph.follow(resource, "referenced_by_connection"):
        place = connection.location_for("host|extra.role_arn")
        if place is not None:
            places.append((place, f"connection '{connection.name}' depends on {resource.type} '{resource.name}'"))
    places.sort(key=lambda p: (p[0].path, p[0].start_line, p[0].start_column or 0))
    if not places:
        return None, [], []
    return places[0][0], [p for p, _ in places[1:]], [label for _, label in places[1:]]


def _finding(ctx: ScanContext, graph: ResourceGraph, rule: Rule, resource: Resource, params: dict[str, Any],
             item: Any, occurrences: dict[tuple[str, str, str, str], int], shared: Shared) -> Finding:
    item_text = "" if item is None else str(item)
    location_path = (rule.location or "").replace("{item}", item_text)
    location = resource.location_for(location_path)
    key = (location.path if location else resource.id, resource.name, rule.id, item_text)
    # a plain dict counted with get: a Counter's `+=` called Counter.__missing__ for a key seen first (nearly every one)
    occurrence = occurrences[key] = occurrences.get(key, 0) + 1
    related: list[FileLocation] = []
    labels: list[str] = []
    total = 0   # related locations in all, of which the first MAX_RELATED are kept
    if location is None and resource.source.aws is not None:
        location, related, labels = _connection_locations(graph, resource)
        total = len(related)
        related, labels = related[:MAX_RELATED], [shared.scrub(label) for label in labels[:MAX_RELATED]]
        if location is None:
            location = ctx.aws_locations.get(resource.id)
    for relation in rule.related:
        places, relation_labels, count = shared.related(resource, relation)
        room = MAX_RELATED - len(related)
        related += places[:room]
        labels += relation_labels[:room]
        total += count
    message = render(rule.message.replace("{item}", item_text), resource, params)
    return Finding(
        rule_id=rule.id, rule_name=rule.name, title=rule.title, severity=rule.severity,
        confidence=rule.confidence, message=shared.scrub(message), resource_id=resource.id,
        resource_type=resource.type, resource_name=shared.scrub(resource.name), location=location,
        aws=resource.source.aws, related=related,
        related_labels=labels, related_omitted=total - len(related),
        fingerprint=fingerprint(rule, resource, location, occurrence, item_text), suppression=None,
        tags=list(rule.tags), help_uri=rule.help_uri)
