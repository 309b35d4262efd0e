"""Turn AWS API data into plain-JSON resources: ARNs, ids, times, tags, links, policy statements."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import unquote

from scanner.model import AwsIdentity, Resource, Source


def partition_for(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def build_arn(service: str, region: str | None, account: str | None, resource: str) -> str:
    """An ARN in the partition of `region` (regionless services pass region=None)."""
    return f"arn:{partition_for(region)}:{service}:{region or ''}:{account or ''}:{resource}"


def arn_account(arn: str | None) -> str | None:
    parts = (arn or "").split(":", 5)
    if len(parts) < 6:
        return None
    return parts[4] or None


def resource_id(resource_type: str, arn: str) -> str:
    return f"{resource_type}:{arn}"


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


def parse_time(value: Any) -> datetime | None:
    """A datetime from an API datetime or an ISO string; None for N/A-style values."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str) or not value or not value[:1].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def age_days(created: Any, now: datetime) -> int | None:
    moment = parse_time(created)
    return None if moment is None else max(0, (now - moment).days)


def tags(tag_list: Any) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` (any key casing) or a map, as a sorted map."""
    if isinstance(tag_list, Mapping):
        return {str(k): str(v) for k, v in sorted(tag_list.items())}
    result: dict[str, str] = {}
    for tag in tag_list or []:
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            result[str(key)] = str(tag.get("Value", tag.get("value", "")))
    return dict(sorted(result.items()))


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


def link(relation: str, target_type: str, target_arn: str, target_name: str) -> dict[str, str]:
    """A relation as plain data; `target_id` is the target's `Resource.id` when it was collected."""
    return {
        "relation": relation,
        "target_type": target_type,
        "target_id": resource_id(target_type, target_arn),
        "target_name": target_name,
    }


def make_resource(
    resource_type: str,
    arn: str,
    name: str,
    *,
    account: str | None,
    region: str | None,
    attributes: dict[str, Any],
    links: Iterable[dict[str, str]] = (),
) -> Resource:
    """A resource with an AWS source, id ``<type>:<arn>`` and ``_links`` (sorted, deduplicated)."""
    unique = {(item["relation"], item["target_id"]): item for item in links}
    body = plain(attributes)
    body["_links"] = [unique[key] for key in sorted(unique)]
    return Resource(
        id=resource_id(resource_type, arn),
        type=resource_type,
        name=name,
        attributes=body,
        source=Source(aws=AwsIdentity(arn=arn, account=account or arn_account(arn), region=region)),
    )


# -- IAM policy documents ------------------------------------------------------------------------
def policy_document(value: Any) -> Any:
    """A policy document as a JSON object (IAM returns URL-encoded JSON; boto3 usually decodes it)."""
    if isinstance(value, str):
        for candidate in (value, unquote(value)):
            try:
                return json.loads(candidate)
            except ValueError:
                continue
        return value
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def principals(value: Any) -> dict[str, list[str]]:
    """A statement's Principal as ``{"AWS": [...], "Service": [...], ...}`` ("*" means AWS "*")."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"AWS": [value]}
    if isinstance(value, Mapping):
        return {str(k): sorted(str(v) for v in _as_list(v)) for k, v in sorted(value.items())}
    return {}


def statements(document: Any, policy: str) -> list[dict[str, Any]]:
    """The statements of a policy document, each with list-valued fields and the policy's name."""
    if not isinstance(document, Mapping):
        return []
    flat = []
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping):
            continue
        entry: dict[str, Any] = {
            "policy": policy,
            "sid": statement.get("Sid"),
            "effect": statement.get("Effect"),
            "actions": [str(a) for a in _as_list(statement.get("Action"))],
            "not_actions": [str(a) for a in _as_list(statement.get("NotAction"))],
            "resources": [str(r) for r in _as_list(statement.get("Resource"))],
            "not_resources": [str(r) for r in _as_list(statement.get("NotResource"))],
            "condition": plain(statement.get("Condition")),
        }
        if "Principal" in statement or "NotPrincipal" in statement:
            entry["principals"] = principals(statement.get("Principal"))
            entry["not_principals"] = principals(statement.get("NotPrincipal"))
        flat.append(entry)
    return flat
