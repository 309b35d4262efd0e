"""The link step: relations between resources that no single collector can see.

Generic: each resource's ``_links`` (relations a collector wrote as plain data) become edges when the target
was collected; then each linker runs (domain linkers are registered beside their resource types, in
`scanner.resources`; the engine knows no resource type by name).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from scanner.model import ResourceGraph

if TYPE_CHECKING:
    from scanner.resources.registry import Linker


def link_declared(graph: ResourceGraph) -> None:
    """Every ``_links`` entry whose `target_id` names a resource of the graph becomes an edge."""
    for resource in list(graph):
        for link_data in resource.attributes.get("_links") or []:
            target = link_data.get("target_id") if isinstance(link_data, dict) else None
            if target and graph.has(target):
                graph.relate(resource.id, str(link_data.get("relation")), target)


def link(graph: ResourceGraph, linkers: Iterable[Linker] | None = None) -> None:
    """Add the declared relations, then run `linkers` (all registered ones when None) in order, each only when
    the graph holds a type it reads."""
    present = graph.types()
    if not present:  # nothing to relate (an empty tree): no linker is loaded
        return
    if linkers is None:
        from scanner.resources import linkers as registered  # the link modules, not the attribute models

        linkers = registered()
    link_declared(graph)
    for linker in linkers:
        if present.intersection(linker.reads):
            linker.run(graph)
