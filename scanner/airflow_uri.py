"""Airflow connection URIs and JSON values, parsed exactly as Airflow's workers parse them.

Mirrors ``airflow.sdk.Connection.from_uri`` / ``from_json`` (apache-airflow 3.x), which is the code a
task's hook goes through when it reads ``AIRFLOW_CONN_<ID>``. Notably, query parameters become extras
*as strings* (``?iam=false`` gives the string ``"false"``, which hooks treat as true); the scheduler-side
``airflow.models.Connection`` JSON-decodes them instead. ``tests/test_airflow_uri.py``
proves agreement on a corpus of tricky URIs wherever apache-airflow is installed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

EXTRA_KEY = "__extra__"
# An extra nesting deeper than this is not read (deeper values overflow the recursion of what handles them);
# Airflow would read it, so its connection gets an error notice: the scan is partial.
MAX_EXTRA_DEPTH = 100
EXTRA_TOO_DEEP = f"the extra nests deeper than {MAX_EXTRA_DEPTH} levels; it was not read"


class ConnectionValueError(ValueError):
    """The value is not a connection Airflow can read. The message never contains the value."""


class ParsedConnection:
    """A connection's fields as Airflow reads them from a URI or JSON value (the extra kept as its raw string).
    (A plain class: every scan of config files imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("conn_type", "description", "extra", "host", "login", "password", "port", "port_error",
                 "raw_fields", "schema")

    def __init__(self, conn_type: str | None = None, host: str | None = None, schema: str | None = None,
                 login: str | None = None, password: str | None = None, port: int | None = None,
                 extra: str | None = None, description: str | None = None,
                 raw_fields: dict[str, Any] | None = None, port_error: str | None = None) -> None:
        self.conn_type = conn_type
        self.host = host
        self.schema = schema
        self.login = login
        self.password = password
        self.port = port
        self.extra = extra  # the raw extra string, as Airflow stores it
        self.description = description
        self.raw_fields: dict[str, Any] = {} if raw_fields is None else raw_fields
        self.port_error = port_error  # a number given as the port that cannot be one (inf, NaN, too long)

    def extra_dejson(self) -> tuple[dict[str, Any], str | None]:
        """The extra as hooks see it (``Connection.extra_dejson``) and an error, if it is not JSON."""
        if not self.extra:
            return {}, None
        try:
            value = json.loads(self.extra)
        except (TypeError, ValueError, RecursionError):  # RecursionError: nested past Python's limit
            return {}, "the extra is not valid JSON; hooks will see no extras"
        if not isinstance(value, dict):
            return {}, "the extra is JSON but not an object; hooks will see no extras"
        if _deeper_than(value, MAX_EXTRA_DEPTH):
            return {}, EXTRA_TOO_DEEP
        return value, None


def normalize_conn_type(conn_type: str) -> str:
    if conn_type == "postgresql":
        return "postgres"
    if "-" in conn_type:
        return conn_type.replace("-", "_")
    return conn_type


def _netloc_hostname(parts: Any) -> str:
    hostname = unquote(parts.hostname or "")
    if "/" in hostname:
        hostname = parts.netloc
        if "@" in hostname:
            hostname = hostname.rsplit("@", 1)[1]
        if ":" in hostname:
            hostname = hostname.split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname


def parse_uri(uri: str) -> ParsedConnection:
    """Parse a connection URI the way ``airflow.sdk.Connection.from_uri`` does."""
    schemes = uri.count("://")
    if schemes > 2:
        raise ConnectionValueError("invalid connection URI: more than two scheme separators")
    host_with_protocol = schemes == 2
    try:
        parts = urlsplit(uri)
        conn_type = parts.scheme
        rest = uri.replace(f"{conn_type}://", "" if host_with_protocol else "//")
        if host_with_protocol:
            first = rest.split("://", 1)[0]
            if "@" in first or ":" in first:
                raise ConnectionValueError("invalid connection URI: credentials before the host protocol")
        parts = urlsplit(rest)
        protocol = parts.scheme if host_with_protocol else None
        host = _netloc_hostname(parts)
        if host and protocol:
            host = f"{protocol}://{host}"
        quoted_schema = parts.path[1:]
        schema = unquote(quoted_schema) if quoted_schema else quoted_schema
        login = unquote(parts.username) if parts.username else parts.username
        password = unquote(parts.password) if parts.password else parts.password
        port = parts.port
    except ConnectionValueError:
        raise
    except ValueError as exc:
        reason = "port is not a number between 0 and 65535" if "port" in str(exc).lower() else "malformed URI"
        raise ConnectionValueError(f"invalid connection URI: {reason}") from None
    extra = None
    if parts.query:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        extra = query[EXTRA_KEY] if EXTRA_KEY in query else json.dumps(query)
    return ParsedConnection(
        conn_type=normalize_conn_type(conn_type), host=host, schema=schema, login=login,
        password=password, port=port, extra=extra,
    )


def parse_fields(data: dict[str, Any], *, strict_port: bool = True) -> ParsedConnection:
    """A connection from its fields, as ``Connection.from_json`` reads them: `extra` as a JSON string or
    an object, `conn_type` normalised, `port` an integer (a bad port raises, or is dropped when
    `strict_port` is false: a scanner still wants the rest of the connection)."""
    kwargs = dict(data)
    extra = kwargs.pop("extra", None)
    extra_text = None
    if extra:
        extra_text = extra if isinstance(extra, str) else json.dumps(extra)
    conn_type = kwargs.pop("conn_type", None)
    port = kwargs.pop("port", None)
    port_value = None
    port_error = None
    if port:
        try:  # OverflowError: int(inf); ValueError: NaN, text, or digits past Python's int conversion limit
            port_value = int(port)
        except (TypeError, ValueError, OverflowError):
            if strict_port:
                raise ConnectionValueError("invalid connection JSON: port is not an integer") from None
            if _is_number(port):
                port_error = "port is not an integer Airflow can read (infinite, NaN, too long)"
    return ParsedConnection(
        conn_type=normalize_conn_type(str(conn_type)) if conn_type else None,
        host=_text(kwargs.get("host")), schema=_text(kwargs.get("schema")),
        login=_text(kwargs.get("login")), password=_text(kwargs.get("password")),
        port=port_value, extra=extra_text, description=_text(kwargs.get("description")),
        raw_fields=kwargs, port_error=port_error,
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON data nests more than `limit` containers deep (measured without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _is_number(value: Any) -> bool:
    """A number, or text that reads as one (``"1e400"``, ``"nan"``, many digits); not a reference or word."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def parse_json_value(data: dict[str, Any]) -> ParsedConnection:
    """A connection from its JSON form (already decoded), as ``Connection.from_json`` reads it."""
    return parse_fields(data)


def parse_value(value: str) -> ParsedConnection:
    """An ``AIRFLOW_CONN_*`` value: JSON when it starts with ``{`` (after stripping), else a URI."""
    text = value.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested past Python's limit
            raise ConnectionValueError("invalid connection JSON") from None
        if not isinstance(data, dict):
            raise ConnectionValueError("invalid connection JSON: not an object")
        return parse_json_value(data)
    return parse_uri(text)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
