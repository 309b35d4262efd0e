"""Evaluate Python expressions built from literals, without running anything.

Strings, numbers, dicts and lists written as literals, concatenation, f-strings, ``%`` and
``.format`` of constants, ``json.dumps`` of a literal, and names that refer to module-level or
class-level constants or function defaults in the same file. Anything else (a call, ``os.environ``,
``Variable.get``, a Jinja template) is `Unknown`: it renders as ``${...}``, which secret
classification reads as a reference, never as a literal.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

REFERENCE_CALLS = {
    "os.getenv", "getenv", "os.environ.get", "environ.get", "Variable.get", "BaseHook.get_connection",
    "Connection.get_connection_from_secrets", "get_secret_value", "Variable.get_variable_from_secrets",
}


@dataclass(frozen=True)
class Unknown:
    """A value the analysis cannot know; `why` says what it came from (``env``, ``call``...)."""

    why: str = "expr"

    def __str__(self) -> str:
        return "${" + self.why + "}"


@dataclass
class Evaluated:
    value: Any          # str | int | float | bool | None | dict | list | Unknown
    origin: ast.AST     # where the value is written (a constant's definition, not its use)


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for Name/Attribute chains (calls and subscripts break the chain)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def is_known(value: Any) -> bool:
    if isinstance(value, Unknown):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


def to_text(value: Any) -> str:
    if isinstance(value, Unknown):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(plain(value))
    if value is None:
        return ""
    return str(value)


def plain(value: Any) -> Any:
    """JSON-able form: Unknown becomes its ``${...}`` text."""
    if isinstance(value, Unknown):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class Scope:
    """Names a module, class or function binds to expressions (the last binding wins).

    A function defined in a class body does not see the class's names (as in Python), but keeps
    the class as `enclosing_class` so ``self.X`` / ``cls.X`` resolve.
    """

    def __init__(self, parent: Scope | None = None, class_name: str | None = None,
                 enclosing_class: Scope | None = None) -> None:
        self.parent = parent
        self.names: dict[str, ast.AST] = {}
        self.class_name = class_name
        self.enclosing_class = enclosing_class
        self.classes: dict[str, Scope] = parent.classes if parent else {}

    def child_function(self) -> Scope:
        if self.class_name is not None:
            return Scope(self.parent, enclosing_class=self)
        return Scope(self, enclosing_class=self.enclosing_class)

    def child_class(self, name: str) -> Scope:
        scope = Scope(self, class_name=name)
        self.classes[name] = scope
        return scope

    def lookup(self, name: str) -> ast.AST | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


def bind_targets(scope: Scope, body: list[ast.stmt]) -> None:
    """Record simple ``NAME = expr`` / ``NAME: T = expr`` bindings of a block (not nested blocks)."""
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    scope.names[target.id] = statement.value
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            scope.names[statement.target.id] = statement.value
        elif isinstance(statement, (ast.If, ast.Try, ast.With)):
            inner = list(getattr(statement, "body", []))
            if isinstance(statement, ast.Try):
                for handler in statement.handlers:
                    inner += handler.body
                inner += statement.orelse + statement.finalbody
            elif isinstance(statement, ast.If):
                inner += statement.orelse
            bind_targets(scope, inner)


# The expressions `Evaluator._evaluate` can turn into a string (besides constants and names); any other
# becomes a dict, a list or Unknown.
_TEXT_EXPRESSIONS = frozenset({ast.Attribute, ast.JoinedStr, ast.BinOp, ast.Call, ast.Subscript})


class Evaluator:
    MAX_DEPTH = 40

    def __init__(self) -> None:
        self._active: set[int] = set()

    def evaluate(self, node: ast.AST | None, scope: Scope, depth: int = 0) -> Evaluated:
        if node is None:
            return Evaluated(None, ast.Constant(value=None))
        if depth > self.MAX_DEPTH or id(node) in self._active:
            return Evaluated(Unknown("expr"), node)
        if type(node) is ast.Constant:  # a leaf: no names to resolve, so no cycle to guard against
            return _constant(node)
        self._active.add(id(node))
        try:
            return self._evaluate(node, scope, depth + 1)
        finally:
            self._active.discard(id(node))

    def may_be_text(self, node: ast.AST, scope: Scope) -> bool:
        """False when `evaluate` surely gives no string: a literal container or number, a name bound to
        one or to nothing, an expression kind it does not read. True when unsure (then evaluate)."""
        for _ in range(self.MAX_DEPTH):
            kind = type(node)
            if kind is ast.Constant:
                return isinstance(node.value, (str, bytes))  # type: ignore[attr-defined]
            if kind is not ast.Name:
                return kind in _TEXT_EXPRESSIONS
            bound = scope.lookup(node.id)  # type: ignore[attr-defined]
            if bound is None:
                return False  # Unknown(name)
            node = bound
        return True

    def value(self, node: ast.AST | None, scope: Scope) -> Any:
        return self.evaluate(node, scope).value

    def _evaluate(self, node: ast.AST, scope: Scope, depth: int) -> Evaluated:
        if isinstance(node, ast.Constant):
            return _constant(node)
        if isinstance(node, ast.Name):
            bound = scope.lookup(node.id)
            if bound is None:
                return Evaluated(Unknown(node.id), node)
            return self.evaluate(bound, scope, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, depth)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                elif isinstance(part, ast.FormattedValue):
                    inner = self.evaluate(part.value, scope, depth).value
                    parts.append(to_text(inner) if not isinstance(inner, (dict, list)) else str(Unknown("expr")))
            return Evaluated("".join(parts), node)
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope, depth)
        if isinstance(node, ast.Dict):
            result: dict[str, Any] = {}
            for key, value in zip(node.keys, node.values):
                if key is None:  # {**other}
                    merged = self.evaluate(value, scope, depth).value
                    if isinstance(merged, dict):
                        result.update(merged)
                    continue
                key_value = self.evaluate(key, scope, depth).value
                result[to_text(key_value)] = self.evaluate(value, scope, depth).value
            return Evaluated(result, node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return Evaluated([self.evaluate(e, scope, depth).value for e in node.elts], node)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.Subscript):
            base = dotted_name(node.value)
            if base in ("os.environ", "environ"):
                return Evaluated(Unknown("env"), node)
            container = self.evaluate(node.value, scope, depth).value
            key = self.evaluate(node.slice, scope, depth).value
            if isinstance(container, dict) and isinstance(key, str) and key in container:
                return Evaluated(container[key], node)
            return Evaluated(Unknown("expr"), node)
        return Evaluated(Unknown("expr"), node)

    def _attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Evaluated:
        owner = node.value
        if isinstance(owner, ast.Name):
            class_scope = scope.classes.get(owner.id)
            if owner.id in ("self", "cls"):
                class_scope = _enclosing_class(scope)
            if class_scope is not None and node.attr in class_scope.names:
                return self.evaluate(class_scope.names[node.attr], class_scope, depth)
        return Evaluated(Unknown(node.attr), node)

    def _binop(self, node: ast.BinOp, scope: Scope, depth: int) -> Evaluated:
        left = self.evaluate(node.left, scope, depth).value
        right = self.evaluate(node.right, scope, depth).value
        if isinstance(node.op, ast.Add):
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) \
                    and not isinstance(left, bool) and not isinstance(right, bool):
                return Evaluated(left + right, node)
            if isinstance(left, (str, Unknown)) or isinstance(right, (str, Unknown)):
                return Evaluated(to_text(left) + to_text(right), node)
        if isinstance(node.op, ast.Mult) and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            return Evaluated(left * right, node)
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            try:
                if isinstance(right, dict):
                    return Evaluated(left % {k: to_text(v) for k, v in right.items()}, node)
                args = right if isinstance(right, list) else [right]
                return Evaluated(left % tuple(to_text(a) for a in args), node)
            except (TypeError, ValueError, KeyError):
                return Evaluated(Unknown("expr"), node)
        return Evaluated(Unknown("expr"), node)

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Evaluated:
        name = dotted_name(node.func) or ""
        if name in REFERENCE_CALLS or name.endswith((".getenv", "Variable.get", ".get_connection",
                                                     "get_secret_value", "generate_db_auth_token")):
            return Evaluated(Unknown("ref"), node)
        if name in ("json.dumps", "dumps") and node.args:
            inner = self.evaluate(node.args[0], scope, depth).value
            return Evaluated(json.dumps(plain(inner)) if isinstance(inner, (dict, list)) else Unknown("expr"), node)
        if name in ("dict",) and not node.args:
            return Evaluated({kw.arg: self.evaluate(kw.value, scope, depth).value for kw in node.keywords
                              if kw.arg}, node)
        if name in ("str",) and len(node.args) == 1:
            inner = self.evaluate(node.args[0], scope, depth).value
            return Evaluated(to_text(inner), node)
        if name in ("int",) and len(node.args) == 1:
            inner = self.evaluate(node.args[0], scope, depth).value
            try:
                return Evaluated(int(inner), node)
            except (TypeError, ValueError):
                return Evaluated(Unknown("expr"), node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            template = self.evaluate(node.func.value, scope, depth).value
            if isinstance(template, str):
                args = [to_text(self.evaluate(a, scope, depth).value) for a in node.args]
                kwargs = {kw.arg: to_text(self.evaluate(kw.value, scope, depth).value)
                          for kw in node.keywords if kw.arg}
                try:
                    return Evaluated(template.format(*args, **kwargs), node)
                except (IndexError, KeyError, ValueError):
                    return Evaluated(Unknown("expr"), node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("strip", "lower", "upper"):
            inner = self.evaluate(node.func.value, scope, depth).value
            if isinstance(inner, str):
                return Evaluated(getattr(inner, node.func.attr)(), node)
        return Evaluated(Unknown("call"), node)


def _constant(node: ast.Constant) -> Evaluated:
    value = node.value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, (str, int, float, bool, type(None))):
        return Evaluated(Unknown("expr"), node)
    return Evaluated(value, node)


def _enclosing_class(scope: Scope) -> Scope | None:
    current: Scope | None = scope
    while current is not None:
        if current.class_name is not None:
            return current
        if current.enclosing_class is not None:
            return current.enclosing_class
        current = current.parent
    return None
