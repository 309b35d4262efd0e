"""CloudTrail: trails, and the account-wide summary derived from every region's trails."""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from typing_extensions import NotRequired, TypedDict

from scanner.resources.common import Link
from scanner.resources.names import ACCOUNT, TRAIL
from scanner.resources.registry import REGISTRY, NativeNames, ResourceType


class TrailAttributes(TypedDict):
    name: str
    arn: str
    home_region: str | None
    is_multi_region_trail: bool
    is_organization_trail: bool
    include_global_service_events: bool
    log_file_validation_enabled: bool
    s3_bucket_name: str | None
    kms_key_id: str | None
    cloud_watch_logs_log_group_arn: str | None
    has_custom_event_selectors: bool
    is_logging: bool | None  # None: the status could not be read (or is not known before deploy)
    latest_delivery_error: str | None
    latest_delivery_time: str | None
    shadow: NotRequired[bool]  # a multi-region trail seen from a region other than its home
    _links: list[Link]


class AccountAttributes(TypedDict):
    account: str
    regions_scanned: list[str]
    regions_incomplete: list[str]
    complete: bool
    trail_arns: list[str]
    logging_multi_region_trail_arns: list[str]
    has_logging_multi_region_trail: bool
    regions_with_logging_trail: list[str]
    _links: list[Link]


REGISTRY.register(ResourceType(
    TRAIL, "A CloudTrail trail with its status.", TrailAttributes,
    native=NativeNames(cloudformation=("AWS::CloudTrail::Trail",), terraform=("aws_cloudtrail",),
                       security_hub="AwsCloudTrailTrail"),
))
REGISTRY.register(ResourceType(
    ACCOUNT, "The CloudTrail set-up of an account as a whole.", AccountAttributes,
    native=NativeNames(security_hub="AwsAccount"),
))
