"""Evaluate Python expressions built from literals, without running anything.

Strings, numbers, dicts and lists written as literals, concatenation, f-strings, ``%`` and
``.format`` of constants, ``json.dumps`` of a literal, and names that refer to module-level or
class-level constants or function defaults in the same file. Anything else (a call, ``os.environ``,
``Variable.get``, a Jinja template) is `Unknown`: it renders as ``${...}``, which secret
classification reads as a reference, never as a literal.

Evaluation is bounded, so hostile code cannot make it hang or exhaust memory: nesting is followed
`Evaluator.MAX_DEPTH` levels (a long ``a + b + c ...`` chain is folded without recursing), each top-level
evaluation and each file have a work budget (nodes evaluated, and text built), a name's value is
evaluated once (not again at each use), text is at most
`Evaluator.MAX_TEXT` characters, format widths are small, integers past a float's range are infinities and
lone surrogates are U+FFFD. What a budget or cap cuts short is `Unknown`, and `Evaluator.exhausted` says so.
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from scanner.collect.pycode.walk import NODE_FIELDS
from scanner.doctree import bounded_number, replace_surrogates
from scanner.records import FrozenRecord, Record

# What a call to RDS's `generate_db_auth_token` evaluates to: a short-lived IAM token, not a password.
IAM_TOKEN = "iam-token"

REFERENCE_CALLS = {
    "os.getenv", "getenv", "os.environ.get", "environ.get", "Variable.get", "BaseHook.get_connection",
    "Connection.get_connection_from_secrets", "get_secret_value", "Variable.get_variable_from_secrets",
}


class Unknown(FrozenRecord):
    """A value the analysis cannot know; `why` says what it came from (``env``, ``call``...)."""

    __slots__ = _fields = ("why",)

    def __init__(self, why: str = "expr") -> None:
        object.__setattr__(self, "why", why)

    def __str__(self) -> str:
        return "${" + self.why + "}"


# The commonest unknowns, made once (a frozen record is slow to make: its __init__ goes through
# object.__setattr__): what an expression the evaluation does not read, and a call, evaluate to.
UNKNOWN_EXPR = Unknown("expr")
UNKNOWN_CALL = Unknown("call")
UNKNOWN_ENV, UNKNOWN_REFERENCE, UNKNOWN_IAM_TOKEN = Unknown("env"), Unknown("ref"), Unknown(IAM_TOKEN)
# The unknown value of a name (or attribute) the file does not bind, by its name: made once per name (a
# file's names repeat; the value is immutable, and equal to a new one).
unknown_named = lru_cache(maxsize=4096)(Unknown)


class Evaluated(Record):   # one per evaluation of every node: slotted, no instance dict to make and read
    __slots__ = _fields = ("value", "origin")

    def __init__(self, value: Any, origin: ast.AST) -> None:
        self.value = value      # str | int | float | bool | None | dict | list | Unknown
        self.origin = origin    # where the value is written (a constant's definition, not its use)


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for Name/Attribute chains (calls and subscripts break the chain)."""
    kind = type(node)
    if kind is ast.Name:  # the commonest callee: `f(...)`
        return node.id  # type: ignore[attr-defined, no-any-return]
    if kind is ast.Attribute and type(node.value) is ast.Name:  # the next: `a.b` (no list to join)
        return node.value.id + "." + node.attr  # type: ignore[attr-defined, no-any-return]
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
            bound = scope.names.get(name)  # (a name is bound to an expression, never to None)
            if bound is not None:
                return bound
            scope = scope.parent
        return None


def bind_targets(scope: Scope, body: list[ast.stmt]) -> None:
    """Record simple ``NAME = expr`` / ``NAME: T = expr`` bindings of a block (not nested blocks). Node
    classes are compared exactly, cheaper than `isinstance` on every statement: `ast.parse` makes no
    subclasses."""
    names = scope.names
    assign, annotated, name_class = ast.Assign, ast.AnnAssign, ast.Name  # (locals: read for every statement)
    for statement in body:
        kind = type(statement)
        if kind is assign:
            for target in statement.targets:  # type: ignore[attr-defined]
                if type(target) is name_class:
                    names[target.id] = statement.value  # type: ignore[attr-defined]
        elif kind is annotated:
            if type(statement.target) is name_class and statement.value:  # type: ignore[attr-defined]
                names[statement.target.id] = statement.value  # type: ignore[attr-defined]
        elif kind in _BLOCKS:
            inner = list(getattr(statement, "body", []))
            if isinstance(statement, ast.Try):
                for handler in statement.handlers:
                    inner += handler.body
                inner += statement.orelse + statement.finalbody
            elif isinstance(statement, ast.If):
                inner += statement.orelse
            bind_targets(scope, inner)


