"""Credentials written in configuration outside a connection or an Airflow setting.

Plain environment variables (`.env`, shell exports, compose `environment:`, Kubernetes and Helm `env:`,
Dockerfile `ENV`/`ARG`), Airflow Variables (`AIRFLOW_VAR_*`, `airflow variables export`, `variables:` of
`airflow_settings.yaml` and of the community chart, `airflow variables set`) and URLs that carry a
password (a package index, a git remote). Each is judged by the token's shape first (AWS key ids, Slack
webhooks, private keys, URLs with a password), then by its name (`*_PASSWORD`, `*_TOKEN`, `*_API_KEY`, ...)
with precision filters on the value (references, placeholders, paths, booleans, identifiers).

What is found becomes a `code.credential` resource, the type the code rules read: AG301 for AWS keys, AG303
for a database password handed to a client through the environment (`PGPASSWORD`, `MYSQL_PWD`), AG302 for
every other secret. Its value is registered with the scan's redactor and replaced by a marker.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import unquote, urlsplit

from scanner import secrets
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource, Source
from scanner.secret_shapes import detect, name_words  # one splitter of names into words, shared

CREDENTIAL = "code.credential"
AWS_KEY_ID = "aws-access-key-id"
AWS_SECRET = "aws-secret-access-key"
SHELL_PASSWORD = "shell-password"
SECRET = "hardcoded-secret"

# Environment variables a database client reads its password from (libpq, the mysql client).
CLIENT_PASSWORD_VARS = frozenset({"PGPASSWORD", "PGPASS", "MYSQL_PWD"})
# Name words that make a literal value a secret on their own.
_STRONG_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token",
                           "credential", "credentials", "apikey", "privatekey"})
_STRONG_PAIRS = (("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"), ("client", "secret"),
                 ("signing", "key"), ("auth", "token"), ("encryption", "key"), ("master", "key"))
# A name ending in one of these words holds something about a secret, not the secret (`*_SECRET_NAME`).
_NOT_SECRET_LAST = frozenset({
    "id", "ids", "name", "names", "arn", "path", "paths", "file", "files", "dir", "folder", "url", "uri",
    "urls", "host", "hostname", "port", "user", "username", "login", "email", "prefix", "suffix", "env",
    "var", "field", "fields", "header", "type", "len", "length", "ttl", "seconds", "minutes", "hours", "days",
    "timeout", "enabled", "enable", "disabled", "disable", "region", "bucket", "cmd", "command", "mode",
    "version", "policy", "rotation", "expiry", "expires", "expiration", "format", "algorithm", "size",
    "count", "backend", "class", "kind", "scope", "scopes", "location", "endpoint", "ref", "source",
    "store", "provider", "template", "pattern", "lookup", "required", "rotate", "flag", "key_id"})
_BOOL_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "enabled", "disabled"})
# Stand-ins people write where a secret goes (`.env.example`), beyond `secrets.classify`'s placeholders.
_PLACEHOLDER_WORDS = frozenset({"changeme", "change-me", "change_me", "replace-me", "replace_me", "replaceme",
                                "placeholder", "secret", "password", "token", "example", "dummy", "test",
                                "todo", "tbd", "xxx", "notset", "not-set", "unset"})
_PLACEHOLDER_PREFIXES = ("your-", "your_", "<", "replace-with", "replace_with", "insert-", "insert_",
                         "enter-", "enter_", "put-", "put_", "change-me", "changeme")
_SLACK_WEBHOOK_PREFIXES = ("https://hooks.slack.com/services/", "https://hooks.slack.com/workflows/")
# Token prefixes of well-known services (shape is enough: no name needed).
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxs-",
                   "sk_live_", "rk_live_", "npm_", "pypi-AgE")
# Schemes of URLs whose password is a secret of its own (an index, a remote); a database or sftp URL with a
# password is a connection (a DSN) and is read as one.
_URL_SECRET_SCHEMES = frozenset({"http", "https", "git", "git+https", "git+http", "git+ssh", "ssh", "svn",
                                 "hg+https", "bzr+https"})


_KEY_ID_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA")
_HEX = frozenset("0123456789abcdefABCDEF")


def is_aws_key_id(value: str) -> bool:
    """The whole value is an AWS access key id (`AKIA` + 16 upper-case letters and digits). str methods
    only: this module is on the hook path, where the DAG-code analyzer is not imported."""
    text = value.strip()
    return len(text) == 20 and text.startswith(_KEY_ID_PREFIXES) and text.isascii() and text.isalnum() and \
        text == text.upper()


def looks_like_identifier(value: str) -> bool:
    """A UUID or a hex digest: an id, not a key."""
    text = value.strip()
    if len(text) == 36 and [len(part) for part in text.split("-")] == [8, 4, 4, 4, 12]:
        return set(text.replace("-", "")) <= _HEX
    return len(text) >= 32 and set(text) <= _HEX


def _shape_library(value: str) -> str | None:
    """The kind of token the shared detector (`scanner.secret_shapes.detect`) recognises."""
    try:
        kind = detect(value)
    except Exception:  # noqa: BLE001 - a detector problem must never cost a file
        return None
    return kind if isinstance(kind, str) and kind else None


def url_password(value: str) -> str | None:
    """The literal password in a `scheme://user:password@host` URL that is a whole value (a package
    index, a git remote), or None. Database URLs are connections and are read as such elsewhere."""
    text = value.strip()
    if "://" not in text or "@" not in text or any(c.isspace() for c in text):
        return None
    scheme = text.split("://", 1)[0].lower()
    if scheme not in _URL_SECRET_SCHEMES:
        return None
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return None
    if not password:
        return None
    password = unquote(password)
    return password if secrets.classify(password) == secrets.LITERAL and not is_placeholder(password) else None


def urls_with_password(text: str) -> list[tuple[int, str, str]]:
    """(offset, URL, password) of every URL with a literal password in free text (a requirements line,
    a shell command); found with str methods: each `://` is looked at once."""
    found: list[tuple[int, str, str]] = []
    position = 0
    stops = " \t\r\n'\"`<>()[]{},;|&"
    while (mark := text.find("://", position)) >= 0:
        start = mark
        while start > 0 and text[start - 1] not in stops and mark - start < 32:
            start -= 1
        end = mark + 3
        while end < len(text) and text[end] not in stops:
            end += 1
        candidate = text[start:end]
        password = url_password(candidate)
        if password is not None:
            found.append((start, candidate, password))
        position = max(mark + 3, end)
    return found


def token_shape(value: str) -> str | None:
    """What kind of secret a value is by its shape alone, or None."""
    text = value.strip()
    if not text:
        return None
    kind = _shape_library(text)
    if kind is not None:
        return kind
    if is_aws_key_id(text):
        return AWS_KEY_ID
    if text.startswith(_SLACK_WEBHOOK_PREFIXES) and len(text) > 45:
        return "slack-webhook"
    if "-----BEGIN" in text and "PRIVATE KEY" in text:
        return "private-key"
    if text.startswith(_TOKEN_PREFIXES) and len(text) >= 20 and not any(c.isspace() for c in text):
        return "service-token"
    if url_password(text) is not None:
        return "url-password"
    return None


def name_strength(name: str) -> str | None:
    """'strong' when a literal value under this name is a secret (`*_PASSWORD`, `*_TOKEN`, `*_API_KEY`),
    'weak' when it is one only if the value looks like a key (`*_WRITE_KEY`, `*_ROUTING_KEY`), else None."""
    words = name_words(name)
    if not words:
        return None
    last = words[-1]
    if last in _NOT_SECRET_LAST or (len(words) >= 2 and f"{words[-2]}_{last}" in _NOT_SECRET_LAST):
        return None
    if any(word in _STRONG_WORDS for word in words):
        return "strong"
    pairs = set(itertools.pairwise(words))
    if any(pair in pairs for pair in _STRONG_PAIRS):
        return "strong"
    if last == "key":
        return "weak"
    return None


def is_placeholder(value: str) -> bool:
    text = value.strip().lower()
    if secrets.classify(value) != secrets.LITERAL:
        return True
    return text in _PLACEHOLDER_WORDS or text.startswith(_PLACEHOLDER_PREFIXES) or \
        (text.startswith("<") and text.endswith(">"))


def is_reference(value: str) -> bool:
    """A value filled in elsewhere: `${VAR}`, `$VAR`, `$(command)`, a backtick command, a template."""
    text = value.strip()
    return secrets.classify(text) == secrets.REFERENCE or "${" in text or "$(" in text or "`" in text or \
        text.startswith("$") or ("{{" in text and "}}" in text)


def _path_like(text: str) -> bool:
    if text.startswith(("/", "./", "../", "~/", "file:", "s3://", "gs://", "arn:")):
        return True
    lowered = text.lower()
    if lowered.endswith((".pem", ".key", ".crt", ".cert", ".p12", ".pfx", ".jks", ".json", ".yaml", ".yml",
                         ".txt", ".conf", ".ini")):
        return True
    # `finance/ledger/db`: lower-case words with slashes, a secret's name in a store
    return "/" in text and all(c.islower() or c.isdigit() or c in "/_-." for c in text)


def secret_by_name(name: str, value: Any) -> bool:
    """Whether a literal `value` under `name` is a secret (the name says so and the value fits)."""
    if not isinstance(value, str):
        return False
    strength = name_strength(name)
    if strength is None:
        return False
    text = value.strip()
    if not text or is_reference(text) or is_placeholder(text) or text.lower() in _BOOL_WORDS:
        return False
    if any(c.isspace() for c in text) or "://" in text or _path_like(text):
        return False
    if text.isdigit() and len(text) < 6:
        return False
    if strength == "strong":
        return len(text) >= 4
    return len(text) >= 16 and any(c.isdigit() for c in text) and any(c.isalpha() for c in text) and \
        not looks_like_identifier(text)


def judge(name: str, value: Any) -> tuple[str, str] | None:
    """(credential kind, the secret to register) of a plain `name=value` (env var, variable), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or is_reference(text):
        return None
    shape = token_shape(text)
    if shape in (AWS_KEY_ID, "aws_access_key_id", "aws-access-key"):
        return AWS_KEY_ID, text
    words = name_words(name)
    if "aws" in words and "secret" in words and _aws_secret_like(text):
        return AWS_SECRET, text
    if shape == "url-password":  # an index or git URL, or a database URL in a plain variable (`DATABASE_URL`)
        password = url_password(text)
        if password is None:
            found = secrets.uri_passwords(text)
            password = found[0] if found and not is_placeholder(found[0]) and not is_reference(found[0]) else None
        return (SECRET, password) if password else None
    if shape is not None and not is_placeholder(text):
        return SECRET, text
    if name.upper() in CLIENT_PASSWORD_VARS and not is_placeholder(text):
        return SHELL_PASSWORD, text
    if secret_by_name(name, text):
        return SECRET, text
    return None


