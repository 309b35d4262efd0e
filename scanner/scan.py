"""One scan, end to end: collectors -> one graph -> linked -> rules -> findings."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.collect.files import collect_files
from scanner.config import Config
from scanner.context import ScanContext
from scanner.engine.evaluate import evaluate
from scanner.engine.link import link
from scanner.engine.loader import load_rules
from scanner.engine.rule import Rule
from scanner.engine.suppressions import SuppressionIndex, as_resource, find_suppressions
from scanner.findings import Notice, ScanStats
from scanner.model import Resource, ResourceGraph
from scanner.result import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, ScanResult  # noqa: F401 - as before
from scanner.safeio import scan_boundaries
from scanner.source import SourceFile

if TYPE_CHECKING:
    from scanner.aws.units import Snapshot
    from scanner.collect.dagbag import DagbagRequest
    from scanner.collect.dagbag.runner import DagbagRun

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


@dataclass
class AwsInput:
    """The AWS side of a scan: one snapshot, collected live or read from `file` (whose `text` then
    places findings on resources no connection references at their lines in it)."""

    snapshot: Snapshot
    file: Path | None = None
    text: str | None = None


def run_scan(paths: list[Path], config: Config, root: Path, extra_rule_dirs: list[Path] | None = None,
             aws: AwsInput | None = None, dagbag: DagbagRequest | None = None,
             jobs: int | None = None) -> ScanResult:
    """Scan `paths`, with the account in `aws` (its gaps and left-out services become not-evaluated
    notices); `dagbag` also loads DAG folders with Airflow's DagBag in a child process (started first,
    collected after the files); `jobs` bounds the worker processes for many DAG files (1 = in-process)."""
    started = time.perf_counter()
    dagbag_run = _start_dagbag(dagbag)
    rules = load_rules([*config.resolved_rule_dirs(), *(extra_rule_dirs or [])], label_root=root)
    check_rule_parameters(rules, config)
    rules = select_rules(rules, config.select, config.ignore)
    ctx = ScanContext(root=root.resolve(), boundaries=scan_boundaries(paths, root))
    graph = ResourceGraph()
    graph.add_all(collect_files(ctx, paths, config.exclude, jobs=jobs) if paths else [])
    if aws is not None:
        with _isolated(ctx, "the AWS snapshot"):
            graph.add_all(_add_aws(ctx, aws, rules))
    if dagbag_run is not None:
        from scanner.collect.dagbag.merge import merge_dagbag

        with _isolated(ctx, "the DagBag result"):
            merge_dagbag(graph, ctx, dagbag_run.wait())
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


@contextmanager
def _isolated(ctx: ScanContext, what: str) -> Iterator[None]:
    """A collector that fails becomes an error notice (the scan is partial); the rest of the scan goes on."""
    try:
        yield
    except (Exception, RecursionError, MemoryError) as exc:
        if os.environ.get("AIRGUARD_DEBUG"):
            raise
        ctx.notice("internal-error", f"airguard could not read {what} ({type(exc).__name__}); it was skipped")


def _add_aws(ctx: ScanContext, aws: AwsInput, rules: list[Rule]) -> list[Resource]:
    """The snapshot's resources; its gaps and left-out services as notices; its file's lines, when the
    snapshot is a file of the repository."""
    from scanner.aws.locate import snapshot_locations
    from scanner.aws.notices import gap_notices, rule_gap_notices, uncollected_notices

    gaps = aws.snapshot.gaps()
    resources = aws.snapshot.resources()
    ctx.notices += [*gap_notices(gaps), *rule_gap_notices(gaps, rules),
                    *uncollected_notices(aws.snapshot.services, rules)]
    if aws.file is not None and aws.text is not None and aws.file.resolve().is_relative_to(ctx.root):
        relative = ctx.relpath(aws.file.resolve())
        ctx.aws_locations.update(snapshot_locations(aws.text, relative, resources))
        # a source like any scanned file, so findings placed in it get snippets and GitHub's line hash
        ctx.sources[relative] = SourceFile(path=relative, absolute=aws.file.resolve(), text=aws.text)
    return resources


def _start_dagbag(request: DagbagRequest | None) -> DagbagRun | None:
    """Start the `--dagbag` child (a `DagbagRequest`) so it loads while the static scan runs."""
    if request is None:
        return None
    from scanner.collect.dagbag.runner import DagbagRun

    return DagbagRun(request.paths, request.timeout, request.exclude)
