"""The resource contract: every resource type a collector may emit and a rule may name.

``REGISTRY`` holds one `ResourceType` per type: its attribute model (a TypedDict), its relations, its
names in CloudFormation, Terraform and Security Hub. The domain modules (`airflow`, `code`, `rds`, `ec2`,
`iam`, `secretsmanager`, `cloudtrail`, `mwaa`) register their types when imported (here) and hold the
functions that compute derived attributes, so that every collector (AWS API, snapshot, Terraform,
CloudFormation) computes them the same way. See README.md in this folder.
"""

from __future__ import annotations

from scanner.resources import airflow, cloudtrail, code, ec2, iam, mwaa, rds, secretsmanager  # noqa: F401
from scanner.resources.registry import REGISTRY, NativeNames, Registry, Relation, ResourceType

__all__ = ["REGISTRY", "NativeNames", "Registry", "Relation", "ResourceType"]
