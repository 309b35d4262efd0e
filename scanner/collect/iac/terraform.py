"""Terraform configuration (.tf, .tfvars): per file a parsed record, per directory (a module) the resources.

A Terraform module is a directory: variables, locals and resources of its files refer to each other. So each
file is parsed on its own (cacheable, bounded; `file_record`) into an intermediate ``iac.terraform.file``
resource holding its blocks, and `assemble` then evaluates every directory once all files are read: variables
take their value from ``terraform.tfvars`` / ``*.auto.tfvars`` (other ``.tfvars`` files only when they agree
with each other: any one may be passed with ``-var-file``), else their default, else they are unknown;
locals are evaluated on demand; a local module (``source = "./modules/db"``) is evaluated with the inputs
its caller gives (and not again on its own); the terraform-aws-modules ``rds-aurora`` and
``security-group`` modules are expanded into the resources they create (`modules`). The intermediate
records never reach the graph.

Secret-named attributes (``master_password``, ``password``...) are never kept: their literal values are
registered with the redactor and replaced by an unknown in the record.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from scanner import secrets
from scanner.collect.iac import hcl
from scanner.collect.iac.build import Native, Stack, finish
from scanner.collect.iac.hcl_eval import Budget, Encoded, Evaluator, Scope
from scanner.collect.iac.mapping import Mapper
from scanner.collect.iac.values import Unknown
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource, Source
from scanner.source import SourceFile

RECORD = "iac.terraform.file"
MAX_MODULE_DEPTH = 8


def file_record(ctx: ScanContext, source: SourceFile) -> Resource:
    """The parsed file as an intermediate record (DocumentError on a syntax error)."""
    root = hcl.parse(source.text)
    data = root.to_json()
    _mask_secrets(ctx, source.path, data)
    return Resource(id=f"{RECORD}:{source.path}", type=RECORD, name=source.path,
                    attributes={"path": source.path, "tfvars": source.path.endswith(".tfvars"), "body": data},
                    source=Source(file=FileLocation(path=source.path, start_line=1)))


def _mask_secrets(ctx: ScanContext, path: str, block: dict[str, Any]) -> None:
    pending = [block]
    while pending:
        current = pending.pop()
        for name, entry in current["attributes"].items():
            if secrets.is_secret_key(name):
                _mask(ctx, path, entry)
            else:
                _mask_objects(ctx, path, entry[0], entry[1])
        pending.extend(current["blocks"])


def _mask(ctx: ScanContext, path: str, entry: list[Any]) -> None:
    expr = entry[0]
    if expr[0] == "lit" and isinstance(expr[1], str):
        ctx.secret(expr[1], path, entry[1])
        entry[0] = ["secret"]
    elif expr[0] == "tmpl":
        for part in expr[1]:
            if isinstance(part, str):
                ctx.secret(part, path, entry[1])
        entry[0] = ["secret"]


def _mask_objects(ctx: ScanContext, path: str, expr: Any, line: int) -> None:
    """Secret-named keys inside objects (``{ password = "..." }``)."""
    pending = [expr]
    while pending:
        current = pending.pop()
        if not isinstance(current, list) or not current:
            continue
        if current[0] == "object":
            for pair in current[1]:
                key = pair[0]
                if key[0] == "lit" and isinstance(key[1], str) and secrets.is_secret_key(key[1]):
                    holder = [pair[1], line]
                    _mask(ctx, path, holder)
                    pair[1] = holder[0]
                else:
                    pending.append(pair[1])
        elif current[0] in ("tuple",):
            pending.extend(current[1])
        elif current[0] == "call":
            pending.extend(current[2])


# ---------------------------------------------------------------------- assembling directories
class _Directory:
    def __init__(self, path: str) -> None:
        self.path = path
        self.files: list[dict[str, Any]] = []
        self.tfvars: list[dict[str, Any]] = []

    def blocks(self, kind: str) -> Iterable[tuple[str, dict[str, Any]]]:
        for record in self.files:
            for block in record["body"]["blocks"]:
                if block["type"] == kind:
                    yield record["path"], block


def assemble(ctx: ScanContext, resources: list[Resource]) -> list[Resource]:
    """`resources` with the Terraform file records replaced by the resources their directories define."""
    records = [r for r in resources if r.type == RECORD]
    if not records:
        return resources
    kept = [r for r in resources if r.type != RECORD]
    directories: dict[str, _Directory] = {}
    for record in sorted(records, key=lambda r: r.attributes["path"]):
        path = record.attributes["path"]
        directory = directories.setdefault(posixpath.dirname(path), _Directory(posixpath.dirname(path)))
        (directory.tfvars if record.attributes["tfvars"] else directory.files).append(record.attributes)
    called = {child for d in directories.values() for child in _local_modules(d, directories)}
    for path, directory in sorted(directories.items()):
        if path in called or not directory.files:
            continue
        budget = Budget()
        stack = Stack(origin=path or ".", region=None)
        mapper = Mapper(stack)
        try:
            _instantiate(directory, directories, _root_variables(directory), "", mapper, budget, 0)
            kept += finish(mapper.finish())
        except RecursionError:
            ctx.notice("parse-error", "Terraform module nested too deeply; not evaluated", path or ".")
        if budget.spent:
            ctx.notice("parse-error", "Terraform evaluation budget spent: values past it are unknown",
                       path or ".", level="warning")
    return kept


def _local_modules(directory: _Directory, directories: dict[str, _Directory]) -> list[str]:
    found = []
    for _, block in directory.blocks("module"):
        source = _literal(block, "source")
        if isinstance(source, str) and source.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(directory.path, source))
            if target in directories and target != directory.path:
                found.append(target)
    return found


def _literal(block: dict[str, Any], name: str) -> Any:
    entry = block["attributes"].get(name)
    return entry[0][1] if entry and entry[0][0] == "lit" else None


def _root_variables(directory: _Directory) -> dict[str, Any]:
    """Values from the auto-loaded tfvars files; other tfvars files only where they all agree."""
    values: dict[str, Any] = {}
    optional: dict[str, list[Any]] = {}
    empty = Scope({}, {}, "", Budget(100_000))
    for record in directory.tfvars:
        name = posixpath.basename(record["path"])
        auto = name == "terraform.tfvars" or name.endswith(".auto.tfvars")
        for key, entry in record["body"]["attributes"].items():
            value = Evaluator(empty).value(entry[0])
            if auto:
                values[key] = value
            else:
                optional.setdefault(key, []).append(value)
    for key, candidates in optional.items():
        if key in values:
            continue
        if all(candidate == candidates[0] for candidate in candidates) and len(candidates) == 1:
            values[key] = _Maybe(candidates[0])
        else:
            values[key] = Unknown(f"var.{key} differs between .tfvars files")
    return values


class _Maybe:
    """A value from a .tfvars file that is not loaded automatically: it wins over a default only if equal."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _instantiate(directory: _Directory, directories: dict[str, _Directory], inputs: dict[str, Any], prefix: str,
                 mapper: Mapper, budget: Budget, depth: int) -> None:
    """Evaluate one module instance: its variables, locals, providers, resources and module calls."""
    if depth > MAX_MODULE_DEPTH:
        return
    variables: dict[str, Any] = {}
    empty = Scope({}, {}, prefix, budget)
    for _, block in directory.blocks("variable"):
        if not block["labels"]:
            continue
        name = block["labels"][0]
        default_entry = block["attributes"].get("default")
        default = Evaluator(empty).value(default_entry[0]) if default_entry else Unknown(
            f"var.{name} has no default and no value")
        given = inputs.get(name, default)
        if isinstance(given, _Maybe):
            given = given.value if given.value == default else Unknown(
                f"var.{name} is set in a .tfvars file that may or may not be used")
        variables[name] = given
    locals_: dict[str, list[Any]] = {}
    for _, block in directory.blocks("locals"):
        for name, entry in block["attributes"].items():
            locals_[name] = entry[0]
    managed = {f"{b['labels'][0]}.{b['labels'][1]}" for _, b in directory.blocks("resource") if len(b["labels"]) == 2}
    documents: dict[str, tuple[str, dict[str, Any]]] = {}
    for path, block in directory.blocks("data"):
        if len(block["labels"]) == 2 and block["labels"][0] == "aws_iam_policy_document":
            documents[block["labels"][1]] = (path, block)
    scope = Scope(variables, locals_, prefix, budget, managed=managed)
    scope.data = lambda kind, name: _data_source(scope, documents, kind, name)
    if not prefix and mapper.stack.region is None:
        for _, block in directory.blocks("provider"):
            if block["labels"] == ["aws"] and "alias" not in block["attributes"] and "region" in block["attributes"]:
                region = Evaluator(scope).value(block["attributes"]["region"][0])
                mapper.stack.region = region if isinstance(region, str) else None
    for path, block in directory.blocks("resource"):
        if len(block["labels"]) != 2:
            continue
        native_type, name = block["labels"]
        mapper.add(_native(scope, path, block, native_type, f"{prefix}{native_type}.{name}"))
    for path, block in directory.blocks("module"):
        if not block["labels"]:
            continue
        name = block["labels"][0]
        source = _literal(block, "source")
        arguments = {k: Evaluator(scope).value(e[0]) for k, e in block["attributes"].items()
                     if k not in ("source", "version", "providers", "depends_on", "count", "for_each")}
        lines = {k: FileLocation(path=path, start_line=e[1], start_column=e[2]) for k, e in block["attributes"].items()}
        where = FileLocation(path=path, start_line=block["line"])
        child_prefix = f"{prefix}module.{name}."
        if isinstance(source, str) and source.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(directory.path, source))
            if target in directories and target != directory.path:
                _instantiate(directories[target], directories, arguments, child_prefix, mapper, budget, depth + 1)
            continue
        from scanner.collect.iac.modules import expand

        for native in expand(str(source or ""), child_prefix, arguments, where, lines):
            mapper.add(native)


