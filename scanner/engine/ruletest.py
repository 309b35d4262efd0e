"""`airguard rules test`: each rule's own examples must fail and pass as the rule says, and its fixture files
(Semgrep's way) must give exactly the findings their markers say when scanned by the real collectors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.loader import fixture_dir
from scanner.engine.rule import Example, Rule
from scanner.findings import Finding
from scanner.model import FileLocation, Resource, ResourceGraph, Source

# `# ruleid: AG101` (or `// ruleid:`, `-- ruleid:`): the next line that is no marker must give exactly one
# finding of the rule; `# ok: AG101`: it must give none. Several ids: `# ruleid: AG101, AG102`. A marker on a
# file's first line marks that line itself: a finding about the file as a whole (a deployment without a secrets
# backend) is reported at line 1.
#
# An AWS snapshot has no comments: `aws-snapshot.json` in a fixture folder is the scan's account, and its sidecar
# `aws-snapshot.json.expect` says per resource name `ruleid: AG513 ci` / `ok: AG513 nokeys` (findings on the
# snapshot are matched by the name of their resource, not by line).
SIDECAR = re.compile(r"^\s*(ruleid|ok):\s*([A-Za-z0-9_-]+)\s+(\S.*?)\s*$")
EXPECT_SUFFIX = ".expect"
MARKER = re.compile(r"^\s*(?:#|//|--)\s*(ruleid|ok):\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)\s*$")
MAX_FIXTURE_BYTES = 1_000_000


class FixtureSkipped(Exception):
    """Raised by a fixture scan that this installation cannot run (a missing optional extra): not a failure."""


@dataclass
class RuleTestResult:
    rule: Rule
    failures: list[str] = field(default_factory=list)
    cases: int = 0
    fixture_marks: dict[str, int] = field(default_factory=lambda: {"ruleid": 0, "ok": 0})
    skipped: list[str] = field(default_factory=list)   # fixture folders this install cannot run (and why)

    @property
    def ok(self) -> bool:
        return not self.failures


def _add_example(graph: ResourceGraph, example: Example, default_type: str, label: str) -> Resource:
    resource = graph.add(Resource(
        id=f"example:{label}",
        type=example.type or default_type,
        name=example.name or str(example.attributes.get("conn_id") or example.attributes.get("name") or label),
        attributes=example.attributes,
        source=Source(file=FileLocation(path=f"<{label}>", start_line=1)),
    ))
    for relation, targets in example.relations.items():
        for index, target in enumerate(targets):
            related = _add_example(graph, target, target.type or default_type, f"{label}/{relation}[{index}]")
            graph.relate(resource.id, relation, related.id)
    for relation, sources in example.incoming.items():
        for index, source in enumerate(sources):
            related = _add_example(graph, source, source.type or default_type, f"{label}/<-{relation}[{index}]")
            graph.relate(related.id, relation, resource.id)
    return resource


# Scans a rule's fixture folder with only that rule selected: its findings, and problems (a partial scan). The
# engine does not run scans: `scanner.rule_fixtures` passes the real pipeline in.
FixtureScan = Callable[[Rule, Path, "str | None"], tuple[list[Finding], list[str]]]


def run_rule_tests(rules: list[Rule], profile: str | None = None,
                   scan_fixture: FixtureScan | None = None) -> list[RuleTestResult]:
    """Each rule's inline examples, and with `scan_fixture` its fixture folder (`scanner.rule_fixtures`)."""
    results = []
    for rule in rules:
        outcome = RuleTestResult(rule)
        _run_examples(rule, profile, outcome)
        folder = fixture_dir(rule)
        if folder is not None and scan_fixture is not None:
            _run_fixtures(rule, folder, profile, outcome, scan_fixture)
        results.append(outcome)
    return results