_BLOCKS = frozenset({ast.If, ast.Try, ast.With})  # their bindings are the enclosing block's (`bind_targets`)


# The expressions `Evaluator.evaluate` can turn into a string (besides constants and names); any other
# becomes a dict, a list or Unknown.
_TEXT_EXPRESSIONS = frozenset({ast.Attribute, ast.JoinedStr, ast.BinOp, ast.Call, ast.Subscript})


# The rest of a `%` conversion after its mapping key: flags, width, precision, length modifier, conversion.
_PERCENT_TAIL = re.compile(r"[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?(.?)", re.DOTALL)
_DIGITS = re.compile(r"\d+")


class Evaluator:
    MAX_DEPTH = 40
    BUDGET = 20_000            # work units per top-level evaluation: a node, or 1,024 characters of text built
    FILE_BUDGET = 2_000_000    # work units for all evaluations of a file (one Evaluator reads one file)
    MAX_TEXT = 10_000_000      # characters of a text the evaluation builds (a file is at most 5 MiB)

    def __init__(self, class_names: set[str] | None = None, resolver: Resolver | None = None) -> None:
        # Names that may be classes of the file (None: any name may): `Name.X` of one not yet visited is
        # unknown now, but not later.
        self.class_names = class_names
        # Names imported from other modules of the scanned repository (`scanner.collect.pycode.project`):
        # None in the per-file analysis, where they are unknown.
        self.resolver = resolver
        self._active: set[ast.AST] = set()  # nodes being evaluated (an AST node hashes by identity)
        self.file_left = self.FILE_BUDGET
        # The class's caps, read by every evaluation: an instance's own attributes are read faster
        self._max_depth, self._budget, self._max_text = self.MAX_DEPTH, self.BUDGET, self.MAX_TEXT
        # The budgets are spent when `file_left` falls below this: the file's at 0, the current top-level
        # evaluation's at `BUDGET` below what was left when it began (one count charged, not two).
        self._floor = 0
        self.exhausted = False              # some value was read as unknown because a budget or cap ran out
        # What a name's bound expression evaluates to in a scope (the scope kept alive, so its id stays its
        # own), when nothing that depends on the moment cut the evaluation short (`_cuts` did not change):
        # `b = a + a; c = b + b; ...` costs one evaluation per name, not two to the power of the names.
        self._resolved: dict[tuple[int, int], tuple[Scope, Evaluated]] = {}
        self._cuts = 0                      # depth, cycle, budget or not-yet-known class cut-offs so far

    def evaluate(self, node: ast.AST | None, scope: Scope, depth: int = 0) -> Evaluated:
        if node is None:
            return Evaluated(None, ast.Constant(value=None))
        if depth == 0:
            floor = self.file_left - self._budget
            self._floor = floor if floor > 0 else 0  # noqa: FURB136 - no `max` call: every top-level evaluation passes here
        kind = type(node)
        # a constant is a leaf: no names to resolve, so no cycle to guard against (it is never `_active`)
        if depth > self._max_depth or (kind is not ast.Constant and node in self._active):
            self._cuts += 1
            return Evaluated(UNKNOWN_EXPR, node)
        # `_charge(1)`, inlined: every evaluation of every node passes here
        self.file_left -= 1
        if self.file_left < self._floor:
            self.exhausted = True
            self._cuts += 1
            return Evaluated(UNKNOWN_EXPR, node)
        if kind is ast.Constant:  # most evaluations: a string needs none of `_constant`'s tests
            value = node.value  # type: ignore[attr-defined]
            if type(value) is str:
                return Evaluated(value if value.isascii() else replace_surrogates(value), node)
            return _constant(node)  # type: ignore[arg-type]
        # any other node by the reader of its class (`_READERS`): one look-up, not a test of each kind in turn
        reader = _READER_BY_CLASS.get(kind) or _reader_of(kind)  # (none: a class made later, a subclass)
        self._active.add(node)
        try:
            return reader(self, node, scope, depth + 1)
        finally:
            self._active.discard(node)

    def spend_constant(self, count: int = 1) -> None:
        """Spend what `evaluate` of a constant spends at the top level (one unit), `count` times, for a caller
        that reads the constants itself: the budgets run out, and `exhausted` is set, at the evaluation they
        would have (`_cuts` counts each evaluation cut short)."""
        self.file_left -= count
        floor = self.file_left + 1 - self._budget  # as the last one's evaluation would have left it
        self._floor = floor if floor > 0 else 0  # noqa: FURB136 - no `max` call: charged per skipped constant
        if self.file_left < 0:
            self.exhausted = True
            self._cuts += min(count, -self.file_left)  # those of the `count` that found the budget spent

    def _charge(self, units: int) -> bool:
        """Spend work units; False (and `exhausted`) when this evaluation's or the file's budget is spent."""
        self.file_left -= units
        if self.file_left < self._floor:
            self.exhausted = True
            self._cuts += 1
            return False
        return True

    def _resolve(self, bound: ast.AST, scope: Scope, depth: int) -> Evaluated:
        """The expression a name is bound to, evaluated in `scope`: once, when the result cannot change."""
        key = (id(bound), id(scope))
        known = self._resolved.get(key)
        if known is not None:
            return known[1]
        cuts = self._cuts
        result = self.evaluate(bound, scope, depth)
        if self._cuts == cuts:
            self._resolved[key] = (scope, result)
        return result

    def _text(self, text: str, node: ast.AST) -> Evaluated:
        """A text the evaluation built, paid for by its length; Unknown past the caps."""
        if len(text) > self._max_text:
            self.exhausted = True
            return Evaluated(UNKNOWN_EXPR, node)
        if not self._charge(len(text) // 1024):
            return Evaluated(UNKNOWN_EXPR, node)
        return Evaluated(text, node)

    def _fits_format(self, template: str, fields: tuple[int, int] | None, args: list[str]) -> bool:
        """Whether formatting `template` (`fields`: its count of fields and total of widths, None when it may
        not be formatted) with texts `args` surely builds at most MAX_TEXT characters."""
        if fields is None:
            return False
        count, widths = fields
        if len(template) + widths + count * max(map(len, args), default=0) <= self.MAX_TEXT:
            return True
        self.exhausted = True
        return False

    def _fits(self, *values: Any) -> bool:
        """Whether the texts of `values` together stay within MAX_TEXT (else `exhausted`)."""
        if _text_size(values, self.MAX_TEXT) <= self.MAX_TEXT:
            return True
        self.exhausted = True
        return False

    def may_be_text(self, node: ast.AST, scope: Scope) -> bool:
        """False when `evaluate` surely gives no string: a literal container or number, a name bound to
        one or to nothing, an expression kind it does not read. True when unsure (then evaluate)."""
        for _ in range(self._max_depth):
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

    def _name(self, node: ast.Name, scope: Scope, depth: int) -> Evaluated:
        name = node.id  # (read once: an AST node's fields are slow to read)
        bound = scope.lookup(name)
        if bound is None:
            if self.resolver is not None:
                found = self.resolver.resolve(name, depth)
                if found is not None:
                    return found
            return Evaluated(unknown_named(name), node)
        return self._resolve(bound, scope, depth)

    def _joined(self, node: ast.JoinedStr, scope: Scope, depth: int) -> Evaluated:
        parts = []
        size = 0
        for part in node.values:  # (classes compared exactly: `ast.parse` makes no subclasses)
            kind = type(part)
            if kind is ast.Constant:
                text = part.value  # type: ignore[attr-defined]
                if type(text) is not str:
                    text = str(text)
                parts.append(text if text.isascii() else replace_surrogates(text))  # (no call for most)
            elif kind is ast.FormattedValue:
                inner = self.evaluate(part.value, scope, depth).value
                parts.append(inner if type(inner) is str  # (the commonest: no call)
                             else to_text(inner) if not isinstance(inner, (dict, list)) else str(UNKNOWN_EXPR))
            else:
                continue
            size += len(parts[-1])
            if size > self._max_text:
                self.exhausted = True
                return Evaluated(UNKNOWN_EXPR, node)
        return self._text("".join(parts), node)

    def _dict(self, node: ast.Dict, scope: Scope, depth: int) -> Evaluated:
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

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set, scope: Scope, depth: int) -> Evaluated:
        return Evaluated([self.evaluate(e, scope, depth).value for e in node.elts], node)

    def _subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Evaluated:
        base = dotted_name(node.value)
        if base in ("os.environ", "environ"):
            return Evaluated(UNKNOWN_ENV, node)
        container = self.evaluate(node.value, scope, depth).value
        key = self.evaluate(node.slice, scope, depth).value
        if isinstance(container, dict) and isinstance(key, str) and key in container:
            return Evaluated(container[key], node)
        return Evaluated(UNKNOWN_EXPR, node)

    def _constant_node(self, node: ast.Constant, scope: Scope, depth: int) -> Evaluated:
        return _constant(node)

    def _unknown(self, node: ast.AST, scope: Scope, depth: int) -> Evaluated:
        return Evaluated(UNKNOWN_EXPR, node)

    def _attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Evaluated:
        owner = node.value
        if isinstance(owner, ast.Name):
            class_scope = scope.classes.get(owner.id)
            if owner.id in ("self", "cls"):
                class_scope = _enclosing_class(scope)
            elif class_scope is None and (self.class_names is None or owner.id in self.class_names):
                self._cuts += 1  # the class may be defined further on: known once the visit reaches it
            if class_scope is not None and node.attr in class_scope.names:
                return self._resolve(class_scope.names[node.attr], class_scope, depth)
        if self.resolver is not None and scope.lookup(_root_name(node)) is None:
            dotted = dotted_name(node)
            if dotted is not None:
                found = self.resolver.resolve(dotted, depth)
                if found is not None:
                    return found
        return Evaluated(unknown_named(node.attr), node)

    def _binop(self, node: ast.BinOp, scope: Scope, depth: int) -> Evaluated:
        operator = type(node.op)  # (read once; `ast.parse` makes no subclasses)
        if operator is ast.Add:
            return self._sum(node, scope, depth)
        left = self.evaluate(node.left, scope, depth).value
        right = self.evaluate(node.right, scope, depth).value
        if operator is ast.Mult and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            return Evaluated(bounded_number(left * right), node)
        if operator is ast.Mod and isinstance(left, str):
            if not self._fits(right):
                return Evaluated(UNKNOWN_EXPR, node)
            values = right.values() if isinstance(right, dict) else right if isinstance(right, list) else [right]
            if not self._fits_format(left, _percent_fields(left), [to_text(v) for v in values]):
                return Evaluated(UNKNOWN_EXPR, node)
            try:
                if isinstance(right, dict):
                    return self._text(left % {k: to_text(v) for k, v in right.items()}, node)
                args = right if isinstance(right, list) else [right]
                return self._text(left % tuple(to_text(a) for a in args), node)
            except (TypeError, ValueError, KeyError):
                return Evaluated(UNKNOWN_EXPR, node)
        return Evaluated(UNKNOWN_EXPR, node)

    def _sum(self, node: ast.BinOp, scope: Scope, depth: int) -> Evaluated:
        """``a + b + c ...``: the left-nested chain of `+` folded left to right as Python adds, without
        recursing down the chain (a generated file may hold thousands of terms)."""
        operands: list[ast.AST] = []
        current: ast.AST = node
        while type(current) is ast.BinOp and isinstance(current.op, ast.Add):  # type: ignore[attr-defined]
            operands.append(current.right)  # type: ignore[attr-defined]
            current = current.left  # type: ignore[attr-defined]
        operands.append(current)
        operands.reverse()
        if not self._charge(len(operands) - 2):  # the inner `+` nodes
            return Evaluated(UNKNOWN_EXPR, node)
        total: Any = self.evaluate(operands[0], scope, depth).value
        parts: list[str] | None = None  # once the sum is text, every later term is appended as text
        size = 0
        for operand in operands[1:]:
            right = self.evaluate(operand, scope, depth).value
            if parts is None:
                if isinstance(total, (int, float)) and isinstance(right, (int, float)) \
                        and not isinstance(total, bool) and not isinstance(right, bool):
                    total = bounded_number(total + right)
                    continue
                if not (isinstance(total, (str, Unknown)) or isinstance(right, (str, Unknown))):
                    total = UNKNOWN_EXPR
                    continue
                if not self._fits(total):
                    return Evaluated(UNKNOWN_EXPR, node)
                parts = [to_text(total)]
                size = len(parts[0])
            # `_fits(right)`; a text, the commonest term, fits when `_text_size((right,))`, its length and 4 (for
            # the tuple), does
            if not (type(right) is str and len(right) <= self._max_text - 4) and not self._fits(right):
                return Evaluated(UNKNOWN_EXPR, node)
            parts.append(right if type(right) is str else to_text(right))
            size += len(parts[-1])
            if size > self._max_text:
                self.exhausted = True
                return Evaluated(UNKNOWN_EXPR, node)
        if parts is None:
            return Evaluated(total, node)
        return self._text("".join(parts), node)

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Evaluated:
        func = node.func  # (read once: an AST node's fields are slow to read)
        name = dotted_name(func) or ""
        method = func.attr if type(func) is ast.Attribute else None  # `x.method(...)`'s (no subclasses)
        if name.endswith("generate_db_auth_token") or method == "generate_db_auth_token":
            return Evaluated(UNKNOWN_IAM_TOKEN, node)  # boto3.client("rds").generate_db_auth_token(...) too
        if name in REFERENCE_CALLS or name.endswith((".getenv", "Variable.get", ".get_connection",
                                                     "get_secret_value")):
            return Evaluated(UNKNOWN_REFERENCE, node)
        if name in ("json.dumps", "dumps") and node.args:
            inner = self.evaluate(node.args[0], scope, depth).value
            if not isinstance(inner, (dict, list)) or not self._fits(inner):
                return Evaluated(UNKNOWN_EXPR, node)
            return self._text(json.dumps(plain(inner)), node)
        if name in ("dict",) and not node.args:
            return Evaluated({kw.arg: self.evaluate(kw.value, scope, depth).value for kw in node.keywords
                              if kw.arg}, node)
        if name in ("str",) and len(node.args) == 1:
            inner = self.evaluate(node.args[0], scope, depth).value
            if not self._fits(inner):
                return Evaluated(UNKNOWN_EXPR, node)
            return self._text(to_text(inner), node)
        if name in ("int",) and len(node.args) == 1:
            inner = self.evaluate(node.args[0], scope, depth).value
            try:  # ValueError: NaN, or text past Python's conversion limit; OverflowError: inf
                return Evaluated(bounded_number(int(inner)), node)
            except (TypeError, ValueError, OverflowError):
                return Evaluated(UNKNOWN_EXPR, node)
        if method == "format":
            template = self.evaluate(func.value, scope, depth).value  # type: ignore[attr-defined]
            if isinstance(template, str):
                args = [self.evaluate(a, scope, depth).value for a in node.args]
                kwargs = {kw.arg: self.evaluate(kw.value, scope, depth).value for kw in node.keywords if kw.arg}
                if not self._fits(args, kwargs):
                    return Evaluated(UNKNOWN_EXPR, node)
                texts = [to_text(a) for a in args]
                named = {k: to_text(v) for k, v in kwargs.items()}
                if not self._fits_format(template, _format_fields(template), [*texts, *named.values()]):
                    return Evaluated(UNKNOWN_EXPR, node)
                try:
                    return self._text(template.format(*texts, **named), node)
                except (IndexError, KeyError, ValueError):
                    return Evaluated(UNKNOWN_EXPR, node)
        if method in ("strip", "lower", "upper"):
            inner = self.evaluate(func.value, scope, depth).value  # type: ignore[attr-defined]
            if isinstance(inner, str):
                return Evaluated(getattr(inner, method)(), node)  # type: ignore[arg-type]
        return Evaluated(UNKNOWN_CALL, node)


