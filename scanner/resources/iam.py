"""IAM types (role, user, managed policy) and their derived attributes.

Derived here for every collector: a policy document's flattened `statements` (list-valued fields, the
policy's name), a role's `trusted_principals`, the `statements` of all policies a role or user has, and
`service_linked`. A collector gives the policy documents (JSON objects, or IAM's URL-encoded text).
"""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from typing_extensions import NotRequired, TypedDict

from scanner.resources.common import (
    JSON,
    REFERENCED_BY_CONNECTION,
    REFERENCED_BY_CONNECTION_MEANING,
    Link,
    Tags,
)
from scanner.resources.names import CONNECTION, POLICY, ROLE, USER
from scanner.resources.registry import REGISTRY, NativeNames, Relation, ResourceType
from scanner.resources.values import plain


class Statement(TypedDict):
    policy: str  # the policy's name ("trust" for a trust policy; "group/policy" through a group)
    sid: str | None
    effect: str | None
    actions: list[str]
    not_actions: list[str]
    resources: list[str]
    not_resources: list[str]
    condition: JSON
    principals: NotRequired[dict[str, list[str]]]  # only when the statement has Principal or NotPrincipal
    not_principals: NotRequired[dict[str, list[str]]]


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


def statements(document: Any, policy: str) -> list[Statement]:
    """The statements of a policy document, each with list-valued fields and the policy's name."""
    if not isinstance(document, Mapping):
        return []
    flat: list[Statement] = []
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping):
            continue
        entry: Statement = {
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


def trusted_principals(trust_statements: Iterable[Statement]) -> dict[str, list[str]]:
    """Every principal an Allow statement of a trust policy names, by kind (AWS, Service, Federated)."""
    trusted: dict[str, set[str]] = {}
    for statement in trust_statements:
        if statement.get("effect") == "Allow":
            for kind, values in statement.get("principals", {}).items():
                trusted.setdefault(kind, set()).update(values)
    return {kind: sorted(values) for kind, values in sorted(trusted.items())}


class AttachedPolicy(TypedDict):
    """A policy a role or user has: inline, or managed (customer or AWS), directly or through a group."""

    name: str | None
    kind: str  # inline | managed
    arn: str | None
    aws_managed: bool
    via_group: str | None
    document: JSON


def is_aws_managed(arn: str) -> bool:
    return ":iam::aws:policy/" in arn


def policy_statements(policies: Iterable[AttachedPolicy]) -> list[Statement]:
    """The `statements` of a role or user: every statement of every policy it has."""
    flat: list[Statement] = []
    for policy in policies:
        label = policy["name"] if not policy["via_group"] else f"{policy['via_group']}/{policy['name']}"
        flat += statements(policy["document"], str(label))
    return flat


def sorted_policies(policies: Iterable[AttachedPolicy]) -> list[AttachedPolicy]:
    return sorted(
        policies, key=lambda p: (str(p["via_group"] or ""), p["kind"], str(p["name"]), str(p["arn"]))
    )


def service_linked(path: Any) -> bool:
    """A service-linked role lives under ``/aws-service-role/``."""
    return str(path or "").startswith("/aws-service-role/")


class RoleAttributes(TypedDict):
    name: str
    arn: str
    role_id: str | None
    path: str | None
    created: str | None
    description: str | None
    max_session_duration: int | None
    trust_policy: JSON
    trust_statements: list[Statement]  # derived: `statements(trust_policy, "trust")`
    trusted_principals: dict[str, list[str]]  # derived: `trusted_principals(trust_statements)`
    policies: list[AttachedPolicy]
    statements: list[Statement]  # derived: `policy_statements(policies)`
    attached_policy_arns: list[str]
    permissions_boundary_arn: str | None
    service_linked: bool  # derived: `service_linked(path)`
    instance_profiles: list[str | None]
    last_used_date: str | None
    last_used_region: str | None
    tags: Tags
    _links: list[Link]


class AccessKey(TypedDict):
    id: str | None
    status: str | None  # Active | Inactive
    create_date: str | None
    age_days: int | None
    last_used_date: str | None
    last_used_service: str | None
    source: str  # credential-report | list-access-keys


class UserAttributes(TypedDict):
    name: str
    arn: str
    user_id: str | None
    path: str | None
    created: str | None
    is_root: bool
    groups: list[str]
    policies: list[AttachedPolicy]
    statements: list[Statement]  # derived: `policy_statements(policies)`
    attached_policy_arns: list[str]
    permissions_boundary_arn: str | None
    password_enabled: bool | None
    password_last_used: str | None
    mfa_active: bool | None
    access_keys: list[AccessKey]
    active_access_key_count: int
    oldest_active_access_key_age_days: int | None
    tags: Tags
    _links: list[Link]


class PolicyAttributes(TypedDict):
    name: str
    arn: str
    policy_id: str | None
    path: str | None
    aws_managed: bool
    default_version_id: str | None
    attachment_count: int | None
    permissions_boundary_usage_count: int | None
    is_attachable: bool | None
    description: str | None
    document: JSON
    statements: list[Statement]  # derived: `statements(document, name)`
    created: str | None
    updated: str | None
    _links: list[Link]


REGISTRY.register(ResourceType(
    ROLE, "An IAM role with its trust and permission policies.", RoleAttributes,
    relations=(Relation("policies", (POLICY,), "customer managed policies attached to the role"),
               Relation(REFERENCED_BY_CONNECTION, (CONNECTION,), REFERENCED_BY_CONNECTION_MEANING, "link.aws")),
    native=NativeNames(cloudformation=("AWS::IAM::Role",),
                       cloudformation_parts=("AWS::IAM::Policy", "AWS::IAM::RolePolicy"),
                       terraform=("aws_iam_role",),
                       terraform_parts=("aws_iam_role_policy", "aws_iam_role_policy_attachment",
                                        "aws_iam_policy_attachment", "aws_iam_role_policies_exclusive"),
                       security_hub="AwsIamRole"),
))
REGISTRY.register(ResourceType(
    USER, "An IAM user with its access keys.", UserAttributes,
    relations=(Relation("policies", (POLICY,), "customer managed policies attached to the user or its groups"),),
    native=NativeNames(cloudformation=("AWS::IAM::User",),
                       cloudformation_parts=("AWS::IAM::AccessKey", "AWS::IAM::Policy", "AWS::IAM::UserPolicy",
                                             "AWS::IAM::UserToGroupAddition"),
                       terraform=("aws_iam_user",),
                       terraform_parts=("aws_iam_access_key", "aws_iam_user_policy", "aws_iam_user_policy_attachment",
                                        "aws_iam_user_group_membership", "aws_iam_group_membership"),
                       security_hub="AwsIamUser"),
))
REGISTRY.register(ResourceType(
    POLICY, "A managed IAM policy.", PolicyAttributes,
    native=NativeNames(cloudformation=("AWS::IAM::ManagedPolicy",), terraform=("aws_iam_policy",),
                       security_hub="AwsIamPolicy"),
))
