"""Terraform-shaped native resources -> drafts of registry resources (describe-API fields for the builders).

CloudFormation resources are renamed into these shapes first (`scanner.collect.iac.cloudformation`), and a
Terraform plan's values already have them, so one set of mappers serves every source. Resources that only
contribute to another (rules of a security group, a role's policies, a secret's rotation, routes, table
associations, proxy targets) are applied after every resource they can point at exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.collect.iac.build import Draft, Native, Stack
from scanner.collect.iac.hcl_eval import decoded
from scanner.collect.iac.values import Ref, Unknown, as_bool, as_int, as_list, as_str
from scanner.model import FileLocation
from scanner.resources.ec2 import route, sorted_routes

CLUSTER, INSTANCE, SUBNET_GROUP, PROXY, CLUSTER_ENDPOINT = (
    "aws.rds.cluster", "aws.rds.instance", "aws.rds.subnet_group", "aws.rds.proxy", "aws.rds.cluster_endpoint")
SECURITY_GROUP, SUBNET, ROUTE_TABLE = "aws.ec2.security_group", "aws.ec2.subnet", "aws.ec2.route_table"
ROLE, SECRET, TRAIL, ENVIRONMENT = "aws.iam.role", "aws.secretsmanager.secret", "aws.cloudtrail.trail", \
    "aws.mwaa.environment"
USER = "aws.iam.user"
_INLINE_POLICIES = {ROLE: "RolePolicyList", USER: "UserPolicyList"}   # where a principal's inline policies go

_PROTOCOLS = {"all": "-1", "-1": "-1", "6": "tcp", "17": "udp", "1": "icmp"}
_GATEWAY_TYPES = {"aws_internet_gateway": "internet-gateway", "aws_nat_gateway": "nat-gateway",
                  "aws_egress_only_internet_gateway": "egress-only-internet-gateway",
                  "aws_vpc_peering_connection": "vpc-peering-connection", "aws_ec2_transit_gateway": "transit-gateway"}


class Mapper:
    """Drafts of one stack, keyed by (type, key); `natives` remembers each key's native type."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.drafts: dict[tuple[str, str], Draft] = {}
        self.natives: dict[str, str] = {}
        self.pending: list[Native] = []
        self.routes: dict[str, list[tuple[Any, str, Any, Any]]] = {}    # table key -> raw routes
        self.associations: dict[str, Any] = {}                          # subnet key -> table key or Unknown

    # ------------------------------------------------------------------ entry points
    def add(self, native: Native) -> None:
        if native.properties.get("__absent__"):  # count = 0
            return
        self.natives[native.key] = native.type
        if native.type in PRIMARY or native.type in PARTS:
            self.pending.append(native)

    def finish(self) -> Stack:
        """Map every native: resources others point at first (clusters before their instances), then parts."""
        primary = [n for n in self.pending if n.type in PRIMARY]
        primary.sort(key=lambda n: _LATE.get(n.type, 0))
        for native in primary:
            PRIMARY[native.type](self, native)
        for native in self.pending:
            if native.type in PARTS:
                PARTS[native.type](self, native)
        self._route_subnets()
        self._members()
        self.stack.drafts = list(self.drafts.values())
        return self.stack

    # ------------------------------------------------------------------ helpers
    def draft(self, resource_type: str, native: Native, name: Any = None) -> Draft:
        shown = name if isinstance(name, str) and name else (native.label or native.key)
        draft = Draft(resource_type, native.key, shown, native.location, {})
        self.drafts[(resource_type, native.key)] = draft
        return draft

    def target(self, resource_type: str, value: Any) -> Draft | None:
        """The draft a reference (or a literal name/identifier) points at."""
        if isinstance(value, Ref):
            return self.drafts.get((resource_type, value.key))
        if isinstance(value, str):
            for draft in self.drafts.values():
                if draft.type == resource_type and value in (draft.name, draft.fields.get("RoleName"),
                                                             draft.fields.get("Name"), draft.key):
                    return draft
        return None


def _line(native: Native, name: str) -> FileLocation | None:
    return native.lines.get(name)


def _blocks(value: Any) -> list[dict[str, Any]] | Unknown:
    items = as_list(value)
    if isinstance(items, Unknown):
        return items
    found = []
    for item in items:
        if isinstance(item, Unknown):
            return item
        if isinstance(item, dict):
            found.append(item)
    return found


def _strings(draft: Draft, attribute: str, value: Any, why_unknown: str | None = None) -> list[str]:
    items = as_list(value)
    if isinstance(items, Unknown):
        draft.unknown[attribute] = why_unknown or items.why
        return []
    result = []
    for item in items:
        if isinstance(item, Unknown):
            draft.unknown[attribute] = why_unknown or item.why
        elif isinstance(item, Ref):
            result.append(item.placeholder())
        elif item is not None:
            result.append(str(item))
    return result


def _tag_list(value: Any) -> list[dict[str, str]]:
    """Tags (a map in Terraform, a Key/Value list in CloudFormation) as the Key/Value list AWS describes."""
    return [{"Key": k, "Value": v} for k, v in _tags(value).items()]


