"""IAM, Secrets Manager and CloudTrail collectors against moto."""

from __future__ import annotations

from datetime import timedelta

from scanner.aws.shape import parse_time
from scanner.aws.units import merge
from tests.aws import seed
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv, by_name, fixed_clock, gap_tuples
from tests.support.local_aws import FaultProxy


def test_roles_carry_trust_policy_permissions_and_session_length(aws: AwsEnv) -> None:
    made = seed.identities(aws.client("iam", "us-east-1"))

    result = aws.run("iam", region="global")

    assert result.gaps == []
    assert result.api_calls == {
        "iam:GenerateCredentialReport": 2,
        "iam:GetAccountAuthorizationDetails": 1,
        "iam:GetCredentialReport": 1,
        "iam:ListRoles": 1,
    }
    roles = by_name(result, "aws.iam.role")
    worker = roles["airflow-worker"]
    arn = f"arn:aws:iam::{ACCOUNT}:role/airflow/airflow-worker"
    assert worker["id"] == f"aws.iam.role:{arn}"
    assert worker["source"]["aws"] == {"arn": arn, "account": ACCOUNT, "region": None}
    attributes = worker["attributes"]
    assert attributes["max_session_duration"] == 43200
    assert roles["short"]["attributes"]["max_session_duration"] == 3600
    assert attributes["trust_policy"] == seed.TRUST_EC2
    assert attributes["trusted_principals"] == {"Service": ["ec2.amazonaws.com"]}
    assert attributes["policies"] == [
        {
            "name": "db-connect",
            "kind": "inline",
            "arn": None,
            "aws_managed": False,
            "via_group": None,
            "document": seed.DB_CONNECT,
        },
        {
            "name": "read-secrets",
            "kind": "managed",
            "arn": made["policy_arn"],
            "aws_managed": False,
            "via_group": None,
            "document": seed.READ_SECRETS,
        },
    ]
    assert attributes["statements"] == [
        {
            "policy": "db-connect",
            "sid": None,
            "effect": "Allow",
            "actions": ["rds-db:connect"],
            "not_actions": [],
            "resources": ["arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/airflow"],
            "not_resources": [],
            "condition": None,
        },
        {
            "policy": "read-secrets",
            "sid": None,
            "effect": "Allow",
            "actions": ["secretsmanager:GetSecretValue"],
            "not_actions": [],
            "resources": ["*"],
            "not_resources": [],
            "condition": None,
        },
    ]
    assert attributes["tags"] == {"team": "data"}
    assert attributes["_links"] == [
        {
            "relation": "policies",
            "target_type": "aws.iam.policy",
            "target_id": f"aws.iam.policy:{made['policy_arn']}",
            "target_name": "read-secrets",
        }
    ]

    policy = by_name(result, "aws.iam.policy")["read-secrets"]["attributes"]
    assert (policy["document"], policy["attachment_count"], policy["aws_managed"], policy["description"]) == (
        seed.READ_SECRETS,
        2,
        False,
        "secrets for DAGs",
    )


def test_users_with_access_keys_aged_against_the_injected_clock(aws: AwsEnv) -> None:
    made = seed.identities(aws.client("iam", "us-east-1"))
    created = parse_time(made["ci_key"]["CreateDate"])
    clock = fixed_clock(created.replace(microsecond=0) + timedelta(days=400, hours=1))

    result = aws.run("iam", region="global", clock=clock)

    users = by_name(result, "aws.iam.user")
    ci = users["ci"]["attributes"]
    assert ci["access_keys"] == [
        {
            "id": None,
            "status": "Active",
            "create_date": ci["access_keys"][0]["create_date"],
            "age_days": 400,
            "last_used_date": None,
            "last_used_service": None,
            "source": "credential-report",
        }
    ]
    assert parse_time(ci["access_keys"][0]["create_date"]) == created.replace(microsecond=0)
    assert (ci["active_access_key_count"], ci["oldest_active_access_key_age_days"]) == (1, 400)
    assert (ci["groups"], ci["mfa_active"], ci["password_enabled"], ci["is_root"]) == (
        ["deployers"],
        False,
        False,
        False,
    )
    assert [(p["name"], p["kind"], p["via_group"]) for p in ci["policies"]] == [
        ("read-secrets", "managed", None),
        ("deploy", "inline", "deployers"),
    ]
    assert [s["policy"] for s in ci["statements"]] == ["read-secrets", "deployers/deploy"]
    nokeys = users["nokeys"]["attributes"]
    assert (
        nokeys["access_keys"],
        nokeys["active_access_key_count"],
        nokeys["oldest_active_access_key_age_days"],
    ) == ([], 0, None)


