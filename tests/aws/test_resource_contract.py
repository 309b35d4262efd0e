"""Every resource the AWS collectors emit fits its registered model (scanner/resources): the seeded accounts of
the collection and rule tests, with custom cluster endpoints, proxy endpoints, MWAA and CloudTrail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scanner.aws.collect import collect_snapshot
from scanner.resources.validate import attribute_problems
from tests.aws import seed, seed_rules
from tests.aws.conftest import REGION, AwsEnv
from tests.aws.mwaa_server import MwaaServer
from tests.aws.test_collect_network_and_databases import CLUSTER_ENDPOINTS, PROXY_ENDPOINTS
from tests.support.local_aws import FaultProxy, query_response


def _answer_endpoints(proxy: FaultProxy) -> None:
    """Custom cluster endpoints and proxy endpoints, which the local AWS does not model, answered by the proxy."""
    proxy.respond("rds:DescribeDBClusterEndpoints", query_response("DescribeDBClusterEndpoints", CLUSTER_ENDPOINTS))
    proxy.respond("rds:DescribeDBProxyEndpoints", query_response("DescribeDBProxyEndpoints", PROXY_ENDPOINTS))


def _problems(aws: AwsEnv, environments: list[dict[str, Any]]) -> tuple[set[str], list[str]]:
    """Collect the account (MWAA served with `environments`): the resource types seen and each model problem."""
    mwaa = MwaaServer(environments)
    mwaa.start()
    try:
        snapshot = collect_snapshot(aws.options(service_endpoint_urls={"mwaa": mwaa.url}), regions=[REGION])
    finally:
        mwaa.stop()
    resources = snapshot.resources()
    return {r.type for r in resources}, [f"{r.id}: {p}" for r in resources for p in attribute_problems(r)]


@pytest.mark.parametrize("seeder", [seed_rules.bad_account, seed_rules.good_account])
def test_rule_accounts_fit_the_registry(aws: AwsEnv, proxy: FaultProxy,
                                        seeder: Callable[..., dict[str, Any]]) -> None:
    _answer_endpoints(proxy)
    made = seeder(aws.client)
    types, problems = _problems(aws, made["mwaa"])
    assert problems == []
    assert {"aws.rds.cluster", "aws.rds.instance", "aws.ec2.security_group", "aws.ec2.subnet",
            "aws.iam.role", "aws.mwaa.environment", "aws.cloudtrail.trail", "aws.cloudtrail.account"} <= types


def test_sample_account_with_proxies_and_custom_endpoints_fits_the_registry(aws: AwsEnv, proxy: FaultProxy) -> None:
    _answer_endpoints(proxy)
    net = seed.network(aws.client("ec2"))
    seed.databases(aws.client("rds"), net)
    seed.identities(aws.client("iam", "us-east-1"))
    seed.secrets_and_trails(aws.client("secretsmanager"), aws.client("s3"), aws.client("cloudtrail"))
    types, problems = _problems(aws, [])
    assert problems == []
    assert {"aws.rds.proxy", "aws.rds.cluster_endpoint", "aws.rds.subnet_group", "aws.ec2.route_table",
            "aws.ec2.vpc", "aws.iam.user", "aws.iam.policy", "aws.secretsmanager.secret"} <= types
