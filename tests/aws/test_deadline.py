"""Hostile and broken endpoints cost bounded time: a unit has a total deadline (connect, read, retries,
pagination included) and a watchdog; garbage, huge and endless bodies and endless pagination are gaps.

Every endpoint here is a real server on 127.0.0.1: moto (through the fault proxy) for the services that
behave, and a black hole / scripted hostile server for the one that does not.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from scanner.aws.collect import CollectError, collect_snapshot, resolve_regions
from scanner.aws.deadline import (
    WATCHDOG_GRACE,
    Deadline,
    DeadlineExceeded,
    Limits,
    UnitTimeoutAction,
    run_bounded,
)
from scanner.aws.session import SessionFactory, SessionOptions
from scanner.aws.units import CollectionUnit, run_unit, run_units
from tests.aws import seed
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv, by_name, gap_tuples
from tests.support.local_aws import BlackHole, FaultProxy, HostileEndpoint, Reply, SeenRequest, query_response

SECRET = ["aws.secretsmanager.secret"]
RDS_TYPES = ["aws.rds.cluster", "aws.rds.cluster_endpoint", "aws.rds.instance", "aws.rds.proxy",
             "aws.rds.subnet_group"]
JSON = "application/x-amz-json-1.1"
GARBAGE = (b"\xde\xad\xbe\xef not xml, not json " * 200_000)[: 5 * 1024 * 1024]  # 5 MiB


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    server = BlackHole()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[SeenRequest], Reply]], HostileEndpoint]]:
    started: list[HostileEndpoint] = []

    def start(answer: Callable[[SeenRequest], Reply]) -> HostileEndpoint:
        endpoint = HostileEndpoint(answer)
        endpoint.start()
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()


def _secret(name: str) -> dict[str, str]:
    return {"ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf", "Name": name}


def _deadline_gap(unit: str, seconds: int, operation: str, types: list[str]) -> tuple[str, str, str, str, list[str]]:
    return (operation, "DeadlineExceeded", "timeout",
            f"deadline exceeded: unit {unit} did not finish within {seconds} s", types)


def _gaps(result) -> list[tuple[str, str, str, str, list[str]]]:
    return [(g.operation, g.error_code, g.kind, g.message, g.resource_types) for g in result.gaps]


# -- the deadline --------------------------------------------------------------------------------------
def test_a_black_hole_is_a_deadline_gap_in_bounded_time_and_the_other_units_complete(
    aws: AwsEnv, proxy: FaultProxy, black_hole: BlackHole
) -> None:
    """Secrets Manager accepts the connection and never answers. With botocore's defaults (five retries,
    a read timeout per attempt) that was minutes per call; now the unit ends at its deadline."""
    net = seed.network(aws.client("ec2"))
    aws.client("iam", "us-east-1").create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(seed.TRUST_EC2))
    options = aws.options(service_endpoint_urls={"secretsmanager": black_hole.url}, unit_timeout=3,
                          max_attempts=5, read_timeout=20)

    started = time.monotonic()
    snapshot = collect_snapshot(options, services=["secretsmanager", "ec2", "iam"], regions=[REGION])
    elapsed = time.monotonic() - started

    results = {r.unit.service: r for r in snapshot.units}
    assert _gaps(results["secretsmanager"]) == [
        _deadline_gap(f"{ACCOUNT}/{REGION}/secretsmanager", 3, "secretsmanager:ListSecrets", SECRET)]
    assert results["secretsmanager"].resources == []
    assert results["secretsmanager"].http_requests == {"secretsmanager:ListSecrets": 1}  # no retry past the deadline
    assert black_hole.accepted == 1
    assert 3.0 <= results["secretsmanager"].duration_seconds < 3.0 + WATCHDOG_GRACE
    assert elapsed < 15
    assert results["ec2"].gaps == [] and results["iam"].gaps == []
    assert net["db_sg"] in by_name(results["ec2"], "aws.ec2.security_group")
    assert list(by_name(results["iam"], "aws.iam.role")) == ["worker"]


def test_a_body_trickled_a_byte_at_a_time_ends_at_the_deadline(aws_env_vars: None, hostile) -> None:
    """Each read gets a byte before its read timeout, so only the total deadline can end it. The deadline
    counts from the unit's start, boto3's client included: 4 s, so that a loaded machine (a CI runner
    running the suite on every core) still sends the request well within it (at 2 s it once did not)."""
    endpoint = hostile(lambda seen: Reply(body=iter([b"{"] + [b" "] * 10_000), content_type=JSON,
                                          length=10_001, pause=0.25))
    options = SessionOptions(endpoint_url=endpoint.url, unit_timeout=4, read_timeout=1, max_attempts=5)

    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                      SessionFactory(options))

    assert _gaps(result) == [_deadline_gap(f"{ACCOUNT}/{REGION}/secretsmanager", 4, "secretsmanager:ListSecrets",
                                           SECRET)]
    assert 4.0 <= result.duration_seconds < 4.0 + WATCHDOG_GRACE
    assert endpoint.requests == {"secretsmanager:ListSecrets": 1}


def test_the_watchdog_ends_a_unit_stuck_where_no_check_can_run(aws_env_vars: None, hostile) -> None:
    """Status line and headers trickled one byte per 0.25 s: botocore is inside http.client the whole
    time, so the unit's own thread never gets to look at the clock. The watchdog answers for it."""
    endpoint = hostile(lambda seen: Reply(head_pause=0.25))
    options = SessionOptions(endpoint_url=endpoint.url, unit_timeout=2, read_timeout=1)

    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                      SessionFactory(options))

    assert _gaps(result) == [_deadline_gap(f"{ACCOUNT}/{REGION}/secretsmanager", 2, "secretsmanager:ListSecrets",
                                           SECRET)]
    # bounded: never past the deadline plus the watchdog's grace (under load a read timeout may end it sooner)
    assert result.duration_seconds < 2.0 + WATCHDOG_GRACE + 1.5


