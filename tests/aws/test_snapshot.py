"""The snapshot file: schema, deterministic bytes, round trip, clear errors."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scanner.aws.collect import collect_snapshot
from scanner.aws.snapshot import (
    SCHEMA_PATH,
    SnapshotError,
    _Cursor,
    load_snapshot,
    parse_snapshot,
    parse_snapshot_resources,
    read_snapshot,
    write_snapshot,
)
from scanner.aws.units import Snapshot
from scanner.model import Resource
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


def _outcome(read: Callable[[str, str], tuple[Snapshot, list[Resource] | None]], text: str) -> object:
    """What a reader makes of `text`: its error message, or the units (without resource dicts) and resources."""
    try:
        snapshot, resources = read(text, "s.json")
    except SnapshotError as error:
        return str(error)
    if resources is None:
        resources = snapshot.resources()
    units = [unit.model_dump(mode="json", exclude={"resources"}) for unit in snapshot.units]
    return (snapshot.created_by, snapshot.created_at, units,
            [r.to_json() for r in resources])


def _whole(text: str, where: str) -> tuple[Snapshot, list[Resource] | None]:
    return parse_snapshot(text, where), None


def _shapes(document: dict[str, Any]) -> list[str]:
    """The fixture written in other layouts and with the oddities the resource-by-resource reader declines."""
    text = json.dumps(document, indent=1)
    unit = '"units": ['
    return [
        text, json.dumps(document), json.dumps(document, indent="\t", separators=(" ,\r\n", " :\t")),
        "\ufeff" + text, text + "\n\n", text + " x", text + "{}", text.replace(unit, '"units": [] , ' + unit),
        text.replace('"resources": [', '"resources": [], "resources": [', 1),
        text.replace('"attributes": {', '"attributes": {"nan": NaN, "big": 1e999, "deep": ' + "[" * 50 + "]" * 50 + ", ", 1),
        text.replace('"attributes": {', '"attributes": {"huge": ' + "9" * 5000 + ", ", 1),
        text.replace('"attributes": {', '"attributes": {"deep": ' + "[" * 5000 + "]" * 5000 + ", ", 1),
        text.replace('"resources": [', '"resources": [1, ', 1), text.replace('"resources": [', '"resources": [[], ', 1),
        text.replace('"resources": [', '"resources": {"a": ', 1), text[:-40], text.replace('"id": "aws.', '"id": "x.', 1),
        '{"format": "airguard-aws-snapshot", "version": 1}', "[]", "", "{}",
    ]


def test_reading_resource_by_resource_gives_what_the_whole_document_gives() -> None:
    """The scan's reader (`parse_snapshot_resources`): the same snapshot and resources as `parse_snapshot` and
    `Snapshot.resources()`, and the same error for every text one of them refuses, on the fixture in other
    layouts, with odd JSON, and on mutated copies."""
    document = json.loads(FIXTURE.read_text())
    texts = _shapes(document)
    rng = random.Random(5)
    for _ in range(150):
        mutated = copy.deepcopy(document)
        unit = rng.choice(mutated["units"])
        target = rng.choice([unit, *unit["resources"], *(r["source"] for r in unit["resources"]),
                             *(r["attributes"] for r in unit["resources"]), mutated])
        key = rng.choice([*target, "extra", "locations", "_links"])
        if rng.random() < 0.3:
            target.pop(key, None)
        else:
            target[key] = rng.choice([None, 1, "", "x", "arn:x", [], {}, [{"relation": ""}], {"a": 1}, True])
        texts.append(json.dumps(mutated, indent=1))
    refused = taken = 0
    for text in texts:
        expected = _outcome(_whole, text)
        assert _outcome(parse_snapshot_resources, text) == expected, text[:300]
        refused += isinstance(expected, str)
        taken += not isinstance(expected, str)
    assert refused > 30 and taken > 30  # both sides of the verdict are reached


def test_a_resource_read_resource_by_resource_shares_its_strings() -> None:
    snapshot, resources = parse_snapshot_resources(FIXTURE.read_text(), "s.json")
    assert resources is not None and all(not unit.resources for unit in snapshot.units)
    read = [r for r in resources if r.type != "aws.cloudtrail.account"]  # derived: not read from the text
    assert len({r.source.aws.account for r in read if r.source.aws}) == 1
    assert len({id(r.source.aws.account) for r in read if r.source.aws}) == 1


def _short_arrays(document: dict[str, Any], units: int) -> str:
    """`document` with `units` units of two resources each, the two parted by whitespace no other unit uses."""
    template = next(unit for unit in document["units"] if len(unit["resources"]) >= 2)
    first, second = template["resources"][:2]
    head = json.dumps({key: value for key, value in document.items() if key != "units"})[:-1]
    parts = []
    for index in range(units):
        parting, rest = "", index
        for _ in range(8):   # index in base 4 over four whitespace characters
            parting, rest = parting + " \t\n\r"[rest % 4], rest // 4
        pair = [dict(first, id=f"{first['id']}-{index}a"), dict(second, id=f"{second['id']}-{index}b")]
        unit = json.dumps({key: value for key, value in template.items() if key != "resources"})[:-1]
        parts.append(f'{unit}, "resources": [{json.dumps(pair[0])},{parting}{json.dumps(pair[1])}]}}')
    return f'{head}, "units": [{",".join(parts)}]}}'


def test_many_short_arrays_are_read_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of items are decoded where the text between two items marks where the next ends; each run looks
    for those marks no further than a few times what its array held so far. Searched to the end of the text
    instead, a snapshot of many short arrays whose separators never recur read in quadratic time (3,000 units:
    0.8 s before runs, 4.1 s with them). The outcome is the whole-document reader's."""
    text = _short_arrays(json.loads(FIXTURE.read_text()), 2000)
    windows: list[int] = []
    run = _Cursor._run

    def measured(self: _Cursor, marker: str, decode: Any, window: int) -> Any:
        windows.append(window)
        return run(self, marker, decode, window)

    monkeypatch.setattr(_Cursor, "_run", measured)
    assert _outcome(parse_snapshot_resources, text) == _outcome(_whole, text)
    assert len(windows) >= 2000   # every unit's second resource was offered to a run
    assert sum(windows) <= 5 * len(text)