def test_access_keys_fall_back_to_list_access_keys_when_the_report_is_denied(
    aws: AwsEnv, proxy: FaultProxy
) -> None:
    made = seed.identities(aws.client("iam", "us-east-1"))
    proxy.deny("iam:GenerateCredentialReport")

    result = aws.run("iam", region="global")

    assert gap_tuples(result) == [
        ("iam:GenerateCredentialReport", "AccessDenied", "denied", ["aws.iam.user"])
    ]
    assert result.api_calls["iam:ListAccessKeys"] == 2  # one per user: only on this fallback path
    ci = by_name(result, "aws.iam.user")["ci"]["attributes"]
    assert [(k["id"], k["status"], k["source"]) for k in ci["access_keys"]] == [
        (made["ci_key"]["AccessKeyId"], "Active", "list-access-keys")
    ]
    assert ci["mfa_active"] is None  # only the report knows


def test_secrets_rotation_without_ever_reading_a_value(aws: AwsEnv, proxy: FaultProxy) -> None:
    made = seed.secrets_and_trails(aws.client("secretsmanager"), aws.client("s3"), aws.client("cloudtrail"))

    result = aws.run("secretsmanager")

    assert result.gaps == []
    assert result.api_calls == {"secretsmanager:ListSecrets": 1}
    assert set(proxy.requests) == {"secretsmanager:ListSecrets"}  # never GetSecretValue / DescribeSecret
    secrets = by_name(result, "aws.secretsmanager.secret")
    plain = secrets["airflow/connections/orders"]
    assert plain["id"] == f"aws.secretsmanager.secret:{made['plain']['ARN']}"
    assert plain["source"]["aws"] == {"arn": made["plain"]["ARN"], "account": ACCOUNT, "region": REGION}
    assert (
        plain["attributes"]["rotation_enabled"],
        plain["attributes"]["rotation_rules"],
        plain["attributes"]["description"],
    ) == (
        False,
        {"automatically_after_days": None, "schedule_expression": None, "duration": None},
        "orders db",
    )
    rotated = secrets["airflow/connections/legacy"]["attributes"]
    assert (
        rotated["rotation_enabled"],
        rotated["rotation_rules"]["automatically_after_days"],
        rotated["rotation_lambda_arn"],
    ) == (True, 30, "arn:aws:lambda:eu-west-1:123456789012:function:rotate")
    assert "do-not-read-me" not in result.to_json_text()


def test_trails_with_logging_status_and_the_account_summary(aws: AwsEnv) -> None:
    seed.secrets_and_trails(aws.client("secretsmanager"), aws.client("s3"), aws.client("cloudtrail"))

    home, elsewhere = aws.run("cloudtrail"), aws.run("cloudtrail", region="us-east-1")

    assert home.gaps == [] and elsewhere.gaps == []
    assert home.api_calls == {"cloudtrail:DescribeTrails": 1, "cloudtrail:GetTrailStatus": 2}
    trails = by_name(home, "aws.cloudtrail.trail")
    org = trails["org-trail"]["attributes"]
    assert (org["is_multi_region_trail"], org["is_logging"], org["home_region"], org["s3_bucket_name"]) == (
        True,
        True,
        REGION,
        "audit-trail",
    )
    quiet = trails["quiet"]["attributes"]
    assert (quiet["is_multi_region_trail"], quiet["is_logging"]) == (False, False)
    # elsewhere the multi-region trail is a shadow copy (its status read by ARN); the single-region one is absent
    assert [(r["name"], r["attributes"]["shadow"], r["attributes"]["is_logging"], r["id"])
            for r in elsewhere.resources] == [("org-trail", True, True, f"aws.cloudtrail.trail:{org['arn']}")]
    assert elsewhere.api_calls == {"cloudtrail:DescribeTrails": 1, "cloudtrail:GetTrailStatus": 1}
    # merged, the home copy wins
    merged_trails = [r for r in merge([elsewhere, home]).resources() if r.type == "aws.cloudtrail.trail"]
    assert [(r.name, "shadow" in r.attributes) for r in merged_trails] == [("org-trail", False), ("quiet", False)]
    # a scan of us-east-1 alone still sees the organisation trail homed in eu-west-1
    only_elsewhere = [r for r in merge([elsewhere]).resources() if r.type == "aws.cloudtrail.account"]
    assert only_elsewhere[0].attributes["has_logging_multi_region_trail"] is True

    summary = [r for r in merge([home, elsewhere]).resources() if r.type == "aws.cloudtrail.account"]
    assert [r.id for r in summary] == [f"aws.cloudtrail.account:arn:aws:iam::{ACCOUNT}:root"]
    assert summary[0].attributes == {
        "account": ACCOUNT,
        "regions_scanned": ["eu-west-1", "us-east-1"],
        "regions_incomplete": [],
        "complete": True,
        "trail_arns": [
            "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail",
            "arn:aws:cloudtrail:eu-west-1:123456789012:trail/quiet",
        ],
        "logging_multi_region_trail_arns": ["arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail"],
        "has_logging_multi_region_trail": True,
        "regions_with_logging_trail": ["eu-west-1"],
        "_links": [],
    }
