"""The MWAA collector against a local REST-JSON server that follows botocore's MWAA model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner.aws.session import SessionFactory, SessionOptions
from scanner.aws.units import CollectionUnit, run_unit
from tests.aws.conftest import ACCOUNT, REGION, by_name, gap_tuples
from tests.aws.mwaa_server import MwaaServer, environment


@pytest.fixture
def mwaa(aws_env_vars: None) -> Iterator[MwaaServer]:
    server = MwaaServer(
        [
            environment("analytics"),
            environment(
                "ingest",
                WebserverAccessMode="PUBLIC_ONLY",
                NetworkConfiguration={"SubnetIds": ["subnet-c"], "SecurityGroupIds": ["sg-9", "sg-2"]},
            ),
            environment("locked"),
        ],
        denied=("locked",),
    )
    server.start()
    yield server
    server.stop()


def test_the_fake_speaks_botocores_mwaa_model() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("mwaa")
    assert set(environment("x")) <= set(model.shape_for("Environment").members)
    assert set(environment("x")["NetworkConfiguration"]) <= set(
        model.shape_for("NetworkConfiguration").members
    )
    assert model.operation_model("ListEnvironments").http["requestUri"] == "/environments"
    assert model.operation_model("GetEnvironment").http["requestUri"] == "/environments/{Name}"


def test_environments_with_network_access_mode_and_role(mwaa: MwaaServer) -> None:
    unit = CollectionUnit(account=ACCOUNT, region=REGION, service="mwaa")
    factory = SessionFactory(SessionOptions(service_endpoint_urls={"mwaa": mwaa.url}, max_attempts=0))

    result = run_unit(unit, factory)

    assert result.api_calls == {"mwaa:GetEnvironment": 3, "mwaa:ListEnvironments": 2}
    assert mwaa.requests == {"ListEnvironments": 2, "GetEnvironment": 3}
    assert gap_tuples(result) == [
        ("mwaa:GetEnvironment", "AccessDeniedException", "denied", ["aws.mwaa.environment"])
    ]
    environments = by_name(result, "aws.mwaa.environment")
    assert sorted(environments) == ["analytics", "ingest"]
    ingest = environments["ingest"]
    arn = "arn:aws:airflow:eu-west-1:123456789012:environment/ingest"
    assert ingest["id"] == f"aws.mwaa.environment:{arn}"
    assert ingest["source"]["aws"] == {"arn": arn, "account": ACCOUNT, "region": REGION}
    attributes = ingest["attributes"]
    assert {
        key: attributes[key]
        for key in (
            "webserver_access_mode",
            "subnet_ids",
            "security_group_ids",
            "execution_role_arn",
            "status",
            "airflow_version",
            "created",
            "tags",
            "logging",
        )
    } == {
        "webserver_access_mode": "PUBLIC_ONLY",
        "subnet_ids": ["subnet-c"],
        "security_group_ids": ["sg-2", "sg-9"],
        "execution_role_arn": "arn:aws:iam::123456789012:role/service-role/ingest-execution",
        "status": "AVAILABLE",
        "airflow_version": "2.10.3",
        "created": "2026-01-01T00:00:00Z",
        "tags": {"team": "data"},
        "logging": {"TaskLogs": {"enabled": True, "log_level": "INFO"}},
    }
    assert attributes["airflow_configuration_options"] == {
        "core.default_timezone": "utc",
        "secrets.backend": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
        "smtp.smtp_password": {"redacted": True, "kind": "literal", "length": 16},
    }
    assert "hunter2-not-real" not in result.to_json_text()
    assert {
        "relation": "execution_role",
        "target_type": "aws.iam.role",
        "target_id": "aws.iam.role:arn:aws:iam::123456789012:role/service-role/ingest-execution",
        "target_name": "ingest-execution",
    } in attributes["_links"]
    assert environments["analytics"]["attributes"]["webserver_access_mode"] == "PRIVATE_ONLY"
