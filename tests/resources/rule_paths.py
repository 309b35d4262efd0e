"""Check a rule's attribute paths and relations against the resource registry (used by the tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scanner.engine.rule import Rule
from scanner.resources import REGISTRY
from scanner.resources.validate import item_targets, path_in, path_targets


@dataclass(frozen=True)
class Scope:
    """What a condition is evaluated on: a resource of `type_name`, or (items) one item of type `item`."""

    type_name: str
    item: Any = None
    is_item: bool = False

    def has(self, path: str) -> bool:
        if path in ("$name", "$type", "$id"):
            return True
        if self.is_item:
            return path_in(self.item, path)
        return bool(path_targets(self.type_name, path))

    def items(self, path: str) -> list[Scope]:
        if self.is_item:
            found = [hint for hint in _item_types(self.item, path)]
        else:
            found = item_targets(self.type_name, path)
        return [Scope(self.type_name, hint, True) for hint in found]


def _item_types(hint: Any, path: str) -> list[Any]:
    import typing_extensions

    from scanner.resources.validate import _step

    hints = [hint]
    for part in path.split("."):
        hints = [h for current in hints for h in _step(current, part)]
    found = []
    for h in hints:
        if typing_extensions.get_origin(h) is list:
            found.append(typing_extensions.get_args(h)[0])
        else:
            found.append(h)
    return found


def condition_problems(condition: dict[str, Any], scopes: list[Scope], where: str) -> list[str]:
    problems: list[str] = []
    if "items" in condition:
        inner = [s for scope in scopes for s in scope.items(condition["items"])]
        if not inner:
            return [f"{where}: items '{condition['items']}' is no list attribute of {_names(scopes)}"]
        for quantifier in ("some", "every", "none"):
            if quantifier in condition:
                problems += condition_problems(condition[quantifier], inner, f"{where}.{quantifier}")
        return problems
    if "relation" in condition:
        name = condition["relation"]
        incoming = condition.get("direction") == "incoming"
        targets: set[str] = set()
        for scope in scopes:
            if incoming:
                targets.update(REGISTRY.incoming(scope.type_name, name))
            else:
                relation = REGISTRY.get(scope.type_name).relation(name)
                targets.update(relation.targets if relation else ())
        if not targets:
            return [f"{where}: no relation '{name}' {'into' if incoming else 'from'} {_names(scopes)}"]
        inner = [Scope(t) for t in sorted(targets)]
        for quantifier in ("some", "every", "none"):
            if quantifier in condition:
                problems += condition_problems(condition[quantifier], inner, f"{where}.{quantifier}")
        return problems
    for combinator in ("all", "any"):
        if combinator in condition:
            parts = condition[combinator]
            for index, part in enumerate(parts if isinstance(parts, list) else [parts]):
                problems += condition_problems(part, scopes, f"{where}.{combinator}[{index}]")
            return problems
    if "not" in condition:
        return condition_problems(condition["not"], scopes, f"{where}.not")
    if "key" in condition and not any(scope.has(condition["key"]) for scope in scopes):
        return [f"{where}: attribute '{condition['key']}' exists on none of {_names(scopes)}"]
    return problems


def _names(scopes: list[Scope]) -> str:
    return ", ".join(sorted({s.type_name + (" items" if s.is_item else "") for s in scopes}))


_TEMPLATE = re.compile(r"\{([A-Za-z0-9_.$*-]+)(?:\|[^{}|]*)?\}")


def rule_problems(rule: Rule) -> list[str]:
    """Every attribute path and relation a rule names that the registry does not know."""
    where = rule.id
    if rule.resource not in REGISTRY:
        return [f"{where}: resource '{rule.resource}' is not registered"]
    problems = [f"{where}: requires '{t}' is not registered" for t in rule.requires if t not in REGISTRY]
    scope = Scope(rule.resource)
    problems += condition_problems(rule.condition, [scope], f"{where}: condition")
    for path in (rule.location or "").split("|") if rule.location else []:
        if path != "{item}" and not scope.has(path):  # {item}: the for_each item, itself an attribute path
            problems.append(f"{where}: location '{path}' is no attribute of {rule.resource}")
    if rule.for_each and not scope.has(rule.for_each):
        problems.append(f"{where}: for_each '{rule.for_each}' is no attribute of {rule.resource}")
    for name in rule.related:
        if REGISTRY.get(rule.resource).relation(name) is None:
            problems.append(f"{where}: related '{name}' is no relation of {rule.resource}")
    for path in _TEMPLATE.findall(rule.message):
        if path in ("name", "type", "id", "item") or path.startswith("params."):
            continue
        if not scope.has(path):
            problems.append(f"{where}: message field '{{{path}}}' is no attribute of {rule.resource}")
    return problems
