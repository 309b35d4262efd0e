"""EC2 networking, per region: VPCs, subnets (with the route table each one uses), route tables and
security groups (rules flattened).

Calls: one paginated describe each for VPCs, subnets, route tables, internet gateways, NAT gateways
and security groups, whatever the number of resources. Internet and NAT gateways are not resources
of their own: they are attributes of their VPC (``internet_gateway_ids``, ``nat_gateways``) and show
up as route targets.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.aws.calls import call, paginate
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import AwsSession
from scanner.aws.shape import build_arn, link, make_resource
from scanner.model import Resource
from scanner.resources.ec2 import (
    WORLD_CIDRS,  # noqa: F401 - kept importable from here
    Route,
    SecurityGroupRule,
    default_routes,
    open_to_world,
    route,
    security_rule,
    sorted_routes,
    sorted_rules,
    subnet_routing,
)
from scanner.resources.values import tags

VPC = "aws.ec2.vpc"
SUBNET = "aws.ec2.subnet"
ROUTE_TABLE = "aws.ec2.route_table"
SECURITY_GROUP = "aws.ec2.security_group"
PAGE = 1000
ROUTE_TABLE_PAGE = 100

# Route fields naming a target, in the order AWS documents them.
_TARGET_FIELDS = (
    ("GatewayId", "gateway"),
    ("NatGatewayId", "nat-gateway"),
    ("TransitGatewayId", "transit-gateway"),
    ("VpcPeeringConnectionId", "vpc-peering-connection"),
    ("NetworkInterfaceId", "network-interface"),
    ("InstanceId", "instance"),
    ("EgressOnlyInternetGatewayId", "egress-only-internet-gateway"),
    ("CarrierGatewayId", "carrier-gateway"),
    ("LocalGatewayId", "local-gateway"),
    ("CoreNetworkArn", "core-network"),
)
_GATEWAY_KINDS = {"igw": "internet-gateway", "vgw": "vpn-gateway", "vpce": "vpc-endpoint"}


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    client = recorder.attach(session.client("ec2"))
    account, region = recorder.account, unit.region
    vpcs = paginate(recorder, client, "describe_vpcs", "Vpcs", [VPC], page_size=PAGE)
    subnets = paginate(recorder, client, "describe_subnets", "Subnets", [SUBNET], page_size=PAGE)
    route_tables = paginate(
        recorder,
        client,
        "describe_route_tables",
        "RouteTables",
        [ROUTE_TABLE, SUBNET],
        page_size=ROUTE_TABLE_PAGE,
    )
    gateways = paginate(
        recorder, client, "describe_internet_gateways", "InternetGateways", [VPC], page_size=PAGE
    )
    nat_gateways = paginate(recorder, client, "describe_nat_gateways", "NatGateways", [VPC], page_size=PAGE)
    security_groups = paginate(
        recorder, client, "describe_security_groups", "SecurityGroups", [SECURITY_GROUP], page_size=PAGE
    )
    route_tables_read = not any(g.operation == "ec2:DescribeRouteTables" for g in recorder.gaps)

    def arn(kind: str, ident: str, owner: str | None = None) -> str:
        return build_arn("ec2", region, owner or account, f"{kind}/{ident}")

    main_tables = {
        rt["VpcId"]: rt for rt in route_tables if any(a.get("Main") for a in rt.get("Associations") or [])
    }
    explicit_tables = {
        a["SubnetId"]: rt for rt in route_tables for a in rt.get("Associations") or [] if a.get("SubnetId")
    }
    gateways_by_vpc: dict[str, list[str]] = defaultdict(list)
    for gateway in gateways:
        for attachment in gateway.get("Attachments") or []:
            if attachment.get("VpcId"):
                gateways_by_vpc[attachment["VpcId"]].append(gateway["InternetGatewayId"])
    nats_by_vpc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for nat in nat_gateways:
        nats_by_vpc[str(nat.get("VpcId"))].append(
            {
                "id": nat.get("NatGatewayId"),
                "subnet_id": nat.get("SubnetId"),
                "state": nat.get("State"),
                "connectivity_type": nat.get("ConnectivityType"),
            }
        )

    resources: list[Resource] = []
    for vpc in vpcs:
        vpc_id = vpc["VpcId"]
        owner = vpc.get("OwnerId")
        main = main_tables.get(vpc_id)
        attributes = {
            "vpc_id": vpc_id,
            "owner_id": owner,
            "cidr_block": vpc.get("CidrBlock"),
            "cidr_blocks": sorted(
                a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or [] if a.get("CidrBlock")
            ),
            "ipv6_cidr_blocks": sorted(
                a["Ipv6CidrBlock"]
                for a in vpc.get("Ipv6CidrBlockAssociationSet") or []
                if a.get("Ipv6CidrBlock")
            ),
            "is_default": bool(vpc.get("IsDefault")),
            "state": vpc.get("State"),
            "internet_gateway_ids": sorted(gateways_by_vpc.get(vpc_id, [])),
            "nat_gateways": sorted(nats_by_vpc.get(vpc_id, []), key=lambda n: str(n["id"])),
            "main_route_table_id": main["RouteTableId"] if main else None,
            "tags": tags(vpc.get("Tags")),
        }
        links = (
            [
                link(
                    "main_route_table",
                    ROUTE_TABLE,
                    arn("route-table", main["RouteTableId"], owner),
                    main["RouteTableId"],
                )
            ]
            if main
            else []
        )
        resources.append(
            make_resource(
                VPC,
                arn("vpc", vpc_id, owner),
                vpc_id,
                account=account,
                region=region,
                attributes=attributes,
                links=links,
            )
        )

    for subnet in subnets:
        subnet_id, vpc_id = subnet["SubnetId"], subnet.get("VpcId")
        owner = subnet.get("OwnerId")
        table = explicit_tables.get(subnet_id)
        association = "explicit" if table else None
        if table is None and vpc_id in main_tables:
            table, association = main_tables[vpc_id], "main"
        routing = subnet_routing(api_routes(table) if table else None, route_tables_read and table is not None)
        attributes = {
            "subnet_id": subnet_id,
            "vpc_id": vpc_id,
            "owner_id": owner,
            "cidr_block": subnet.get("CidrBlock"),
            "ipv6_cidr_blocks": sorted(
                a["Ipv6CidrBlock"]
                for a in subnet.get("Ipv6CidrBlockAssociationSet") or []
                if a.get("Ipv6CidrBlock")
            ),
            "availability_zone": subnet.get("AvailabilityZone"),
            "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
            "default_for_az": bool(subnet.get("DefaultForAz")),
            "route_table_id": table["RouteTableId"] if table else None,
            "route_table_association": association,
            **routing,
            "tags": tags(subnet.get("Tags")),
        }
        links = [link("vpc", VPC, arn("vpc", vpc_id, owner), vpc_id)] if vpc_id else []
        if table:
            links.append(
                link(
                    "route_table",
                    ROUTE_TABLE,
                    arn("route-table", table["RouteTableId"], owner),
                    table["RouteTableId"],
                )
            )
        resources.append(
            make_resource(
                SUBNET,
                arn("subnet", subnet_id, owner),
                subnet_id,
                account=account,
                region=region,
                attributes=attributes,
                links=links,
            )
        )

    for table in route_tables:
        resources.append(route_table_resource(table, account, region))
    for group in security_groups:
        resources.append(security_group_resource(group, account, region))
    return resources


def _route_target(item: dict[str, Any]) -> tuple[str | None, str | None]:
    for field, kind in _TARGET_FIELDS:
        if item.get(field):
            value = str(item[field])
            if field == "GatewayId":
                kind = "local" if value == "local" else _GATEWAY_KINDS.get(value.split("-", 1)[0], kind)
            return value, kind
    return None, None


def api_routes(table: dict[str, Any]) -> list[Route]:
    """A route table's API routes in the neutral shape, in the order listed."""
    routes = []
    for item in table.get("Routes") or []:
        target, target_type = _route_target(item)
        if item.get("DestinationCidrBlock"):
            destination, destination_type = item["DestinationCidrBlock"], "ipv4"
        elif item.get("DestinationIpv6CidrBlock"):
            destination, destination_type = item["DestinationIpv6CidrBlock"], "ipv6"
        else:
            destination, destination_type = item.get("DestinationPrefixListId"), "prefix_list"
        routes.append(route(destination, destination_type, target, target_type, item.get("State"), item.get("Origin")))
    return routes


