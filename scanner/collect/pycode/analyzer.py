"""Static analysis of one Python file: credentials and connections in DAG code, and who uses which
connection. Reads the syntax tree only; nothing is imported or executed."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner import secrets
from scanner.airflow_config import ConfigBlock, build_config, env_setting
from scanner.airflow_uri import ConnectionValueError, normalize_conn_type, parse_fields, parse_uri
from scanner.collect.pycode import patterns, walk
from scanner.collect.pycode.values import (
    Evaluated,
    Evaluator,
    Scope,
    Unknown,
    bind_targets,
    constant_text,
    dotted_name,
    plain,
    to_text,
)
from scanner.collect.source import SourceFile
from scanner.connections import build_connection, conn_id_from_env, connection_from_value, uris_in_text
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource, Source

CREDENTIAL = "code.credential"
ASSUME_ROLE = "code.assume_role"
TASK = "airflow.task"
DAG = "airflow.dag"

CONNECTION_FIELDS = ("conn_id", "conn_type", "description", "host", "login", "password", "schema", "port", "extra", "uri")
DRIVERS: dict[str, tuple[str, dict[str, str]]] = {
    # callee suffix: (conn_type, argument -> connection field)
    "psycopg2.connect": ("postgres", {"host": "host", "user": "login", "password": "password", "dbname": "schema",
                                      "database": "schema", "port": "port", "sslmode": "extra.sslmode"}),
    "psycopg.connect": ("postgres", {"host": "host", "user": "login", "password": "password", "dbname": "schema",
                                     "port": "port", "sslmode": "extra.sslmode"}),
    "pymysql.connect": ("mysql", {"host": "host", "user": "login", "password": "password", "passwd": "password",
                                  "database": "schema", "db": "schema", "port": "port", "ssl_disabled": "extra.ssl_disabled"}),
    "MySQLdb.connect": ("mysql", {"host": "host", "user": "login", "passwd": "password", "password": "password",
                                  "db": "schema", "database": "schema", "port": "port", "ssl_mode": "extra.ssl_mode"}),
    "mysql.connector.connect": ("mysql", {"host": "host", "user": "login", "password": "password",
                                          "passwd": "password", "database": "schema", "port": "port",
                                          "ssl_disabled": "extra.ssl_disabled"}),
    "URL.create": ("", {"drivername": "conn_type", "username": "login", "password": "password", "host": "host",
                        "port": "port", "database": "schema"}),
}

DRIVER_LEAVES = frozenset(driver.rsplit(".", 1)[-1] for driver in DRIVERS)
# Every name a `class` statement of the file may define (a superset: the word in a string counts too).
_CLASS_NAME = re.compile(r"\bclass\s+(\w+)")


def _driver(name: str, leaf: str) -> str | None:
    """The DRIVERS entry the callee `name` (last part `leaf`) ends with."""
    if leaf not in DRIVER_LEAVES:  # a driver's last part is the callee's: skip the suffix tests
        return None
    return next((d for d in DRIVERS if name == d or name.endswith("." + d)), None)


def _char_col(line: str, byte_offset: int) -> int:
    """ast columns are UTF-8 byte offsets; locations use characters."""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


@dataclass
class TaskInfo:
    dag_id: str | None
    task_id: str
    operator: str
    location: FileLocation
    conn_ids: list[str] = field(default_factory=list)
    mapped: bool = False


class Analyzer(ast.NodeVisitor):
    def __init__(self, ctx: ScanContext, source: SourceFile) -> None:
        self.ctx = ctx
        self.source = source
        self.evaluator = Evaluator(set(_CLASS_NAME.findall(source.text)))
        self.scope = Scope()
        self.resources: list[Resource] = []
        self.consumed: set[int] = set()          # origin nodes already turned into a resource
        self.dag_stack: list[str] = []
        self.dag_vars: dict[str, str] = {}
        self.task_stack: list[TaskInfo] = []
        self.tasks: list[TaskInfo] = []
        self.dags: dict[str, FileLocation] = {}
        self.env_block = ConfigBlock(origin="dag-code", location=source.location(1), name=f"{source.path}#env")
        self.imports: dict[str, str] = {}        # local name -> qualified name
        self._pending: list[ast.AST | Callable[[], None]] = []  # the visit's work, last item next

    def visit(self, node: ast.AST) -> None:
        """Depth first, in the order a recursive visit takes, with an explicit stack: a chain of a thousand
        attributes, `+` terms or calls is as deep as Python parses, and deeper than its recursion limit.

        Dispatch goes through a table of the handled node classes (`ast.NodeVisitor.visit` builds a method
        name per node); other nodes only pass the visit on to their children. Leaves (`Name`,
        `Constant`...) are not visited: no handler reads them. A handler does not visit: it `_schedule`s
        the children and the steps (callables) that come after them."""
        outer, self._pending = self._pending, [node]
        try:
            while self._pending:
                item = self._pending.pop()
                if not isinstance(item, ast.AST):
                    item()
                    continue
                handler = HANDLERS.get(type(item))
                if handler is not None:
                    handler(self, item)
                else:
                    self.generic_visit(item)
        finally:
            self._pending = outer

    def _schedule(self, *items: ast.AST | Callable[[], None]) -> None:
        """Visit these nodes and run these steps, in this order, before anything scheduled earlier.
        A handler schedules once, at its end (as a recursive visit would go on)."""
        self._pending.extend(reversed(items))

    def generic_visit(self, node: ast.AST) -> None:
        self._schedule(*walk.branches(node))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.imports[alias.asname] = alias.name

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if node.module:
                self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def qualified(self, func: ast.AST) -> str:
        """The dotted callee name with import aliases resolved (``pg.connect`` -> ``psycopg2.connect``)."""
        name = dotted_name(func) or ""
        head, _, rest = name.partition(".")
        if head in self.imports:
            return self.imports[head] + ("." + rest if rest else "")
        return name

    # ------------------------------------------------------------------ helpers
    def loc(self, node: ast.AST) -> FileLocation:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        text = self.source.lines[line - 1] if 0 < line <= len(self.source.lines) else ""
        end_text = self.source.lines[end_line - 1] if 0 < end_line <= len(self.source.lines) else ""
        column = _char_col(text, getattr(node, "col_offset", 0)) + 1
        end_offset = getattr(node, "end_col_offset", None)
        end_column = _char_col(end_text, end_offset) if end_offset is not None else None
        return self.source.location(line, column, end_line, end_column)

    def eval(self, node: ast.AST | None) -> Evaluated:
        return self.evaluator.evaluate(node, self.scope)

    def register(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, str):
            self.ctx.secret(value, self.source.path, getattr(node, "lineno", None))

    # ------------------------------------------------------------------ scopes
    def visit_Module(self, node: ast.Module) -> None:
        bind_targets(self.scope, node.body)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.scope
        self.scope = outer.child_class(node.name)
        bind_targets(self.scope, node.body)

        def leave() -> None:
            self.scope = outer

        self._schedule(*node.body, leave, *node.decorator_list)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.scope
        found: dict[str, Any] = {"dag_id": None, "task": None}  # what the decorators make of the function

        def enter() -> None:
            self.scope = outer.child_function()
            positional = [*node.args.posonlyargs, *node.args.args]
            for argument, default in zip(positional[len(positional) - len(node.args.defaults):],
                                         node.args.defaults):
                self.scope.names[argument.arg] = default
            for argument, default in zip(node.args.kwonlyargs, node.args.kw_defaults):
                if default is not None:
                    self.scope.names[argument.arg] = default
            bind_targets(self.scope, node.body)

        def body() -> None:
            if found["dag_id"]:
                self.dag_stack.append(found["dag_id"])
            if found["task"]:
                self.task_stack.append(found["task"])

        def leave() -> None:
            if found["task"]:
                self.task_stack.pop()
            if found["dag_id"]:
                self.dag_stack.pop()
            self.scope = outer

        steps: list[ast.AST | Callable[[], None]] = [
            *node.args.defaults, *[d for d in node.args.kw_defaults if d is not None], enter]
        for decorator in node.decorator_list:  # each read, then visited, in turn
            steps += [lambda decorator=decorator: self._decorator(node, decorator, found), decorator]
        self._schedule(*steps, body, *node.body, leave)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _decorator(self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorator: ast.expr,
                   found: dict[str, Any]) -> None:
        """What one decorator makes of the function: a DAG (`@dag`) or a task (`@task...`)."""
        call = decorator if isinstance(decorator, ast.Call) else None
        name = dotted_name(call.func if call else decorator) or ""
        leaf = name.split(".")[-1]
        if leaf == "dag" or name.endswith(".dag"):
            dag_id = self._kw_text(call, "dag_id") if call else None
            found["dag_id"] = dag_id or node.name
            self.dags.setdefault(found["dag_id"], self.loc(node))
        elif name == "task" or name.startswith("task.") or leaf == "task" or name.endswith((".task",)):
            task_id = (self._kw_text(call, "task_id") if call else None) or node.name
            found["task"] = TaskInfo(self.dag_stack[-1] if self.dag_stack else None, task_id,
                                     f"@{name}", self.loc(node))
            self.tasks.append(found["task"])

    def _kw(self, call: ast.Call | None, name: str) -> ast.AST | None:
        if call is None:
            return None
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        return None

    def _kw_text(self, call: ast.Call | None, name: str) -> str | None:
        node = self._kw(call, name)
        value = self.eval(node).value if node is not None else None
        return value if isinstance(value, str) else None

    def visit_With(self, node: ast.With) -> None:
        pushed = 0
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and (dotted_name(expr.func) or "").split(".")[-1] == "DAG":
                dag_id = self._dag_id(expr)
                if dag_id:
                    self.dags.setdefault(dag_id, self.loc(expr))
                    self.dag_stack.append(dag_id)
                    pushed += 1
                    if isinstance(item.optional_vars, ast.Name):
                        self.dag_vars[item.optional_vars.id] = dag_id

        def leave() -> None:
            for _ in range(pushed):
                self.dag_stack.pop()

        self._schedule(*walk.branches(node), leave)

    visit_AsyncWith = visit_With

    def _dag_id(self, call: ast.Call) -> str | None:
        if call.args:
            value = self.eval(call.args[0]).value
            if isinstance(value, str):
                return value
        return self._kw_text(call, "dag_id")

    # ------------------------------------------------------------------ assignments
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and dotted_name(target.value) in ("os.environ", "environ"):
                name = self.eval(target.slice).value
                if isinstance(name, str):
                    self._env_write(name, node.value, node)
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Call) \
                    and (dotted_name(node.value.func) or "").split(".")[-1] == "DAG":
                dag_id = self._dag_id(node.value)
                if dag_id:
                    self.dag_vars[target.id] = dag_id
                    self.dags.setdefault(dag_id, self.loc(node.value))
        self.generic_visit(node)

    def _env_write(self, name: str, value_node: ast.AST, anchor: ast.AST) -> None:
        evaluated = self.eval(value_node)
        value = evaluated.value
        conn_id = conn_id_from_env(name)
        if conn_id is not None and isinstance(value, str):
            self.consumed.add(id(evaluated.origin))
            self._connection_from_text(conn_id, value, evaluated.origin, anchor, env_var=name)
        setting = env_setting(name)
        if setting is not None and not isinstance(value, Unknown):
            self.env_block.add(setting[0], setting[1], to_text(value), self.loc(evaluated.origin))
            self.consumed.add(id(evaluated.origin))

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualified(node.func)
        leaf = name.split(".")[-1]
        if leaf == "Connection" and not name.endswith("get_connection"):
            self._connection_call(node)
        elif (driver := _driver(name, leaf)) is not None:
            self._driver_call(node, driver)
        elif leaf == "create_engine" and node.args:
            evaluated = self.eval(node.args[0])
            if isinstance(evaluated.value, str):
                self.consumed.add(id(evaluated.origin))
                self._connection_from_text(f"create_engine@{self.loc(node).start_line}", evaluated.value,
                                           evaluated.origin, node, origin_kind="driver")
        elif name in ("os.environ.setdefault", "environ.setdefault", "os.putenv", "putenv") and len(node.args) >= 2:
            env_name = self.eval(node.args[0]).value
            if isinstance(env_name, str):
                self._env_write(env_name, node.args[1], node)
        elif name in ("os.environ.update", "environ.update") and node.args:
            mapping = node.args[0]
            if isinstance(mapping, ast.Dict):
                for key, value in zip(mapping.keys, mapping.values):
                    env_name = self.eval(key).value if key is not None else None
                    if isinstance(env_name, str) and value is not None:
                        self._env_write(env_name, value, node)
        if leaf == "assume_role" or name.endswith("assume_role"):
            self._assume_role(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("expand", "expand_kwargs") \
                and isinstance(node.func.value, ast.Call):
            self._mapped_task(node, node.func.value)
        elif self._kw(node, "task_id") is not None and id(node) not in self.consumed:
            self._task(node, name)
        self._usage(node, name)
        self._secret_arguments(node, name)
        self.generic_visit(node)

    def _args(self, node: ast.Call, positional: tuple[str, ...]) -> dict[str, ast.AST]:
        args: dict[str, ast.AST] = {}
        for index, arg in enumerate(node.args):
            if index < len(positional) and not isinstance(arg, ast.Starred):
                args[positional[index]] = arg
        for keyword in node.keywords:
            if keyword.arg is not None:
                args[keyword.arg] = keyword.value
            elif isinstance(keyword.value, ast.Dict):  # **{"password": ...}
                for key, value in zip(keyword.value.keys, keyword.value.values):
                    key_value = self.eval(key).value if key is not None else None
                    if isinstance(key_value, str):
                        args[key_value] = value
            else:
                evaluated = self.eval(keyword.value)
                if isinstance(evaluated.value, dict) and isinstance(evaluated.origin, ast.Dict):
                    for key, value in zip(evaluated.origin.keys, evaluated.origin.values):
                        key_value = self.eval(key).value if key is not None else None
                        if isinstance(key_value, str):
                            args[key_value] = value
        return args

    def _connection_call(self, node: ast.Call) -> None:
        args = self._args(node, CONNECTION_FIELDS)
        values = {name: self.eval(arg) for name, arg in args.items()}
        for evaluated in values.values():
            self.consumed.add(id(evaluated.origin))
        conn_id = values["conn_id"].value if "conn_id" in values else None
        conn_id = conn_id if isinstance(conn_id, str) else f"connection@{self.loc(node).start_line}"
        if "uri" in values and isinstance(values["uri"].value, str):
            self._connection_from_text(conn_id, values["uri"].value, values["uri"].origin, node)
            return
        fields = {name: values[name] for name in ("conn_type", "host", "login", "password", "schema", "port",
                                                  "description", "extra") if name in values}
        self._emit_fields(conn_id, fields, node, "fields", uses=args)

    def _driver_call(self, node: ast.Call, driver: str) -> None:
        conn_type, mapping = DRIVERS[driver]
        args = self._args(node, ())
        fields: dict[str, Evaluated] = {}
        extra: dict[str, Any] = {}
        if node.args and driver != "URL.create":  # psycopg2.connect("dsn") / ("postgres://...")
            evaluated = self.eval(node.args[0])
            if isinstance(evaluated.value, str):
                self.consumed.add(id(evaluated.origin))
                text = evaluated.value.strip()
                if "://" in text:
                    self._connection_from_text(f"{driver}@{self.loc(node).start_line}", text, evaluated.origin, node,
                                               origin_kind="driver", conn_type=conn_type)
                    return
                fields.update(_dsn_fields(text, evaluated.origin))
        elif node.args and driver == "URL.create":
            args.setdefault("drivername", node.args[0])
        uses: dict[str, ast.AST] = {}
        for argument, target in mapping.items():
            if argument in args:
                uses[target.split(".")[-1] if target.startswith("extra.") else target] = args[argument]
                evaluated = self.eval(args[argument])
                self.consumed.add(id(evaluated.origin))
                if target.startswith("extra."):
                    extra[target[len("extra."):]] = evaluated.value
                else:
                    fields[target] = evaluated
        if "query" in args:
            query = self.eval(args["query"]).value
            if isinstance(query, dict):
                extra.update(query)
        if "conn_type" in fields and isinstance(fields["conn_type"].value, str):
            scheme = fields["conn_type"].value.split("+")[0]
            fields["conn_type"] = Evaluated(normalize_conn_type(scheme), fields["conn_type"].origin)
        else:
            fields["conn_type"] = Evaluated(conn_type, node)
        if "extra.sslmode" in fields:
            extra["sslmode"] = fields.pop("extra.sslmode").value
        if extra:
            fields["extra"] = Evaluated(extra, node)
        self._emit_fields(f"{driver}@{self.loc(node).start_line}", fields, node, "driver", uses=uses)

    def _emit_fields(self, conn_id: str, fields: dict[str, Evaluated], node: ast.AST, definition: str,
                     uses: dict[str, ast.AST] | None = None) -> None:
        """A connection from call arguments. A password points where its literal is written; other
        fields point where the call uses them."""
        uses = uses or {}
        parsed = parse_fields({name: plain(evaluated.value) for name, evaluated in fields.items()
                               if evaluated.value is not None}, strict_port=False)
        exact: dict[str, FileLocation] = {}
        if "password" in fields and fields["password"].value is not None:
            exact["password"] = self.loc(fields["password"].origin)
        exact.update({name: self.loc(uses[name]) for name in ("login", "host") if name in uses})
        exact.update({f"extra.{key}": self.loc(uses[key]) for key in ("sslmode", "ssl_mode", "ssl_disabled")
                      if key in uses})
        extra_dict = fields["extra"].origin if "extra" in fields else None
        if isinstance(extra_dict, ast.Call) and extra_dict.args:  # json.dumps({...})
            extra_dict = self.eval(extra_dict.args[0]).origin
        if isinstance(extra_dict, ast.Dict):
            for key, value in zip(extra_dict.keys, extra_dict.values):
                key_value = self.eval(key).value if key is not None else None
                if isinstance(key_value, str):
                    exact[f"extra.{key_value}"] = self.loc(value)
        self.resources.append(build_connection(self.ctx, conn_id, parsed, origin="dag-code", definition=definition,
                                               location=self.loc(node), field_locations=exact))

    def _connection_from_text(self, conn_id: str, text: str, origin: ast.AST, anchor: ast.AST,
                              env_var: str | None = None, origin_kind: str = "dag-code",
                              conn_type: str | None = None) -> None:
        stripped = text.strip()
        location = self.loc(origin)
        if stripped.startswith("{"):
            resource = connection_from_value(self.ctx, conn_id, stripped, origin="dag-code", location=location,
                                             locator=lambda needles: self.source.find(location, needles),
                                             env_var=env_var)
            if resource is not None:
                self.resources.append(resource)
            return
        try:
            parsed = parse_uri(stripped)
        except ConnectionValueError as exc:
            self.ctx.notice("parse-error", f"connection '{conn_id}': {exc}", self.source.path, location.start_line)
            return
        if conn_type and parsed.conn_type and parsed.conn_type.split("+")[0] in ("postgres", "postgresql", "mysql") or parsed.conn_type and "+" in parsed.conn_type:
            parsed.conn_type = normalize_conn_type(parsed.conn_type.split("+")[0])
        resource = build_connection(self.ctx, conn_id, parsed, origin="dag-code", definition="uri",
                                    location=location, env_var=env_var,
                                    locator=lambda needles: self.source.find(location, needles))
        self.resources.append(resource)

    def _assume_role(self, node: ast.Call) -> None:
        duration_node = self._kw(node, "DurationSeconds")
        if duration_node is None:
            return
        evaluated = self.eval(duration_node)
        duration = evaluated.value if isinstance(evaluated.value, (int, float)) and not isinstance(
            evaluated.value, bool) else None
        role = self._kw_text(node, "RoleArn")
        location = self.loc(node)
        self.resources.append(Resource(
            id=f"{ASSUME_ROLE}:{self.source.path}:{location.start_line}:{location.start_column}",
            type=ASSUME_ROLE, name=role or f"assume_role@{location.start_line}",
            attributes={"duration_seconds": duration, "role_arn": role},
            source=Source(file=location),
            locations={"duration_seconds": self.loc(duration_node)},
        ))

    # ------------------------------------------------------------------ usage: dags, tasks, conn ids
    def _conn_ids(self, node: ast.Call) -> list[str]:
        conn_ids: list[str] = []
        for keyword in node.keywords:
            if keyword.arg and (keyword.arg == "conn_id" or keyword.arg.endswith("_conn_id")):
                value = self.eval(keyword.value).value
                values = value if isinstance(value, list) else [value]
                conn_ids.extend(v for v in values if isinstance(v, str) and v)
        name = dotted_name(node.func) or ""
        if name.endswith("get_connection") and node.args:
            value = self.eval(node.args[0]).value
            if isinstance(value, str):
                conn_ids.append(value)
        return conn_ids

    def _dag_of(self, node: ast.Call) -> str | None:
        dag_arg = self._kw(node, "dag")
        if isinstance(dag_arg, ast.Name) and dag_arg.id in self.dag_vars:
            return self.dag_vars[dag_arg.id]
        return self.dag_stack[-1] if self.dag_stack else None

    def _task(self, node: ast.Call, name: str) -> None:
        task_id = self._kw_text(node, "task_id")
        if not task_id:
            return
        operator = name.split(".")[-1] if name.split(".")[-1] != "partial" else name.split(".")[-2]
        task = TaskInfo(self._dag_of(node), task_id, operator, self.loc(node), self._conn_ids(node))
        self.tasks.append(task)

    def _mapped_task(self, expand: ast.Call, partial: ast.Call) -> None:
        task_id = self._kw_text(partial, "task_id")
        self.consumed.add(id(partial))
        if not task_id:
            return
        name = dotted_name(partial.func) or ""
        parts = name.split(".")
        operator = parts[-2] if len(parts) >= 2 and parts[-1] == "partial" else parts[-1]
        conn_ids = self._conn_ids(partial) + self._conn_ids(expand)
        self.tasks.append(TaskInfo(self._dag_of(partial), task_id, operator, self.loc(partial), conn_ids, True))

    def _usage(self, node: ast.Call, name: str) -> None:
        if not self.task_stack or self._kw(node, "task_id") is not None:
            return
        conn_ids = self._conn_ids(node)
        for conn_id in conn_ids:
            if conn_id not in self.task_stack[-1].conn_ids:
                self.task_stack[-1].conn_ids.append(conn_id)

    # ------------------------------------------------------------------ credentials in arguments
    def _secret_arguments(self, node: ast.Call, name: str) -> None:
        for keyword in node.keywords:
            if not keyword.arg:
                continue
            key = keyword.arg
            if not self.evaluator.may_be_text(keyword.value, self.scope):
                continue
            evaluated = self.eval(keyword.value)
            if id(evaluated.origin) in self.consumed or not isinstance(evaluated.value, str):
                continue
            via = f"argument {key} of {name or 'a call'}"
            if key in ("aws_access_key_id", "AccessKeyId") or patterns.AWS_ACCESS_KEY_ID.fullmatch(evaluated.value):
                self._credential("aws-access-key-id", evaluated, via)
            elif key in ("aws_secret_access_key", "SecretAccessKey", "aws_session_token"):
                self._credential("aws-secret-access-key", evaluated, via)
            elif patterns.SECRET_NAME.search(key) and not patterns.NOT_SECRET_NAME.search(key):
                self._credential("password-argument", evaluated, via)

    def _credential(self, kind: str, evaluated: Evaluated, via: str, value: str | None = None,
                    location: FileLocation | None = None) -> None:
        text = value if value is not None else to_text(evaluated.value)
        if secrets.classify(text) != secrets.LITERAL or "${" in text:
            return
        if kind in ("password-argument", "hardcoded-secret") and patterns.looks_like_identifier(text):
            return
        self.consumed.add(id(evaluated.origin))
        self.register(text, evaluated.origin)
        where = location or self.loc(evaluated.origin)
        self.resources.append(Resource(
            id=f"{CREDENTIAL}:{self.source.path}:{where.start_line}:{where.start_column}:{kind}",
            type=CREDENTIAL, name=via,
            attributes={"kind": kind, "via": via, "value": secrets.marker(text)},
            source=Source(file=where), locations={"value": where},
        ))

    # ------------------------------------------------------------------ second pass: strings
    def scan_strings(self, tree: ast.AST) -> None:
        """Every maximal string expression: URIs, AWS keys, shell and SQL passwords; secret-named constants."""
        for node in walk.string_pass_nodes(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                self._secret_assignment(node)
                continue
            if isinstance(node, ast.Constant):
                value = constant_text(node.value)  # what evaluating a constant gives
                if not isinstance(value, str) or len(value) < 8 or id(node) in self.consumed:
                    continue
            elif id(node) in self.consumed:
                continue
            else:
                value = self.eval(node).value
            if not isinstance(value, str) or len(value) < 8:
                continue
            self._scan_text(value, node)

    def _scan_text(self, text: str, node: ast.AST) -> None:
        evaluated = Evaluated(text, node)
        for _, uri in uris_in_text(text):
            self._connection_from_text(f"uri@{self.source.path}:{self.loc(node).start_line}", uri, node, node)
        if patterns.may_hold_key_id(text):
            for match in patterns.AWS_ACCESS_KEY_ID.finditer(text):
                self._credential("aws-access-key-id", evaluated, "string literal", value=match.group(0),
                                 location=self.source.find(self.loc(node), [match.group(0)]))
        if patterns.may_hold_password(text):
            self._scan_passwords(text, node, evaluated)

    def _scan_passwords(self, text: str, node: ast.AST, evaluated: Evaluated) -> None:
        for kind, regexes in (("shell-password", patterns.SHELL_PASSWORDS), ("sql-password", patterns.SQL_PASSWORDS)):
            for regex in regexes:
                for match in regex.finditer(text):
                    secret = match.group("v")
                    if "{{" in secret or secret.startswith("$"):
                        continue
                    self._credential(kind, evaluated, "bash/SQL text", value=secret,
                                     location=self.source.find(self.loc(node), [secret]))

    def _secret_assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            name = target.id if isinstance(target, ast.Name) else (
                target.attr if isinstance(target, ast.Attribute) else None)
            if name is None or node.value is None:
                continue
            if not (patterns.SECRET_NAME.search(name) and not patterns.NOT_SECRET_NAME.search(name)):
                continue
            evaluated = self.eval(node.value)
            if id(evaluated.origin) in self.consumed or not isinstance(evaluated.value, str):
                continue
            if "aws" in name.lower() and "secret" in name.lower() and patterns.looks_like_aws_secret(evaluated.value):
                self._credential("aws-secret-access-key", evaluated, f"constant {name}")
            else:
                self._credential("hardcoded-secret", evaluated, f"constant {name}")

    # ------------------------------------------------------------------ results
    def finish(self) -> list[Resource]:
        for dag_id, location in self.dags.items():
            self.resources.append(Resource(id=f"{DAG}:{self.source.path}:{dag_id}", type=DAG, name=dag_id,
                                           attributes={"dag_id": dag_id, "tasks": sorted(
                                               t.task_id for t in self.tasks if t.dag_id == dag_id)},
                                           source=Source(file=location)))
        for task in self.tasks:
            label = f"{task.dag_id}.{task.task_id}" if task.dag_id else task.task_id
            self.resources.append(Resource(
                id=f"{TASK}:{self.source.path}:{label}", type=TASK, name=label,
                attributes={"dag_id": task.dag_id, "task_id": task.task_id, "operator": task.operator,
                            "conn_ids": task.conn_ids, "mapped": task.mapped},
                source=Source(file=task.location)))
        config = build_config(self.ctx, self.env_block)
        if config is not None:
            self.resources.append(config)
        return self.resources


HANDLERS: dict[type, Callable[[Analyzer, Any], None]] = {
    ast.Module: Analyzer.visit_Module,
    ast.Import: Analyzer.visit_Import,
    ast.ImportFrom: Analyzer.visit_ImportFrom,
    ast.ClassDef: Analyzer.visit_ClassDef,
    ast.FunctionDef: Analyzer.visit_FunctionDef,
    ast.AsyncFunctionDef: Analyzer.visit_AsyncFunctionDef,
    ast.With: Analyzer.visit_With,
    ast.AsyncWith: Analyzer.visit_AsyncWith,
    ast.Assign: Analyzer.visit_Assign,
    ast.Call: Analyzer.visit_Call,
}


def _dsn_fields(dsn: str, origin: ast.AST) -> dict[str, Evaluated]:
    """libpq key=value DSN: ``host=h user=u password=p dbname=d sslmode=require``."""
    import shlex

    mapping = {"host": "host", "hostaddr": "host", "user": "login", "password": "password", "dbname": "schema",
               "port": "port", "sslmode": "extra.sslmode"}
    fields: dict[str, Evaluated] = {}
    try:
        tokens = shlex.split(dsn)
    except ValueError:
        tokens = dsn.split()
    for token in tokens:
        key, _, value = token.partition("=")
        if key in mapping:
            fields[mapping[key]] = Evaluated(value, origin)
    return fields


def analyze(ctx: ScanContext, source: SourceFile, tree: ast.Module) -> list[Resource]:
    """The file's resources; a notice when evaluation budgets cut values short. Should the analysis itself
    fail on a pathological tree (too deep for Python, out of memory), the file gets a parse-error notice
    and the line-level scan instead, as a file that does not parse does."""
    analyzer = Analyzer(ctx, source)
    try:
        analyzer.visit(tree)
        analyzer.scan_strings(tree)
        resources = analyzer.finish()
    except (RecursionError, MemoryError) as exc:
        from scanner.collect import fallback

        ctx.notice("parse-error", f"Python source too complex to analyse ({type(exc).__name__}); "
                   "scanned line by line instead", source.path)
        return fallback.collect(ctx, source, origin="dag-code-unparsed")
    if analyzer.evaluator.exhausted:
        ctx.notice("parse-error", "expressions too large to evaluate (constant-evaluation budget spent); "
                   "some values were read as unknown", source.path)
    return resources
