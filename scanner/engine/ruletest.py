"""`airguard rules test`: each rule's own examples must fail and pass as the rule says."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.rule import Example, Rule
from scanner.model import FileLocation, Resource, ResourceGraph, Source


@dataclass
class RuleTestResult:
    rule: Rule
    failures: list[str] = field(default_factory=list)
    cases: int = 0

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


def run_rule_tests(rules: list[Rule], profile: str | None = None) -> list[RuleTestResult]:
    results = []
    for rule in rules:
        outcome = RuleTestResult(rule)
        for expectation, examples in (("fail", rule.tests.fail), ("pass", rule.tests.pass_)):
            for index, example in enumerate(examples):
                outcome.cases += 1
                graph = ResourceGraph()
                label = f"{rule.id}:{expectation}[{index}]"
                _add_example(graph, example, rule.resource, label)
                params = rule.resolve_parameters(profile, example.params)
                findings = evaluate(graph, [rule], ScanContext(root=Path(".")),
                                    {rule.id: params})
                hit = any(f.resource_id == f"example:{label}" for f in findings)
                name = f" ({example.name})" if example.name else ""
                if expectation == "fail" and not hit:
                    outcome.failures.append(f"tests.fail[{index}]{name}: expected a finding, got none")
                if expectation == "pass" and hit:
                    outcome.failures.append(f"tests.pass[{index}]{name}: expected no finding, got one")
        results.append(outcome)
    return results
