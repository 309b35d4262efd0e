"""The resource contract: every resource type a collector may emit and a rule may name.

``REGISTRY`` holds one `ResourceType` per type: its attribute model (a TypedDict), its relations, its
names in CloudFormation, Terraform and Security Hub. The domain modules (`airflow`, `code`, `rds`, `ec2`,
`iam`, `secretsmanager`, `cloudtrail`, `mwaa`) register their types when imported and hold the
functions that compute derived attributes, so that every collector (AWS API, snapshot, Terraform,
CloudFormation) computes them the same way. `link_airflow`, `link_aws` and `link_iac` register the linkers that add
relations across collectors (`REGISTRY.linkers`, run by `scanner.engine.link`). See README.md here.

The package loads its modules on first use (PEP 562 `__getattr__`): `from scanner.resources import REGISTRY`
imports every domain and link module first, so the registry is complete, while the link step of a scan asks
`linkers()`, which imports the link modules only: the domain modules define ~40 TypedDicts when imported, a
tenth of a small scan's start-up, and a scan reads no attribute model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.resources.registry import REGISTRY, Linker, NativeNames, Registry, Relation, ResourceType

__all__ = ["REGISTRY", "Linker", "NativeNames", "Registry", "Relation", "ResourceType", "linkers"]


def linkers() -> tuple[Linker, ...]:
    """Every registered linker, in the order they run; the domain modules (attribute models) stay unloaded."""
    from scanner.resources import link_airflow, link_aws, link_iac  # noqa: F401 - each registers its linkers
    from scanner.resources.registry import REGISTRY

    return REGISTRY.linkers


def __getattr__(name: str) -> Any:
    """`REGISTRY` (complete: every domain and link module registered first) and the registry's classes."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from scanner.resources import (  # noqa: F401 - each module registers its types or linkers
        airflow,
        cloudtrail,
        code,
        ec2,
        iam,
        link_airflow,
        link_aws,
        link_iac,
        mwaa,
        rds,
        registry,
        secretsmanager,
    )

    value = getattr(registry, name)
    globals()[name] = value  # later reads find it without this function
    return value
