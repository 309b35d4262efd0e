"""Values of infrastructure code that are not plain JSON: what is unknown before apply, and references to
other resources of the same stack (a Terraform address, a CloudFormation logical id)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value nobody can know from the code alone: an input without a default, a value known only after
    apply, a condition, a function airguard does not evaluate. `why` says which, for the notice."""

    why: str

    def __bool__(self) -> bool:  # never mistaken for a known false
        raise TypeError("an unknown value has no truth value")


@dataclass(frozen=True)
class Ref:
    """A reference to a resource of the same stack: `key` is its Terraform address (``aws_security_group.db``,
    ``module.db.aws_rds_cluster.this``) or CloudFormation logical id; `attribute` what of it is read."""

    key: str
    attribute: str | None = None

    def placeholder(self) -> str:
        return "${" + self.key + ("." + self.attribute if self.attribute else "") + "}"


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any, budget: int = 10_000) -> bool:
    """Whether an Unknown stands anywhere in `value` (lists and maps walked, at most `budget` items)."""
    pending = [value]
    while pending and budget > 0:
        budget -= 1
        item = pending.pop()
        if isinstance(item, Unknown):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return bool(pending)


def first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
    return None


def as_list(value: Any) -> list[Any] | Unknown:
    """A list value (a single value as a one-item list; null as empty); Unknown stays unknown."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def as_bool(value: Any, default: bool | None = None) -> bool | None | Unknown:
    """Terraform/CloudFormation booleans: true/false, "true"/"false" (any case); null is `default`."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, (int, float)):
        return bool(value)
    return Unknown("not a boolean")


def as_int(value: Any) -> int | None | Unknown:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return Unknown("not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        return int(value.strip())
    return Unknown("not a number")


def as_str(value: Any) -> str | None | Unknown:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return None
    if isinstance(value, Ref):
        return Unknown(f"{value.key} is known after apply")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return Unknown("not a string")
