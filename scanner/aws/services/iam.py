"""IAM, once per account: roles, users (with access keys) and customer managed policies.

Calls: ``GetAccountAuthorizationDetails`` (paginated, 1000 items a page) gives every role, user,
group and managed policy with all policy documents, so permissions cost a handful of calls whatever
the account's size. Its role records lack ``MaxSessionDuration``, so ``ListRoles`` (1000 a page)
adds it. Access keys come from the credential report (``GenerateCredentialReport``, polled until
ready, then ``GetCredentialReport``): constant calls, but the report has no key ids. Only if the
report cannot be had does the collector fall back to ``ListAccessKeys`` once per user (which has ids).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scanner.aws.calls import call, pages, paginate
from scanner.aws.recorder import TIMEOUT, UnitRecorder
from scanner.aws.session import AwsSession
from scanner.aws.shape import age_days, link, make_resource, parse_time
from scanner.model import Resource
from scanner.resources.iam import (
    AttachedPolicy,
    is_aws_managed,
    policy_document,
    policy_statements,
    service_linked,
    sorted_policies,
    statements,
    trusted_principals,
)
from scanner.resources.values import iso, tags

ROLE = "aws.iam.role"
USER = "aws.iam.user"
POLICY = "aws.iam.policy"
ROOT_USER = "<root_account>"
PAGE = 1000
# Seconds to wait before each new look at a credential report that is still being generated.
REPORT_POLL_DELAYS: Sequence[float] = (0.2, 0.5, 1, 2, 4, 8, 8)
_NOT_A_VALUE = {"", "N/A", "not_supported", "no_information"}


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    client = recorder.attach(session.client("iam"))
    read, _ = pages(
        recorder, client, "get_account_authorization_details", [ROLE, USER, POLICY], page_size=PAGE
    )
    users = [u for page in read for u in page.get("UserDetailList") or []]
    groups = {g["GroupName"]: g for page in read for g in page.get("GroupDetailList") or []}
    roles = [r for page in read for r in page.get("RoleDetailList") or []]
    managed = {p["Arn"]: p for page in read for p in page.get("Policies") or []}
    # RoleDetail lacks MaxSessionDuration and Description: ListRoles (1000 a page) has them.
    listed_roles = {
        r["Arn"]: r for r in paginate(recorder, client, "list_roles", "Roles", [ROLE], page_size=PAGE)
    }
    now = recorder.now()

    report = credential_report(client, recorder)
    keys_by_user: dict[str, list[dict[str, Any]]] = {}
    if report is None:
        for user in users:
            listed = paginate(
                recorder, client, "list_access_keys", "AccessKeyMetadata", [USER], UserName=user["UserName"]
            )
            keys_by_user[user["Arn"]] = [listed_key(k, now) for k in listed]
    else:
        keys_by_user = {arn: report_keys(row, now) for arn, row in report.items()}

    resources = [role_resource(role, managed, listed_roles.get(role["Arn"])) for role in roles]
    resources += [
        user_resource(
            user, groups, managed, keys_by_user.get(user["Arn"], []), (report or {}).get(user["Arn"])
        )
        for user in users
    ]
    root = next((row for row in (report or {}).values() if row.get("user") == ROOT_USER), None)
    if root is not None:
        resources.append(root_resource(root, keys_by_user.get(root["arn"], [])))
    resources += [policy_resource(policy) for arn, policy in managed.items() if not is_aws_managed(arn)]
    return resources


def _policy_name(policy: dict[str, Any]) -> str:
    return str(policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1])


def default_document(policy: dict[str, Any]) -> Any:
    versions = policy.get("PolicyVersionList") or []
    chosen = next((v for v in versions if v.get("IsDefaultVersion")), None)
    if chosen is None:
        chosen = next((v for v in versions if v.get("VersionId") == policy.get("DefaultVersionId")), None)
    return policy_document(chosen.get("Document")) if chosen else None


def _inline(entries: list[dict[str, Any]], via_group: str | None = None) -> list[AttachedPolicy]:
    return [
        {
            "name": p.get("PolicyName"),
            "kind": "inline",
            "arn": None,
            "aws_managed": False,
            "via_group": via_group,
            "document": policy_document(p.get("PolicyDocument")),
        }
        for p in entries or []
    ]


def _attached(
    entries: list[dict[str, Any]], managed: dict[str, dict[str, Any]], via_group: str | None = None
) -> list[AttachedPolicy]:
    result: list[AttachedPolicy] = []
    for entry in entries or []:
        arn = entry.get("PolicyArn")
        policy = managed.get(arn or "")
        result.append(
            {
                "name": entry.get("PolicyName"),
                "kind": "managed",
                "arn": arn,
                "aws_managed": is_aws_managed(arn or ""),
                "via_group": via_group,
                "document": default_document(policy) if policy else None,
            }
        )
    return result


def _policy_links(policies: list[AttachedPolicy]) -> list[dict[str, str]]:
    return [
        link("policies", POLICY, p["arn"], str(p["name"]))
        for p in policies
        if p["kind"] == "managed" and p["arn"] and not p["aws_managed"]
    ]


def role_resource(
    role: dict[str, Any], managed: dict[str, dict[str, Any]], listed: dict[str, Any] | None = None
) -> Resource:
    """A role from its RoleDetail, with MaxSessionDuration and Description from ListRoles (`listed`)."""
    arn, name = role["Arn"], role["RoleName"]
    trust = policy_document(role.get("AssumeRolePolicyDocument"))
    trust_statements = statements(trust, "trust")
    policies = sorted_policies(
        _inline(role.get("RolePolicyList") or [])
        + _attached(role.get("AttachedManagedPolicies") or [], managed)
    )
    last_used = role.get("RoleLastUsed") or {}
    attributes = {
        "name": name,
        "arn": arn,
        "role_id": role.get("RoleId"),
        "path": role.get("Path"),
        "created": iso(role.get("CreateDate")),
        "description": (listed or {}).get("Description"),
        "max_session_duration": (listed or {}).get("MaxSessionDuration", role.get("MaxSessionDuration")),
        "trust_policy": trust,
        "trust_statements": trust_statements,
        "trusted_principals": trusted_principals(trust_statements),
        "policies": policies,
        "statements": policy_statements(policies),
        "attached_policy_arns": sorted(p["arn"] for p in policies if p["arn"]),
        "permissions_boundary_arn": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "service_linked": service_linked(role.get("Path")),
        "instance_profiles": sorted(
            p.get("InstanceProfileName") for p in role.get("InstanceProfileList") or []
        ),
        "last_used_date": iso(last_used.get("LastUsedDate")),
        "last_used_region": last_used.get("Region"),
        "tags": tags(role.get("Tags")),
    }
    return make_resource(
        ROLE, arn, name, account=None, region=None, attributes=attributes, links=_policy_links(policies)
    )


def _report_value(row: dict[str, str] | None, key: str) -> str | None:
    value = (row or {}).get(key)
    return None if value is None or value in _NOT_A_VALUE else value


def _report_bool(row: dict[str, str] | None, key: str) -> bool | None:
    value = _report_value(row, key)
    return None if value is None else value.lower() == "true"


def _key_summary(keys: list[dict[str, Any]]) -> dict[str, Any]:
    active = [k for k in keys if k["status"] == "Active"]
    ages = [k["age_days"] for k in active if k["age_days"] is not None]
    return {
        "access_keys": keys,
        "active_access_key_count": len(active),
        "oldest_active_access_key_age_days": max(ages) if ages else None,
    }


def user_resource(
    user: dict[str, Any],
    groups: dict[str, dict[str, Any]],
    managed: dict[str, dict[str, Any]],
    keys: list[dict[str, Any]],
    report_row: dict[str, str] | None,
) -> Resource:
    arn, name = user["Arn"], user["UserName"]
    group_names = sorted(user.get("GroupList") or [])
    policies = _inline(user.get("UserPolicyList") or []) + _attached(
        user.get("AttachedManagedPolicies") or [], managed
    )
    for group_name in group_names:
        group = groups.get(group_name) or {}
        policies += _inline(group.get("GroupPolicyList") or [], group_name)
        policies += _attached(group.get("AttachedManagedPolicies") or [], managed, group_name)
    policies = sorted_policies(policies)
    attributes = {
        "name": name,
        "arn": arn,
        "user_id": user.get("UserId"),
        "path": user.get("Path"),
        "created": iso(user.get("CreateDate")),
        "is_root": False,
        "groups": group_names,
        "policies": policies,
        "statements": policy_statements(policies),
        "attached_policy_arns": sorted({p["arn"] for p in policies if p["arn"]}),
        "permissions_boundary_arn": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "password_enabled": _report_bool(report_row, "password_enabled"),
        "password_last_used": iso(parse_time(_report_value(report_row, "password_last_used"))),
        "mfa_active": _report_bool(report_row, "mfa_active"),
        **_key_summary(keys),
        "tags": tags(user.get("Tags")),
    }
    return make_resource(
        USER, arn, name, account=None, region=None, attributes=attributes, links=_policy_links(policies)
    )


def root_resource(row: dict[str, str], keys: list[dict[str, Any]]) -> Resource:
    arn = row["arn"]
    attributes = {
        "name": ROOT_USER,
        "arn": arn,
        "user_id": None,
        "path": None,
        "created": iso(parse_time(_report_value(row, "user_creation_time"))),
        "is_root": True,
        "groups": [],
        "policies": [],
        "statements": [],
        "attached_policy_arns": [],
        "permissions_boundary_arn": None,
        "password_enabled": _report_bool(row, "password_enabled"),
        "password_last_used": iso(parse_time(_report_value(row, "password_last_used"))),
        "mfa_active": _report_bool(row, "mfa_active"),
        **_key_summary(keys),
        "tags": {},
    }
    return make_resource(USER, arn, ROOT_USER, account=None, region=None, attributes=attributes)


def policy_resource(policy: dict[str, Any]) -> Resource:
    arn = policy["Arn"]
    document = default_document(policy)
    attributes = {
        "name": _policy_name(policy),
        "arn": arn,
        "policy_id": policy.get("PolicyId"),
        "path": policy.get("Path"),
        "aws_managed": is_aws_managed(arn),
        "default_version_id": policy.get("DefaultVersionId"),
        "attachment_count": policy.get("AttachmentCount"),
        "permissions_boundary_usage_count": policy.get("PermissionsBoundaryUsageCount"),
        "is_attachable": policy.get("IsAttachable"),
        "description": policy.get("Description"),
        "document": document,
        "statements": statements(document, _policy_name(policy)),
        "created": iso(policy.get("CreateDate")),
        "updated": iso(policy.get("UpdateDate")),
    }
    return make_resource(POLICY, arn, _policy_name(policy), account=None, region=None, attributes=attributes)


# -- access keys -----------------------------------------------------------------------------------
def credential_report(client: Any, recorder: UnitRecorder) -> dict[str, dict[str, str]] | None:
    """The credential report's rows by ARN, or None (with a gap) when it cannot be had."""
    for delay in (0.0, *REPORT_POLL_DELAYS):
        if delay:
            recorder.sleep(delay)  # never past the unit's deadline
        state = call(recorder, client, "generate_credential_report", [USER])
        if state is None:
            return None
        if state.get("State") == "COMPLETE":
            break
    else:
        recorder.record_failure(
            "iam:GenerateCredentialReport",
            "ReportNotReady",
            TIMEOUT,
            "the credential report was still being generated",
            [USER],
        )
        return None
    response = call(recorder, client, "get_credential_report", [USER])
    if response is None:
        return None
    content = response.get("Content") or b""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
    return {row["arn"]: row for row in csv.DictReader(io.StringIO(text)) if row.get("arn")}


def report_keys(row: dict[str, str], now: datetime) -> list[dict[str, Any]]:
    """Access keys of one credential-report row (the report has no key ids)."""
    keys = []
    for slot in (1, 2):
        active = _report_bool(row, f"access_key_{slot}_active")
        created = parse_time(_report_value(row, f"access_key_{slot}_last_rotated"))
        if created is None and not active:
            continue
        keys.append(
            {
                "id": None,
                "status": "Active" if active else "Inactive",
                "create_date": iso(created),
                "age_days": age_days(created, now),
                "last_used_date": iso(parse_time(_report_value(row, f"access_key_{slot}_last_used_date"))),
                "last_used_service": _report_value(row, f"access_key_{slot}_last_used_service"),
                "source": "credential-report",
            }
        )
    return keys


def listed_key(key: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": key.get("AccessKeyId"),
        "status": key.get("Status"),
        "create_date": iso(key.get("CreateDate")),
        "age_days": age_days(key.get("CreateDate"), now),
        "last_used_date": None,
        "last_used_service": None,
        "source": "list-access-keys",
    }
