"""The string pass's pre-tests (`patterns.STRING_GATE`, then `patterns.may_hold_password`,
`patterns.may_hold_key_id`, `secret_shapes.may_hold`, and `patterns.password_searches` per pattern) turn most strings
of a file away before any regex runs: they must never turn away one that a search would find something in. Checked
on every string of the repository's tests and fixtures and on generated strings built from the patterns' literals
(case changes, separators, look-alike letters)."""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Iterator

import pytest

from scanner import secret_shapes
from scanner.collect.pycode import analyzer, patterns
from scanner.collect.unit import RecordingRedactor
from scanner.context import ScanContext
from scanner.source import SourceFile
from tests.conftest import FIXTURES, REPO

# Pieces the password, key id and token-shape searches read, and what surrounds them in real texts.
_PIECES = [
    "PGPASSWORD", "PGPASS", "MYSQL_PWD", "=", "='", '="', "mysql", "mysqldump", "mysqladmin", "psql", "pg_dump",
    "pg_restore", " -p", "-p", " -pS3cr3t-Pw", " --password", "--password=", "--password ", "CREATE", "ALTER",
    "USER", "ROLE", "IDENTIFIED", "WITH", "mysql_native_password", "BY", "SET", "PASSWORD", "password", "(", ")",
    "'", "'Pw-Value-1'", '"', " ", "  ", "\t", "\n", ";", "&", "|", "{{", "}}", "$", "etl", "db",
    "AKIA", "ASIA", "ABIA", "ACCA", "ABCDEFGHIJKLMNOP", "0123456789ABCDEF", "AKIAZZPRETESTKEY0001",
    "://", "postgresql://", "mysql://u:p@h/db", "@", "hooks.slack.com/", "xoxb-", "ghp_", "github_pat_", "glpat-",
    "sk_live_", "AIza", "-----BEGIN RSA PRIVATE KEY-----", "eyJ", "Bearer ", "BEARER ", "bearer\t",
    "\u017f", "\u212a", "\u0130", "\u0131", "\u00e9", "\u2019",  # letters case-insensitive matching pairs
]


def _generated(count: int, seed: int = 0) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 9)))
        mode = rng.random()
        if mode < 0.2:
            text = text.lower()
        elif mode < 0.4:
            text = text.upper()
        elif mode < 0.5:
            text = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)
        yield text


def _corpus_strings() -> set[str]:
    """Every string constant of the tests' and fixtures' Python files, and every line of their other texts."""
    found: set[str] = set()
    for root in (REPO / "tests", FIXTURES):
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.stat().st_size > 1 << 20:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if path.suffix == ".py":
                try:
                    tree = ast.parse(text)
                except (SyntaxError, ValueError):
                    continue
                found.update(node.value for node in ast.walk(tree)
                             if isinstance(node, ast.Constant) and isinstance(node.value, str))
            else:
                found.update(text.splitlines())
    return {text for text in found if len(text) >= 8}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    corpus = _corpus_strings()
    assert len(corpus) > 5000
    return sorted(corpus) + list(_generated(20_000))


def test_password_and_key_id_pre_tests_turn_away_no_match(texts: list[str]) -> None:
    regexes = [*patterns.SHELL_PASSWORDS, *patterns.SQL_PASSWORDS]
    turned_away = 0
    for text in texts:
        if not patterns.may_hold_password(text):
            turned_away += 1
            assert not any(regex.search(text) for regex in regexes), text
        if not patterns.may_hold_key_id(text):
            assert patterns.AWS_ACCESS_KEY_ID.search(text) is None, text
    assert turned_away > len(texts) // 2


def test_each_password_pattern_left_out_finds_nothing(texts: list[str]) -> None:
    """`patterns.password_searches` leaves out only patterns that find nothing in the text, and keeps their order."""
    everything = [("shell-password", regex) for regex in patterns.SHELL_PASSWORDS] + \
        [("sql-password", regex) for regex in patterns.SQL_PASSWORDS]
    left_out = 0
    for text in texts:
        searched = patterns.password_searches(text)
        assert searched == [search for search in everything if search in searched], text
        for _, regex in everything:
            if not any(regex is kept for _, kept in searched):
                left_out += 1
                assert regex.search(text) is None, text
    assert left_out > len(texts)


