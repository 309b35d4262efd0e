"""Compile a rule's condition tree into a predicate over resources.

Boolean combinators, over sub-conditions of the same resource: ``{all: [...]}`` (AND), ``{any: [...]}``
(OR), ``{not: ...}``. They never walk a relation or a list.

Quantifiers have their own keywords: ``{relation: NAME, some|every|none: ...}`` over the resources a named
relation leads to (``count: {gte: N}`` counts them), ``{items: PATH, some|every|none: ...}`` over the items of
the list(s) at ``PATH``. ``some`` over nothing is false, ``every`` and ``none`` true.

A predicate ``{key, op, value}`` tests the value(s) at an attribute path (``extra.iam``; ``*`` walks every item
of a list or map: a positive operator holds when some value there passes, a ``not_``/``absent``/``is_not``
operator when none does). A value ``{param: NAME}`` reads a rule parameter. Booleans are tested one way:
``op: is, value: true|false`` holds when the value is that boolean; ``op: is_not`` when it is not (a missing
attribute is neither true nor false: ``is`` is false on it, ``is_not`` true). Missing values: a positive operator
is false on a missing attribute (``exists``, ``equals``, ``in``, ``matches``, ``gt``..., ``is``), its negation
true (``absent``, ``not_equals``, ``not_in``, ``is_not``...); ``null`` counts as missing for ``exists``/``absent``
and ``empty``/``not_empty`` only. An attribute that infrastructure code leaves unknown until apply is neither:
the rule is not evaluated on the resource (`UnknownValue`).

Additions for AWS rules:

- ``direction: incoming`` on a relation condition follows the edges that point AT the resource
  (``{relation: security_groups, direction: incoming, some: {key: $type, op: in, value: [...]}}``:
  "is this group attached to a database?"); the default ``outgoing`` follows its own edges.
- ``{items: PATH, ...}`` evaluates the inner condition on each item as if the item (a map) were the resource's
  attributes, so two tests land on the same item (action and resource of one policy statement). A scalar item
  is seen as ``{value: item}``; ``$name``/``$type``/``$id`` still name the resource.
- ``op: cidr_in`` / ``not_cidr_in``: the found value is an IPv4/IPv6 network (or address) inside one
  of the expected networks (a list, or a single one); invalid text is never inside.
- ``op: glob_covers``: the found value, read as an IAM-style wildcard pattern (``*``, ``?``, case
  insensitive), matches the expected text: ``rds-db:*`` and ``*`` cover ``rds-db:connect``.

Regular expressions (``op: matches`` / ``not_matches``) run on scanned, attacker-written values, so they are
matched with RE2 (google-re2), in time linear in the value whatever the pattern: ``^(a+)+$`` on a megabyte
of ``a`` takes a millisecond. RE2 takes Python's syntax except backreferences, lookaround and ``\\Z`` (write
``\\z``); ``\\w``, ``\\d``, ``\\s`` and ``\\b`` are ASCII, and ``$`` (without ``(?m)``) is the end of the value
only. A pattern RE2 rejects, or one whose compiled program is larger than `MAX_REGEX_PROGRAM` (which bounds
the time per character), is a rule load error naming the rule file (exit 2). There is no timeout: no match
can take longer than its value's length times that bound.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from scanner.model import UNKNOWN_KEY, Resource, ResourceGraph
from scanner.records import Record

_MISSING = object()


class EvalEnv(Record):
    """What a predicate reads besides its resource: the graph (relations) and the rule's parameter values.
    A record (`scanner.records`), not a dataclass (~3M instructions to create, and `dataclasses` to import); not
    slotted, as the dataclass was not."""

    _fields = ("graph", "params")

    def __init__(self, graph: ResourceGraph, params: dict[str, Any] | None = None) -> None:
        self.graph = graph
        self.params = {} if params is None else params


Predicate = Callable[[Resource, EvalEnv], bool]


class UnknownValue(Exception):
    """A condition read an attribute that infrastructure code leaves unknown until apply (listed in the
    resource's ``_unknown``): the rule cannot judge the resource, neither pass nor finding (see `evaluate`)."""

    def __init__(self, resource: Resource, path: str) -> None:
        super().__init__(path)
        self.resource = resource
        self.path = path


def _check_known(resource: Resource, path: str, whole: bool = False) -> None:
    """Raise UnknownValue when `path` reads an unknown value: the path itself, a parent of it, or (unless
    `whole`: only whether the list at `path` is complete matters) a part of it. An item of a list sees the
    entries ``PATH.*.FIELD`` of its resource as its own ``FIELD`` (`ItemView.unknown`)."""
    unknown = resource.unknown if type(resource) is ItemView else resource.attributes.get(UNKNOWN_KEY)
    if unknown and path[:1] != "$":
        for entry in unknown:
            if path == entry or path.startswith(entry + ".") or (not whole and entry.startswith(path + ".")):
                raise UnknownValue(resource, path)


class ConditionError(ValueError):
    pass


_OWN_FIELDS = ("$name", "$type", "$id")


def resolve_path(resource: Resource, path: str) -> list[Any]:
    """All values at `path` (several when it walks a list with ``*``); empty when absent."""
    if path in _OWN_FIELDS:
        return [getattr(resource, path[1:])]
    read_one = _cached_single_value_reader(path)
    if read_one is not None:  # no `*`: at most one value (the walk below, without its lists)
        value = read_one(resource.attributes)
        return [] if value is _MISSING else [value]
    values: list[Any] = [resource.attributes]
    for part in _split(path):
        next_values: list[Any] = []
        for value in values:
            if part == "*":
                if isinstance(value, list):
                    next_values.extend(value)
                elif isinstance(value, dict):
                    next_values.extend(value.values())
            elif isinstance(value, dict):
                if part in value:
                    next_values.append(value[part])
            elif isinstance(value, list) and part.isdigit():
                index = int(part)
                if index < len(value):
                    next_values.append(value[index])
        values = next_values
        if not values:
            return []
    return values


@lru_cache(maxsize=1024)
def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _fold(value: Any, ignore_case: bool) -> Any:
    return value.lower() if ignore_case and isinstance(value, str) else value


def _value_test(op: str, ignore_case: bool) -> Callable[[Any, Any], bool]:
    """A test of one found value against the expected value."""
    if op == "equals":
        if not ignore_case:  # the usual case, without folding calls
            return lambda v, e: v == e
        return lambda v, e: _fold(v, ignore_case) == _fold(e, ignore_case)
    if op == "in":
        if not ignore_case:
            return lambda v, e: v in (e if type(e) is list else list(e or []))
        return lambda v, e: _fold(v, ignore_case) in [_fold(x, ignore_case) for x in (e or [])]
    if op == "matches":
        return lambda v, e: v is not None and not isinstance(v, (dict, list)) and \
            rule_regex(e, ignore_case).search(str(v)) is not None
    if op in ("gt", "gte", "lt", "lte"):
        compare = {"gt": float.__gt__, "gte": float.__ge__, "lt": float.__lt__, "lte": float.__le__}[op]

        def numeric(v: Any, e: Any) -> bool:
            left, right = _number(v), _number(e)
            return left is not None and right is not None and compare(left, right)
        return numeric
    if op == "contains":
        def contains(v: Any, e: Any) -> bool:
            if isinstance(v, list):
                return _fold(e, ignore_case) in [_fold(x, ignore_case) for x in v]
            if isinstance(v, dict):
                return e in v
            if isinstance(v, str):
                return str(_fold(e, ignore_case)) in _fold(v, ignore_case)
            return False
        return contains
    if op == "starts_with":
        return lambda v, e: isinstance(v, str) and _fold(v, ignore_case).startswith(_fold(e, ignore_case))
    if op == "ends_with":
        return lambda v, e: isinstance(v, str) and _fold(v, ignore_case).endswith(_fold(e, ignore_case))
    if op == "is_type":
        return lambda v, e: _JSON_TYPES[e](v)
    if op == "is":
        return lambda v, e: v is e
    if op == "exists":
        return lambda v, e: v is not None
    if op == "not_empty":
        return lambda v, e: v not in (None, "", [], {})
    if op == "cidr_in":
        return _cidr_in
    if op == "glob_covers":
        return lambda v, e: isinstance(v, str) and isinstance(e, str) and glob_covers(v, e)
    raise ConditionError(f"unknown operator '{op}'")


_NEGATIONS = {"not_equals": "equals", "not_in": "in", "not_matches": "matches", "not_contains": "contains",
              "absent": "exists", "is_not": "is", "empty": "not_empty", "not_cidr_in": "cidr_in"}


def _network(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    return _parsed_network(text.strip())


@lru_cache(maxsize=4096)
def _parsed_network(text: str) -> Any:
    """An ip_network, parsed once per text: an account repeats a few CIDRs (`10.0.0.0/16`, `0.0.0.0/0`)
    over thousands of security-group rules."""
    import ipaddress

    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _cidr_in(value: Any, expected: Any) -> bool:
    network = _network(value)
    if network is None:
        return False
    for candidate in expected if isinstance(expected, list) else [expected]:
        outer = _network(candidate)
        if outer is not None and outer.version == network.version and network.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


# RE2 runs in time proportional to the value's length times its compiled program's size (when its DFA cannot
# be built, as for `(a|b)*a(a|b){400}`): the size is bounded so that a rule costs at most a few seconds per
# megabyte of value. A 64-character class repeat (`[A-Za-z0-9_]{1,64}`) is about 400.
MAX_REGEX_PROGRAM = 1000


@lru_cache(maxsize=512)
def rule_regex(pattern: str, ignore_case: bool = False) -> Any:
    """A rule's `matches` pattern, compiled by RE2 (see the module docstring); ConditionError if RE2 rejects it."""
    if not isinstance(pattern, str):
        raise ConditionError(f"invalid regular expression: {pattern!r} is not text")
    import re2  # on the first `matches` a rule runs: a scan that tests no value with a regex never loads RE2

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ConditionError(f"invalid regular expression for RE2, the linear-time engine rules use "
                             f"(no backreferences or lookaround; \\z for the end): {detail}") from None
    if compiled.programsize > MAX_REGEX_PROGRAM:
        raise ConditionError(f"invalid regular expression: too large for linear-time matching (RE2 program "
                             f"of {compiled.programsize} instructions, at most {MAX_REGEX_PROGRAM})")
    return compiled


def glob_covers(pattern: str, text: str) -> bool:
    """The IAM-style wildcard `pattern` (`*` any run, `?` any one character, case insensitive) matches all of
    `text`. Segment by segment between the stars: the first at the start, the last at the end, each other at
    its leftmost place after the one before (str.find), so the time is linear in both for star patterns; a
    regex of `.*` parts tries every split (`*a*a*a...` against a long text: exponential)."""
    pattern, text = _casefold(pattern), _casefold(text)
    parts = _STARS.sub("*", pattern).split("*")
    if len(parts) == 1:
        return len(pattern) == len(text) and _segment_at(pattern, text, 0)
    first, last = parts[0], parts[-1]
    end = len(text) - len(last)
    if end < len(first) or not _segment_at(first, text, 0) or not _segment_at(last, text, end):
        return False
    position = len(first)
    for segment in parts[1:-1]:
        found = _segment_find(segment, text, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


_STARS = re.compile(r"\*\*+")


def _casefold(text: str) -> str:
    """Case folded character by character (a character whose folding is longer stays as it is)."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded
    return "".join(c.casefold() if len(c.casefold()) == 1 else c for c in text)


def _segment_at(segment: str, text: str, start: int) -> bool:
    if "?" not in segment:
        return text.startswith(segment, start)
    return start + len(segment) <= len(text) and all(
        p == "?" or p == t for p, t in zip(segment, text[start:start + len(segment)]))


def _segment_find(segment: str, text: str, start: int, end: int) -> int:
    """The leftmost place in text[start:end] where `segment` (`?`: any character) stands whole, or -1."""
    if "?" not in segment:
        return text.find(segment, start, end)
    found = _segment_regex(segment).search(text, start, end)
    return found.start() if found is not None else -1


@lru_cache(maxsize=256)
def _segment_regex(segment: str) -> re.Pattern[str]:
    """A star-free segment with `?`: fixed length, so no backtracking (time: text times segment length)."""
    return re.compile("".join("." if c == "?" else re.escape(c) for c in segment), re.DOTALL)


QUANTIFIERS = ("some", "every", "none")


def compile_condition(condition: dict[str, Any]) -> Predicate:
    if "items" in condition:
        return _compile_items(condition)
    if "relation" in condition:
        return _compile_relation(condition)
    if "all" in condition:
        return _three_valued([compile_condition(c) for c in condition["all"]], decisive=False)
    if "any" in condition:
        return _three_valued([compile_condition(c) for c in condition["any"]], decisive=True)
    if "not" in condition:
        inner = compile_condition(condition["not"])
        return lambda r, env: not inner(r, env)
    if "key" in condition:
        return _compile_predicate(condition)
    raise ConditionError(f"not a condition: keys {sorted(condition)}")


def _three_valued(parts: list[Predicate], decisive: bool) -> Predicate:
    """AND (`decisive` False) or OR (`decisive` True) in three values: `decisive` as soon as one part gives it,
    even when another is unknown; else unknown (the first part's `UnknownValue`) when a part was; else the other
    value. (The predicate itself, not a lambda calling a helper: every resource of every rule goes through one
    or more.)"""
    other = not decisive   # a part gives `decisive` when its negation is `other`: one `not`, no `bool()` call

    def combined(r: Resource, env: EvalEnv) -> bool:
        unknown: UnknownValue | None = None
        for part in parts:
            try:
                if (not part(r, env)) is other:
                    return decisive
            except UnknownValue as exc:
                unknown = unknown or exc
        if unknown is not None:
            raise unknown
        return other
    return combined


def _compile_relation(condition: dict[str, Any]) -> Predicate:
    relation = condition["relation"]
    direction = condition.get("direction", "outgoing")
    if direction not in ("outgoing", "incoming"):
        raise ConditionError(f"unknown relation direction '{direction}' (outgoing or incoming)")

    def targets(r: Resource, env: EvalEnv) -> list[Resource]:
        if direction == "incoming":
            return env.graph.incoming(r, relation)
        return env.graph.follow(r, relation)

    # an outgoing relation that infrastructure code leaves unknown (subnets from another module's output):
    # the targets known are judged, and when they do not decide, the rule is not evaluated
    complete = _known_check(relation) if direction == "outgoing" else None
    if "count" in condition:
        bounds = condition["count"]

        def counted(r: Resource, env: EvalEnv) -> bool:
            if complete is not None:
                complete(r)
            n = len(targets(r, env))
            return (n >= bounds.get("gte", n)) and (n <= bounds.get("lte", n)) and (n == bounds.get("eq", n))
        return counted
    return _quantified(condition, targets, "a relation condition needs some, every, none or count", complete)


def _known_check(path: str, whole: bool = False) -> Callable[[Resource], None]:
    return lambda r: _check_known(r, path, whole)


def _quantified(condition: dict[str, Any], candidates: Callable[[Resource, EvalEnv], list[Resource]],
                problem: str, complete: Callable[[Resource], None] | None = None) -> Predicate:
    """`some` / `every` / `none` of the inner condition over the candidates of a resource, in three values:
    a candidate the inner condition cannot judge (UnknownValue), or `complete` raising because the
    candidates themselves are only partly known, decides nothing unless no known candidate decides."""
    for quantifier in QUANTIFIERS:
        if quantifier in condition:
            inner = compile_condition(condition[quantifier])
            decisive = quantifier != "every"   # some/none: one true candidate decides; every: one false one

            def judged(r: Resource, env: EvalEnv, inner: Predicate = inner, decisive: bool = decisive) -> bool:
                unknown: UnknownValue | None = None
                for candidate in candidates(r, env):
                    try:
                        if bool(inner(candidate, env)) is decisive:
                            return True
                    except UnknownValue as exc:
                        unknown = unknown or exc
                if unknown is not None:
                    raise unknown
                if complete is not None:
                    complete(r)
                return False

            if quantifier == "some":
                return judged
            return lambda r, env, judged=judged: not judged(r, env)
    raise ConditionError(problem)


class ItemView:
    """One item of a resource's list seen as a resource: the item's keys are its attributes; id, type, name
    and source are the resource's (a plain object: thousands of items per scan, no model to build)."""

    __slots__ = ("attributes", "id", "locations", "name", "source", "type", "unknown")

    def __init__(self, resource: Resource, attributes: dict[str, Any], unknown: list[str] | None = None) -> None:
        self.id, self.type, self.name = resource.id, resource.type, resource.name
        self.attributes = attributes
        self.source = resource.source
        self.locations: dict[str, Any] = {}
        self.unknown = unknown


def item_resources(resource: Resource, path: str) -> list[Resource]:
    """Each item of the list(s) at `path` as a stand-in resource whose attributes are the item (and whose
    unknown fields are the resource's ``PATH.*.FIELD`` entries)."""
    stand_ins: list[Any] = []
    unknown = resource.unknown if type(resource) is ItemView else resource.attributes.get(UNKNOWN_KEY)
    prefix = path + ".*."
    fields = [entry[len(prefix):] for entry in unknown if entry.startswith(prefix)] if unknown else None
    for values in resolve_path(resource, path):
        for item in values if isinstance(values, list) else [values]:
            stand_ins.append(ItemView(resource, item if isinstance(item, dict) else {"value": item}, fields or None))
    return stand_ins


def _compile_items(condition: dict[str, Any]) -> Predicate:
    path = condition["items"]

    def items(resource: Resource, env: EvalEnv) -> list[Resource]:
        return item_resources(resource, path)

    # a list infrastructure code leaves partly unknown (one ingress rule's CIDRs from a module output) holds
    # the items known: they are judged first, and the rule is not evaluated only when they do not decide
    return _quantified(condition, items, "an items condition needs some, every or none", _known_check(path, True))


def _compile_predicate(condition: dict[str, Any]) -> Predicate:
    key: str = condition["key"]
    op: str = condition["op"]
    expected = condition.get("value")
    ignore_case = bool(condition.get("ignore_case", False))
    negate = op in _NEGATIONS
    test = _value_test(_NEGATIONS.get(op, op), ignore_case)
    param = expected.get("param") if isinstance(expected, dict) and set(expected) == {"param"} else None
    read_one = _single_value_reader(key)

    if key in _OWN_FIELDS:  # the resource's own name, type or id: one value, never unknown (resolve_path's)
        field_name = key[1:]

        def own(resource: Resource, env: EvalEnv) -> bool:
            value = env.params.get(param) if param is not None else expected
            found = bool(test(getattr(resource, field_name), value))
            return not found if negate else found
        return own

    if read_one is None:  # `*`: any of the values resolve_path finds
        def predicate(resource: Resource, env: EvalEnv) -> bool:
            _check_known(resource, key)
            value = env.params.get(param) if param is not None else expected
            found = any(test(v, value) for v in resolve_path(resource, key))
            return not found if negate else found
        return predicate

    # the common case, run for every resource of every rule: a path that names at most one value, read
    # without resolve_path's lists, and the unknown-value check only on resources that list unknowns
    def single(resource: Resource, env: EvalEnv) -> bool:
        unknown = resource.unknown if type(resource) is ItemView else resource.attributes.get(UNKNOWN_KEY)
        if unknown:
            _check_known(resource, key)
        found_value = read_one(resource.attributes)
        found = found_value is not _MISSING and bool(
            test(found_value, env.params.get(param) if param is not None else expected))
        return not found if negate else found
    return single


def _single_value_reader(path: str) -> Callable[[Any], Any] | None:
    """For a path without `*` (and not `$name`/`$type`/`$id`): the value at it in a resource's attributes
    or _MISSING, as resolve_path finds it (a dict key, or a list index written in digits); else None."""
    if path in _OWN_FIELDS:
        return None
    parts = _split(path)
    if "*" in parts:
        return None
    if len(parts) == 1:
        return lambda attributes: attributes.get(path, _MISSING)

    def read(attributes: Any) -> Any:
        value = attributes
        for part in parts:
            if isinstance(value, dict):
                if part not in value:
                    return _MISSING
                value = value[part]
            elif isinstance(value, list) and part.isdigit():
                index = int(part)
                if index >= len(value):
                    return _MISSING
                value = value[index]
            else:
                return _MISSING
        return value
    return read


# resolve_path runs for each resource of each rule (items, messages): its readers are made once per path
_cached_single_value_reader = lru_cache(maxsize=1024)(_single_value_reader)

_TEMPLATE = re.compile(r"\{([A-Za-z0-9_.$*-]+)(?:\|([^{}|]{0,80}))?\}")


def render(template: str, resource: Resource, params: dict[str, Any]) -> str:
    """Fill a message template: {name}, {type}, {params.X} or an attribute path; `{path|words}` shows the
    words when the attribute is absent or null (an endpoint infrastructure code cannot know before apply)."""
    pieces: list[str] = []
    parts = _cached_template_parts(template) if len(template) <= 1024 else _template_parts(template)
    for literal, path, default in parts:
        pieces.append(literal)
        if path is not None:
            pieces.append(_field(path, default, resource, params))
    return "".join(pieces)


def _template_parts(template: str) -> tuple[tuple[str, str | None, str | None], ...]:
    """The template as (text before a field, the field's path, its `|words`), the last with no field."""
    parts: list[tuple[str, str | None, str | None]] = []
    last = 0
    for match in _TEMPLATE.finditer(template):
        parts.append((template[last:match.start()], match.group(1), match.group(2)))
        last = match.end()
    parts.append((template[last:], None, None))
    return tuple(parts)


# read once per rule message, not once per finding (a long one, with a scanned value as its {item}, is not kept)
_cached_template_parts = lru_cache(maxsize=512)(_template_parts)


def _field(path: str, default: str | None, resource: Resource, params: dict[str, Any]) -> str:
    if path in ("name", "type", "id"):
        return str(getattr(resource, path))
    if path.startswith("params."):
        return str(params.get(path[len("params."):], "?"))
    values = resolve_path(resource, path)
    if not values or values == [None]:  # absent, or null (an endpoint infrastructure code cannot know)
        return default if default is not None else "(none)"
    value = values[0] if len(values) == 1 else values
    if isinstance(value, dict) and value.get("redacted"):
        return "(redacted)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
