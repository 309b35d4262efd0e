"""Every regular expression airguard runs on scanned (attacker-written) text takes time linear in it.

- Every compiled pattern at module level in `scanner/` (found by walking the package, so a new one is covered
  without being listed here) runs on 1 MB adversarial strings built from its own literals and character
  classes, and finishes each within a second.
- The functions that apply them (masking, URI passwords, the DAG-file pre-check, the line fallback...) do
  too, and keep every match of the plain patterns they replace (compared on many short random texts).
- Rule regexes are RE2: `^(a+)+$` on a megabyte is instant; what RE2 refuses is a rule load error.
- End to end: the whole program on files with such lines finishes in seconds and still reports the good file.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import pkgutil
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import scanner
from scanner.collect.pycode.patterns import GapPattern
from tests.hostile.conftest import GOOD_FINDING, run_hostile

SIZE = 1_000_000
BUDGET = 1.0  # seconds for one pattern (or one function) on one 1 MB text

# Characters standing for the classes patterns use (letters, digits, space kinds, punctuation, non-ASCII).
CLASS_SAMPLES = "aZz09_ \t\n\r.-:/=@'\"`<>[](){}#;|&,+*?$%\\!~^é٣ſ\u00a0"
# Fragments of the credential shapes the patterns look for, tried like the patterns' own words.
SHAPES = ("://", "a://a:", "password=", "password", "token", " -p", "--password=", "AKIA", "AIRFLOW_CONN_",
          "environ", "Connection(", "jdbc:", "aurora", "mysql ", "CREATE USER ", "SET PASSWORD ", "IDENTIFIED BY '",
          "${", "{{", "<", "arn:", "File \"", "airguard: ignore[")
FOLLOWERS = (" ", "a", "=", ":", "'", "/", "\n", "0", ".", "@", "\t")

# Patterns applied with `.match` at a position the code chose (never searched along a text): timed that way.
MATCHED_AT_A_POSITION = {
    "scanner.doctree._STRING_CHUNK",
    "scanner.doctree._WS",
    "scanner.doctree._NUMBER",
    "scanner.collect.pycode.patterns.PRECHECK_ENVIRON_READ",
    "scanner.collect.pycode.values._PERCENT_TAIL",
    # the copy of python-dotenv's parser (`Reader.read_regex` matches at the reader's position; engine/comments.py
    # reads .env files with the same patterns, one `need(pattern, position)` at a time)
    *(f"scanner.dotenv_parser._{name}" for name in (
        "multiline_whitespace", "whitespace", "export", "single_quoted_key", "unquoted_key", "equal_sign",
        "single_quoted_value", "double_quoted_value", "unquoted_value", "comment", "end_of_line", "rest_of_line")),
}
def inline_name(path: str, function: str, pattern: str | bytes) -> str:
    """How a `re.FUNCTION("PATTERN", ...)` call in the file at `path` (under the repository) is named here."""
    return f"{path} re.{function}({pattern!r})"


# Patterns that never see scanned text (why), so not held to linear time.
NOT_ON_SCANNED_TEXT: dict[str, str] = {}
# Patterns in other owners' files that are still super-linear on some text (see the reason). Strict: when
# one is made linear, its test passes and fails as XPASS until the entry is removed.
KNOWN_SUPERLINEAR: dict[str, str] = {}


def _shipped_patterns() -> dict[str, Any]:
    """'module.NAME' (with [i] for items of lists, tuples and dicts) -> compiled pattern or GapPattern."""
    found: dict[int, tuple[str, Any]] = {}
    for info in sorted(pkgutil.walk_packages(scanner.__path__, "scanner."), key=lambda i: i.name):
        if info.name.endswith("__main__"):
            continue  # running it is the CLI
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, (re.Pattern, GapPattern)):
                found.setdefault(id(value), (f"{info.name}.{name}", value))
            elif isinstance(value, (list, tuple, dict)):
                items = value.values() if isinstance(value, dict) else value
                for index, item in enumerate(items):
                    if isinstance(item, (re.Pattern, GapPattern)):
                        found.setdefault(id(item), (f"{info.name}.{name}[{index}]", item))
    return dict(sorted(found.values(), key=lambda pair: pair[0]))


_RE_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "finditer", "findall", "split"}


def _flags(node: ast.expr | None) -> int | None:
    """`re.I | re.DOTALL`-style flags written as constants (None: something else)."""
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        value = getattr(re, node.attr, None)
        return int(value) if isinstance(value, re.RegexFlag) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _flags(node.left), _flags(node.right)
        return None if left is None or right is None else left | right
    return None


def _inline_patterns() -> dict[str, Any]:
    """"scanner/path.py re.FUNCTION('PATTERN')" -> the pattern of every `re.FUNCTION("literal", ...)` call in
    scanner/ (inside functions too), matched the way the call does (`re.match`/`re.fullmatch`: at the start)."""
    root = Path(scanner.__file__).parent
    found: dict[str, Any] = {}
    walked = {(p.pattern, p.flags) for p in PATTERNS.values() if isinstance(p, re.Pattern)}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.func.attr in _RE_CALLS and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, (str, bytes))):
                continue
            position = {"sub": 3, "subn": 3, "split": 2}.get(node.func.attr, 1 if node.func.attr == "compile" else 2)
            written = next((k.value for k in node.keywords if k.arg == "flags"),
                           node.args[position] if len(node.args) > position else None)
            flags = _flags(written)
            if flags is None:
                continue
            pattern = re.compile(node.args[0].value, flags)
            if (pattern.pattern, pattern.flags) in walked:
                continue
            name = inline_name(path.relative_to(root.parent).as_posix(), node.func.attr, pattern.pattern)
            found[name] = pattern
            if node.func.attr in ("match", "fullmatch"):
                MATCHED_AT_A_POSITION.add(name)
    return found


PATTERNS = _shipped_patterns()
PATTERNS.update(_inline_patterns())


def test_the_walk_finds_the_patterns_that_run_on_scanned_text() -> None:
    for name in ("scanner.secrets._ASSIGNMENT_RE", "scanner.secrets._URI_USERINFO_RE",
                 "scanner.collect.pycode.patterns.PRECHECK_USERINFO_PASSWORD",
                 "scanner.collect.pycode.patterns.SHELL_PASSWORDS[1]",
                 "scanner.collect.fallback._AWS_SECRET_ASSIGNMENT", "scanner.connections._URI_IN_TEXT",
                 "scanner.collect.cfgfile._OPTION", "scanner.aws.locate._ID_LINE"):
        assert name in PATTERNS
    assert len(PATTERNS) >= 60
    assert "scanner/report/markdown.py" in " ".join(PATTERNS)  # inline calls too


def _source(pattern: Any) -> str:
    source = pattern.pattern
    return source.decode("latin-1") if isinstance(source, bytes) else source


def _words(source: str) -> list[str]:
    """The pattern's literal words (escapes such as \\b and \\s removed first), as written and in lower case."""
    plain = re.sub(r"\\.", " ", source)
    words = set(re.findall(r"[A-Za-z_]{2,}", plain)) | set(re.findall(r"[^\sA-Za-z0-9()\[\]{}|?*+^$\\]{2,}", plain))
    return sorted(words | {w.lower() for w in words} | set(SHAPES))


