"""A JSON Schema (the subset `snapshot.schema.json` uses) compiled once into plain Python checks.

`jsonschema` re-enters its validator machinery for every keyword of every instance (a new validator per
`descend`, a reference lookup per `$ref`): 62 % of a 50,000-security-group snapshot scan. The snapshot's
schema uses a handful of keywords; here each subschema becomes one closure, built once per process, that
walks the document and yields `(path, message)` for each violation, with jsonschema's wording. The
compiler refuses keywords it does not know (so the schema cannot grow a keyword that is silently
ignored), and the tests hold it to `jsonschema`'s verdict on the fixture and on mutated documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

Path = tuple[Any, ...]
Error = tuple[Path, str]
Check = Callable[[Any, Path], Iterator[Error]]

# Keywords that only document (no effect on validity).
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs", "$comment", "examples", "default"})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "null": lambda v: v is None,
    "boolean": lambda v: type(v) is bool,
    "number": lambda v: type(v) in (int, float),
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
}


class SchemaCompileError(ValueError):
    """The schema uses a keyword or form this compiler does not implement."""


def _repr(value: Any) -> str:
    return repr(value)


def _unique_key(value: Any) -> Any:
    """A hashable key equal for JSON-equal values (1 and True differ, as in jsonschema)."""
    if type(value) is dict:
        return ("o", tuple(sorted((k, _unique_key(v)) for k, v in value.items())))
    if type(value) is list:
        return ("a", tuple(_unique_key(v) for v in value))
    if type(value) is bool:
        return ("b", value)
    if type(value) in (int, float):
        return ("n", value)
    return (type(value).__name__, value)


class Compiler:
    """Compiles the subschemas of one root schema (local `#/$defs/...` references only)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _nothing
        if schema is False:
            return lambda value, path: iter([(path, "False schema does not allow " + _repr(value))])
        if not isinstance(schema, dict):
            raise SchemaCompileError(f"not a schema: {schema!r}")
        unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
        if unknown:
            raise SchemaCompileError(f"keywords not supported: {sorted(unknown)}")
        checks: list[Check] = []
        for keyword in _ORDER:
            if keyword in schema:
                checks.append(_KEYWORDS[keyword](self, schema[keyword], schema))
        checks = [c for c in checks if c is not _nothing]
        if not checks:
            return _nothing
        if len(checks) == 1:
            return checks[0]

        def all_of(value: Any, path: Path) -> Iterator[Error]:
            for check in checks:
                yield from check(value, path)

        return all_of

    def reference(self, ref: str) -> Check:
        if not ref.startswith("#/"):
            raise SchemaCompileError(f"only local references: {ref}")
        if ref not in self._refs:
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            holder: list[Check] = []
            self._refs[ref] = lambda value, path: holder[0](value, path)  # recursive schemas resolve lazily
            holder.append(self.compile(target))
            self._refs[ref] = holder[0]
        return self._refs[ref]


def _nothing(value: Any, path: Path) -> Iterator[Error]:
    return iter(())


def _type(compiler: Compiler, names: Any, schema: dict[str, Any]) -> Check:
    wanted = [names] if isinstance(names, str) else list(names)
    tests = [_TYPES[name] for name in wanted]
    shown = ", ".join(_repr(name) for name in wanted)

    def check(value: Any, path: Path) -> Iterator[Error]:
        if not any(test(value) for test in tests):
            yield path, f"{_repr(value)} is not of type {shown}"

    return check


def _const(compiler: Compiler, constant: Any, schema: dict[str, Any]) -> Check:
    key = _unique_key(constant)

    def check(value: Any, path: Path) -> Iterator[Error]:
        if _unique_key(value) != key:
            yield path, f"{_repr(constant)} was expected"

    return check


def _enum(compiler: Compiler, options: list[Any], schema: dict[str, Any]) -> Check:
    keys = {_unique_key(option) for option in options}

    def check(value: Any, path: Path) -> Iterator[Error]:
        if _unique_key(value) not in keys:
            yield path, f"{_repr(value)} is not one of {_repr(options)}"

    return check


def _required(compiler: Compiler, names: list[str], schema: dict[str, Any]) -> Check:
    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is dict:
            for name in names:
                if name not in value:
                    yield path, f"{_repr(name)} is a required property"

    return check


def _properties(compiler: Compiler, properties: dict[str, Any], schema: dict[str, Any]) -> Check:
    compiled = [(name, compiler.compile(sub)) for name, sub in properties.items()]
    compiled = [(name, check) for name, check in compiled if check is not _nothing]

    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is dict:
            for name, sub in compiled:
                if name in value:
                    yield from sub(value[name], (*path, name))

    return check


