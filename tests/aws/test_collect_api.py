"""The one-call API for the CLI: account and region resolution, organisation accounts."""

from __future__ import annotations

import pytest

from scanner.aws.collect import CollectError, collect_snapshot, organization_accounts, resolve_regions
from scanner.aws.session import SessionFactory
from tests.aws.conftest import ACCOUNT, REGION, AwsEnv
from tests.support.local_aws import FaultProxy


def test_collect_snapshot_resolves_the_account_and_defaults_to_the_sessions_region(aws: AwsEnv) -> None:
    aws.client("secretsmanager").create_secret(Name="s", SecretString="x")

    snapshot = collect_snapshot(aws.options(), services=["secretsmanager", "iam"])

    assert [r.unit.label for r in snapshot.units] == [
        f"{ACCOUNT}/{REGION}/secretsmanager",
        f"{ACCOUNT}/global/iam",
    ]
    assert snapshot.gaps() == []
    assert [r.name for r in snapshot.resources() if r.type == "aws.secretsmanager.secret"] == ["s"]
    assert snapshot.created_at is not None and snapshot.created_at.endswith("Z")


def test_all_regions_are_the_enabled_regions(aws: AwsEnv) -> None:
    regions = resolve_regions(SessionFactory(aws.options()), ["all"], ACCOUNT)

    assert {"eu-west-1", "us-east-1"} <= set(regions) and regions == sorted(regions)


def test_no_region_anywhere_is_a_clear_error(aws: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    with pytest.raises(CollectError, match="no AWS region"):
        collect_snapshot(aws.options(), services=["rds"])
    with pytest.raises(CollectError, match="unknown AWS service"):
        collect_snapshot(aws.options(), services=["s3"], regions=[REGION])


def test_organization_accounts_and_a_denied_listing(aws: AwsEnv, proxy: FaultProxy) -> None:
    organizations = aws.client("organizations", "us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    created = organizations.create_account(AccountName="data", Email="data@example.com")
    member = created["CreateAccountStatus"]["AccountId"]

    accounts, gaps = organization_accounts(SessionFactory(aws.options()))

    assert gaps == []
    assert {a["id"] for a in accounts} == {ACCOUNT, member}

    proxy.deny("organizations:ListAccounts")
    accounts, gaps = organization_accounts(SessionFactory(aws.options()))

    assert accounts == []
    assert [(g.operation, g.error_code, g.kind) for g in gaps] == [
        ("organizations:ListAccounts", "AccessDeniedException", "denied")
    ]
