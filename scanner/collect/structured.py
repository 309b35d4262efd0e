"""YAML and JSON documents: connection exports, Astronomer settings, Helm values (the official chart, the
official chart nested under `airflow:` in an umbrella chart, and the community airflow-helm chart), Airflow
Variables (`airflow variables export`, `variables:` lists), and env vars anywhere in them (docker-compose,
Kubernetes manifests, Helm `env`/`secret`/`extraSecrets`, ECS task definitions).

Helm chart templates and other templated YAML (`{{ ... }}`, `{% ... %}`) do not parse as YAML until
rendered: they are read with every template action replaced by a reference, so what they write literally
is still judged and what the chart fills in is not (`scanner.collect.templates`)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from scanner.airflow_config import ConfigBlock, build_config_resources
from scanner.airflow_uri import parse_fields
from scanner.collect import credentials, templates, variables
from scanner.collect.envvars import (
    AIRFLOW_ENV_PREFIXES,
    WWW_USER_PASSWORD,
    EnvBlock,
    is_airflow_env,
    is_env_name,
)
from scanner.connections import FIELD_NAMES, build_connection
from scanner.context import ScanContext
from scanner.doctree import DocumentError, Node, parse_json, parse_yaml
from scanner.model import Resource
from scanner.source import SourceFile, Span

_EXPORT_FIELDS = set(FIELD_NAMES) | {"conn_id", "is_encrypted", "is_extra_encrypted", "team_name"}
_ASTRO_FIELDS = {"conn_id", "conn_type", "conn_host", "conn_login", "conn_password", "conn_port",
                 "conn_schema", "conn_extra", "conn_description"}
# YAML in a block string in YAML in a block string...: levels read (each is parsed again).
MAX_EMBEDDED = 4
_HELM_MARKERS = {"airflowVersion", "defaultAirflowRepository", "defaultAirflowTag", "executor", "images",
                 "fernetKey", "webserverSecretKey", "scheduler", "dags", "triggerer"}


def collect_yaml(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    try:
        documents = parse_yaml(source.text)
    except DocumentError:
        if not templates.is_templated(source.text):
            raise
        return _collect_template(ctx, source)
    return _collect_documents(ctx, source, documents, "yaml")


def _collect_template(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    """A templated YAML file (a Helm chart's `templates/`): its template actions become references."""
    text = templates.detemplate(source.text)
    try:
        documents = parse_yaml(text)
    except DocumentError as exc:
        from scanner.collect import fallback

        # not an error of the scan: the file is YAML only once rendered; its literal lines are still read
        ctx.notice("parse-warning", f"templated YAML (Helm/Jinja) read line by line: {exc.message}", source.path,
                   exc.line, exc.column, level="warning")
        return fallback.collect(ctx, SourceFile(path=source.path, absolute=source.absolute, text=text))
    return _collect_documents(ctx, source, documents, "yaml", lenient=True)


def collect_json(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    document = parse_json(source.text)
    return _collect_documents(ctx, source, [document], "json")


def _collect_documents(ctx: ScanContext, source: SourceFile, documents: list[Node], kind: str,
                       lenient: bool = False) -> list[Resource]:
    resources: list[Resource] = []
    for document in documents:
        if is_connections_export(document):
            resources.extend(_export(ctx, source, document, f"export-{kind}"))
            continue
        if is_variables_export(source, document):
            resources.extend(_variables_export(ctx, source, document))
            continue
        astro = _astro_connections(document)
        if astro is not None:
            resources.extend(_astro(ctx, source, astro))
        resources.extend(_astro_variables(ctx, source, document))
        resources.extend(_helm(ctx, source, document))
        resources.extend(_cloudformation_mwaa(ctx, source, document))
        resources.extend(EnvWalker(ctx, source, _origin_of(source, document), lenient=lenient).walk(document))
    return credentials.dedupe(resources)


def _origin_of(source: SourceFile, document: Node) -> str:
    name = source.name.lower()
    if document.is_map and "services" in document.value and ("compose" in name or "version" in document.value
                                                             or isinstance(document.value["services"].value, dict)):
        return "compose"
    if document.is_map and ("apiVersion" in document.value and "kind" in document.value):
        return "kubernetes"
    if is_airflow_helm_values(document) or "values" in name or _community_values(document) is not None:
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
    return [found for conn_id, entry in document.value.items()
            for found in _with_login_key(ctx, _field_connection(ctx, source, str(conn_id), entry, names, origin))]


def _plain(node: Node | None) -> Any:
    return None if node is None else node.plain()


def _field_connection(ctx: ScanContext, source: SourceFile, conn_id: str, entry: Node, names: dict[str, str],
                      origin: str) -> Resource:
    """A connection written field by field; `names` maps connection fields to the keys used here."""
    fields = {field: entry.value[key] for field, key in names.items() if key in entry.value}
    parsed = parse_fields({field: node.plain() for field, node in fields.items()}, strict_port=False)
    # Field-by-field definitions know exactly where each field is: where its value is written, or where a
    # YAML alias puts an anchored value into this connection (`conn_password: *pw`).
    aliases = entry.aliases or {}

    def place(field: str) -> Any:
        key = names[field]
        if key in aliases:
            line, column, end_line, end_column = aliases[key]
            return source.location(line, column, end_line, end_column)
        return source.span_location(fields[field])

    exact = {field: place(field) for field in ("password", "login", "host") if field in fields}
    extra_node = fields.get("extra")
    if extra_node is not None and extra_node.is_map:
        exact.update({f"extra.{key}": source.span_location(value) for key, value in extra_node.value.items()})
    return build_connection(ctx, conn_id, parsed, origin=origin, definition="fields",
                            location=source.span_location(entry), locator=lambda needles: source.find(entry, needles),
                            field_locations=exact)


def _with_login_key(ctx: ScanContext, resource: Resource) -> list[Resource]:
    return [resource, *credentials.connection_login_key(ctx, resource)]


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
        resources.extend(_with_login_key(ctx, _field_connection(ctx, source, str(conn_id), entry, names, "astro")))
    return resources


def _astro_variables(ctx: ScanContext, source: SourceFile, document: Node) -> list[Resource]:
    """`airflow.variables: [{variable_name, variable_value}]` of Astronomer's `airflow_settings.yaml`."""
    airflow = document.get("airflow") if document.is_map else None
    entries = airflow.get("variables") if airflow is not None and airflow.is_map else None
    if entries is None or not entries.is_list:
        return []
    return _variable_list(ctx, source, entries, "variable_name", "variable_value", "astro")


def _variable_list(ctx: ScanContext, source: SourceFile, entries: Node, key_field: str, value_field: str,
                   origin: str) -> list[Resource]:
    resources: list[Resource] = []
    for entry in entries.value:
        if not entry.is_map:
            continue
        key, value = entry.get(key_field), entry.get(value_field)
        if key is None or value is None or not key.is_scalar or not value.is_scalar or key.value in (None, ""):
            continue
        resources.extend(variables.variable(ctx, str(key.value), value.value, source.span_location(value),
                                            origin=origin, locator=lambda needles, v=value: source.find(v, needles)))
    return resources


# ------------------------------------------------------------------ airflow variables export (JSON)

def is_variables_export(source: SourceFile, document: Node) -> bool:
    """`airflow variables export` output: a flat JSON object of keys to values, in a file named for it
    (`variables.json`, `vars.json`, `*-variables.json`) or in a `variables/` folder."""
    if not source.path.endswith(".json") or not document.is_map or not document.value:
        return False
    name = source.name.lower()
    folder = source.path.rsplit("/", 2)[-2].lower() if source.path.count("/") else ""
    if "variable" not in name and not name.startswith(("vars.", "vars-", "vars_")) and folder != "variables":
        return False
    return all(value.is_scalar or value.is_map for value in document.value.values())


def _variables_export(ctx: ScanContext, source: SourceFile, document: Node) -> list[Resource]:
    resources: list[Resource] = []
    for key, value in document.value.items():
        if not value.is_scalar:
            continue
        resources.extend(variables.variable(ctx, str(key), value.value, source.span_location(value),
                                            origin="variables-export",
                                            locator=lambda needles, v=value: source.find(v, needles)))
    return resources


# ------------------------------------------------------------------ Helm chart values (`config:` etc.)

def is_airflow_helm_values(document: Node) -> bool:
    if not document.is_map:
        return False
    keys = set(document.value)
    config = document.get("config")
    return bool(keys & _HELM_MARKERS) and (config is None or config.is_map) and len(keys & _HELM_MARKERS) >= 2


# Keys only the community chart (airflow-helm/charts) has under `airflow:`.
_COMMUNITY_MARKERS = {"legacyCommands", "usersTemplates", "usersUpdate", "connectionsTemplates", "connectionsUpdate",
                      "variablesTemplates", "variablesUpdate", "poolsUpdate", "extraPipPackages", "protectedPipPackages",
                      "defaultSecurityContext", "kubernetesPodTemplate", "dbMigrations", "clusterDomain", "users",
                      "defaultNodeSelector", "defaultAffinity", "defaultTolerations", "localSettings"}


def _community_values(document: Node) -> Node | None:
    """The `airflow:` block of community-chart values (not Astronomer's `airflow_settings.yaml`)."""
    airflow = document.get("airflow") if document.is_map else None
    if airflow is None or not airflow.is_map:
        return None
    keys = set(airflow.value)
    if keys & _COMMUNITY_MARKERS:
        return airflow
    connections = airflow.get("connections")
    if connections is not None and connections.is_list and any(
            entry.is_map and "id" in entry.value and "conn_id" not in entry.value for entry in connections.value):
        return airflow
    config = airflow.get("config")
    if config is not None and config.is_map and config.value and all(is_airflow_env(k) for k in config.value):
        return airflow
    return None


def _helm(ctx: ScanContext, source: SourceFile, document: Node) -> list[Resource]:
    """Values of the official chart (at the top, or nested under `airflow:` by an umbrella chart that has
    the official chart as a dependency) and of the community chart."""
    community = _community_values(document)
    if community is not None:
        return _helm_config(ctx, source, community, "helm") + _community(ctx, source, document, community)
    found: list[Resource] = []
    if is_airflow_helm_values(document):
        found += _helm_config(ctx, source, document, "helm")
    airflow = document.get("airflow") if document.is_map else None
    if airflow is not None and is_airflow_helm_values(airflow):
        found += _helm_config(ctx, source, airflow, "helm", name="airflow")
    return found


def _scalar(node: Node | None) -> Any:
    return node.value if node is not None and node.is_scalar else None


def _path(node: Node | None, *keys: str) -> Node | None:
    for key in keys:
        if node is None or not node.is_map:
            return None
        node = node.get(key)
    return node


def _helm_config(ctx: ScanContext, source: SourceFile, document: Node, origin: str,
                 name: str = "values") -> list[Resource]:
    block = ConfigBlock(origin=origin, location=source.span_location(document), name=f"{source.path}#{name}")
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
                                      "apiSecretKey": ("api", "secret_key"),
                                      "jwtSecret": ("api_auth", "jwt_secret")}.items():
        node = document.get(chart_key)
        if node is not None and node.is_scalar and isinstance(node.value, str) and node.value != "":
            block.add(section, key, str(node.value), source.span_location(node))
    data = document.get("data")
    _database_block(ctx, source, block, _path(data, "metadataConnection"), ("database", "sql_alchemy_conn"), "")
    _database_block(ctx, source, block, _path(data, "resultBackendConnection"), ("celery", "result_backend"), "db+")
    broker = _path(data, "brokerUrl")
    if broker is not None and isinstance(broker.value, str) and broker.value:
        block.add("celery", "broker_url", broker.value, source.span_location(broker))
    for keys, (section, key) in {("webserver", "defaultUser", "password"): ("webserver_user", "default_user.password"),
                                 ("apiServer", "defaultUser", "password"): ("webserver_user", "default_user.password"),
                                 ("redis", "password"): ("redis", "password"),
                                 ("flower", "password"): ("flower", "password")}.items():
        node = _path(document, *keys)
        if node is not None and isinstance(node.value, str) and node.value:
            block.add(section, key, node.value, source.span_location(node), secret=True)
    extra: list[Resource] = []
    repo = _path(document, "dags", "gitSync", "repo")
    if repo is not None and isinstance(repo.value, str):
        password = credentials.url_password(repo.value)
        if password is not None:
            where = source.find(repo, [password]) or source.span_location(repo)
            extra.append(credentials.resource(ctx, credentials.SECRET, password, where,
                                              "password in the git-sync repository URL"))
    return build_config_resources(ctx, block) + extra


def _database_block(ctx: ScanContext, source: SourceFile, block: ConfigBlock, node: Node | None,
                    setting: tuple[str, str], prefix: str) -> None:
    """The chart's `data.metadataConnection` / `resultBackendConnection`: the URL the chart builds from it
    (`sslmode` defaults to the chart's own default, not judged), placed at the password when one is
    written, else at the host; `sslmode` and `host` keep their own lines."""
    if node is None or not node.is_map:
        return
    password, host = node.get("pass"), node.get("host")
    if _scalar(host) in (None, "") and _scalar(password) in (None, ""):
        return
    user = _scalar(node.get("user")) or "airflow"
    protocol = _scalar(node.get("protocol")) or "postgresql"
    port = _scalar(node.get("port"))
    database = _scalar(node.get("db")) or "airflow"
    host_text = str(_scalar(host) or "localhost") + (f":{port}" if port not in (None, "") else "")
    userinfo = f"{user}:{password.value}" if password is not None and _scalar(password) not in (None, "") else user
    query = ""
    sslmode = node.get("sslmode")
    field_locations = {}
    if sslmode is not None and isinstance(sslmode.value, str) and sslmode.value:
        query = f"?sslmode={sslmode.value}"
        field_locations["extra.sslmode"] = source.span_location(sslmode)
    if host is not None:
        field_locations["host"] = source.span_location(host)
    if password is not None and _scalar(password) not in (None, ""):
        ctx.secret(password.value, source.path, password.line)
        where = source.span_location(password)
    else:
        where = source.span_location(host) if host is not None else source.span_location(node)
    block.add(setting[0], setting[1], f"{prefix}{protocol}://{userinfo}@{host_text}/{database}{query}", where,
              field_locations=field_locations)


def _community(ctx: ScanContext, source: SourceFile, document: Node, airflow: Node) -> list[Resource]:
    """What only the community chart holds: `airflow.users`, `airflow.connections`, `airflow.variables`,
    `externalDatabase`, `redis.password` (its `fernetKey`, `webserverSecretKey` and `extraEnv` are read as
    the official chart's and as env vars)."""
    resources: list[Resource] = []
    block = ConfigBlock(origin="helm", location=source.span_location(document), name=f"{source.path}#community")
    users = airflow.get("users")
    if users is not None and users.is_list:
        for entry in users.value:
            password = _path(entry, "password")
            if password is not None and isinstance(password.value, str) and password.value:
                username = _scalar(entry.get("username")) or "user"
                block.add("webserver_user", f"{username}.password", password.value, source.span_location(password),
                          secret=True)
    connections = airflow.get("connections")
    if connections is not None and connections.is_list:
        names = {"conn_type": "type", "host": "host", "port": "port", "schema": "schema", "login": "login",
                 "password": "password", "extra": "extra", "description": "description"}
        for entry in connections.value:
            conn_id = _scalar(entry.get("id")) if entry.is_map else None
            if conn_id in (None, ""):
                continue
            resources.extend(_with_login_key(ctx, _field_connection(ctx, source, str(conn_id), entry, names,
                                                                    "helm")))
    entries = airflow.get("variables")
    if entries is not None and entries.is_list:
        resources.extend(_variable_list(ctx, source, entries, "key", "value", "helm"))
    database = document.get("externalDatabase")
    if database is not None and database.is_map:
        _community_database(source, block, database)
    for keys in (("redis", "password"), ("externalRedis", "password")):
        node = _path(document, *keys)
        if node is not None and isinstance(node.value, str) and node.value:
            block.add("redis", "password", node.value, source.span_location(node), secret=True)
    return resources + build_config_resources(ctx, block)


def _community_database(source: SourceFile, block: ConfigBlock, database: Node) -> None:
    """`externalDatabase` (type, host, port, database, user, password, properties): the metadata database."""
    host = database.get("host")
    if _scalar(host) in (None, ""):
        return
    scheme = {"mysql": "mysql"}.get(str(_scalar(database.get("type")) or "postgres"), "postgresql")
    user = _scalar(database.get("user")) or "airflow"
    password = database.get("password")
    port = _scalar(database.get("port"))
    name = _scalar(database.get("database")) or "airflow"
    properties = database.get("properties")
    query = str(_scalar(properties) or "")
    if query and not query.startswith("?"):
        query = "?" + query
    literal = isinstance(_scalar(password), str) and password.value != ""  # type: ignore[union-attr]
    userinfo = f"{user}:{password.value}" if literal else user  # type: ignore[union-attr]
    field_locations = {"host": source.span_location(host)}  # type: ignore[arg-type]
    if properties is not None and query:
        field_locations.update({f"extra.{key}": source.span_location(properties)
                                for key in ("sslmode", "ssl_mode", "ssl_disabled")})
    where = source.span_location(password if literal else host)  # type: ignore[arg-type]
    block.add("database", "sql_alchemy_conn",
              f"{scheme}://{userinfo}@{host.value}" + (f":{port}" if port else "") + f"/{name}{query}",  # type: ignore[union-attr]
              where, field_locations=field_locations)


def _cloudformation_mwaa(ctx: ScanContext, source: SourceFile, document: Node) -> list[Resource]:
    """`AWS::MWAA::Environment` `AirflowConfigurationOptions` (`{"core.x": "v"}`) in a CloudFormation template."""
    found: list[Resource] = []
    resources = document.get("Resources") if document.is_map else None
    if resources is None or not resources.is_map:
        return found
    for logical, resource in resources.value.items():
        if _scalar(_path(resource, "Type")) != "AWS::MWAA::Environment":
            continue
        options = _path(resource, "Properties", "AirflowConfigurationOptions")
        if options is None or not options.is_map:
            continue
        block = ConfigBlock(origin="mwaa", location=source.span_location(options), name=f"{source.path}#{logical}")
        for name, value in options.value.items():
            section, dot, key = str(name).partition(".")
            if dot and value.is_scalar and isinstance(value.value, str):
                block.add(section, key, value.value, source.span_location(value))
        found += build_config_resources(ctx, block)
    return found


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


# ------------------------------------------------------------------ env vars anywhere in a tree

# Keys whose map or list is a process environment: every variable in it is judged, whatever its name.
_ENV_CONTAINERS = {"environment", "env", "extraEnv", "stringData", "envVars", "environmentVariables",
                   "extraEnvVars", "secretEnv"}
# Subtrees that name env vars without setting them (the official chart's switches of its own secrets).
_NOT_ENV = {"enableBuiltInSecretEnvVars"}
# The walk's steps (`EnvWalker._visit`): (action, node, four fields as the action reads them).
_VISIT, _ENV, _ITEM = "visit", "env", "item"
_Step = tuple[str, Node, Any, Any, Any, Any]


class EnvWalker:
    """Finds `AIRFLOW_CONN_*` / `AIRFLOW__*` / `AIRFLOW_VAR_*` variables in any YAML/JSON tree, and in
    blocks that are an environment (compose `environment:`, container `env:`, a Secret's `stringData`/`data`)
    every variable holding a secret.

    Shapes: ``KEY: value`` maps (compose `environment:`, Secret `stringData:`), ``- KEY=value`` lists
    (compose), ``{name: KEY, value: ...}`` items (Kubernetes/Helm `env:`, ECS), base64 `data:` of a
    Kubernetes Secret, and YAML embedded in block strings (Helm `extraSecrets`, `extraEnv`). A URL with a
    password in any string (a git-sync repository, an index) is a credential too.
    Each value node is read once, so YAML aliases and merges do not duplicate findings.
    `lenient`: a templated file; a connection value that does not parse is a template, not an error.
    """

    def __init__(self, ctx: ScanContext, source: SourceFile, origin: str, line_offset: int = 0,
                 column_offset: int = 0, lenient: bool = False) -> None:
        self.ctx = ctx
        self.source = source
        self.origin = origin
        self.lenient = lenient
        self.extra: list[Resource] = []
        # documents parsed from strings, kept alive while the walk runs: `seen` holds ids of their nodes,
        # and an id is only unique among objects alive at the same time
        self.parsed: list[list[Node]] = []
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
        return resources + self.extra

    def _span(self, node: Node) -> Span:
        return Span(node.line + self.line_offset, node.column + (self.column_offset if node.line == 1 else 0),
                    node.end_line + self.line_offset, node.end_column)

    def _block(self, container: Node, path: tuple[str, ...]) -> EnvBlock:
        block = self.blocks.get(id(container))
        if block is None:
            label = "/".join(path) if path else "document"
            block = EnvBlock(self.ctx, self.source, self.origin, f"{self.source.path}#{label}",
                             self._span(container), lenient=self.lenient)
            self.blocks[id(container)] = block
            self.order.append(block)
        return block

    def _add(self, container: Node, path: tuple[str, ...], name: str, value: Any, entry: Node,
             value_node: Node | None, plain: bool = False) -> None:
        key = id(value_node) if value_node is not None else id(entry)
        if key in self.seen:
            return
        self.seen.add(key)
        span = self._span(entry)
        value_span = self._span(value_node) if value_node is not None else span
        self._block(container, path).add(name, value, span, value_span, plain=plain)

    def _visit(self, root: Node, base64_data: bool, path: tuple[str, ...]) -> None:
        """Depth first in document order, with an explicit stack (no recursion limit to reach). A container
        reached again through a YAML alias is not walked again: every value in it was read the first time.
        Each stack entry is (action, node, four fields), one shape for all actions, so that popping one
        builds no list (this loop runs once per value of every config file)."""
        pending: list[_Step] = [(_VISIT, root, base64_data, path, None, None)]
        while pending:
            action, node, first, second, third, fourth = pending.pop()
            if action == _ENV:  # `KEY: value` in a map, in its turn: (key, value node, base64_data, path)
                key, child = first, second
                value = child.value
                if third and isinstance(value, str):
                    decoded = _b64(value)
                    if decoded != value:
                        self.ctx.secret(value, self.source.path, child.line + self.line_offset)
                    value = decoded
                self._add(node, fourth, key, value, child, child, plain=not is_airflow_env(key))
                continue
            if action == _ITEM:  # `- KEY=value` in a list, in its turn: (path, name, value, entry)
                self._add(node, first, second, third, fourth, fourth, plain=not is_airflow_env(second))
                continue
            base64_data, path = first, second
            value = node.value
            if isinstance(value, dict):
                later = self._map_steps(node, value, base64_data, path)
            elif isinstance(value, list):
                later = self._list_steps(node, value, base64_data, path)
            else:
                if _embeds_env(value):
                    self._embedded(node, base64_data, path)
                elif _may_hold_url_password(value):
                    self._url_password(node)
                continue
            pending.extend(reversed(later))

    def _first_visit(self, node: Node, base64_data: bool) -> bool:
        """Whether this container is walked now (not reached again through an alias or a merge)."""
        key = (id(node), base64_data)
        if key in self.visited:
            return False
        self.visited.add(key)
        return True

    def _map_steps(self, node: Node, value: dict[str, Node], base64_data: bool, path: tuple[str, ...]) -> list[_Step]:
        """What a map holds for the walk, in order: its env vars (`KEY: value`), the values to visit."""
        if not self._first_visit(node, base64_data):
            return []
        name_node, value_node = value.get("name"), value.get("value")
        if (name_node is not None and isinstance(name_node.value, str)
                and (is_airflow_env(name_node.value) or (is_env_name(name_node.value) and _env_item(node)))
                and value_node is not None and value_node.is_scalar):
            self._add(node, path[:-1], name_node.value, value_node.value, node, value_node,
                      plain=not is_airflow_env(name_node.value))
            return []
        kind_node = value.get("kind")
        is_secret = kind_node is not None and kind_node.value == "Secret"
        env_map = bool(path) and (path[-1] in _ENV_CONTAINERS or base64_data)
        later: list[_Step] = []
        for key, child in value.items():
            if key in _NOT_ENV:
                continue
            child_value = child.value
            if not isinstance(child_value, (dict, list)):
                # `is_airflow_env` and `_may_hold_more`, inlined: they are asked of every scalar in the file
                if key.startswith(AIRFLOW_ENV_PREFIXES) or key == WWW_USER_PASSWORD or (env_map and is_env_name(key)):
                    later.append((_ENV, node, key, child, base64_data, path))
                    continue
                if not (isinstance(child_value, str) and (("AIRFLOW_" in child_value and "\n" in child_value)
                                                          or ("://" in child_value and "@" in child_value))):
                    continue  # a scalar the visit would read nothing from: not queued
            later.append((_VISIT, child, (is_secret and key == "data") or (base64_data and key != "stringData"),
                          path + (str(key),), None, None))
        return later

    def _list_steps(self, node: Node, value: list[Node], base64_data: bool, path: tuple[str, ...]) -> list[_Step]:
        """What a list holds for the walk, in order: its `KEY=value` items, the entries to visit."""
        if not self._first_visit(node, base64_data):
            return []
        in_env = bool(path) and (path[-1] in _ENV_CONTAINERS or base64_data)
        later: list[_Step] = []
        for index, entry in enumerate(value):
            entry_value = entry.value
            if isinstance(entry_value, str) and "=" in entry_value:
                name, _, item_value = entry_value.partition("=")
                name = name.strip()
                if is_airflow_env(name) or (in_env and is_env_name(name)):
                    later.append((_ITEM, node, path, name, item_value, entry))
                    continue
            if not isinstance(entry_value, (dict, list)) and not _may_hold_more(entry_value):
                continue
            later.append((_VISIT, entry, base64_data, path + (str(index),), None, None))
        return later

    def _url_password(self, node: Node) -> None:
        """A string that is a URL with a password (a git remote, a package index): a secret."""
        if id(node) in self.seen:
            return
        password = credentials.url_password(node.value)
        if password is None:
            return
        self.seen.add(id(node))
        span = self._span(node)
        where = self.source.find(span, [password]) or self.source.span_location(span)
        self.extra.append(credentials.resource(self.ctx, credentials.SECRET, password, where, "password in a URL"))

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
        self.parsed.append(documents)
        # A block scalar's content starts on the line after its indicator.
        offset = node.line if node.style in ("|", ">") else node.line - 1
        inner = EnvWalker(self.ctx, self.source, self.origin, line_offset=offset + self.line_offset,
                          lenient=self.lenient)
        inner.extra = self.extra
        inner.parsed = self.parsed
        inner.seen = self.seen
        inner.visited = self.visited
        inner.embedding = self.embedding + 1
        is_data = base64_data or (path and path[-1] == "data")
        for document in documents:
            inner._visit(document, base64_data=bool(is_data), path=path)
        for block in inner.order:
            self.order.append(block)


def _embeds_env(value: Any) -> bool:
    """A string that may embed Airflow settings (an env file or YAML block in a scalar)."""
    return isinstance(value, str) and "AIRFLOW_" in value and "\n" in value


def _may_hold_url_password(value: Any) -> bool:
    """A string that may be a URL with a password in it."""
    return isinstance(value, str) and "://" in value and "@" in value


def _may_hold_more(value: Any) -> bool:
    """A scalar the walk reads something from (the tests of `EnvWalker._visit` on a scalar, made before it
    is queued)."""
    return _embeds_env(value) or _may_hold_url_password(value)


def _env_item(node: Node) -> bool:
    """`{name: X, value: Y}` (Kubernetes / Helm `env:`, ECS `environment:`), nothing else but `valueFrom`."""
    return set(node.value) <= {"name", "value", "valueFrom"}


def _b64(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value
