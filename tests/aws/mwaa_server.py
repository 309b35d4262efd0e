"""A tiny MWAA API on 127.0.0.1 (moto has no MWAA): REST-JSON as botocore's model describes it.

``GET /environments`` (pages of two names, ``NextToken``) and ``GET /environments/{Name}``; an unknown
name is a 404 ``ResourceNotFoundException``, names in `denied` a 403 ``AccessDeniedException``.
"""

from __future__ import annotations

import json
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.local_aws import LoopbackService

PAGE_SIZE = 2


def environment(name: str, **overrides: Any) -> dict[str, Any]:
    """An environment as GetEnvironment returns it (timestamps are epoch seconds in REST-JSON)."""
    body: dict[str, Any] = {
        "Name": name,
        "Arn": f"arn:aws:airflow:eu-west-1:123456789012:environment/{name}",
        "Status": "AVAILABLE",
        "CreatedAt": 1767225600,
        "WebserverUrl": f"{name}.airflow.eu-west-1.on.aws",
        "ExecutionRoleArn": f"arn:aws:iam::123456789012:role/service-role/{name}-execution",
        "ServiceRoleArn": (
            "arn:aws:iam::123456789012:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"
        ),
        "AirflowVersion": "2.10.3",
        "SourceBucketArn": "arn:aws:s3:::dags-bucket",
        "DagS3Path": "dags",
        "AirflowConfigurationOptions": {
            "core.default_timezone": "utc",
            "secrets.backend": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
            "smtp.smtp_password": "hunter2-not-real",
        },
        "EnvironmentClass": "mw1.small",
        "MaxWorkers": 10,
        "MinWorkers": 1,
        "Schedulers": 2,
        "NetworkConfiguration": {"SubnetIds": ["subnet-b", "subnet-a"], "SecurityGroupIds": ["sg-1"]},
        "LoggingConfiguration": {
            "TaskLogs": {
                "Enabled": True,
                "LogLevel": "INFO",
                "CloudWatchLogGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:x",
            }
        },
        "WebserverAccessMode": "PRIVATE_ONLY",
        "EndpointManagement": "SERVICE",
        "Tags": {"team": "data"},
    }
    body.update(overrides)
    return body


class MwaaServer(LoopbackService):
    thread_name = "mwaa-api"

    def __init__(self, environments: list[dict[str, Any]], denied: tuple[str, ...] = ()) -> None:
        self.environments = {env["Name"]: env for env in environments}
        self.denied = set(denied)
        self.requests: Counter[str] = Counter()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        if segments == ["environments"]:
            self.requests["ListEnvironments"] += 1
            names = sorted(self.environments)
            start = int(parse_qs(parts.query).get("NextToken", ["0"])[0])
            body: dict[str, Any] = {"Environments": names[start : start + PAGE_SIZE]}
            if start + PAGE_SIZE < len(names):
                body["NextToken"] = str(start + PAGE_SIZE)
            self._send(handler, 200, body)
        elif len(segments) == 2 and segments[0] == "environments":
            self.requests["GetEnvironment"] += 1
            name = segments[1]
            if name in self.denied:
                self._send(
                    handler, 403, {"Message": f"not authorized to get {name}"}, "AccessDeniedException"
                )
            elif name not in self.environments:
                self._send(
                    handler, 404, {"Message": f"Environment {name} not found"}, "ResourceNotFoundException"
                )
            else:
                self._send(handler, 200, {"Environment": self.environments[name]})
        else:
            self._send(handler, 404, {"Message": "no such route"}, "ResourceNotFoundException")

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], error: str | None = None
    ) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if error:
            handler.send_header("x-amzn-ErrorType", error)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
