"""AWS collection tests: real boto3 over HTTP to moto in server mode on 127.0.0.1.

Each pytest(-xdist) worker starts its own moto server on a free port (session fixture); every test
resets it (``POST /moto-api/reset``) and runs with dummy credentials and no AWS config files, so
nothing but loopback is ever contacted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from scanner.aws.recorder import Clock
from scanner.aws.session import SessionFactory, SessionOptions
from scanner.aws.units import CollectionUnit, UnitResult, run_unit
from tests.support.local_aws import FaultProxy, LocalMoto, query_response

REGION = "eu-west-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalMoto]:
    server = LocalMoto()
    server.start()
    yield server
    server.stop()


@dataclass
class AwsEnv:
    """The moto endpoint of a test, boto3 clients to seed it, and options for the code under test."""

    url: str
    proxy_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str, region: str = REGION) -> Any:
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=self.url)

    def options(self, **overrides: Any) -> SessionOptions:
        settings: dict[str, Any] = {
            "endpoint_url": self.proxy_url or self.url,
            "max_attempts": 1,
            "connect_timeout": 2,
            "read_timeout": 10,
        }
        settings.update(overrides)
        return SessionOptions(**settings)

    def run(
        self,
        service: str,
        region: str = REGION,
        account: str | None = ACCOUNT,
        clock: Clock | None = None,
        **overrides: Any,
    ) -> UnitResult:
        unit = CollectionUnit(account=account, region=region, service=service)
        return run_unit(unit, SessionFactory(self.options(**overrides)), clock=clock)


@pytest.fixture
def aws_env_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials; no profile, config file, endpoint variable or instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testingsecret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(moto_server: LocalMoto, aws_env_vars: None) -> AwsEnv:
    moto_server.reset()
    return AwsEnv(url=moto_server.url)


def add_rds_stand_ins(proxy: FaultProxy) -> None:
    """Canned empty answers for the two RDS operations moto does not implement."""
    proxy.respond(
        "rds:DescribeDBClusterEndpoints",
        query_response("DescribeDBClusterEndpoints", "<DBClusterEndpoints/>"),
    )
    proxy.respond(
        "rds:DescribeDBProxyEndpoints", query_response("DescribeDBProxyEndpoints", "<DBProxyEndpoints/>")
    )


def seed_sample_account(env: AwsEnv, proxy: FaultProxy) -> None:
    """The account behind fixtures/aws/snapshot-v1.json: every service seeded, MWAA empty, CloudTrail denied."""
    from tests.aws import seed

    add_rds_stand_ins(proxy)
    proxy.respond("airflow:GET /environments", '{"Environments": []}', content_type="application/json")
    proxy.deny("cloudtrail:DescribeTrails")
    net = seed.network(env.client("ec2"))
    seed.databases(env.client("rds"), net)
    seed.identities(env.client("iam", "us-east-1"))
    seed.secrets_and_trails(env.client("secretsmanager"), env.client("s3"), env.client("cloudtrail"))


@pytest.fixture
def proxy(aws: AwsEnv) -> Iterator[FaultProxy]:
    """A fault proxy in front of moto; the code under test talks to it (the seeding clients do not)."""
    fault_proxy = FaultProxy(aws.url)
    aws.proxy_url = fault_proxy.start()
    yield fault_proxy
    fault_proxy.stop()


def fixed_clock(moment: datetime) -> Clock:
    return lambda: moment


def by_name(result: UnitResult, resource_type: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in result.resources if r["type"] == resource_type}


def gap_tuples(result: UnitResult) -> list[tuple[str, str, str, list[str]]]:
    return [(g.operation, g.error_code, g.kind, g.resource_types) for g in result.gaps]
