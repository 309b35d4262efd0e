"""Build `airflow.config` resources from settings read in airflow.cfg, env vars or Helm values."""

from __future__ import annotations

import json
import re
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
                        ("elasticsearch_configs", "http_auth"), ("openlineage", "transport")}
# `user:password[,user:password...]` (Celery Flower's basic auth).
BASIC_AUTH_SETTINGS = {("celery", "flower_basic_auth")}
# The metadata database: a connection to RDS in it is judged for TLS (AG103) like a connection.
METADATA_URL_SETTINGS = {("database", "sql_alchemy_conn"), ("core", "sql_alchemy_conn")}
METADATA_CONN_ID = "airflow-metadata-db"
# A stock boolean or path is never a credential, whatever its key says (`sasl_enabled`, `web_server_ssl_key`).
_NOT_CREDENTIAL_VALUES = {"true", "false", "yes", "no", "on", "off", "none", "enabled", "disabled"}
_FILE_SUFFIXES = (".pem", ".key", ".crt", ".cert", ".p12", ".pfx", ".jks", ".keytab", ".json")


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


# Plain classes, not dataclasses: every scan of config files imports this module, and a dataclass costs ~3M instructions to create.


class Setting:
    """One Airflow setting (section, key, value) and where it is written."""

    __slots__ = ("field_locations", "key", "location", "secret", "section", "value")

    def __init__(self, section: str, key: str, value: Any, location: FileLocation, secret: bool = False,
                 field_locations: dict[str, FileLocation] | None = None) -> None:
        self.section = section
        self.key = key
        self.value = value
        self.location = location
        self.secret = secret  # a credential whatever its name (a web UI user's password)
        # exact places of parts of the value (`extra.sslmode`, `host`), for a metadata database connection
        self.field_locations = field_locations


class ConfigBlock:
    """Settings read from one place (one airflow.cfg, one env block, one Helm `config:`)."""

    __slots__ = ("location", "name", "origin", "settings")

    def __init__(self, origin: str, location: FileLocation, name: str, settings: list[Setting] | None = None) -> None:
        self.origin = origin
        self.location = location
        self.name = name
        self.settings: list[Setting] = [] if settings is None else settings

    def add(self, section: str, key: str, value: Any, location: FileLocation, *, secret: bool = False,
            field_locations: dict[str, FileLocation] | None = None) -> None:
        self.settings.append(Setting(section.lower(), key.lower(), value, location, secret, field_locations))


def _url_has_literal_password(value: str) -> tuple[bool, str | None]:
    try:
        password = parse_uri(value.strip()).password
    except ConnectionValueError:
        found = secrets.uri_passwords(value)
        password = found[0] if found else None
    return (password is not None and secrets.classify(password) == secrets.LITERAL), password


def _is_credential_key(section: str, key: str) -> bool:
    """A setting whose literal value is a credential: a known one, or one named like a secret (SASL is an
    authentication layer, not a SAS token: `sasl_enabled`, `sasl_mechanism` are not secrets)."""
    return (section, key) in SECRET_SETTINGS or secrets.is_secret_key(key.replace("sasl", ""))


def _is_credential_value(section: str, key: str, value: str) -> bool:
    """A stock boolean, or a path to a key file (`web_server_ssl_key = /opt/airflow/certs/tls.key`), is not
    the credential itself."""
    text = value.strip()
    if text.lower() in _NOT_CREDENTIAL_VALUES:
        return False
    if (section, key) in SECRET_SETTINGS:
        return True
    return not (text.startswith(("/", "./", "~/", "file:")) or text.lower().endswith(_FILE_SUFFIXES))


def _basic_auth_passwords(value: str) -> list[str]:
    """The passwords of `user:password[,user:password]`."""
    found = []
    for pair in value.split(","):
        _user, sep, password = pair.strip().partition(":")
        if sep and password and secrets.classify(password) == secrets.LITERAL:
            found.append(password)
    return found


def build_config(ctx: ScanContext, block: ConfigBlock) -> Resource | None:
    """The `airflow.config` resource of a block (see `build_config_resources` for what else it yields)."""
    resources = build_config_resources(ctx, block)
    return next((r for r in resources if r.type == CONFIG), None)