def _run_examples(rule: Rule, profile: str | None, outcome: RuleTestResult) -> None:
    for expectation, examples in (("fail", rule.tests.fail), ("pass", rule.tests.pass_)):
        for index, example in enumerate(examples):
            outcome.cases += 1
            graph = ResourceGraph()
            label = f"{rule.id}:{expectation}[{index}]"
            _add_example(graph, example, rule.resource, label)
            params = rule.resolve_parameters(profile, example.params)
            findings = evaluate(graph, [rule], ScanContext(root=Path(".")), {rule.id: params})
            hit = any(f.resource_id == f"example:{label}" for f in findings)
            name = f" ({example.name})" if example.name else ""
            if expectation == "fail" and not hit:
                outcome.failures.append(f"tests.fail[{index}]{name}: expected a finding, got none")
            if expectation == "pass" and hit:
                outcome.failures.append(f"tests.pass[{index}]{name}: expected no finding, got one")


Place = tuple[str, "int | str"]   # (file relative to the fixture folder, line or, in a snapshot, resource name)


def fixture_marks(folder: Path, rule_id: str) -> dict[Place, str]:
    """Each marked place -> 'ruleid' or 'ok', from the markers naming `rule_id`."""
    marks: dict[Place, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.stat().st_size > MAX_FIXTURE_BYTES or path.with_name(path.name + EXPECT_SUFFIX).is_file():
            continue
        relative = path.relative_to(folder).as_posix()
        text = path.read_text("utf-8", errors="replace")
        if path.name.endswith(EXPECT_SUFFIX):
            target = relative[: -len(EXPECT_SUFFIX)]
            for line in text.splitlines():
                found = SIDECAR.match(line)
                if found and found.group(2) == rule_id:
                    marks[(target, found.group(3))] = found.group(1)
            continue
        pending: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            found = MARKER.match(line)
            if found:
                if rule_id in [part.strip() for part in found.group(2).split(",")]:
                    if number == 1:
                        marks[(relative, 1)] = found.group(1)
                    else:
                        pending.append(found.group(1))
                continue
            for kind in pending:
                marks[(relative, number)] = kind
            pending = []
    return marks


def _run_fixtures(rule: Rule, folder: Path, profile: str | None, outcome: RuleTestResult,
                  scan_fixture: FixtureScan) -> None:
    """Scan the fixture folder (only this rule selected) and compare the findings with the markers."""
    marks = fixture_marks(folder, rule.id)
    where = _shown(folder)
    if not marks:
        outcome.failures.append(f"{where}: no '# ruleid: {rule.id}' or '# ok: {rule.id}' marker")
        return
    try:
        findings, problems = scan_fixture(rule, folder, profile)
    except FixtureSkipped as skipped:
        outcome.skipped.append(f"{where}: not run: {skipped}")
        return
    for kind in marks.values():
        outcome.fixture_marks[kind] += 1
    outcome.cases += len(marks)
    outcome.failures += [f"{where}: {problem}" for problem in problems]
    by_name = {path for path, _ in marks if (folder / (path + EXPECT_SUFFIX)).is_file()}
    at: dict[Place, int] = {}
    for finding in findings:
        location = finding.location
        key: Place = ("(no file)", finding.resource_name) if location is None else \
            (location.path, finding.resource_name) if location.path in by_name else (location.path, location.start_line)
        at[key] = at.get(key, 0) + 1
    for (path, line), kind in sorted(marks.items(), key=str):
        got = at.get((path, line), 0)
        if kind == "ruleid" and got != 1:
            outcome.failures.append(f"{where}/{path}:{line}: ruleid: expected one {rule.id} finding, got {got}")
        if kind == "ok" and got:
            outcome.failures.append(f"{where}/{path}:{line}: ok: expected no {rule.id} finding, got {got}")
    for (path, line), count in sorted(at.items(), key=str):
        if (path, line) not in marks:
            outcome.failures.append(f"{where}/{path}:{line}: {count} {rule.id} finding(s) on a line no "
                                    f"'# ruleid: {rule.id}' marks")


def _shown(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return folder.name
