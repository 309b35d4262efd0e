"""Connection URI and JSON parsing, with Airflow's semantics, and a differential test against Airflow."""

from __future__ import annotations

import json
import os

import pytest

from scanner.airflow_uri import ConnectionValueError, parse_uri, parse_value
from scanner.connections import host_info

# URIs whose parsing has a trap: percent-encoding, __extra__, query extras, protocols inside the host,
# IPv6, empty parts, dashes in the scheme.
TRICKY_URIS = [
    "postgres://user:pass@host:5432/db",
    "postgresql://user:p%40ss%2Fw%3Ard@host/db",
    "postgresql+psycopg2://user:pass@host/db",
    "mysql://user:pa%23ss@host:3306/db?ssl_mode=DISABLED&charset=utf8",
    "postgres://host/db?iam=true",
    "postgres://host/db?iam=false",
    "postgres://host/db?iam=%22false%22",
    "postgres://host/db?iam=",
    "postgres://u@host/db?__extra__=%7B%22iam%22%3A+true%2C+%22aws_conn_id%22%3A+%22aws_x%22%7D",
    "postgres://u@host/db?__extra__=not-json",
    "aws://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY@/?region_name=eu-west-1",
    "aws://?role_arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&assume_role_kwargs=%7B%22DurationSeconds%22%3A+43200%7D",
    "http://https%3A%2F%2Fexample.com%2Fpath",
    "http://user:pass@https://example.com/path",
    "google-cloud-platform://?extra__google_cloud_platform__project=p",
    "postgres://user:pass@[::1]:5432/db",
    "postgres://User:Pass@MyHost.Example.COM/DB",
    "postgres://:pass@host/db",
    "postgres://user:@host/db",
    "postgres://host",
    "postgres://",
    "sqlite:////tmp/airflow.db",
    "mysql://user:pa:ss@host/db",
    "postgres://user:pa ss@host/db",
    "postgres://user:pass@host/db%2Fwith%2Fslashes",
    "postgres://user:pass@host/db?a=1&a=2",
    "postgres://user:pass@host/db?sslmode=verify-full&sslrootcert=%2Fopt%2Frds.pem",
    "redshift://user:pass@cluster.abc.us-east-1.redshift.amazonaws.com:5439/dev",
    "postgres://us%3Aer:pass@host/db",
    "postgres://user:p%25ss@host/db",
]


def _expected_fields(parsed) -> dict:
    return {"conn_type": parsed.conn_type, "host": parsed.host, "schema": parsed.schema,
            "login": parsed.login, "password": parsed.password, "port": parsed.port, "extra": parsed.extra}


def test_percent_decoding_and_normalised_type() -> None:
    parsed = parse_uri("postgresql://user:p%40ss%2Fw%3Ard@host:5433/db")
    assert (parsed.conn_type, parsed.login, parsed.password, parsed.host, parsed.port, parsed.schema) == (
        "postgres", "user", "p@ss/w:rd", "host", 5433, "db")


def test_query_parameters_become_string_extras() -> None:
    extra, error = parse_uri("postgres://h/db?iam=false&DurationSeconds=43200").extra_dejson()
    assert error is None
    assert extra == {"iam": "false", "DurationSeconds": "43200"}  # strings, as the task SDK keeps them


def test_extra_key_holds_json() -> None:
    extra, _ = parse_uri("postgres://u@h/db?__extra__=%7B%22iam%22%3A+true%7D").extra_dejson()
    assert extra == {"iam": True}


def test_protocol_inside_host() -> None:
    assert parse_uri("http://https%3A%2F%2Fexample.com%2Fpath").host == "https://example.com/path"


@pytest.mark.parametrize("uri", ["a://b://c://d", "http://user:pass@https://x", "postgres://h:99999/db",
                                 "postgres://h:port/db"])
def test_invalid_uris_raise_without_echoing_the_value(uri: str) -> None:
    with pytest.raises(ConnectionValueError) as info:
        parse_uri(uri)
    assert "pass" not in str(info.value) and "://" not in str(info.value)


