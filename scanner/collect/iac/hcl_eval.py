"""Evaluate parsed HCL expressions (`scanner.collect.iac.hcl`) where Terraform would know them before plan.

Known: literals, templates, collections, ``var.*`` (tfvars, module inputs, defaults), ``local.*``, operators,
conditionals and a set of pure functions (`FUNCTIONS`). References to managed resources become `Ref`s
(``aws_security_group.db.id``): relations, never values. Everything else is `Unknown` with a reason: data
sources and module outputs (except a policy document), ``count``/``each``, ``file()``, for-expressions.

Work is bounded: each evaluation step costs one unit from the stack's budget (`Budget`), strings are capped
at `MAX_TEXT` characters and collections at `MAX_ITEMS` items; past a bound the value is Unknown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scanner.collect.iac.values import Ref, Unknown, contains_unknown

MAX_TEXT = 100_000
MAX_ITEMS = 10_000
MAX_LOCAL_DEPTH = 32


class Budget:
    """Evaluation steps left for one stack (a directory of .tf files and the modules it calls)."""

    def __init__(self, steps: int = 2_000_000) -> None:
        self.left = steps
        self.spent = False

    def take(self) -> bool:
        self.left -= 1
        if self.left < 0:
            self.spent = True
        return not self.spent


class Scope:
    """What names mean in one module instance: variables (values), locals (expressions, evaluated on demand),
    the address prefix of its resources (``module.db.``), and how data sources evaluate."""

    def __init__(self, variables: dict[str, Any], locals_: dict[str, list[Any]], prefix: str, budget: Budget,
                 data: Callable[[str, str], Any] | None = None, managed: set[str] | None = None) -> None:
        self.variables = variables
        self.locals = locals_
        self.prefix = prefix
        self.budget = budget
        self.data = data
        self.managed = managed   # resource addresses (type.name) defined in this module; None = any
        self._local_values: dict[str, Any] = {}
        self._evaluating: set[str] = set()

    def local(self, name: str, depth: int) -> Any:
        if name in self._local_values:
            return self._local_values[name]
        if name not in self.locals:
            return Unknown(f"local.{name} is not defined")
        if name in self._evaluating or depth > MAX_LOCAL_DEPTH:
            return Unknown(f"local.{name} refers to itself")
        self._evaluating.add(name)
        value = Evaluator(self, depth + 1).value(self.locals[name])
        self._evaluating.discard(name)
        self._local_values[name] = value
        return value


class Evaluator:
    """One evaluation; `placeholders` renders resource references inside strings as ``${address.attr}``
    (inside policy documents, where an ARN of a resource of the stack is never a wildcard)."""

    def __init__(self, scope: Scope, depth: int = 0, placeholders: bool = False) -> None:
        self.scope = scope
        self.depth = depth
        self.placeholders = placeholders

    def value(self, expr: Any) -> Any:
        if not self.scope.budget.take():
            return Unknown("evaluation budget spent")
        try:
            return self._value(expr)
        except RecursionError:
            return Unknown("expression nested too deeply")

    def _value(self, expr: Any) -> Any:
        if not isinstance(expr, list) or not expr:
            return Unknown("not an expression")
        kind = expr[0]
        if kind == "lit":
            return expr[1]
        if kind == "secret":
            return Unknown("a secret value")
        if kind == "unknown":
            return Unknown(str(expr[1]))
        if kind == "tmpl":
            return self.template(expr[1])
        if kind == "tuple":
            items = [self.value(item) for item in expr[1][:MAX_ITEMS]]
            return items if len(expr[1]) <= MAX_ITEMS else Unknown("too many items")
        if kind == "object":
            result: dict[str, Any] = {}
            for key_expr, value_expr in expr[1][:MAX_ITEMS]:
                key = self.value(key_expr)
                if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                    return Unknown("an object key is not known")
                result[str(key)] = self.value(value_expr)
            return result
        if kind == "ref":
            return self.reference(expr[1])
        if kind == "call":
            return self.call(str(expr[1]), expr[2])
        if kind == "cond":
            condition = self.value(expr[1])
            if isinstance(condition, Unknown) or not isinstance(condition, bool):
                return condition if isinstance(condition, Unknown) else Unknown("a condition is not a boolean")
            return self.value(expr[2] if condition else expr[3])
        if kind == "op":
            return self.operation(str(expr[1]), self.value(expr[2]), self.value(expr[3]))
        if kind == "not":
            operand = self.value(expr[1])
            return (not operand) if isinstance(operand, bool) else _unknown(operand, "'!' of a non-boolean")
        if kind == "neg":
            operand = self.value(expr[1])
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand
            return _unknown(operand, "'-' of a non-number")
        return Unknown(f"unsupported expression {kind}")

    # ------------------------------------------------------------------ pieces
    def template(self, parts: list[Any]) -> Any:
        pieces: list[str] = []
        size = 0
        for part in parts:
            value = part if isinstance(part, str) else self.value(part)
            if isinstance(value, Ref) and self.placeholders:
                value = value.placeholder()
            if isinstance(value, Unknown):
                return value
            if isinstance(value, Ref):
                return Unknown(f"{value.key} is known after apply")
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif value is None:
                value = ""
            elif isinstance(value, (int, float)):
                value = _number_text(value)
            elif not isinstance(value, str):
                return Unknown("a collection inside a string")
            size += len(value)
            if size > MAX_TEXT:
                return Unknown("string too long")
            pieces.append(value)
        return "".join(pieces)

    def reference(self, steps: list[Any]) -> Any:
        head = steps[0]
        rest = steps[1:]
        if isinstance(head, list):  # ["expr", e]: an attribute of a computed value
            return self.walk(self.value(head[1]), rest)
        if head == "var" and rest and isinstance(rest[0], str):
            value = self.scope.variables.get(rest[0], Unknown(f"var.{rest[0]} is not declared"))
            return self.walk(value, rest[1:])
        if head == "local" and rest and isinstance(rest[0], str):
            return self.walk(self.scope.local(rest[0], self.depth), rest[1:])
        if head == "data" and len(rest) >= 2 and all(isinstance(s, str) for s in rest[:2]):
            if self.scope.data is not None:
                value = self.scope.data(rest[0], rest[1])
                return self.walk(value, rest[2:])
            return Unknown(f"data.{rest[0]}.{rest[1]} is read at plan time")
        if head == "module" and rest:
            return Unknown(f"module.{rest[0]} outputs are not evaluated")
        if head in ("count", "each", "self", "path", "terraform"):
            return Unknown(f"{head}.* is not known statically")
        if isinstance(head, str) and len(rest) >= 1 and isinstance(rest[0], str):
            address = f"{head}.{rest[0]}"
            if self.scope.managed is not None and address not in self.scope.managed:
                return Unknown(f"{address} is not defined here")
            attribute = rest[1] if len(rest) > 1 and isinstance(rest[1], str) else None
            if len(rest) > 1 and not isinstance(rest[1], str):  # count/for_each instance: aws_x.y[0].id
                attribute = next((s for s in rest[2:] if isinstance(s, str)), None)
            return Ref(self.scope.prefix + address, attribute)
        return Unknown("unsupported reference")

    def walk(self, value: Any, steps: list[Any]) -> Any:
        for step in steps:
            if isinstance(value, Unknown):
                return value
            if isinstance(step, list):  # ["index", e]
                step = self.value(step[1])
                if isinstance(step, Unknown):
                    return step
            if isinstance(value, dict):
                if str(step) not in value:
                    return Unknown(f"no key {str(step)[:40]!r}")
                value = value[str(step)]
            elif isinstance(value, list) and isinstance(step, int) and not isinstance(step, bool):
                if not -len(value) <= step < len(value):
                    return Unknown("index out of range")
                value = value[step]
            elif isinstance(value, Ref):
                return Ref(value.key, str(step)) if value.attribute is None else value
            else:
                return Unknown("attribute of a non-object")
        return value

    def operation(self, operator: str, left: Any, right: Any) -> Any:
        if operator in ("&&", "||"):
            if isinstance(left, bool) and isinstance(right, bool):
                return (left and right) if operator == "&&" else (left or right)
            if operator == "&&" and (left is False or right is False):
                return False
            if operator == "||" and (left is True or right is True):
                return True
            return _unknown(left, "") if isinstance(left, Unknown) else _unknown(right, "a non-boolean operand")
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return left if isinstance(left, Unknown) else right
        if isinstance(left, Ref) or isinstance(right, Ref):
            return Unknown("a resource attribute is known after apply")
        if operator == "==":
            return _same(left, right)
        if operator == "!=":
            return not _same(left, right)
        numbers = [_to_number(left), _to_number(right)]
        if numbers[0] is None or numbers[1] is None:
            return Unknown(f"'{operator}' of a non-number")
        a, b = numbers
        try:
            return {"<": lambda: a < b, ">": lambda: a > b, "<=": lambda: a <= b, ">=": lambda: a >= b,
                    "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                    "/": lambda: a / b, "%": lambda: a % b}[operator]()
        except (ZeroDivisionError, OverflowError, KeyError):
            return Unknown(f"'{operator}' cannot be computed")

    def call(self, name: str, arguments: list[Any]) -> Any:
        if name == "jsonencode" and len(arguments) == 1:
            return Encoded(Evaluator(self.scope, self.depth, placeholders=True).value(arguments[0]))
        if name in ("try", "coalesce") and arguments:
            for argument in arguments:
                value = self.value(argument)
                if name == "try" and not isinstance(value, Unknown):
                    return value
                if name == "coalesce":
                    if isinstance(value, Unknown):
                        return value
                    if value not in (None, ""):
                        return value
            return Unknown(f"{name}() has no known value") if name == "try" else None
        function = FUNCTIONS.get(name)
        if function is None:
            return Unknown(f"{name}() is not evaluated")
        values = [self.value(argument) for argument in arguments]
        for value in values:
            if isinstance(value, Unknown):
                return value
        try:
            return function(*values)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError):
            return Unknown(f"{name}() cannot be computed")


class Encoded:
    """The result of ``jsonencode(value)``: kept as the value (a policy document stays an object), turned
    into JSON text only when a string is needed."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Encoded) and other.value == self.value

    def __hash__(self) -> int:  # pragma: no cover - never a key
        return 0