def test_units_past_their_deadline_leave_the_pool_in_bounded_time(aws_env_vars: None, black_hole: BlackHole) -> None:
    """Four black-holed units on two workers: two rounds of one deadline each, never more."""
    options = SessionOptions(endpoint_url=black_hole.url, unit_timeout=1.5, max_attempts=5)
    units = [CollectionUnit(account=ACCOUNT, region=region, service="secretsmanager")
             for region in ("eu-west-1", "eu-west-2", "us-east-1", "us-east-2")]

    started = time.monotonic()
    results = run_units(units, SessionFactory(options), max_workers=2)
    elapsed = time.monotonic() - started

    assert [[g.error_code for g in r.gaps] for r in results] == [["DeadlineExceeded"]] * 4
    assert elapsed < 2 * (1.5 + WATCHDOG_GRACE)
    # never a retry: at most one connection per unit (under load a unit may run out of time before it connects)
    assert 1 <= black_hole.accepted <= 4


def test_a_black_holed_sts_bounds_assume_role_and_the_account_lookup(aws: AwsEnv, proxy: FaultProxy,
                                                                     black_hole: BlackHole) -> None:
    aws.client("secretsmanager").create_secret(Name="kept", SecretString="x")
    sts_gone = aws.options(service_endpoint_urls={"sts": black_hole.url}, unit_timeout=2, max_attempts=5)

    started = time.monotonic()
    assumed = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                       SessionFactory(replace(sts_gone, assume_role_arn="arn:aws:iam::{account}:role/audit")))
    snapshot = collect_snapshot(sts_gone, services=["secretsmanager"], regions=[REGION])
    elapsed = time.monotonic() - started

    assert gap_tuples(assumed) == [("sts:AssumeRole", "DeadlineExceeded", "timeout", SECRET)]
    assert assumed.gaps[0].message == f"could not assume arn:aws:iam::{ACCOUNT}:role/audit"
    # The account lookup before the units timed out once; the unit did not wait for STS again.
    [unit] = snapshot.units
    assert [(g.operation, g.error_code, g.kind, g.message) for g in unit.gaps] == [
        ("sts:GetCallerIdentity", "DeadlineExceeded", "timeout",
         "deadline exceeded: sts:GetCallerIdentity did not finish within 2 s")]
    assert [r["name"] for r in unit.resources] == ["kept"]
    assert black_hole.accepted == 2  # one AssumeRole, one GetCallerIdentity: no retries, no second lookup
    assert elapsed < 2 * (2 + WATCHDOG_GRACE) + 5


