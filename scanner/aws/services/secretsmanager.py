"""Secrets Manager, per region: secret metadata and rotation, from ``ListSecrets`` pages alone.

Never calls ``GetSecretValue`` (nor ``DescribeSecret``): no secret value ever reaches a resource.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.calls import paginate
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import AwsSession
from scanner.aws.shape import make_resource
from scanner.model import Resource
from scanner.resources.values import iso, tags

SECRET = "aws.secretsmanager.secret"
PAGE = 100


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    client = recorder.attach(session.client("secretsmanager"))
    listed = paginate(recorder, client, "list_secrets", "SecretList", [SECRET], page_size=PAGE)
    return [secret_resource(secret, recorder.account, unit.region) for secret in listed]


def secret_resource(secret: dict[str, Any], account: str | None, region: str) -> Resource:
    arn, name = secret["ARN"], secret["Name"]
    rules = secret.get("RotationRules") or {}
    attributes = {
        "name": name,
        "arn": arn,
        "description": secret.get("Description"),
        "kms_key_id": secret.get("KmsKeyId"),
        "rotation_enabled": bool(secret.get("RotationEnabled")),
        "rotation_lambda_arn": secret.get("RotationLambdaARN"),
        "rotation_rules": {
            "automatically_after_days": rules.get("AutomaticallyAfterDays"),
            "schedule_expression": rules.get("ScheduleExpression"),
            "duration": rules.get("Duration"),
        },
        "last_rotated_date": iso(secret.get("LastRotatedDate")),
        "next_rotation_date": iso(secret.get("NextRotationDate")),
        "last_changed_date": iso(secret.get("LastChangedDate")),
        "last_accessed_date": iso(secret.get("LastAccessedDate")),
        "created": iso(secret.get("CreatedDate")),
        "deleted_date": iso(secret.get("DeletedDate")),
        "owning_service": secret.get("OwningService"),
        "primary_region": secret.get("PrimaryRegion"),
        "tags": tags(secret.get("Tags")),
    }
    return make_resource(SECRET, arn, name, account=account, region=region, attributes=attributes)