def _additional(compiler: Compiler, additional: Any, schema: dict[str, Any]) -> Check:
    known = frozenset(schema.get("properties", {}))
    if additional is False:
        def refuse(value: Any, path: Path) -> Iterator[Error]:
            if type(value) is dict:
                extra = [name for name in value if name not in known]
                if extra:
                    verb = "was" if len(extra) == 1 else "were"
                    yield path, (f"Additional properties are not allowed "
                                 f"({', '.join(_repr(name) for name in extra)} {verb} unexpected)")

        return refuse
    sub = compiler.compile(additional)

    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is dict:
            for name, item in value.items():
                if name not in known:
                    yield from sub(item, (*path, name))

    return check


def _property_names(compiler: Compiler, names_schema: Any, schema: dict[str, Any]) -> Check:
    sub = compiler.compile(names_schema)

    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is dict:
            for name in value:
                yield from sub(name, path)

    return check


def _max_properties(compiler: Compiler, limit: int, schema: dict[str, Any]) -> Check:
    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is dict and len(value) > limit:
            yield path, (f"{_repr(value)} is expected to be empty" if limit == 0
                         else f"{_repr(value)} has too many properties")

    return check


def _items(compiler: Compiler, items: Any, schema: dict[str, Any]) -> Check:
    sub = compiler.compile(items)
    if sub is _nothing:
        return _nothing

    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is list:
            for index, item in enumerate(value):
                yield from sub(item, (*path, index))

    return check


def _unique_items(compiler: Compiler, unique: bool, schema: dict[str, Any]) -> Check:
    if not unique:
        return _nothing

    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is list and len({_unique_key(item) for item in value}) != len(value):
            yield path, f"{_repr(value)} has non-unique elements"

    return check


def _ref(compiler: Compiler, ref: str, schema: dict[str, Any]) -> Check:
    holder: list[Check] = []

    def check(value: Any, path: Path) -> Iterator[Error]:  # resolved at first use: definitions may recurse
        if not holder:
            holder.append(compiler.reference(ref))
        return holder[0](value, path)

    return check


def _any_of(compiler: Compiler, options: list[Any], schema: dict[str, Any]) -> Check:
    compiled = [compiler.compile(option) for option in options]

    def check(value: Any, path: Path) -> Iterator[Error]:
        if not any(next(iter(sub(value, path)), None) is None for sub in compiled):
            yield path, f"{_repr(value)} is not valid under any of the given schemas"

    return check


def _pattern(compiler: Compiler, pattern: str, schema: dict[str, Any]) -> Check:
    search = re.compile(pattern).search

    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is str and search(value) is None:
            yield path, f"{_repr(value)} does not match {_repr(pattern)}"

    return check


def _min_length(compiler: Compiler, limit: int, schema: dict[str, Any]) -> Check:
    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is str and len(value) < limit:
            yield path, (f"{_repr(value)} should be non-empty" if limit == 1 else f"{_repr(value)} is too short")

    return check


def _max_length(compiler: Compiler, limit: int, schema: dict[str, Any]) -> Check:
    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) is str and len(value) > limit:
            yield path, f"{_repr(value)} is expected to be empty" if limit == 0 else f"{_repr(value)} is too long"

    return check


def _minimum(compiler: Compiler, limit: float, schema: dict[str, Any]) -> Check:
    def check(value: Any, path: Path) -> Iterator[Error]:
        if type(value) in (int, float) and value < limit:
            yield path, f"{_repr(value)} is less than the minimum of {_repr(limit)}"

    return check


_KEYWORDS: dict[str, Callable[[Compiler, Any, dict[str, Any]], Check]] = {
    "$ref": _ref, "type": _type, "const": _const, "enum": _enum, "anyOf": _any_of,
    "required": _required, "properties": _properties, "additionalProperties": _additional,
    "propertyNames": _property_names, "maxProperties": _max_properties,
    "items": _items, "uniqueItems": _unique_items,
    "pattern": _pattern, "minLength": _min_length, "maxLength": _max_length, "minimum": _minimum,
}
_ORDER = tuple(_KEYWORDS)


def compile_schema(schema: dict[str, Any]) -> Check:
    """One check for the whole schema: `check(document, ())` yields (path, message) per violation."""
    return Compiler(schema).compile(schema)


# ------------------------------------------------------------------ the fast yes/no check
# A valid document (the usual case) is checked by predicates that build no paths and no messages; only a
# document they refuse is walked again by the checks above, for the messages.
Predicate = Callable[[Any], bool]


def _always(value: Any) -> bool:
    return True


def _every(parts: list[Predicate]) -> Predicate:
    """All of `parts` (a loop: `all()` over a generator made one object per call, on the hottest path)."""

    def every(value: Any) -> bool:
        for part in parts:
            if not part(value):
                return False
        return True

    return every