def _native(scope: Scope, path: str, block: dict[str, Any], native_type: str, key: str) -> Native:
    properties, lines = _body(scope, path, block)
    if "count" in block["attributes"] or "for_each" in block["attributes"]:
        count = properties.pop("count", None)
        properties.pop("for_each", None)
        if count == 0:
            properties["__absent__"] = True
    return Native(native_type, key, FileLocation(path=path, start_line=block["line"]), properties, lines)


def _body(scope: Scope, path: str, block: dict[str, Any], placeholders: bool = False) -> tuple[
        dict[str, Any], dict[str, FileLocation]]:
    """A block's attributes evaluated and its nested blocks as lists of objects (the plan's shape);
    `placeholders`: resource references inside strings as ``${address.attr}`` (a policy document's ARNs)."""
    properties: dict[str, Any] = {}
    lines: dict[str, FileLocation] = {}
    for name, (expr, line, column, _) in block["attributes"].items():
        properties[name] = Evaluator(scope, placeholders=placeholders).value(expr)
        lines[name] = FileLocation(path=path, start_line=line, start_column=column)
    for child in block["blocks"]:
        if child["type"] in ("lifecycle", "timeouts", "provisioner", "connection"):
            continue
        if child["type"] == "dynamic":
            properties[child["labels"][0] if child["labels"] else "dynamic"] = Unknown("a dynamic block")
            continue
        nested, _ = _body(scope, path, child, placeholders)
        existing = properties.setdefault(child["type"], [])
        if isinstance(existing, list):
            existing.append(nested)
        lines.setdefault(child["type"], FileLocation(path=path, start_line=child["line"]))
    return properties, lines