def test_the_string_gate_lets_through_every_text_a_pre_test_does(texts: list[str]) -> None:
    """`patterns.STRING_GATE`, searched before the pre-tests, finds something in every text one of them passes
    (and turns most texts away)."""
    turned_away = 0
    for text in texts:
        if patterns.STRING_GATE.search(text) is None:
            turned_away += 1
            assert not patterns.may_hold_password(text), text
            assert not patterns.may_hold_key_id(text), text
            assert "://" not in text, text
            assert not secret_shapes.may_hold(text), text
    assert turned_away > len(texts) // 4
    # the pre-tests' own literal tables too, so a literal added to one of them without a piece in the gate fails here
    for literal in ["AKIA", "ASIA", "ABIA", "ACCA", "PGPASS", "MYSQL_PWD", "mysql", "--password", "'", "://", "xox",
                    "AIza", "eyJ", "hooks.slack.com/", "glpat-", "PRIVATE KEY", "earer", "EARER", "gho_", "ghp_",
                    "ghu_", "ghs_", "ghr_", "github_pat_", "k_live_", *secret_shapes._UNDERSCORE_LITERALS]:
        assert patterns.STRING_GATE.search(f"some text {literal} more text"), literal


def test_a_password_pre_test_is_passed_by_each_pattern_alone() -> None:
    for text in ["PGPASSWORD=Pw-1", "PGPASS=Pw-1", "MYSQL_PWD=Pw-1", "mysql -u u -pPw-1", "psql --password=Pw-1",
                 "pg_dump --password Pw-1", "create user u password 'Pw-1'", "ALTER ROLE r WITH PASSWORD 'Pw-1'",
                 "identified with caching_sha2_password by 'Pw-1'", "set password = PASSWORD('Pw-1')",
                 "ALTER USER u PA\u017f\u017fWORD 'Long-S-Pw-5'"]:
        assert any(regex.search(text) for regex in [*patterns.SHELL_PASSWORDS, *patterns.SQL_PASSWORDS]), text
        assert patterns.may_hold_password(text), text


def _scan_text_outcome(text: str) -> tuple[list, list, list]:
    line = f"X = {text!r}"
    source = SourceFile(path="dag.py", absolute=REPO / "dag.py", text=line + "\n")
    ctx = ScanContext(root=REPO, redactor=RecordingRedactor())
    ctx.sources["dag.py"] = source
    node = ast.Constant(value=text, lineno=1, col_offset=4, end_lineno=1, end_col_offset=len(line.encode()))
    reader = analyzer.Analyzer(ctx, source)
    reader._scan_text(text, node)
    return reader.resources, ctx.notices, ctx.redactor.recorded  # type: ignore[attr-defined]


def test_scan_text_finds_the_same_with_and_without_its_pre_tests(texts: list[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every outcome of `_scan_text` (resources, notices, registered secrets) is the same when its pre-tests
    let every text through to every search."""
    gated = [_scan_text_outcome(text) for text in texts]
    assert sum(bool(resources) for resources, _, _ in gated) > 100
    monkeypatch.setattr(patterns, "STRING_GATE", re.compile(""))  # finds something in every text
    monkeypatch.setattr(patterns, "may_hold_password", lambda text: True)
    monkeypatch.setattr(patterns, "may_hold_key_id", lambda text: True)
    monkeypatch.setattr(secret_shapes, "may_hold", lambda text, urls=True: True)
    monkeypatch.setattr(patterns, "password_searches", lambda text: [
        *(("shell-password", regex) for regex in patterns.SHELL_PASSWORDS),
        *(("sql-password", regex) for regex in patterns.SQL_PASSWORDS)])
    for text, outcome in zip(texts, gated):
        assert _scan_text_outcome(text) == outcome, text
