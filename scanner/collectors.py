"""The registered collectors, in the order the scan runs them, and what a scan asks of them (`ScanRequest`).

To add a collector (an IaC reader, say): write a class with `name`, `description`, `isolated` and
`collect(ctx, graph) -> CollectResult` (the `scanner.collector.Collector` protocol), and a factory that
returns it for a `ScanRequest` (or None when the scan does not ask for it); add the factory to `FACTORIES` at
the place it should run. Factories run first, in order, before the rules are loaded (the DagBag child process
starts, or is refused, in its factory: it loads while the rest of the scan runs); a collector that needs the
rules reads `request.rules` when it collects. Import heavy modules inside the factory or the collector, so a
scan that does not need them never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.collector import Collector, CollectResult
from scanner.context import ScanContext
from scanner.model import Resource, ResourceGraph

if TYPE_CHECKING:
    from scanner.aws.units import Snapshot
    from scanner.collect.dagbag import DagbagRequest
    from scanner.collect.dagbag.runner import DagbagRun
    from scanner.config import Config
    from scanner.engine.rule import Rule


# The classes here are plain classes, not dataclasses: each dataclass costs ~3M instructions to create at
# import, and every scan imports this module; none of them is compared, printed or copied.


class AwsInput:
    """The AWS side of a scan: one snapshot, collected live or read from `file` (whose `text` then
    places findings on resources no connection references at their lines in it)."""

    __slots__ = ("file", "resources", "snapshot", "text")

    def __init__(self, snapshot: Snapshot, file: Path | None = None, text: str | None = None,
                 resources: list[Resource] | None = None) -> None:
        self.snapshot = snapshot
        self.file = file
        self.text = text
        # the snapshot's resources when built as it was read (`parse_snapshot_resources`: its units then hold no
        # resource dicts); None: built from `snapshot` when collected
        self.resources = resources


class ScanRequest:
    """What one scan was asked to read."""

    __slots__ = ("aws", "config", "dagbag", "jobs", "paths", "root", "rules")

    def __init__(self, paths: list[Path], config: Config, root: Path, rules: list[Rule] | None = None,
                 aws: AwsInput | None = None, dagbag: DagbagRequest | None = None, jobs: int | None = None) -> None:
        self.paths = paths
        self.config = config
        self.root = root
        self.rules: list[Rule] = [] if rules is None else rules  # set once loaded, after the factories ran
        self.aws = aws
        self.dagbag = dagbag
        self.jobs = jobs


class FilesCollector:
    """Every file under the scan paths: config files, then DAG code (`scanner.collect.files`)."""

    __slots__ = ("excludes", "jobs", "paths")
    name = "files"
    description = "the files"
    isolated = False  # each file is isolated on its own (a failing file is a notice)

    def __init__(self, paths: list[Path], excludes: list[str], jobs: int | None) -> None:
        self.paths = paths
        self.excludes = excludes
        self.jobs = jobs

    def collect(self, ctx: ScanContext, graph: ResourceGraph) -> CollectResult:
        from scanner.collect.files import collect_files

        return CollectResult(collect_files(ctx, self.paths, self.excludes, jobs=self.jobs))


class AwsCollector:
    """The account's resources from a snapshot (live or from a file); gaps and left-out services as notices
    naming the rules (`request.rules`, loaded by the time it collects) they keep from being evaluated."""

    __slots__ = ("aws", "request")
    name = "aws"
    description = "the AWS snapshot"
    isolated = True

    def __init__(self, aws: AwsInput, request: ScanRequest) -> None:
        self.aws = aws
        self.request = request

    def collect(self, ctx: ScanContext, graph: ResourceGraph) -> CollectResult:
        from scanner.aws.locate import snapshot_locations
        from scanner.aws.notices import gap_notices, rule_gap_notices, uncollected_notices
        from scanner.source import SourceFile

        aws, rules = self.aws, self.request.rules
        gaps = aws.snapshot.gaps()
        resources = aws.resources if aws.resources is not None else aws.snapshot.resources()
        ctx.notices += [*gap_notices(gaps), *rule_gap_notices(gaps, rules),
                        *uncollected_notices(aws.snapshot.services, rules)]
        if aws.file is not None and aws.text is not None and aws.file.resolve().is_relative_to(ctx.root):
            relative = ctx.relpath(aws.file.resolve())
            ctx.aws_locations.update(snapshot_locations(aws.text, relative, resources))
            # a source like any scanned file, so findings placed in it get snippets and GitHub's line hash
            ctx.sources[relative] = SourceFile(path=relative, absolute=aws.file.resolve(), text=aws.text)
        return CollectResult(resources)


class DagbagCollector:
    """What Airflow's DagBag reported, loading the DAG folders in a child process started by the factory;
    merged into the static results (same DAGs and tasks completed, import errors, cycles, duplicates)."""

    __slots__ = ("run",)
    name = "dagbag"
    description = "the DagBag result"
    isolated = True

    def __init__(self, run: DagbagRun) -> None:
        self.run = run

    def collect(self, ctx: ScanContext, graph: ResourceGraph) -> CollectResult:
        from scanner.collect.dagbag.merge import merge_dagbag

        merge_dagbag(graph, ctx, self.run.wait())
        return CollectResult()


def files_collector(request: ScanRequest) -> Collector | None:
    return FilesCollector(request.paths, request.config.exclude, request.jobs) if request.paths else None


def aws_collector(request: ScanRequest) -> Collector | None:
    return AwsCollector(request.aws, request) if request.aws is not None else None


def dagbag_collector(request: ScanRequest) -> Collector | None:
    if request.dagbag is None:
        return None
    from scanner.collect.dagbag.runner import DagbagRun

    dagbag = request.dagbag
    return DagbagCollector(DagbagRun(dagbag.paths, dagbag.timeout, dagbag.exclude))


CollectorFactory = Callable[[ScanRequest], "Collector | None"]

FACTORIES: list[tuple[str, CollectorFactory]] = [
    ("files", files_collector),
    ("aws", aws_collector),
    ("dagbag", dagbag_collector),
]


def build_collectors(request: ScanRequest) -> list[Collector]:
    """The collectors this scan needs, in the order they run (each factory called once, in order)."""
    return [collector for _, factory in FACTORIES if (collector := factory(request)) is not None]
