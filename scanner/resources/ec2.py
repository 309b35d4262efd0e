"""EC2 networking types (VPC, subnet, route table, security group) and their derived attributes.

Derived attributes are computed here for every collector (AWS API, snapshot, IaC): a security-group
rule's `open_to_world`, a group's `ingress_open_to_world`, a table's default routes and a subnet's
`public` (its default route goes to an internet gateway). Collectors normalise their input into the
neutral shapes below (`security_rule`, `route`) and call these functions.
"""

# Annotations evaluated at import (no `from __future__ import annotations`): see README.md, Start-up.

from collections.abc import Iterable, Sequence
from typing import Any

from typing_extensions import TypedDict

from scanner.resources.common import (
    REFERENCED_BY_CONNECTION,
    REFERENCED_BY_CONNECTION_MEANING,
    Link,
    Tags,
)
from scanner.resources.names import CONNECTION, ROUTE_TABLE, SECURITY_GROUP, SUBNET, VPC
from scanner.resources.registry import REGISTRY, NativeNames, Relation, ResourceType

WORLD_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
INTERNET_GATEWAY = "internet-gateway"
SOURCE_FIELDS = ("cidr_ipv4", "cidr_ipv6", "source_security_group_id", "prefix_list_id")


# -- security groups -------------------------------------------------------------------------------
class SecurityGroupRule(TypedDict):
    """One (permission x source) of a security group: exactly one source field is set."""

    protocol: str  # "tcp", "udp", "icmp", "-1" (all) or a protocol number
    from_port: int | None  # None for all protocols (-1)
    to_port: int | None
    cidr_ipv4: str | None
    cidr_ipv6: str | None
    source_security_group_id: str | None
    source_security_group_owner: str | None
    prefix_list_id: str | None
    description: str | None
    open_to_world: bool  # derived: the source is 0.0.0.0/0 or ::/0


def security_rule(protocol: Any, from_port: Any, to_port: Any, source_field: str, source: Any,
                  description: Any = None, source_owner: Any = None) -> SecurityGroupRule:
    """One normalised rule; `source_field` is one of `SOURCE_FIELDS`. Protocol ``-1`` has no ports."""
    if source_field not in SOURCE_FIELDS:
        raise ValueError(f"unknown security-group rule source {source_field!r}")
    protocol = str(protocol)
    rule: dict[str, Any] = {
        "protocol": protocol,
        "from_port": None if protocol == "-1" else from_port,
        "to_port": None if protocol == "-1" else to_port,
        "cidr_ipv4": None,
        "cidr_ipv6": None,
        "source_security_group_id": None,
        "source_security_group_owner": None,
        "prefix_list_id": None,
        "description": description,
    }
    rule[source_field] = source
    if source_field == "source_security_group_id":
        rule["source_security_group_owner"] = source_owner
    rule["open_to_world"] = rule["cidr_ipv4"] in WORLD_CIDRS or rule["cidr_ipv6"] in WORLD_CIDRS
    return rule  # type: ignore[return-value]


def sorted_rules(rules: Iterable[SecurityGroupRule]) -> list[SecurityGroupRule]:
    """Rules in a stable order (protocol, ports, source, description)."""
    return sorted(
        rules,
        key=lambda r: (
            r["protocol"],
            r["from_port"] if r["from_port"] is not None else -2,
            r["to_port"] if r["to_port"] is not None else -2,
            str(r["cidr_ipv4"]),
            str(r["cidr_ipv6"]),
            str(r["source_security_group_id"]),
            str(r["prefix_list_id"]),
            str(r["description"]),
        ),
    )


def open_to_world(rules: Iterable[SecurityGroupRule]) -> bool:
    """A group's `ingress_open_to_world`: any of its (ingress) rules admits the whole internet."""
    return any(rule["open_to_world"] for rule in rules)


class SecurityGroupAttributes(TypedDict):
    group_id: str
    group_name: str | None
    description: str | None
    vpc_id: str | None
    owner_id: str | None
    ingress: list[SecurityGroupRule]
    egress: list[SecurityGroupRule]
    ingress_open_to_world: bool  # derived: `open_to_world(ingress)`
    tags: Tags
    _links: list[Link]


# -- routes, route tables, subnets -----------------------------------------------------------------
class Route(TypedDict):
    destination: str | None
    destination_type: str  # ipv4 | ipv6 | prefix_list
    target: str | None
    target_type: str | None  # internet-gateway, nat-gateway, local, vpc-peering-connection, ...
    state: str | None  # active | blackhole
    origin: str | None


class DefaultRoutes(TypedDict):
    ipv4: str | None  # target of 0.0.0.0/0
    ipv6: str | None  # target of ::/0
    public: bool  # either goes to an internet gateway


def route(destination: Any, destination_type: str, target: Any, target_type: Any, state: Any = None,
          origin: Any = None) -> Route:
    return {"destination": destination, "destination_type": destination_type, "target": target,
            "target_type": target_type, "state": state, "origin": origin}


def sorted_routes(routes: Iterable[Route]) -> list[Route]:
    return sorted(routes, key=lambda r: (str(r["destination_type"]), str(r["destination"]), str(r["target"])))


