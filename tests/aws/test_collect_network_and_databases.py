"""EC2 and RDS collectors against moto (server mode, real HTTP, the production boto3 path)."""

from __future__ import annotations

from tests.aws import seed
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv, add_rds_stand_ins, by_name
from tests.support.local_aws import FaultProxy, query_response


def _arn(kind: str, ident: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{ident}"


def _link(relation: str, target_type: str, arn: str, name: str) -> dict[str, str]:
    return {
        "relation": relation,
        "target_type": target_type,
        "target_id": f"{target_type}:{arn}",
        "target_name": name,
    }


def test_subnets_know_their_route_table_and_whether_they_are_public(aws: AwsEnv) -> None:
    net = seed.network(aws.client("ec2"))

    result = aws.run("ec2")

    assert result.gaps == []
    assert result.api_calls == {
        f"ec2:{op}": 1
        for op in (
            "DescribeInternetGateways",
            "DescribeNatGateways",
            "DescribeRouteTables",
            "DescribeSecurityGroups",
            "DescribeSubnets",
            "DescribeVpcs",
        )
    }
    subnets = by_name(result, "aws.ec2.subnet")
    public = subnets[net["public"]]
    assert public["id"] == f"aws.ec2.subnet:{_arn('subnet', net['public'])}"
    assert public["source"]["aws"] == {
        "arn": _arn("subnet", net["public"]),
        "account": ACCOUNT,
        "region": REGION,
    }
    assert public["attributes"] == {
        "subnet_id": net["public"],
        "vpc_id": net["vpc"],
        "owner_id": ACCOUNT,
        "cidr_block": "10.0.1.0/24",
        "ipv6_cidr_blocks": [],
        "availability_zone": "eu-west-1a",
        "map_public_ip_on_launch": False,
        "default_for_az": False,
        "route_table_id": net["public_table"],
        "route_table_association": "explicit",
        "default_route_target": net["igw"],
        "default_route_target_ipv6": None,
        "public": True,
        "tags": {},
        "_links": [
            _link(
                "route_table",
                "aws.ec2.route_table",
                _arn("route-table", net["public_table"]),
                net["public_table"],
            ),
            _link("vpc", "aws.ec2.vpc", _arn("vpc", net["vpc"]), net["vpc"]),
        ],
    }
    private = subnets[net["private"]]["attributes"]
    assert (
        private["route_table_id"],
        private["route_table_association"],
        private["default_route_target"],
        private["public"],
    ) == (net["main_table"], "main", None, False)
    natted = subnets[net["natted"]]["attributes"]
    assert (
        natted["route_table_id"],
        natted["route_table_association"],
        natted["default_route_target"],
        natted["public"],
    ) == (net["nat_table"], "explicit", net["nat"], False)

    vpc = by_name(result, "aws.ec2.vpc")[net["vpc"]]["attributes"]
    assert vpc["internet_gateway_ids"] == [net["igw"]]
    assert vpc["nat_gateways"] == [
        {"id": net["nat"], "subnet_id": net["public"], "state": "available", "connectivity_type": None}
    ]
    assert vpc["main_route_table_id"] == net["main_table"]
    assert vpc["is_default"] is False

    tables = by_name(result, "aws.ec2.route_table")
    public_table = tables[net["public_table"]]["attributes"]
    assert public_table["routes"] == [
        {
            "destination": "0.0.0.0/0",
            "destination_type": "ipv4",
            "target": net["igw"],
            "target_type": "internet-gateway",
            "state": "active",
            "origin": "CreateRoute",
        },
        {
            "destination": "10.0.0.0/16",
            "destination_type": "ipv4",
            "target": "local",
            "target_type": "local",
            "state": "active",
            "origin": "CreateRouteTable",
        },
    ]
    assert (public_table["main"], public_table["subnet_ids"], public_table["routes_to_internet_gateway"]) == (
        False,
        [net["public"]],
        True,
    )
    assert tables[net["main_table"]]["attributes"]["main"] is True
    assert tables[net["nat_table"]]["attributes"]["routes_to_internet_gateway"] is False


def test_security_group_rules_are_flattened_one_source_each(aws: AwsEnv) -> None:
    net = seed.network(aws.client("ec2"))

    groups = by_name(aws.run("ec2"), "aws.ec2.security_group")

    db = groups[net["db_sg"]]["attributes"]
    empty = {
        "cidr_ipv4": None,
        "cidr_ipv6": None,
        "source_security_group_id": None,
        "source_security_group_owner": None,
        "prefix_list_id": None,
    }
    tcp5432 = {"protocol": "tcp", "from_port": 5432, "to_port": 5432}
    assert db["ingress"] == [
        {**tcp5432, **empty, "cidr_ipv4": "0.0.0.0/0", "description": "anyone", "open_to_world": True},
        {**tcp5432, **empty, "cidr_ipv6": "::/0", "description": None, "open_to_world": True},
        {
            **tcp5432,
            **empty,
            "source_security_group_id": net["app_sg"],
            "source_security_group_owner": ACCOUNT,
            "description": "workers",
            "open_to_world": False,
        },
    ]
    assert db["egress"] == [
        {
            "protocol": "-1",
            "from_port": None,
            "to_port": None,
            **empty,
            "cidr_ipv4": "0.0.0.0/0",
            "description": None,
            "open_to_world": True,
        }
    ]
    assert (db["group_name"], db["description"], db["vpc_id"], db["ingress_open_to_world"]) == (
        "db",
        "aurora",
        net["vpc"],
        True,
    )
    assert db["_links"] == [
        _link("ingress_from", "aws.ec2.security_group", _arn("security-group", net["app_sg"]), net["app_sg"]),
        _link("vpc", "aws.ec2.vpc", _arn("vpc", net["vpc"]), net["vpc"]),
    ]
    app = groups[net["app_sg"]]["attributes"]
    assert app["ingress"] == [
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            **empty,
            "cidr_ipv4": "10.0.0.0/16",
            "description": None,
            "open_to_world": False,
        }
    ]
    assert app["ingress_open_to_world"] is False


