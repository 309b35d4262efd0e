"""A JSON Schema (the subset `snapshot.schema.json` uses) compiled once into plain Python checks.

`jsonschema` re-enters its validator machinery for every keyword of every instance (a new validator per
`descend`, a reference lookup per `$ref`): 62 % of a 50,000-security-group snapshot scan. The snapshot's
schema uses a handful of keywords; here each subschema becomes one closure, built once per process, that
walks the document and yields `(path, message)` for each violation, with jsonschema's wording. The
compiler refuses keywords it does not know (so the schema cannot grow a keyword that is silently
ignored), and the tests hold it to `jsonschema`'s verdict on the fixture and on mutated documents.
"""

from __future__ import annotations

import json
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
        _check_keywords(schema)
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
        if ref not in self._refs:
            target = _target(self.root, ref)
            holder: list[Check] = []
            self._refs[ref] = lambda value, path: holder[0](value, path)  # recursive schemas resolve lazily
            holder.append(self.compile(target))
            self._refs[ref] = holder[0]
        return self._refs[ref]


def _check_keywords(schema: Any) -> None:
    """SchemaCompileError unless `schema` is an object of keywords both compilers know (or annotations)."""
    if not isinstance(schema, dict):
        raise SchemaCompileError(f"not a schema: {schema!r}")
    unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
    if unknown:
        raise SchemaCompileError(f"keywords not supported: {sorted(unknown)}")


def _target(root: Any, ref: str) -> Any:
    """The subschema a local reference (`#/$defs/name`, a JSON pointer) names in `root`."""
    if not ref.startswith("#/"):
        raise SchemaCompileError(f"only local references: {ref}")
    target = root
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


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


