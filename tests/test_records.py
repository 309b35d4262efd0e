"""The record classes (`scanner.records`) behave as the dataclasses they replaced: the same fields in the same
order, defaults (a fresh list or dict where the dataclass had a default factory), equality, hashing (or none),
repr, pickling, copying, slots and frozen errors, and `records.replace` as `dataclasses.replace`. Each class is
compared with a dataclass declared as it was (349703a; Source and AwsIdentity: b2515d8) and named the same."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from scanner import records
from scanner.engine.conditions import EvalEnv
from scanner.findings import Confidence, Finding, Notice, Severity, Suppression
from scanner.model import AwsIdentity, FileLocation, Resource, ResourceGraph, Source


def _named(name: str, cls: type) -> type:
    """`cls` shown (repr) with the name of the record class it stands for."""
    cls.__qualname__ = cls.__name__ = name
    return cls


def _pickled(obj: Any, protocol: int) -> str:
    """What pickling `obj` and back gives: "equal" or the error's class (a dataclass of this module pickled under
    its own name, the one pickle looks up)."""
    cls = type(obj)
    shown = cls.__qualname__
    if cls.__module__ == __name__:
        cls.__qualname__ = cls.__name__ = f"_{shown}"
    try:
        copied = pickle.loads(pickle.dumps(obj, protocol))
        return "equal" if type(copied) is cls and repr(copied) == repr(obj) else "different"
    except Exception as error:  # noqa: BLE001 - the kind of failure is what is compared
        return type(error).__name__
    finally:
        cls.__qualname__ = cls.__name__ = shown


@dataclass(frozen=True, slots=True)
class _FileLocation:
    path: str
    start_line: int
    start_column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, slots=True)
class _AwsIdentity:
    arn: str
    account: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class _Source:
    file: FileLocation | None = None
    aws: AwsIdentity | None = None


@dataclass(slots=True)
class _Resource:
    id: str
    type: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict)
    source: Source = field(default_factory=Source)
    locations: dict[str, FileLocation] = field(default_factory=dict)


@dataclass(slots=True)
class _Suppression:
    kind: str = "inline"
    justification: str = ""
    location: FileLocation | None = None


@dataclass(slots=True)
class _Finding:
    rule_id: str
    rule_name: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    resource_id: str
    resource_type: str
    resource_name: str
    location: FileLocation | None = None
    snippet: str | None = None
    aws: AwsIdentity | None = None
    related: list[FileLocation] = field(default_factory=list)
    related_labels: list[str] = field(default_factory=list)
    related_omitted: int = 0
    fingerprint: str = ""
    suppression: Suppression | None = None
    tags: list[str] = field(default_factory=list)
    help_uri: str | None = None


@dataclass(slots=True)
class _Notice:
    kind: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    rule_id: str | None = None
    level: str = "error"


@dataclass
class _EvalEnv:
    graph: ResourceGraph
    params: dict[str, Any] = field(default_factory=dict)


_GRAPH = ResourceGraph()
_PLACE = FileLocation("dags/a.py", 3, 5, 3, 20)

# each record class, its dataclass, the arguments of a full instance, and a change of one field
CASES: list[tuple[type, type, tuple[Any, ...], dict[str, Any]]] = [
    (FileLocation, _named("FileLocation", _FileLocation), ("dags/a.py", 3, 5, 3, 20), {"start_line": 4}),
    (AwsIdentity, _named("AwsIdentity", _AwsIdentity), ("arn:aws:rds:eu-west-1:1:db:x", "1", "eu-west-1"),
     {"region": "us-east-1"}),
    (Source, _named("Source", _Source), (_PLACE, AwsIdentity("arn:aws:rds:x")), {"aws": None}),
    (Resource, _named("Resource", _Resource),
     ("airflow.task:x", "airflow.task", "x", {"conn_ids": ["db"]}, Source(file=_PLACE), {"conn_ids": _PLACE}),
     {"id": "airflow.task:x#2"}),
    (Suppression, _named("Suppression", _Suppression), ("baseline", "known", _PLACE), {"kind": "config"}),
    (Finding, _named("Finding", _Finding),
     ("AG001", "plaintext-password", "Plaintext password", Severity.HIGH, Confidence.MEDIUM, "a password",
      "airflow.connection:db", "airflow.connection", "db", _PLACE, "password=…", AwsIdentity("arn:aws:rds:x"),
      [_PLACE], ["used_by: x"], 1, "f00d", Suppression(), ["secrets"], "https://example.com/AG001"),
     {"message": "another"}),
    (Notice, _named("Notice", _Notice), ("parse-error", "bad", "dags/b.py", 2, 7, "AG002", "warning"),
     {"level": "note"}),
    (EvalEnv, _named("EvalEnv", _EvalEnv), (_GRAPH, {"max_age": 90}), {"params": {}}),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize(("ours", "theirs", "args", "change"), CASES, ids=IDS)
def test_fields_order_and_defaults(ours: type, theirs: type, args: tuple[Any, ...], change: dict[str, Any]) -> None:
    fields = dataclasses.fields(theirs)
    assert ours._fields == tuple(f.name for f in fields)
    assert list(inspect.signature(ours).parameters) == [f.name for f in fields]
    required = [f for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    bare = args[:len(required)]
    assert repr(ours(*bare)) == repr(theirs(*bare))
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:   # a fresh value for each instance
            assert getattr(ours(*bare), f.name) is not getattr(ours(*bare), f.name)
    by_name = {f.name: value for f, value in zip(fields, args, strict=True)}
    assert repr(ours(**by_name)) == repr(theirs(**by_name)) == repr(ours(*args))


@pytest.mark.parametrize(("ours", "theirs", "args", "change"), CASES, ids=IDS)
def test_equality_hashing_and_repr(ours: type, theirs: type, args: tuple[Any, ...], change: dict[str, Any]) -> None:
    mine, same, twin = ours(*args), ours(*args), theirs(*args)
    assert repr(mine) == repr(twin)
    assert mine == same
    assert mine != records.replace(mine, **change)
    assert mine != twin and mine != args   # another class: NotImplemented both ways
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    if theirs.__hash__ is None:
        with pytest.raises(TypeError):
            hash(mine)
    else:
        assert hash(mine) == hash(twin) == hash(same)


@pytest.mark.parametrize(("ours", "theirs", "args", "change"), CASES, ids=IDS)
def test_slots_and_frozen(ours: type, theirs: type, args: tuple[Any, ...], change: dict[str, Any]) -> None:
    mine, twin = ours(*args), theirs(*args)
    assert hasattr(mine, "__dict__") == hasattr(twin, "__dict__")
    assert hasattr(mine, "__weakref__") == hasattr(twin, "__weakref__")
    name, value = next(iter(change.items()))
    frozen = theirs.__dataclass_params__.frozen   # type: ignore[attr-defined]
    for obj in (mine, twin):
        if frozen:
            with pytest.raises(AttributeError, match=f"cannot assign to field '{name}'"):
                setattr(obj, name, value)
            with pytest.raises(AttributeError, match=f"cannot delete field '{name}'"):
                delattr(obj, name)
        else:
            setattr(obj, name, value)
            assert getattr(obj, name) == value
        if not hasattr(twin, "__dict__"):
            # (a frozen slotted dataclass fails with a TypeError of its own `super()` in Python 3.11)
            with pytest.raises(TypeError if frozen and obj is twin else AttributeError):
                obj.other = 1   # type: ignore[attr-defined]


@pytest.mark.parametrize(("ours", "theirs", "args", "change"), CASES, ids=IDS)
def test_pickle_copy_and_replace(ours: type, theirs: type, args: tuple[Any, ...], change: dict[str, Any]) -> None:
    mine, twin = ours(*args), theirs(*args)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert _pickled(mine, protocol) == _pickled(twin, protocol)
    if ours is not EvalEnv:   # (a graph cannot be pickled: its relations default to lambdas)
        assert _pickled(mine, pickle.HIGHEST_PROTOCOL) == "equal"
    assert copy.copy(mine) == mine
    if ours is not EvalEnv:
        assert copy.deepcopy(mine) == mine
    assert repr(records.replace(mine, **change)) == repr(dataclasses.replace(twin, **change))
    assert records.replace(mine) == mine and records.replace(mine) is not mine
    with pytest.raises(TypeError):
        records.replace(mine, no_such_field=1)
