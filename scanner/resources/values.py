"""Plain JSON values for resource attributes: what every collector stores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any


def iso(value: Any) -> str | None:
    """A datetime (or date, or already a string) as ISO 8601 in UTC with a Z, to the second."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plain(value: Any) -> Any:
    """JSON-plain data: datetimes as ISO strings, bytes as text, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return iso(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def tags(tag_list: Any) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` (any key casing, CloudFormation's too) or a map, as a sorted map."""
    if isinstance(tag_list, Mapping):
        return {str(k): str(v) for k, v in sorted(tag_list.items())}
    result: dict[str, str] = {}
    for tag in tag_list or []:
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            result[str(key)] = str(tag.get("Value", tag.get("value", "")))
    return dict(sorted(result.items()))
