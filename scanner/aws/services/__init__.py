"""The AWS services airguard collects: which resource types each yields and where it runs.

A *regional* service runs once per region; an *account* service once per account (region
"global"). Each service is one module with ``collect(session, unit, recorder) -> list[Resource]``,
imported only when a unit of that service runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from scanner.model import Resource

REGIONAL = "regional"
ACCOUNT = "account"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    scope: str  # REGIONAL | ACCOUNT
    resource_types: tuple[str, ...]
    default: bool = True  # part of a scan when no services are named

    @property
    def module(self) -> str:
        return f"scanner.aws.services.{self.name}"


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec(
            "rds",
            REGIONAL,
            (
                "aws.rds.cluster",
                "aws.rds.instance",
                "aws.rds.subnet_group",
                "aws.rds.proxy",
                "aws.rds.cluster_endpoint",
            ),
        ),
        ServiceSpec(
            "ec2",
            REGIONAL,
            ("aws.ec2.vpc", "aws.ec2.subnet", "aws.ec2.route_table", "aws.ec2.security_group"),
        ),
        ServiceSpec("secretsmanager", REGIONAL, ("aws.secretsmanager.secret",)),
        ServiceSpec("cloudtrail", REGIONAL, ("aws.cloudtrail.trail",)),
        ServiceSpec("mwaa", REGIONAL, ("aws.mwaa.environment",)),
        ServiceSpec("iam", ACCOUNT, ("aws.iam.role", "aws.iam.user", "aws.iam.policy")),
        ServiceSpec("sts", ACCOUNT, (), default=False),
    )
}

DEFAULT_SERVICES: tuple[str, ...] = tuple(name for name, spec in SERVICES.items() if spec.default)

Collector = Callable[[Any, Any, Any], "list[Resource]"]


def collector_for(service: str) -> Collector:
    """The service module's `collect` function (imports the module)."""
    module = importlib.import_module(SERVICES[service].module)
    return module.collect  # type: ignore[no-any-return]
