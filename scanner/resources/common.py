"""Attribute shapes shared by several resource types."""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from typing import Any, Literal

from typing_extensions import NotRequired, TypedDict

Tags = dict[str, str]
JSON = Any  # a free-form JSON value (policy document, extra dict)


class Link(TypedDict):
    """One relation as plain data inside a resource (``attributes["_links"]``), made into a graph edge by
    the generic link step when `target_id` names a collected resource."""

    relation: str
    target_id: str
    target_type: NotRequired[str]
    target_name: NotRequired[str | None]


class Redacted(TypedDict):
    """What stands where a secret value was (`scanner.secrets.marker`): never the value itself."""

    redacted: Literal[True]
    kind: str
    length: NotRequired[int]


# Relation names shared by the AWS types (targets filled in per type).
REFERENCED_BY_CONNECTION = "referenced_by_connection"
REFERENCED_BY_CONNECTION_MEANING = ("an Airflow connection reaches this resource or depends on it (its endpoint "
                                    "owner, database, their security groups, subnet group, subnets, members, "
                                    "proxy targets, the connection's role)")