def test_json_form() -> None:
    parsed = parse_value('  {"conn_type": "postgresql", "host": "h", "port": "5432", "extra": {"iam": true}}')
    assert (parsed.conn_type, parsed.port) == ("postgres", 5432)
    assert parsed.extra_dejson()[0] == {"iam": True}


@pytest.mark.parametrize("host,expected", [
    ("orders.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com", ("cluster", "orders", "eu-west-1")),
    ("orders.cluster-ro-c9akciq32xyz.eu-west-1.rds.amazonaws.com", ("reader", "orders", "eu-west-1")),
    ("etl.cluster-custom-c9akciq32xyz.us-east-2.rds.amazonaws.com", ("custom", "etl", "us-east-2")),
    ("orders-1.c9akciq32xyz.eu-west-1.rds.amazonaws.com", ("instance", "orders-1", "eu-west-1")),
    ("billing.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com", ("proxy", "billing", "eu-west-1")),
    ("ro.endpoint.proxy-c9akciq32xyz.eu-west-1.rds.amazonaws.com", ("proxy-endpoint", "ro", "eu-west-1")),
    ("db.cluster-abc.cn-north-1.rds.amazonaws.com.cn", ("cluster", "db", "cn-north-1")),
    ("ORDERS.CLUSTER-ABC.US-EAST-1.RDS.AMAZONAWS.COM", ("cluster", "orders", "us-east-1")),
])
def test_rds_host_names(host: str, expected: tuple[str, str, str]) -> None:
    info = host_info(host)
    assert info is not None
    assert (info["endpoint_type"], info["identifier"], info["region"]) == expected


@pytest.mark.parametrize("host", ["localhost", "postgres", "db.example.com", "rds.amazonaws.com.evil.com", None, ""])
def test_non_rds_hosts(host) -> None:
    assert host_info(host) is None


# ---------------------------------------------------------------- differential test against Airflow

def _airflow_connection_class():
    if os.environ.get("AIRGUARD_REQUIRE_AIRFLOW"):
        from airflow.sdk import Connection  # CI installs apache-airflow: a missing package must fail
        return Connection
    airflow_sdk = pytest.importorskip("airflow.sdk", reason="apache-airflow is not installed")
    return airflow_sdk.Connection


@pytest.mark.airflow
@pytest.mark.parametrize("uri", TRICKY_URIS)
def test_agrees_with_airflow_task_sdk(uri: str) -> None:
    connection_class = _airflow_connection_class()
    try:
        theirs = connection_class.from_uri(uri, conn_id="x")
    except Exception:  # noqa: BLE001 - any refusal by Airflow must be a refusal by us
        with pytest.raises(ConnectionValueError):
            parse_uri(uri)
        return
    ours = parse_uri(uri)
    assert _expected_fields(ours) == {
        "conn_type": theirs.conn_type, "host": theirs.host, "schema": theirs.schema, "login": theirs.login,
        "password": theirs.password, "port": theirs.port, "extra": theirs.extra,
    }
    ours_extra, _ = ours.extra_dejson()
    try:
        their_extra = theirs.extra_dejson
    except Exception:  # noqa: BLE001
        their_extra = {}
    assert ours_extra == their_extra


@pytest.mark.airflow
@pytest.mark.parametrize("value", [
    {"conn_type": "postgresql", "host": "h", "login": "u", "password": "p", "port": 5432, "extra": {"iam": True}},
    {"conn_type": "aws", "extra": json.dumps({"role_arn": "arn:aws:iam::1:role/x"})},
    {"conn_type": "mysql", "host": "h", "port": "3306", "schema": "db", "extra": {"iam": "false"}},
    {"conn_type": "google-cloud-platform", "description": "d"},
])
def test_json_agrees_with_airflow(value: dict) -> None:
    connection_class = _airflow_connection_class()
    theirs = connection_class.from_json(json.dumps(value), conn_id="x")
    ours = parse_value(json.dumps(value))
    assert _expected_fields(ours) == {
        "conn_type": theirs.conn_type, "host": theirs.host, "schema": theirs.schema, "login": theirs.login,
        "password": theirs.password, "port": theirs.port, "extra": theirs.extra,
    }