def decoded(value: Any) -> Any:
    """A policy document given as `jsonencode(...)`, JSON text or an object: the object (Unknown kept)."""
    if isinstance(value, Encoded):
        return value.value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return Unknown("a policy document that is not JSON")
    return value


def _unknown(value: Any, why: str) -> Unknown:
    return value if isinstance(value, Unknown) else Unknown(why)


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return None
    return None


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    raise TypeError("not a string")


def _merge(*maps: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise TypeError("merge of a non-object")
        result.update(item)
    return result


def _concat(*lists: Any) -> list[Any]:
    result: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise TypeError("concat of a non-list")
        result.extend(item)
        if len(result) > MAX_ITEMS:
            raise ValueError("too many items")
    return result


def _flatten(value: Any) -> list[Any]:
    result: list[Any] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        else:
            result.append(item)
        if len(result) > MAX_ITEMS:
            raise ValueError("too many items")
    return result


def _format(spec: Any, *values: Any) -> str:
    if not isinstance(spec, str):
        raise TypeError("format needs a string")
    out: list[str] = []
    index = 0
    position = 0
    while position < len(spec):
        char = spec[position]
        if char == "%" and position + 1 < len(spec):
            code = spec[position + 1]
            position += 2
            if code == "%":
                out.append("%")
                continue
            if code not in "sdvq" or index >= len(values):
                raise ValueError("unsupported format")
            text = _text(values[index])
            out.append(json.dumps(text) if code == "q" else text)
            index += 1
            continue
        out.append(char)
        position += 1
    result = "".join(out)
    if len(result) > MAX_TEXT:
        raise ValueError("too long")
    return result


def _join(separator: Any, *lists: Any) -> str:
    items = [_text(item) for values in lists for item in values]
    result = _text(separator).join(items)
    if len(result) > MAX_TEXT:
        raise ValueError("too long")
    return result


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict):
        raise TypeError("lookup of a non-object")
    if _text(key) in mapping:
        return mapping[_text(key)]
    if default:
        return default[0]
    raise KeyError(key)


