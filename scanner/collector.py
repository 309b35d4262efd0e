"""The one interface every collector implements (files, AWS, DagBag, IaC): the shared core's side of it.

A collector turns one kind of input into resources of registered types (`scanner.resources`). The scan
(`scanner.scan.run_scan`) builds the registered collectors (`scanner.collectors`), then runs each in order on
the same `ScanContext` and `ResourceGraph`:

    result = collector.collect(ctx, graph)
    graph.add_all(result.resources); ctx.notices += result.notices

A collector reads files only through `ctx.read_file` (inside the scan roots, bounded), registers the secrets
it meets with `ctx.secret` and never stores their values, records what it could not read as notices (an
``error`` notice makes the scan partial), and may read (or, to merge, replace) what earlier collectors put in
the graph. When `isolated` is true, an exception it raises becomes an ``internal-error`` notice naming
`description` and the scan goes on without it.
"""

from __future__ import annotations

from typing import Protocol

from scanner.context import ScanContext
from scanner.findings import Notice
from scanner.model import Resource, ResourceGraph


class CollectResult:
    """What one collector found: resources for the graph, notices for the scan. (A plain class: every scan
    imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("notices", "resources")

    def __init__(self, resources: list[Resource] | None = None, notices: list[Notice] | None = None) -> None:
        self.resources: list[Resource] = [] if resources is None else resources
        self.notices: list[Notice] = [] if notices is None else notices


class Collector(Protocol):
    name: str  # short, unique: "files", "aws", "dagbag", "terraform"
    description: str  # in the error notice when it fails: "the AWS snapshot"
    isolated: bool  # its failure is a notice (partial scan), not the scan's

    def collect(self, ctx: ScanContext, graph: ResourceGraph) -> CollectResult: ...
