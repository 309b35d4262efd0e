"""Benchmark AWS collection against a local moto server: ``python -m scripts.bench_aws`` (from the repository
root: it uses the test harness in tests/support/).

Starts moto in server mode on 127.0.0.1 (needs ``moto[server]``; never contacts AWS: dummy
credentials, explicit local endpoint), seeds an account with many security groups, Aurora clusters
and instances (plus IAM roles/users and secrets), runs a full collection through the production code
path and prints API calls per operation, resources per type and wall time.

moto implements neither ``rds:DescribeDBClusterEndpoints`` nor ``rds:DescribeDBProxyEndpoints`` nor
any of MWAA: a local proxy answers those with empty results so they cost one call each, as in AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from typing import Any

from scanner.aws.collect import collect_snapshot
from scanner.aws.session import SessionFactory, SessionOptions
from tests.support.local_aws import FaultProxy, LocalMoto, query_response

REGION = "eu-west-1"


def _isolate_from_real_aws() -> None:
    """Dummy credentials and no config files or instance metadata: only the local server is used."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench-secret",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )


def seed(
    url: str,
    security_groups: int,
    clusters: int,
    instances_per_cluster: int,
    roles: int,
    users: int,
    secrets: int,
) -> dict[str, int]:
    import boto3

    def client(service: str, region: str = REGION) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=url)

    ec2, rds, iam, secretsmanager = (
        client("ec2"),
        client("rds"),
        client("iam", "us-east-1"),
        client("secretsmanager"),
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("abc")
    ]
    rds.create_db_subnet_group(DBSubnetGroupName="bench", DBSubnetGroupDescription="bench", SubnetIds=subnets)
    group_ids: list[str] = []
    for index in range(security_groups):
        group = ec2.create_security_group(GroupName=f"bench-{index}", Description="bench", VpcId=vpc)[
            "GroupId"
        ]
        permissions: list[dict[str, Any]] = [
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": f"10.{index % 250}.0.0/16"}],
            }
        ]
        if group_ids:
            permissions.append(
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "UserIdGroupPairs": [{"GroupId": group_ids[-1]}],
                }
            )
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=permissions)
        group_ids.append(group)
    for index in range(clusters):
        rds.create_db_cluster(
            DBClusterIdentifier=f"bench-{index}",
            Engine="aurora-postgresql",
            MasterUsername="bench",
            MasterUserPassword="bench-password-1",
            EnableIAMDatabaseAuthentication=index % 2 == 0,
            DBSubnetGroupName="bench",
            VpcSecurityGroupIds=[group_ids[index % len(group_ids)]] if group_ids else [],
        )
        for member in range(instances_per_cluster):
            rds.create_db_instance(
                DBInstanceIdentifier=f"bench-{index}-{member}",
                DBClusterIdentifier=f"bench-{index}",
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
                PubliclyAccessible=member == 0 and index % 5 == 0,
                DBSubnetGroupName="bench",
            )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    connect = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": "*"}],
        }
    )
    for index in range(roles):
        iam.create_role(
            RoleName=f"bench-{index}",
            AssumeRolePolicyDocument=trust,
            MaxSessionDuration=3600 * (1 + index % 12),
        )
        iam.put_role_policy(RoleName=f"bench-{index}", PolicyName="connect", PolicyDocument=connect)
    for index in range(users):
        iam.create_user(UserName=f"bench-{index}")
        iam.create_access_key(UserName=f"bench-{index}")
    for index in range(secrets):
        secretsmanager.create_secret(Name=f"bench/{index}", SecretString="bench")
    return {
        "security_groups": security_groups,
        "clusters": clusters,
        "instances": clusters * instances_per_cluster,
        "roles": roles,
        "users": users,
        "secrets": secrets,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    _isolate_from_real_aws()
    moto = LocalMoto()
    moto.start()
    proxy = FaultProxy(moto.url)
    try:
        proxy.start()
        proxy.respond(
            "rds:DescribeDBClusterEndpoints",
            query_response("DescribeDBClusterEndpoints", "<DBClusterEndpoints/>"),
        )
        proxy.respond(
            "rds:DescribeDBProxyEndpoints", query_response("DescribeDBProxyEndpoints", "<DBProxyEndpoints/>")
        )
        proxy.respond("airflow:GET /environments", '{"Environments": []}', content_type="application/json")
        started = time.perf_counter()
        seeded = seed(
            moto.url,
            args.security_groups,
            args.clusters,
            args.instances_per_cluster,
            args.roles,
            args.users,
            args.secrets,
        )
        seed_seconds = time.perf_counter() - started

        factory = SessionFactory(SessionOptions(endpoint_url=proxy.url))
        started = time.perf_counter()
        snapshot = collect_snapshot(factory=factory, regions=args.regions, max_workers=args.workers)
        wall = time.perf_counter() - started
    finally:
        proxy.stop()
        moto.stop()
    resources = snapshot.resources()
    calls = snapshot.api_calls()
    for operation, count in factory.api_calls.items():
        calls[operation] = calls.get(operation, 0) + count
    return {
        "seeded": seeded,
        "seed_seconds": round(seed_seconds, 2),
        "collect_wall_seconds": round(wall, 2),
        "workers": args.workers,
        "regions": args.regions,
        "units": [
            {
                "unit": r.unit.label,
                "seconds": r.duration_seconds,
                "calls": sum(r.api_calls.values()),
                "resources": len(r.resources),
            }
            for r in snapshot.units
        ],
        "api_calls": dict(sorted(calls.items())),
        "api_calls_total": sum(calls.values()),
        "resources_by_type": dict(sorted(Counter(r.type for r in resources).items())),
        "resources_total": len(resources),
        "gaps": [g.model_dump(mode="json") for g in snapshot.gaps()],
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"seeded: {report['seeded']} in {report['seed_seconds']} s (not part of the measurement)",
        (f"collection: {report['collect_wall_seconds']} s wall, {report['workers']} workers, "
        f"regions {', '.join(report['regions'])}"),
        "",
        "API calls per operation:",
    ]
    lines += [f"  {count:5d}  {operation}" for operation, count in report["api_calls"].items()]
    lines += [f"  {report['api_calls_total']:5d}  total", "", "resources per type:"]
    lines += [f"  {count:5d}  {kind}" for kind, count in report["resources_by_type"].items()]
    lines += [f"  {report['resources_total']:5d}  total", "", "units (seconds, calls, resources):"]
    lines += [
        f"  {u['seconds']:7.2f}s {u['calls']:4d} {u['resources']:5d}  {u['unit']}" for u in report["units"]
    ]
    lines += ["", f"gaps: {len(report['gaps'])}"]
    lines += [f"  {g['operation']} {g['error_code']}: {g['message']}" for g in report["gaps"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_aws", description=__doc__.splitlines()[0])
    parser.add_argument("--security-groups", type=int, default=300)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--instances-per-cluster", type=int, default=2)
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--secrets", type=int, default=50)
    parser.add_argument("--regions", nargs="+", default=[REGION])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args)
    print(json.dumps(report, indent=1) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
