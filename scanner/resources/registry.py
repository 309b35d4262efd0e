"""The resource-type registry: what each type's attributes are, how it relates to others, what it is called
elsewhere (CloudFormation, Terraform, Security Hub).

A type's attribute model is a `TypedDict`: resources stay plain dicts at run time (50k resources are
evaluated without any per-resource validation cost); tests validate every resource the collectors emit
against it (`scanner.resources.validate`). Registering is done at import of each domain module of this
package, so `scanner.resources.REGISTRY` is complete once the package is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from scanner.model import ResourceGraph


# The classes below are plain classes, read-only by convention (set once, when registered): each dataclass
# cost ~3M instructions to create, and every scan that links resources imports this module.


class Relation:
    """A named, directed relation from a resource of the registering type to resources of `targets`.

    `made_by` says who adds the edge: ``"collector"`` (an AWS collector's ``_links``, or the file
    collectors), or the name of the linker (``"link.connections"``...) that derives it across resources.
    """

    __slots__ = ("made_by", "meaning", "name", "targets")

    def __init__(self, name: str, targets: tuple[str, ...], meaning: str, made_by: str = "collector") -> None:
        self.name = name
        self.targets = targets
        self.meaning = meaning
        self.made_by = made_by


class NativeNames:
    """What a type is called by the tools that define or report it.

    The first CloudFormation/Terraform name is the resource itself; `*_parts` are the other native types
    whose settings become attributes of it (a security group's separate ingress rules, a role's attached
    policies). `security_hub` is the ASFF ``Resources[].Type`` (``Other`` when Security Hub has none).
    """

    __slots__ = ("cloudformation", "cloudformation_parts", "security_hub", "terraform", "terraform_parts")

    def __init__(self, cloudformation: tuple[str, ...] = (), cloudformation_parts: tuple[str, ...] = (),
                 terraform: tuple[str, ...] = (), terraform_parts: tuple[str, ...] = (),
                 security_hub: str = "Other") -> None:
        self.cloudformation = cloudformation
        self.cloudformation_parts = cloudformation_parts
        self.terraform = terraform
        self.terraform_parts = terraform_parts
        self.security_hub = security_hub


class ResourceType:
    """A registered resource type: its name, description, attribute model, relations and native names."""

    __slots__ = ("attributes", "description", "name", "native", "relations")

    def __init__(self, name: str, description: str, attributes: Any, relations: tuple[Relation, ...] = (),
                 native: NativeNames | None = None) -> None:
        self.name = name
        self.description = description
        self.attributes = attributes  # a TypedDict class: the attribute model
        self.relations = relations
        self.native = NativeNames() if native is None else native

    def relation(self, name: str) -> Relation | None:
        return next((r for r in self.relations if r.name == name), None)


class Linker:
    """Adds relations no single collector can see (they span files, or files and an account).

    `reads` lists the types it starts from: the link step skips a linker when the graph holds none of them.
    Linkers run by `order` (then name), after every resource's own ``_links`` became edges: a linker that
    follows another's relations takes a higher order.
    """

    __slots__ = ("name", "order", "reads", "run")

    def __init__(self, name: str, reads: tuple[str, ...], run: Callable[[ResourceGraph], None],
                 order: int = 50) -> None:
        self.name = name
        self.reads = reads
        self.run = run
        self.order = order


class Registry:
    """Every registered resource type, by name, and the linkers that relate them."""

    def __init__(self) -> None:
        self._types: dict[str, ResourceType] = {}
        self._linkers: list[Linker] = []

    def register(self, resource_type: ResourceType) -> ResourceType:
        if resource_type.name in self._types:
            raise ValueError(f"resource type {resource_type.name} registered twice")
        self._types[resource_type.name] = resource_type
        return resource_type

    def add_linker(self, linker: Linker) -> Linker:
        if any(known.name == linker.name for known in self._linkers):
            raise ValueError(f"linker {linker.name} registered twice")
        self._linkers.append(linker)
        return linker

    @property
    def linkers(self) -> tuple[Linker, ...]:
        return tuple(sorted(self._linkers, key=lambda linker: (linker.order, linker.name)))

    def get(self, name: str) -> ResourceType:
        return self._types[name]

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(self._types.values())

    def names(self) -> list[str]:
        return sorted(self._types)

    def descriptions(self) -> dict[str, str]:
        return {name: self._types[name].description for name in sorted(self._types)}

    def incoming(self, target: str, relation: str) -> list[str]:
        """The types whose `relation` may point at a `target` resource."""
        return sorted(t.name for t in self if any(r.name == relation and target in r.targets for r in t.relations))

    def by_terraform(self, native_type: str) -> list[ResourceType]:
        """The registered types a Terraform resource type makes or contributes to."""
        return [t for t in self if native_type in (*t.native.terraform, *t.native.terraform_parts)]

    def by_cloudformation(self, native_type: str) -> list[ResourceType]:
        """The registered types a CloudFormation resource type makes or contributes to."""
        return [t for t in self if native_type in (*t.native.cloudformation, *t.native.cloudformation_parts)]


REGISTRY = Registry()
