"""The resource model: typed resources with a source, linked in one graph by named relations.

Collectors produce `Resource` objects; the engine evaluates rules over the `ResourceGraph`;
reporters never see collectors. A resource's source is either a place in a file (repo-relative
path with a line/column span) or an AWS identity (ARN, account, region).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FileLocation(BaseModel):
    """A span in a repo-relative file. Lines and columns are 1-based; end is inclusive."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    path: str
    start_line: int
    start_column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def with_path(self, path: str) -> FileLocation:
        return self.model_copy(update={"path": path})


class AwsIdentity(BaseModel):
    """Where an AWS resource lives."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    arn: str
    account: str | None = None
    region: str | None = None


class Source(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    file: FileLocation | None = None
    aws: AwsIdentity | None = None


# The attribute listing what infrastructure code leaves unknown until apply (written by `scanner.collect.iac`,
# read by `scanner.engine.conditions`, checked by `scanner.resources.validate`).
UNKNOWN_KEY = "_unknown"


class Resource(BaseModel):
    """One thing rules look at.

    `attributes` hold plain JSON values. Secret values never enter a resource: collectors put a
    `{"redacted": true, "kind": ...}` marker in their place (see `scanner.secrets`).
    `locations` maps attribute paths (e.g. ``password``, ``extra.iam``) to their exact spans, so a
    finding about one attribute points at its line.
    """

    model_config = ConfigDict(defer_build=True)

    id: str
    type: str
    name: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    source: Source = Field(default_factory=Source)
    locations: dict[str, FileLocation] = Field(default_factory=dict)

    def location_for(self, attribute_path: str | None) -> FileLocation | None:
        """The most precise file location for an attribute path, falling back to the resource.

        `attribute_path` may list alternatives separated by ``|``; the first one located wins.
        """
        for path in (attribute_path or "").split("|"):
            parts = path.split(".") if path else []
            for end in range(len(parts), 0, -1):
                candidate = ".".join(parts[:end])
                if candidate in self.locations:
                    return self.locations[candidate]
        return self.source.file


class ResourceGraph:
    """All resources of one scan and the named relations between them."""

    def __init__(self) -> None:
        self._resources: dict[str, Resource] = {}
        self._by_type: dict[str, list[str]] = defaultdict(list)
        # source -> relation -> targets (a dict used as an insertion-ordered set: one lookup per relate)
        self._relations: dict[str, dict[str, dict[str, None]]] = defaultdict(lambda: defaultdict(dict))
        self._incoming: dict[str, dict[str, dict[str, None]]] = defaultdict(lambda: defaultdict(dict))  # target -> sources

    def add(self, resource: Resource) -> Resource:
        """Add a resource; a second resource with the same id gets a numbered id."""
        resource_id = resource.id
        counter = 2
        while resource_id in self._resources:
            resource_id = f"{resource.id}#{counter}"
            counter += 1
        if resource_id != resource.id:
            resource = resource.model_copy(update={"id": resource_id})
        self._resources[resource_id] = resource
        self._by_type[resource.type].append(resource_id)
        return resource

    def replace(self, resource: Resource) -> Resource:
        """Put `resource` in place of the resource with the same id (same type), keeping its relations."""
        self._resources[resource.id] = resource
        return resource

    def add_all(self, resources: Iterable[Resource]) -> None:
        for resource in resources:
            self.add(resource)

    def relate(self, source_id: str, relation: str, target_id: str) -> None:
        targets = self._relations[source_id][relation]
        if target_id not in targets:
            targets[target_id] = None
            self._incoming[target_id][relation][source_id] = None

    def has(self, resource_id: str) -> bool:
        return resource_id in self._resources

    def get(self, resource_id: str) -> Resource:
        return self._resources[resource_id]

    def of_type(self, resource_type: str) -> list[Resource]:
        return [self._resources[rid] for rid in self._by_type.get(resource_type, [])]

    def follow(self, resource: Resource, relation: str) -> list[Resource]:
        return [self._resources[rid] for rid in self._relations.get(resource.id, {}).get(relation, ())]

    def relations_of(self, resource: Resource) -> dict[str, list[str]]:
        return {name: list(ids) for name, ids in self._relations.get(resource.id, {}).items() if ids}

    def incoming(self, resource: Resource, relation: str) -> list[Resource]:
        return [self._resources[source_id] for source_id in self._incoming.get(resource.id, {}).get(relation, ())]

    def types(self) -> set[str]:
        return {t for t, ids in self._by_type.items() if ids}

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources.values())

    def __len__(self) -> int:
        return len(self._resources)

    def to_json(self) -> dict[str, Any]:
        """A serialisable form (resources sorted by id, relations as edges)."""
        return {
            "resources": [self._resources[rid].model_dump(mode="json", exclude_none=True)
                          for rid in sorted(self._resources)],
            "relations": sorted(
                [src, name, dst]
                for src, relations in self._relations.items()
                for name, targets in relations.items()
                for dst in targets
            ),
        }
