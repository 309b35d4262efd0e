"""One scan, end to end: collectors -> one graph -> linked -> rules -> findings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.collect.files import collect_files
from scanner.config import Config
from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.link import link
from scanner.engine.loader import load_rules
from scanner.engine.rule import Rule
from scanner.engine.suppressions import SuppressionIndex, as_resource, find_suppressions
from scanner.findings import Finding, Notice, ScanStats, Severity
from scanner.model import Resource, ResourceGraph

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


@dataclass
class ScanResult:
    findings: list[Finding]
    notices: list[Notice]
    rules: list[Rule]
    stats: ScanStats
    graph: ResourceGraph
    ctx: ScanContext
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return any(n.level == "error" for n in self.notices)

    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]

    def exit_code(self, fail_on: str) -> int:
        if fail_on != "none":
            threshold = Severity(fail_on).rank
            if any(f.severity.rank >= threshold for f in self.active()):
                return EXIT_FINDINGS
        return EXIT_PARTIAL if self.partial else EXIT_OK


def select_rules(rules: list[Rule], select: list[str], ignore: list[str]) -> list[Rule]:
    """Keep rules named by id, name or id prefix in `select` (all when empty), minus `ignore`."""

    def named(rule: Rule, patterns: list[str]) -> bool:
        return any(rule.id.startswith(p) or rule.name == p for p in patterns)

    chosen = [r for r in rules if not select or named(r, select)]
    return [r for r in chosen if not named(r, ignore)]


def rule_parameters(rules: list[Rule], config: Config) -> dict[str, dict[str, Any]]:
    return {
        rule.id: rule.resolve_parameters(
            config.profile, {**config.parameters, **config.rule_parameters.get(rule.id, {})}
        )
        for rule in rules
    }


def run_scan(paths: list[Path], config: Config, root: Path, extra_rule_dirs: list[Path] | None = None,
             aws_resources: list[Resource] | None = None, aws_notices: list[Notice] | None = None,
             jobs: int | None = None) -> ScanResult:
    """Scan `paths`; `aws_resources`/`aws_notices` come from a live collection or a snapshot."""
    started = time.perf_counter()
    rules = load_rules([*config.resolved_rule_dirs(), *(extra_rule_dirs or [])], label_root=root)
    rules = select_rules(rules, config.select, config.ignore)
    ctx = ScanContext(root=root.resolve())
    ctx.notices.extend(aws_notices or [])
    graph = ResourceGraph()
    graph.add_all(collect_files(ctx, paths, config.exclude, jobs=jobs) if paths else [])
    graph.add_all(aws_resources or [])
    suppressions = [s for source in ctx.sources.values() for s in find_suppressions(source)]
    graph.add_all(as_resource(s) for s in suppressions)
    link(graph)
    parameters = rule_parameters(rules, config)
    findings = evaluate(graph, rules, ctx, parameters, SuppressionIndex(suppressions))
    stats = ScanStats(files_scanned=ctx.files_scanned, resources=len(graph), rules_evaluated=len(rules),
                      duration_seconds=round(time.perf_counter() - started, 4))
    notices = sorted(ctx.notices, key=Notice.sort_key)
    for notice in notices:
        notice.message = ctx.redactor.scrub(notice.message)
    return ScanResult(findings=findings, notices=notices, rules=rules, stats=stats, graph=graph, ctx=ctx,
                      parameters=parameters)
