"""Denied, throttled, failing, slow and unreachable calls: each unit completes with what it could read
and records exactly which operations failed (a fault proxy sits between boto3 and moto)."""

from __future__ import annotations

import socket
import time

from scanner.aws.calls import paginate
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import SessionFactory, SessionOptions
from scanner.aws.units import CollectionUnit, run_unit, run_units
from tests.aws import seed
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv, add_rds_stand_ins, by_name, gap_tuples
from tests.support.local_aws import FaultProxy


def _databases(aws: AwsEnv, proxy: FaultProxy) -> dict[str, str]:
    add_rds_stand_ins(proxy)
    net = seed.network(aws.client("ec2"))
    seed.databases(aws.client("rds"), net)
    return net


def test_throttling_that_outlasts_the_retries_is_a_gap_and_the_rest_is_collected(
    aws: AwsEnv, proxy: FaultProxy
) -> None:
    _databases(aws, proxy)
    proxy.throttle("rds:DescribeDBInstances")

    result = aws.run("rds", max_attempts=1)

    assert gap_tuples(result) == [
        ("rds:DescribeDBInstances", "Throttling", "throttled", ["aws.rds.instance"])
    ]
    assert (
        result.gaps[0].account == ACCOUNT
        and result.gaps[0].region == REGION
        and result.gaps[0].service == "rds"
    )
    assert (
        proxy.requests["rds:DescribeDBInstances"] == 2
    )  # botocore: max_attempts=1 is one retry after the try
    assert result.api_calls["rds:DescribeDBInstances"] == 1
    assert result.http_requests["rds:DescribeDBInstances"] == 2
    assert by_name(result, "aws.rds.instance") == {}
    assert sorted(by_name(result, "aws.rds.cluster")) == ["legacy", "orders"]
    assert list(by_name(result, "aws.rds.proxy")) == ["orders-proxy"]


def test_a_throttle_that_a_retry_absorbs_leaves_no_gap(aws: AwsEnv, proxy: FaultProxy) -> None:
    _databases(aws, proxy)
    proxy.throttle("rds:DescribeDBClusters", times=1)

    result = aws.run("rds", max_attempts=1)

    assert result.gaps == []
    assert result.http_requests["rds:DescribeDBClusters"] == 2
    assert sorted(by_name(result, "aws.rds.cluster")) == ["legacy", "orders"]


def test_server_errors_and_access_denied_across_protocols(aws: AwsEnv, proxy: FaultProxy) -> None:
    net = seed.network(aws.client("ec2"))
    seed.secrets_and_trails(aws.client("secretsmanager"), aws.client("s3"), aws.client("cloudtrail"))
    proxy.server_error("ec2:DescribeSecurityGroups", status=500)  # EC2 protocol
    proxy.deny("ec2:DescribeNatGateways")
    proxy.server_error("secretsmanager:ListSecrets", status=503)  # JSON protocol
    proxy.deny("cloudtrail:GetTrailStatus")

    ec2, secrets, trails = aws.run("ec2"), aws.run("secretsmanager"), aws.run("cloudtrail")

    assert gap_tuples(ec2) == [
        ("ec2:DescribeNatGateways", "UnauthorizedOperation", "denied", ["aws.ec2.vpc"]),
        ("ec2:DescribeSecurityGroups", "InternalError", "server-error", ["aws.ec2.security_group"]),
    ]
    assert by_name(ec2, "aws.ec2.security_group") == {}
    assert by_name(ec2, "aws.ec2.subnet")[net["public"]]["attributes"]["public"] is True
    assert gap_tuples(secrets) == [
        ("secretsmanager:ListSecrets", "ServiceUnavailable", "server-error", ["aws.secretsmanager.secret"])
    ]
    assert gap_tuples(trails) == [
        ("cloudtrail:GetTrailStatus", "AccessDeniedException", "denied", ["aws.cloudtrail.trail"]),
        ("cloudtrail:GetTrailStatus", "AccessDeniedException", "denied", ["aws.cloudtrail.trail"]),
    ]
    assert {
        name: r["attributes"]["is_logging"] for name, r in by_name(trails, "aws.cloudtrail.trail").items()
    } == {"org-trail": None, "quiet": None}  # described, but the status is unknown


def test_a_response_slower_than_the_read_timeout_is_a_timeout_gap(aws: AwsEnv, proxy: FaultProxy) -> None:
    net = seed.network(aws.client("ec2"))
    proxy.delay("ec2:DescribeRouteTables", seconds=2.0)

    started = time.monotonic()
    result = aws.run("ec2", read_timeout=0.5, max_attempts=0)

    assert time.monotonic() - started < 10
    assert gap_tuples(result) == [
        ("ec2:DescribeRouteTables", "ReadTimeoutError", "timeout", ["aws.ec2.route_table", "aws.ec2.subnet"])
    ]
    public = by_name(result, "aws.ec2.subnet")[net["public"]]["attributes"]
    assert (public["public"], public["default_route_target"], public["route_table_id"]) == (None, None, None)
    assert by_name(result, "aws.ec2.route_table") == {}
    assert net["db_sg"] in by_name(result, "aws.ec2.security_group")


