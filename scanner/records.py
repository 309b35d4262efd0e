"""Plain slotted record classes with a dataclass's equality, hashing, repr and (frozen) immutability, for the
classes every run creates at start-up. A dataclass builds its methods from source text when its class is
created: ~3M instructions a class, ~4M a frozen slotted one, 5-10 % of a warm scan of a small tree for the
handful every scan imports. A record class lists its fields in `_fields` and sets them in its own `__init__`.

`replace` copies a record with some fields changed, as `dataclasses.replace` copies a dataclass.
"""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Equal when of the same class with equal fields, like a dataclass (and so, like one, not hashable)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()   # compared, hashed and shown, in this order

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()   # type: ignore[attr-defined]

    __hash__ = None   # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({shown})"


class FrozenRecord(Record):
    """A record that cannot change once built, hashable by its fields, like a frozen dataclass. Its `__init__`
    sets the fields with `object.__setattr__`; it is pickled as a call of the class with its fields in order."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return self.__class__, self._values()


def replace(record: R, **changes: Any) -> R:
    """A new record of `record`'s class with its fields, but `changes`: built by calling the class with every
    field by name, as `dataclasses.replace` does (so a name that is no field is a TypeError of `__init__`)."""
    values = {name: getattr(record, name) for name in record._fields}
    values.update(changes)
    return record.__class__(**values)