def test_rds_clusters_instances_subnet_groups_and_proxies(aws: AwsEnv, proxy: FaultProxy) -> None:
    add_rds_stand_ins(proxy)
    net = seed.network(aws.client("ec2"))
    made = seed.databases(aws.client("rds"), net)

    result = aws.run("rds")

    assert result.gaps == []
    assert result.api_calls == {
        f"rds:{op}": 1
        for op in (
            "DescribeDBClusterEndpoints",
            "DescribeDBClusters",
            "DescribeDBInstances",
            "DescribeDBProxies",
            "DescribeDBProxyEndpoints",
            "DescribeDBProxyTargets",
            "DescribeDBSubnetGroups",
        )
    }
    rds_arn = f"arn:aws:rds:{REGION}:{ACCOUNT}"
    clusters = by_name(result, "aws.rds.cluster")
    assert sorted(clusters) == ["legacy", "orders"]
    orders = clusters["orders"]
    assert orders["id"] == f"aws.rds.cluster:{rds_arn}:cluster:orders"
    assert orders["source"]["aws"] == {
        "arn": f"{rds_arn}:cluster:orders",
        "account": ACCOUNT,
        "region": REGION,
    }
    attributes = orders["attributes"]
    assert {
        key: attributes[key]
        for key in (
            "identifier",
            "engine",
            "iam_database_authentication_enabled",
            "storage_encrypted",
            "endpoint",
            "reader_endpoint",
            "vpc_security_group_ids",
            "db_subnet_group",
            "members",
            "port",
        )
    } == {
        "identifier": "orders",
        "engine": "aurora-postgresql",
        "iam_database_authentication_enabled": True,
        "storage_encrypted": True,
        "endpoint": made["iam_cluster"]["Endpoint"],
        "reader_endpoint": made["iam_cluster"]["ReaderEndpoint"],
        "vpc_security_group_ids": [net["db_sg"]],
        "db_subnet_group": "airflow-db",
        "members": [{"instance_identifier": "orders-1", "is_writer": True}],
        "port": 5432,
    }
    assert attributes["resource_id"] == made["iam_cluster"]["DbClusterResourceId"]
    assert attributes["_links"] == [
        _link("members", "aws.rds.instance", f"{rds_arn}:db:orders-1", "orders-1"),
        _link(
            "security_groups", "aws.ec2.security_group", _arn("security-group", net["db_sg"]), net["db_sg"]
        ),
        _link("subnet_group", "aws.rds.subnet_group", f"{rds_arn}:subgrp:airflow-db", "airflow-db"),
    ]
    legacy = clusters["legacy"]["attributes"]
    assert (legacy["iam_database_authentication_enabled"], legacy["storage_encrypted"], legacy["engine"]) == (
        False,
        False,
        "aurora-mysql",
    )

    instance = by_name(result, "aws.rds.instance")["orders-1"]["attributes"]
    assert {
        key: instance[key]
        for key in (
            "publicly_accessible",
            "endpoint_address",
            "endpoint_port",
            "cluster_identifier",
            "db_subnet_group",
            "vpc_id",
            "subnet_ids",
            "storage_encrypted",
        )
    } == {
        "publicly_accessible": True,
        "endpoint_address": made["instance"]["Endpoint"]["Address"],
        "endpoint_port": 5432,
        "cluster_identifier": "orders",
        "db_subnet_group": "airflow-db",
        "vpc_id": net["vpc"],
        "subnet_ids": sorted([net["private"], net["natted"]]),
        "storage_encrypted": True,
    }
    assert _link("cluster", "aws.rds.cluster", f"{rds_arn}:cluster:orders", "orders") in instance["_links"]

    group = by_name(result, "aws.rds.subnet_group")["airflow-db"]["attributes"]
    assert (group["vpc_id"], group["subnet_ids"], group["availability_zones"]) == (
        net["vpc"],
        sorted([net["private"], net["natted"]]),
        ["eu-west-1b", "eu-west-1c"],
    )

    db_proxy = by_name(result, "aws.rds.proxy")["orders-proxy"]
    assert db_proxy["id"] == f"aws.rds.proxy:{made['proxy']['DBProxyArn']}"
    proxy_attributes = db_proxy["attributes"]
    assert {
        key: proxy_attributes[key]
        for key in (
            "endpoint",
            "require_tls",
            "iam_auth",
            "vpc_subnet_ids",
            "vpc_security_group_ids",
            "role_arn",
        )
    } == {
        "endpoint": made["proxy"]["Endpoint"],
        "require_tls": True,
        "iam_auth": "REQUIRED",
        "vpc_subnet_ids": sorted([net["private"], net["natted"]]),
        "vpc_security_group_ids": [net["db_sg"]],
        "role_arn": "arn:aws:iam::123456789012:role/proxy-role",
    }
    assert proxy_attributes["auth"] == [
        {
            "auth_scheme": "SECRETS",
            "iam_auth": "REQUIRED",
            "client_password_auth_type": None,
            "description": None,
            "secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-AbCdEf",
        }
    ]
    assert [(t["type"], t["rds_resource_id"]) for t in proxy_attributes["targets"]] == [
        ("TRACKED_CLUSTER", "orders")
    ]
    assert (
        _link("targets", "aws.rds.cluster", f"{rds_arn}:cluster:orders", "orders")
        in proxy_attributes["_links"]
    )


