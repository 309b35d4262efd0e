"""Airflow Variables written in files: `AIRFLOW_VAR_*` env vars, `airflow variables export` JSON, the
`variables:` of Astronomer's `airflow_settings.yaml` and of the community chart, `airflow variables set`.

A Variable is not a connection, but teams store both connection strings and API secrets in them:
- a DSN with a literal password (`postgresql://app:pw@host/db`) is read as a connection named
  `variable:<key>`, so it gets AG101 (and AG102/AG103 when it reaches RDS without IAM / TLS);
- any other secret-valued Variable (by its key's name, or by the value's shape: a Slack webhook, a
  private key, an AWS key id) is a `code.credential` (AG302, AG301 for AWS keys).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner import secrets
from scanner.collect import credentials
from scanner.connections import connection_from_value, uris_in_text
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource

VAR_PREFIX = "AIRFLOW_VAR_"
Locator = Callable[[list[str]], FileLocation | None]


def key_from_env(name: str) -> str | None:
    """`AIRFLOW_VAR_ORDERS_DSN` -> `orders_dsn` (Airflow looks the key up upper-cased)."""
    if not name.startswith(VAR_PREFIX) or len(name) == len(VAR_PREFIX):
        return None
    return name[len(VAR_PREFIX):].lower()


def is_dsn(value: str) -> bool:
    """A database URI (postgres, mysql, redshift, ... as `connections.uris_in_text` knows them) with a
    literal password, and nothing else."""
    text = value.strip()
    if "://" not in text or not _dsn_password(text):
        return False
    found = uris_in_text(text, with_password_only=True)
    return len(found) == 1 and found[0][0] == 0 and found[0][1] == text


def _dsn_password(value: str) -> bool:
    """A connection URI (not a web or git URL) whose password is written in it."""
    text = value.strip()
    if "://" not in text or "@" not in text or any(c.isspace() for c in text):
        return False
    scheme = text.split("://", 1)[0].lower()
    if not scheme or not all(c.isalnum() or c in "+.-_" for c in scheme):
        return False
    if credentials.url_password(text) is not None:  # https://, git://: a URL secret, judged by `credentials`
        return False
    found = secrets.uri_passwords(text)
    return bool(found) and secrets.classify(found[0]) == secrets.LITERAL and not credentials.is_placeholder(found[0])


def variable(ctx: ScanContext, key: str, value: Any, location: FileLocation, *, origin: str,
             locator: Locator | None = None, via: str | None = None) -> list[Resource]:
    """What one Variable holds that is a finding: a DSN connection or a credential (or nothing)."""
    if isinstance(value, (dict, list)) or value is None:
        return []
    text = value if isinstance(value, str) else str(value)
    if _dsn_password(text):
        resource = connection_from_value(ctx, f"variable:{key}", text.strip(), origin=origin, location=location,
                                         locator=locator)
        if resource is not None:
            resource.attributes["variable"] = key
            return [resource]
        return []
    judged = credentials.judge(key, text)
    if judged is None:
        return []
    kind, secret = judged
    where = location
    if locator is not None:
        found = locator([secret])
        if found is not None:
            where = found
    return [credentials.resource(ctx, kind, secret, where, via or f"Airflow Variable {key}")]
