"""Attributes of a `Draft`, computed by the AWS collectors' own builders (one contract, one code path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.resources.ec2 import default_routes, subnet_routing
from scanner.resources.values import tags

if TYPE_CHECKING:  # `build.finish` calls this module: the import would be a cycle
    from scanner.collect.iac.build import Draft


def build_attributes(draft: Draft, region: str | None) -> dict[str, Any]:
    builder = _BUILDERS[draft.type]
    return builder(draft, region or "")


def _place(region: str) -> Any:
    from scanner.aws.services.rds import _Place

    return _Place(None, region)


def _cluster(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.rds import cluster_resource

    return dict(cluster_resource(draft.fields, _place(region)).attributes)


def _instance(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.rds import instance_resource

    return dict(instance_resource(draft.fields, _place(region)).attributes)


def _subnet_group(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.rds import subnet_group_resource

    return dict(subnet_group_resource(draft.fields, _place(region)).attributes)


def _proxy(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.rds import proxy_resource

    return dict(proxy_resource(draft.fields, draft.extra.get("endpoints", []), draft.extra.get("targets", []),
                               _place(region)).attributes)


def _cluster_endpoint(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.rds import cluster_endpoint_resource

    return dict(cluster_endpoint_resource(draft.fields, _place(region)).attributes)


def _security_group(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.ec2 import security_group_resource

    return dict(security_group_resource(draft.fields, None, region).attributes)


def _route_table(draft: Draft, region: str) -> dict[str, Any]:
    """Routes arrive in the neutral `Route` shape (a Terraform gateway reference has no `igw-` id to judge by:
    its target type says internet-gateway); the derived values are the registry's."""
    routes = draft.extra.get("routes") or []
    found = default_routes(routes)
    return {
        "route_table_id": draft.fields["RouteTableId"],
        "vpc_id": draft.fields.get("VpcId"),
        "owner_id": None,
        "main": False,
        "subnet_ids": list(draft.extra.get("subnets") or []),
        "routes": routes,
        "default_route_target": found["ipv4"],
        "default_route_target_ipv6": found["ipv6"],
        "routes_to_internet_gateway": found["public"],
        "tags": tags(draft.fields.get("Tags")),
    }


def _subnet(draft: Draft, region: str) -> dict[str, Any]:
    """The EC2 collector builds subnets inline (from its table index); the same attributes, from the routes of
    the table the subnet is associated with (`extra["routes"]`, already in the neutral `Route` shape)."""
    fields = draft.fields
    routes = draft.extra.get("routes")
    return {
        "subnet_id": fields["SubnetId"],
        "vpc_id": fields.get("VpcId"),
        "owner_id": None,
        "cidr_block": fields.get("CidrBlock"),
        "ipv6_cidr_blocks": sorted(fields.get("Ipv6CidrBlocks") or []),
        "availability_zone": fields.get("AvailabilityZone"),
        "map_public_ip_on_launch": bool(fields.get("MapPublicIpOnLaunch")),
        "default_for_az": False,
        "route_table_id": fields.get("RouteTableId"),
        "route_table_association": "explicit" if fields.get("RouteTableId") else None,
        **subnet_routing(routes, routes is not None),
        "tags": tags(fields.get("Tags")),
    }


def _role(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.iam import role_resource

    listed = {"MaxSessionDuration": draft.fields.get("MaxSessionDuration"),
              "Description": draft.fields.get("Description")}
    return dict(role_resource(draft.fields, draft.extra.get("managed", {}), listed).attributes)


def _user(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.iam import user_resource

    return dict(user_resource(draft.fields, {}, draft.extra.get("managed", {}), [], None).attributes)


def _secret(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.secretsmanager import secret_resource

    return dict(secret_resource(draft.fields, None, region).attributes)


def _trail(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.cloudtrail import trail_resource

    return dict(trail_resource(draft.fields, draft.extra.get("status"), None, region).attributes)


def _environment(draft: Draft, region: str) -> dict[str, Any]:
    from scanner.aws.services.mwaa import environment_resource

    return dict(environment_resource(draft.fields, None, region).attributes)


_BUILDERS = {
    "aws.rds.cluster": _cluster,
    "aws.rds.instance": _instance,
    "aws.rds.subnet_group": _subnet_group,
    "aws.rds.proxy": _proxy,
    "aws.rds.cluster_endpoint": _cluster_endpoint,
    "aws.ec2.security_group": _security_group,
    "aws.ec2.route_table": _route_table,
    "aws.ec2.subnet": _subnet,
    "aws.iam.role": _role,
    "aws.iam.user": _user,
    "aws.secretsmanager.secret": _secret,
    "aws.cloudtrail.trail": _trail,
    "aws.mwaa.environment": _environment,
}
