"""The AWS rules end to end: seed moto (and the local MWAA API), run the real CLI, assert exact findings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scanner.aws.collect import collect_snapshot
from scanner.aws.snapshot import SCHEMA_PATH, write_snapshot
from tests.aws import seed_rules
from tests.aws.conftest import ACCOUNT, AwsEnv, add_rds_stand_ins
from tests.aws.mwaa_server import MwaaServer
from tests.conftest import CliRun, run_process
from tests.support.local_aws import FaultProxy

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "aws" / "snapshot-v1.json"

BAD_FINDINGS = {
    ("AG501", "aws.rds.cluster", "bad-cluster"),
    ("AG506", "aws.rds.cluster", "bad-cluster"),
    ("AG502", "aws.rds.instance", "bad-cluster-1"),
    ("AG514", "aws.rds.instance", "bad-standalone"),
    ("AG516", "aws.rds.instance", "bad-standalone"),
    ("AG503", "aws.rds.subnet_group", "db-public"),
    ("AG504", "aws.ec2.security_group", "{cidr_sg}"),
    ("AG505", "aws.ec2.security_group", "{open_sg}"),
    ("AG507", "aws.iam.role", "bad-worker"),
    ("AG508", "aws.iam.role", "bad-worker"),
    ("AG517", "aws.iam.user", "bad-user"),
    ("AG509", "aws.secretsmanager.secret", "airflow/connections/bad"),
    ("AG510", "aws.cloudtrail.account", ACCOUNT),
    ("AG511", "aws.mwaa.environment", "bad-env"),
    ("AG512", "aws.mwaa.environment", "bad-env"),
}


@pytest.fixture
def account(aws: AwsEnv, proxy: FaultProxy) -> Iterator[Callable[[Callable[..., dict[str, Any]]], dict[str, Any]]]:
    """Seed an account with `seeder`, start the MWAA stand-in with its environments, point the CLI at both."""
    servers: list[MwaaServer] = []

    def seed(seeder: Callable[..., dict[str, Any]]) -> dict[str, Any]:
        add_rds_stand_ins(proxy)
        made = seeder(aws.client)
        server = MwaaServer(made["mwaa"])
        server.start()
        servers.append(server)
        made["cli_env"] = {"AWS_ENDPOINT_URL": aws.proxy_url, "AWS_ENDPOINT_URL_MWAA": server.url}
        return made

    yield seed
    for server in servers:
        server.stop()


def _scan(*args: str, env: dict[str, str], cwd: Path) -> CliRun:
    return run_process("scan", *args, "--format", "json", cwd=cwd, env=env)


def findings(run: CliRun) -> set[tuple[str, str, str]]:
    report = run.json()
    return {(f["rule_id"], f["resource"]["type"], f["resource"]["name"]) for f in report["findings"]
            if f["rule_id"].startswith("AG5")}


def _expected(template: set[tuple[str, str, str]], made: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(rule, kind, name.format(**made)) for rule, kind, name in template}


def test_bad_account_gives_exactly_the_expected_findings(account, tmp_path: Path) -> None:
    made = account(seed_rules.bad_account)

    run = _scan("--aws", "--region", "eu-west-1", env=made["cli_env"], cwd=tmp_path)

    assert run.exit_code == 1, run.stderr
    assert findings(run) == _expected(BAD_FINDINGS, made)
    report = run.json()
    assert report["errors"] == []
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert by_rule["AG505"]["location"] is None
    assert by_rule["AG505"]["resource"]["arn"].endswith(f":security-group/{made['open_sg']}")
    assert by_rule["AG507"]["message"] == "Role 'bad-worker' allows sessions of 43200 s (limit 3600 s)"
    assert "not-a-real-password" not in run.stdout and "do-not-read-me" not in run.stdout


def test_good_account_gives_no_aws_finding(account, tmp_path: Path) -> None:
    made = account(seed_rules.good_account)

    run = _scan("--aws", "--region", "eu-west-1", env=made["cli_env"], cwd=tmp_path)

    assert findings(run) == set()
    assert run.json()["errors"] == []
    assert run.exit_code == 0, run.stdout


def test_snapshot_command_then_scan_gives_the_same_findings(account, tmp_path: Path) -> None:
    made = account(seed_rules.bad_account)
    snapshot = tmp_path / "snapshot.json"

    written = run_process("aws", "snapshot", "-o", snapshot, "--region", "eu-west-1", cwd=tmp_path,
                          env=made["cli_env"])
    assert written.exit_code == 0, written.stderr
    document = json.loads(snapshot.read_text())
    assert [e.message for e in Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).iter_errors(document)] == []

    from_file = _scan("--aws-snapshot", snapshot, env=made["cli_env"], cwd=tmp_path)
    live = _scan("--aws", "--region", "eu-west-1", env=made["cli_env"], cwd=tmp_path)
    assert findings(from_file) == findings(live) == _expected(BAD_FINDINGS, made)

    config = tmp_path / "airguard.toml"
    config.write_text('[tool.airguard.rule-parameters.AG504]\nallowed_cidrs = ["10.9.0.0/16"]\n')
    allowed = _scan("--aws-snapshot", snapshot, "--config", config, env=made["cli_env"], cwd=tmp_path)
    assert findings(allowed) == _expected(BAD_FINDINGS, made) - {("AG504", "aws.ec2.security_group", made["cidr_sg"])}


def test_old_access_keys_by_a_later_collection_clock(account, aws: AwsEnv, tmp_path: Path) -> None:
    """moto cannot backdate a key: collect the same account as if 120 days had passed (the collector's clock)."""
    made = account(seed_rules.bad_account)
    later = datetime.now(timezone.utc) + timedelta(days=120)
    snapshot = tmp_path / "later.json"
    collected = collect_snapshot(aws.options(service_endpoint_urls={"mwaa": made["cli_env"]["AWS_ENDPOINT_URL_MWAA"]}),
                                 services=["iam"], regions=["eu-west-1"], clock=lambda: later)
    write_snapshot(snapshot, collected)

    default = _scan("--aws-snapshot", snapshot, env=made["cli_env"], cwd=tmp_path)
    assert findings(default) == {("AG513", "aws.iam.user", "bad-user"), ("AG507", "aws.iam.role", "bad-worker"),
                                 ("AG508", "aws.iam.role", "bad-worker"), ("AG517", "aws.iam.user", "bad-user")}
    ag513 = next(f for f in default.json()["findings"] if f["rule_id"] == "AG513")
    assert ag513["message"] == ("IAM user 'bad-user' has an active access key older than 90 days "
                                "(oldest active key: 120 days)")

    (tmp_path / ".airguard.toml").write_text("[tool.airguard.rule-parameters.AG513]\nmax_key_age_days = 180\n")
    relaxed = _scan("--aws-snapshot", snapshot, "--config", tmp_path / ".airguard.toml", env=made["cli_env"],
                    cwd=tmp_path)
    assert ("AG513", "aws.iam.user", "bad-user") not in findings(relaxed)


def test_bundled_snapshot_findings(tmp_path: Path) -> None:
    run = _scan("--aws-snapshot", FIXTURE, "--fail-on", "none", env={}, cwd=tmp_path)

    assert run.exit_code == 3  # CloudTrail was denied in the sample: partial, and AG510 stays silent
    assert findings(run) == {
        ("AG501", "aws.rds.cluster", "legacy"),
        ("AG506", "aws.rds.cluster", "legacy"),
        ("AG502", "aws.rds.instance", "orders-1"),
        ("AG505", "aws.ec2.security_group", "sg-3d4504b534894c6d1"),
        ("AG507", "aws.iam.role", "airflow-worker"),
        ("AG509", "aws.secretsmanager.secret", "airflow/connections/orders"),
    }