Reader = Callable[[Evaluator, Any, Scope, int], Evaluated]
# How `Evaluator.evaluate` reads a node (a constant of the exact class it reads itself): by the first of these
# classes the node is an instance of; any other node is unknown.
_READERS: tuple[tuple[type | tuple[type, ...], Reader], ...] = (
    (ast.Constant, Evaluator._constant_node),
    (ast.Name, Evaluator._name),
    (ast.Attribute, Evaluator._attribute),
    (ast.JoinedStr, Evaluator._joined),
    (ast.BinOp, Evaluator._binop),
    (ast.Dict, Evaluator._dict),
    ((ast.List, ast.Tuple, ast.Set), Evaluator._sequence),
    (ast.Call, Evaluator._call),
    (ast.Subscript, Evaluator._subscript),
)


def _reader_of(cls: type) -> Reader:
    return next((reader for kinds, reader in _READERS if issubclass(cls, kinds)), Evaluator._unknown)


# Every node class -> its reader, decided once.
_READER_BY_CLASS: dict[type, Reader] = {cls: _reader_of(cls) for cls in NODE_FIELDS}


class Resolver:
    """Evaluates a name the file imports from another module of the repository (`resolve(dotted, depth)`:
    ``CATALOG`` of ``from include.config import CATALOG``, ``cfg.CATALOG`` of ``import include.config as
    cfg``), or None when it cannot. The value's origin is a node of the other module."""

    def resolve(self, dotted: str, depth: int) -> Evaluated | None:  # pragma: no cover - interface
        return None