def build_config_resources(ctx: ScanContext, block: ConfigBlock) -> list[Resource]:
    """The block's `airflow.config` resource, plus what its settings hold that other rules judge: an AWS
    access key id as a setting's value (the SES SMTP user: a `code.credential`, AG301) and the metadata
    database as a connection when it is on RDS (so TLS turned off to it is AG103; it is no connection of
    the DAGs, so it gets neither AG101 nor AG102: its password is AG202's)."""
    from scanner.collect import credentials as config_credentials

    extra_resources: list[Resource] = []
    if not block.settings:
        return extra_resources
    settings: dict[str, dict[str, Any]] = {}
    credentials: list[str] = []
    locations: dict[str, FileLocation] = {}
    for setting in block.settings:
        section, key, value = setting.section, setting.key, setting.value
        where = (setting.location.path, setting.location.start_line)
        stored: Any = value
        name = f"{section}.{key}"
        base_key = re.sub(r"_(cmd|secret)$", "", key)
        # *_cmd / *_secret read the value from elsewhere; `jwt_secret` is a setting of its own, not `jwt`'s
        is_indirect = base_key != key and (key.endswith("_cmd") or (section, key) not in SECRET_SETTINGS)
        if isinstance(value, str) and not is_indirect:
            if (section, key) in URL_SETTINGS or key in {"sql_alchemy_conn", "result_backend", "broker_url"}:
                literal, password = _url_has_literal_password(value)
                if password:
                    ctx.secret(password, *where)
                if literal:
                    credentials.append(name)
                stored = ctx.redactor.scrub(value) if password else value
                if (section, key) in METADATA_URL_SETTINGS:
                    extra_resources.extend(_metadata_connection(ctx, block, setting))
            elif patterns_key_id(value):
                extra_resources.append(config_credentials.resource(
                    ctx, config_credentials.AWS_KEY_ID, value.strip(), setting.location,
                    f"Airflow setting {name} ({block.origin})"))
                stored = secrets.marker(value)
            elif (section, key) in BASIC_AUTH_SETTINGS:
                passwords = _basic_auth_passwords(value)
                for password in passwords:
                    ctx.secret(password, *where)
                if passwords:
                    credentials.append(name)
                    stored = secrets.marker(value)
            elif setting.secret or (_is_credential_key(section, key) and _is_credential_value(section, key, value)):
                ctx.secret(value, *where)
                if secrets.classify(value) == secrets.LITERAL and \
                        not config_credentials.is_placeholder(value):
                    credentials.append(name)
                stored = secrets.marker(value)
            elif (section, key) in JSON_SECRET_SETTINGS or key.endswith("_kwargs"):
                stored, found = _json_secrets(ctx, value, where)
                if found:
                    credentials.append(name)
        if not setting.secret:  # a UI user's password is judged (AG202) but is no Airflow setting
            settings.setdefault(section, {})[key] = stored
        locations[f"settings.{section}.{key}"] = setting.location
    attributes: dict[str, Any] = {
        "origin": block.origin,
        "settings": settings,
        "credentials": sorted(set(credentials)),
        "secrets_backend": settings.get("secrets", {}).get("backend") or None,
    }
    config = Resource(
        id=f"{CONFIG}:{block.location.path}:{block.name}",
        type=CONFIG,
        name=block.name,
        attributes=attributes,
        source=Source(file=block.location),
        locations=locations,
    )
    return [config, *extra_resources]


def patterns_key_id(value: str) -> bool:
    """The whole value is an AWS access key id (`smtp_user = AKIA...`: SES SMTP credentials)."""
    from scanner.collect.credentials import is_aws_key_id

    return is_aws_key_id(value)


def _metadata_connection(ctx: ScanContext, block: ConfigBlock, setting: Setting) -> list[Resource]:
    """The metadata database as an `airflow.connection` (role `metadata`) when its host is RDS/Aurora."""
    from scanner.connections import build_connection, host_info

    try:
        parsed = parse_uri(str(setting.value).strip())
    except ConnectionValueError:
        return []
    if host_info(parsed.host) is None:
        return []
    scheme = (parsed.conn_type or "").split("+", 1)[0]
    parsed.conn_type = {"postgresql": "postgres", "mysql": "mysql"}.get(scheme, scheme) or parsed.conn_type
    name = f"{setting.section}.{setting.key}"
    field_locations = {"host": setting.location, **{f"extra.{key}": setting.location
                                                    for key in ("sslmode", "ssl_mode", "ssl_disabled")}}
    field_locations.update(setting.field_locations or {})
    connection = build_connection(ctx, METADATA_CONN_ID, parsed, origin=block.origin, definition="metadata",
                                  location=setting.location, field_locations=field_locations,
                                  extra_attributes={"role": "metadata", "setting": name})
    connection.attributes["password"] = None  # the metadata password is AG202's, not a connection's AG101
    connection.attributes["secret_fields"] = []
    connection.id = f"{connection.id}@{setting.location.start_line}"
    return [connection]


def _json_secrets(ctx: ScanContext, value: str, where: tuple[str, int]) -> tuple[Any, bool]:
    """Secret fields inside a JSON setting such as ``[secrets] backend_kwargs``."""
    try:
        data = json.loads(value)
    except ValueError:
        return value, False
    return secrets.redact_tree(data, lambda secret: ctx.secret(secret, *where))
