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
        # Relations among many resources kept in space linear in them, not as an edge per pair (15,000 configs
        # in one folder were 225 million `peers` edges; 1,500 `.env` files and 1,500 tasks naming one conn_id,
        # 4.5 million `uses`/`used_by` edges):
        # relation -> member -> every member of its group, one list shared by the group (symmetric: `peers`)
        self._groups: dict[str, dict[str, list[str]]] = defaultdict(dict)
        # relation -> its keyed form for following it from a resource, and for following it backwards
        self._keyed: dict[str, _Keyed] = {}
        self._keyed_back: dict[str, _Keyed] = {}

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

    def relate_group(self, relation: str, member_ids: Iterable[str]) -> None:
        """Relate every member to every other member by `relation`, both ways (what `relate` of each pair in
        order would give), stored once for the group. A resource is in at most one group per relation."""
        members = list(dict.fromkeys(member_ids))
        grouped = self._groups[relation]
        for member in members:
            if member in grouped:
                raise ValueError(f"{member} is in a '{relation}' group already")
            grouped[member] = members

    def relate_by_key(self, relation: str, reverse: str, sources: Iterable[tuple[str, Iterable[Any]]],
                      targets: Iterable[tuple[str, Any]]) -> None:
        """`relation` from each source to every target filed under one of the source's keys (never to itself),
        and `reverse` back, in the order a `relate` of each pair would give: sources and, for each, its keys
        and the targets of each key, in the order given. Stored as the keys, not an edge per pair; string keys
        only (no other key names a target). Each relation is made by key once per graph."""
        if relation in self._keyed or reverse in self._keyed or relation == reverse:
            raise ValueError(f"'{relation}' / '{reverse}' are keyed relations already")
        forward, backward = _Keyed(), _Keyed()
        for target, key in targets:
            if isinstance(key, str):
                forward.filed.setdefault(key, []).append(target)
                backward.keys_of.setdefault(target, []).append(key)
        for source, keys in sources:
            for key in keys:
                if isinstance(key, str) and key in forward.filed:
                    forward.keys_of.setdefault(source, []).append(key)
                    backward.filed.setdefault(key, []).append(source)
        self._keyed[relation], self._keyed[reverse] = forward, backward
        self._keyed_back[relation], self._keyed_back[reverse] = backward, forward

    def _targets(self, resource_id: str, relation: str, edges: dict[str, dict[str, dict[str, None]]],
                 keyed: dict[str, _Keyed]) -> list[str]:
        """The ids `relation` leads to from `resource_id` in `edges` (one direction of the pairs), then its
        group's other members, then those its keys reach in `keyed` (one direction of the keyed relations)."""
        paired = edges.get(resource_id, {}).get(relation, {})
        group = self._groups.get(relation, {}).get(resource_id)
        by_key = keyed.get(relation)
        keys = by_key.keys_of.get(resource_id) if by_key is not None else None
        if group is None and keys is None:
            return list(paired)
        found = dict(paired)
        reached = [] if keys is None else [by_key.filed.get(key, ()) for key in keys]  # keys: by_key is set
        for members in (group or (), *reached):
            for member in members:
                if member != resource_id:   # a group or a key never relates a resource to itself
                    found.setdefault(member, None)
        return list(found)

    def has(self, resource_id: str) -> bool:
        return resource_id in self._resources

    def get(self, resource_id: str) -> Resource:
        return self._resources[resource_id]

    def of_type(self, resource_type: str) -> list[Resource]:
        return [self._resources[rid] for rid in self._by_type.get(resource_type, [])]

    def follow(self, resource: Resource, relation: str) -> list[Resource]:
        return [self._resources[rid] for rid in self._targets(resource.id, relation, self._relations, self._keyed)]

    def relations_of(self, resource: Resource) -> dict[str, list[str]]:
        names = [*self._relations.get(resource.id, {}),
                 *(relation for relation, grouped in self._groups.items() if resource.id in grouped),
                 *(relation for relation, keyed in self._keyed.items() if resource.id in keyed.keys_of)]
        found = {name: self._targets(resource.id, name, self._relations, self._keyed) for name in dict.fromkeys(names)}
        return {name: ids for name, ids in found.items() if ids}

    def incoming(self, resource: Resource, relation: str) -> list[Resource]:
        return [self._resources[source_id]
                for source_id in self._targets(resource.id, relation, self._incoming, self._keyed_back)]

    def types(self) -> set[str]:
        return {t for t, ids in self._by_type.items() if ids}

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources.values())

    def __len__(self) -> int:
        return len(self._resources)

    def to_json(self) -> dict[str, Any]:
        """A serialisable form (resources sorted by id, relations as edges, groups as member lists)."""
        groups = {(name, tuple(members)) for name, grouped in self._groups.items() for members in grouped.values()}
        return {
            "resources": [self._resources[rid].model_dump(mode="json", exclude_none=True)
                          for rid in sorted(self._resources)],
            "relations": sorted(
                [src, name, dst]
                for src, relations in self._relations.items()
                for name, targets in relations.items()
                for dst in targets
            ),
            "groups": sorted([name, sorted(members)] for name, members in groups),
            "keyed": sorted([name, sorted([source, keys] for source, keys in keyed.keys_of.items()),
                             sorted([key, members] for key, members in keyed.filed.items())]
                            for name, keyed in self._keyed.items()),
        }


class _Keyed:
    """One direction of a relation held as keys: a resource reaches every resource filed under its keys."""

    __slots__ = ("filed", "keys_of")

    def __init__(self) -> None:
        self.keys_of: dict[str, list[str]] = {}   # resource -> its keys, in order
        self.filed: dict[str, list[str]] = {}     # key -> the resources it reaches, in order
