"""Amazon MWAA, per region: environments with their network, access mode and execution role.

Calls: ``ListEnvironments`` (paginated; names only) and ``GetEnvironment`` once per environment (no
bulk describe exists). Airflow configuration options are kept, but values under secret-looking keys
are replaced with a redaction marker, and credential shapes in the others are masked.
"""

from __future__ import annotations

from typing import Any

from scanner import secrets
from scanner.aws.calls import call, paginate
from scanner.aws.recorder import UnitRecorder
from scanner.aws.session import AwsSession
from scanner.aws.shape import build_arn, link, make_resource
from scanner.model import Resource
from scanner.resources.values import iso, tags

ENVIRONMENT = "aws.mwaa.environment"
PAGE = 25


def collect(session: AwsSession, unit: Any, recorder: UnitRecorder) -> list[Resource]:
    client = recorder.attach(session.client("mwaa"))
    names = paginate(recorder, client, "list_environments", "Environments", [ENVIRONMENT], page_size=PAGE)
    resources = []
    for name in sorted(set(names)):
        response = call(recorder, client, "get_environment", [ENVIRONMENT], Name=name)
        if response and response.get("Environment"):
            resources.append(environment_resource(response["Environment"], recorder.account, unit.region))
    return resources


def configuration_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """Airflow configuration options with secret values redacted."""
    result: dict[str, Any] = {}
    for key, value in sorted((options or {}).items()):
        last = str(key).rsplit(".", 1)[-1]
        result[str(key)] = (
            secrets.marker(value) if secrets.is_secret_key(last) else secrets.scrub_patterns(str(value))
        )
    return result


def environment_resource(environment: dict[str, Any], account: str | None, region: str) -> Resource:
    name = environment["Name"]
    arn = environment.get("Arn") or build_arn("airflow", region, account, f"environment/{name}")
    network = environment.get("NetworkConfiguration") or {}
    subnet_ids = sorted(network.get("SubnetIds") or [])
    security_group_ids = sorted(network.get("SecurityGroupIds") or [])
    logging = {
        module: {"enabled": (conf or {}).get("Enabled"), "log_level": (conf or {}).get("LogLevel")}
        for module, conf in sorted((environment.get("LoggingConfiguration") or {}).items())
    }
    role = environment.get("ExecutionRoleArn")
    attributes = {
        "name": name,
        "arn": arn,
        "status": environment.get("Status"),
        "airflow_version": environment.get("AirflowVersion"),
        "environment_class": environment.get("EnvironmentClass"),
        "webserver_access_mode": environment.get("WebserverAccessMode"),
        "webserver_url": environment.get("WebserverUrl"),
        "endpoint_management": environment.get("EndpointManagement"),
        "execution_role_arn": role,
        "service_role_arn": environment.get("ServiceRoleArn"),
        "kms_key": environment.get("KmsKey"),
        "subnet_ids": subnet_ids,
        "security_group_ids": security_group_ids,
        "source_bucket_arn": environment.get("SourceBucketArn"),
        "dag_s3_path": environment.get("DagS3Path"),
        "requirements_s3_path": environment.get("RequirementsS3Path"),
        "startup_script_s3_path": environment.get("StartupScriptS3Path"),
        "airflow_configuration_options": configuration_options(
            environment.get("AirflowConfigurationOptions")
        ),
        "logging": logging,
        "min_workers": environment.get("MinWorkers"),
        "max_workers": environment.get("MaxWorkers"),
        "schedulers": environment.get("Schedulers"),
        "created": iso(environment.get("CreatedAt")),
        "tags": tags(environment.get("Tags")),
    }
    links = [
        link("subnets", "aws.ec2.subnet", build_arn("ec2", region, account, f"subnet/{s}"), s)
        for s in subnet_ids
    ]
    links += [
        link(
            "security_groups",
            "aws.ec2.security_group",
            build_arn("ec2", region, account, f"security-group/{g}"),
            g,
        )
        for g in security_group_ids
    ]
    if role:
        links.append(link("execution_role", "aws.iam.role", role, role.rsplit("/", 1)[-1]))
    return make_resource(
        ENVIRONMENT, arn, name, account=account, region=region, attributes=attributes, links=links
    )