def test_a_failure_on_a_later_page_keeps_the_earlier_pages(aws: AwsEnv, proxy: FaultProxy) -> None:
    """(moto pages ListSecrets by MaxResults; it ignores MaxResults for EC2 describes.)"""
    secretsmanager = aws.client("secretsmanager")
    for index in range(7):
        secretsmanager.create_secret(Name=f"s{index}", SecretString="x")
    proxy.server_error("secretsmanager:ListSecrets", skip=1)
    unit = CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager")
    session = SessionFactory(aws.options(max_attempts=0))(unit)
    recorder = UnitRecorder(unit)

    listed = paginate(
        recorder,
        recorder.attach(session.client("secretsmanager")),
        "list_secrets",
        "SecretList",
        ["aws.secretsmanager.secret"],
        page_size=5,
    )

    assert len(listed) == 5  # the first page; the second failed
    assert [(g.operation, g.error_code) for g in recorder.gaps] == [
        ("secretsmanager:ListSecrets", "InternalServerException")
    ]
    assert recorder.api_calls["secretsmanager:ListSecrets"] == 2


def test_gap_messages_hold_no_credentials(aws: AwsEnv, proxy: FaultProxy) -> None:
    proxy.deny(
        "secretsmanager:ListSecrets",
        message="denied for AKIAIOSFODNN7EXAMPLE signed with testingsecret via https://u:hunter2@proxy",
    )

    result = aws.run("secretsmanager")

    message = result.gaps[0].message
    assert (
        "AKIAIOSFODNN7EXAMPLE" not in message and "testingsecret" not in message and "hunter2" not in message
    )
    assert message == "denied for AKIA**** signed with **** via https://u:****@proxy"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_endpoint_is_a_gap_per_operation_never_an_exception(aws_env_vars: None) -> None:
    options = SessionOptions(
        endpoint_url=f"http://127.0.0.1:{_closed_port()}", max_attempts=0, connect_timeout=1
    )
    units = [
        CollectionUnit(account=ACCOUNT, region=REGION, service="rds"),
        CollectionUnit(account=ACCOUNT, region="global", service="iam"),
    ]

    rds, iam = run_units(units, SessionFactory(options))

    assert [(g.operation, g.error_code, g.kind) for g in rds.gaps] == [
        (f"rds:{op}", "EndpointConnectionError", "unreachable")
        for op in ("DescribeDBClusters", "DescribeDBInstances", "DescribeDBProxies", "DescribeDBSubnetGroups")
    ]
    assert rds.resources == []
    assert [g.operation for g in iam.gaps] == [
        "iam:GenerateCredentialReport",
        "iam:GetAccountAuthorizationDetails",
        "iam:ListRoles",
    ]


def test_assume_role_refused_is_a_gap_for_the_whole_unit(aws: AwsEnv, proxy: FaultProxy) -> None:
    proxy.deny("sts:AssumeRole")
    unit = CollectionUnit(account="210987654321", region=REGION, service="secretsmanager")
    factory = SessionFactory(aws.options(assume_role_arn="arn:aws:iam::{account}:role/airguard-audit"))

    result = run_unit(unit, factory)
    again = run_unit(unit.model_copy(update={"region": "us-east-1"}), factory)

    assert gap_tuples(result) == [("sts:AssumeRole", "AccessDenied", "denied", ["aws.secretsmanager.secret"])]
    assert result.gaps[0].message == "could not assume arn:aws:iam::210987654321:role/airguard-audit"
    assert gap_tuples(again) == gap_tuples(result)
    assert proxy.requests["sts:AssumeRole"] == 1  # one refused call serves both units (not retryable)


def test_a_broken_session_factory_or_collector_never_raises(aws_env_vars: None) -> None:
    def broken(unit: CollectionUnit) -> None:
        raise RuntimeError("no session today")

    unit = CollectionUnit(account=ACCOUNT, region=REGION, service="rds")
    result = run_unit(unit, broken)  # type: ignore[arg-type]

    assert [(g.operation, g.error_code, g.kind, g.message) for g in result.gaps] == [
        ("airguard:rds", "RuntimeError", "error", "no session today")
    ]
    assert result.gaps[0].resource_types == [
        "aws.rds.cluster",
        "aws.rds.cluster_endpoint",
        "aws.rds.instance",
        "aws.rds.proxy",
        "aws.rds.subnet_group",
    ]
