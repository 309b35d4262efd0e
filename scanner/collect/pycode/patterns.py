"""Text patterns for credentials inside strings: shell commands, SQL, AWS keys, URIs."""

from __future__ import annotations

import re
from collections.abc import Iterator

# The byte-level pre-check is `precheck` (a warm scan loads it and not these patterns); importable from here too.
from scanner.collect.pycode.precheck import (  # noqa: F401
    PRECHECK_CONNECT,
    PRECHECK_CONNECTION,
    PRECHECK_DB_SCHEMES,
    PRECHECK_ENVIRON,
    PRECHECK_ENVIRON_READ,
    PRECHECK_KEY_ID,
    PRECHECK_KEY_NAMES,
    PRECHECK_TOKENS,
    PRECHECK_USERINFO_PASSWORD,
    PRECHECK_WORDS,
    literal_search,
    precheck,
)

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

# What every text `may_hold_password`, `may_hold_key_id`, a URI search (`://`) or `secret_shapes.may_hold` lets
# through holds: a piece of one of the literals each needs (`AKIA`..., `PGPASS`, `MYSQL_PWD`, `mysql`, `--password`,
# `'`, `://`, `xox`, `AIza`, `eyJ`, `gh?_`, `github_pat_`, `glpat-`, `sk_live_`, `hooks.slack.com/`, `PRIVATE KEY`,
# `earer`, `EARER`). One search turns most strings of a file away, where the pre-tests were four calls and a dozen
# `in` tests. Each piece starts with a letter few texts hold (`ysql`, `yJ`, `rer`), grouped by that letter: the
# search tries a place only at such a letter, and there one branch per letter. (A pre-test given a new literal
# needs a piece of it here: tests/collect/pycode/test_string_gates.py checks the gate against the pre-tests.)
STRING_GATE = re.compile(r"A(?:KIA|SIA|BIA|CCA|Iza|RER)|P(?:GPASS|RIVATE KEY)|MYSQL_PWD|y(?:sql|J)|--password|'|://"
                         r"|xox|g(?:h[opusr]_|ithub_pat_|lpat-)|k(?:_live_|s\.slack\.com/)|rer")


def may_hold_password(text: str) -> bool:
    """False only when no SHELL_PASSWORDS / SQL_PASSWORDS pattern can match `text`: each needs literals
    that most texts of a file lack (`password_searches`, whose `in` tests are cheaper than any regex search
    on the many short strings of a file: "PGPASSWORD", "password" or "finance_mysql" alone are turned away)."""
    return bool(password_searches(text))


def password_searches(text: str) -> list[tuple[str, re.Pattern[str] | GapPattern]]:
    """The SHELL_PASSWORDS ("shell-password") and SQL_PASSWORDS ("sql-password") patterns, in that order, that can
    match `text`, with their kind: each needs its own literals, so a text that passes for one (a `PGPASSWORD=` in
    a command, a quote in a query) is not searched with every pattern, and most texts with none."""
    searches: list[tuple[str, re.Pattern[str] | GapPattern]] = []
    shell, sql = SHELL_PASSWORDS, SQL_PASSWORDS
    if "=" in text and ("PGPASS" in text or "MYSQL_PWD" in text):
        searches.append(("shell-password", shell[0]))   # PGPASSWORD=, PGPASS=, MYSQL_PWD=
    if "-p" in text and "mysql" in text:
        searches.append(("shell-password", shell[1]))   # mysql ... -p
    if "--password" in text:
        searches.append(("shell-password", shell[2]))   # mysql|psql|pg_dump|pg_restore ... --password
    if "'" in text:  # each SQL pattern ends in a quoted value; case-insensitive matching pairs 'ſ' with 's' too
        lowered = text.lower() if text.isascii() else None
        password = lowered is None or "password" in lowered
        if password:
            searches.append(("sql-password", sql[0]))   # CREATE|ALTER USER|ROLE ... PASSWORD '
        if lowered is None or "identified" in lowered:
            searches.append(("sql-password", sql[1]))   # IDENTIFIED ... BY '
        if password:
            searches.append(("sql-password", sql[2]))   # SET PASSWORD ... = '
    return searches


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