def test_deadline_and_watchdog_primitives() -> None:
    now = [100.0]
    deadline = Deadline(5, "unit x", clock=lambda: now[0])
    assert (deadline.remaining(), deadline.expired) == (5.0, False)
    now[0] = 105.0
    with pytest.raises(DeadlineExceeded, match=r"^deadline exceeded: unit x did not finish within 5 s$"):
        deadline.check()
    with pytest.raises(ValueError):
        Deadline(0)

    assert run_bounded(lambda: 42, Deadline(1)) == 42
    with pytest.raises(KeyError):
        run_bounded(lambda: {}["missing"], Deadline(1))
    stuck = Deadline(0.2, "unit stuck")
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        run_bounded(lambda: time.sleep(30), stuck)
    assert time.monotonic() - started < 0.2 + WATCHDOG_GRACE + 1
    assert stuck.expired and stuck.remaining() == 0.0  # cancelled: the stuck thread stops at its next check


def test_the_unit_timeout_comes_from_the_options_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRGUARD_AWS_UNIT_TIMEOUT", raising=False)
    assert SessionOptions().unit_timeout == 120.0
    assert (SessionOptions().connect_timeout, SessionOptions().read_timeout) == (5.0, 20.0)
    monkeypatch.setenv("AIRGUARD_AWS_UNIT_TIMEOUT", "7.5")
    assert SessionOptions().unit_timeout == 7.5
    assert SessionOptions(unit_timeout=3).unit_timeout == 3
    assert Limits.from_options(SessionOptions(max_pages=9)) == Limits(7.5, 20.0, 9, 64 * 1024 * 1024)
    monkeypatch.setenv("AIRGUARD_AWS_UNIT_TIMEOUT", "soon")
    assert SessionOptions().unit_timeout == 120.0
    for bad in ({"unit_timeout": 0}, {"read_timeout": -1}, {"unit_timeout": float("inf")}, {"max_pages": 0}):
        with pytest.raises(ValueError):
            SessionOptions(**bad)


def test_the_command_line_flag_checks_the_seconds_and_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRGUARD_AWS_UNIT_TIMEOUT", raising=False)
    parser = argparse.ArgumentParser(prog="airguard")
    parser.add_argument("--aws-unit-timeout", action=UnitTimeoutAction, metavar="SECONDS")

    assert parser.parse_args(["--aws-unit-timeout", "45"]).aws_unit_timeout == 45.0
    assert SessionOptions().unit_timeout == 45.0
    for bad in ("0", "-3", "soon", "nan", "inf"):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(["--aws-unit-timeout", bad])
        assert exit_info.value.code == 2


def test_listing_the_regions_of_a_black_holed_ec2_is_a_clear_error_in_bounded_time(
    aws_env_vars: None, black_hole: BlackHole
) -> None:
    factory = SessionFactory(SessionOptions(endpoint_url=black_hole.url, unit_timeout=1))

    started = time.monotonic()
    with pytest.raises(CollectError) as raised:
        resolve_regions(factory, ["all"], ACCOUNT)

    assert str(raised.value) == ("cannot list the enabled regions (ec2:DescribeRegions): deadline exceeded: unit "
                                 f"{ACCOUNT}/{REGION}/ec2 did not finish within 1 s")
    assert time.monotonic() - started < 1 + WATCHDOG_GRACE