def route_table_resource(table: dict[str, Any], account: str | None, region: str) -> Resource:
    table_id, vpc_id = table["RouteTableId"], table.get("VpcId")
    owner = table.get("OwnerId") or account
    listed = api_routes(table)
    routes = sorted_routes(listed)
    associations = table.get("Associations") or []
    subnet_ids = sorted(a["SubnetId"] for a in associations if a.get("SubnetId"))
    routing = default_routes(listed)
    attributes = {
        "route_table_id": table_id,
        "vpc_id": vpc_id,
        "owner_id": table.get("OwnerId"),
        "main": any(a.get("Main") for a in associations),
        "subnet_ids": subnet_ids,
        "routes": routes,
        "default_route_target": routing["ipv4"],
        "default_route_target_ipv6": routing["ipv6"],
        "routes_to_internet_gateway": routing["public"],
        "tags": tags(table.get("Tags")),
    }
    links = [link("vpc", VPC, build_arn("ec2", region, owner, f"vpc/{vpc_id}"), vpc_id)] if vpc_id else []
    links += [link("subnets", SUBNET, build_arn("ec2", region, owner, f"subnet/{s}"), s) for s in subnet_ids]
    return make_resource(
        ROUTE_TABLE,
        build_arn("ec2", region, owner, f"route-table/{table_id}"),
        table_id,
        account=account,
        region=region,
        attributes=attributes,
        links=links,
    )