def adversarial_texts(source: str, size: int) -> list[str]:
    """Long runs of each character the pattern `source` names or its classes stand for, of each of its words
    (repeated, and followed by a long run), and of pairs of its punctuation."""
    alphabet = sorted({c for c in source if c.isprintable()} | set(CLASS_SAMPLES))
    texts = [c * size for c in alphabet]
    for word in _words(source):
        texts.append(word * (size // len(word)))
        texts.extend(word + c * size for c in FOLLOWERS)
        texts.extend((word + c) * (size // (len(word) + 1)) for c in (" ", "=", ".", "'", ":"))
    punctuation = sorted({c for c in source if not c.isalnum() and c.isprintable() and c != "\\"} | {" ", "a"})
    texts.extend((a + b) * (size // 2) for a, b in itertools.combinations(punctuation[:14], 2))
    return texts


def _runner(name: str, pattern: Any) -> Callable[[Any], None]:
    if name in MATCHED_AT_A_POSITION:
        return lambda text: pattern.match(text)

    def every_match(text: Any) -> None:
        for _ in pattern.finditer(text):
            pass
    return every_match


def _encode(pattern: Any, text: str) -> Any:
    return text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text


def _timed(run: Callable[[Any], None], text: Any) -> float:
    started = time.perf_counter()
    run(text)
    return time.perf_counter() - started


def assert_linear(label: str, run: Callable[[Any], None], make: Callable[[int], list[Any]],
                  budget: float = BUDGET) -> None:
    """The slowest texts of `make(n)` at growing sizes, up to SIZE within `budget`. Each stage allows what a
    linear cost would reach at SIZE (with slack), so a super-linear pattern fails early instead of hanging."""
    candidates = None
    for size, keep in ((4_096, 40), (32_768, 6), (131_072, 3), (SIZE, 0)):
        texts = make(size)
        allowed = budget if size == SIZE else max(0.02, 6 * budget * size / SIZE)
        timings = []
        for index in candidates if candidates is not None else range(len(texts)):
            seconds = _timed(run, texts[index])
            if seconds >= allowed:  # a busy machine: the better of two runs
                seconds = min(seconds, _timed(run, texts[index]))
            assert seconds < allowed, \
                f"{label}: {seconds:.3f} s on {size} characters of {str(texts[index][:24])!r}... (allowed {allowed:.3f} s)"
            timings.append((seconds, index))
        candidates = [index for _, index in sorted(timings, reverse=True)[:keep]]


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_SUPERLINEAR[name], strict=True))
    if name in KNOWN_SUPERLINEAR else name for name in PATTERNS if name not in NOT_ON_SCANNED_TEXT])
def test_every_shipped_pattern_runs_in_linear_time(name: str) -> None:
    pattern = PATTERNS[name]
    assert_linear(name, _runner(name, pattern),
                  lambda size: [_encode(pattern, text) for text in adversarial_texts(_source(pattern), size)])


# ---------------------------------------------------------------- the functions that apply the patterns

def _sources(*patterns: Any) -> str:
    return " ".join(_source(p) for p in patterns)


def test_masking_uri_passwords_and_classifying_run_in_linear_time() -> None:
    from scanner import secrets

    source = _sources(*(v for v in vars(secrets).values() if isinstance(v, re.Pattern)))
    # Six substitutions in a row: twice the budget of one pattern.
    assert_linear("scrub_patterns", secrets.scrub_patterns, lambda size: adversarial_texts(source, size), 2 * BUDGET)
    assert_linear("uri_passwords", secrets.uri_passwords, lambda size: adversarial_texts(source, size))
    assert_linear("classify", secrets.classify, lambda size: adversarial_texts(source, size))


def test_the_dag_file_pre_check_runs_in_linear_time() -> None:
    from scanner.collect.pycode import conn_id_pattern, needs_parse, patterns

    source = _sources(*(v for v in vars(patterns).values() if isinstance(v, re.Pattern)))
    assert_linear("precheck", patterns.precheck,
                  lambda size: [text.encode() for text in adversarial_texts(source, size)])
    # Thousands of conn ids that share long prefixes with the file's text (a connections file in the PR).
    ids = {f"{'a' * 200}{i}" for i in range(2000)} | {"conn_" + str(i) for i in range(5000)} | {"a" * k + "b" for k in range(1, 300)}
    known = conn_id_pattern(ids)
    assert_linear("needs_parse with 7,000 conn ids", lambda data: needs_parse(data, known),
                  lambda size: [b"a" * size, b"conn_1" * (size // 6), b"a" * (size - 1) + b"9", b"a_" * (size // 2)])
    assert needs_parse(b"x = 'conn_4999'\n", known) and not needs_parse(b"x = 'conn_'\n", known)


def test_the_string_scans_of_dag_code_run_in_linear_time() -> None:
    from scanner.collect.pycode import patterns
    from scanner.connections import uris_in_text

    shapes = [*patterns.SHELL_PASSWORDS, *patterns.SQL_PASSWORDS]
    source = _sources(*shapes) + " postgres mysql mariadb redshift aurora mssql oracle jdbc: +psycopg2 @"
    assert_linear("uris_in_text", uris_in_text, lambda size: adversarial_texts(source, size))
    assert_linear("uris_in_text with a password", lambda text: uris_in_text(text, with_password_only=True),
                  lambda size: adversarial_texts(source, size))


def test_the_line_fallback_runs_in_linear_time() -> None:
    from scanner.collect import fallback

    key = "Ab1/" * 10
    assert_linear("fallback AWS secret", fallback._aws_secret_assignments, lambda size: [
        *adversarial_texts(_source(fallback._AWS_SECRET_ASSIGNMENT), size),
        ("'" + key + "'") * (size // 42), "a.b" * (size // 3) + "='" + key + "'", ("x = '" + key + "' ") * (size // 48),
        ("a" * 150 + " '" + key + "'") * (size // 193)])


def test_lines_of_dag_and_task_ids_are_found_in_linear_time(tmp_path: Path) -> None:
    from scanner.collect.dagbag.merge import _line_of
    from scanner.source import SourceFile

    needle = "a" * 250

    def line_of(text: str) -> int:
        return _line_of(SourceFile(path="x.py", absolute=tmp_path / "x.py", text=text), needle, "task_" + needle)

    assert_linear("dagbag _line_of", line_of, lambda size: [
        "'" * size, ("'" + "a" * 249) * (size // 250), "def " + " " * size, ("def " + needle) * (size // 254),
        "\n".join(["'" + "a" * 240 + "'"] * (size // 243))])


def test_iam_wildcards_cover_in_linear_time() -> None:
    from scanner.engine.conditions import glob_covers

    assert_linear("glob_covers", lambda pair: glob_covers(*pair), lambda size: [
        ("*a" * (size // 2) + "b", "a" * size), ("*" * size, "a" * size), ("a*" * (size // 2), "a" * size),
        ("*a?" * (size // 300), "ab" * 100), ("rds-db:*", "rds-db:" + "x" * size)])
    assert glob_covers("rds-db:*", "RDS-DB:connect") and glob_covers("*", "") and not glob_covers("?", "")
    assert glob_covers("r?s-*:c*t", "rds-db:connect") and not glob_covers("rds-db:c", "rds-db:connect")


def test_a_dotenv_value_with_a_long_run_of_spaces_is_read_in_linear_time() -> None:
    from scanner.dotenv_parser import parse

    assert_linear("dotenv", lambda text: list(parse(text)), lambda size: [
        "A=x" + " " * size + "y\n", "A=x" + " \t" * (size // 2) + "#\n", "A=" + "x #" * (size // 3) + "\n"])
    values = [b.value for b in parse("A=x  # note\nB=x#y\nC= v \t#c\nD='q # r'\n")]
    assert values == ["x", "x#y", "v", "q # r"]


# ---------------------------------------------------------------- same matches as the plain patterns

OLD = {  # the plain (super-linear) forms, as they were
    "assignment": r"(?i)(?P<k>\b[\w.-]*(?:password|passwd|secret|token|fernet_key|PGPASSWORD)[\w.-]*\b[\"']?\s*[:=]\s*"
                  r"[\"']?)(?P<v>[^\s\"',}]{2,})",
    "uri_userinfo": r"(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s'\"]*:)(?P<pw>[^@/\s'\"]+)(?P<at>@)",
    "userinfo_password": r"://[^:/@\s]*:(?P<pw>[^@\s]+)@",
    "angle": r"^\s*<\s*[A-Za-z_ -]+\s*>\s*$",
    "aws_secret_assignment": r"""(?P<name>[A-Za-z_][\w.]*)["']?\s*[:=]\s*[rbuRBU]?["'](?P<value>[A-Za-z0-9/+=]{40})["']""",
    "env_assignment": r"""(?P<name>AIRFLOW_CONN_[A-Z0-9_]+)["']?\s*[:=]\s*["']?(?P<value>[A-Za-z][A-Za-z0-9+.\-]*://"""
                      r"""[^\s"'`]+)""",
    "option": r"^(?P<key>[^=:\s][^=:]*?)\s*[=:]\s?(?P<value>.*)$",
    "id_line": r'^\s*"id"\s*:\s*("(?:[^"\\]|\\.)*")\s*,?\s*$',
    "uri_in_text": r"""(?P<uri>(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|redshift|aurora[a-z_]*|mssql|oracle)"""
                   r"""(?:\+[a-z0-9_]+)?://[^\s'"`<>]+)""",
    "has_password": r"://[^/@\s]*:[^@\s]+@",
}


def _old_uris_in_text(text: str, with_password_only: bool) -> list[tuple[int, str]]:
    found = []
    for match in re.finditer(OLD["uri_in_text"], text, re.IGNORECASE):
        uri = match.group("uri").rstrip(").,;]}")
        if re.search(OLD["has_password"], uri) if with_password_only else ("@" in uri or ".rds.amazonaws.com" in uri.lower()):
            offset = match.start()
            if uri.lower().startswith("jdbc:"):
                uri, offset = uri[len("jdbc:"):], offset + len("jdbc:")
            found.append((offset, uri))
    return found


def _soup(rng: random.Random, atoms: list[str], count: int = 40_000) -> list[str]:
    return ["".join(rng.choice(atoms) for _ in range(rng.randint(0, 12))) for _ in range(count)]


def test_the_linear_forms_find_what_the_plain_patterns_found() -> None:
    from scanner import connections, secrets
    from scanner.aws import locate
    from scanner.collect import cfgfile, fallback

    rng = random.Random(20261201)
    key = "Ab1/" * 10
    texts = _soup(rng, ["password", "TOKEN", "passwd", "ſecret", "a", "1", "_", ".", "-", " ", "\t", "=", ":", "'", '"',
                        ",", "}", "@", "/", "://", "s3", "x+y", "?", "#", "arn:", "****", "${V}", "<", ">", "é", "\u212a"])
    assignment, uri = re.compile(OLD["assignment"]), re.compile(OLD["uri_userinfo"])
    for text in texts:
        assert [m.group("k", "v") for m in assignment.finditer(text)] == \
            [(m.group("k"), m.group("v")) for m in secrets._ASSIGNMENT_RE.finditer(text)], text
        assert [m.span("pw") for m in uri.finditer(text)] == [m.span("pw") for m in secrets._URI_USERINFO_RE.finditer(text)]
        assert [m.group("pw") for m in re.finditer(OLD["userinfo_password"], text)] == secrets.uri_passwords(text), text
        assert bool(re.match(OLD["angle"], text)) == bool(secrets._ANGLE_PLACEHOLDER_RE.match(text)), text
    for text in _soup(rng, ["<", ">", " ", "\t", "a", "-", "_", "\n", "x"]):
        assert bool(re.match(OLD["angle"], text)) == bool(secrets._ANGLE_PLACEHOLDER_RE.match(text)), text
    for text in _soup(rng, ["a", "_", ".", "1", "é", "٣", "aws", "=", ":", " ", "'", "r", f"'{key}'", key, "x.y"]):
        assert [m.group("name", "value") for m in re.finditer(OLD["aws_secret_assignment"], text)] == \
            [m.group("name", "value") for m in fallback._aws_secret_assignments(text)], text
    for text in _soup(rng, ["AIRFLOW_CONN_", "A", "1", "_", "x", "=", ":", " ", "'", "a://b", "pg://u:p@h", "://"]):
        assert [(m.start(), m.group("name", "value")) for m in re.finditer(OLD["env_assignment"], text)] == \
            [(m.start("name"), m.group("name", "value")) for m in fallback._ENV_ASSIGNMENT.finditer(text)], text
    for text in _soup(rng, ["a", " ", "\t", "=", ":", "k", "v", "é"]):
        old, new = re.match(OLD["option"], text), cfgfile._OPTION.match(text)
        assert (old and (old.group("key").strip(), old.group("value"))) == \
            (new and (new.group("key").strip(), new.group("value"))), text
    for text in _soup(rng, ['"id"', '"', " ", ":", ",", "\\", "a", "\t", "x"]):
        assert bool(re.match(OLD["id_line"], text)) == bool(locate._ID_LINE.match(text)), text
    for text in _soup(rng, ["jdbc:", "JDBC:", "postgres", "POSTGRESQL", "mysql", "aurora", "AURORA", "_", "x", "+", "1",
                            "://", ":", "/", " ", "'", "ſ", "\u212a", "\u0130", "\u0131", "@", "u:p@h", "maria", "db"]):
        for with_password_only in (False, True):
            assert _old_uris_in_text(text, with_password_only) == \
                connections.uris_in_text(text, with_password_only=with_password_only), text


def test_the_gap_patterns_find_what_the_single_regexes_found() -> None:
    from scanner.collect.pycode import patterns

    rng = random.Random(7)
    shell = _soup(rng, ["mysql", "mysqldump", "psql", "x", " ", "\n", ";", "|", "&", " -p", "-p", "'", '"', "ab",
                        " --password=", " --password ", "-", "\t"])
    sql = _soup(rng, ["CREATE", "ALTER", " ", "USER", "ROLE", "x", "PASSWORD", "password", "'", "ab", ";", "\n", "SET",
                      "=", "(", "ſ", "pa"])
    for gap, texts in [(patterns.SHELL_PASSWORDS[1], shell), (patterns.SHELL_PASSWORDS[2], shell),
                       (patterns.SQL_PASSWORDS[0], sql), (patterns.SQL_PASSWORDS[2], sql)]:
        assert isinstance(gap, GapPattern)
        plain = re.compile(gap.pattern, gap.flags)
        for text in texts:
            assert [(m.span(), m.groupdict()) for m in plain.finditer(text)] == \
                [(m.span(), m.groupdict()) for m in gap.finditer(text)], text
            assert (plain.search(text) is None) == (gap.search(text) is None)
    old_precheck = re.compile(rb"://[^\s'\"/@]*:[^\s'\"/@]+@")
    for text in _soup(rng, ["://", ":", "/", "@", "a", " ", "'", "x"]):
        data = text.encode()
        assert bool(old_precheck.search(data)) == bool(patterns.PRECHECK_USERINFO_PASSWORD.search(data)), text


# ---------------------------------------------------------------- rule regexes: RE2

def test_a_catastrophic_rule_regex_runs_in_linear_time() -> None:
    from scanner.engine.conditions import rule_regex

    pattern = rule_regex("^(a+)+$")
    assert_linear("^(a+)+$", pattern.search, lambda size: ["a" * size + "!", "a" * size, "ab" * (size // 2)])
    assert pattern.search("aaaa") is not None and pattern.search("aaaa!") is None
    assert rule_regex("AIRFLOW", True).search("airflow") is not None


@pytest.mark.parametrize("pattern,reason", [
    (r"(a)\1", "invalid escape sequence: \\1"),
    (r"(?<=a)b", "invalid perl operator: (?<="),
    (r"(?=a)", "invalid perl operator: (?="),
    (r"a\Z", "invalid escape sequence: \\Z"),
    (r"(unclosed", "missing ): (unclosed"),
    (r"(a|b)*a(a|b){400}", "too large for linear-time matching (RE2 program of 1208 instructions, at most 1000)"),
])
def test_a_rule_regex_re2_refuses_is_a_condition_error(pattern: str, reason: str) -> None:
    from scanner.engine.conditions import ConditionError, rule_regex

    with pytest.raises(ConditionError, match="^invalid regular expression") as caught:
        rule_regex(pattern)
    assert str(caught.value).endswith(reason)


# ---------------------------------------------------------------- end to end

RULE = """\
id: XY901
name: login-all-a
title: A login made of the letter a
severity: high
confidence: high
resource: airflow.connection
condition: {key: login, op: matches, value: 'PATTERN'}
location: login
message: "Connection '{name}' has a login of a"
docs: {what: "Finds logins made of the letter a.", why: "It tests a rule regex.", fix: "Choose another login."}
tests:
  fail: [{attributes: {login: aaaa}}]
  pass: [{attributes: {login: aaab}}]
"""


def _user_rule(repo: Path, pattern: str) -> None:
    (repo / ".airguard.toml").write_text('rule-dirs = ["team-rules"]\n')
    (repo / "team-rules").mkdir()
    (repo / "team-rules" / "login.yaml").write_text(RULE.replace("PATTERN", pattern))


def test_a_user_rule_with_a_catastrophic_regex_is_evaluated_in_moments(repo: Path) -> None:
    """`^(a+)+$` backtracks for hours in Python's `re` on a long login of 'a' that does not end in 'a'; RE2
    matches in linear time, so the rule is evaluated like any other: a finding on the short all-'a' login."""
    _user_rule(repo, "^(a+)+$")
    (repo / "conns.yaml").write_text(
        "slow_conn:\n  conn_type: postgres\n  host: db.example.com\n  login: " + "a" * SIZE + "!\n"
        "all_a:\n  conn_type: postgres\n  host: db.example.com\n  login: aaaa\n")
    run = run_hostile(repo, ".", timeout=120)
    run.assert_clean()
    assert run.seconds < 30, f"the scan took {run.seconds:.1f} s"
    assert run.exit_code == 1
    assert {f for f in run.findings() if f[0] == "XY901"} == {("XY901", "conns.yaml", 8)}
    assert GOOD_FINDING in run.findings()
    assert [n for n in run.notices() if n.get("rule_id") == "XY901"] == []


@pytest.mark.parametrize("pattern,reason", [
    (r"^(a)\1+$", "invalid escape sequence: \\1"),
    (r"^(?=a)(a+)+$", "invalid perl operator: (?="),
    (r"(a|b)*a(a|b){400}", "too large for linear-time matching"),
])
def test_a_user_rule_regex_re2_refuses_is_a_load_error_naming_the_file(repo: Path, pattern: str, reason: str) -> None:
    _user_rule(repo, pattern)
    run = run_hostile(repo, ".", timeout=60)
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    assert "team-rules/login.yaml:7: /condition/value: invalid regular expression" in run.stderr, run.stderr
    assert reason in run.stderr


def test_files_with_megabyte_lines_are_scanned_in_seconds(repo: Path) -> None:
    """Each file below alone kept the scan busy past 40 s (most for hours) with the plain patterns: URI
    userinfo of an unparseable connection, dotenv's comment cut, the DAG-file pre-check, the shell, SQL and
    URI scans of DAG strings, the line fallback of a file that does not parse, the cfg option reader."""
    key = "Ab1/" * 10
    (repo / "big.env").write_text(
        "AIRFLOW_CONN_HUGE=" + "a://a:" * (SIZE // 6) + "\n"
        "NOTE=x" + " " * SIZE + "y # comment\n")
    (repo / "big_dag.py").write_text(
        's = "' + "mysql " * 34_000 + '"\n'
        'u = "://' + ":" * 200_000 + '"\n'
        't = "' + "aurora" * 34_000 + '1://x"\n'
        'w = "' + "CREATE USER " * 17_000 + 'PASSWORD"\n')
    (repo / "broken_dag.py").write_text(
        "# secret\n"
        "x = = 1\n"
        "n = " + "a.b" * 70_000 + "\n"
        "k = " + ("'" + key + "'") * 5_000 + "\n"
        "e = " + "AIRFLOW_CONN_" * 16_000 + " ://\n")
    (repo / "compose.yaml").write_text(
        "services:\n  web:\n    environment:\n"
        "      AIRFLOW_CONN_BIG: 'postgres://u:" + "a:" * (SIZE // 2) + "@h/db'\n")
    (repo / "airflow.cfg").write_text("[core]\nexecutor = LocalExecutor\nx" + " " * SIZE + "y\n[database]\n")
    run = run_hostile(repo, ".", timeout=180)
    run.assert_clean()
    assert run.seconds < 60, f"the scan took {run.seconds:.1f} s"
    assert run.exit_code == 1
    assert GOOD_FINDING in run.findings()
    assert ("AG101", "compose.yaml", 4) in run.findings()  # the megabyte URI is read: its password is a literal