# -- pagination ----------------------------------------------------------------------------------------
def test_a_next_token_loop_is_a_gap_after_the_pages_it_really_gave(aws_env_vars: None, hostile) -> None:
    """Tokens A, B, A, ...: the third page hands back A again; nothing is requested twice."""
    def answer(seen: SeenRequest) -> Reply:
        token = "AB"[seen.index % 2]
        body = {"SecretList": [_secret(f"s{seen.index}")], "NextToken": token}
        return Reply(body=json.dumps(body).encode(), content_type=JSON)

    endpoint = hostile(answer)
    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                      SessionFactory(SessionOptions(endpoint_url=endpoint.url, unit_timeout=10)))

    assert _gaps(result) == [("secretsmanager:ListSecrets", "PaginationLoop", "bad-response",
                              "the service repeated a pagination token; stopped after 3 page(s)", SECRET)]
    assert sorted(by_name(result, "aws.secretsmanager.secret")) == ["s0", "s1", "s2"]
    assert [s.json_body.get("NextToken") for s in endpoint.seen] == [None, "A", "B"]


def test_pagination_that_never_ends_stops_at_the_page_cap(aws_env_vars: None, hostile) -> None:
    endpoint = hostile(lambda seen: Reply(body=json.dumps({"SecretList": [_secret(f"s{seen.index}")],
                                                           "NextToken": f"t{seen.index}"}).encode(),
                                          content_type=JSON))
    options = SessionOptions(endpoint_url=endpoint.url, unit_timeout=10, max_pages=5)

    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                      SessionFactory(options))

    assert _gaps(result) == [("secretsmanager:ListSecrets", "TooManyPages", "bad-response",
                              "pagination did not end within 5 pages; stopped", SECRET)]
    assert len(result.resources) == 5
    assert endpoint.requests == {"secretsmanager:ListSecrets": 5}


def _rds(answers: dict[str, Callable[[SeenRequest], Reply]]) -> Callable[[SeenRequest], Reply]:
    """An RDS endpoint: the named operations answered as given, the others with an empty result."""
    def answer(seen: SeenRequest) -> Reply:
        operation = seen.operation.split(":", 1)[1]
        if operation in answers:
            return answers[operation](seen)
        result_key = {"DescribeDBClusters": "DBClusters", "DescribeDBInstances": "DBInstances",
                      "DescribeDBSubnetGroups": "DBSubnetGroups", "DescribeDBProxies": "DBProxies"}[operation]
        return Reply(body=query_response(operation, f"<{result_key}/>").encode())
    return answer


def test_a_repeated_marker_in_xml_pages_is_a_gap(aws_env_vars: None, hostile) -> None:
    endpoint = hostile(_rds({"DescribeDBSubnetGroups": lambda seen: Reply(body=query_response(
        "DescribeDBSubnetGroups", "<DBSubnetGroups/><Marker>again</Marker>").encode())}))

    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="rds"),
                      SessionFactory(SessionOptions(endpoint_url=endpoint.url, unit_timeout=10)))

    assert gap_tuples(result) == [("rds:DescribeDBSubnetGroups", "PaginationLoop", "bad-response",
                                   ["aws.rds.subnet_group"])]
    assert endpoint.requests["rds:DescribeDBSubnetGroups"] == 2


