"""Sessions: lazy boto3, the credential chain, profiles, AssumeRole, AWS_ENDPOINT_URL, botocore Config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scanner.aws.session import SessionFactory, SessionOptions
from scanner.aws.units import CollectionUnit, run_unit
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv, by_name, gap_tuples

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_package_does_not_import_boto3() -> None:
    code = (
        "import sys, scanner.aws, scanner.aws.units, scanner.aws.snapshot, scanner.aws.collect, "
        "scanner.aws.session, scanner.aws.notices, scanner.aws.services.rds, scanner.aws.services.iam; "
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto imported'"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_clients_use_adaptive_retries_timeouts_and_the_endpoint(aws_env_vars: None) -> None:
    factory = SessionFactory(
        SessionOptions(endpoint_url="http://127.0.0.1:9", max_attempts=7, connect_timeout=3, read_timeout=11)
    )
    client = factory(CollectionUnit(account=ACCOUNT, region="eu-central-1", service="rds")).client("rds")

    config = client.meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 8}  # botocore: 7 retries + the try
    assert (config.connect_timeout, config.read_timeout) == (3, 11)
    assert config.inject_host_prefix is False  # an endpoint override: no "api." host prefix for MWAA
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.region_name == "eu-central-1"
    assert "airguard/" in config.user_agent_extra


def test_defaults_are_five_retries_and_the_global_region_for_account_units(aws_env_vars: None) -> None:
    factory = SessionFactory()
    session = factory(CollectionUnit(account=ACCOUNT, region="global", service="iam"))

    assert session.region == REGION  # the credential chain's region (AWS_DEFAULT_REGION here)
    assert session.client("iam").meta.config.retries == {"mode": "adaptive", "total_max_attempts": 6}
    assert SessionFactory(SessionOptions(global_region="us-gov-west-1")).global_region() == "us-gov-west-1"


def test_aws_endpoint_url_from_the_environment_is_honoured(
    aws: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.client("secretsmanager").create_secret(Name="found-via-env", SecretString="x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)

    result = run_unit(
        CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
        SessionFactory(SessionOptions(max_attempts=0)),
    )

    assert result.gaps == []
    assert list(by_name(result, "aws.secretsmanager.secret")) == ["found-via-env"]


def test_a_named_profile_supplies_the_credentials(
    aws: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[audit]\naws_access_key_id = AKIAPROFILEAUDIT0001\naws_secret_access_key = profile-secret\n"
    )
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    factory = SessionFactory(aws.options(profile="audit"))

    session = factory(CollectionUnit(account=None, region=REGION, service="sts"))
    result = run_unit(CollectionUnit(account=None, region="global", service="sts"), factory)

    assert session.boto_session.get_credentials().access_key == "AKIAPROFILEAUDIT0001"
    assert result.gaps == []
    assert result.unit.account == ACCOUNT  # resolved through sts:GetCallerIdentity
    assert result.api_calls == {"sts:GetCallerIdentity": 1}


def test_an_unknown_profile_is_a_gap(aws: AwsEnv) -> None:
    result = run_unit(
        CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
        SessionFactory(aws.options(profile="nope")),
    )

    assert gap_tuples(result) == [
        ("airguard:Session", "ProfileNotFound", "credentials", ["aws.secretsmanager.secret"])
    ]


def test_assume_role_per_account_collects_that_account(aws: AwsEnv) -> None:
    import boto3

    other = "210987654321"
    role_arn = f"arn:aws:iam::{other}:role/airguard-audit"
    assumed = aws.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="seed")["Credentials"]
    boto3.client(
        "secretsmanager",
        region_name=REGION,
        endpoint_url=aws.url,
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    ).create_secret(Name="in-the-other-account", SecretString="x")
    aws.client("secretsmanager").create_secret(Name="in-the-main-account", SecretString="x")
    factory = SessionFactory(aws.options(assume_role_arn="arn:aws:iam::{account}:role/airguard-audit"))

    first = run_unit(CollectionUnit(account=other, region=REGION, service="secretsmanager"), factory)
    second = run_unit(CollectionUnit(account=other, region="us-east-1", service="secretsmanager"), factory)

    secret = by_name(first, "aws.secretsmanager.secret")
    assert list(secret) == ["in-the-other-account"]
    assert secret["in-the-other-account"]["source"]["aws"]["account"] == other
    assert second.gaps == [] and second.resources == []
    assert factory.api_calls == {"sts:AssumeRole": 1}  # temporary credentials are reused per account


def test_a_role_template_without_an_account_is_a_gap(aws: AwsEnv) -> None:
    factory = SessionFactory(aws.options(assume_role_arn="arn:aws:iam::{account}:role/airguard-audit"))

    result = run_unit(CollectionUnit(account=None, region=REGION, service="cloudtrail"), factory)

    assert gap_tuples(result) == [("sts:AssumeRole", "NoAccount", "credentials", ["aws.cloudtrail.trail"])]
