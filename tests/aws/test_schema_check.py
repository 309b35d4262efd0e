"""The snapshot schema compiled into plain checks (`scanner.aws.schema_check`) judges every document as
jsonschema does: same verdict, same problems (path and message), on the committed fixture and on
hundreds of mutated copies of it."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scanner.aws.schema_check import SchemaCompileError, Validator, compile_schema
from scanner.aws.snapshot import SCHEMA_PATH, SnapshotError, validate_document

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "aws" / "snapshot-v1.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
REFERENCE = Draft202012Validator(SCHEMA)
COMPILED = Validator(SCHEMA)
ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 2.5, 3.0, "", "x", "arn:aws:x", "eu-west-1", "123456789012",
                         "aws.ec2.vpc", "rds:DescribeDBClusters", "denied", [], [1, 1], ["a", "a"], {}, {"a": 1},
                         "x" * 301]


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _containers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _containers(item, (*path, index))
    return found


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _mutate(document: Any, rng: random.Random) -> Any:
    mutated = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _containers(mutated) if p]
        path = rng.choice(paths)
        parent = _at(mutated, path[:-1])
        action = rng.random()
        if action < 0.6:
            parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action < 0.8 and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[rng.choice(["extra", "id", "unit", "kind", "http_requests", "duration_seconds"])] = \
                copy.deepcopy(rng.choice(ODD_VALUES))
        else:
            parent.append(copy.deepcopy(rng.choice([*ODD_VALUES, parent[0] if parent else None])))
    return mutated


def _reference(document: Any) -> list[tuple[str, ...]]:
    # paths only: jsonschema's wording changes between its releases (ours follows 4.26)
    return sorted(tuple(map(str, error.absolute_path)) for error in REFERENCE.iter_errors(document))


def _compiled(document: Any) -> list[tuple[str, ...]]:
    return sorted(tuple(map(str, path)) for path, _message in COMPILED.iter_errors(document, ()))


def test_the_fixture_is_valid_for_both() -> None:
    document = json.loads(FIXTURE.read_text())
    assert _reference(document) == [] == _compiled(document)
    assert COMPILED.is_valid(document)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_snapshots_get_the_verdict_and_problems_jsonschema_gives(seed: int) -> None:
    base = json.loads(FIXTURE.read_text())
    rng = random.Random(seed)
    invalid = 0
    for _ in range(100):
        document = _mutate(base, rng)
        expected = _reference(document)
        assert _compiled(document) == expected, json.dumps(document)[:2000]
        assert COMPILED.is_valid(document) is (not expected)
        invalid += bool(expected)
    assert invalid > 30  # the mutations do reach the schema's checks


def test_whole_document_shapes() -> None:
    for document in (None, [], "x", 1, {}, {"format": "airguard-aws-snapshot"}):
        assert _compiled(document) == _reference(document)
        assert COMPILED.is_valid(document) is False


# Every keyword the compilers take, nested in the ways the generated predicates treat apart (inline scalar
# tests, loops, references, a definition that refers to itself, true/false/empty schemas).
EVERY_KEYWORD: dict[str, Any] = {
    "type": "object", "required": ["a"], "additionalProperties": {"type": "integer", "minimum": 0},
    "propertyNames": {"pattern": "^[a-z]+$"}, "maxProperties": 4,
    "properties": {
        "a": {"anyOf": [{"$ref": "#/$defs/s"}, {"type": "null"}, {"const": 1}]},
        "b": {"type": "array", "items": {"$ref": "#/$defs/node"}, "uniqueItems": True},
        "c": {"enum": ["x", 1, True, None]},
        "d": {"type": ["string", "number"], "minLength": 2, "maxLength": 3, "minimum": 2},
        "e": True, "f": False, "g": {}, "h": {"type": "boolean"},
        "i": {"properties": {"j": {"type": "integer"}}, "additionalProperties": False},
        "k": {"items": {"items": {"type": "string"}}}},
    "$defs": {"s": {"type": "string", "pattern": "^q"},
              "node": {"type": "object", "additionalProperties": False,
                       "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
}
ATOMS: list[Any] = [None, True, False, 0, 1, 2, 2.0, 2.5, -1, "", "q", "qq", "x", "ab", "abcd", "Z", [], {}, [1, 1],
                    [[]], [["s"]], [[1]], {"kids": []}, {"kids": [{"kids": []}]}, {"kids": [{"z": 1}]}, {"j": 1},
                    {"j": "1"}, {"j": 1, "y": 2}]


def test_the_yes_no_predicates_give_jsonschema_s_verdict_on_every_keyword() -> None:
    reference, compiled = Draft202012Validator(EVERY_KEYWORD), Validator(EVERY_KEYWORD)
    rng = random.Random(3)

    def value(depth: int = 0) -> Any:
        if depth < 2 and rng.random() < 0.2:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return rng.choice(ATOMS)

    valid = 0
    for _ in range(5000):
        names = rng.sample([*"abcdefghikz", "A", "zz"], rng.randint(0, 5))
        document = {name: value() for name in names} if rng.random() < 0.95 else value()
        expected = reference.is_valid(document)
        assert compiled.is_valid(document) is expected, document
        valid += expected
    assert valid > 5


def test_a_keyword_the_compiler_does_not_know_is_refused() -> None:
    with pytest.raises(SchemaCompileError, match="oneOf"):
        compile_schema({"oneOf": [{"type": "string"}]})
    with pytest.raises(SchemaCompileError, match="local references"):
        compile_schema({"$ref": "https://example.com/schema.json"})({}, ())  # resolved at first use


def test_the_error_names_the_first_problem_and_counts_the_rest() -> None:
    document = json.loads(FIXTURE.read_text())
    document["units"][0]["gaps"] = [{"kind": "oops"}]
    document["units"][0]["unit"]["region"] = ""
    with pytest.raises(SnapshotError) as caught:
        validate_document(document, "snap.json")
    message = str(caught.value)
    assert message.startswith("snap.json: invalid snapshot at units/0/gaps/0: ")
    assert message.endswith(f"(and {len(_reference(document)) - 1} more problems)")
    assert "\n" not in message


def test_a_huge_value_in_a_message_is_cut() -> None:
    document = json.loads(FIXTURE.read_text())
    document["units"][0]["unit"] = "x" * 100_000
    with pytest.raises(SnapshotError) as caught:
        validate_document(document, "snap.json")
    assert len(str(caught.value)) < 500
