"""No secret value ever reaches an output: every format, stdout and stderr, is grepped for them."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from scanner.secrets import Redactor, classify, scrub_patterns

# Every secret planted in fixtures/demo and fixtures/collectors.
PLANTED = [
    "Tr0ub4dor&3", "Compose-Meta-Pw-77", "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyMTI=", "Wh-L0ader-Secret",
    "Metr1cs-Pa55", "B1lling-Proxy-Pw!", "L3gacy-Export-Pw", "Cfg-Webserver-Secret-Key-4242", "Sh1pping-Helm-Pw",
    "Arch1ve-K8s-Pw", "airflow-local-pw", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "Anch0r-Pw-111", "F0lded-Pw-222", "L1teral-Pw-333", "L1sted-Pw-444", "Helm-Metadata-Pw-555",
    "Helm-Env-Pw-666", "Extra-Secret-Pw-777", "B64-Secret-Pw-888", "Pl41n-Pw-999", "Exp-Json-Pw-1010",
    "Exp-Yaml-Pw-1111", "Exp-Env-Pw-1212", "Sh3ll-Pw-1313", "Cfg-Db-Pw-1414", "Br0ken-Yaml-Pw-1515",
    "Br0ken-Json-Pw-1616", "B1nary-Pw-1717", "L4tin-Pw-1818", "Bad-Port-Pw-1919",
    # base64 of a whole connection URI in a Kubernetes Secret
    "cG9zdGdyZXM6Ly9hcmNoaXZlcjpBcmNoMXZlLUs4cy1Qd0BhcmNoaXZl",
]


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_no_planted_secret_in_any_output(run_cli, fmt: str) -> None:
    args = ["scan", "fixtures/demo", "fixtures/collectors", "-f", fmt, "--fail-on", "none"]
    if fmt == "text":
        args.append("--show-suppressed")
    result = run_cli(*args)
    assert result.exit_code == 3
    output = result.stdout + result.stderr
    assert len(output) > 1000
    leaked = [s for s in PLANTED for form in _forms(s) if form in output]
    assert leaked == []


def test_no_planted_secret_in_the_output_file(run_cli, tmp_path) -> None:
    out = tmp_path / "report.sarif"
    run_cli("scan", "fixtures/demo", "-f", "sarif", "-o", out)
    text = out.read_text()
    assert "****" in text
    assert [s for s in PLANTED if s in text] == []


def test_rule_listing_and_docs_hold_no_planted_secret(run_cli) -> None:
    output = run_cli("rules").stdout + "".join(run_cli("rules", "show", r).stdout for r in ("AG101", "AG104"))
    assert [s for s in PLANTED if s in output] == []


def test_redactor_removes_encoded_forms() -> None:
    redactor = Redactor()
    redactor.register("p@ss/w:rd!")
    text = redactor.scrub("uri postgres://u:p%40ss%2Fw%3Ard%21@h and json \"p@ss/w:rd!\"")
    assert "p@ss" not in text and "p%40ss" not in text


@pytest.mark.parametrize("line,expected", [
    ("postgres://user:Never-Seen-1@host/db", "postgres://user:****@host/db"),
    ("key AKIAIOSFODNN7EXAMPLE here", "key AKIA**** here"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = ****"),
    ("PGPASSWORD=Never-Seen-2 psql", "PGPASSWORD=**** psql"),
    ("CREATE USER etl WITH PASSWORD 'Never-Seen-3'", "CREATE USER etl WITH PASSWORD '****'"),
    ("mysql -uroot -pNever-Seen-4 db", "mysql -uroot -p**** db"),
    ("postgres://user:${PG_PASSWORD}@host/db", "postgres://user:${PG_PASSWORD}@host/db"),
    ("sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    # an ARN names a secret, it is not one
    ("Secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/orders-AbCdEf is not rotated",
     "Secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/orders-AbCdEf is not rotated"),
    ('"arn:aws:secretsmanager:eu-west-1:1:secret:x"', '"arn:aws:secretsmanager:eu-west-1:1:secret:x"'),
    ("password=arn:aws:secretsmanager:eu-west-1:1:secret:x", "password=****"),
])
def test_unregistered_credential_shapes_are_masked(line: str, expected: str) -> None:
    assert scrub_patterns(line) == expected


@pytest.mark.parametrize("value,kind", [
    ("hunter2", "literal"), ("", "empty"), (None, "empty"), ("***", "placeholder"), ("<password>", "placeholder"),
    ("${PG_PASSWORD}", "reference"), ("$PG_PASSWORD", "reference"), ("{{ conn.pg.password }}", "reference"),
    ("{{ var.value.db_password }}", "reference"), ("xxxx", "placeholder"),
])
def test_secret_classification(value, kind: str) -> None:
    assert classify(value) == kind


def test_short_secrets_hide_their_snippet(run_cli, tmp_path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW_CONN_X=postgres://u:ab@db.cluster-abc.us-east-1.rds.amazonaws.com/x\n")
    report = run_cli("scan", ".", "-f", "json", cwd=tmp_path).json()
    assert report["findings"] and all("snippet" not in f["location"] for f in report["findings"])


def test_word_like_secrets_do_not_mangle_paths_and_names(run_cli, tmp_path) -> None:
    """A password such as "test" or "airflow" is masked where it stands alone, never inside a path, an id
    or a host: reports must still say where the finding is."""
    folder = tmp_path / "tests" / "system" / "airflow"
    folder.mkdir(parents=True)
    (folder / "test_conns.env").write_text(
        "AIRFLOW_CONN_OPENSEARCH_TEST_CONN=postgres://airflow:test@test-db.example.com/airflow\n"
        "AIRFLOW_CONN_META=postgres://airflow:airflow@postgres/airflow\n")
    for fmt in ("json", "sarif", "text", "markdown"):
        out = run_cli("scan", ".", "-f", fmt, cwd=tmp_path).stdout
        if fmt == "sarif":  # the rules' own documentation (AG001's example) is not scanned input
            log = json.loads(out)
            del log["runs"][0]["tool"]
            out = json.dumps(log)
        assert "tests/system/airflow/test_conns.env" in out, fmt
        assert ":test@" not in out and "airflow:airflow@" not in out, fmt
    report = run_cli("scan", ".", "-f", "json", cwd=tmp_path).json()
    assert {(f["rule_id"], f["resource"]["name"], f["location"]["start_line"]) for f in report["findings"]} == \
        {("AG101", "opensearch_test_conn", 1), ("AG101", "meta", 2)}
    # masked where the password stands, not in the scheme, the user name, the host or the database name
    assert [f["location"]["snippet"] for f in report["findings"]] == [
        "AIRFLOW_CONN_OPENSEARCH_TEST_CONN=postgres://airflow:****@test-db.example.com/airflow",
        "AIRFLOW_CONN_META=postgres://airflow:****@postgres/airflow"]
