"""Build `airflow.connection` resources from parsed connection values, with secrets redacted."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

from scanner import secrets
from scanner.airflow_uri import EXTRA_TOO_DEEP, ConnectionValueError, ParsedConnection, parse_value
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource, Source

CONNECTION = "airflow.connection"
ENV_PREFIX = "AIRFLOW_CONN_"

_RDS_HOST = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?P<name>[a-z0-9][a-z0-9-]*)"
    r"(?P<proxy_endpoint>\.endpoint)?"
    r"\.(?P<kind>cluster-ro-|cluster-custom-|cluster-|proxy-|)(?P<suffix>[a-z0-9]+)"
    r"\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.rds\.amazonaws\.com(?:\.cn)?\.?$"
)
_ENDPOINT_KINDS = {"cluster-": "cluster", "cluster-ro-": "reader", "cluster-custom-": "custom",
                   "proxy-": "proxy", "": "instance"}

# The fields a connection value can have, and what locates each in its source.
FIELD_NAMES = ("conn_type", "host", "port", "schema", "login", "password", "extra", "description")

Locator = Callable[[list[str]], FileLocation | None]


def host_info(host: str | None) -> dict[str, Any] | None:
    """What an RDS/Aurora host name says about the endpoint behind it."""
    if not host or not isinstance(host, str):
        return None
    match = _RDS_HOST.match(host.strip().lower())
    if not match:
        if host.strip().lower().rstrip(".").endswith((".rds.amazonaws.com", ".rds.amazonaws.com.cn")):
            return {"provider": "aws", "service": "rds", "endpoint_type": "unknown"}
        return None
    kind = _ENDPOINT_KINDS[match.group("kind")]
    if match.group("proxy_endpoint") and kind == "proxy":
        kind = "proxy-endpoint"
    return {
        "provider": "aws",
        "service": "rds",
        "endpoint_type": kind,
        "identifier": match.group("name"),
        "region": match.group("region"),
        "hostname": host.strip().lower().split("://")[-1].rstrip("."),
    }


def hook_truthy(value: Any) -> bool:
    """How `if conn.extra_dejson.get(key, False):` in a hook reads a value."""
    return bool(value)


def build_connection(
    ctx: ScanContext,
    conn_id: str,
    parsed: ParsedConnection,
    *,
    origin: str,
    definition: str,
    location: FileLocation,
    locator: Locator | None = None,
    env_var: str | None = None,
    extra_attributes: dict[str, Any] | None = None,
    field_locations: dict[str, FileLocation] | None = None,
) -> Resource:
    """One `airflow.connection` resource; secret values are registered and replaced by markers.

    `locator` finds a field's text inside the definition; `field_locations` are exact places a
    collector already knows (a YAML node, a Python argument) and win over what the locator finds.
    """
    where = (location.path, location.start_line)
    if parsed.port_error:  # the rest of the connection is read; its port could not be (so the scan is partial)
        ctx.notice("parse-error", f"connection '{conn_id}': invalid connection: {parsed.port_error}",
                   location.path, location.start_line)
    extra, extra_error = parsed.extra_dejson()
    if extra_error == EXTRA_TOO_DEEP:
        ctx.notice("parse-error", f"connection '{conn_id}': {extra_error}", location.path, location.start_line)
    attributes: dict[str, Any] = {
        "conn_id": conn_id,
        "conn_type": parsed.conn_type,
        "host": parsed.host,
        "port": parsed.port,
        "schema": parsed.schema,
        "origin": origin,
        "definition": definition,
    }
    if env_var:
        attributes["env_var"] = env_var
    is_aws = parsed.conn_type in {"aws", "amazon_web_services"}
    if is_aws and parsed.login:
        ctx.secret(parsed.login, *where)
        attributes["login"] = secrets.marker(parsed.login)
    else:
        attributes["login"] = parsed.login
    if parsed.password is not None and parsed.password != "":
        ctx.secret(parsed.password, *where)
        attributes["password"] = secrets.marker(parsed.password)
    else:
        attributes["password"] = None
    attributes["extra"], _ = secrets.redact_tree(extra, lambda value: ctx.secret(value, *where))
    if extra_error:
        attributes["extra_error"] = extra_error
    if "iam" in extra:
        attributes["iam_enabled"] = hook_truthy(extra["iam"])
        attributes["iam_value_type"] = type(extra["iam"]).__name__
    else:
        attributes["iam_enabled"] = False
    info = host_info(parsed.host)
    if info:
        attributes["host_info"] = info
    if parsed.description:
        attributes["description"] = parsed.description
    unknown = sorted(k for k in parsed.raw_fields if k not in FIELD_NAMES and k != "conn_id")
    if unknown:
        attributes["unknown_fields"] = unknown
    if extra_attributes:
        attributes.update(extra_attributes)

    locations: dict[str, FileLocation] = {"definition": location}
    if locator is not None:
        if parsed.password:
            found = locator(_needles(parsed.password))
            if found:
                locations["password"] = found
        if is_aws and parsed.login:
            found = locator(_needles(parsed.login))
            if found:
                locations["login"] = found
        for key in extra:
            found = locator([f'"{key}"', f'\\"{key}\\"', f"'{key}'", f"{key}=", f"{key}:", f"{quote_plus(key)}="])
            if found:
                locations[f"extra.{key}"] = found
        if parsed.host:
            found = locator(_needles(parsed.host))
            if found:
                locations["host"] = found
    locations.update(field_locations or {})
    attributes["secret_fields"], attributes["key_fields"] = _literal_fields(attributes, extra, locations, is_aws)
    resource_id = f"{CONNECTION}:{location.path}:{conn_id}"
    return Resource(
        id=resource_id,
        type=CONNECTION,
        name=conn_id,
        attributes=attributes,
        source=Source(file=location),
        locations=locations,
    )


# Extra keys whose literal value is a credential although `secrets.is_secret_key` does not say so by name.
_CREDENTIAL_EXTRAS = frozenset({"authorization", "auth_header", "bearer", "passphrase", "proxy_password",
                                "keyfile_dict", "service_key"})


def _extra_credentials(extra: dict[str, Any], prefix: str = "extra", depth: int = 0) -> list[str]:
    """Attribute paths (`extra.Authorization`, `extra.headers.Authorization`) of literal credentials in an
    extra: a secret-named key (`api_key`, `token`, `client_secret`) or an authorization header."""
    found: list[str] = []
    for key, value in extra.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict) and depth < 4:
            found += _extra_credentials(value, path, depth + 1)
            continue
        if not isinstance(value, str) or secrets.classify(value) != secrets.LITERAL:
            continue
        name = str(key).strip().lower().replace("-", "_")
        if secrets.is_secret_key(str(key)) or name in _CREDENTIAL_EXTRAS:
            found.append(path)
    return found


def _literal_fields(attributes: dict[str, Any], extra: dict[str, Any], locations: dict[str, FileLocation],
                    is_aws: bool) -> tuple[list[str], list[str]]:
    """The fields holding a literal secret, one per line they are written on (a one-line URI is one place):
    `secret_fields` for AG101 (password, credentials in the extra), `key_fields` for AG104 (an aws
    connection's key id and secret, as login/password or in the extra)."""

    def literal(path: str) -> bool:
        value: Any = attributes
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return isinstance(value, dict) and value.get("redacted") is True and value.get("kind") == secrets.LITERAL

    def one_per_line(paths: list[str]) -> list[str]:
        kept, lines = [], set()
        for path in paths:
            where = locations.get(path) or locations.get("definition")
            line = (where.path, where.start_line) if where is not None else None
            if line not in lines:
                lines.add(line)
                kept.append(path)
        return kept

    if is_aws:
        keys = [path for path in ("password", "extra.aws_secret_access_key", "login", "extra.aws_access_key_id")
                if literal(path)]
        return [], one_per_line(keys)
    fields = (["password"] if literal("password") else []) + \
        [path for path in _extra_credentials(extra) if literal(path)]
    return one_per_line(fields), []


def _needles(value: str) -> list[str]:
    return [value, quote(value, safe=""), quote_plus(value), quote(value)]


def connection_from_value(
    ctx: ScanContext,
    conn_id: str,
    value: str,
    *,
    origin: str,
    location: FileLocation,
    locator: Locator | None = None,
    env_var: str | None = None,
) -> Resource | None:
    """A connection from an ``AIRFLOW_CONN_*``-style value (URI or JSON); a notice if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parse_value(value)
    except ConnectionValueError as exc:
        # A value Airflow cannot read may still hold a password: remember it for redaction.
        for password in secrets.uri_passwords(value):
            ctx.secret(password, location.path, location.start_line)
        # an error, not a warning: what Airflow cannot read could still hold findings (the scan is partial)
        ctx.notice("parse-error", f"connection '{conn_id}': {exc}", location.path, location.start_line)
        return None
    definition = "json" if value.strip().startswith("{") else "uri"
    return build_connection(ctx, conn_id, parsed, origin=origin, definition=definition, location=location,
                            locator=locator, env_var=env_var)


# Database connection URIs inside free text (code strings, lines of files that do not parse), matched in time
# linear in the text. The suffix of an `aurora...` dialect (`aurora_postgresql`, `auroradataapi`) is bounded
# and taken atomically (a lookahead and its back-reference): `aurora[a-z_]*` read the rest of a long run of
# letters again from every "aurora" in it (quadratic). The pattern is matched case-sensitively on the text
# folded by `_FOLD`, character for character (every offset kept): ASCII capitals, and the four other letters
# re.IGNORECASE pairs with a-z. The same matches as with re.IGNORECASE, several times faster.
_FOLD = str.maketrans(string.ascii_uppercase + "\u0130\u0131\u017f\u212a", string.ascii_lowercase + "iisk")
_URI_IN_TEXT = re.compile(
    r"""(?P<uri>(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|redshift|aurora(?=(?P<suffix>[a-z_]{0,64}))(?P=suffix)"""
    r"""|mssql|oracle)(?:\+[a-z0-9_]+)?://[^\s'"`<>]+)"""
)


def uris_in_text(text: str, *, with_password_only: bool = False) -> list[tuple[int, str]]:
    """(offset, URI) of database URIs written in `text`, ``jdbc:`` removed, that carry credentials or
    point at RDS (only those with a password when `with_password_only`)."""
    found: list[tuple[int, str]] = []
    if "://" not in text:  # every match holds it
        return found
    for match in _URI_IN_TEXT.finditer(text.translate(_FOLD)):
        uri = text[match.start("uri"):match.end("uri")].rstrip(").,;]}")
        keep = secrets.uri_passwords(uri) if with_password_only else (
            "@" in uri or ".rds.amazonaws.com" in uri.lower())
        if keep:
            offset = match.start()
            if uri.lower().startswith("jdbc:"):
                uri, offset = uri[len("jdbc:"):], offset + len("jdbc:")
            found.append((offset, uri))
    return found


def conn_id_from_env(name: str) -> str | None:
    """``AIRFLOW_CONN_MY_DB`` -> ``my_db`` (Airflow looks up ``AIRFLOW_CONN_`` + conn_id.upper())."""
    if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX):
        return None
    return name[len(ENV_PREFIX):].lower()