def _tags(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, (str, int, float, bool))}
    if isinstance(value, list):
        return {str(t.get("Key")): str(t.get("Value")) for t in value
                if isinstance(t, dict) and isinstance(t.get("Key"), str) and isinstance(t.get("Value"), str)}
    return {}


def _identifier(draft: Draft, native: Native, describe_key: str, prop: str, attribute: str = "identifier") -> str:
    value = as_str(native.properties.get(prop))
    if isinstance(value, str) and value:
        draft.fields[describe_key] = value
        draft.name = value
        if prop in native.lines:
            draft.locations[attribute] = native.lines[prop]
        return value
    draft.fields[describe_key] = native.key
    draft.unknown[attribute] = value.why if isinstance(value, Unknown) else f"{prop} is not set: generated at apply"
    return native.key


def _security_groups(mapper: Mapper, draft: Draft, native: Native, prop: str, describe_key: str,
                     attribute: str = "vpc_security_group_ids", wrap: bool = True) -> None:
    value = native.properties.get(prop)
    if prop in native.lines:
        draft.locations[attribute] = native.lines[prop]
    items = as_list(value)
    if isinstance(items, Unknown):
        draft.unknown[attribute] = items.why
        draft.unknown["security_groups"] = items.why
        return
    shown = []
    for item in items:
        if isinstance(item, Unknown):
            draft.unknown[attribute] = item.why
            continue
        shown += draft.relate("security_groups", SECURITY_GROUP, item)
    draft.fields[describe_key] = [{"VpcSecurityGroupId": s} for s in shown] if wrap else shown


def _subnet_group_name(draft: Draft, native: Native, prop: str = "db_subnet_group_name") -> str | None:
    value = native.properties.get(prop)
    if prop in native.lines:
        draft.locations["db_subnet_group"] = native.lines[prop]
    if isinstance(value, Unknown):  # the attribute and the relation rules follow (AG604: subnet_group)
        draft.unknown["db_subnet_group"] = draft.unknown["subnet_group"] = value.why
        return None
    shown = draft.relate("subnet_group", SUBNET_GROUP, value)
    return shown[0] if shown else None


