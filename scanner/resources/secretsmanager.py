"""Secrets Manager secrets: metadata and rotation only, never a value."""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from typing_extensions import TypedDict

from scanner.resources.common import Link, Tags
from scanner.resources.names import SECRET
from scanner.resources.registry import REGISTRY, NativeNames, ResourceType


class RotationRules(TypedDict):
    automatically_after_days: int | None
    schedule_expression: str | None
    duration: str | None


class SecretAttributes(TypedDict):
    name: str
    arn: str
    description: str | None
    kms_key_id: str | None
    rotation_enabled: bool
    rotation_lambda_arn: str | None
    rotation_rules: RotationRules
    last_rotated_date: str | None
    next_rotation_date: str | None
    last_changed_date: str | None
    last_accessed_date: str | None
    created: str | None
    deleted_date: str | None
    owning_service: str | None  # set when a service (RDS) manages the secret and its rotation
    primary_region: str | None
    tags: Tags
    _links: list[Link]


REGISTRY.register(ResourceType(
    SECRET, "A Secrets Manager secret (metadata and rotation only; never its value).", SecretAttributes,
    native=NativeNames(cloudformation=("AWS::SecretsManager::Secret",),
                       cloudformation_parts=("AWS::SecretsManager::RotationSchedule",),
                       terraform=("aws_secretsmanager_secret",),
                       terraform_parts=("aws_secretsmanager_secret_rotation",),
                       security_hub="AwsSecretsManagerSecret"),
))
