"""A rule as loaded: checked by the JSON Schema, then validated by pydantic into these dataclasses.

They are plain (slotted) dataclasses that pydantic validates through a `TypeAdapter` (`validate_rule`): one
definition of a rule's shape, which the loader validates with pydantic when it reads a rule file, and which a
scan from the rule cache builds without importing pydantic at all. Importing pydantic and building its first
model class was about half of a pre-commit run (`from pydantic import BaseModel` alone ~0.08 s of ~0.16 s).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from scanner.findings import Confidence, Severity

if TYPE_CHECKING:
    from pydantic import TypeAdapter

# pydantic's configuration for the dataclasses below, read when `validate_rule` builds its adapter: a key the
# model does not have is an error (pydantic calls it an unexpected keyword argument).
_FORBID_EXTRA = {"extra": "forbid"}

ParameterType = Literal["int", "float", "bool", "str", "list[str]"]
_EXPECTED = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
             "list[str]": "a list of strings"}


def infer_type(value: Any) -> ParameterType | None:
    """A parameter's type judged by its default: bool, int, float, str or a list of str."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "list[str]"
    return None


def type_problem(kind: ParameterType, value: Any) -> str | None:
    """Why `value` is not of parameter type `kind` ('expected an integer, got 'abc''), or None.
    A bool is not a number; an integer is a fine float."""
    if kind == "bool":
        fits = isinstance(value, bool)
    elif kind == "int":
        fits = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind == "str":
        fits = isinstance(value, str)
    else:
        fits = isinstance(value, list) and all(isinstance(item, str) for item in value)
    return None if fits else f"expected {_EXPECTED[kind]}, got {_shown(value)}"


def _shown(value: Any, limit: int = 60) -> str:
    """A configuration value as the user wrote it (TOML-ish), short and on one line."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        return "a table"
    elif isinstance(value, list):
        text = "[" + ", ".join(_shown(item, limit) for item in value) + "]"
    else:
        text = repr(value)  # quotes strings, escapes control characters
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class Parameter:
    """A value a rule's condition reads (`{param: NAME}`), with its default and per-profile values."""

    __pydantic_config__ = _FORBID_EXTRA

    default: Any
    description: str
    type: ParameterType | None = None   # else inferred from the default
    profiles: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.value_type is None:
            raise ValueError("a parameter needs a 'type' (int, float, bool, str, list[str]) when its default "
                             "is none of these")

    @property
    def value_type(self) -> ParameterType | None:
        return self.type or infer_type(self.default)

    def problem(self, value: Any) -> str | None:
        """Why a configured value does not fit this parameter's type, or None."""
        kind = self.value_type
        return None if kind is None else type_problem(kind, value)


@dataclass(slots=True)
class Docs:
    """A rule's documentation: what it finds, why it matters, how to fix it, with bad and good examples."""

    __pydantic_config__ = _FORBID_EXTRA

    what: str
    why: str
    fix: str
    bad: str | None = None
    good: str | None = None
    example_language: str | None = None


@dataclass(slots=True)
class Example:
    """A resource a rule's own test builds (with its related resources) to check the rule fails or passes."""

    __pydantic_config__ = _FORBID_EXTRA

    name: str | None = None
    type: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    relations: dict[str, list[Example]] = field(default_factory=dict)
    incoming: dict[str, list[Example]] = field(default_factory=dict)   # their relation points at this one


@dataclass(slots=True)
class RuleTests:
    """A rule's examples; `pass_` is the file's `pass:` (a Python keyword)."""

    __pydantic_config__ = _FORBID_EXTRA

    fail: list[Example]
    pass_: list[Example]


@dataclass(slots=True)
class Rule:
    """One rule file: the resource type it judges, its condition, message, documentation and tests."""

    __pydantic_config__ = _FORBID_EXTRA

    id: str
    name: str
    title: str
    severity: Severity
    confidence: Confidence
    resource: str
    condition: dict[str, Any]
    message: str
    docs: Docs
    tests: RuleTests
    location: str | None = None
    for_each: str | None = None
    related: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)  # other resource types the condition reads
    references: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    compliance: dict[str, list[str]] = field(default_factory=dict)  # framework key -> control ids
    parameters: dict[str, Parameter] = field(default_factory=dict)
    origin: str = "builtin"        # builtin | the user rule folder's file
    source_path: str = ""

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
def _adapter() -> TypeAdapter[Rule]:
    from pydantic import TypeAdapter

    return TypeAdapter(Rule)


def validate_rule(data: dict[str, Any]) -> Rule:
    """A rule file's document (plus `origin` and `source_path`) validated by pydantic into a `Rule`; raises
    pydantic's ValidationError. The file's `tests: {pass: ...}` is the model's `pass_`."""
    tests = data.get("tests")
    if isinstance(tests, dict) and "pass" in tests:
        tests = {("pass_" if key == "pass" else key): value for key, value in tests.items()}
        data = {**data, "tests": tests}
    return _adapter().validate_python(data)


def rule_json(rule: Rule) -> dict[str, Any]:
    """A rule as JSON-ready data (enums as their values), which `rule_from_cache` reads back."""
    data = asdict(rule)
    data["severity"] = rule.severity.value
    data["confidence"] = rule.confidence.value
    return data


def _example(data: dict[str, Any]) -> Example:
    values = dict(data)
    values["relations"] = {name: [_example(item) for item in items] for name, items in data["relations"].items()}
    values["incoming"] = {name: [_example(item) for item in items] for name, items in data["incoming"].items()}
    return Example(**values)


def rule_from_cache(data: dict[str, Any]) -> Rule:
    """A Rule from its own `rule_json`, written to the rule cache after the file passed the JSON Schema and
    pydantic: built without validating again (and so without importing pydantic)."""
    fields = dict(data)
    fields["severity"] = Severity(fields["severity"])
    fields["confidence"] = Confidence(fields["confidence"])
    fields["docs"] = Docs(**fields["docs"])
    fields["parameters"] = {name: Parameter(**value) for name, value in fields["parameters"].items()}
    tests = fields["tests"]
    fields["tests"] = RuleTests(fail=[_example(item) for item in tests["fail"]],
                                pass_=[_example(item) for item in tests["pass_"]])
    return Rule(**fields)
