"""Turn AWS API data into plain-JSON resources: ARNs, ids, times, tags, links, policy statements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from scanner.model import AwsIdentity, Resource, Source
from scanner.resources.values import plain

__all__ = ["age_days", "arn_account", "build_arn", "link", "make_resource", "parse_time", "partition_for",
           "resource_id"]


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