def _tolist(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise TypeError("not a list")


def _toset(value: Any) -> list[Any]:
    items = _tolist(value)
    unique: list[Any] = []
    for item in items:
        if item not in unique:
            unique.append(item)
    return unique


def _tobool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("not a boolean")


def _jsondecode(value: Any) -> Any:
    if isinstance(value, Encoded):
        return value.value
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError("not JSON text")
    decoded_value = json.loads(value)
    if contains_unknown(decoded_value):  # pragma: no cover - json never yields Unknown
        raise ValueError("unknown")
    return decoded_value


def _replace(text: Any, old: Any, new: Any) -> str:
    if not isinstance(old, str) or old.startswith("/") and old.endswith("/") and len(old) > 1:
        raise ValueError("regular expressions are not evaluated")
    result = _text(text).replace(old, _text(new))
    if len(result) > MAX_TEXT:
        raise ValueError("too long")
    return result


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "merge": _merge,
    "concat": _concat,
    "flatten": _flatten,
    "tolist": _tolist,
    "toset": _toset,
    "tomap": lambda value: dict(value) if isinstance(value, dict) else _merge(None, value),
    "tostring": lambda value: value if value is None else _text(value),
    "tonumber": lambda value: value if value is None else _to_number(value),
    "tobool": lambda value: value if value is None else _tobool(value),
    "lookup": _lookup,
    "compact": lambda values: [v for v in _tolist(values) if v not in (None, "")],
    "distinct": _toset,
    "join": _join,
    "format": _format,
    "lower": lambda value: _text(value).lower(),
    "upper": lambda value: _text(value).upper(),
    "trimspace": lambda value: _text(value).strip(),
    "length": lambda value: len(value) if isinstance(value, (list, dict, str)) else _tolist(value),
    "element": lambda values, index: _tolist(values)[int(index) % len(values)],
    "keys": lambda value: sorted(value) if isinstance(value, dict) else _tolist(value),
    "values": lambda value: [value[k] for k in sorted(value)] if isinstance(value, dict) else _tolist(value),
    "contains": lambda values, item: item in _tolist(values),
    "startswith": lambda text, prefix: _text(text).startswith(_text(prefix)),
    "endswith": lambda text, suffix: _text(text).endswith(_text(suffix)),
    "split": lambda separator, text: _text(text).split(_text(separator)),
    "jsondecode": _jsondecode,
    "replace": _replace,
}
