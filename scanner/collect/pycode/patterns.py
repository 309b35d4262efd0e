"""Text patterns for credentials inside strings: shell commands, SQL, AWS keys, URIs."""

from __future__ import annotations

import re

AWS_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
AWS_SECRET_CANDIDATE = re.compile(r"^[A-Za-z0-9/+=]{40}$")
# Shell: PGPASSWORD=..., MYSQL_PWD=..., mysql -pSECRET / --password=SECRET
SHELL_PASSWORDS = [
    re.compile(r"""\b(?:PGPASSWORD|MYSQL_PWD|PGPASS)=(?P<q>['"]?)(?P<v>[^\s'";&|]+)(?P=q)"""),
    re.compile(r"""\bmysql(?:dump|admin|import|sh)?\b[^\n;|&]*?\s-p(?P<q>['"]?)(?P<v>[^\s'"-][^\s'";&|]*)(?P=q)"""),
    re.compile(r"""\b(?:mysql(?:dump|admin|import|sh)?|psql|pg_dump|pg_restore)\b[^\n;|&]*?\s--password[= ](?P<q>['"]?)(?P<v>[^\s'";&|]+)(?P=q)"""),
]
SQL_PASSWORDS = [
    re.compile(r"""(?is)\b(?:CREATE|ALTER)\s+(?:USER|ROLE)\b[^;]*?\bPASSWORD\s+'(?P<v>[^']+)'"""),
    re.compile(r"""(?is)\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+'(?P<v>[^']+)'"""),
    re.compile(r"""(?is)\bSET\s+PASSWORD\b[^;]*?=\s*(?:PASSWORD\s*\(\s*)?'(?P<v>[^']+)'"""),
]
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{32,}$")
# Names of arguments and variables whose literal value is a credential.
SECRET_NAME = re.compile(r"(?i)(passw|secret|token|api_?key|access_?key|private_?key|credential)")
NOT_SECRET_NAME = re.compile(r"(?i)(_conn_id$|_id$|_arn$|_name$|_path$|_file$|_url$|_uri$|_prefix$|_env$|_var$|"
                             r"_field$|_header$|_type$|^token_?url$|_len(gth)?$|_ttl$|_seconds$|_key_?id$|_secret_?id$)")

# The byte-level pre-check: a file holding none of these (case-insensitive) tokens and no AWS key id
# cannot yield a finding. Every finding of the analyzer needs one of them in the file's bytes.
PRECHECK_TOKENS = (
    b"connect", b"create_engine", b"url.create", b"://", b"secret", b"passw", b"token", b"apikey", b"api_key",
    b"accesskey", b"access_key", b"privatekey", b"private_key", b"credential", b"assume_role", b"assumerole",
    b"durationseconds", b"environ", b"putenv", b"identified", b"mysql", b"pgpass",
)
PRECHECK_KEY_ID = re.compile(rb"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}")


def precheck(data: bytes) -> bool:
    lowered = data.lower()
    return any(token in lowered for token in PRECHECK_TOKENS) or PRECHECK_KEY_ID.search(data) is not None


def looks_like_aws_secret(value: str) -> bool:
    if not AWS_SECRET_CANDIDATE.match(value) or HEX_DIGEST.match(value):
        return False
    return any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value)


def looks_like_identifier(value: str) -> bool:
    """UUIDs and hex digests are ids, not keys."""
    return bool(UUID.match(value) or HEX_DIGEST.match(value))
