"""YAML and JSON documents: connection exports, Astronomer settings, Helm values, and env vars
anywhere in them (docker-compose, Kubernetes manifests, Helm `env`/`secret`/`extraSecrets`, ECS task
definitions)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from scanner.airflow_config import ConfigBlock, build_config
from scanner.airflow_uri import parse_fields
from scanner.collect.envvars import EnvBlock, is_airflow_env
from scanner.collect.source import SourceFile, Span
from scanner.collect.tree import DocumentError, Node, parse_json, parse_yaml
from scanner.connections import FIELD_NAMES, build_connection
from scanner.context import ScanContext
from scanner.model import Resource

_EXPORT_FIELDS = set(FIELD_NAMES) | {"conn_id", "is_encrypted", "is_extra_encrypted", "team_name"}
_ASTRO_FIELDS = {"conn_id", "conn_type", "conn_host", "conn_login", "conn_password", "conn_port",
                 "conn_schema", "conn_extra", "conn_description"}
# YAML in a block string in YAML in a block string...: levels read (each is parsed again).
MAX_EMBEDDED = 4
_HELM_MARKERS = {"airflowVersion", "defaultAirflowRepository", "defaultAirflowTag", "executor", "images",
                 "fernetKey", "webserverSecretKey", "scheduler", "dags", "triggerer"}


def collect_yaml(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    documents = parse_yaml(source.text)
    return _collect_documents(ctx, source, documents, "yaml")


def collect_json(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    document = parse_json(source.text)
    return _collect_documents(ctx, source, [document], "json")


def _collect_documents(ctx: ScanContext, source: SourceFile, documents: list[Node], kind: str) -> list[Resource]:
    resources: list[Resource] = []
    for document in documents:
        if is_connections_export(document):
            resources.extend(_export(ctx, source, document, f"export-{kind}"))
            continue
        astro = _astro_connections(document)
        if astro is not None:
            resources.extend(_astro(ctx, source, astro))
        if is_airflow_helm_values(document):
            resources.extend(_helm_config(ctx, source, document))
        resources.extend(EnvWalker(ctx, source, _origin_of(source, document)).walk(document))
    return resources


def _origin_of(source: SourceFile, document: Node) -> str:
    name = source.name.lower()
    if document.is_map and "services" in document.value and ("compose" in name or "version" in document.value
                                                             or isinstance(document.value["services"].value, dict)):
        return "compose"
    if document.is_map and ("apiVersion" in document.value and "kind" in document.value):
        return "kubernetes"
    if is_airflow_helm_values(document) or "values" in name:
        return "helm"
    if document.is_map and "containerDefinitions" in document.value:
        return "ecs"
    return "yaml" if source.name.endswith((".yml", ".yaml")) else "json"


# ------------------------------------------------------------------ airflow connections export

def is_connections_export(document: Node) -> bool:
    """`airflow connections export` JSON/YAML: ``{conn_id: {conn_type: ..., host: ...}}``."""
    if not document.is_map or not document.value:
        return False
    has_type = False
    for value in document.value.values():
        if not value.is_map or not value.value:
            return False
        keys = set(value.value)
        if not keys <= _EXPORT_FIELDS:
            return False
        has_type = has_type or "conn_type" in keys
    return has_type


def _export(ctx: ScanContext, source: SourceFile, document: Node, origin: str) -> list[Resource]:
    names = {name: name for name in FIELD_NAMES}
    return [_field_connection(ctx, source, str(conn_id), entry, names, origin)
            for conn_id, entry in document.value.items()]


def _plain(node: Node | None) -> Any:
    return None if node is None else node.plain()


def _field_connection(ctx: ScanContext, source: SourceFile, conn_id: str, entry: Node, names: dict[str, str],
                      origin: str) -> Resource:
    """A connection written field by field; `names` maps connection fields to the keys used here."""
    fields = {field: entry.value[key] for field, key in names.items() if key in entry.value}
    parsed = parse_fields({field: node.plain() for field, node in fields.items()}, strict_port=False)
    # Field-by-field definitions know exactly where each field is.
    exact = {field: source.span_location(fields[field]) for field in ("password", "login", "host")
             if field in fields}
    extra_node = fields.get("extra")
    if extra_node is not None and extra_node.is_map:
        exact.update({f"extra.{key}": source.span_location(value) for key, value in extra_node.value.items()})
    return build_connection(ctx, conn_id, parsed, origin=origin, definition="fields",
                            location=source.span_location(entry), locator=lambda needles: source.find(entry, needles),
                            field_locations=exact)


# ------------------------------------------------------------------ Astronomer airflow_settings.yaml

def _astro_connections(document: Node) -> Node | None:
    airflow = document.get("airflow") if document.is_map else None
    if airflow is None or not airflow.is_map:
        return None
    connections = airflow.get("connections")
    if connections is None or not connections.is_list:
        return None
    return connections


def _astro(ctx: ScanContext, source: SourceFile, connections: Node) -> list[Resource]:
    names = {"conn_type": "conn_type", "host": "conn_host", "port": "conn_port", "schema": "conn_schema",
             "login": "conn_login", "password": "conn_password", "extra": "conn_extra",
             "description": "conn_description"}
    resources = []
    for entry in connections.value:
        if not entry.is_map or "conn_id" not in entry.value:
            continue
        conn_id = _plain(entry.value["conn_id"])
        if conn_id in (None, ""):
            continue
        resources.append(_field_connection(ctx, source, str(conn_id), entry, names, "astro"))
    return resources


# ------------------------------------------------------------------ Helm chart values (`config:` etc.)

def is_airflow_helm_values(document: Node) -> bool:
    if not document.is_map:
        return False
    keys = set(document.value)
    config = document.get("config")
    return bool(keys & _HELM_MARKERS) and (config is None or config.is_map) and len(keys & _HELM_MARKERS) >= 2


def _helm_config(ctx: ScanContext, source: SourceFile, document: Node) -> list[Resource]:
    block = ConfigBlock(origin="helm", location=source.span_location(document), name=f"{source.path}#values")
    config = document.get("config")
    if config is not None and config.is_map:
        for section, entries in config.value.items():
            if not entries.is_map:
                continue
            for key, value in entries.value.items():
                if value.is_scalar and value.value is not None:
                    block.add(section, key, _setting_text(value.value), source.span_location(value))
    for chart_key, (section, key) in {"fernetKey": ("core", "fernet_key"),
                                      "webserverSecretKey": ("webserver", "secret_key"),
                                      "jwtSecret": ("api_auth", "jwt_secret")}.items():
        node = document.get(chart_key)
        if node is not None and node.is_scalar and node.value not in (None, ""):
            block.add(section, key, str(node.value), source.span_location(node))
    data = document.get("data")
    metadata = data.get("metadataConnection") if data is not None and data.is_map else None
    if metadata is not None and metadata.is_map:
        password = metadata.get("pass")
        if password is not None and password.is_scalar and password.value not in (None, ""):
            user = _plain(metadata.get("user")) or "airflow"
            host = _plain(metadata.get("host")) or "localhost"
            protocol = _plain(metadata.get("protocol")) or "postgresql"
            ctx.secret(password.value, source.path, password.line)
            block.add("database", "sql_alchemy_conn",
                      f"{protocol}://{user}:{password.value}@{host}/", source.span_location(password))
    resource = build_config(ctx, block)
    return [resource] if resource else []


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


# ------------------------------------------------------------------ env vars anywhere in a tree

class EnvWalker:
    """Finds `AIRFLOW_CONN_*` / `AIRFLOW__*` variables in any YAML/JSON tree.

    Shapes: ``KEY: value`` maps (compose `environment:`, Secret `stringData:`), ``- KEY=value`` lists
    (compose), ``{name: KEY, value: ...}`` items (Kubernetes/Helm `env:`, ECS), base64 `data:` of a
    Kubernetes Secret, and YAML embedded in block strings (Helm `extraSecrets`, `extraEnv`).
    Each value node is read once, so YAML aliases and merges do not duplicate findings.
    """

    def __init__(self, ctx: ScanContext, source: SourceFile, origin: str, line_offset: int = 0,
                 column_offset: int = 0) -> None:
        self.ctx = ctx
        self.source = source
        self.origin = origin
        self.seen: set[int] = set()
        self.visited: set[tuple[int, bool]] = set()  # (container, base64_data) walked already
        self.embedding = 0  # how deep in YAML embedded in strings this walker reads
        self.blocks: dict[int, EnvBlock] = {}
        self.order: list[EnvBlock] = []
        self.line_offset = line_offset
        self.column_offset = column_offset

    def walk(self, node: Node) -> list[Resource]:
        self._visit(node, base64_data=False, path=())
        resources: list[Resource] = []
        for block in self.order:
            resources.extend(block.finish())
        return resources

    def _span(self, node: Node) -> Span:
        return Span(node.line + self.line_offset, node.column + (self.column_offset if node.line == 1 else 0),
                    node.end_line + self.line_offset, node.end_column)

    def _block(self, container: Node, path: tuple[str, ...]) -> EnvBlock:
        block = self.blocks.get(id(container))
        if block is None:
            label = "/".join(path) if path else "document"
            block = EnvBlock(self.ctx, self.source, self.origin, f"{self.source.path}#{label}",
                             self._span(container))
            self.blocks[id(container)] = block
            self.order.append(block)
        return block

    def _add(self, container: Node, path: tuple[str, ...], name: str, value: Any, entry: Node,
             value_node: Node | None) -> None:
        key = id(value_node) if value_node is not None else id(entry)
        if key in self.seen:
            return
        self.seen.add(key)
        span = self._span(entry)
        value_span = self._span(value_node) if value_node is not None else span
        self._block(container, path).add(name, value, span, value_span)

    def _visit(self, root: Node, base64_data: bool, path: tuple[str, ...]) -> None:
        """Depth first in document order, with an explicit stack (no recursion limit to reach). A container
        reached again through a YAML alias is not walked again: every value in it was read the first time."""
        pending: list[tuple[Any, ...]] = [("visit", root, base64_data, path)]
        while pending:
            action, node, *rest = pending.pop()
            if action == "env":  # `KEY: value` in a map, in its turn
                key, child, base64_data, path = rest
                value = child.value
                if base64_data and isinstance(value, str):
                    decoded = _b64(value)
                    if decoded != value:
                        self.ctx.secret(value, self.source.path, child.line + self.line_offset)
                    value = decoded
                self._add(node, path, key, value, child, child)
                continue
            if action == "item":  # `- KEY=value` in a list, in its turn
                path, name, value, entry = rest
                self._add(node, path, name, value, entry, entry)
                continue
            base64_data, path = rest
            if not node.is_scalar:
                if (id(node), base64_data) in self.visited:
                    continue
                self.visited.add((id(node), base64_data))
            later: list[tuple[Any, ...]] = []
            if node.is_map:
                is_secret = _plain(node.get("kind")) == "Secret"
                name_node, value_node = node.get("name"), node.get("value")
                if (name_node is not None and name_node.is_scalar and isinstance(name_node.value, str)
                        and is_airflow_env(name_node.value) and value_node is not None and value_node.is_scalar):
                    self._add(node, path[:-1], name_node.value, value_node.value, node, value_node)
                    continue
                for key, child in node.value.items():
                    if is_airflow_env(key) and child.is_scalar:
                        later.append(("env", node, key, child, base64_data, path))
                        continue
                    later.append(("visit", child, (is_secret and key == "data") or (base64_data and key != "stringData"),
                                  path + (str(key),)))
            elif node.is_list:
                for index, entry in enumerate(node.value):
                    if entry.is_scalar and isinstance(entry.value, str) and "=" in entry.value:
                        name, _, value = entry.value.partition("=")
                        if is_airflow_env(name.strip()):
                            later.append(("item", node, path, name.strip(), value, entry))
                            continue
                    later.append(("visit", entry, base64_data, path + (str(index),)))
            elif isinstance(node.value, str) and "AIRFLOW_" in node.value and "\n" in node.value:
                self._embedded(node, base64_data, path)
            pending.extend(reversed(later))

    def _embedded(self, node: Node, base64_data: bool, path: tuple[str, ...]) -> None:
        """YAML written inside a block string (Helm `extraSecrets.x.stringData: |`, `extraEnv: |`)."""
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if self.embedding >= MAX_EMBEDDED:
            self.ctx.notice("parse-error", f"YAML inside strings nested more than {MAX_EMBEDDED} levels deep; "
                            "the inner levels were not read", self.source.path, node.line + self.line_offset)
            return
        try:
            documents = parse_yaml(node.value)
        except DocumentError:
            return
        # A block scalar's content starts on the line after its indicator.
        offset = node.line if node.style in ("|", ">") else node.line - 1
        inner = EnvWalker(self.ctx, self.source, self.origin, line_offset=offset + self.line_offset)
        inner.seen = self.seen
        inner.visited = self.visited
        inner.embedding = self.embedding + 1
        is_data = base64_data or (path and path[-1] == "data")
        for document in documents:
            inner._visit(document, base64_data=bool(is_data), path=path)
        for block in inner.order:
            self.order.append(block)


def _b64(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value
