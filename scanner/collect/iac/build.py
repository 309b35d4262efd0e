"""From native infrastructure-code resources to the resources AWS collectors emit.

Every IaC source (Terraform HCL, a Terraform plan, a CloudFormation/CDK template) is first read into
`Native` resources: a native type (``aws_rds_cluster``, ``AWS::RDS::DBCluster``), a stack-unique key (the
Terraform address, the logical id), properties as values (`Unknown`, `Ref` included; nested Terraform blocks
as lists of objects, as a plan shows them) and the line of each property. The mappers
(`scanner.collect.iac.mapping`) turn them into `Draft`s: the describe-API shape the AWS builders
(`scanner.aws.services.*`) take, plus the model attributes that are unknown and the relations by key.
`finish` calls the same builders as the AWS collectors, so the attributes and every derived value
(``open_to_world``, ``public``, ``statements``...) are the ones a live scan computes, then gives the
resources their file identity: id ``<type>:<stack>:<key>``, `source.file` at the defining block,
`locations` at each attribute's line, `_links` to the other resources of the stack and ``_unknown``: the
attribute paths a rule cannot judge before apply (`scanner.engine.conditions` turns a rule that reads
one into a not-evaluated notice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scanner.collect.iac.values import Ref, Unknown
from scanner.model import UNKNOWN_KEY, FileLocation, Resource, Source

# Relations whose targets a rule judges (a subnet's routes, a group's rules): a target named by a literal id
# (``subnet-0abc...``, a plan's value for an existing subnet) is not in the code, so the relation is unknown.
EXTERNAL_UNKNOWN = frozenset({"subnets", "security_groups"})


@dataclass
class Native:
    type: str
    key: str
    location: FileLocation
    properties: dict[str, Any]
    lines: dict[str, FileLocation] = field(default_factory=dict)
    label: str | None = None   # a nicer name than the key (a CDK construct path)


@dataclass
class Draft:
    type: str                  # registry type, e.g. aws.rds.cluster
    key: str
    name: str
    location: FileLocation
    fields: dict[str, Any]     # describe-API dict for the builder (plain values only)
    unknown: dict[str, str] = field(default_factory=dict)          # model attribute -> why
    locations: dict[str, FileLocation] = field(default_factory=dict)  # model attribute -> where
    links: list[tuple[str, str, str]] = field(default_factory=list)   # (relation, target type, target key)
    extra: dict[str, Any] = field(default_factory=dict)             # builder-specific inputs

    def set(self, attribute: str, describe_key: str, value: Any, where: FileLocation | None = None,
            default: Any = None, kind: str = "any") -> Any:
        """Put `value` (converted to `kind`) under `describe_key`; Unknown marks the model `attribute` unknown
        (the builder then sees `default`). Returns the plain value stored."""
        if where is not None:
            self.locations[attribute] = where
        plain = convert(value, kind)
        if isinstance(plain, Unknown):
            self.unknown[attribute] = plain.why
            plain = default
        elif plain is None:
            plain = default
        if plain is not None:
            self.fields[describe_key] = plain
        return plain

    def relate(self, relation: str, target_type: str, value: Any) -> list[str]:
        """Relations to the stack resources `value` references (a Ref or a list of them); the ids or names
        written as text are returned too, for the attribute that lists them."""
        shown: list[str] = []
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Ref):
                self.links.append((relation, target_type, item.key))
                shown.append(item.key)
            elif isinstance(item, str) and item:
                shown.append(item)
                if relation in EXTERNAL_UNKNOWN:  # an existing subnet/group by id: its routes/rules are not here
                    self.unknown.setdefault(relation, f"{item[:60]} is not defined in this code")
        return shown


def convert(value: Any, kind: str) -> Any:
    from scanner.collect.iac import values as v

    if isinstance(value, Unknown):
        return value
    if kind == "bool":
        return v.as_bool(value)
    if kind == "int":
        return v.as_int(value)
    if kind == "str":
        return v.as_str(value)
    if kind == "list":
        items = v.as_list(value)
        if isinstance(items, Unknown):
            return items
        for item in items:
            if isinstance(item, Unknown):
                return item
        return [item.placeholder() if isinstance(item, Ref) else item for item in items]
    if isinstance(value, Ref):
        return Unknown(f"{value.key} is known after apply")
    return value


@dataclass
class Stack:
    """The resources of one template, plan or Terraform root (with the modules it calls)."""

    origin: str                # the file or directory, shown in ids
    region: str | None
    drafts: list[Draft] = field(default_factory=list)

    def resource_id(self, resource_type: str, key: str) -> str:
        return f"{resource_type}:{self.origin}:{key}"


def finish(stack: Stack) -> list[Resource]:
    """The stack's drafts as resources (see the module docstring); parts merged by the mappers before."""
    from scanner.collect.iac.builders import build_attributes

    present = {(d.type, d.key) for d in stack.drafts}
    by_key: dict[str, list[str]] = {}
    for draft in stack.drafts:
        by_key.setdefault(draft.key, []).append(draft.type)
    resources: list[Resource] = []
    for draft in stack.drafts:
        attributes = build_attributes(draft, stack.region)
        links = []
        for relation, target_type, key in draft.links:
            if (target_type, key) not in present:
                continue
            links.append({"relation": relation, "target_type": target_type,
                          "target_id": stack.resource_id(target_type, key), "target_name": key})
        unique = {(item["relation"], item["target_id"]): item for item in links}
        attributes["_links"] = [unique[k] for k in sorted(unique)]
        if draft.unknown:
            attributes[UNKNOWN_KEY] = sorted(draft.unknown)
        resources.append(Resource(id=stack.resource_id(draft.type, draft.key), type=draft.type, name=draft.name,
                                  attributes=attributes, source=Source(file=draft.location),
                                  locations=dict(sorted(draft.locations.items()))))
    return resources


def unknown_reasons(drafts: Iterable[Draft]) -> dict[str, dict[str, str]]:
    return {d.key: dict(d.unknown) for d in drafts if d.unknown}
