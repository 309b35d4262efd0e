"""A rule as loaded: validated by the JSON Schema, then held in these pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scanner.findings import Confidence, Severity


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: Any
    description: str
    profiles: dict[str, Any] = Field(default_factory=dict)


class Docs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: str
    why: str
    fix: str
    bad: str | None = None
    good: str | None = None
    example_language: str | None = None


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    type: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    relations: dict[str, list[Example]] = Field(default_factory=dict)
    incoming: dict[str, list[Example]] = Field(default_factory=dict)   # their relation points at this one


class RuleTests(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fail: list[Example]
    pass_: list[Example] = Field(alias="pass")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    tests: RuleTests
    origin: str = "builtin"        # builtin | the user rule folder's file
    source_path: str = ""

    @property
    def help_uri(self) -> str | None:
        return self.references[0] if self.references else None

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
