"""Static analysis of one Python file: credentials and connections in DAG code, and who uses which
connection. Reads the syntax tree only; nothing is imported or executed."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from scanner import secret_shapes, secrets
from scanner.airflow_config import ConfigBlock, build_config, env_setting
from scanner.airflow_uri import ConnectionValueError, normalize_conn_type, parse_fields, parse_uri
from scanner.collect.pycode import patterns, walk
from scanner.collect.pycode.kinds import CROSS_MODULE
from scanner.collect.pycode.values import (
    IAM_TOKEN,
    Evaluated,
    Evaluator,
    Scope,
    Unknown,
    bind_targets,
    dotted_name,
    plain,
    to_text,
)
from scanner.connections import build_connection, conn_id_from_env, connection_from_value, uris_in_text
from scanner.context import ScanContext
from scanner.doctree import replace_surrogates
from scanner.model import FileLocation, Resource, Source
from scanner.records import Record
from scanner.source import SourceFile

CREDENTIAL = "code.credential"
ASSUME_ROLE = "code.assume_role"
CONNECTION_TYPES = ("airflow.connection",)
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
# Airflow data-aware scheduling: the URI of an asset names data, it is no connection (and may not hold a password).
ASSET_CALLS = frozenset({"Asset", "Dataset"})
# Environment variables a database client reads its password from (libpq, the mysql client): a literal under
# one of these names is a password handed to a shell (AG303).
CLIENT_PASSWORD_VARS = frozenset({"PGPASSWORD", "PGPASS", "MYSQL_PWD"})
# Keys of the name/value pairs that define an environment variable or a setting: ECS `environment`, Kubernetes
# `V1EnvVar`, Batch, `{"key": ..., "value": ...}` lists.
_PAIR_KEYS = (("name", "value"), ("Name", "Value"), ("key", "value"), ("Key", "Value"))
_VALUE_KEYS = frozenset({"value", "Value"})
# Database schemes whose URIs are connections (`connections.uris_in_text`): their passwords are AG101, not AG302.
_DB_SCHEMES = ("postgres", "postgresql", "mysql", "mariadb", "redshift", "aurora", "mssql", "oracle", "jdbc")
SHAPE_TEXT_LIMIT = 1 << 20
STRING_MIN_LENGTH = 8  # string constants shorter than this are not scanned for secrets (`scan_strings`)
_SHAPE_LABELS = {
    secret_shapes.SLACK_WEBHOOK: "Slack webhook URL", secret_shapes.SLACK_TOKEN: "Slack token",
    secret_shapes.GITHUB_TOKEN: "GitHub token", secret_shapes.GITLAB_TOKEN: "GitLab token",
    secret_shapes.STRIPE_KEY: "Stripe live key", secret_shapes.GOOGLE_API_KEY: "Google API key",
    secret_shapes.PRIVATE_KEY: "private key", secret_shapes.JWT: "JSON web token",
    secret_shapes.BEARER_TOKEN: "bearer token", secret_shapes.URL_PASSWORD: "password in a URL",
}
# The last parts of the callees `visit_Call` reads before its common steps (connections, drivers, engines,
# assets, environment writes).
_CALL_LEAVES = frozenset({"Connection", *DRIVER_LEAVES, "create_engine", *ASSET_CALLS, "setdefault", "putenv",
                          "update"})
# Kubernetes objects that *name* a Secret (and the key in it) for a pod to read at run time: KubernetesPodOperator's
# `Secret("env", "DB_PASSWORD", "airflow-secrets", "password")` (`secret=`, `key=`), `V1SecretKeySelector(name=,
# key=)`, `V1SecretEnvSource`, `V1SecretVolumeSource(secret_name=)`... Their arguments are references, never values.
_K8S_SECRET_REFERENCES = frozenset({
    "V1SecretKeySelector", "V1SecretEnvSource", "V1SecretVolumeSource", "V1SecretReference", "V1SecretProjection",
})
# Every name a `class` statement of the file may define (a superset: the word in a string counts too):
# `\bclass\s+(\w+)`, matched where the literal is (a leading `\b` makes the regex engine try every position of
# the file, 30x slower) with the word boundary tested in `class_names`.
_CLASS_NAME = re.compile(r"class\s+(\w+)")
_WORD_CHARACTER = re.compile(r"\w")


def class_names(text: str) -> set[str]:
    r"""The names `\bclass\s+(\w+)` finds in `text` (as `findall`: matches that do not overlap)."""
    names: set[str] = set()
    position = 0
    # Each match starts at a `class`, found by `str.find` (a fast search of the literal: a regex search tries the
    # literal's first letter at every position of the file), where the regex is then matched.
    while (start := text.find("class", position)) >= 0:
        match = _CLASS_NAME.match(text, start)
        if match is None or (start and _WORD_CHARACTER.match(text, start - 1) is not None):
            position = start + 1  # no name after it, or no word boundary: a later `class` may start in this one
            continue
        names.add(match.group(1))
        position = match.end()
    return names


def _driver(name: str, leaf: str) -> str | None:
    """The DRIVERS entry the callee `name` (last part `leaf`) ends with."""
    if leaf not in DRIVER_LEAVES:  # a driver's last part is the callee's: skip the suffix tests
        return None
    return next((d for d in DRIVERS if name == d or name.endswith("." + d)), None)


def _line(node: ast.AST) -> int:
    """The line a node starts on, as `Analyzer.loc(node).start_line` gives it (without making the location)."""
    return getattr(node, "lineno", 1)  # type: ignore[no-any-return]


def _char_col(line: str, byte_offset: int) -> int:
    """ast columns are UTF-8 byte offsets; locations use characters."""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


class TaskInfo(Record):
    __slots__ = _fields = ("dag_id", "task_id", "operator", "location", "conn_ids", "mapped")

    def __init__(self, dag_id: str | None, task_id: str, operator: str, location: FileLocation,
                 conn_ids: list[str] | None = None, mapped: bool = False) -> None:
        self.dag_id = dag_id
        self.task_id = task_id
        self.operator = operator
        self.location = location
        self.conn_ids = [] if conn_ids is None else conn_ids
        self.mapped = mapped


class Analyzer(ast.NodeVisitor):
    def __init__(self, ctx: ScanContext, source: SourceFile) -> None:
        self.ctx = ctx
        self.source = source
        self.evaluator = Evaluator(class_names(source.text))
        self.scope = Scope()
        self.resources: list[Resource] = []
        self.consumed: set[int] = set()          # origin nodes already turned into a resource
        self.dag_stack: list[str] = []
        self.dag_vars: dict[str, str] = {}
        self.task_stack: list[TaskInfo] = []
        self.tasks: list[TaskInfo] = []
        self.dags: dict[str, FileLocation] = {}
        self._env_block: ConfigBlock | None = None  # settings written to os.environ (made at the first)
        self.imports: dict[str, str] = {}        # local name -> qualified name
        # local name -> (module, name, relative level) of `from M import N`; local name -> module of `import M`
        self.from_imports: dict[str, tuple[str, str, int]] = {}
        self.module_imports: dict[str, str] = {}
        self.cross_modules: set[tuple[str, int]] = set()  # modules values were needed from (phase 1)
        # Nodes of other modules (phase 2): id -> (node, its module), evaluated and located there.
        self.foreign: dict[int, tuple[ast.AST, Any]] = {}
        self.foreign_modules: set[str] = set()
        self.iam_signed: set[int] = set()        # nodes of engines that sign an IAM token on each connect
        self._signs_tokens = "do_connect" in source.text and "generate_db_auth_token" in source.text
        # (argument name, default, scope it is evaluated in, where): secret defaults, judged after the visit
        self.defaults: list[tuple[str, ast.AST, Scope, str]] = []
        self._pending: list[ast.AST | Callable[[], None]] = []  # the visit's work, last item next
        # the tree visited and its nodes for the string pass (`walk.string_pass`: found in the visit's traversal)
        self._string_nodes: tuple[ast.AST | None, list[ast.AST]] = (None, [])

    def visit(self, node: ast.AST) -> None:
        """Depth first, in the order a recursive visit takes, with an explicit stack: a chain of a thousand
        attributes, `+` terms or calls is as deep as Python parses, and deeper than its recursion limit.

        Dispatch goes through a table of the handled node classes (`ast.NodeVisitor.visit` builds a method
        name per node); other nodes only pass the visit on to their children. Leaves (`Name`,
        `Constant`...) are mostly not visited: no handler reads them. A handler does not visit: the visit goes on
        to the node's children after it (a handler may `_schedule` steps to run after them), or (a class, a
        function: `_CHILDREN_HANDLED`) it `_schedule`s the children and the steps (callables) that come
        between them."""
        # The string pass's traversal (breadth first, every node) also finds each node's children to visit:
        # the visit reads them from it (one look-up per node, not a test of each field and child: the two
        # traversals were a third of the analysis), and `scan_strings` the nodes it found.
        strings, branches = walk.string_pass(node, STRING_MIN_LENGTH)
        self._string_nodes = (node, strings)
        outer, self._pending = self._pending, [node]
        pending = self._pending  # handlers `_schedule` onto this same list
        pop, push, extend, branches_of = pending.pop, pending.append, pending.extend, branches.get
        plans = _VISIT_PLANS
        try:
            while pending:
                item = pop()
                plan = plans.get(type(item))
                if plan is None:  # a step
                    item()  # type: ignore[operator]
                    continue
                handler, descend = plan
                if handler is not None:
                    handler(self, item)
                if descend:  # generic_visit: the children, last first (the first is visited next)
                    children = branches_of(item)
                    if type(children) is list:
                        extend(children)
                    elif children is not None:
                        push(children)  # a lone child
        finally:
            self._pending = outer

    def _schedule(self, *items: ast.AST | Callable[[], None]) -> None:
        """Visit these nodes and run these steps, in this order, before anything scheduled earlier.
        A handler schedules once, at its end (as a recursive visit would go on)."""
        self._pending.extend(reversed(items))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.imports[alias.asname] = alias.name
                self.module_imports[alias.asname] = alias.name
            else:
                self.module_imports.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module, level = node.module, node.level or 0  # (each read once: an AST node's fields are slow to read)
        for alias in node.names:
            name = alias.name
            local = alias.asname or name
            if module:
                self.imports[local] = f"{module}.{name}"
            if name != "*":
                self.from_imports[local] = (module or "", name, level)

    def qualified(self, func: ast.AST) -> str:
        """The dotted callee name with import aliases resolved (``pg.connect`` -> ``psycopg2.connect``)."""
        if type(func) is ast.Name:  # the commonest callee, `f(...)`: its name, or what it was imported as
            name = func.id  # type: ignore[attr-defined]
            return self.imports.get(name, name)  # type: ignore[no-any-return]
        name = dotted_name(func) or ""
        head, _, rest = name.partition(".")
        if head in self.imports:
            return self.imports[head] + ("." + rest if rest else "")
        return name

    # ------------------------------------------------------------------ helpers
    def source_of(self, node: ast.AST) -> SourceFile:
        """The file a node is written in: this one, or (phase 2) the module a value was imported from."""
        if self.foreign:
            found = self.foreign.get(id(node))
            if found is not None:
                return found[1].source  # type: ignore[no-any-return]
        return self.source

    def loc(self, node: ast.AST) -> FileLocation:
        source = self.source_of(node) if self.foreign else self.source
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        if source.text.isascii():  # (a flag of the string, no pass over it) every column is its byte offset:
            # no need of the lines (`_char_col`), which a DAG file's analysis would split the text into for this.
            # (`source.location`'s location, made here with its fields in order: a frozen dataclass's keyword
            # arguments, and the call between, were a third of making it)
            return FileLocation(source.path, line, getattr(node, "col_offset", 0) + 1, end_line,
                                getattr(node, "end_col_offset", None))
        lines = source.lines  # a property
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        end_text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
        column = _char_col(text, getattr(node, "col_offset", 0)) + 1
        end_offset = getattr(node, "end_col_offset", None)
        end_column = _char_col(end_text, end_offset) if end_offset is not None else None
        return source.location(line, column, end_line, end_column)

    def find_in(self, node: ast.AST, needles: list[str]) -> FileLocation | None:
        """Where one of `needles` is written inside `node` (in the file it belongs to)."""
        return self.source_of(node).find(self.loc(node), needles)

    def eval(self, node: ast.AST | None) -> Evaluated:
        if self.foreign and node is not None:
            found = self.foreign.get(id(node))
            if found is not None:  # a node of another module: evaluated in its module's scope
                module = found[1]
                return module.evaluator.evaluate(node, module.scope)  # type: ignore[no-any-return]
        return self.evaluator.evaluate(node, self.scope)

    def register(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, str):
            self.ctx.secret(value, self.source_of(node).path, getattr(node, "lineno", None))

    def _note_imported(self, *nodes: ast.AST | None) -> None:
        """Phase 1: remember the modules that names in these expressions come from, when the file imports
        them (the value is unknown here; the project pass reads it in the other module)."""
        if self.evaluator.resolver is not None or not (self.from_imports or self.module_imports):
            return
        for top in nodes:
            if top is None:
                continue
            for node in walk.subtree(top):
                if isinstance(node, ast.Name) and node.id in self.from_imports \
                        and self.scope.lookup(node.id) is None:
                    module, name, level = self.from_imports[node.id]
                    self.cross_modules.add((module, level))
                    self.cross_modules.add((f"{module}.{name}" if module else name, level))
                elif isinstance(node, ast.Name) and node.id in self.module_imports \
                        and self.scope.lookup(node.id) is None:
                    self.cross_modules.add((self.module_imports[node.id], 0))
                elif isinstance(node, ast.Attribute) and self.module_imports:
                    parts = (dotted_name(node) or "").split(".")
                    if len(parts) > 2 and parts[0] in self.module_imports:  # a.b.X: module a.b
                        head = self.module_imports[parts[0]]
                        self.cross_modules.add((".".join([head, *parts[1:-1]]), 0))

    # ------------------------------------------------------------------ scopes
    def visit_Module(self, node: ast.Module) -> None:
        bind_targets(self.scope, node.body)
        if self._signs_tokens:
            self._mark_signed_engines(node.body)

    def _mark_signed_engines(self, body: list[ast.stmt]) -> None:
        """IAM authentication through an engine event: `engine = create_engine(url)` (or a helper's) with
        `@event.listens_for(engine, "do_connect")` (or `event.listen(engine, "do_connect", fn)`) on a function
        that puts `generate_db_auth_token(...)` into the connect arguments. Every node of that engine's
        definition in the same block is marked: the connection it builds signs a token, it has no password."""
        signing: dict[str, ast.AST] = {}
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls_token(statement):
                signing[statement.name] = statement
        engines: set[str] = set()
        for statement in body:
            calls: list[ast.Call] = []
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in signing:
                calls = [d for d in statement.decorator_list if isinstance(d, ast.Call)]
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                calls = [statement.value]
            for call in calls:
                leaf = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
                if leaf not in ("listens_for", "listen") or len(call.args) < 2:
                    continue
                target, event = call.args[0], call.args[1]
                if not (isinstance(target, ast.Name) and isinstance(event, ast.Constant)
                        and event.value == "do_connect"):
                    continue
                handler = call.args[2] if leaf == "listen" and len(call.args) > 2 else None
                if leaf == "listens_for" or (isinstance(handler, ast.Name) and handler.id in signing) \
                        or (isinstance(handler, ast.Lambda) and _calls_token(handler)):
                    engines.add(target.id)
        if not engines:
            return
        for statement in body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if any(isinstance(t, ast.Name) and t.id in engines for t in targets):
                    self.iam_signed.update(id(n) for n in ast.walk(statement.value))

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
        arguments = node.args  # (its fields read once: an AST node's fields are slow to read)
        defaults = arguments.defaults
        kw_defaults = [default for default in arguments.kw_defaults if default is not None]

        def enter() -> None:
            self.scope = outer.child_function()
            if defaults or kw_defaults:  # (most functions have none)
                self._bind_defaults(node, outer)
            bind_targets(self.scope, node.body)
            if self._signs_tokens:
                self._mark_signed_engines(node.body)

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

        steps: list[ast.AST | Callable[[], None]] = [*defaults, *kw_defaults, enter]
        for decorator in node.decorator_list:  # each read, then visited, in turn
            steps += [lambda decorator=decorator: self._decorator(node, decorator, found), decorator]
        self._schedule(*steps, body, *node.body, leave)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _bind_defaults(self, node: ast.FunctionDef | ast.AsyncFunctionDef, outer: Scope) -> None:
        """Bind the function's arguments to their defaults in its scope (entered from `outer`); a default under
        a secret name is judged after the visit (`defaults`)."""
        positional = [*node.args.posonlyargs, *node.args.args]
        pairs = [*zip(positional[len(positional) - len(node.args.defaults):], node.args.defaults),
                 *((a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None)]
        for argument, default in pairs:
            self.scope.names[argument.arg] = default
            # a default naming a constant is judged where that is written; numbers and flags are no secret
            if type(default) is not ast.Name and not (type(default) is ast.Constant
                                                      and type(default.value) is not str) \
                    and secret_shapes.name_strength(argument.arg) is not None:
                owner = f"{outer.class_name}.{node.name}" if outer.class_name else node.name
                via = f"default of argument {argument.arg} of {owner}()"
                self.defaults.append((argument.arg, default, outer, via))

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
            if type(expr) is ast.Call and _calls_dag(expr):
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

        self._schedule(leave)  # after the children, which the visit goes on to

    visit_AsyncWith = visit_With

    def _dag_id(self, call: ast.Call) -> str | None:
        if call.args:
            value = self.eval(call.args[0]).value
            if isinstance(value, str):
                return value
        return self._kw_text(call, "dag_id")

    # ------------------------------------------------------------------ assignments
    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        makes_dag = type(value) is ast.Call and _calls_dag(value)
        for target in node.targets:  # (classes compared exactly: `ast.parse` makes no subclasses)
            kind = type(target)
            if kind is ast.Subscript and dotted_name(target.value) in ("os.environ", "environ"):  # type: ignore
                name = self.eval(target.slice).value  # type: ignore[attr-defined]
                if isinstance(name, str):
                    self._env_write(name, value, node)
            elif kind is ast.Name and makes_dag:
                dag_id = self._dag_id(value)  # type: ignore[arg-type]
                if dag_id:
                    self.dag_vars[target.id] = dag_id  # type: ignore[attr-defined]
                    self.dags.setdefault(dag_id, self.loc(value))

    def _env_write(self, name: str, value_node: ast.AST, anchor: ast.AST) -> None:
        evaluated = self.eval(value_node)
        value = evaluated.value
        conn_id = conn_id_from_env(name)
        if conn_id is not None and isinstance(value, str):
            self.consumed.add(id(evaluated.origin))
            self._connection_from_text(conn_id, value, evaluated.origin, anchor, env_var=name)
        setting = env_setting(name)
        if setting is not None and not isinstance(value, Unknown):
            if self._env_block is None:
                self._env_block = ConfigBlock(origin="dag-code", location=self.source.location(1),
                                              name=f"{self.source.path}#env")
            self._env_block.add(setting[0], setting[1], to_text(value), self.loc(evaluated.origin))
            self.consumed.add(id(evaluated.origin))

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = self.qualified(func)
        leaf = name.rpartition(".")[2]
        if leaf not in _CALL_LEAVES:
            pass  # none of the calls below: most calls of a file
        elif leaf == "Connection" and not name.endswith("get_connection"):
            self._note_imported(node)
            self._connection_call(node)
        elif (driver := _driver(name, leaf)) is not None:
            self._note_imported(node)
            self._driver_call(node, driver)
        elif leaf == "create_engine" and node.args:
            self._note_imported(node.args[0])
            evaluated = self.eval(node.args[0])
            if isinstance(evaluated.value, str):
                self.consumed.add(id(evaluated.origin))
                self._connection_from_text(f"create_engine@{_line(node)}", evaluated.value,
                                           evaluated.origin, node, origin_kind="driver")
        elif leaf in ASSET_CALLS:
            self._asset(node)
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
        if name.endswith("assume_role"):  # the leaf `assume_role` too
            self._note_imported(self._kw(node, "DurationSeconds"))
            self._assume_role(node)
        keywords = node.keywords  # (read once: an AST node's fields are slow to read)
        task_id = None  # (`_kw`, inlined: every call passes here)
        for keyword in keywords:
            if keyword.arg == "task_id":
                task_id = keyword.value
                break
        if type(func) is ast.Attribute and func.attr in ("expand", "expand_kwargs") \
                and type(func.value) is ast.Call:  # type: ignore[attr-defined]
            self._mapped_task(node, func.value)  # type: ignore[attr-defined]
        elif task_id is not None and id(node) not in self.consumed:
            self._task(node, name, task_id)
        if self.task_stack and task_id is None:
            self._usage(node)
        self._secret_arguments(node, name, leaf, keywords)

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
        conn_id = conn_id if isinstance(conn_id, str) else f"connection@{_line(node)}"
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
                    self._connection_from_text(f"{driver}@{_line(node)}", text, evaluated.origin, node,
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
        if "query" in args:  # URL.create(query={"sslmode": ...}): each key located where it is written
            query = self.eval(args["query"])
            if isinstance(query.value, dict):
                extra.update(query.value)
                if isinstance(query.origin, ast.Dict):
                    for key, value in zip(query.origin.keys, query.origin.values):
                        key_value = self.eval(key).value if key is not None else None
                        if key_value in ("sslmode", "ssl_mode", "ssl_disabled"):
                            uses[key_value] = value
        if "conn_type" in fields and isinstance(fields["conn_type"].value, str):
            scheme = fields["conn_type"].value.split("+")[0]
            fields["conn_type"] = Evaluated(normalize_conn_type(scheme), fields["conn_type"].origin)
        else:
            fields["conn_type"] = Evaluated(conn_type, node)
        if "extra.sslmode" in fields:
            extra["sslmode"] = fields.pop("extra.sslmode").value
        if _iam_token(fields.get("password")) or id(node) in self.iam_signed:
            extra["iam"] = True  # the password is a short-lived IAM token: IAM authentication
        if extra:
            fields["extra"] = Evaluated(extra, node)
        where = f"{_line(node)}"
        if self.foreign and any(id(e.origin) in self.foreign for e in fields.values()):
            where = f"{self.source.path}:{where}"  # reported in the module the values come from: name the call
        self._emit_fields(f"{driver}@{where}", fields, node, "driver", uses=uses)

    def _asset(self, node: ast.Call) -> None:
        """`Asset("postgres://...")`, `Dataset(uri=...)`: the URI names data for scheduling, it is no connection.
        A password in it is still a literal secret written in code (Airflow refuses such URIs)."""
        for argument in (*node.args[:1], self._kw(node, "uri"), self._kw(node, "name")):
            if argument is None:
                continue
            evaluated = self.eval(argument)
            if not isinstance(evaluated.value, str):
                continue
            self.consumed.add(id(evaluated.origin))
            if "@" in evaluated.value:
                for password in secrets.uri_passwords(evaluated.value):
                    self._credential("password-argument", evaluated, "password in the URI of an asset",
                                     value=password, location=self.find_in(evaluated.origin, [password]))

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
            # the extra's secrets are the connection's (AG101): its dicts are not read again for AG302
            self.consumed.update(id(inner) for inner in walk.subtree(extra_dict) if type(inner) is ast.Dict)
        self.resources.append(build_connection(self.ctx, conn_id, parsed, origin="dag-code", definition=definition,
                                               location=self.loc(node), field_locations=exact))

    def _connection_from_text(self, conn_id: str, text: str, origin: ast.AST, anchor: ast.AST,
                              env_var: str | None = None, origin_kind: str = "dag-code",
                              conn_type: str | None = None) -> None:
        stripped = text.strip()
        location = self.loc(origin)
        source = self.source_of(origin)
        if stripped.startswith("{"):
            resource = connection_from_value(self.ctx, conn_id, stripped, origin="dag-code", location=location,
                                             locator=lambda needles: source.find(location, needles),
                                             env_var=env_var)
            if resource is not None:
                self.resources.append(resource)
            return
        try:
            parsed = parse_uri(stripped)
        except ConnectionValueError as exc:
            if not _template(stripped):  # f"...:{port}/db", "...{user}:{password}@...".format(): a template
                self.ctx.notice("parse-error", f"connection '{conn_id}': {exc}", location.path, location.start_line)
            return
        if conn_type and parsed.conn_type and parsed.conn_type.split("+")[0] in ("postgres", "postgresql", "mysql") or parsed.conn_type and "+" in parsed.conn_type:
            parsed.conn_type = normalize_conn_type(parsed.conn_type.split("+")[0])
        if parsed.password and _template(parsed.password):
            parsed.password = "${template}"  # a `{password}` field filled in at run time
        elif parsed.password and secrets.classify(parsed.password) == secrets.LITERAL:
            constant = self._part_constant(origin, parsed.password)
            if constant is not None:  # f"...:{PW}@...": the secret is reported where PW's literal is written
                if id(constant.origin) not in self.consumed:
                    self._credential("hardcoded-secret", constant, "constant used as the password of a "
                                     "connection URI")
                parsed.password = "${constant}"
        if _iam_token(Evaluated(parsed.password, origin)) or id(origin) in self.iam_signed \
                or id(anchor) in self.iam_signed:
            extra, _ = parsed.extra_dejson()
            parsed.extra = json.dumps({**extra, "iam": True})
        resource = build_connection(self.ctx, conn_id, parsed, origin="dag-code", definition="uri",
                                    location=location, env_var=env_var,
                                    locator=lambda needles: source.find(location, needles))
        self.resources.append(resource)

    def _part_constant(self, origin: ast.AST, secret: str) -> Evaluated | None:
        """The constant a text built by an f-string or `+` takes its whole secret from, when that is a
        name bound to a literal: `f"postgresql://u:{PW}@h/db"`, `f"Bearer {TOKEN}"` -> the literal."""
        if isinstance(origin, ast.JoinedStr):
            parts = [part.value for part in origin.values if isinstance(part, ast.FormattedValue)]
        elif isinstance(origin, ast.BinOp) and isinstance(origin.op, ast.Add):
            parts, current = [], origin
            while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                parts.append(current.right)
                current = current.left
            parts.append(current)
        else:
            return None
        for part in parts:
            if not isinstance(part, (ast.Name, ast.Attribute)):
                continue
            evaluated = self.eval(part)
            if evaluated.value == secret and isinstance(evaluated.origin, ast.Constant):
                return evaluated
        return None

    def _report_built(self, kind: str, evaluated: Evaluated, via: str, secret: str,
                      location: FileLocation | None = None) -> None:
        """A credential in a text that may be built from constants: reported where the secret's literal is
        written (once: a constant already reported under its own name is not reported again at its use)."""
        if type(evaluated.origin) in (ast.JoinedStr, ast.BinOp):
            constant = self._part_constant(evaluated.origin, secret)
            if constant is not None:
                if id(constant.origin) not in self.consumed:
                    self._credential(kind, constant, via)
                return
        if secret == to_text(evaluated.value) and location is None:
            self._credential(kind, evaluated, via)
        else:
            self._credential(kind, evaluated, via, value=secret,
                             location=location or self.find_in(evaluated.origin, [secret]))

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
            key = keyword.arg
            if key and (key == "conn_id" or key.endswith("_conn_id")):
                value = self.eval(keyword.value).value
                if isinstance(value, list):
                    conn_ids.extend(v for v in value if isinstance(v, str) and v)
                elif isinstance(value, str) and value:  # (one id, the commonest: no list nor generator made)
                    conn_ids.append(value)
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

    def _task(self, node: ast.Call, name: str, task_id_node: ast.AST) -> None:
        """A task made by the call `node` of `name`, whose `task_id=` argument is `task_id_node`."""
        task_id = self.eval(task_id_node).value
        if not task_id or not isinstance(task_id, str):
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

    def _usage(self, node: ast.Call) -> None:
        """The conn ids a call inside a task (not itself a task) names are the task's."""
        conn_ids = self._conn_ids(node)
        for conn_id in conn_ids:
            if conn_id not in self.task_stack[-1].conn_ids:
                self.task_stack[-1].conn_ids.append(conn_id)

    # ------------------------------------------------------------------ credentials in arguments
    def _secret_arguments(self, node: ast.Call, name: str, leaf: str, keywords: list[ast.keyword]) -> None:
        """Credentials among the arguments of the call `node` of `name` (last part `leaf`), its `keywords`."""
        if leaf in _K8S_SECRET_REFERENCES or (leaf == "Secret" and "kubernetes" in name):
            return  # a call that names a Kubernetes Secret (KPO's `Secret`): its arguments are references
        pair = len(node.args) >= 2 and name.endswith("EnvVar")  # name/value keywords (or V1EnvVar(n, v))
        if keywords and self._secret_keywords(keywords, name):
            pair = True
        if pair:
            self._pair_call(node, name)

    def _secret_keywords(self, keywords: list[ast.keyword], name: str) -> bool:
        """Credentials among the keyword arguments of a call to `name`; whether one is a value of a name/value
        pair (`value=`)."""
        pair = False
        evaluator, scope, consumed = self.evaluator, self.scope, self.consumed
        unpaid = 0  # constants read here, not evaluated: their evaluations are paid for before the next one's
        plain_argument = _plain_argument
        for keyword in keywords:
            key = keyword.arg
            if not key:
                continue
            if key in _VALUE_KEYS:
                pair = True
            argument = keyword.value
            if type(argument) is ast.Constant:  # half the arguments: `may_be_text` is True for text only
                literal = argument.value  # type: ignore[attr-defined]
                if type(literal) is not str:
                    if type(literal) is not bytes:
                        continue  # a number, a flag, None: no text
                elif len(literal) != 20 and plain_argument(key):
                    # Under a name that says nothing (`task_id`, `bash_command`), a text is a finding only as an
                    # AWS key id, 20 characters (its evaluation keeps the length: a lone surrogate becomes one
                    # U+FFFD). Its evaluation is only paid for, as the budgets must run out where they did.
                    unpaid += 1
                    continue
            elif not evaluator.may_be_text(argument, scope):
                continue
            if unpaid:
                evaluator.spend_constant(unpaid)
                unpaid = 0
            evaluated = self.eval(argument)
            value = evaluated.value
            if id(evaluated.origin) in consumed or not isinstance(value, str):
                continue
            if key in _AWS_KEY_ID_ARGUMENTS or (
                    len(value) == 20 and patterns.AWS_ACCESS_KEY_ID.fullmatch(value)):  # a key id is 20 characters
                self._credential("aws-access-key-id", evaluated, f"argument {key} of {name or 'a call'}")
            elif key in _AWS_SECRET_ARGUMENTS:
                self._credential("aws-secret-access-key", evaluated, f"argument {key} of {name or 'a call'}")
            elif (kind := _named_kind(key, value, "password-argument")) is not None:
                self._credential(kind, evaluated, f"argument {key} of {name or 'a call'}")
        if unpaid:
            evaluator.spend_constant(unpaid)
        return pair

    def _pair_call(self, node: ast.Call, name: str) -> None:
        """An environment variable (or setting) defined by a call: `k8s.V1EnvVar(name="DB_PASSWORD",
        value="...")`, `Variable.set(key=..., value=...)`: the value is a secret when the name says so."""
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        if len(node.args) >= 2 and name.rsplit(".", 1)[-1] in ("V1EnvVar", "EnvVar"):
            keywords.setdefault("name", node.args[0])
            keywords.setdefault("value", node.args[1])
        for name_key, value_key in _PAIR_KEYS:
            if name_key in keywords and value_key in keywords:
                label = self.eval(keywords[name_key]).value
                if isinstance(label, str):
                    self._named_value(label, keywords[value_key], f"value of {label} in {name or 'a call'}")
                return

    def _secret_entries(self, node: ast.Dict) -> None:
        """Literal secrets in a dict: under a secret-named key (`op_kwargs={"password": ...}`,
        `headers={"Authorization": "Bearer ..."}`, `env={"PGPASSWORD": ...}`), or as the value of a
        name/value pair (ECS `{"name": "DB_PASSWORD", "value": ...}`)."""
        if id(node) in self.consumed:
            return  # a connection's extra
        keys: dict[str, ast.AST] = {}
        for key, value in zip(node.keys, node.values):
            if type(key) is ast.Constant and type(key.value) is str:  # type: ignore[attr-defined]
                keys[key.value] = value  # type: ignore[attr-defined]
        if not keys:
            return
        pair = next(((n, v) for n, v in _PAIR_KEYS if n in keys and v in keys), None) \
            if "value" in keys or "Value" in keys else None  # (a pair's value key: most dicts have none)
        if pair is not None:
            label = self.eval(keys[pair[0]]).value
            if isinstance(label, str):
                self._named_value(label, keys[pair[1]], f"value of {label} in a name/value pair")
        strength = secret_shapes.name_strength
        for key, value in keys.items():
            if (strength(key) is not None or key in CLIENT_PASSWORD_VARS) and (pair is None or key not in pair):
                self._named_value(key, value, f"key '{key}' of a dict")

    def _named_value(self, name: str, node: ast.AST, via: str, scope: Scope | None = None) -> None:
        """A credential where the literal `node` evaluates to is a secret under `name`."""
        if type(node) is ast.Constant and type(node.value) is not str:  # type: ignore[attr-defined]
            return  # a number, a flag
        if not _may_name_secret(name):
            return
        if scope is not None:
            if not self.evaluator.may_be_text(node, scope):
                return
            evaluated = self.evaluator.evaluate(node, scope)
        else:
            if not self.evaluator.may_be_text(node, self.scope):
                return
            evaluated = self.eval(node)
        if id(evaluated.origin) in self.consumed or not isinstance(evaluated.value, str):
            return
        text = evaluated.value
        if patterns.AWS_ACCESS_KEY_ID.fullmatch(text.strip()):
            self._credential("aws-access-key-id", evaluated, via)
            return
        kind = _named_kind(name, text, "hardcoded-secret")
        if kind is None or (text.strip() != secret_shapes.credential_part(text)
                            and secret_shapes.is_placeholder(secret_shapes.credential_part(text))):
            return  # "Bearer <token>", "Basic ${AUTH}"
        shape = next((found for found in secret_shapes.find(text) if found.kind == secret_shapes.BEARER_TOKEN),
                     None) if secret_shapes.may_hold(text) else None
        self._report_built(kind, evaluated, via, shape.secret if shape is not None else text)

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
        self.resources.append(Resource(  # (fields in order: cheaper than by name, for the many credentials)
            f"{CREDENTIAL}:{where.path}:{where.start_line}:{where.start_column}:{kind}", CREDENTIAL, via,
            {"kind": kind, "via": via, "value": secrets.marker(text)}, Source(where), {"value": where},
        ))

    # ------------------------------------------------------------------ second pass: strings
    def scan_strings(self, tree: ast.AST) -> None:
        """Every maximal string expression: URIs, AWS keys, shell and SQL passwords, token shapes;
        secret-named constants, dict entries and function defaults."""
        for argument, default, scope, via in self.defaults:
            self._named_value(argument, default, via, scope)
        consumed = self.consumed
        visited, found = self._string_nodes
        nodes = found if visited is tree else walk.string_pass_nodes(tree, STRING_MIN_LENGTH)
        constant, dictionary, assign, annotated = ast.Constant, ast.Dict, ast.Assign, ast.AnnAssign  # (locals)
        gate = patterns.STRING_GATE.search  # `_scan_text`'s test, made here for a constant (no call for most)
        for node in nodes:
            kind = type(node)
            if kind is constant:  # half the nodes: a string of 8 or more characters (`min_length`)
                if id(node) not in consumed:  # scanned as evaluating it gives it (`constant_text`: lone
                    # surrogates replaced, each by one character, so it keeps its 8 or more; a string here)
                    text = node.value  # type: ignore[attr-defined]
                    if gate(text) is not None:  # (the gate's pieces are ASCII: the same with surrogates replaced)
                        self._scan_gated_text(text if text.isascii() else replace_surrogates(text), node)
                continue
            if kind is dictionary:
                self._secret_entries(node)  # type: ignore[arg-type]
                continue
            if kind is assign or kind is annotated:
                self._secret_assignment(node)  # type: ignore[arg-type]
                continue
            if id(node) in consumed:
                continue
            value = self.eval(node).value  # an f-string, a `+` or `%` expression
            if not isinstance(value, str) or len(value) < 8:
                continue
            self._scan_text(value, node)

    def _scan_text(self, text: str, node: ast.AST) -> None:
        # Each search below has a pre-test; most strings of a file pass none (no "://", no AWS key id prefix,
        # no password word, no token-shape literal) and are let go before the set-up: by one search first.
        if patterns.STRING_GATE.search(text) is not None:
            self._scan_gated_text(text, node)

    def _scan_gated_text(self, text: str, node: ast.AST) -> None:
        """`_scan_text` of a text the string gate passed (`scan_strings` searches it before the call)."""
        key_id, password_searches = patterns.may_hold_key_id(text), patterns.password_searches(text)
        # Token shapes in texts up to 1 MiB (a longer one is a built bomb, or a blob: not a place for tokens).
        shaped = 15 <= len(text) <= SHAPE_TEXT_LIMIT
        if not (key_id or password_searches or "://" in text or (shaped and secret_shapes.may_hold(text))):
            return
        evaluated = Evaluated(text, node)
        uris = uris_in_text(text)
        for _, uri in uris:
            self._connection_from_text(f"uri@{self.source.path}:{_line(node)}", uri, node, node)
        if key_id:
            for match in patterns.AWS_ACCESS_KEY_ID.finditer(text):
                self._credential("aws-access-key-id", evaluated, "string literal", value=match.group(0),
                                 location=self.source.find(self.loc(node), [match.group(0)]))
        if password_searches:
            self._scan_passwords(text, node, evaluated, password_searches)
        # URL passwords only beside other URLs than the database ones (those are connections, read above).
        if shaped and secret_shapes.may_hold(text, urls := not uris or text.count("://") > len(uris)):
            for shape in secret_shapes.find(text, urls):
                if shape.kind == secret_shapes.AWS_ACCESS_KEY_ID or (
                        shape.kind == secret_shapes.URL_PASSWORD
                        and (secret_shapes.url_scheme(text, shape.start).startswith(_DB_SCHEMES)
                             or any(c.isspace() for c in text.strip()))):
                    continue  # found above (key ids), read as a connection (database URIs), or an example
                    # in prose (a docstring's `scheme://user:pass@host`): a URL with a password is a whole value
                self._report_built("hardcoded-secret", evaluated, f"{_SHAPE_LABELS[shape.kind]} in a string",
                                   shape.secret)

    def _scan_passwords(self, text: str, node: ast.AST, evaluated: Evaluated,
                        searches: list[tuple[str, re.Pattern[str] | patterns.GapPattern]]) -> None:
        for kind, regex in searches:  # (`patterns.password_searches`: those whose literals the text holds)
            for match in regex.finditer(text):
                secret = match.group("v")
                if "{{" in secret or secret.startswith("$"):
                    continue
                self._credential(kind, evaluated, "bash/SQL text", value=secret,
                                 location=self.source.find(self.loc(node), [secret]))

    def _secret_assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        # (classes compared exactly, as the string pass found the node: `ast.parse` makes no subclasses)
        if type(node) is ast.Assign:
            targets = node.targets  # (an assignment has a value)
        elif node.value is None:
            return  # `name: type` binds nothing
        else:
            targets = [node.target]  # type: ignore[union-attr]
        for target in targets:
            kind = type(target)
            name = target.id if kind is ast.Name else target.attr if kind is ast.Attribute else None
            if name is None:
                continue
            if not _may_name_secret(name):
                continue
            evaluated = self.eval(node.value)
            if id(evaluated.origin) in self.consumed or not isinstance(evaluated.value, str):
                continue
            if "aws" in name.lower() and "secret" in name.lower() and patterns.looks_like_aws_secret(evaluated.value):
                self._credential("aws-secret-access-key", evaluated, f"constant {name}")
            elif (kind := _named_kind(name, evaluated.value, "hardcoded-secret")) is not None:
                self._credential(kind, evaluated, f"constant {name}")

    # ------------------------------------------------------------------ results
    def finish(self) -> list[Resource]:
        # The DAGs' and tasks' resources (every file has some) with their fields in order (id, type, name,
        # attributes, source): a slotted dataclass's and a record's fields by name cost a third more to make.
        for dag_id, location in self.dags.items():
            self.resources.append(Resource(f"{DAG}:{self.source.path}:{dag_id}", DAG, dag_id,
                                           {"dag_id": dag_id, "tasks": sorted(
                                               t.task_id for t in self.tasks if t.dag_id == dag_id)},
                                           Source(location)))
        for task in self.tasks:
            label = f"{task.dag_id}.{task.task_id}" if task.dag_id else task.task_id
            self.resources.append(Resource(
                f"{TASK}:{self.source.path}:{label}", TASK, label,
                {"dag_id": task.dag_id, "task_id": task.task_id, "operator": task.operator,
                 "conn_ids": task.conn_ids, "mapped": task.mapped},
                Source(task.location)))
        config = build_config(self.ctx, self._env_block) if self._env_block is not None else None
        if config is not None:
            self.resources.append(config)
        if self.cross_modules:
            self.resources.append(Resource(
                id=f"{CROSS_MODULE}:{self.source.path}", type=CROSS_MODULE, name=self.source.path,
                attributes={"modules": sorted([module, level] for module, level in self.cross_modules)},
                source=Source(file=self.source.location(1))))
        return self.resources


# The AWS credential arguments `_secret_arguments` reports by their name alone.
_AWS_KEY_ID_ARGUMENTS = ("aws_access_key_id", "AccessKeyId")
_AWS_SECRET_ARGUMENTS = ("aws_secret_access_key", "SecretAccessKey", "aws_session_token")
# The two judgements of a name below are kept per name (a file's keywords and constants repeat, and so do a
# tree's), at most `_NAMES_KEPT` of them: the names come from scanned files.
_NAMES_KEPT = 4096


@lru_cache(maxsize=_NAMES_KEPT)
def _plain_argument(key: str) -> bool:
    """Whether a literal under the argument name `key` is a credential only as an AWS key id: `key` is no AWS
    credential argument, and `_named_kind` gives None under it whatever the text (no secret name, no client
    password variable)."""
    strength = secret_shapes.name_strength(key)
    return strength is None and not _client_password_name(key, strength) \
        and key not in _AWS_KEY_ID_ARGUMENTS and key not in _AWS_SECRET_ARGUMENTS


@lru_cache(maxsize=_NAMES_KEPT)
def _may_name_secret(name: str) -> bool:
    """Whether a literal under `name` (a constant, a key) may be a secret: a secret name (`name_strength`), or
    a client password variable in any case (`pgpassword`)."""
    return secret_shapes.name_strength(name) is not None or name.upper() in CLIENT_PASSWORD_VARS


def _client_password_name(name: str, strength: str | None) -> bool:
    """Whether `name` (of `secret_shapes.name_strength` `strength`) is a database client's password variable:
    `PGPASSWORD`, `pgpassword` too; only the upper-case name on other names."""
    return name in CLIENT_PASSWORD_VARS or (
        (strength is not None or "pass" in name.lower()) and name.upper() in CLIENT_PASSWORD_VARS)


def _named_kind(name: str, text: str, kind: str) -> str | None:
    """The credential kind of a literal `text` under `name` (an argument, a key, a constant), or None, as
    `secret_shapes.detect_named` judges it: AG303's for a database client's password variable, AWS kinds
    for AWS keys, `kind` for any other secret (`*_PASSWORD`, `*_PW`, `api_key`, `client_secret`, a `*_key`
    holding a key). Not: names of secrets (`"password"`, `"WAREHOUSE_PASSWORD"`, `"prod/orders/db"`),
    placeholders, labels, small numbers."""
    strength = secret_shapes.name_strength(name)
    client = _client_password_name(name, strength)
    if not client and strength is None:
        return None
    judged = secret_shapes.detect_named("password" if client else name, text)
    if judged is None:
        return None
    if client:
        return "shell-password"
    if judged == secret_shapes.AWS_SECRET_ACCESS_KEY:
        return "aws-secret-access-key"
    if judged == secret_shapes.AWS_ACCESS_KEY_ID:
        return "aws-access-key-id"
    return kind


def _calls_dag(node: ast.Call) -> bool:
    """Whether the call `node` calls a callee whose dotted name's last part is `DAG` (`DAG(...)`,
    `models.DAG(...)`), tested without building the name (every assignment of a call is tested)."""
    func = node.func
    if type(func) is ast.Name:
        return func.id == "DAG"  # type: ignore[no-any-return]
    return type(func) is ast.Attribute and func.attr == "DAG" and dotted_name(func) is not None


def _template(text: str) -> bool:
    """A value filled in at run time: unknown parts (`${...}`), `str.format` fields, `%` fields, Jinja."""
    if "${" in text or "{{" in text or "%(" in text or "%s" in text:
        return True
    open_brace = text.find("{")
    return open_brace >= 0 and text.find("}", open_brace) > open_brace


def _iam_token(evaluated: Evaluated | None) -> bool:
    """A password that is an RDS IAM auth token (`generate_db_auth_token(...)`, or text built from one)."""
    if evaluated is None:
        return False
    value = evaluated.value
    if isinstance(value, Unknown):
        return value.why == IAM_TOKEN
    return isinstance(value, str) and value.strip() == "${" + IAM_TOKEN + "}"


def _calls_token(node: ast.AST) -> bool:
    """Whether `node` (a function, a lambda) calls `generate_db_auth_token`."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "generate_db_auth_token":
                return True
    return False


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
# Handlers after which the visit does not go on to the node's children: a class or a function schedules them
# itself, an import has none worth visiting (its aliases). The visit goes on to the children of the others.
_CHILDREN_HANDLED = frozenset({ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Import,
                               ast.ImportFrom})
# Node class -> its handler (None: none) and whether the visit goes on to its children after it (not after a
# handler of `_CHILDREN_HANDLED`; a leaf has none): one look-up per node visited.
_VISIT_PLANS: dict[type, tuple[Callable[[Analyzer, Any], None] | None, bool]] = {
    cls: (HANDLERS.get(cls), bool(fields) and cls not in _CHILDREN_HANDLED)
    for cls, fields in walk.NODE_FIELDS.items()
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
