"""Less memory per model instance, without changing what the models hold or how they behave.

Pydantic gives every instance its own set of the field names it was given (`__pydantic_fields_set__`,
700 bytes for five names). Resources come by the hundred thousand, each with a location per attribute:
those sets were the largest single item of a large scan. An instance given every field (as one
validated from a full dump, a cache entry or an AWS snapshot is) gets its class's one shared set
instead: adding a field name to it is a no-op, `model_copy` copies it before adding, and
`exclude_unset` reads the same names.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from scanner.model import FileLocation, Resource

_ALL_FIELDS: dict[type, set[str]] = {}


def share_fields_set(model: Any) -> None:
    """Give `model` its class's shared set when it has all of its fields set."""
    fields = model.__pydantic_fields_set__
    shared = all_fields(type(model))
    if fields is not shared and fields == shared:
        object.__setattr__(model, "__pydantic_fields_set__", shared)


def all_fields(cls: Any) -> set[str]:
    """The shared set of every field name of model class `cls`."""
    shared = _ALL_FIELDS.get(cls)
    if shared is None:
        shared = _ALL_FIELDS[cls] = set(cls.model_fields)
    return shared


def trusted(cls: Any, values: dict[str, Any], given: Any = None) -> Any:
    """An instance of model class `cls` holding `values` (every field, in declaration order), built without
    validating them, as `model_construct` makes it: for data airguard made or checked itself (its own dumps,
    a cache entry with its digest, a snapshot resource the schema accepted). Its set of fields is the class's
    shared one, or, when `given` (the dump it came from) is passed, the names in it, as `model_validate`
    would set them."""
    model = object.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    # BaseModel's slots set through their descriptors: half the time of object.__setattr__ by name, for the
    # hundreds of thousands of models a large scan restores
    _set_fields(model, all_fields(cls) if given is None else {name for name in values if name in given})
    _set_extra(model, None)
    _set_private(model, None)
    if given is not None:
        share_fields_set(model)
    return model


def location(path: str, start_line: int, start_column: int = 1, end_line: int | None = None,
             end_column: int | None = None) -> FileLocation:
    """A `FileLocation` from parts airguard computed or read back from its own dump, built as `trusted`."""
    return trusted(FileLocation, {"path": path, "start_line": start_line, "start_column": start_column,
                                  "end_line": end_line, "end_column": end_column})


_set_fields = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def compact(resource: Resource) -> Resource:
    """`resource` with its source and locations sharing their classes' field sets; returned for chaining."""
    share_fields_set(resource)
    source = resource.source
    share_fields_set(source)
    for part in (source.file, source.aws, *resource.locations.values()):
        if part is not None:
            share_fields_set(part)
    return resource


class Interner:
    """One object per distinct string in everything it copies: a snapshot, or the outcomes of a scan's files,
    repeat the same ids, types, paths, keys and values thousands of times (`json` and `pickle` share nothing
    across decoded values). `strings` is the table to share (a scan keeps one: `ScanContext.strings`)."""

    def __init__(self, strings: dict[str, str] | None = None) -> None:
        self._strings: dict[str, str] = {} if strings is None else strings

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return self._dict(value)
        if kind is list:
            return self._list(value)
        return self._strings.setdefault(value, value) if kind is str else value

    # The two walks test each item's type inline: a call per scalar was a third of their time.
    def _dict(self, value: dict[str, Any]) -> dict[str, Any]:
        one = self._strings.setdefault
        copied = {}
        for key, item in value.items():
            kind = type(item)
            if kind is str:
                item = one(item, item)
            elif kind is dict:
                item = self._dict(item)
            elif kind is list:
                item = self._list(item)
            copied[one(key, key)] = item
        return copied

    def _list(self, value: list[Any]) -> list[Any]:
        one = self._strings.setdefault
        copied = []
        for item in value:
            kind = type(item)
            if kind is str:
                item = one(item, item)
            elif kind is dict:
                item = self._dict(item)
            elif kind is list:
                item = self._list(item)
            copied.append(item)
        return copied