def default_routes(routes: Sequence[Route]) -> DefaultRoutes:
    """The targets of a table's 0.0.0.0/0 and ::/0 routes (blackholes skipped; the last one listed wins), and
    whether either goes to an internet gateway."""
    result: DefaultRoutes = {"ipv4": None, "ipv6": None, "public": False}
    public = {"ipv4": False, "ipv6": False}
    for item in routes:
        if item["state"] == "blackhole":
            continue
        if item["destination_type"] == "ipv4" and item["destination"] == "0.0.0.0/0":
            family = "ipv4"
        elif item["destination_type"] == "ipv6" and item["destination"] == "::/0":
            family = "ipv6"
        else:
            continue
        result[family] = item["target"]  # type: ignore[literal-required]
        public[family] = item["target_type"] == INTERNET_GATEWAY or str(item["target"] or "").startswith("igw-")
    result["public"] = any(public.values())
    return result


class RouteTableAttributes(TypedDict):
    route_table_id: str
    vpc_id: str | None
    owner_id: str | None
    main: bool
    subnet_ids: list[str]
    routes: list[Route]
    default_route_target: str | None  # derived: `default_routes(routes)["ipv4"]`
    default_route_target_ipv6: str | None
    routes_to_internet_gateway: bool  # derived: `default_routes(routes)["public"]`
    tags: Tags
    _links: list[Link]


def subnet_routing(routes: Sequence[Route] | None, known: bool) -> dict[str, Any]:
    """A subnet's derived routing attributes from the routes of the table it uses (explicitly or the VPC's
    main table). `known` is False when the tables could not be read (or the subnet has none): all None."""
    if not known or routes is None:
        return {"default_route_target": None, "default_route_target_ipv6": None, "public": None}
    found = default_routes(routes)
    return {"default_route_target": found["ipv4"], "default_route_target_ipv6": found["ipv6"],
            "public": found["public"]}


class SubnetAttributes(TypedDict):
    subnet_id: str
    vpc_id: str | None
    owner_id: str | None
    cidr_block: str | None
    ipv6_cidr_blocks: list[str]
    availability_zone: str | None
    map_public_ip_on_launch: bool
    default_for_az: bool
    route_table_id: str | None
    route_table_association: str | None  # explicit | main | None
    default_route_target: str | None  # derived: `subnet_routing`
    default_route_target_ipv6: str | None
    public: bool | None  # derived: the default route goes to an internet gateway; None = not known
    tags: Tags
    _links: list[Link]


class NatGateway(TypedDict):
    id: str | None
    subnet_id: str | None
    state: str | None
    connectivity_type: str | None


class VpcAttributes(TypedDict):
    vpc_id: str
    owner_id: str | None
    cidr_block: str | None
    cidr_blocks: list[str]
    ipv6_cidr_blocks: list[str]
    is_default: bool
    state: str | None
    internet_gateway_ids: list[str]
    nat_gateways: list[NatGateway]
    main_route_table_id: str | None
    tags: Tags
    _links: list[Link]


def _referenced() -> Relation:
    return Relation(REFERENCED_BY_CONNECTION, (CONNECTION,), REFERENCED_BY_CONNECTION_MEANING, "link.aws")


REGISTRY.register(ResourceType(
    VPC, "A VPC.", VpcAttributes,
    relations=(Relation("main_route_table", (ROUTE_TABLE,), "the VPC's main route table"),),
    native=NativeNames(cloudformation=("AWS::EC2::VPC",),
                       cloudformation_parts=("AWS::EC2::VPCGatewayAttachment", "AWS::EC2::NatGateway",
                                             "AWS::EC2::VPCCidrBlock"),
                       terraform=("aws_vpc", "aws_default_vpc"),
                       terraform_parts=("aws_internet_gateway", "aws_nat_gateway", "aws_vpc_ipv4_cidr_block_association",
                                        "aws_main_route_table_association"),
                       security_hub="AwsEc2Vpc"),
))
REGISTRY.register(ResourceType(
    SUBNET, "A subnet, with the route table it uses.", SubnetAttributes,
    relations=(Relation("vpc", (VPC,), "the subnet's VPC"),
               Relation("route_table", (ROUTE_TABLE,), "the table the subnet uses (explicit, else the main one)"),
               _referenced()),
    native=NativeNames(cloudformation=("AWS::EC2::Subnet",),
                       cloudformation_parts=("AWS::EC2::SubnetRouteTableAssociation",),
                       terraform=("aws_subnet", "aws_default_subnet"),
                       terraform_parts=("aws_route_table_association",),
                       security_hub="AwsEc2Subnet"),
))
REGISTRY.register(ResourceType(
    ROUTE_TABLE, "A route table.", RouteTableAttributes,
    relations=(Relation("vpc", (VPC,), "the table's VPC"),
               Relation("subnets", (SUBNET,), "the subnets explicitly associated with the table")),
    native=NativeNames(cloudformation=("AWS::EC2::RouteTable",),
                       cloudformation_parts=("AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation"),
                       terraform=("aws_route_table", "aws_default_route_table"),
                       terraform_parts=("aws_route", "aws_route_table_association",
                                        "aws_main_route_table_association"),
                       security_hub="AwsEc2RouteTable"),
))
REGISTRY.register(ResourceType(
    SECURITY_GROUP, "A security group and its rules.", SecurityGroupAttributes,
    relations=(Relation("vpc", (VPC,), "the group's VPC"),
               Relation("ingress_from", (SECURITY_GROUP,), "groups an ingress rule admits as its source"),
               _referenced()),
    native=NativeNames(cloudformation=("AWS::EC2::SecurityGroup",),
                       cloudformation_parts=("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"),
                       terraform=("aws_security_group", "aws_default_security_group"),
                       terraform_parts=("aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                                        "aws_vpc_security_group_egress_rule"),
                       security_hub="AwsEc2SecurityGroup"),
))
