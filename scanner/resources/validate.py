"""Check resources and attribute paths against the registry (tests and tools; the scan itself never
validates: resources stay plain dicts).

`attribute_problems(resource)` lists where a resource's attributes leave its type's model (unknown key,
missing key, wrong type); `path_targets(type_name, path)` says whether a rule's attribute path
(``ingress``, ``extra.iam``, ``actions.*``, ``host_info.service``) can exist on a type, and what it holds.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any, Literal, Union

import typing_extensions
from typing_extensions import is_typeddict

from scanner.model import UNKNOWN_KEY, Resource
from scanner.resources import REGISTRY

_WRAPPERS = {typing_extensions.NotRequired, typing_extensions.Required}
for _name in ("NotRequired", "Required"):
    if hasattr(typing, _name):
        _WRAPPERS.add(getattr(typing, _name))


@cache
def fields(model: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's field types and its required keys (NotRequired read from the annotations themselves,
    which stay right under ``from __future__ import annotations``)."""
    hints = typing_extensions.get_type_hints(model, include_extras=True)
    types_by_key: dict[str, Any] = {}
    required: set[str] = set()
    for key, hint in hints.items():
        origin = typing_extensions.get_origin(hint)
        if origin in _WRAPPERS:
            types_by_key[key] = typing_extensions.get_args(hint)[0]
            if origin is typing_extensions.Required or origin is getattr(typing, "Required", None):
                required.add(key)
        else:
            types_by_key[key] = hint
            required.add(key)
    return types_by_key, frozenset(required)


def _union_members(hint: Any) -> tuple[Any, ...] | None:
    origin = typing_extensions.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        return typing_extensions.get_args(hint)
    return None


def value_problems(value: Any, hint: Any, where: str) -> list[str]:
    """Where `value` does not fit the type `hint` (strict: a bool is no int, an int is a fine float)."""
    if hint is Any:
        return []
    members = _union_members(hint)
    if members is not None:
        found = [value_problems(value, member, where) for member in members]
        if any(not problems for problems in found):
            return []
        return [f"{where}: {_shown(value)} is none of {_type_name(hint)}"]
    if hint is None or hint is type(None):
        return [] if value is None else [f"{where}: expected null, got {_shown(value)}"]
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: expected an object ({hint.__name__}), got {_shown(value)}"]
        types_by_key, required = fields(hint)
        problems = [f"{where}.{key}: not in {hint.__name__}" for key in value if key not in types_by_key]
        problems += [f"{where}.{key}: missing ({hint.__name__})" for key in sorted(required) if key not in value]
        for key, item in value.items():
            if key in types_by_key:
                problems += value_problems(item, types_by_key[key], f"{where}.{key}")
        return problems
    origin = typing_extensions.get_origin(hint)
    args = typing_extensions.get_args(hint)
    if origin is Literal:
        return [] if value in args else [f"{where}: expected one of {list(args)}, got {_shown(value)}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {_shown(value)}"]
        return [p for index, item in enumerate(value) for p in value_problems(item, args[0], f"{where}[{index}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {_shown(value)}"]
        return [p for key, item in value.items()
                for p in [*value_problems(key, args[0], f"{where} key"), *value_problems(item, args[1], f"{where}.{key}")]]
    if hint is bool:
        fits = isinstance(value, bool)
    elif hint is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(hint, type):
        fits = isinstance(value, hint)
    else:
        raise TypeError(f"{where}: unsupported type in an attribute model: {hint!r}")
    return [] if fits else [f"{where}: expected {_type_name(hint)}, got {_shown(value)}"]


def attribute_problems(resource: Resource) -> list[str]:
    """How `resource` departs from its type's attribute model (empty when it fits)."""
    if resource.type not in REGISTRY:
        return [f"{resource.type}: not a registered resource type"]
    model = REGISTRY.get(resource.type).attributes
    if UNKNOWN_KEY not in resource.attributes:
        return value_problems(resource.attributes, model, resource.type)
    known = {k: v for k, v in resource.attributes.items() if k != UNKNOWN_KEY}
    return value_problems(known, model, resource.type) + unknown_problems(resource)


def unknown_problems(resource: Resource) -> list[str]:
    """A resource's ``_unknown``: a list of its type's attribute paths or relation names (a condition that
    reads one is not evaluated; a path the type does not have would silently never match)."""
    where = f"{resource.type}.{UNKNOWN_KEY}"
    unknown = resource.attributes.get(UNKNOWN_KEY)
    if not isinstance(unknown, list) or not all(isinstance(p, str) for p in unknown):
        return [f"{where}: expected a list of attribute paths, got {_shown(unknown)}"]
    definition = REGISTRY.get(resource.type)
    return [f"{where}: '{path}' is no attribute or relation of {resource.type}" for path in unknown
            if not path_targets(resource.type, path) and definition.relation(path) is None]


def path_targets(type_name: str, path: str) -> list[Any]:
    """The types an attribute path reaches on `type_name` (empty: the path cannot exist). ``*`` walks the items
    of a list or the values of a map; a digit indexes a list; below ``Any`` (free-form JSON) every path exists."""
    if path in ("$name", "$type", "$id"):
        return [str]
    hints: list[Any] = [REGISTRY.get(type_name).attributes]
    for part in path.split("."):
        following: list[Any] = []
        for hint in hints:
            following += _step(hint, part)
        hints = following
        if not hints:
            return []
    return hints


def item_targets(type_name: str, path: str) -> list[Any]:
    """What an ``items: PATH`` condition sees as each item: the element types of the lists at `path`."""
    found: list[Any] = []
    for hint in path_targets(type_name, path):
        for member in _union_members(hint) or (hint,):
            if typing_extensions.get_origin(member) is list:
                found.append(typing_extensions.get_args(member)[0])
            elif member is Any:
                found.append(Any)
            elif member is not type(None):
                found.append(member)  # a scalar item is seen as the item itself
    return found


def path_in(hint: Any, path: str) -> bool:
    """Whether `path` can exist below the type `hint` (an item of an ``items`` condition)."""
    hints = [hint]
    for part in path.split("."):
        hints = [h for current in hints for h in _step(current, part)]
        if not hints:
            return False
    return True


def _step(hint: Any, part: str) -> list[Any]:
    if hint is Any:
        return [Any]
    members = _union_members(hint)
    if members is not None:
        return [h for member in members for h in _step(member, part)]
    if is_typeddict(hint):
        types_by_key, _ = fields(hint)
        if part == "*":
            return list(types_by_key.values())
        return [types_by_key[part]] if part in types_by_key else []
    origin = typing_extensions.get_origin(hint)
    args = typing_extensions.get_args(hint)
    if origin is list and (part == "*" or part.isdigit()):
        return [args[0]]
    if origin is dict:
        return [args[1]]
    return []


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
