"""A rule as loaded: checked by the JSON Schema, then validated by pydantic, then built into these classes.

They are plain slotted records (`scanner.records`): every scan builds them (from the rule cache, without
pydantic), and as dataclasses the five classes cost 16M instructions to create at start-up (4 % of a warm scan
of a small tree). pydantic checks a rule file's document against the typed dicts of `scanner.engine.rule_schema`,
imported only then (`validate_rule`); `rule_from_data` builds a `Rule` from that document or from the cache's
copy of it (`rule_json`). Importing pydantic and building its first model was about half of a pre-commit run.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

from scanner.engine.parameters import infer_type, type_problem
from scanner.findings import Confidence, Severity
from scanner.records import Record

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from scanner.engine.parameters import ParameterType
    from scanner.engine.rule_schema import RuleDocument


class Parameter(Record):
    """A value a rule's condition reads (`{param: NAME}`), with its default and per-profile values."""

    __slots__ = _fields = ("default", "description", "type", "profiles")

    def __init__(self, default: Any, description: str, type: ParameterType | None = None,
                 profiles: dict[str, Any] | None = None) -> None:
        self.default = default
        self.description = description
        self.type = type   # else inferred from the default
        self.profiles = {} if profiles is None else profiles

    @property
    def value_type(self) -> ParameterType | None:
        return self.type or infer_type(self.default)

    def problem(self, value: Any) -> str | None:
        """Why a configured value does not fit this parameter's type, or None."""
        kind = self.value_type
        return None if kind is None else type_problem(kind, value)


class Docs(Record):
    """A rule's documentation: what it finds, why it matters, how to fix it, with bad and good examples."""

    __slots__ = _fields = ("what", "why", "fix", "bad", "good", "example_language")

    def __init__(self, what: str, why: str, fix: str, bad: str | None = None, good: str | None = None,
                 example_language: str | None = None) -> None:
        self.what = what
        self.why = why
        self.fix = fix
        self.bad = bad
        self.good = good
        self.example_language = example_language


class Example(Record):
    """A resource a rule's own test builds (with its related resources) to check the rule fails or passes."""

    __slots__ = _fields = ("name", "type", "attributes", "params", "relations", "incoming")

    def __init__(self, name: str | None = None, type: str | None = None,
                 attributes: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                 relations: dict[str, list[Example]] | None = None,
                 incoming: dict[str, list[Example]] | None = None) -> None:
        self.name = name
        self.type = type
        self.attributes = {} if attributes is None else attributes
        self.params = {} if params is None else params
        self.relations = {} if relations is None else relations
        self.incoming = {} if incoming is None else incoming   # their relation points at this one


class RuleTests(Record):
    """A rule's examples; `pass_` is the file's `pass:` (a Python keyword)."""

    __slots__ = _fields = ("fail", "pass_")

    def __init__(self, fail: list[Example], pass_: list[Example]) -> None:
        self.fail = fail
        self.pass_ = pass_


