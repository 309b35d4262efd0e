"""Every AWS finding points at a file of the repository when a connection or the snapshot is in it.

GitHub code scanning shows an alert at a line, and upload-sarif fingerprints it, only when the result's
file exists in the repository; a placeholder path (`aws/<account>/<region>/<type>/<name>`) gets neither.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.aws.locate import snapshot_locations
from tests.conftest import REPO

FIXTURE = REPO / "fixtures" / "aws" / "snapshot-v1.json"
LEGACY_HOST = "legacy.cluster-dy443016sr0w.eu-west-1.rds.amazonaws.com"


def _snapshot_with_cloudtrail() -> dict:
    """The fixture with CloudTrail read (no trail at all): AG510 fires on the derived account summary."""
    snapshot = json.loads(FIXTURE.read_text())
    for unit in snapshot["units"]:
        if unit["unit"]["service"] == "cloudtrail":
            unit["gaps"] = []
    return snapshot


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "aws").mkdir()
    (root / "aws" / "snapshot.json").write_text(json.dumps(_snapshot_with_cloudtrail(), indent=1, sort_keys=True))
    (root / "conns.env").write_text(f"# legacy reporting database\nAIRFLOW_CONN_LEGACY=postgres://{LEGACY_HOST}/x\n")
    return root


def _aws_findings(report: dict) -> set[tuple[str, str, str, int]]:
    return {(f["rule_id"], f["resource"]["name"], f["location"]["path"], f["location"]["start_line"])
            for f in report["findings"] if f["resource"]["type"].startswith("aws.")}


def test_each_aws_finding_points_at_the_connection_or_its_line_in_the_snapshot(run_cli, repo: Path) -> None:
    text = (repo / "aws" / "snapshot.json").read_text()

    def at(resource_id_part: str) -> int:
        return _line_of(text, f'"id": "{resource_id_part}')

    report = run_cli("scan", ".", "--aws-snapshot", "aws/snapshot.json", "--select", "AG5", "-f", "json",
                     cwd=repo).json()
    assert _aws_findings(report) == {
        # reached by the connection in conns.env: there, where the pull request can see it
        ("AG501", "legacy", "conns.env", 2),
        ("AG506", "legacy", "conns.env", 2),
        ("AG505", "sg-3d4504b534894c6d1", "conns.env", 2),
        # no connection: the resource's "id" line in the committed snapshot
        ("AG502", "orders-1", "aws/snapshot.json", at("aws.rds.instance:")),
        ("AG509", "airflow/connections/orders", "aws/snapshot.json",
         at("aws.secretsmanager.secret:arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/connections/orders")),
        ("AG507", "airflow-worker", "aws/snapshot.json", at("aws.iam.role:arn:aws:iam::123456789012:role/airflow/")),
        # derived from the snapshot (no "id" of its own): the account's entry in "accounts"
        ("AG510", "123456789012", "aws/snapshot.json", 3),
    }
    assert text.splitlines()[2].strip() == '"123456789012"'
    assert report["errors"] == []


def test_every_result_uploaded_to_code_scanning_names_a_file_of_the_repository(run_cli, repo: Path) -> None:
    sarif = json.loads(run_cli("scan", ".", "--aws-snapshot", "aws/snapshot.json", "-f", "sarif", cwd=repo).stdout)
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "AG510" for r in results) and len(results) >= 7
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (repo / uri).is_file(), (result["ruleId"], uri)
        assert "locationIsPlaceholder" not in result.get("properties", {})
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def test_a_snapshot_on_one_line_still_places_every_finding(run_cli, repo: Path) -> None:
    (repo / "aws" / "snapshot.json").write_text(json.dumps(_snapshot_with_cloudtrail(), sort_keys=True))
    text = (repo / "aws" / "snapshot.json").read_text()
    report = run_cli("scan", "--aws-snapshot", "aws/snapshot.json", "--select", "AG5", "-f", "json", cwd=repo).json()
    placed = {(f["rule_id"], f["location"]["path"], f["location"]["start_line"], f["location"]["start_column"])
              for f in report["findings"]}
    column_of = {f["rule_id"]: text.index(f'"id": "{f["resource"]["id"]}"') + 1 for f in report["findings"]
                 if f["rule_id"] != "AG510"}
    column_of["AG510"] = text.index('"123456789012"') + 1
    assert placed == {(rule, "aws/snapshot.json", 1, column) for rule, column in column_of.items()}
    assert set(column_of) == {"AG501", "AG502", "AG505", "AG506", "AG507", "AG509", "AG510"}


def test_outside_the_repository_the_snapshot_gives_placeholders(run_cli, repo: Path, tmp_path: Path) -> None:
    """A snapshot downloaded outside the checkout (an artifact in the runner's temp folder): findings that no
    connection reaches get a placeholder path; the connection's findings stay at the connection."""
    outside = tmp_path / "artifact" / "aws-snapshot.json"
    outside.parent.mkdir()
    outside.write_text((repo / "aws" / "snapshot.json").read_text())
    (repo / "aws" / "snapshot.json").unlink()
    sarif = json.loads(run_cli("scan", ".", "--aws-snapshot", str(outside), "--select", "AG5", "-f", "sarif",
                               cwd=repo).stdout)
    results = sarif["runs"][0]["results"]
    uris = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             bool(r.get("properties", {}).get("locationIsPlaceholder"))) for r in results}
    assert uris == {
        ("AG501", "conns.env", False), ("AG506", "conns.env", False), ("AG505", "conns.env", False),
        ("AG502", "aws/123456789012/eu-west-1/rds.instance/orders-1", True),
        ("AG509", "aws/123456789012/eu-west-1/secretsmanager.secret/airflow/connections/orders", True),
        ("AG507", "aws/123456789012/global/iam.role/airflow-worker", True),
        ("AG510", "aws/123456789012/global/cloudtrail.account/123456789012", True),
    }
    # upload-sarif cannot hash a line of a file that does not exist: airguard gives every placeholder result
    # a line hash of the same form from its own fingerprint (rule, ARN, ...), so the alert stays the same
    for result in results:
        if result["properties"].get("locationIsPlaceholder"):
            fingerprints = result["partialFingerprints"]
            assert fingerprints["primaryLocationLineHash"] == fingerprints["airguard/v1"][:16] + ":1"


def test_snapshot_locations_without_a_usable_member_fall_back_to_the_first_line() -> None:
    from scanner.model import AwsIdentity, Resource, Source

    def resource(resource_id: str, account: str | None) -> Resource:
        return Resource(id=resource_id, type="aws.x", name="x",
                        source=Source(aws=AwsIdentity(arn="arn:aws:x::1:y", account=account)))

    text = '{\n "accounts": ["111111111111", "222222222222"],\n "units": [{"id": "a\\"b"}]\n}\n'
    found = snapshot_locations(text, "snap.json", [resource('a"b', "1"), resource("derived", "222222222222"),
                                                   resource("other", "333333333333"), resource("none", None)])
    assert {key: (loc.start_line, loc.start_column) for key, loc in found.items()} == {
        'a"b': (3, 13), "derived": (2, 31), "other": (1, 1), "none": (1, 1)}
