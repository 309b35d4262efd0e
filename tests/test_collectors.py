"""Each config format yields the exact findings at the exact lines (reviewed by hand, not snapshots)."""

from __future__ import annotations

import pytest

from tests.conftest import findings_of

C = "fixtures/collectors"

EXPECTED: dict[str, set[tuple[str, int]]] = {
    "compose-anchors.yaml": {
        # map form inside an anchor, merged into three services: reported once
        ("AG101", 2), ("AG102", 2),
        # folded scalar (>-): the value's own line
        ("AG101", 10), ("AG102", 10), ("AG103", 10),
        # literal block holding the JSON form; the password is on the second line of the block
        ("AG102", 20), ("AG101", 21),
        # list form, plain and quoted items
        ("AG101", 25), ("AG102", 25), ("AG203", 26),
    },
    "helm-values.yaml": {
        ("AG202", 3),                  # fernetKey
        ("AG202", 7),                  # data.metadataConnection.pass
        ("AG101", 11), ("AG102", 11),  # env: [{name, value}]
        ("AG101", 18), ("AG102", 18),  # extraSecrets.*.stringData (YAML inside a block string)
        ("AG104", 21),                 # extraEnv (YAML inside a block string)
    },
    "k8s-secret.yaml": {
        ("AG101", 6), ("AG102", 6),    # base64 `data:` of a Secret
        ("AG101", 8),                  # stringData (iam=true, but the password is still written down)
        ("AG105", 23),                 # Deployment env, JSON form
    },
    "export.json": {("AG101", 7), ("AG106", 10)},
    # the aws connection's key id and secret on two lines: one AG104 per line
    "export.yaml": {("AG102", 3), ("AG101", 5), ("AG103", 7), ("AG104", 11), ("AG104", 12)},
    "connections-export.env": {("AG101", 1), ("AG102", 1)},
    "deploy.sh": {("AG101", 4), ("AG102", 4), ("AG203", 5)},
    "airflow.cfg": {("AG202", 3), ("AG202", 6)},
}


@pytest.fixture(scope="module")
def collectors_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from tests.conftest import run_process

    result = run_process("scan", C, "--format", "json", "--fail-on", "none",
                         env={"AIRGUARD_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    assert result.exit_code == 3, result.stderr  # the broken/ files make the scan partial
    return result.json()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_findings_per_format(collectors_report: dict, name: str) -> None:
    path = f"{C}/{name}"
    found = {(rule, line) for rule, p, line in findings_of(collectors_report) if p == path}
    assert found == EXPECTED[name]


def test_columns_point_at_the_password(collectors_report: dict) -> None:
    by_key = {(f["rule_id"], f["location"]["path"], f["location"]["start_line"]): f["location"]
              for f in collectors_report["findings"]}
    # `AIRFLOW_CONN_ANCHORED: postgres://anchor:<password>@...`: column of the password's first character
    location = by_key[("AG101", f"{C}/compose-anchors.yaml", 2)]
    assert location["start_column"] == len("  AIRFLOW_CONN_ANCHORED: postgres://anchor:") + 1
    location = by_key[("AG101", f"{C}/export.json", 7)]
    assert location["start_column"] == len('    "password": ') + 1


def test_broken_inputs_are_reported_and_scanned_line_by_line(collectors_report: dict) -> None:
    errors = {(e["path"], e["kind"], e["level"], e["line"]) for e in collectors_report["errors"]}
    assert (f"{C}/broken/bad.yaml", "parse-error", "error", 6) in errors
    assert (f"{C}/broken/bad.json", "parse-error", "error", 1) in errors
    assert (f"{C}/broken/binary.env", "read-error", "error", None) in errors
    assert (f"{C}/broken/latin1.env", "read-error", "warning", 2) in errors
    found = findings_of(collectors_report)
    # YAML that does not parse still gets a line-level scan for connection URIs
    assert ("AG101", f"{C}/broken/bad.yaml", 4) in found
    # a file with a stray non-UTF-8 byte is still read
    assert ("AG101", f"{C}/broken/latin1.env", 1) in found
    assert not any(p == f"{C}/broken/binary.env" for _, p, _ in found)
    assert collectors_report["summary"]["partial"] is True


def test_references_and_secret_refs_are_not_literal(collectors_report: dict) -> None:
    names = {f["resource"]["name"] for f in collectors_report["findings"] if f["rule_id"] == "AG101"}
    assert "from_secret" not in names            # valueFrom.secretKeyRef
    assert "exp_env_iam" not in names


def test_demo_compose_environment_reference_is_not_a_password(run_cli) -> None:
    report = run_cli("scan", "fixtures/demo/docker-compose.yaml", "-f", "json").json()
    literal = {f["resource"]["name"] for f in report["findings"] if f["rule_id"] == "AG101"}
    assert literal == {"warehouse", "metrics"}   # analytics uses ${ANALYTICS_PASSWORD}
    no_iam = {f["resource"]["name"] for f in report["findings"] if f["rule_id"] == "AG102"}
    assert no_iam == {"warehouse", "analytics"}  # metrics has ?iam=true


def test_a_named_file_is_sniffed_by_content(run_cli, tmp_path) -> None:
    settings = tmp_path / "airflow-settings.txt"
    settings.write_text("[core]\nfernet_key = Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyMTI=\n")
    report = run_cli("scan", settings, "-f", "json", cwd=tmp_path).json()
    assert [(f["rule_id"], f["location"]["start_line"]) for f in report["findings"]] == [("AG201", 1), ("AG202", 2)]
    assert report["errors"] == []
