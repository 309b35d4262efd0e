"""The byte-level pre-check of DAG files: could this file yield a finding or a usage link? A file it turns away
is not parsed. Apart from the analyzer's patterns (`patterns`): a warm scan pre-checks every DAG file (a file
the pre-check passes is then looked up in the file cache) and analyses none, so it compiles only these."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import re2

from scanner import secret_literals

# The byte-level pre-check: a file holding none of these (case-insensitive) tokens and no AWS key id
# cannot yield a finding. Every finding of the analyzer needs one of them in the file's bytes.
PRECHECK_TOKENS = (
    b"create_engine", b"url.create", b"secret", b"passw", b"token", b"apikey", b"api_key",
    b"accesskey", b"access_key", b"privatekey", b"private_key", b"credential", b"assume_role", b"assumerole",
    b"durationseconds", b"putenv", b"identified", b"mysql", b"pgpass", b"airflow_conn",
    # secret names of the analyzer's (`secret_shapes.name_strength`): `*_PW`, `*_PWD`, `DB_PASS`, headers
    b"_pw", b"pw_", b"pwd", b"_pass=", b"_pass =", b"_pass:", b"_pass\"", b"_pass'", b"passphrase", b"passcode",
    b"creds", b"authorization",
) + secret_literals.PRECHECK_LITERALS  # token shapes (Slack webhooks, GitHub tokens, bearer tokens, JWTs...)
# `*_KEY` names the analyzer reads as secret names (`secret_shapes` strong pairs), tried when "key" is in the file.
PRECHECK_KEY_NAMES = tuple(
    f"{first}{glue}{second}".encode() for first, second in sorted(secret_literals.KEY_NAME_PAIRS)
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