def _aws_secret_like(text: str) -> bool:
    """A secret access key: 40 base64 characters (some leeway: keys are cut and pasted), mixed case."""
    if not 30 <= len(text) <= 60 or not all(c.isalnum() or c in "/+=" for c in text):
        return False
    return any(c.islower() for c in text) and any(c.isupper() for c in text) and any(c.isdigit() for c in text)


def resource(ctx: ScanContext, kind: str, value: str, location: FileLocation, via: str,
             register_line: int | None = None) -> Resource:
    """A `code.credential` for `value` found at `location`; the value is registered with the redactor
    (at `register_line`, by default the location's line: where it is written)."""
    line = location.start_line if register_line is None else register_line
    ctx.secret(value, location.path, line)
    return Resource(
        id=f"{CREDENTIAL}:{location.path}:{location.start_line}:{location.start_column}:{kind}",
        type=CREDENTIAL, name=via,
        attributes={"kind": kind, "via": via, "value": secrets.marker(value)},
        source=Source(file=location), locations={"value": location},
    )


def dedupe(resources: list[Resource]) -> list[Resource]:
    """One credential per (file, line, kind): the same value read twice (an alias, a merge) counts once."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for item in resources:
        if item.type == CREDENTIAL and item.source.file is not None:
            key = (item.source.file.path, item.source.file.start_line, item.attributes.get("kind"))
            if key in seen:
                continue
            seen.add(key)
        kept.append(item)
    return kept


def connection_login_key(ctx: ScanContext, connection: Resource,
                         locator: Any = None) -> list[Resource]:
    """An AWS access key id used as the login of a connection that is not an `aws` one (the SES SMTP user
    of an `email` connection): AG301 at the login, the login redacted in the connection."""
    attributes = connection.attributes
    login = attributes.get("login")
    if not isinstance(login, str) or attributes.get("conn_type") in ("aws", "amazon_web_services"):
        return []
    if not is_aws_key_id(login):
        return []
    attributes["login"] = secrets.marker(login)
    where = connection.locations.get("login")
    if where is None and locator is not None:
        where = locator([login])
    if where is None:
        where = connection.source.file
    if where is None:
        return []
    return [resource(ctx, AWS_KEY_ID, login, where, f"login of connection '{connection.name}'")]
