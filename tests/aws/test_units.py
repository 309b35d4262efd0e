"""Planning, running and merging units; unit results as JSON; gaps as notices."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from scanner.aws import units as units_module
from scanner.aws.notices import gap_notices
from scanner.aws.recorder import Gap
from scanner.aws.units import CollectionUnit, UnitResult, merge, plan_units, run_units
from scanner.model import AwsIdentity, Resource, Source


def test_regional_services_run_per_region_and_account_services_once() -> None:
    units = plan_units(["rds", "iam", "ec2"], ["us-east-1", "eu-west-1", "us-east-1"], "123456789012")

    assert [(u.account, u.region, u.service) for u in units] == [
        ("123456789012", "eu-west-1", "ec2"),
        ("123456789012", "eu-west-1", "rds"),
        ("123456789012", "global", "iam"),
        ("123456789012", "us-east-1", "ec2"),
        ("123456789012", "us-east-1", "rds"),
    ]


def test_default_services_and_unknown_services() -> None:
    services = {u.service for u in plan_units(None, ["eu-west-1"], None)}
    assert services == {"rds", "ec2", "secretsmanager", "cloudtrail", "mwaa", "iam"}
    with pytest.raises(ValueError, match="unknown AWS service.*s3"):
        plan_units(["s3"], ["eu-west-1"], None)


def _result(region: str, service: str, name: str = "x") -> UnitResult:
    arn = f"arn:aws:secretsmanager:{region}:123456789012:secret:{name}"
    resource = Resource(
        id=f"aws.secretsmanager.secret:{arn}",
        type="aws.secretsmanager.secret",
        name=name,
        attributes={"rotation_enabled": False, "_links": []},
        source=Source(aws=AwsIdentity(arn=arn, account="123456789012", region=region)),
    )
    gap = Gap(
        service=service,
        region=region,
        account="123456789012",
        operation="secretsmanager:ListSecrets",
        error_code="Throttling",
        kind="throttled",
        message="Rate exceeded",
        resource_types=["aws.secretsmanager.secret"],
    )
    return UnitResult(
        unit=CollectionUnit(account="123456789012", region=region, service=service),
        resources=[resource.to_json()],
        gaps=[gap],
        api_calls={"secretsmanager:ListSecrets": 3},
        duration_seconds=0.25,
    )


def test_a_unit_result_round_trips_through_json() -> None:
    original = _result("eu-west-1", "secretsmanager")

    text = original.to_json_text()
    again = UnitResult.from_json(json.loads(text))

    assert again == original
    assert UnitResult.from_json(text) == original
    assert again.resource_models()[0].source.aws.region == "eu-west-1"


def test_merge_sorts_units_and_keeps_the_last_result_of_a_repeated_unit() -> None:
    first = _result("us-east-1", "secretsmanager", "old")
    retried = _result("us-east-1", "secretsmanager", "new")
    other = _result("eu-west-1", "secretsmanager")

    snapshot = merge([first, other.to_json(), retried], created_at="2026-01-01T02:00:00Z")

    assert [r.unit.region for r in snapshot.units] == ["eu-west-1", "us-east-1"]
    assert [r.name for r in snapshot.resources()] == ["x", "new"]
    assert (snapshot.accounts, snapshot.regions, snapshot.services) == (
        ["123456789012"],
        ["eu-west-1", "us-east-1"],
        ["secretsmanager"],
    )
    assert snapshot.api_calls() == {"secretsmanager:ListSecrets": 6}
    assert len(snapshot.gaps()) == 2


def test_run_units_bounds_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def slow_collect(session: Any, unit: CollectionUnit, recorder: Any) -> list[Resource]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return []

    class Session:
        account = "123456789012"

        def credential_values(self) -> list[str]:
            return []

    monkeypatch.setattr(units_module, "collector_for", lambda service: slow_collect)
    planned = plan_units(["rds", "ec2"], [f"region-{i}" for i in range(6)], "123456789012")

    results = run_units(planned, lambda unit: Session(), max_workers=3)  # type: ignore[arg-type,return-value]

    assert 1 < peak <= 3
    assert [r.unit for r in results] == planned
    assert all(r.gaps == [] for r in results)


def test_gaps_become_not_evaluated_notices() -> None:
    notices = gap_notices([_result("eu-west-1", "secretsmanager").gaps[0].model_dump(mode="json")])

    assert [(n.kind, n.level) for n in notices] == [("not-evaluated", "error")]
    assert notices[0].message == (
        "AWS secretsmanager:ListSecrets failed in account 123456789012, region eu-west-1 "
        "(throttled: Throttling: Rate exceeded); rules over aws.secretsmanager.secret could not be fully "
        "evaluated there"
    )