CLUSTER_ENDPOINTS = """<DBClusterEndpoints>
  <DBClusterEndpointList>
    <DBClusterEndpointIdentifier>reporting</DBClusterEndpointIdentifier>
    <DBClusterIdentifier>orders</DBClusterIdentifier>
    <DBClusterEndpointResourceIdentifier>cluster-endpoint-ABC</DBClusterEndpointResourceIdentifier>
    <Endpoint>reporting.cluster-custom-abc.eu-west-1.rds.amazonaws.com</Endpoint>
    <Status>available</Status>
    <EndpointType>CUSTOM</EndpointType>
    <CustomEndpointType>READER</CustomEndpointType>
    <StaticMembers><member>orders-1</member></StaticMembers>
    <ExcludedMembers/>
    <DBClusterEndpointArn>arn:aws:rds:eu-west-1:123456789012:cluster-endpoint:reporting</DBClusterEndpointArn>
  </DBClusterEndpointList>
  <DBClusterEndpointList>
    <DBClusterEndpointIdentifier>orders</DBClusterEndpointIdentifier>
    <DBClusterIdentifier>orders</DBClusterIdentifier>
    <Endpoint>orders.cluster-abc.eu-west-1.rds.amazonaws.com</Endpoint>
    <Status>available</Status>
    <EndpointType>WRITER</EndpointType>
  </DBClusterEndpointList>
</DBClusterEndpoints>"""

