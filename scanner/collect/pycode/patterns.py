"""Text patterns for credentials inside strings: shell commands, SQL, AWS keys, URIs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import re2

from scanner import secret_shapes

AWS_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
AWS_SECRET_CANDIDATE = re.compile(r"^[A-Za-z0-9/+=]{40}$")


class GapPattern:
    """`LEAD[^STOP]*?TAIL` (a command or statement, anything up to a separator, then the password part),
    searched in time linear in the text. As one regex, every LEAD reads on to the next separator when no TAIL
    follows: `mysql mysql mysql ...` on one 200 KB line is quadratic. Here the first TAIL after a LEAD is
    found by one search, remembered for the LEADs after it (a TAIL does not depend on its LEAD), and a LEAD
    matches when that TAIL starts before the next separator (on it, for a TAIL such as `\\s-p` on a newline).
    `finditer`/`search` give the matches (re.Match of `pattern`) the single regex gives."""

    def __init__(self, lead: str, stop: str, tail: str, flags: int = 0) -> None:
        self.pattern = f"{lead}[^{stop}]*?{tail}"
        self.flags = flags
        self._full = re.compile(self.pattern, flags)
        self._lead = re.compile(lead, flags)
        self._stop = re.compile(f"[{stop}]", flags)
        self._tail = re.compile(tail, flags)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        position, size = 0, len(text)
        stop_from, stop = 0, -1  # text[stop_from:stop] holds no separator; stop is one (or the end)
        tail_from, tail = 0, -1  # text[tail_from:tail] holds no TAIL start; one starts at tail (size: none)
        while (lead := self._lead.search(text, position)) is not None:
            after = lead.end()
            if not stop_from <= after <= stop:
                found = self._stop.search(text, after)
                stop_from, stop = after, found.start() if found is not None else size
            if not tail_from <= after <= tail:
                found = self._tail.search(text, after)
                tail_from, tail = after, found.start() if found is not None else size
            if tail > stop or tail == size:
                if stop >= size or tail == size:
                    return  # no TAIL before the end, or none before the separator that ends the text
                position = stop  # no TAIL before the separator: no later LEAD before it has one
                continue
            match = self._full.match(text, lead.start())
            if match is None:  # pragma: no cover - the TAIL found above makes the whole pattern match
                position = after
                continue
            yield match
            position = max(match.end(), lead.start() + 1)

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


# Shell: PGPASSWORD=..., MYSQL_PWD=..., mysql -pSECRET / --password=SECRET
SHELL_PASSWORDS: list[re.Pattern[str] | GapPattern] = [
    re.compile(r"""\b(?:PGPASSWORD|MYSQL_PWD|PGPASS)=(?P<q>['"]?)(?P<v>[^\s'";&|]+)(?P=q)"""),
    # \bmysql(?:dump|admin|import|sh)?\b[^\n;|&]*?\s-p(?P<q>['"]?)(?P<v>[^\s'"-][^\s'";&|]*)(?P=q)
    GapPattern(r"\bmysql(?:dump|admin|import|sh)?\b", r"\n;|&",
               r"""\s-p(?P<q>['"]?)(?P<v>[^\s'"-][^\s'";&|]*)(?P=q)"""),
    # \b(?:mysql(?:dump|admin|import|sh)?|psql|pg_dump|pg_restore)\b[^\n;|&]*?\s--password[= ](?P<q>...)...
    GapPattern(r"\b(?:mysql(?:dump|admin|import|sh)?|psql|pg_dump|pg_restore)\b", r"\n;|&",
               r"""\s--password[= ](?P<q>['"]?)(?P<v>[^\s'";&|]+)(?P=q)"""),
]
SQL_PASSWORDS: list[re.Pattern[str] | GapPattern] = [
    # (?is)\b(?:CREATE|ALTER)\s+(?:USER|ROLE)\b[^;]*?\bPASSWORD\s+'(?P<v>[^']+)'
    GapPattern(r"\b(?:CREATE|ALTER)\s+(?:USER|ROLE)\b", ";", r"\bPASSWORD\s+'(?P<v>[^']+)'",
               re.IGNORECASE | re.DOTALL),
    re.compile(r"""(?is)\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+'(?P<v>[^']+)'"""),
    # (?is)\bSET\s+PASSWORD\b[^;]*?=\s*(?:PASSWORD\s*\(\s*)?'(?P<v>[^']+)'
    GapPattern(r"\bSET\s+PASSWORD\b", ";", r"=\s*(?:PASSWORD\s*\(\s*)?'(?P<v>[^']+)'",
               re.IGNORECASE | re.DOTALL),
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
    b"create_engine", b"url.create", b"secret", b"passw", b"token", b"apikey", b"api_key",
    b"accesskey", b"access_key", b"privatekey", b"private_key", b"credential", b"assume_role", b"assumerole",
    b"durationseconds", b"putenv", b"identified", b"mysql", b"pgpass", b"airflow_conn",
    # secret names of the analyzer's (`secret_shapes.name_strength`): `*_PW`, `*_PWD`, `DB_PASS`, headers
    b"_pw", b"pw_", b"pwd", b"_pass=", b"_pass =", b"_pass:", b"_pass\"", b"_pass'", b"passphrase", b"passcode",
    b"creds", b"authorization",
) + secret_shapes.PRECHECK_LITERALS  # token shapes (Slack webhooks, GitHub tokens, bearer tokens, JWTs...)
# `*_KEY` names the analyzer reads as secret names (`secret_shapes` strong pairs), tried when "key" is in the file.
PRECHECK_KEY_NAMES = tuple(
    f"{first}{glue}{second}".encode() for first, second in sorted(secret_shapes.KEY_NAME_PAIRS)
    for glue in ("_", "-", ""))