def _data_source(scope: Scope, documents: dict[str, tuple[str, dict[str, Any]]], kind: str, name: str) -> Any:
    """``data.aws_iam_policy_document.NAME``: its ``json`` is the document the blocks describe."""
    if kind != "aws_iam_policy_document" or name not in documents:
        return Unknown(f"data.{kind}.{name} is read at plan time")
    path, block = documents[name]
    properties, _ = _body(Scope(scope.variables, scope.locals, scope.prefix, scope.budget, managed=scope.managed),
                          path, block, placeholders=True)
    statements = []
    for statement in properties.get("statement") or []:
        entry: dict[str, Any] = {"Effect": statement.get("effect", "Allow")}
        for prop, key in (("sid", "Sid"), ("actions", "Action"), ("not_actions", "NotAction"),
                          ("resources", "Resource"), ("not_resources", "NotResource")):
            if prop in statement:
                entry[key] = statement[prop]
        for prop, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if prop in statement:
                principal: dict[str, Any] = {}
                for item in statement[prop]:
                    principal.setdefault(str(item.get("type")), [])
                    identifiers = item.get("identifiers")
                    if isinstance(identifiers, Unknown):
                        return identifiers
                    principal[str(item.get("type"))] += identifiers if isinstance(identifiers, list) else [identifiers]
                entry[key] = principal
        if "condition" in statement:
            condition: dict[str, Any] = {}
            for item in statement["condition"]:
                condition.setdefault(str(item.get("test")), {})[str(item.get("variable"))] = item.get("values")
            entry["Condition"] = condition
        statements.append(entry)
    document = {"Version": "2012-10-17", "Statement": statements}
    return {"json": Encoded(_placeholders(document)), "minified_json": Encoded(_placeholders(document))}


def _placeholders(value: Any) -> Any:
    """Resource references inside a policy document as ``${address.attr}`` text (an ARN of the stack)."""
    from scanner.collect.iac.values import Ref

    if isinstance(value, Ref):
        return value.placeholder()
    if isinstance(value, dict):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value