# ---------------------------------------------------------------------- RDS
def cluster(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(CLUSTER, native)
    _identifier(draft, native, "DBClusterIdentifier", "cluster_identifier")
    line = native.lines.get
    draft.set("engine", "Engine", p.get("engine"), line("engine"), default="aurora", kind="str")
    draft.set("engine_version", "EngineVersion", p.get("engine_version"), line("engine_version"), kind="str")
    draft.set("engine_mode", "EngineMode", p.get("engine_mode"), line("engine_mode"), default="provisioned",
              kind="str")
    draft.set("port", "Port", p.get("port"), line("port"), kind="int")
    draft.set("iam_database_authentication_enabled", "IAMDatabaseAuthenticationEnabled",
              p.get("iam_database_authentication_enabled"), line("iam_database_authentication_enabled"),
              default=False, kind="bool")
    draft.set("storage_encrypted", "StorageEncrypted", p.get("storage_encrypted"), line("storage_encrypted"),
              default=draft.fields.get("EngineMode") == "serverless", kind="bool")
    draft.set("kms_key_id", "KmsKeyId", p.get("kms_key_id"), line("kms_key_id"), kind="str")
    if "publicly_accessible" in p:
        draft.set("publicly_accessible", "PubliclyAccessible", p.get("publicly_accessible"),
                  line("publicly_accessible"), kind="bool")
    draft.set("deletion_protection", "DeletionProtection", p.get("deletion_protection"),
              line("deletion_protection"), default=False, kind="bool")
    draft.set("backup_retention_period", "BackupRetentionPeriod", p.get("backup_retention_period"),
              line("backup_retention_period"), kind="int")
    draft.set("master_username", "MasterUsername", p.get("master_username"), line("master_username"), kind="str")
    draft.set("enabled_cloudwatch_logs_exports", "EnabledCloudwatchLogsExports",
              p.get("enabled_cloudwatch_logs_exports"), line("enabled_cloudwatch_logs_exports"), kind="list")
    draft.fields["TagList"] = _tag_list(p.get("tags"))
    _security_groups(mapper, draft, native, "vpc_security_group_ids", "VpcSecurityGroups")
    group = _subnet_group_name(draft, native)
    if group:
        draft.fields["DBSubnetGroup"] = group
    draft.fields["DBClusterMembers"] = []


def instance(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(INSTANCE, native)
    _identifier(draft, native, "DBInstanceIdentifier", "identifier")
    line = native.lines.get
    member_of = p.get("cluster_identifier")
    if member_of is not None:
        if "cluster_identifier" in native.lines:
            draft.locations["cluster_identifier"] = native.lines["cluster_identifier"]
        shown = draft.relate("cluster", CLUSTER, member_of)
        target = mapper.target(CLUSTER, member_of)
        draft.fields["DBClusterIdentifier"] = (target.fields["DBClusterIdentifier"] if target
                                               else (shown[0] if shown else "(unknown)"))
        draft.extra["cluster_key"] = target.key if target else None
    draft.set("engine", "Engine", p.get("engine"), line("engine"), kind="str")
    draft.set("engine_version", "EngineVersion", p.get("engine_version"), line("engine_version"), kind="str")
    draft.set("instance_class", "DBInstanceClass", p.get("instance_class"), line("instance_class"), kind="str")
    draft.set("publicly_accessible", "PubliclyAccessible", p.get("publicly_accessible"), line("publicly_accessible"),
              default=False, kind="bool")
    if member_of is None:
        draft.set("storage_encrypted", "StorageEncrypted", p.get("storage_encrypted"), line("storage_encrypted"),
                  default=False, kind="bool")
        draft.set("iam_database_authentication_enabled", "IAMDatabaseAuthenticationEnabled",
                  p.get("iam_database_authentication_enabled"), line("iam_database_authentication_enabled"),
                  default=False, kind="bool")
        _security_groups(mapper, draft, native, "vpc_security_group_ids", "VpcSecurityGroups")
        draft.set("multi_az", "MultiAZ", p.get("multi_az"), line("multi_az"), default=False, kind="bool")
    draft.set("kms_key_id", "KmsKeyId", p.get("kms_key_id"), line("kms_key_id"), kind="str")
    draft.set("deletion_protection", "DeletionProtection", p.get("deletion_protection"),
              line("deletion_protection"), kind="bool")
    group = _subnet_group_name(draft, native)
    if group:
        draft.fields["DBSubnetGroup"] = {"DBSubnetGroupName": group}
    draft.fields["TagList"] = _tag_list(p.get("tags"))


def subnet_group(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(SUBNET_GROUP, native)
    _identifier(draft, native, "DBSubnetGroupName", "name", attribute="name")
    draft.set("description", "DBSubnetGroupDescription", p.get("description"), native.lines.get("description"),
              kind="str")
    if "subnet_ids" in native.lines:
        draft.locations["subnet_ids"] = native.lines["subnet_ids"]
    items = as_list(p.get("subnet_ids"))
    if isinstance(items, Unknown):
        draft.unknown["subnet_ids"] = draft.unknown["subnets"] = items.why
        items = []
    shown: list[str] = []
    for item in items:
        if isinstance(item, Unknown):
            draft.unknown["subnet_ids"] = draft.unknown["subnets"] = item.why
            continue
        shown += draft.relate("subnets", SUBNET, item)
    draft.fields["Subnets"] = [{"SubnetIdentifier": s} for s in shown]


def proxy(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(PROXY, native)
    _identifier(draft, native, "DBProxyName", "name", attribute="name")
    line = native.lines.get
    draft.set("engine_family", "EngineFamily", p.get("engine_family"), line("engine_family"), kind="str")
    draft.set("require_tls", "RequireTLS", p.get("require_tls"), line("require_tls"), default=False, kind="bool")
    draft.set("debug_logging", "DebugLogging", p.get("debug_logging"), line("debug_logging"), kind="bool")
    draft.set("idle_client_timeout", "IdleClientTimeout", p.get("idle_client_timeout"), line("idle_client_timeout"),
              kind="int")
    role = p.get("role_arn")
    if isinstance(role, Ref):
        draft.relate("role", ROLE, role)
    draft.set("role_arn", "RoleArn", role, line("role_arn"), kind="str")
    _security_groups(mapper, draft, native, "vpc_security_group_ids", "VpcSecurityGroupIds", wrap=False)
    draft.fields["VpcSubnetIds"] = [s for s in _strings(draft, "vpc_subnet_ids", p.get("vpc_subnet_ids"))]
    if "vpc_subnet_ids" in draft.unknown:
        draft.unknown["subnets"] = draft.unknown["vpc_subnet_ids"]
    for item in as_list(p.get("vpc_subnet_ids")) if not isinstance(p.get("vpc_subnet_ids"), Unknown) else []:
        draft.relate("subnets", SUBNET, item)
    auth = _blocks(p.get("auth"))
    if "auth" in native.lines:
        draft.locations["auth"] = draft.locations["iam_auth"] = native.lines["auth"]
    if isinstance(auth, Unknown):
        draft.unknown["auth"] = draft.unknown["iam_auth"] = auth.why
        auth = []
    entries = []
    for entry in auth:
        iam_auth = entry.get("iam_auth")
        if isinstance(iam_auth, Unknown):
            draft.unknown["iam_auth"] = iam_auth.why
        secret = entry.get("secret_arn")
        if isinstance(secret, Ref):
            draft.relate("secrets", SECRET, secret)
        entries.append({"AuthScheme": _plain_str(entry.get("auth_scheme")), "IAMAuth": _plain_str(iam_auth) or
                        ("DISABLED" if iam_auth is None else None),
                        "SecretArn": _plain_str(secret), "ClientPasswordAuthType":
                        _plain_str(entry.get("client_password_auth_type")),
                        "Description": _plain_str(entry.get("description"))})
    draft.fields["Auth"] = entries
    draft.set("default_auth_scheme", "DefaultAuthScheme", p.get("default_auth_scheme"),
              line("default_auth_scheme"), kind="str")


def _plain_str(value: Any) -> str | None:
    text = as_str(value)
    if isinstance(value, Ref):
        return value.placeholder()
    return text if isinstance(text, str) else None


def proxy_target(mapper: Mapper, native: Native) -> None:
    p = native.properties
    owner = mapper.target(PROXY, p.get("db_proxy_name"))
    if owner is None:
        return
    for prop, kind, target_type in (("db_cluster_identifier", "TRACKED_CLUSTER", CLUSTER),
                                    ("db_instance_identifier", "RDS_INSTANCE", INSTANCE)):
        for value in as_list(p.get(prop)) if not isinstance(p.get(prop), Unknown) else []:
            target = mapper.target(target_type, value)
            if target is not None:
                identifier = target.fields.get("DBClusterIdentifier" if target_type == CLUSTER
                                               else "DBInstanceIdentifier")
                owner.extra.setdefault("targets", []).append({"Type": kind, "RdsResourceId": identifier})
                owner.links.append(("targets", target_type, target.key))


def cluster_endpoint(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(CLUSTER_ENDPOINT, native)
    _identifier(draft, native, "DBClusterEndpointIdentifier", "cluster_endpoint_identifier")
    owner = mapper.target(CLUSTER, p.get("cluster_identifier"))
    if owner is not None:
        draft.fields["DBClusterIdentifier"] = owner.fields["DBClusterIdentifier"]
        draft.links.append(("cluster", CLUSTER, owner.key))
        draft.extra["cluster_key"] = owner.key
    else:
        draft.set("cluster_identifier", "DBClusterIdentifier", p.get("cluster_identifier"), kind="str")
    draft.fields["EndpointType"] = "CUSTOM"
    draft.set("custom_endpoint_type", "CustomEndpointType", p.get("custom_endpoint_type"),
              native.lines.get("custom_endpoint_type"), kind="str")
    draft.fields["StaticMembers"] = _strings(draft, "static_members", p.get("static_members"))
    draft.fields["ExcludedMembers"] = _strings(draft, "excluded_members", p.get("excluded_members"))


# ---------------------------------------------------------------------- security groups
def security_group(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(SECURITY_GROUP, native)
    draft.fields["GroupId"] = native.key
    name = as_str(p.get("name"))
    draft.fields["GroupName"] = name if isinstance(name, str) else None
    if isinstance(name, str):
        draft.name = native.label or native.key
    draft.set("description", "Description", p.get("description"), native.lines.get("description"), kind="str")
    vpc = p.get("vpc_id")
    draft.fields["VpcId"] = vpc.placeholder() if isinstance(vpc, Ref) else _plain_str(vpc)
    draft.fields["IpPermissions"] = []
    draft.fields["IpPermissionsEgress"] = []
    draft.fields["Tags"] = _tag_list(p.get("tags"))
    for direction in ("ingress", "egress"):
        if direction in p:
            if direction in native.lines:
                draft.locations[direction] = native.lines[direction]
            blocks = _blocks(p.get(direction))
            if isinstance(blocks, Unknown):
                _unknown_rules(draft, direction, blocks.why)
                continue
            for block in blocks:
                add_rule(draft, direction, block, native.key)


def _unknown_rules(draft: Draft, direction: str, why: str) -> None:
    draft.unknown[direction] = why
    if direction == "ingress":
        draft.unknown["ingress_open_to_world"] = why


def add_rule(draft: Draft, direction: str, rule: dict[str, Any], self_key: str) -> None:
    """One Terraform-shaped rule (inline block, aws_security_group_rule, aws_vpc_security_group_*_rule) as an
    IpPermission of the group."""
    protocol = rule.get("protocol", rule.get("ip_protocol", "-1"))
    from_port, to_port = as_int(rule.get("from_port")), as_int(rule.get("to_port"))
    if isinstance(protocol, Unknown):
        _unknown_rules(draft, direction, protocol.why)
        return
    if isinstance(from_port, Unknown) or isinstance(to_port, Unknown):
        # the source is known (0.0.0.0/0 on a port CDK writes as the cluster's Endpoint.Port): the rule is kept,
        # and only a condition that reads its ports is not evaluated
        for field_name, value in (("from_port", from_port), ("to_port", to_port)):
            if isinstance(value, Unknown):
                draft.unknown[f"{direction}.*.{field_name}"] = value.why
        from_port = None if isinstance(from_port, Unknown) else from_port
        to_port = None if isinstance(to_port, Unknown) else to_port
    protocol = _PROTOCOLS.get(str(protocol).lower(), str(protocol).lower())
    permission: dict[str, Any] = {"IpProtocol": protocol, "FromPort": from_port, "ToPort": to_port,
                                  "IpRanges": [], "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []}
    description = _plain_str(rule.get("description"))
    sources = (("cidr_blocks", "IpRanges", "CidrIp"), ("cidr_ipv4", "IpRanges", "CidrIp"),
               ("ipv6_cidr_blocks", "Ipv6Ranges", "CidrIpv6"), ("cidr_ipv6", "Ipv6Ranges", "CidrIpv6"),
               ("prefix_list_ids", "PrefixListIds", "PrefixListId"), ("prefix_list_id", "PrefixListIds", "PrefixListId"),
               ("security_groups", "UserIdGroupPairs", "GroupId"),
               ("source_security_group_id", "UserIdGroupPairs", "GroupId"),
               ("referenced_security_group_id", "UserIdGroupPairs", "GroupId"))
    for prop, bucket, field_name in sources:
        values = as_list(rule.get(prop))
        if isinstance(values, Unknown):
            _unknown_rules(draft, direction, values.why)
            return
        for value in values:
            if isinstance(value, Unknown):
                _unknown_rules(draft, direction, value.why)
                return
            if isinstance(value, Ref):
                if direction == "ingress" and bucket == "UserIdGroupPairs":
                    draft.links.append(("ingress_from", SECURITY_GROUP, value.key))
                value = value.key if bucket == "UserIdGroupPairs" else value.placeholder()
            if value is None:
                continue
            permission[bucket].append({field_name: str(value), "Description": description})
    if as_bool(rule.get("self")) is True:
        permission["UserIdGroupPairs"].append({"GroupId": self_key, "Description": description})
    draft.fields["IpPermissions" if direction == "ingress" else "IpPermissionsEgress"].append(permission)


def security_group_rule(mapper: Mapper, native: Native) -> None:
    p = native.properties
    group = mapper.target(SECURITY_GROUP, p.get("security_group_id"))
    if group is None:
        return
    direction = {"aws_vpc_security_group_ingress_rule": "ingress",
                 "aws_vpc_security_group_egress_rule": "egress"}.get(native.type, as_str(p.get("type")))
    if isinstance(direction, Unknown) or direction not in ("ingress", "egress"):
        _unknown_rules(group, "ingress", "a rule whose direction is not known")
        return
    group.locations.setdefault(direction, native.location)
    add_rule(group, direction, p, group.key)


# ---------------------------------------------------------------------- subnets and routes
def subnet(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(SUBNET, native)
    draft.fields["SubnetId"] = native.key
    vpc = p.get("vpc_id")
    draft.fields["VpcId"] = vpc.placeholder() if isinstance(vpc, Ref) else _plain_str(vpc)
    draft.set("cidr_block", "CidrBlock", p.get("cidr_block"), native.lines.get("cidr_block"), kind="str")
    draft.set("availability_zone", "AvailabilityZone", p.get("availability_zone"),
              native.lines.get("availability_zone"), kind="str")
    draft.set("map_public_ip_on_launch", "MapPublicIpOnLaunch", p.get("map_public_ip_on_launch"),
              native.lines.get("map_public_ip_on_launch"), default=False, kind="bool")
    draft.fields["Tags"] = _tag_list(p.get("tags"))


def route_table(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(ROUTE_TABLE, native)
    draft.fields["RouteTableId"] = native.key
    vpc = p.get("vpc_id")
    draft.fields["VpcId"] = vpc.placeholder() if isinstance(vpc, Ref) else _plain_str(vpc)
    routes = _blocks(p.get("route"))
    mapper.routes.setdefault(native.key, [])
    if isinstance(routes, Unknown):
        draft.unknown["routes"] = routes.why
        return
    for block in routes:
        mapper.routes[native.key].append(_raw_route(block))


def _raw_route(block: dict[str, Any]) -> tuple[Any, str, Any, Any]:
    if block.get("ipv6_cidr_block") is not None or block.get("destination_ipv6_cidr_block") is not None:
        destination, family = block.get("ipv6_cidr_block", block.get("destination_ipv6_cidr_block")), "ipv6"
    else:
        destination, family = block.get("cidr_block", block.get("destination_cidr_block")), "ipv4"
    for prop in ("gateway_id", "nat_gateway_id", "transit_gateway_id", "vpc_peering_connection_id",
                 "egress_only_gateway_id", "network_interface_id", "vpc_endpoint_id"):
        if block.get(prop) is not None:
            return destination, family, block.get(prop), prop
    return destination, family, None, None


def route_part(mapper: Mapper, native: Native) -> None:
    table = native.properties.get("route_table_id")
    if isinstance(table, Ref):
        mapper.routes.setdefault(table.key, []).append(_raw_route(native.properties))


def association(mapper: Mapper, native: Native) -> None:
    subnet_ref, table = native.properties.get("subnet_id"), native.properties.get("route_table_id")
    if isinstance(subnet_ref, Ref):
        mapper.associations[subnet_ref.key] = table.key if isinstance(table, Ref) else Unknown("route table id")


def _neutral_routes(mapper: Mapper, raw: list[tuple[Any, str, Any, Any]]) -> list[Any] | Unknown:
    routes = []
    for destination, family, target, prop in raw:
        if isinstance(destination, Unknown) or isinstance(target, Unknown):
            return Unknown("a route is not known")
        if isinstance(target, Ref):
            kind = _GATEWAY_TYPES.get(mapper.natives.get(target.key, ""), "gateway")
            target_text = target.placeholder()
        else:
            target_text = _plain_str(target)
            kind = "internet-gateway" if str(target_text or "").startswith("igw-") else (prop or "").replace(
                "_id", "").replace("_", "-") or None
        routes.append(route(_plain_str(destination), family, target_text, kind, "active", "CreateRoute"))
    return sorted_routes(routes)


def _route_subnets(self: Mapper) -> None:
    tables: dict[str, Any] = {}
    for key, raw in self.routes.items():
        draft = self.drafts.get((ROUTE_TABLE, key))
        routes = _neutral_routes(self, raw)
        tables[key] = routes
        if draft is None:
            continue
        if isinstance(routes, Unknown):
            draft.unknown["routes"] = draft.unknown["routes_to_internet_gateway"] = routes.why
            routes = []
        draft.extra["routes"] = routes
    for (resource_type, key), draft in self.drafts.items():
        if resource_type == ROUTE_TABLE:
            draft.extra["subnets"] = sorted(s for s, t in self.associations.items() if t == key)
            for subnet_key in draft.extra["subnets"]:
                draft.links.append(("subnets", SUBNET, subnet_key))
        if resource_type != SUBNET:
            continue
        table = self.associations.get(key)
        if isinstance(table, str) and isinstance(tables.get(table), list):
            draft.fields["RouteTableId"] = table
            draft.extra["routes"] = tables[table]
            draft.links.append(("route_table", ROUTE_TABLE, table))
        else:
            draft.unknown["public"] = "the subnet's route table (the VPC's main table) is not in this code" \
                if table is None else "the subnet's routes are not known"


def _members(self: Mapper) -> None:
    for draft in list(self.drafts.values()):
        cluster_key = draft.extra.get("cluster_key")
        if draft.type != INSTANCE or not cluster_key:
            continue
        owner = self.drafts.get((CLUSTER, cluster_key))
        if owner is not None:
            owner.fields["DBClusterMembers"].append({"DBInstanceIdentifier": draft.fields["DBInstanceIdentifier"],
                                                     "IsClusterWriter": False})
            owner.links.append(("members", INSTANCE, draft.key))


Mapper._route_subnets = _route_subnets  # type: ignore[attr-defined]
Mapper._members = _members  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- IAM
def role(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(ROLE, native)
    name = _identifier(draft, native, "RoleName", "name", attribute="name")
    _path_and_arn(draft, "role", p.get("path"), name)
    trust = decoded(p.get("assume_role_policy"))
    if "assume_role_policy" in native.lines:
        draft.locations["trust_policy"] = native.lines["assume_role_policy"]
    if _unknown_document(trust):
        draft.unknown["trust_policy"] = draft.unknown["trust_statements"] = "the trust policy is not known"
        trust = None
    draft.fields["AssumeRolePolicyDocument"] = trust
    draft.set("max_session_duration", "MaxSessionDuration", p.get("max_session_duration"),
              native.lines.get("max_session_duration"), default=3600, kind="int")
    draft.set("description", "Description", p.get("description"), kind="str")
    draft.fields["RolePolicyList"] = []
    draft.fields["AttachedManagedPolicies"] = []
    draft.fields["Tags"] = _tag_list(p.get("tags"))
    inline = _blocks(p.get("inline_policy"))
    if isinstance(inline, Unknown):
        _unknown_statements(draft, inline.why)
        inline = []
    for block in inline:
        _add_policy(draft, block.get("name"), block.get("policy"), native.lines.get("inline_policy"))
    for arn in _strings(draft, "attached_policy_arns", p.get("managed_policy_arns")):
        draft.fields["AttachedManagedPolicies"].append({"PolicyArn": arn, "PolicyName": arn.rsplit("/", 1)[-1]})


def _path_and_arn(draft: Draft, kind: str, path_value: Any, name: str) -> None:
    """`Path` (``/`` unless a string is given) and the account-less `Arn` of an IAM role or user."""
    path = as_str(path_value)
    path = path if isinstance(path, str) else "/"
    draft.fields["Path"] = path
    draft.fields["Arn"] = f"arn:aws:iam:::{kind}{path}{name}"


def _unknown_document(document: Any) -> bool:
    from scanner.collect.iac.values import contains_unknown

    return contains_unknown(document) or isinstance(document, Ref)


def _unknown_statements(draft: Draft, why: str) -> None:
    draft.unknown["statements"] = draft.unknown["policies"] = why


def _add_policy(draft: Draft, name: Any, policy: Any, where: FileLocation | None) -> None:
    document = decoded(policy)
    if where is not None:
        draft.locations.setdefault("statements", where)
    if _unknown_document(document):
        _unknown_statements(draft, "a policy document is not known")
        return
    shown = _plain_str(name) or "(generated name)"
    draft.fields[_INLINE_POLICIES[draft.type]].append({"PolicyName": shown, "PolicyDocument": document})


def role_policy(mapper: Mapper, native: Native) -> None:
    p = native.properties
    roles = p.get("roles") if "roles" in p else [p.get("role")]
    for value in as_list(roles) if not isinstance(roles, Unknown) else []:
        owner = mapper.target(ROLE, value)
        if owner is not None:
            _add_policy(owner, p.get("name"), p.get("policy"), native.lines.get("policy") or native.location)


def role_policy_attachment(mapper: Mapper, native: Native) -> None:
    _attach(mapper, mapper.target(ROLE, native.properties.get("role")), native)


def user(mapper: Mapper, native: Native) -> None:
    """An IAM user as GetAccountAuthorizationDetails' UserDetail (no credential report, keys or groups: those are
    account state, not code)."""
    p = native.properties
    draft = mapper.draft(USER, native)
    name = _identifier(draft, native, "UserName", "name", attribute="name")
    _path_and_arn(draft, "user", p.get("path"), name)
    draft.fields["UserPolicyList"] = []
    draft.fields["AttachedManagedPolicies"] = []
    draft.fields["GroupList"] = []
    draft.fields["Tags"] = _tag_list(p.get("tags"))
    boundary = _plain_str(p.get("permissions_boundary"))
    if boundary:
        draft.fields["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}


def user_policy(mapper: Mapper, native: Native) -> None:
    p = native.properties
    owner = mapper.target(USER, p.get("user"))
    if owner is not None:
        _add_policy(owner, p.get("name"), p.get("policy"), native.lines.get("policy") or native.location)


def user_policy_attachment(mapper: Mapper, native: Native) -> None:
    _attach(mapper, mapper.target(USER, native.properties.get("user")), native)


def _attach(mapper: Mapper, owner: Draft | None, native: Native) -> None:
    """A managed policy attached to a role or user: an ARN, or an `aws_iam_policy` of the stack, whose document
    the principal's statements then include (as the AWS collector reads the policy's default version)."""
    if owner is None:
        return
    value = native.properties.get("policy_arn")
    policy = _stack_policy(mapper, value)
    if policy is None:
        arn = _plain_str(value)
        if arn:
            owner.fields["AttachedManagedPolicies"].append({"PolicyArn": arn, "PolicyName": arn.rsplit("/", 1)[-1]})
        elif isinstance(value, Ref | Unknown):
            _unknown_statements(owner, "an attached policy is not known")
        return
    p = policy.properties
    name = _plain_str(p.get("name")) or policy.label or policy.key
    path = _plain_str(p.get("path")) or "/"
    arn = f"arn:aws:iam:::policy{path}{name}"
    document = decoded(p.get("policy"))
    where = policy.lines.get("policy") or policy.location
    if where is not None:
        owner.locations.setdefault("statements", where)
    if _unknown_document(document):
        _unknown_statements(owner, "an attached policy's document is not known")
        document = None
    owner.fields["AttachedManagedPolicies"].append({"PolicyArn": arn, "PolicyName": name})
    owner.extra.setdefault("managed", {})[arn] = {
        "Arn": arn, "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": document}]}


def _stack_policy(mapper: Mapper, value: Any) -> Native | None:
    """The `aws_iam_policy` a `policy_arn` reference points at."""
    if not isinstance(value, Ref) or mapper.natives.get(value.key) != "aws_iam_policy":
        return None
    return next((n for n in mapper.pending if n.key == value.key), None)


def _no_op(mapper: Mapper, native: Native) -> None:
    """Natives read only through what points at them (an `aws_iam_policy` through its attachments)."""


# ---------------------------------------------------------------------- secrets, trails, MWAA
def secret(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(SECRET, native)
    name = _identifier(draft, native, "Name", "name", attribute="name")
    draft.fields["ARN"] = f"arn:aws:secretsmanager:{mapper.stack.region or ''}::secret:{name}"
    draft.set("description", "Description", p.get("description"), kind="str")
    draft.set("kms_key_id", "KmsKeyId", p.get("kms_key_id"), native.lines.get("kms_key_id"), kind="str")
    draft.fields["RotationEnabled"] = False
    draft.fields["Tags"] = _tag_list(p.get("tags"))


def rotation(mapper: Mapper, native: Native) -> None:
    p = native.properties
    owner = mapper.target(SECRET, p.get("secret_id"))
    if owner is None:
        return
    owner.locations["rotation_enabled"] = native.location
    owner.fields["RotationEnabled"] = True
    owner.fields["RotationLambdaARN"] = _plain_str(p.get("rotation_lambda_arn"))
    rules = _blocks(p.get("rotation_rules"))
    if isinstance(rules, Unknown):
        owner.unknown["rotation_rules"] = rules.why
        return
    for block in rules[:1]:
        days = as_int(block.get("automatically_after_days"))
        if isinstance(days, Unknown):
            owner.unknown["rotation_rules"] = days.why
            days = None
        owner.fields["RotationRules"] = {"AutomaticallyAfterDays": days,
                                         "ScheduleExpression": _plain_str(block.get("schedule_expression")),
                                         "Duration": _plain_str(block.get("duration"))}


def trail(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(TRAIL, native)
    name = _identifier(draft, native, "Name", "name", attribute="name")
    draft.fields["TrailARN"] = f"arn:aws:cloudtrail:{mapper.stack.region or ''}::trail/{name}"
    line = native.lines.get
    for prop, key, attribute, default in (
            ("is_multi_region_trail", "IsMultiRegionTrail", "is_multi_region_trail", False),
            ("include_global_service_events", "IncludeGlobalServiceEvents", "include_global_service_events", True),
            ("enable_log_file_validation", "LogFileValidationEnabled", "log_file_validation_enabled", False),
            ("is_organization_trail", "IsOrganizationTrail", "is_organization_trail", False)):
        draft.set(attribute, key, p.get(prop), line(prop), default=default, kind="bool")
    draft.set("s3_bucket_name", "S3BucketName", p.get("s3_bucket_name"), kind="str")
    draft.set("kms_key_id", "KmsKeyId", p.get("kms_key_id"), line("kms_key_id"), kind="str")
    logging = as_bool(p.get("enable_logging"), True)
    if isinstance(logging, Unknown):
        draft.unknown["is_logging"] = logging.why
        logging = None
    draft.extra["status"] = {"IsLogging": logging} if logging is not None else None


def environment(mapper: Mapper, native: Native) -> None:
    p = native.properties
    draft = mapper.draft(ENVIRONMENT, native)
    name = _identifier(draft, native, "Name", "name", attribute="name")
    draft.fields["Arn"] = f"arn:aws:airflow:{mapper.stack.region or ''}::environment/{name}"
    line = native.lines.get
    draft.set("webserver_access_mode", "WebserverAccessMode", p.get("webserver_access_mode"),
              line("webserver_access_mode"), default="PRIVATE_ONLY", kind="str")
    draft.set("airflow_version", "AirflowVersion", p.get("airflow_version"), line("airflow_version"), kind="str")
    draft.set("environment_class", "EnvironmentClass", p.get("environment_class"), kind="str")
    role_value = p.get("execution_role_arn")
    draft.relate("execution_role", ROLE, role_value)
    draft.set("execution_role_arn", "ExecutionRoleArn", role_value, line("execution_role_arn"), kind="str")
    options = p.get("airflow_configuration_options")
    if isinstance(options, dict):
        draft.fields["AirflowConfigurationOptions"] = {
            str(k): v for k, v in options.items() if isinstance(v, (str, int, float, bool))}
    network = _blocks(p.get("network_configuration"))
    if "network_configuration" in native.lines:
        draft.locations["subnet_ids"] = draft.locations["security_group_ids"] = native.lines["network_configuration"]
    if isinstance(network, Unknown):
        draft.unknown["subnet_ids"] = draft.unknown["subnets"] = network.why
        network = []
    for block in network[:1]:
        configuration: dict[str, list[str]] = {"SubnetIds": [], "SecurityGroupIds": []}
        for prop, key, relation, target_type in (("subnet_ids", "SubnetIds", "subnets", SUBNET),
                                                  ("security_group_ids", "SecurityGroupIds", "security_groups",
                                                   SECURITY_GROUP)):
            value = block.get(prop)
            items = as_list(value)
            if isinstance(items, Unknown):
                draft.unknown[prop] = draft.unknown[relation] = items.why
                continue
            for item in items:
                if isinstance(item, Unknown):
                    draft.unknown[prop] = draft.unknown[relation] = item.why
                    continue
                configuration[key] += draft.relate(relation, target_type, item)
        draft.fields["NetworkConfiguration"] = configuration


PRIMARY: dict[str, Callable[[Mapper, Native], None]] = {
    "aws_rds_cluster": cluster,
    "aws_rds_cluster_instance": instance,
    "aws_db_instance": instance,
    "aws_db_subnet_group": subnet_group,
    "aws_db_proxy": proxy,
    "aws_rds_cluster_endpoint": cluster_endpoint,
    "aws_security_group": security_group,
    "aws_default_security_group": security_group,
    "aws_subnet": subnet,
    "aws_route_table": route_table,
    "aws_iam_role": role,
    "aws_iam_user": user,
    "aws_secretsmanager_secret": secret,
    "aws_cloudtrail": trail,
    "aws_mwaa_environment": environment,
}
_LATE = {"aws_rds_cluster_instance": 1, "aws_db_instance": 1, "aws_rds_cluster_endpoint": 2}
PARTS: dict[str, Callable[[Mapper, Native], None]] = {
    "aws_security_group_rule": security_group_rule,
    "aws_vpc_security_group_ingress_rule": security_group_rule,
    "aws_vpc_security_group_egress_rule": security_group_rule,
    "aws_route": route_part,
    "aws_route_table_association": association,
    "aws_iam_role_policy": role_policy,
    "aws_iam_policy_attachment": role_policy,
    "aws_iam_role_policy_attachment": role_policy_attachment,
    "aws_iam_user_policy": user_policy,
    "aws_iam_user_policy_attachment": user_policy_attachment,
    "aws_iam_policy": _no_op,
    "aws_secretsmanager_secret_rotation": rotation,
    "aws_db_proxy_target": proxy_target,
}