def flatten_permissions(permissions: list[dict[str, Any]]) -> list[SecurityGroupRule]:
    """One rule per (permission x source) of an API IpPermissions list (see `scanner.resources.ec2`)."""
    rules: list[SecurityGroupRule] = []
    for permission in permissions or []:
        protocol = permission.get("IpProtocol", "-1")
        ports = (protocol, permission.get("FromPort"), permission.get("ToPort"))
        rules += [security_rule(*ports, "cidr_ipv4", r.get("CidrIp"), r.get("Description"))
                  for r in permission.get("IpRanges") or []]
        rules += [security_rule(*ports, "cidr_ipv6", r.get("CidrIpv6"), r.get("Description"))
                  for r in permission.get("Ipv6Ranges") or []]
        owners = {p.get("GroupId"): p.get("UserId") for p in permission.get("UserIdGroupPairs") or []}
        rules += [security_rule(*ports, "source_security_group_id", p.get("GroupId"), p.get("Description"),
                                owners.get(p.get("GroupId")))
                  for p in permission.get("UserIdGroupPairs") or []]
        rules += [security_rule(*ports, "prefix_list_id", p.get("PrefixListId"), p.get("Description"))
                  for p in permission.get("PrefixListIds") or []]
    return sorted_rules(rules)


def security_group_resource(group: dict[str, Any], account: str | None, region: str) -> Resource:
    group_id, vpc_id = group["GroupId"], group.get("VpcId")
    owner = group.get("OwnerId") or account
    ingress = flatten_permissions(group.get("IpPermissions") or [])
    egress = flatten_permissions(group.get("IpPermissionsEgress") or [])
    attributes = {
        "group_id": group_id,
        "group_name": group.get("GroupName"),
        "description": group.get("Description"),
        "vpc_id": vpc_id,
        "owner_id": group.get("OwnerId"),
        "ingress": ingress,
        "egress": egress,
        "ingress_open_to_world": open_to_world(ingress),
        "tags": tags(group.get("Tags")),
    }
    links = [link("vpc", VPC, build_arn("ec2", region, owner, f"vpc/{vpc_id}"), vpc_id)] if vpc_id else []
    for rule in ingress:
        source = rule["source_security_group_id"]
        if source:
            source_owner = rule["source_security_group_owner"] or owner
            links.append(
                link(
                    "ingress_from",
                    SECURITY_GROUP,
                    build_arn("ec2", region, source_owner, f"security-group/{source}"),
                    source,
                )
            )
    return make_resource(
        SECURITY_GROUP,
        build_arn("ec2", region, owner, f"security-group/{group_id}"),
        group_id,
        account=account,
        region=region,
        attributes=attributes,
        links=links,
    )


def enabled_regions(session: AwsSession, recorder: UnitRecorder) -> list[str]:
    """The regions enabled for the account (``ec2:DescribeRegions``); empty after a gap."""
    client = recorder.attach(session.client("ec2"))
    response = call(recorder, client, "describe_regions", [], AllRegions=False)
    return sorted(r["RegionName"] for r in (response or {}).get("Regions", []) if r.get("RegionName"))
