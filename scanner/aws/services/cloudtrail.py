"""CloudTrail, per region: the trails whose home is that region, each with its logging status.

Calls: ``DescribeTrails`` (with shadow trails: a multi-region trail appears in every region it covers)
and ``GetTrailStatus`` once per trail (there is no bulk form; a shadow trail's status is read by its
ARN). A trail is a full resource in its home region; elsewhere a multi-region trail is kept as a
*shadow* copy (``shadow: true``, same id), so a scan of one region still sees an organisation trail
homed in another, and the home copy wins when both are collected. `account_summaries` derives one
``aws.cloudtrail.account`` resource per account from every region's trails when results are merged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scanner.aws.calls import call
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import AwsSession
from scanner.aws.shape import make_resource, partition_for
from scanner.model import Resource
from scanner.resources.values import iso

if TYPE_CHECKING:  # pragma: no cover - typing only
    from scanner.aws.units import UnitResult

TRAIL = "aws.cloudtrail.trail"
ACCOUNT = "aws.cloudtrail.account"


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    client = recorder.attach(session.client("cloudtrail"))
    described = call(recorder, client, "describe_trails", [TRAIL], includeShadowTrails=True)
    resources = []
    for trail in (described or {}).get("trailList") or []:
        shadow = trail.get("HomeRegion") not in (None, unit.region)
        if shadow and not trail.get("IsMultiRegionTrail"):
            continue
        status = call(recorder, client, "get_trail_status", [TRAIL], Name=trail["TrailARN"])
        resource = trail_resource(trail, status, recorder.account, trail.get("HomeRegion") or unit.region)
        if shadow:
            resource.attributes["shadow"] = True
        resources.append(resource)
    return resources


def trail_resource(
    trail: dict[str, Any], status: dict[str, Any] | None, account: str | None, region: str
) -> Resource:
    arn, name = trail["TrailARN"], trail["Name"]
    attributes = {
        "name": name,
        "arn": arn,
        "home_region": trail.get("HomeRegion"),
        "is_multi_region_trail": bool(trail.get("IsMultiRegionTrail")),
        "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
        "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents")),
        "log_file_validation_enabled": bool(trail.get("LogFileValidationEnabled")),
        "s3_bucket_name": trail.get("S3BucketName"),
        "kms_key_id": trail.get("KmsKeyId"),
        "cloud_watch_logs_log_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
        "has_custom_event_selectors": bool(trail.get("HasCustomEventSelectors")),
        "is_logging": bool(status["IsLogging"]) if status and "IsLogging" in status else None,
        "latest_delivery_error": (status or {}).get("LatestDeliveryError") or None,
        "latest_delivery_time": iso((status or {}).get("LatestDeliveryTime")),
    }
    return make_resource(TRAIL, arn, name, account=account, region=region, attributes=attributes)


def account_summaries(results: Iterable[UnitResult]) -> list[Resource]:
    """One ``aws.cloudtrail.account`` per account with CloudTrail units: is there a logging trail
    covering every region, and was every region read?"""
    regions: dict[str, set[str]] = defaultdict(set)
    incomplete: dict[str, set[str]] = defaultdict(set)
    trails: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        unit = result.unit
        if unit.service != "cloudtrail" or not unit.account:
            continue
        regions[unit.account].add(unit.region)
        if result.gaps:
            incomplete[unit.account].add(unit.region)
        trails[unit.account] += [r["attributes"] for r in result.resources if r.get("type") == TRAIL]
    summaries = []
    for account in sorted(regions):
        unique: dict[str, dict[str, Any]] = {}
        for trail in sorted(trails[account], key=lambda t: bool(t.get("shadow"))):  # home copies first
            unique.setdefault(str(trail.get("arn")), trail)
        listed = sorted(unique.values(), key=lambda t: str(t.get("arn")))
        logging_multi = [t["arn"] for t in listed if t.get("is_multi_region_trail") and t.get("is_logging")]
        partition = partition_for(min(regions[account]))
        arn = f"arn:{partition}:iam::{account}:root"
        attributes = {
            "account": account,
            "regions_scanned": sorted(regions[account]),
            "regions_incomplete": sorted(incomplete[account]),
            "complete": not incomplete[account],
            "trail_arns": [t["arn"] for t in listed],
            "logging_multi_region_trail_arns": logging_multi,
            "has_logging_multi_region_trail": bool(logging_multi),
            "regions_with_logging_trail": sorted(
                {str(t.get("home_region")) for t in listed if t.get("is_logging")}
            ),
        }
        summaries.append(
            make_resource(ACCOUNT, arn, account, account=account, region=None, attributes=attributes)
        )
    return summaries