PROXY_ENDPOINTS = """<DBProxyEndpoints>
  <member>
    <DBProxyEndpointName>orders-ro</DBProxyEndpointName>
    <DBProxyEndpointArn>arn:aws:rds:eu-west-1:123456789012:db-proxy-endpoint:prx-endpoint-1</DBProxyEndpointArn>
    <DBProxyName>orders-proxy</DBProxyName>
    <Status>available</Status>
    <VpcId>vpc-1</VpcId>
    <VpcSecurityGroupIds><member>sg-2</member><member>sg-1</member></VpcSecurityGroupIds>
    <VpcSubnetIds><member>subnet-1</member></VpcSubnetIds>
    <Endpoint>orders-ro.endpoint.proxy-abc.eu-west-1.rds.amazonaws.com</Endpoint>
    <TargetRole>READ_ONLY</TargetRole>
    <IsDefault>false</IsDefault>
  </member>
</DBProxyEndpoints>"""


def test_custom_cluster_endpoints_and_proxy_endpoints(aws: AwsEnv, proxy: FaultProxy) -> None:
    """moto implements neither call: the proxy answers them in the RDS query protocol's XML."""
    proxy.respond(
        "rds:DescribeDBClusterEndpoints", query_response("DescribeDBClusterEndpoints", CLUSTER_ENDPOINTS)
    )
    proxy.respond("rds:DescribeDBProxyEndpoints", query_response("DescribeDBProxyEndpoints", PROXY_ENDPOINTS))
    net = seed.network(aws.client("ec2"))
    seed.databases(aws.client("rds"), net)

    result = aws.run("rds")

    assert result.gaps == []
    endpoints = by_name(result, "aws.rds.cluster_endpoint")
    assert list(endpoints) == ["reporting"]  # the default writer/reader endpoints are not resources
    reporting = endpoints["reporting"]
    assert (
        reporting["id"]
        == "aws.rds.cluster_endpoint:arn:aws:rds:eu-west-1:123456789012:cluster-endpoint:reporting"
    )
    assert reporting["attributes"] == {
        "identifier": "reporting",
        "arn": "arn:aws:rds:eu-west-1:123456789012:cluster-endpoint:reporting",
        "cluster_identifier": "orders",
        "endpoint": "reporting.cluster-custom-abc.eu-west-1.rds.amazonaws.com",
        "endpoint_type": "CUSTOM",
        "custom_endpoint_type": "READER",
        "status": "available",
        "static_members": ["orders-1"],
        "excluded_members": [],
        "_links": [
            _link(
                "cluster", "aws.rds.cluster", "arn:aws:rds:eu-west-1:123456789012:cluster:orders", "orders"
            ),
            _link(
                "static_members",
                "aws.rds.instance",
                "arn:aws:rds:eu-west-1:123456789012:db:orders-1",
                "orders-1",
            ),
        ],
    }
    db_proxy = by_name(result, "aws.rds.proxy")["orders-proxy"]["attributes"]
    assert db_proxy["endpoints"] == [
        {
            "name": "orders-ro",
            "arn": "arn:aws:rds:eu-west-1:123456789012:db-proxy-endpoint:prx-endpoint-1",
            "endpoint": "orders-ro.endpoint.proxy-abc.eu-west-1.rds.amazonaws.com",
            "target_role": "READ_ONLY",
            "is_default": False,
            "status": "available",
            "vpc_id": "vpc-1",
            "vpc_subnet_ids": ["subnet-1"],
            "vpc_security_group_ids": ["sg-1", "sg-2"],
        }
    ]


def test_calls_do_not_grow_with_the_number_of_resources(aws: AwsEnv, proxy: FaultProxy) -> None:
    add_rds_stand_ins(proxy)
    ec2, rds = aws.client("ec2"), aws.client("rds")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    for index in range(40):
        ec2.create_security_group(GroupName=f"sg-{index}", Description="x", VpcId=vpc)
    for index in range(12):
        rds.create_db_cluster(
            DBClusterIdentifier=f"c{index}",
            Engine="aurora-postgresql",
            MasterUsername="u",
            MasterUserPassword="not-a-real-password",
        )

    ec2_result, rds_result = aws.run("ec2"), aws.run("rds")

    assert len(by_name(ec2_result, "aws.ec2.security_group")) >= 40
    assert ec2_result.api_calls["ec2:DescribeSecurityGroups"] == 1
    assert len(by_name(rds_result, "aws.rds.cluster")) == 12
    assert rds_result.api_calls["rds:DescribeDBClusters"] == 1
    # clusters, instances, subnet groups, proxies, custom cluster endpoints: one call each
    assert sum(rds_result.api_calls.values()) == 5