def _root_name(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _constant(node: ast.Constant) -> Evaluated:
    value = node.value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, str):
        value = replace_surrogates(value)  # "\ud800" in the code: no UTF-8 output could hold it
    elif isinstance(value, int) and not isinstance(value, bool):
        value = bounded_number(value)  # 0xFFFF... past a float's range: too long to print or compare
    if not isinstance(value, (str, int, float, bool, type(None))):
        return Evaluated(UNKNOWN_EXPR, node)
    return Evaluated(value, node)


def constant_text(value: Any) -> Any:
    """A string constant's value as evaluation gives it (lone surrogates replaced); other values as they are."""
    return replace_surrogates(value) if isinstance(value, str) else value


def _widths(*specs: str | None) -> int:
    """The sum of the numbers written in format specs (widths, precisions), at most past any text cap."""
    total = 0
    for spec in specs:
        for digits in _DIGITS.findall(spec or ""):
            total += int(digits) if len(digits) <= 9 else 10**9
    return total


def _percent_fields(template: str) -> tuple[int, int]:
    """(conversions, total of their widths and precisions) of a `%` template."""
    count = widths = 0
    start = template.find("%")
    while start >= 0:
        end = start + 1
        if template.startswith("(", end):  # a mapping key, parentheses nested as `%` reads them
            level, end = 1, end + 1
            while end < len(template) and level:
                level += {"(": 1, ")": -1}.get(template[end], 0)
                end += 1
        match = _PERCENT_TAIL.match(template, end)
        assert match is not None  # every part of the pattern is optional
        if match.group(3) != "%":
            count, widths = count + 1, widths + _widths(match.group(1), match.group(2))
        start = template.find("%", max(match.end(), start + 1))
    return count, widths


def _format_fields(template: str) -> tuple[int, int] | None:
    """(fields, total of their widths and precisions) of a `str.format` template whose fields only place
    their arguments; None for attribute or item access (`'{0.__class__}'`), nested specs, or a template
    that does not parse."""
    count = widths = 0
    try:
        for _, field_name, spec, _ in string.Formatter().parse(template):
            if field_name is None:
                continue
            if "." in field_name or "[" in field_name or (spec and "{" in spec):
                return None
            count, widths = count + 1, widths + _widths(spec)
    except ValueError:
        return None
    return count, widths


def _text_size(value: Any, limit: int) -> int:
    """About how many characters `value` takes as text (strings and JSON of containers); stops past `limit`."""
    size = 0
    pending = [value]
    while pending and size <= limit:
        item = pending.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, dict):
            size += 2 + 4 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            size += 2 + 2 * len(item)
            pending.extend(item)
        else:
            size += 8
    return size


def _enclosing_class(scope: Scope) -> Scope | None:
    current: Scope | None = scope
    while current is not None:
        if current.class_name is not None:
            return current
        if current.enclosing_class is not None:
            return current.enclosing_class
        current = current.parent
    return None
