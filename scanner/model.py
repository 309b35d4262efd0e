"""The resource model: typed resources with a source, linked in one graph by named relations.

Collectors produce `Resource` objects; the engine evaluates rules over the `ResourceGraph`;
reporters never see collectors. A resource's source is either a place in a file (repo-relative
path with a line/column span) or an AWS identity (ARN, account, region).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from scanner.records import FrozenRecord, Record, replace

# Plain slotted records (`scanner.records`: a dataclass's equality, hashing and repr), not dataclasses: every
# scan imports this module, and a dataclass costs ~3-4M instructions to create and imports `dataclasses` (with
# inspect, ast, dis and tokenize: ~44M instructions, ~10 ms). Nor pydantic models: a scan makes them by the
# hundred thousand from values airguard computed itself, and pydantic's first validator in a process (its
# schemas, and importlib.metadata imported to look for plugins) was ~40M instructions, 5 % of a pre-commit run,
# and again in each worker. A slotted instance is also a quarter of a pydantic one's size (72 against ~280 bytes
# for a location). Data from outside (an AWS unit result, a JSON report read back) comes in through the checked
# `from_json` constructors.


class FileLocation(FrozenRecord):
    """A span in a repo-relative file. Lines and columns are 1-based; end is inclusive."""

    __slots__ = _fields = ("path", "start_line", "start_column", "end_line", "end_column")

    def __init__(self, path: str, start_line: int, start_column: int = 1, end_line: int | None = None,
                 end_column: int | None = None) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "start_line", start_line)
        object.__setattr__(self, "start_column", start_column)
        object.__setattr__(self, "end_line", end_line)
        object.__setattr__(self, "end_column", end_column)

    def with_path(self, path: str) -> FileLocation:
        return FileLocation(path, self.start_line, self.start_column, self.end_line, self.end_column)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.start_line, "start_column": self.start_column,
                "end_line": self.end_line, "end_column": self.end_column}

    def check(self) -> None:
        """TypeError unless every field has its declared type (`Resource.check`)."""
        if not (type(self.path) is str and type(self.start_line) is int and type(self.start_column) is int
                and (self.end_line is None or type(self.end_line) is int)
                and (self.end_column is None or type(self.end_column) is int)):
            raise TypeError("a file location of the wrong shape")

    @classmethod
    def from_json(cls, data: Any) -> FileLocation:
        """From a dump that did not come from this scan: every field checked (TypeError when one is wrong)."""
        data = _object(data)
        location = cls(data["path"], data["start_line"], data.get("start_column", 1), data.get("end_line"),
                       data.get("end_column"))
        location.check()
        return location


class AwsIdentity(FrozenRecord):
    """Where an AWS resource lives."""

    __slots__ = _fields = ("arn", "account", "region")

    def __init__(self, arn: str, account: str | None = None, region: str | None = None) -> None:
        object.__setattr__(self, "arn", arn)
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "region", region)

    def to_json(self) -> dict[str, Any]:
        return {"arn": self.arn, "account": self.account, "region": self.region}

    def check(self) -> None:
        if not (type(self.arn) is str and (self.account is None or type(self.account) is str)
                and (self.region is None or type(self.region) is str)):
            raise TypeError("an AWS identity of the wrong shape")

    @classmethod
    def from_json(cls, data: Any) -> AwsIdentity:
        data = _object(data)
        identity = cls(data["arn"], data.get("account"), data.get("region"))
        identity.check()
        return identity


class Source(FrozenRecord):
    """Where a resource was read: a place in a file, or an AWS identity (or both: infrastructure code)."""

    __slots__ = _fields = ("file", "aws")

    def __init__(self, file: FileLocation | None = None, aws: AwsIdentity | None = None) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "aws", aws)

    def to_json(self) -> dict[str, Any]:
        return {"file": None if self.file is None else self.file.to_json(),
                "aws": None if self.aws is None else self.aws.to_json()}

    def check(self) -> None:
        if self.file is not None:
            if type(self.file) is not FileLocation:
                raise TypeError("a source's file is not a location")
            self.file.check()
        if self.aws is not None:
            if type(self.aws) is not AwsIdentity:
                raise TypeError("a source's AWS identity is not one")
            self.aws.check()

    @classmethod
    def from_json(cls, data: Any) -> Source:
        data = _object(data)
        file, aws = data.get("file"), data.get("aws")
        return cls(None if file is None else FileLocation.from_json(file),
                   None if aws is None else AwsIdentity.from_json(aws))


# The attribute listing what infrastructure code leaves unknown until apply (written by `scanner.collect.iac`,
# read by `scanner.engine.conditions`, checked by `scanner.resources.validate`).
UNKNOWN_KEY = "_unknown"


class Resource(Record):
    """One thing rules look at.

    `attributes` hold plain JSON values. Secret values never enter a resource: collectors put a
    `{"redacted": true, "kind": ...}` marker in their place (see `scanner.secrets`).
    `locations` maps attribute paths (e.g. ``password``, ``extra.iam``) to their exact spans, so a
    finding about one attribute points at its line.
    """

    __slots__ = _fields = ("id", "type", "name", "attributes", "source", "locations")

    def __init__(self, id: str, type: str, name: str, attributes: dict[str, Any] | None = None,
                 source: Source | None = None, locations: dict[str, FileLocation] | None = None) -> None:
        self.id = id
        self.type = type
        self.name = name
        self.attributes = {} if attributes is None else attributes
        self.source = Source() if source is None else source
        self.locations = {} if locations is None else locations

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

    def check(self) -> None:
        """TypeError unless every field has its declared type: what pydantic's validation caught when a
        collector built a resource of the wrong shape, checked where a file's collection can still fail alone
        (`scanner.collect.unit.run_file`) rather than in the evaluation of the whole scan."""
        if not (type(self.id) is str and type(self.type) is str and type(self.name) is str
                and type(self.attributes) is dict and type(self.source) is Source and type(self.locations) is dict
                and all(type(key) is str for key in self.attributes)):
            raise TypeError("a resource of the wrong shape")
        self.source.check()
        for path, location in self.locations.items():
            if type(path) is not str or type(location) is not FileLocation:
                raise TypeError("a resource location of the wrong shape")
            location.check()

    def to_json(self, exclude_none: bool = False) -> dict[str, Any]:
        """The JSON form (attributes as JSON values: a tuple becomes a list); `exclude_none` leaves out the
        source's and locations' fields that are None (not attribute values)."""
        source = self.source.to_json()
        locations = {path: location.to_json() for path, location in self.locations.items()}
        if exclude_none:
            source = {key: _without_none(value) for key, value in source.items() if value is not None}
            locations = {path: _without_none(value) for path, value in locations.items()}
        return {"id": self.id, "type": self.type, "name": self.name, "attributes": json_ready(self.attributes),
                "source": source, "locations": locations}

    @classmethod
    def from_json(cls, data: Any) -> Resource:
        """From a dump that did not come from this scan (an AWS unit's result): every field checked (TypeError
        when one is wrong); the attributes copied, their values as given."""
        data = _object(data)
        locations = _object(data.get("locations", {}))
        resource = cls(data["id"], data["type"], data["name"], dict(_object(data.get("attributes", {}))),
                       Source.from_json(data.get("source", {})),
                       {path: FileLocation.from_json(location) for path, location in locations.items()})
        resource.check()
        return resource


_JSON_SCALARS = (str, int, bool, type(None))


def json_ready(value: Any) -> Any:
    """`value` as JSON values, as pydantic's JSON mode dumps an `Any`: dicts with string keys, lists (a tuple
    becomes one), strings, numbers, booleans, None (a NaN or infinite float too). Anything else (rare: a set,
    an enum, a datetime, a dict with other keys) is converted the way pydantic does
    (`pydantic_core.to_jsonable_python`, imported then)."""
    kind = type(value)
    if kind is dict:
        if all(type(key) is str for key in value):
            return {key: json_ready(item) for key, item in value.items()}
    elif kind is list or kind is tuple:
        return [json_ready(item) for item in value]
    elif kind in _JSON_SCALARS:
        return value
    elif kind is float:
        return value if math.isfinite(value) else None
    from pydantic_core import to_jsonable_python

    return json_ready(to_jsonable_python(value))


def _without_none(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else {key: item for key, item in value.items() if item is not None}


def _object(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise TypeError("expected an object")
    return value


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
            resource = replace(resource, id=resource_id)
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
            "resources": [self._resources[rid].to_json(exclude_none=True)
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
