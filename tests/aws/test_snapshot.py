"""The snapshot file: schema, deterministic bytes, round trip, clear errors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from scanner.aws.collect import collect_snapshot
from scanner.aws.snapshot import SCHEMA_PATH, SnapshotError, load_snapshot, read_snapshot, write_snapshot
from scanner.aws.units import Snapshot
from tests.aws.conftest import ACCOUNT, AwsEnv, seed_sample_account
from tests.support.local_aws import FaultProxy

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "aws" / "snapshot-v1.json"
STAMP = "2026-01-01T02:00:00Z"


def _schema_errors(document: object) -> list[str]:
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    return [error.message for error in validator.iter_errors(document)]


@pytest.fixture
def collected(aws: AwsEnv, proxy: FaultProxy) -> Snapshot:
    seed_sample_account(aws, proxy)
    return collect_snapshot(aws.options(), regions=["eu-west-1"], max_workers=4)


def test_the_schema_is_valid_and_the_committed_fixture_follows_it() -> None:
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text()))
    assert _schema_errors(json.loads(FIXTURE.read_text())) == []
    resources, gaps = read_snapshot(FIXTURE)
    assert resources and all(r.source.aws is not None for r in resources)
    assert {g["operation"] for g in gaps} == {"cloudtrail:DescribeTrails"}


def test_write_and_read_round_trip(collected: Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "nightly" / "snapshot.json"

    write_snapshot(path, collected.units, created_at=STAMP)
    resources, gaps = read_snapshot(path)

    document = json.loads(path.read_text())
    assert _schema_errors(document) == []
    assert (document["format"], document["version"], document["created_at"]) == (
        "airguard-aws-snapshot",
        1,
        STAMP,
    )
    assert document["accounts"] == [ACCOUNT]
    assert document["regions"] == ["eu-west-1", "global"]
    assert "duration_seconds" not in document["units"][0]
    assert resources == collected.resources()
    assert {r.type for r in resources} >= {
        "aws.rds.cluster",
        "aws.ec2.subnet",
        "aws.iam.role",
        "aws.secretsmanager.secret",
        "aws.cloudtrail.account",
    }
    assert gaps == [
        {
            "service": "cloudtrail",
            "region": "eu-west-1",
            "account": ACCOUNT,
            "operation": "cloudtrail:DescribeTrails",
            "error_code": "AccessDeniedException",
            "kind": "denied",
            "message": gaps[0]["message"],
            "resource_types": ["aws.cloudtrail.trail"],
        }
    ]
    summary = next(r for r in resources if r.type == "aws.cloudtrail.account")
    assert (summary.attributes["complete"], summary.attributes["regions_incomplete"]) == (
        False,
        ["eu-west-1"],
    )


def test_the_same_results_give_the_same_bytes(collected: Snapshot, tmp_path: Path) -> None:
    shuffled = list(collected.units)
    random.Random(7).shuffle(shuffled)

    write_snapshot(tmp_path / "a.json", collected.units, created_at=STAMP)
    write_snapshot(tmp_path / "b.json", [unit.to_json() for unit in shuffled], created_at=STAMP)

    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    without_timings = [
        u.model_copy(update={"http_requests": {}, "duration_seconds": 0.0}) for u in collected.units
    ]
    assert load_snapshot(tmp_path / "a.json").units == without_timings


def test_timings_are_optional_and_valid(collected: Snapshot, tmp_path: Path) -> None:
    write_snapshot(tmp_path / "t.json", collected, created_at=STAMP, include_timings=True)

    document = json.loads((tmp_path / "t.json").read_text())
    assert _schema_errors(document) == []
    assert all("duration_seconds" in unit and "http_requests" in unit for unit in document["units"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, r"cannot read snapshot .*missing\.json: No such file or directory"),
        ("{not json", r"not JSON \(line 1, column 2"),
        ('{"format": "something-else"}', r"not an airguard AWS snapshot \(format is 'something-else'"),
        ('{"format": "airguard-aws-snapshot", "version": 2}', r"snapshot version 2 is not supported"),
        (
            ('{"format": "airguard-aws-snapshot", "version": 1, "created_by": "x", "created_at": null,'
            ' "accounts": [], "regions": [], "services": [],'
            ' "units": [{"unit": {"account": null, "region": "eu-west-1", "service": "rds"}, "resources": [],'
            ' "gaps": [{"kind": "oops"}], "api_calls": {}}]}'),
            r"invalid snapshot at units/0/gaps/0: .*",
        ),
    ],
)
def test_bad_snapshot_files_give_a_clear_error(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "missing.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(SnapshotError, match=expected) as caught:
        read_snapshot(path)

    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__  # no chained traceback
    assert "\n" not in str(caught.value)