class Rule(Record):
    """One rule file: the resource type it judges, its condition, message, documentation and tests. Built by
    `rule_from_data` from a validated document or the rule cache's copy of one."""

    _fields = ("id", "name", "title", "severity", "confidence", "resource", "condition", "message", "docs", "tests",
               "location", "for_each", "related", "requires", "references", "tags", "compliance", "parameters",
               "origin", "source_path")
    __slots__ = tuple("_tests" if name == "tests" else name for name in _fields)

    def __init__(self, id: str, name: str, title: str, severity: Severity,
                 confidence: Confidence, resource: str, condition: dict[str, Any], message: str, docs: Docs,
                 tests: RuleTests | str, location: str | None = None, for_each: str | None = None,
                 related: list[str] | None = None, requires: list[str] | None = None,
                 references: list[str] | None = None, tags: list[str] | None = None,
                 compliance: dict[str, list[str]] | None = None, parameters: dict[str, Parameter] | None = None,
                 origin: str = "builtin", source_path: str = "") -> None:
        self.id = id
        self.name = name
        self.title = title
        self.severity = severity
        self.confidence = confidence
        self.resource = resource
        self.condition = condition
        self.message = message
        self.docs = docs
        # or, from the rule cache, their `rule_json` form as JSON text, decoded when first read: only `airguard
        # rules test` reads them, and their hundreds of small objects were ~10M instructions of every scan's start
        self._tests = tests
        self.location = location
        self.for_each = for_each
        self.related = [] if related is None else related
        self.requires = [] if requires is None else requires   # other resource types the condition reads
        self.references = [] if references is None else references
        self.tags = [] if tags is None else tags
        self.compliance = {} if compliance is None else compliance   # framework key -> control ids
        self.parameters = {} if parameters is None else parameters
        self.origin = origin              # builtin | the user rule folder's file
        self.source_path = source_path

    @property
    def tests(self) -> RuleTests:
        if isinstance(self._tests, str):
            self._tests = _rule_tests(json.loads(self._tests))
        return self._tests

    @property
    def help_uri(self) -> str | None:
        return self.references[0] if self.references else None

    @property
    def compliance_tags(self) -> list[str]:
        """`compliance/aws-fsbp/RDS.10`: one tag per mapped control, frameworks in their documented order."""
        from scanner.compliance.frameworks import compliance_tags

        return compliance_tags(self.compliance)

    def resolve_parameters(self, profile: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values: default, then the profile's value, then the user's overrides."""
        values: dict[str, Any] = {}
        for name, parameter in self.parameters.items():
            value = parameter.default
            if profile and profile in parameter.profiles:
                value = parameter.profiles[profile]
            values[name] = value
        for name, value in (overrides or {}).items():
            if name in self.parameters:
                values[name] = value
        return values


@cache
def _adapter() -> TypeAdapter[RuleDocument]:
    from pydantic import TypeAdapter

    from scanner.engine.rule_schema import RuleDocument

    return TypeAdapter(RuleDocument)


def validate_rule(data: dict[str, Any]) -> Rule:
    """A rule file's document (plus `origin` and `source_path`) validated by pydantic, as a `Rule`; raises
    pydantic's ValidationError. The file's `tests: {pass: ...}` is the rule's `pass_`."""
    tests = data.get("tests")
    if isinstance(tests, dict) and "pass" in tests:
        tests = {("pass_" if key == "pass" else key): value for key, value in tests.items()}
        data = {**data, "tests": tests}
    return rule_from_data(_adapter().validate_python(data))


def rule_json(rule: Rule) -> dict[str, Any]:
    """A rule as JSON-ready data (enums as their values), which `rule_from_data` reads back: every field of the
    rule and of the records in it (docs, tests, examples, parameters), in their `_fields` order."""
    return _json_ready(rule)


def _json_ready(value: Any) -> Any:
    """`value` with every record in it as a dict of its fields and every enum as its value (the rest copied)."""
    if isinstance(value, Record):
        return {name: _json_ready(getattr(value, name)) for name in value._fields}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def _example(data: dict[str, Any]) -> Example:
    return Example(data.get("name"), data.get("type"), data.get("attributes"), data.get("params"),
                   {name: [_example(item) for item in items] for name, items in data.get("relations", {}).items()},
                   {name: [_example(item) for item in items] for name, items in data.get("incoming", {}).items()})


def rule_from_data(data: dict[str, Any]) -> Rule:
    """A Rule from a document pydantic validated (`validate_rule`; a key it does not have takes the rule's
    default) or from the rule cache's `rule_json` of one, built without validating again (and so without
    importing pydantic). Its "tests" may be their JSON text (the rule cache's form), decoded when first read."""
    fields = dict(data)
    fields["severity"] = Severity(fields["severity"])
    fields["confidence"] = Confidence(fields["confidence"])
    fields["docs"] = Docs(**fields["docs"])
    fields["parameters"] = {name: Parameter(**value) for name, value in fields.get("parameters", {}).items()}
    if not isinstance(fields["tests"], str):
        fields["tests"] = _rule_tests(fields["tests"])
    return Rule(**fields)


def _rule_tests(data: dict[str, Any]) -> RuleTests:
    return RuleTests(fail=[_example(item) for item in data["fail"]], pass_=[_example(item) for item in data["pass_"]])