# -- bodies --------------------------------------------------------------------------------------------
def test_multi_megabyte_garbage_bodies_are_bad_response_gaps(aws_env_vars: None, hostile) -> None:
    """Garbage after the right XML root fails botocore's parser (whose message holds the whole body: only
    the parser's words are kept); JSON garbage and a well-formed XML document of the wrong kind botocore
    would read as an empty result, no data and no error. All are gaps, none is retried."""
    rds = hostile(_rds({"DescribeDBClusters": lambda seen: Reply(body=b"<DescribeDBClustersResponse>" + GARBAGE)}))
    secrets = hostile(lambda seen: Reply(body=GARBAGE, content_type=JSON))
    ec2 = hostile(lambda seen: Reply(body=b"<html><body>" + b"<p>sign in</p>" * 400_000 + b"</body></html>"))
    factory = SessionFactory(SessionOptions(
        service_endpoint_urls={"rds": rds.url, "secretsmanager": secrets.url, "ec2": ec2.url}, unit_timeout=20))
    units = [CollectionUnit(account=ACCOUNT, region=REGION, service=name) for name in ("ec2", "rds", "secretsmanager")]

    ec2_result, rds_result, secrets_result = run_units(units, factory)

    assert _gaps(rds_result) == [("rds:DescribeDBClusters", "ResponseParserError", "bad-response",
                                  "unparseable response (not well-formed (invalid token): line 1, column 29)",
                                  ["aws.rds.cluster"])]
    assert _gaps(secrets_result) == [("secretsmanager:ListSecrets", "MalformedResponse", "bad-response",
                                      "malformed response: the body is not JSON", SECRET)]
    assert [(g.operation, g.message) for g in ec2_result.gaps] == [
        (f"ec2:{op}", f"malformed response: the XML document is not a {op}Response")
        for op in ("DescribeInternetGateways", "DescribeNatGateways", "DescribeRouteTables",
                   "DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs")]
    assert ec2_result.resources == []
    assert rds.requests["rds:DescribeDBClusters"] == secrets.requests["secretsmanager:ListSecrets"] == 1
    assert sum(ec2.requests.values()) == 6


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked-endless"])
def test_a_body_over_the_size_cap_is_not_buffered(aws_env_vars: None, hostile, declared: bool) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"[" * 65536

    endpoint = hostile(lambda seen: Reply(body=endless(), content_type=JSON,
                                          length=50 * 1024 * 1024 if declared else None))
    options = SessionOptions(endpoint_url=endpoint.url, unit_timeout=20, max_response_bytes=1024 * 1024)

    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                      SessionFactory(options))

    assert _gaps(result) == [("secretsmanager:ListSecrets", "ResponseTooLarge", "bad-response",
                              "response body larger than 1048576 bytes; not read", SECRET)]


def test_json_that_is_not_an_object_or_nests_without_end_is_a_gap(aws_env_vars: None, hostile) -> None:
    bodies = iter([b"[1, 2, 3]", b"[" * 200_000 + b"]" * 200_000])
    endpoint = hostile(lambda seen: Reply(body=next(bodies), content_type=JSON))
    factory = SessionFactory(SessionOptions(endpoint_url=endpoint.url, unit_timeout=10))
    unit = CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager")

    assert [g.message for g in run_unit(unit, factory).gaps] == ["malformed response: the body is not a JSON object"]
    assert [g.message for g in run_unit(unit, factory).gaps] == ["malformed response: the body is not JSON"]


# -- messages ------------------------------------------------------------------------------------------
def test_an_error_echoing_the_request_and_the_credentials_leaks_none_of_them(
    aws_env_vars: None, hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, secret, token = "AKIAECHOTESTKEY00001", "EchoSecretKey/abcdefghijklmnopqrstuvwxyz12", "EchoSessionToken-9f8e7d6c"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)

    def echo(seen: SeenRequest) -> Reply:
        message = (f"\x1b[2J\x1b[31mdenied\u202e; you sent {seen.headers['Authorization']} with token "
                   f"{seen.headers['X-Amz-Security-Token']}; your secret is {secret}" + " padding" * 100_000)
        return Reply(status=400, content_type=JSON,
                     body=json.dumps({"__type": "AccessDeniedException", "message": message}).encode())

    endpoint = hostile(echo)
    result = run_unit(CollectionUnit(account=ACCOUNT, region=REGION, service="secretsmanager"),
                      SessionFactory(SessionOptions(endpoint_url=endpoint.url, unit_timeout=10)))

    [gap] = result.gaps
    assert (gap.error_code, gap.kind) == ("AccessDeniedException", "denied")
    for value in (key, secret, token, "\x1b", "\u202e", "EchoSecretKey", "EchoSessionToken"):
        assert value not in gap.message
    assert gap.message.startswith("[2J [31mdenied ; you sent AWS4-HMAC-SHA256 Credential=****/")
    assert " with token ****; your secret is ****" in gap.message and len(gap.message) == 300
