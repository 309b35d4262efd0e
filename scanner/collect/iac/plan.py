"""Terraform plans as JSON (``terraform show -json plan.out > plan.json``): exact values after plan.

Each resource change that is not a deletion contributes its ``change.after`` values; what
``change.after_unknown`` marks is unknown until apply. A value known only after apply that refers to another
resource of the plan (``vpc_security_group_ids = [aws_security_group.db.id]``) becomes a relation through the
``configuration`` section's ``references``. Modules were expanded by Terraform, so module resources
(``module.db.aws_rds_cluster.this[0]``) are mapped like any other. A plan has no source lines: findings point
at the resource's entry in the JSON (one line when it is not pretty-printed).
"""

from __future__ import annotations

from typing import Any

from scanner import secrets
from scanner.collect.iac.build import Native, Stack, finish
from scanner.collect.iac.mapping import Mapper
from scanner.collect.iac.values import Ref, Unknown
from scanner.context import ScanContext
from scanner.doctree import Node, parse_json
from scanner.model import FileLocation, Resource
from scanner.source import SourceFile


def collect(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    document = parse_json(source.text)
    if not isinstance(document.value, dict):
        return []
    plain = document.plain()
    changes = document.value.get("resource_changes")
    if changes is None or not isinstance(changes.value, list):
        return []
    addresses = {str(c.get("address")) for c in plain.get("resource_changes") or [] if isinstance(c, dict)}
    references = _references(plain.get("configuration") or {}, "")
    _register_variables(ctx, source.path, document, plain)
    stack = Stack(origin=source.path, region=_region(plain))
    mapper = Mapper(stack)
    for node in changes.value:
        change = node.plain()
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            continue
        body = change.get("change") or {}
        if body.get("actions") == ["delete"] or not isinstance(body.get("after"), dict):
            continue
        address = str(change.get("address"))
        base = address.split("[", 1)[0] if address.endswith("]") else address
        values = _merge_unknown(body["after"], body.get("after_unknown") or {})
        for name, value in list(values.items()):
            refs = references.get(base, {}).get(name)
            if refs and _has_unknown(value):
                values[name] = _as_refs(refs, addresses, value)
            elif isinstance(value, str) and value in addresses:
                values[name] = Ref(value)
        where = FileLocation(path=source.path, start_line=node.line, start_column=node.column)
        after = (node.get("change") or node).get("after")
        _register_secrets(ctx, source.path, after, body.get("after_sensitive"))
        lines = {name: FileLocation(path=source.path, start_line=child.line, start_column=child.column)
                 for name, child in (after.value.items() if after is not None and after.is_map else [])}
        mapper.add(Native(str(change.get("type")), address, where, values, lines))
    return finish(mapper.finish())


def _register_secrets(ctx: ScanContext, path: str, after: Node | None, sensitive: Any, depth: int = 0) -> None:
    """A plan shows sensitive values in clear (``master_password``): every value ``after_sensitive`` marks, or
    under a secret-named key, is registered with the redactor (a compact plan is one line: every finding's
    snippet shows it)."""
    if after is None or depth > 32:
        return
    if sensitive is True:
        for value in _scalars(after):
            ctx.secret(value, path, after.line)
        return
    if after.is_map:
        marks = sensitive if isinstance(sensitive, dict) else {}
        for key, child in after.value.items():
            _register_secrets(ctx, path, child, True if secrets.is_secret_key(key) else marks.get(key), depth + 1)
    elif after.is_list:
        marks = sensitive if isinstance(sensitive, list) else []
        for index, child in enumerate(after.value):
            _register_secrets(ctx, path, child, marks[index] if index < len(marks) else None, depth + 1)


def _register_variables(ctx: ScanContext, path: str, document: Node, plan: dict[str, Any]) -> None:
    """Input variables the configuration marks sensitive, or named like a secret, are in clear in a plan too."""
    declared = ((plan.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    variables = document.get("variables")
    for name, entry in (variables.value.items() if variables is not None and variables.is_map else []):
        declaration = declared.get(name) if isinstance(declared, dict) else None
        if secrets.is_secret_key(name) or (isinstance(declaration, dict) and declaration.get("sensitive") is True):
            _register_secrets(ctx, path, entry.get("value"), True)


def _scalars(node: Node) -> list[str]:
    if node.is_map or node.is_list:
        children = node.value.values() if node.is_map else node.value
        return [text for child in children for text in _scalars(child)]
    return [node.value] if isinstance(node.value, str) and node.value else []


def _region(plan: dict[str, Any]) -> str | None:
    config = ((plan.get("configuration") or {}).get("provider_config") or {}).get("aws") or {}
    region = ((config.get("expressions") or {}).get("region") or {}).get("constant_value")
    return region if isinstance(region, str) else None


def _merge_unknown(after: Any, unknown: Any) -> Any:
    """`after` with Unknown where `after_unknown` says true (it mirrors the shape of the value)."""
    if unknown is True:
        return Unknown("known after apply")
    if isinstance(after, dict):
        marks = unknown if isinstance(unknown, dict) else {}
        merged = {k: _merge_unknown(v, marks.get(k)) for k, v in after.items()}
        for key, mark in marks.items():
            if key not in merged and mark is True:
                merged[key] = Unknown("known after apply")
        return merged
    if isinstance(after, list):
        marks = unknown if isinstance(unknown, list) else []
        return [_merge_unknown(v, marks[i] if i < len(marks) else None) for i, v in enumerate(after)]
    return after


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _as_refs(references: list[str], addresses: set[str], value: Any) -> Any:
    """The resources an expression references (``aws_security_group.db.id`` -> ``aws_security_group.db``)."""
    found: list[Any] = []
    for reference in references:
        parts = reference.split(".")
        for end in range(len(parts), 1, -1):
            candidate = ".".join(parts[:end])
            match = next((a for a in (candidate, candidate + "[0]") if a in addresses), None)
            if match is not None:
                if Ref(match) not in found:
                    found.append(Ref(match))
                break
    if not found:
        return value
    return found if isinstance(value, list) or len(found) > 1 else found[0]


def _references(configuration: dict[str, Any], prefix: str) -> dict[str, dict[str, list[str]]]:
    """address -> attribute -> references, for the root module and every module call."""
    found: dict[str, dict[str, list[str]]] = {}
    pending = [(configuration.get("root_module") or {}, prefix, 0)]
    while pending:
        module, module_prefix, depth = pending.pop()
        if not isinstance(module, dict) or depth > 16:
            continue
        for resource in module.get("resources") or []:
            if not isinstance(resource, dict):
                continue
            address = module_prefix + str(resource.get("address"))
            expressions = resource.get("expressions") or {}
            found[address] = {name: [module_prefix + r for r in expression.get("references") or []
                                     if isinstance(r, str)]
                              for name, expression in expressions.items() if isinstance(expression, dict)}
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                pending.append((call.get("module") or {}, f"{module_prefix}module.{name}.", depth + 1))
    return found
