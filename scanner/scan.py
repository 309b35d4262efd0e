"""One scan, end to end: the registered collectors (`scanner.collectors`) -> one graph -> linked -> rules ->
findings."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import gcpause, timings
from scanner.collector import Collector
from scanner.collectors import AwsInput, ScanRequest, build_collectors
from scanner.config import Config
from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.link import link
from scanner.engine.loader import load_rules
from scanner.engine.rule import Rule
from scanner.engine.suppressions import SuppressionIndex, as_resource, find_suppressions
from scanner.findings import Notice, ScanStats
from scanner.model import ResourceGraph
from scanner.result import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, ScanResult
from scanner.safeio import scan_boundaries

if TYPE_CHECKING:
    from scanner.collect.dagbag import DagbagRequest

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "AwsInput", "ScanResult", "run_scan"]


def select_rules(rules: list[Rule], select: list[str], ignore: list[str]) -> list[Rule]:
    """Keep rules named by id, name or id prefix in `select` (all when empty), minus `ignore`."""

    def named(rule: Rule, patterns: list[str]) -> bool:
        return any(rule.id.startswith(p) or rule.name == p for p in patterns)

    unknown = [p for p in select if not any(named(rule, [p]) for rule in rules)]
    if unknown:  # a typo must not turn the scan into a pass that checks nothing
        from scanner.config import ConfigError

        raise ConfigError(f"--select {', '.join(unknown)}: no rule has this id, name or id prefix "
                          "(see `airguard rules`)")
    chosen = [r for r in rules if not select or named(r, select)]
    return [r for r in chosen if not named(r, ignore)]


def rule_parameters(rules: list[Rule], config: Config) -> dict[str, dict[str, Any]]:
    return {
        rule.id: rule.resolve_parameters(
            config.profile, {**config.parameters, **config.rule_parameters.get(rule.id, {})}
        )
        for rule in rules
    }


def check_rule_parameters(rules: list[Rule], config: Config) -> None:
    """Every parameter the configuration sets must exist and have the parameter's type: a typo or a
    wrong type (`max_session_seconds = "abc"`) must not silently keep the default or switch a rule off."""
    if not config.rule_parameters and not config.parameters:
        return   # nothing set (most scans): the text report's `visible` is not even imported
    from scanner.config import ConfigError
    from scanner.report.text import visible  # key names come from the file: shown, never acted on

    where = config.path.name if config.path else "configuration"
    by_id = {rule.id: rule for rule in rules}
    problems = []
    for rule_id, values in sorted(config.rule_parameters.items()):
        rule = by_id.get(rule_id)
        if rule is None:
            problems.append(f"{where}: rule-parameters: unknown rule '{visible(rule_id)}'")
            continue
        for name in sorted(set(values) - set(rule.parameters)):
            known = ", ".join(sorted(rule.parameters)) or "none"
            problems.append(f"{where}: rule-parameters.{rule_id}: unknown parameter '{visible(name)}' "
                            f"(known: {known})")
        for name in sorted(set(values) & set(rule.parameters)):
            problem = rule.parameters[name].problem(values[name])
            if problem:
                problems.append(f"{where}: rule-parameters.{rule_id}.{name}: {problem}")
    every = {name for rule in rules for name in rule.parameters}
    for name in sorted(set(config.parameters) - every):
        problems.append(f"{where}: parameters: no rule has a parameter '{visible(name)}'")
    for name in sorted(set(config.parameters) & every):
        # one global value feeds every rule declaring the name: it must fit each of their types
        wrong = sorted({problem for rule in rules if name in rule.parameters
                        if (problem := rule.parameters[name].problem(config.parameters[name]))})
        problems += [f"{where}: parameters.{name}: {problem}" for problem in wrong]
    if problems:
        raise ConfigError("\n".join(problems))


def run_scan(paths: list[Path], config: Config, root: Path, extra_rule_dirs: list[Path] | None = None,
             aws: AwsInput | None = None, dagbag: DagbagRequest | None = None,
             jobs: int | None = None) -> ScanResult:
    """Scan `paths`, with the account in `aws` (its gaps and left-out services become not-evaluated
    notices); `dagbag` also loads DAG folders with Airflow's DagBag in a child process (started before any
    collector runs, merged after the files); `jobs` bounds the worker processes for many DAG files (1 =
    in-process). One pipeline: the registered collectors (`scanner.collectors`) in order -> one graph ->
    inline suppressions -> linked -> rules -> findings."""
    started = time.perf_counter()
    request = ScanRequest(paths=paths, config=config, root=root, aws=aws, dagbag=dagbag, jobs=jobs)
    collectors = build_collectors(request)  # first: the DagBag child starts (or is refused) before all else
    with timings.stage("rules"):
        rules = load_rules([*config.resolved_rule_dirs(), *(extra_rule_dirs or [])], label_root=root)
        check_rule_parameters(rules, config)
        rules = request.rules = select_rules(rules, config.select, config.ignore)
    ctx = ScanContext(root=root.resolve(), boundaries=scan_boundaries(paths, root))
    graph = ResourceGraph()
    try:
        with gcpause.Paused() as collected:
            for collector in collectors:
                with timings.stage(f"collect: {collector.description}"):
                    run_collector(collector, ctx, graph)
            collected.freeze()
            with timings.stage("suppressions and links"):
                suppressions = [s for source in ctx.sources.values() for s in find_suppressions(source)]
                graph.add_all(as_resource(s) for s in suppressions)
                link(graph)
            with timings.stage("evaluate"):
                parameters = rule_parameters(rules, config)
                findings = evaluate(graph, rules, ctx, parameters, SuppressionIndex(suppressions))
    finally:
        with timings.stage("workers' exit, file cache"):
            for finish in ctx.finishers:   # what collectors left running (`ScanContext.finishers`)
                finish()
    stats = ScanStats(files_scanned=ctx.files_scanned, resources=len(graph), rules_evaluated=len(rules),
                      duration_seconds=round(time.perf_counter() - started, 4))
    notices = sorted(ctx.notices, key=Notice.sort_key)
    for notice in notices:
        notice.message = ctx.redactor.scrub(notice.message)
    return ScanResult(findings=findings, notices=notices, rules=rules, stats=stats, graph=graph, ctx=ctx,
                      parameters=parameters)


def run_collector(collector: Collector, ctx: ScanContext, graph: ResourceGraph) -> None:
    """Add what `collector` found to the graph and its notices to the scan's; an isolated collector that fails
    becomes an error notice (the scan is partial) and the rest of the scan goes on."""
    if not collector.isolated:
        result = collector.collect(ctx, graph)
    else:
        try:
            result = collector.collect(ctx, graph)
        except (Exception, RecursionError, MemoryError) as exc:
            if os.environ.get("AIRGUARD_DEBUG"):
                raise
            ctx.notice("internal-error", f"airguard could not read {collector.description} "
                       f"({type(exc).__name__}); it was skipped")
            return
    graph.add_all(result.resources)
    ctx.notices += result.notices
