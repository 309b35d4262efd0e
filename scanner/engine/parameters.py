"""The types a rule parameter may have (`Parameter.type` in `scanner.engine.rule`): inferred from a default,
and why a configured value does not fit one. Apart from the rule classes so that the schema pydantic checks
rule files with (`scanner.engine.rule_schema`) can use them without importing the classes' module."""

from __future__ import annotations

from typing import Any, Literal

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