class PredicateCompiler:
    """Compiles a schema into one `predicate(value) -> bool` (True: valid), same keywords as `Compiler`."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._refs: dict[str, list[Predicate]] = {}

    def compile(self, schema: Any) -> Predicate:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise SchemaCompileError(f"not a schema: {schema!r}")
        unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
        if unknown:
            raise SchemaCompileError(f"keywords not supported: {sorted(unknown)}")
        parts = [p for p in (self._keyword(k, schema[k], schema) for k in _ORDER if k in schema) if p is not _always]
        if not parts:
            return _always
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            first, second = parts
            return lambda value: first(value) and second(value)
        return _every(parts)

    def reference(self, ref: str) -> Predicate:
        if not ref.startswith("#/"):
            raise SchemaCompileError(f"only local references: {ref}")
        holder = self._refs.get(ref)
        if holder is None:
            holder = self._refs[ref] = []
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            holder.append(self.compile(target))
        if holder:
            return holder[0]
        return lambda value: holder[0](value)  # a schema that refers to itself: resolved at the call

    def _keyword(self, keyword: str, argument: Any, schema: dict[str, Any]) -> Predicate:
        if keyword == "$ref":
            return self.reference(argument)
        if keyword == "type":
            names = [argument] if isinstance(argument, str) else list(argument)
            exact = {t for name in names for t in _EXACT_TYPES.get(name, ())}
            if all(name in _EXACT_TYPES for name in names):
                return lambda value: type(value) in exact
            tests = [_TYPES[name] for name in names]
            return lambda value: any(test(value) for test in tests)
        if keyword in ("const", "enum"):
            keys = {_unique_key(option) for option in (argument if keyword == "enum" else [argument])}
            return lambda value: _unique_key(value) in keys
        if keyword == "anyOf":
            options = [self.compile(option) for option in argument]

            def any_of(value: Any) -> bool:
                for option in options:
                    if option(value):
                        return True
                return False

            return any_of
        if keyword == "required":
            names = frozenset(argument)
            return lambda value: type(value) is not dict or value.keys() >= names
        if keyword == "properties":
            compiled = [(name, p) for name, p in ((n, self.compile(s)) for n, s in argument.items()) if p is not _always]
            if not compiled:
                return _always

            def properties(value: Any) -> bool:
                if type(value) is dict:
                    for name, sub in compiled:
                        if name in value and not sub(value[name]):
                            return False
                return True

            return properties
        if keyword == "additionalProperties":
            known = frozenset(schema.get("properties", {}))
            if argument is False:
                return lambda value: type(value) is not dict or known.issuperset(value)
            sub = self.compile(argument)

            def additional(value: Any) -> bool:
                if type(value) is dict:
                    for name, item in value.items():
                        if name not in known and not sub(item):
                            return False
                return True

            return additional
        if keyword == "propertyNames":
            sub = self.compile(argument)
            return lambda value: type(value) is not dict or all(map(sub, value))
        if keyword == "maxProperties":
            return lambda value: type(value) is not dict or len(value) <= argument
        if keyword == "items":
            sub = self.compile(argument)
            if sub is _always:
                return _always
            return lambda value: type(value) is not list or all(map(sub, value))
        if keyword == "uniqueItems":
            if not argument:
                return _always
            return lambda value: type(value) is not list or len({_unique_key(i) for i in value}) == len(value)
        if keyword == "pattern":
            search = re.compile(argument).search
            return lambda value: type(value) is not str or search(value) is not None
        if keyword == "minLength":
            return lambda value: type(value) is not str or len(value) >= argument
        if keyword == "maxLength":
            return lambda value: type(value) is not str or len(value) <= argument
        if keyword == "minimum":
            return lambda value: type(value) not in (int, float) or value >= argument
        raise SchemaCompileError(f"keyword not supported: {keyword}")  # pragma: no cover - checked above


# JSON types that are exactly a set of Python types (`integer` also takes integral floats: not exact).
_EXACT_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "null": (type(None),), "boolean": (bool,),
    "number": (int, float),
}


class Validator:
    """`is_valid` by predicates; `errors` (path, message) by the message-giving checks."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._predicates = PredicateCompiler(schema)
        self.is_valid = self._predicates.compile(schema)
        self.iter_errors = compile_schema(schema)

    def predicate(self, ref: str) -> Predicate:
        """The yes/no check of one of the schema's definitions (`#/$defs/NAME`): a document whose parts are
        checked one by one (a snapshot read resource by resource) is valid when each part is."""
        return self._predicates.reference(ref)

    def errors(self, document: Any) -> Iterator[Error]:
        if self.is_valid(document):
            return iter(())
        return self.iter_errors(document, ())