class PredicateCompiler:
    """Compiles a schema into one `predicate(value) -> bool` (True: valid), same keywords as `Compiler`.

    Each subschema that needs statements (an object's properties, an array's items, ...) becomes one Python
    function, written as source and compiled once; a subschema of scalar keywords only (a string's type and
    pattern, ...) becomes an expression inside the function that holds it. Closure per keyword, as `Compiler`
    builds, cost ~100 calls per snapshot resource: 30 % of reading a 50,000-security-group snapshot."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._namespace: dict[str, Any] = {"_unique_key": _unique_key, "_TYPES": _TYPES, "_MISSING": _MISSING}
        self._refs: dict[str, str] = {}   # reference -> the name of its function
        self._count = 0

    def compile(self, schema: Any) -> Predicate:
        name = self._function(schema)
        predicate: Predicate = self._namespace[name]
        return predicate

    def reference(self, ref: str) -> Predicate:
        predicate: Predicate = self._namespace[self._reference(ref)]
        return predicate

    def _reference(self, ref: str) -> str:
        name = self._refs.get(ref)
        if name is None:
            target = _target(self.root, ref)
            name = self._refs[ref] = self._name("ref")  # before compiling: a definition may refer to itself
            self._function(target, name)
        return name

    def _ref_test(self, ref: str, var: str) -> str:
        """A reference's test: its definition inline when it is an expression and refers to nothing (so the
        inlining ends), else a call of its function."""
        target = _target(self.root, ref)
        if isinstance(target, dict) and "$ref" not in json.dumps(target) and \
                (not _needs_statements(target) or _flat_object(target)):
            return self._test(target, var)
        return f"{self._reference(ref)}({var})"

    def _name(self, kind: str) -> str:
        self._count += 1
        return f"_{kind}{self._count}"

    def _constant(self, value: Any) -> str:
        """A name in the generated code's namespace for `value`."""
        name = self._name("c")
        self._namespace[name] = value
        return name

    def _function(self, schema: Any, name: str | None = None) -> str:
        """Compile `schema` into a function of the namespace; its name."""
        name = name or self._name("p")
        body = self._statements(schema, "v")
        source = "\n".join([f"def {name}(v):", *(f"    {line}" for line in body), "    return True"])
        exec(compile(source, f"<schema check {name}>", "exec"), self._namespace)  # noqa: S102 - our own code
        return name

    def _statements(self, schema: Any, var: str) -> list[str]:
        """Lines that `return False` when `var` is not valid under `schema` (and fall through when it is)."""
        if schema is True or schema == {}:
            return []
        if schema is False:
            return ["return False"]
        _check_keywords(schema)
        lines: list[str] = []
        known = self._known_type(schema)
        expression = self._scalar_test(schema, var, known)
        if expression != "True":
            lines.append(f"if not ({expression}): return False")
        if "properties" in schema or "additionalProperties" in schema or "propertyNames" in schema:
            lines += self._object_lines(schema, var, known is dict)
        if "items" in schema:
            item = self._test(schema["items"], "x")
            if item != "True":
                lines += _when(known is list, f"type({var}) is list",
                               [f"for x in {var}:", f"    if not ({item}): return False"])
        return lines

    def _object_lines(self, schema: dict[str, Any], var: str, is_dict: bool) -> list[str]:
        inner: list[str] = []
        properties = schema.get("properties", {})
        for property_name, sub in properties.items():
            test = self._test(sub, "x")
            if test != "True":
                inner += [f"x = {var}.get({property_name!r}, _MISSING)",
                          f"if x is not _MISSING and not ({test}): return False"]
        additional = schema.get("additionalProperties", True)
        if additional is not False:
            test = self._test(additional, "x")
            if test != "True":
                known = self._constant(frozenset(properties))
                inner += [f"for n, x in {var}.items():", f"    if n not in {known} and not ({test}): return False"]
        if "propertyNames" in schema:
            test = self._test(schema["propertyNames"], "x")
            if test != "True":
                inner += [f"for x in {var}:", f"    if not ({test}): return False"]
        return _when(is_dict, f"type({var}) is dict", inner)

    def _test(self, schema: Any, var: str) -> str:
        """An expression true when `var` is valid under `schema`: inline for scalar keywords, else a call."""
        if schema is True or schema == {}:
            return "True"
        if schema is False:
            return "False"
        if isinstance(schema, dict) and not _needs_statements(schema):
            _check_keywords(schema)
            return self._scalar_test(schema, var, self._known_type(schema))
        if isinstance(schema, dict) and _flat_object(schema):
            return self._object_test(schema, var)
        return f"{self._function(schema)}({var})"

    def _object_test(self, schema: dict[str, Any], var: str) -> str:
        """`_test` of an object whose properties are all scalar tests (a snapshot's link: 270,000 on 50,000
        security groups), as one expression: each property read once (`:=`), no call per object."""
        _check_keywords(schema)
        known = self._known_type(schema)
        properties: list[str] = []
        for property_name, sub in schema["properties"].items():
            value = self._name("t")
            test = self._test(sub, value)
            if test != "True":
                properties.append(f"(({value} := {var}.get({property_name!r}, _MISSING)) is _MISSING or ({test}))")
        tests = [self._scalar_test(schema, var, known)]
        if properties:
            members = " and ".join(properties)
            tests.append(members if known is dict else f"(type({var}) is not dict or ({members}))")
        tests = [test for test in tests if test != "True"]
        return f"({' and '.join(tests)})" if tests else "True"

    @staticmethod
    def _known_type(schema: dict[str, Any]) -> type | None:
        """The one Python type `schema`'s `type` keyword allows, if it allows one."""
        types = _EXACT_TYPES.get(schema["type"], ()) if isinstance(schema.get("type"), str) else ()
        return types[0] if len(types) == 1 else None

    def _scalar_test(self, schema: dict[str, Any], var: str, known: type | None) -> str:
        """The conjunction of `schema`'s keywords that need no statements (`_NEEDS_STATEMENTS` aside)."""
        tests: list[str] = []

        def of(kind: type, test: str) -> str:  # a keyword about one type holds for values of any other
            return test if known is kind else f"(type({var}) is not {kind.__name__} or {test})"

        for keyword in _ORDER:
            if keyword not in schema or keyword in _LOOPS:
                continue
            argument = schema[keyword]
            if keyword == "$ref":
                tests.append(self._ref_test(argument, var))
            elif keyword == "type":
                names = [argument] if isinstance(argument, str) else list(argument)
                if all(name in _EXACT_TYPES for name in names):
                    exact = {t for name in names for t in _EXACT_TYPES[name]}
                    if exact == {type(None)}:
                        tests.append(f"{var} is None")
                    elif len(exact) == 1:
                        tests.append(f"type({var}) is {next(iter(exact)).__name__}")
                    else:
                        tests.append(f"type({var}) in {self._constant(frozenset(exact))}")
                else:
                    options = " or ".join(f"_TYPES[{name!r}]({var})" for name in names)
                    tests.append(f"({options})")
            elif keyword in ("const", "enum"):
                keys = {_unique_key(option) for option in (argument if keyword == "enum" else [argument])}
                tests.append(f"_unique_key({var}) in {self._constant(keys)}")
            elif keyword == "anyOf":
                tests.append("(" + " or ".join(self._test(option, var) for option in argument) + ")")
            elif keyword == "required":
                tests.append(of(dict, f"{var}.keys() >= {self._constant(frozenset(argument))}"))
            elif keyword == "additionalProperties":   # a schema is checked by statements (`_object_lines`)
                if argument is False:
                    known_names = self._constant(frozenset(schema.get("properties", {})))
                    tests.append(of(dict, f"{known_names}.issuperset({var})"))
            elif keyword == "maxProperties":
                tests.append(of(dict, f"len({var}) <= {argument!r}"))
            elif keyword == "uniqueItems":
                if argument:
                    tests.append(of(list, f"len({{_unique_key(i) for i in {var}}}) == len({var})"))
            elif keyword == "pattern":
                tests.append(of(str, f"{self._constant(re.compile(argument).search)}({var}) is not None"))
            elif keyword == "minLength":
                tests.append(of(str, f"len({var}) >= {argument!r}"))
            elif keyword == "maxLength":
                tests.append(of(str, f"len({var}) <= {argument!r}"))
            elif keyword == "minimum":
                tests.append(f"(type({var}) not in (int, float) or {var} >= {argument!r})")
            else:  # pragma: no cover - _LOOPS and the keywords above are all of _KEYWORDS
                raise SchemaCompileError(f"keyword not supported: {keyword}")
        return " and ".join(tests) or "True"


# Keywords whose check loops over an object's or an array's members (statements, not an expression); so does
# additionalProperties with a schema (False, refusing any other name, is an expression).
_LOOPS = frozenset({"properties", "propertyNames", "items"})
_MISSING = object()


def _needs_statements(schema: dict[str, Any]) -> bool:
    return bool(_LOOPS.intersection(schema)) or schema.get("additionalProperties", False) is not False


def _flat_object(schema: dict[str, Any]) -> bool:
    """An object schema whose only loop is over properties that are all scalar tests (`_object_test`)."""
    subs = schema.get("properties")
    return (isinstance(subs, dict) and not {"items", "propertyNames"}.intersection(schema)
            and schema.get("additionalProperties", False) is False
            and all(sub is True or (isinstance(sub, dict) and not _needs_statements(sub)) for sub in subs.values()))


def _when(known: bool, test: str, lines: list[str]) -> list[str]:
    """`lines`, under `if test:` unless the test is `known` to hold (or there are no lines)."""
    if known or not lines:
        return lines
    return [f"if {test}:", *(f"    {line}" for line in lines)]


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
