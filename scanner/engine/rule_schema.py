"""The shape pydantic checks a rule file's document against (`scanner.engine.rule.validate_rule`): typed dicts
with the fields, types and defaults of the classes in `scanner.engine.rule`, which `rule_from_data` then builds.
Imported only when a rule file is validated (a scan from the rule cache never needs it, nor pydantic). A key a
typed dict does not declare is an error, as in the rule schema.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, with_config
from typing_extensions import NotRequired, TypedDict  # pydantic needs typing_extensions' before Python 3.12

from scanner.engine.parameters import ParameterType, infer_type
from scanner.findings import Confidence, Severity

_FORBID_EXTRA = ConfigDict(extra="forbid")


@with_config(_FORBID_EXTRA)
class ParameterDocument(TypedDict):
    default: Any
    description: str
    type: NotRequired[ParameterType | None]   # else inferred from the default
    profiles: NotRequired[dict[str, Any]]


def _typed(parameter: ParameterDocument) -> ParameterDocument:
    if (parameter.get("type") or infer_type(parameter["default"])) is None:
        raise ValueError("a parameter needs a 'type' (int, float, bool, str, list[str]) when its default "
                         "is none of these")
    return parameter


@with_config(_FORBID_EXTRA)
class DocsDocument(TypedDict):
    what: str
    why: str
    fix: str
    bad: NotRequired[str | None]
    good: NotRequired[str | None]
    example_language: NotRequired[str | None]


@with_config(_FORBID_EXTRA)
class ExampleDocument(TypedDict):
    name: NotRequired[str | None]
    type: NotRequired[str | None]
    attributes: NotRequired[dict[str, Any]]
    params: NotRequired[dict[str, Any]]
    relations: NotRequired[dict[str, list[ExampleDocument]]]
    incoming: NotRequired[dict[str, list[ExampleDocument]]]


@with_config(_FORBID_EXTRA)
class TestsDocument(TypedDict):
    fail: list[ExampleDocument]
    pass_: list[ExampleDocument]


@with_config(_FORBID_EXTRA)
class RuleDocument(TypedDict):
    id: str
    name: str
    title: str
    severity: Severity
    confidence: Confidence
    resource: str
    condition: dict[str, Any]
    message: str
    docs: DocsDocument
    tests: TestsDocument
    location: NotRequired[str | None]
    for_each: NotRequired[str | None]
    related: NotRequired[list[str]]
    requires: NotRequired[list[str]]
    references: NotRequired[list[str]]
    tags: NotRequired[list[str]]
    compliance: NotRequired[dict[str, list[str]]]
    parameters: NotRequired[dict[str, Annotated[ParameterDocument, AfterValidator(_typed)]]]
    origin: NotRequired[str]
    source_path: NotRequired[str]
