"""Build `airflow.config` resources from settings read in airflow.cfg, env vars or Helm values."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from scanner import secrets
from scanner.airflow_uri import ConnectionValueError, parse_uri
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource, Source

CONFIG = "airflow.config"
ENV_PREFIX = "AIRFLOW__"

# Settings whose value is a URL that may carry a password.
URL_SETTINGS = {
    ("database", "sql_alchemy_conn"), ("core", "sql_alchemy_conn"), ("celery", "result_backend"),
    ("celery", "broker_url"), ("celery", "celery_result_backend"), ("redis", "url"),
}
# Settings whose value is itself a secret.
SECRET_SETTINGS = {
    ("core", "fernet_key"), ("webserver", "secret_key"), ("api", "secret_key"), ("api_auth", "jwt_secret"),
    ("smtp", "smtp_password"), ("ldap", "bind_password"), ("elasticsearch", "password"),
}
# Settings whose value is JSON that may hold secret fields.
JSON_SECRET_SETTINGS = {("secrets", "backend_kwargs"), ("workers", "secrets_backend_kwargs"),
                        ("elasticsearch_configs", "http_auth")}


def env_setting(name: str) -> tuple[str, str] | None:
    """``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` -> ``("database", "sql_alchemy_conn")``."""
    if not name.startswith(ENV_PREFIX):
        return None
    rest = name[len(ENV_PREFIX):]
    if "__" not in rest:
        return None
    section, key = rest.split("__", 1)
    if not section or not key:
        return None
    return section.lower(), key.lower()


@dataclass
class Setting:
    section: str
    key: str
    value: Any
    location: FileLocation


@dataclass
class ConfigBlock:
    """Settings read from one place (one airflow.cfg, one env block, one Helm `config:`)."""

    origin: str
    location: FileLocation
    name: str
    settings: list[Setting] = field(default_factory=list)

    def add(self, section: str, key: str, value: Any, location: FileLocation) -> None:
        self.settings.append(Setting(section.lower(), key.lower(), value, location))


def _url_has_literal_password(value: str) -> tuple[bool, str | None]:
    try:
        password = parse_uri(value.strip()).password
    except ConnectionValueError:
        found = secrets.uri_passwords(value)
        password = found[0] if found else None
    return (password is not None and secrets.classify(password) == secrets.LITERAL), password


def build_config(ctx: ScanContext, block: ConfigBlock) -> Resource | None:
    if not block.settings:
        return None
    settings: dict[str, dict[str, Any]] = {}
    credentials: list[str] = []
    locations: dict[str, FileLocation] = {}
    for setting in block.settings:
        section, key, value = setting.section, setting.key, setting.value
        where = (setting.location.path, setting.location.start_line)
        stored: Any = value
        name = f"{section}.{key}"
        base_key = re.sub(r"_(cmd|secret)$", "", key)
        is_indirect = base_key != key  # *_cmd / *_secret read the value from elsewhere
        if isinstance(value, str) and not is_indirect:
            if (section, key) in URL_SETTINGS or key in {"sql_alchemy_conn", "result_backend", "broker_url"}:
                literal, password = _url_has_literal_password(value)
                if password:
                    ctx.secret(password, *where)
                if literal:
                    credentials.append(name)
                stored = ctx.redactor.scrub(value) if password else value
            elif (section, key) in SECRET_SETTINGS or secrets.is_secret_key(key):
                ctx.secret(value, *where)
                if secrets.classify(value) == secrets.LITERAL:
                    credentials.append(name)
                stored = secrets.marker(value)
            elif (section, key) in JSON_SECRET_SETTINGS or key.endswith("_kwargs"):
                stored, found = _json_secrets(ctx, value, where)
                if found:
                    credentials.append(name)
        settings.setdefault(section, {})[key] = stored
        locations[f"settings.{section}.{key}"] = setting.location
    attributes: dict[str, Any] = {
        "origin": block.origin,
        "settings": settings,
        "credentials": sorted(set(credentials)),
        "secrets_backend": settings.get("secrets", {}).get("backend") or None,
    }
    return Resource(
        id=f"{CONFIG}:{block.location.path}:{block.name}",
        type=CONFIG,
        name=block.name,
        attributes=attributes,
        source=Source(file=block.location),
        locations=locations,
    )


def _json_secrets(ctx: ScanContext, value: str, where: tuple[str, int]) -> tuple[Any, bool]:
    """Secret fields inside a JSON setting such as ``[secrets] backend_kwargs``."""
    try:
        data = json.loads(value)
    except ValueError:
        return value, False
    return secrets.redact_tree(data, lambda secret: ctx.secret(secret, *where))
