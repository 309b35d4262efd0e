"""Amazon MWAA environments."""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from typing_extensions import TypedDict

from scanner.resources.common import JSON, Link, Tags
from scanner.resources.names import ENVIRONMENT
from scanner.resources.registry import REGISTRY, NativeNames, Relation, ResourceType


class ModuleLogging(TypedDict):
    enabled: bool | None
    log_level: str | None


class EnvironmentAttributes(TypedDict):
    name: str
    arn: str
    status: str | None
    airflow_version: str | None
    environment_class: str | None
    webserver_access_mode: str | None  # PUBLIC_ONLY | PRIVATE_ONLY
    webserver_url: str | None
    endpoint_management: str | None
    execution_role_arn: str | None
    service_role_arn: str | None
    kms_key: str | None
    subnet_ids: list[str]
    security_group_ids: list[str]
    source_bucket_arn: str | None
    dag_s3_path: str | None
    requirements_s3_path: str | None
    startup_script_s3_path: str | None
    airflow_configuration_options: dict[str, JSON]  # secret-named values redacted, the others scrubbed
    logging: dict[str, ModuleLogging]
    min_workers: int | None
    max_workers: int | None
    schedulers: int | None
    created: str | None
    tags: Tags
    _links: list[Link]


REGISTRY.register(ResourceType(
    ENVIRONMENT, "An Amazon MWAA environment.", EnvironmentAttributes,
    relations=(Relation("subnets", ("aws.ec2.subnet",), "the environment's subnets"),
               Relation("security_groups", ("aws.ec2.security_group",), "the environment's security groups"),
               Relation("execution_role", ("aws.iam.role",), "the role tasks and the scheduler run as")),
    native=NativeNames(cloudformation=("AWS::MWAA::Environment",), terraform=("aws_mwaa_environment",)),
))
