"""Several accounts in one snapshot: `--accounts` / `--organization` with a role assumed per account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main
from tests.aws.conftest import REGION, AwsEnv

ROLE = "arn:aws:iam::{account}:role/airguard-audit"


def _assumed_client(env: AwsEnv, service: str, account: str):
    import boto3

    credentials = env.client("sts").assume_role(RoleArn=ROLE.format(account=account),
                                                 RoleSessionName="seed")["Credentials"]
    return boto3.client(service, region_name=REGION, endpoint_url=env.url,
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def test_organization_fan_out_collects_every_account(aws: AwsEnv, tmp_path: Path, monkeypatch, capsys) -> None:
    organizations = aws.client("organizations", "us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    created = [organizations.create_account(AccountName=name, Email=f"{name}@example.com")
               ["CreateAccountStatus"]["AccountId"] for name in ("data", "ml")]
    _assumed_client(aws, "secretsmanager", created[0]).create_secret(Name="airflow/connections/data",
                                                                      SecretString="x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    output = tmp_path / "org.json"
    code = main(["aws", "snapshot", "--organization", "--assume-role", ROLE, "--region", REGION,
                 "--services", "secretsmanager", "-o", str(output)])
    assert code == 0, capsys.readouterr().err
    snapshot = json.loads(output.read_text())
    listed = [a["Id"] for a in organizations.list_accounts()["Accounts"]]
    assert snapshot["accounts"] == sorted(listed) and set(created) <= set(listed)
    secrets = [r["id"] for u in snapshot["units"] for r in u["resources"]]
    assert len(secrets) == 1
    assert secrets[0].startswith(f"aws.secretsmanager.secret:arn:aws:secretsmanager:{REGION}:{created[0]}:secret:"
                                 "airflow/connections/data-")


def test_several_accounts_need_a_role_template(aws: AwsEnv, tmp_path: Path, capsys) -> None:
    code = main(["aws", "snapshot", "--accounts", "111111111111,222222222222",
                 "--assume-role", "arn:aws:iam::111111111111:role/audit", "--region", REGION,
                 "-o", str(tmp_path / "x.json")])
    assert code == 2
    assert "{account}" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--accounts", "--organization"])
def test_flags_exist_on_scan_too(flag: str) -> None:
    from scanner.cli import build_parser

    args = ["scan", "--aws", flag] + (["1"] if flag == "--accounts" else [])
    assert build_parser().parse_args(args).aws