# Code the analyzer reads (case-sensitive, like its callee names): `Connection(...)` (or an import alias of
# it) and driver `connect(...)` calls; prose ("connections", "a Connection extra") is no reason to parse.
# Each starts with a literal, which the regex engine then searches fast (a leading `\b` or alternation
# would make it try every position): the word boundary before `connect` is tested in `_code_call`.
PRECHECK_CONNECTION = re.compile(rb"Connection(?:\s*\(|\s+as\b)")
PRECHECK_CONNECT = re.compile(rb"connect(?:\s*\(|\s+as\b)")
# `os.environ` counts unless every use of it is a plain read; "environment" in prose is not `environ`.
PRECHECK_ENVIRON = re.compile(rb"environ(?![A-Za-z0-9_])")
PRECHECK_ENVIRON_READ = re.compile(
    rb"""\s*(?:\.\s*(?:get|copy|items|keys|values)\s*\(|\[\s*(['"])[^'"\n]*\1\s*\](?!\s*[-+*/%|&^@]?=(?!=)))"""
)
PRECHECK_KEY_ID = re.compile(rb"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}")


def literal_search(literals: Iterable[bytes], max_mem: int | None = None) -> Any:
    """One RE2 automaton finding any of `literals` in a single linear pass over the bytes (an `in` test per
    literal reads the file once per literal: 100 passes, ~5x slower on a DAG file). Raises `re2.error`
    when the automaton needs more than `max_mem` bytes (RE2's default when None)."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes, matched byte for byte
    if max_mem is not None:
        options.max_mem = max_mem
    options.log_errors = False
    return re2.compile(b"|".join(re2.escape(literal) for literal in literals), options)  # an re2._Regexp


# The lowercased literals of the pre-check, as one search: PRECHECK_TOKENS, and PRECHECK_KEY_NAMES (each holds
# "key", so the test of "key" that guarded them is implied by a match).
PRECHECK_WORDS = literal_search(PRECHECK_TOKENS + PRECHECK_KEY_NAMES)

# A "://" alone is no reason to parse (every licence header has http://): strings are only read as
# connections for database schemes (`connections.uris_in_text`), which may be built from pieces
# (f"{SCHEME}://..."), so the scheme word anywhere in the file counts; so does a userinfo password.
PRECHECK_DB_SCHEMES = (b"postgres", b"mariadb", b"redshift", b"aurora", b"mssql", b"oracle", b"jdbc:")
# `://[^\s'"/@]*:[^\s'"/@]+@` (does one occur?) with the user part ending at its first ':', so the user and
# password parts cannot trade the colons of a long `::::` run (quadratic).
PRECHECK_USERINFO_PASSWORD = re.compile(rb"://[^\s'\"/@:]*:[^\s'\"/@]+@")


def precheck(data: bytes) -> bool:
    lowered = data.lower()
    if PRECHECK_WORDS.search(lowered) is not None or PRECHECK_KEY_ID.search(data) is not None:
        return True
    if b"onnect" in data and _code_call(data):  # the literal test first: 20x faster
        return True
    if b"environ" in data and _environ_written(data):
        return True
    if b"://" not in data:
        return False
    return any(scheme in lowered for scheme in PRECHECK_DB_SCHEMES) or \
        PRECHECK_USERINFO_PASSWORD.search(data) is not None


def _code_call(data: bytes) -> bool:
    """`Connection(` / `Connection as`, or `connect(` / `connect as` starting a word."""
    if PRECHECK_CONNECTION.search(data) is not None:
        return True
    for match in PRECHECK_CONNECT.finditer(data):
        before = data[match.start() - 1:match.start()]  # b"" at the start of the file
        if not (before.isalnum() or before == b"_"):  # bytes.isalnum: ASCII only, as `\b` in a bytes pattern
            return True
    return False


def _environ_written(data: bytes) -> bool:
    """Any use of `environ` other than `.get(...)`, `.copy()`, `.items()`... or a read of `environ["NAME"]`."""
    for match in PRECHECK_ENVIRON.finditer(data):
        if PRECHECK_ENVIRON_READ.match(data, match.end()) is None:
            return True
    return False


def may_hold_password(text: str) -> bool:
    """False only when no SHELL_PASSWORDS / SQL_PASSWORDS pattern can match `text`: each needs literals
    that most texts of a file lack (`in` tests, cheaper than any regex search on the many short strings of
    a file, and "PGPASSWORD", "password" or "finance_mysql" alone are turned away)."""
    # the shell patterns (case-sensitive): `PGPASS=`, `PGPASSWORD=`, `MYSQL_PWD=`; `mysql ... -p`, `... --password`
    if "=" in text and ("PGPASS" in text or "MYSQL_PWD" in text):
        return True
    if "-p" in text and ("mysql" in text or "--password" in text):
        return True
    # the SQL patterns (case-insensitive) end in a quoted value after PASSWORD or IDENTIFIED ... BY
    if "'" not in text:
        return False
    if not text.isascii():
        return True  # case-insensitive matching also pairs letters such as 'ſ' with 's'
    lowered = text.lower()
    return "password" in lowered or "identified" in lowered


def may_hold_key_id(text: str) -> bool:
    """False only when AWS_ACCESS_KEY_ID cannot match `text`: a key id is one of its prefixes and 16 more
    characters."""
    return len(text) >= 20 and "A" in text and (
        "AKIA" in text or "ASIA" in text or "ABIA" in text or "ACCA" in text)


def looks_like_aws_secret(value: str) -> bool:
    if not AWS_SECRET_CANDIDATE.match(value) or HEX_DIGEST.match(value):
        return False
    return any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value)


def looks_like_identifier(value: str) -> bool:
    """UUIDs and hex digests are ids, not keys."""
    return bool(UUID.match(value) or HEX_DIGEST.match(value))
