"""The resource contract: every resource type a collector may emit and a rule may name.

``REGISTRY`` holds one `ResourceType` per type: its attribute model (a TypedDict), its relations, its
names in CloudFormation, Terraform and Security Hub. The domain modules (`airflow`, `code`, `rds`, `ec2`,
`iam`, `secretsmanager`, `cloudtrail`, `mwaa`) register their types when imported (here) and hold the
functions that compute derived attributes, so that every collector (AWS API, snapshot, Terraform,
CloudFormation) computes them the same way. `link_airflow`, `link_aws` and `link_iac` register the linkers that add
relations across collectors (`REGISTRY.linkers`, run by `scanner.engine.link`). See README.md here.
"""

from __future__ import annotations

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
    secretsmanager,
)
from scanner.resources.registry import REGISTRY, Linker, NativeNames, Registry, Relation, ResourceType

__all__ = ["REGISTRY", "Linker", "NativeNames", "Registry", "Relation", "ResourceType"]
