"""A rule as loaded: validated by the JSON Schema, then held in these pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.findings import Confidence, Severity

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


class Parameter(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    type: ParameterType | None = None   # else inferred from the default
    default: Any
    description: str
    profiles: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _typed(self) -> Parameter:
        if self.value_type is None:
            raise ValueError("a parameter needs a 'type' (int, float, bool, str, list[str]) when its default "
                             "is none of these")
        return self

    @property
    def value_type(self) -> ParameterType | None:
        return self.type or infer_type(self.default)

    def problem(self, value: Any) -> str | None:
        """Why a configured value does not fit this parameter's type, or None."""
        kind = self.value_type
        return None if kind is None else type_problem(kind, value)


class Docs(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    what: str
    why: str
    fix: str
    bad: str | None = None
    good: str | None = None
    example_language: str | None = None


class Example(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    name: str | None = None
    type: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    relations: dict[str, list[Example]] = Field(default_factory=dict)
    incoming: dict[str, list[Example]] = Field(default_factory=dict)   # their relation points at this one


class RuleTests(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", populate_by_name=True)

    fail: list[Example]
    pass_: list[Example] = Field(alias="pass")


class Rule(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    id: str
    name: str
    title: str
    severity: Severity
    confidence: Confidence
    resource: str
    condition: dict[str, Any]
    location: str | None = None
    for_each: str | None = None
    related: list[str] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list)  # other resource types the condition reads
    message: str
    docs: Docs
    references: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    compliance: dict[str, list[str]] = Field(default_factory=dict)  # framework key -> control ids
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    tests: RuleTests
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


def _example(data: dict[str, Any]) -> Example:
    values = dict(data)
    values["relations"] = {name: [_example(item) for item in items] for name, items in data.get("relations", {}).items()}
    values["incoming"] = {name: [_example(item) for item in items] for name, items in data.get("incoming", {}).items()}
    return Example.model_construct(**values)


def rule_from_cache(data: dict[str, Any]) -> Rule:
    """A Rule from its own `model_dump(mode="json", by_alias=True)`, written to the rule cache after the file
    passed the JSON Schema and these models: built without validating again (validation is the slow part of a
    start: every model's validator would be built on the first call)."""
    fields = dict(data)
    fields["severity"] = Severity(fields["severity"])
    fields["confidence"] = Confidence(fields["confidence"])
    fields["docs"] = Docs.model_construct(**fields["docs"])
    fields["parameters"] = {name: Parameter.model_construct(**value) for name, value in fields["parameters"].items()}
    tests = fields["tests"]
    fields["tests"] = RuleTests.model_construct(fail=[_example(item) for item in tests["fail"]],
                                                pass_=[_example(item) for item in tests["pass"]])
    return Rule.model_construct(**fields)

