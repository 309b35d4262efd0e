"""RDS / Aurora, per region: clusters, instances, subnet groups, proxies (with their endpoints and
targets) and custom cluster endpoints.

Calls: one paginated describe per kind (``DescribeDBClusters``, ``DescribeDBInstances``,
``DescribeDBSubnetGroups``, ``DescribeDBProxies``, ``DescribeDBProxyEndpoints``,
``DescribeDBClusterEndpoints``), plus ``DescribeDBProxyTargets`` once per proxy (no bulk form exists).
Neptune and DocumentDB clusters and instances, which the same API returns, are left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.aws.calls import paginate
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import AwsSession
from scanner.aws.shape import build_arn, link, make_resource
from scanner.model import Resource
from scanner.resources.rds import (
    CLUSTER,
    CLUSTER_ENDPOINT,
    INSTANCE,
    PROXY,
    ROLE,
    SECRET,
    SECURITY_GROUP,
    SUBNET,
    SUBNET_GROUP,
    VPC,
    ProxyAuth,
    proxy_iam_auth,
)
from scanner.resources.values import iso, tags

NOT_RDS_ENGINES = {"neptune", "docdb"}
PAGE = 100


class _Place:
    """Account and region of the unit, and ARN builders for the things RDS resources point at."""

    def __init__(self, account: str | None, region: str) -> None:
        self.account = account
        self.region = region

    def rds(self, resource: str) -> str:
        return build_arn("rds", self.region, self.account, resource)

    def ec2(self, resource: str) -> str:
        return build_arn("ec2", self.region, self.account, resource)

    def security_groups(self, ids: list[str]) -> list[dict[str, str]]:
        return [link("security_groups", SECURITY_GROUP, self.ec2(f"security-group/{sg}"), sg) for sg in ids]

    def subnets(self, ids: list[str]) -> list[dict[str, str]]:
        return [link("subnets", SUBNET, self.ec2(f"subnet/{subnet}"), subnet) for subnet in ids]

    def vpc(self, vpc_id: str | None) -> list[dict[str, str]]:
        return [link("vpc", VPC, self.ec2(f"vpc/{vpc_id}"), vpc_id)] if vpc_id else []

    def subnet_group(self, name: str | None) -> list[dict[str, str]]:
        return [link("subnet_group", SUBNET_GROUP, self.rds(f"subgrp:{name}"), name)] if name else []

    def cluster(self, identifier: str | None, relation: str = "cluster") -> list[dict[str, str]]:
        return [link(relation, CLUSTER, self.rds(f"cluster:{identifier}"), identifier)] if identifier else []

    def instance(self, identifier: str | None, relation: str) -> list[dict[str, str]]:
        return [link(relation, INSTANCE, self.rds(f"db:{identifier}"), identifier)] if identifier else []

    def master_secret(self, secret_arn: str | None) -> list[dict[str, str]]:
        return [link("master_user_secret", SECRET, secret_arn, secret_arn.rsplit(":", 1)[-1])] if secret_arn else []

    def resource(self, resource_type: str, arn: str, name: str, attributes: dict[str, Any],
                 links: list[dict[str, str]] | None = None) -> Resource:
        return make_resource(resource_type, arn, name, account=self.account, region=self.region,
                             attributes=attributes, links=links or [])


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    client = recorder.attach(session.client("rds"))
    place = _Place(recorder.account, unit.region)
    clusters = paginate(recorder, client, "describe_db_clusters", "DBClusters", [CLUSTER], page_size=PAGE)
    instances = paginate(recorder, client, "describe_db_instances", "DBInstances", [INSTANCE], page_size=PAGE)
    subnet_groups = paginate(
        recorder, client, "describe_db_subnet_groups", "DBSubnetGroups", [SUBNET_GROUP], page_size=PAGE
    )
    proxies = paginate(recorder, client, "describe_db_proxies", "DBProxies", [PROXY], page_size=PAGE)
    proxy_endpoints = (
        paginate(recorder, client, "describe_db_proxy_endpoints", "DBProxyEndpoints", [PROXY], page_size=PAGE)
        if proxies
        else []
    )
    cluster_endpoints = (
        paginate(
            recorder,
            client,
            "describe_db_cluster_endpoints",
            "DBClusterEndpoints",
            [CLUSTER_ENDPOINT],
            page_size=PAGE,
            Filters=[{"Name": "db-cluster-endpoint-type", "Values": ["custom"]}],
        )
        if clusters
        else []
    )

    resources = [cluster_resource(c, place) for c in clusters if c.get("Engine") not in NOT_RDS_ENGINES]
    resources += [instance_resource(i, place) for i in instances if i.get("Engine") not in NOT_RDS_ENGINES]
    resources += [subnet_group_resource(g, place) for g in subnet_groups]
    endpoints_by_proxy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for endpoint in proxy_endpoints:
        endpoints_by_proxy[str(endpoint.get("DBProxyName"))].append(endpoint)
    for proxy in proxies:
        name = proxy["DBProxyName"]
        targets = paginate(
            recorder, client, "describe_db_proxy_targets", "Targets", [PROXY], DBProxyName=name
        )
        resources.append(proxy_resource(proxy, endpoints_by_proxy.get(name, []), targets, place))
    resources += [
        cluster_endpoint_resource(e, place)
        for e in cluster_endpoints
        if str(e.get("EndpointType", "")).upper() == "CUSTOM"
    ]
    return resources


def _sg_ids(item: dict[str, Any]) -> list[str]:
    return sorted(
        g["VpcSecurityGroupId"] for g in item.get("VpcSecurityGroups") or [] if g.get("VpcSecurityGroupId")
    )


def cluster_resource(cluster: dict[str, Any], place: _Place) -> Resource:
    identifier = cluster["DBClusterIdentifier"]
    arn = cluster.get("DBClusterArn") or place.rds(f"cluster:{identifier}")
    security_groups = _sg_ids(cluster)
    members = sorted(
        (
            {
                "instance_identifier": m.get("DBInstanceIdentifier"),
                "is_writer": bool(m.get("IsClusterWriter")),
            }
            for m in cluster.get("DBClusterMembers") or []
        ),
        key=lambda m: str(m["instance_identifier"]),
    )
    secret = (cluster.get("MasterUserSecret") or {}).get("SecretArn")
    roles = sorted(r["RoleArn"] for r in cluster.get("AssociatedRoles") or [] if r.get("RoleArn"))
    attributes = {
        "identifier": identifier,
        "arn": arn,
        "resource_id": cluster.get("DbClusterResourceId"),
        "engine": cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "engine_mode": cluster.get("EngineMode"),
        "status": cluster.get("Status"),
        "port": cluster.get("Port"),
        "iam_database_authentication_enabled": bool(cluster.get("IAMDatabaseAuthenticationEnabled")),
        "storage_encrypted": bool(cluster.get("StorageEncrypted")),
        "kms_key_id": cluster.get("KmsKeyId"),
        "endpoint": cluster.get("Endpoint"),
        "reader_endpoint": cluster.get("ReaderEndpoint"),
        "custom_endpoints": sorted(cluster.get("CustomEndpoints") or []),
        "db_subnet_group": cluster.get("DBSubnetGroup"),
        "vpc_security_group_ids": security_groups,
        "publicly_accessible": cluster.get("PubliclyAccessible"),
        "members": members,
        "multi_az": cluster.get("MultiAZ"),
        "deletion_protection": cluster.get("DeletionProtection"),
        "backup_retention_period": cluster.get("BackupRetentionPeriod"),
        "http_endpoint_enabled": cluster.get("HttpEndpointEnabled"),
        "activity_stream_status": cluster.get("ActivityStreamStatus"),
        "master_username": cluster.get("MasterUsername"),
        "master_user_secret_arn": secret,
        "associated_role_arns": roles,
        "enabled_cloudwatch_logs_exports": sorted(cluster.get("EnabledCloudwatchLogsExports") or []),
        "global_cluster_identifier": cluster.get("GlobalClusterIdentifier"),
        "network_type": cluster.get("NetworkType"),
        "created": iso(cluster.get("ClusterCreateTime")),
        "tags": tags(cluster.get("TagList")),
    }
    links = place.security_groups(security_groups) + place.subnet_group(cluster.get("DBSubnetGroup"))
    for member in members:
        links += place.instance(member["instance_identifier"], "members")
    links += place.master_secret(secret)
    links += [link("associated_roles", ROLE, role, role.rsplit("/", 1)[-1]) for role in roles]
    return place.resource(CLUSTER, arn, identifier, attributes, links)


def instance_resource(instance: dict[str, Any], place: _Place) -> Resource:
    identifier = instance["DBInstanceIdentifier"]
    arn = instance.get("DBInstanceArn") or place.rds(f"db:{identifier}")
    endpoint = instance.get("Endpoint") or {}
    subnet_group = instance.get("DBSubnetGroup") or {}
    security_groups = _sg_ids(instance)
    subnet_ids = sorted(
        s["SubnetIdentifier"] for s in subnet_group.get("Subnets") or [] if s.get("SubnetIdentifier")
    )
    secret = (instance.get("MasterUserSecret") or {}).get("SecretArn")
    attributes = {
        "identifier": identifier,
        "arn": arn,
        "resource_id": instance.get("DbiResourceId"),
        "engine": instance.get("Engine"),
        "engine_version": instance.get("EngineVersion"),
        "instance_class": instance.get("DBInstanceClass"),
        "status": instance.get("DBInstanceStatus"),
        "publicly_accessible": bool(instance.get("PubliclyAccessible")),
        "endpoint_address": endpoint.get("Address"),
        "endpoint_port": endpoint.get("Port"),
        "cluster_identifier": instance.get("DBClusterIdentifier"),
        "db_subnet_group": subnet_group.get("DBSubnetGroupName"),
        "vpc_id": subnet_group.get("VpcId"),
        "subnet_ids": subnet_ids,
        "vpc_security_group_ids": security_groups,
        "storage_encrypted": bool(instance.get("StorageEncrypted")),
        "kms_key_id": instance.get("KmsKeyId"),
        "iam_database_authentication_enabled": bool(instance.get("IAMDatabaseAuthenticationEnabled")),
        "multi_az": instance.get("MultiAZ"),
        "availability_zone": instance.get("AvailabilityZone"),
        "ca_certificate_identifier": instance.get("CACertificateIdentifier"),
        "deletion_protection": instance.get("DeletionProtection"),
        "auto_minor_version_upgrade": instance.get("AutoMinorVersionUpgrade"),
        "master_user_secret_arn": secret,
        "created": iso(instance.get("InstanceCreateTime")),
        "tags": tags(instance.get("TagList")),
    }
    links = (
        place.cluster(instance.get("DBClusterIdentifier"))
        + place.security_groups(security_groups)
        + place.subnet_group(subnet_group.get("DBSubnetGroupName"))
        + place.vpc(subnet_group.get("VpcId"))
    )
    links += place.master_secret(secret)
    return place.resource(INSTANCE, arn, identifier, attributes, links)


def subnet_group_resource(group: dict[str, Any], place: _Place) -> Resource:
    name = group["DBSubnetGroupName"]
    arn = group.get("DBSubnetGroupArn") or place.rds(f"subgrp:{name}")
    subnets = group.get("Subnets") or []
    subnet_ids = sorted(s["SubnetIdentifier"] for s in subnets if s.get("SubnetIdentifier"))
    zones = sorted({(s.get("SubnetAvailabilityZone") or {}).get("Name") for s in subnets} - {None})
    attributes = {
        "name": name,
        "arn": arn,
        "description": group.get("DBSubnetGroupDescription"),
        "vpc_id": group.get("VpcId"),
        "status": group.get("SubnetGroupStatus"),
        "subnet_ids": subnet_ids,
        "availability_zones": zones,
    }
    links = place.vpc(group.get("VpcId")) + place.subnets(subnet_ids)
    return place.resource(SUBNET_GROUP, arn, name, attributes, links)


def proxy_resource(
    proxy: dict[str, Any], endpoints: list[dict[str, Any]], targets: list[dict[str, Any]], place: _Place
) -> Resource:
    name = proxy["DBProxyName"]
    arn = proxy.get("DBProxyArn") or place.rds(f"db-proxy:{name}")
    auth: list[ProxyAuth] = [
        {
            "auth_scheme": a.get("AuthScheme"),
            "iam_auth": a.get("IAMAuth"),
            "secret_arn": a.get("SecretArn"),
            "client_password_auth_type": a.get("ClientPasswordAuthType"),
            "description": a.get("Description"),
        }
        for a in proxy.get("Auth") or []
    ]
    auth.sort(key=lambda a: (str(a["secret_arn"]), str(a["auth_scheme"])))
    subnet_ids = sorted(proxy.get("VpcSubnetIds") or [])
    security_groups = sorted(proxy.get("VpcSecurityGroupIds") or [])
    endpoint_list = sorted(
        (
            {
                "name": e.get("DBProxyEndpointName"),
                "arn": e.get("DBProxyEndpointArn"),
                "endpoint": e.get("Endpoint"),
                "target_role": e.get("TargetRole"),
                "is_default": bool(e.get("IsDefault")),
                "status": e.get("Status"),
                "vpc_id": e.get("VpcId"),
                "vpc_subnet_ids": sorted(e.get("VpcSubnetIds") or []),
                "vpc_security_group_ids": sorted(e.get("VpcSecurityGroupIds") or []),
            }
            for e in endpoints
        ),
        key=lambda e: str(e["name"]),
    )
    target_list = sorted(
        (
            {
                "type": t.get("Type"),
                "rds_resource_id": t.get("RdsResourceId"),
                "tracked_cluster_id": t.get("TrackedClusterId"),
                "endpoint": t.get("Endpoint"),
                "port": t.get("Port"),
                "role": t.get("Role"),
                "target_arn": t.get("TargetArn"),
            }
            for t in targets
        ),
        key=lambda t: (str(t["type"]), str(t["rds_resource_id"])),
    )
    attributes = {
        "name": name,
        "arn": arn,
        "engine_family": proxy.get("EngineFamily"),
        "status": proxy.get("Status"),
        "endpoint": proxy.get("Endpoint"),
        "require_tls": bool(proxy.get("RequireTLS")),
        "auth": auth,
        "default_auth_scheme": proxy.get("DefaultAuthScheme"),
        "iam_auth": proxy_iam_auth(auth, proxy.get("DefaultAuthScheme")),
        "vpc_id": proxy.get("VpcId"),
        "vpc_subnet_ids": subnet_ids,
        "vpc_security_group_ids": security_groups,
        "role_arn": proxy.get("RoleArn"),
        "idle_client_timeout": proxy.get("IdleClientTimeout"),
        "debug_logging": proxy.get("DebugLogging"),
        "endpoints": endpoint_list,
        "targets": target_list,
        "created": iso(proxy.get("CreatedDate")),
    }
    links = place.vpc(proxy.get("VpcId")) + place.subnets(subnet_ids) + place.security_groups(security_groups)
    for endpoint in endpoint_list:
        links += place.subnets(endpoint["vpc_subnet_ids"]) + place.security_groups(
            endpoint["vpc_security_group_ids"]
        )
    if proxy.get("RoleArn"):
        links.append(link("role", ROLE, proxy["RoleArn"], proxy["RoleArn"].rsplit("/", 1)[-1]))
    for entry in auth:
        if entry["secret_arn"]:
            links.append(link("secrets", SECRET, entry["secret_arn"], entry["secret_arn"].rsplit(":", 1)[-1]))
    for target in target_list:
        if target["type"] == "TRACKED_CLUSTER":
            links += place.cluster(target["rds_resource_id"], "targets")
        elif target["type"] == "RDS_INSTANCE":
            links += place.instance(target["rds_resource_id"], "targets")
            links += place.cluster(target["tracked_cluster_id"], "targets")
    return place.resource(PROXY, arn, name, attributes, links)


def cluster_endpoint_resource(endpoint: dict[str, Any], place: _Place) -> Resource:
    identifier = endpoint["DBClusterEndpointIdentifier"]
    arn = endpoint.get("DBClusterEndpointArn") or place.rds(f"cluster-endpoint:{identifier}")
    static_members = sorted(endpoint.get("StaticMembers") or [])
    excluded_members = sorted(endpoint.get("ExcludedMembers") or [])
    attributes = {
        "identifier": identifier,
        "arn": arn,
        "cluster_identifier": endpoint.get("DBClusterIdentifier"),
        "endpoint": endpoint.get("Endpoint"),
        "endpoint_type": endpoint.get("EndpointType"),
        "custom_endpoint_type": endpoint.get("CustomEndpointType"),
        "status": endpoint.get("Status"),
        "static_members": static_members,
        "excluded_members": excluded_members,
    }
    links = place.cluster(endpoint.get("DBClusterIdentifier"))
    for member in static_members:
        links += place.instance(member, "static_members")
    return place.resource(CLUSTER_ENDPOINT, arn, identifier, attributes, links)
