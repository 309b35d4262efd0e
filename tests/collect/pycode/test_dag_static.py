"""Static DAG analysis. Fixture lines carry `# expect: AG101, AG102`; the findings must match exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, findings_of, run_process

DAGS = FIXTURES / "dags"
EXPECT = re.compile(rb"#\s*expect:\s*(?P<ids>[A-Z0-9, ]+)")


def expected_findings(root: Path) -> set[tuple[str, str, int]]:
    expected = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
            match = EXPECT.search(line)
            if match:
                for rule in match.group("ids").decode().split(","):
                    expected.add((rule.strip(), path.relative_to(REPO).as_posix(), number))
    return expected


@pytest.fixture(scope="module")
def dags_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    result = run_process("scan", "fixtures/dags", "-f", "json", "--fail-on", "none",
                         env={"AIRGUARD_CACHE_DIR": str(tmp_path_factory.mktemp("c"))})
    assert result.exit_code == 3, result.stderr   # broken/ files are partial
    return result.json()


def test_findings_match_the_annotations_exactly(dags_report: dict) -> None:
    found = {f for f in findings_of(dags_report) if f[1].endswith(".py")}
    expected = expected_findings(DAGS)
    assert len(expected) >= 35
    assert sorted(found - expected) == [], "unexpected findings"
    assert sorted(expected - found) == [], "missed findings"


def test_airflowignore_cannot_hide_a_file_from_the_scan(dags_report: dict) -> None:
    """Airflow does not load it, but its secret is in the repository all the same (and a pull request
    could list any file in `.airflowignore`)."""
    assert {f for f in findings_of(dags_report) if "ignored/" in f[1]} == {
        ("AG302", "fixtures/dags/ignored/scratch.py", 2)}


def test_unparseable_files_get_a_notice_and_a_line_scan(dags_report: dict) -> None:
    notices = {(e["path"], e["kind"]) for e in dags_report["errors"]}
    for name in ("syntax_error.py", "nul_bytes.py", "newer_syntax.py"):
        assert (f"fixtures/dags/broken/{name}", "parse-error") in notices
    assert ("fixtures/dags/broken/latin1_cookie.py", "parse-error") not in notices  # PEP 263 cookie honoured


def test_clean_code_has_no_findings(dags_report: dict) -> None:
    assert not [f for f in findings_of(dags_report) if f[1] == "fixtures/dags/clean_dag.py"]


def test_usage_links_tasks_to_connections(run_cli) -> None:
    report = run_cli("scan", "fixtures/demo", "-f", "json").json()
    related = {(f["rule_id"], f["resource"]["name"]): [r["label"] for r in f["related_locations"]]
               for f in report["findings"]}
    assert related[("AG101", "orders_db")] == ["used_by: airflow.task 'orders_daily.extract_orders'"]
    assert related[("AG103", "warehouse")] == ["used_by: airflow.task 'orders_daily.load_warehouse'"]


def test_tasks_mapped_and_taskflow_usage() -> None:
    from scanner.collect.pycode import collect_source
    from scanner.context import ScanContext
    from scanner.source import SourceFile

    path = DAGS / "clean_dag.py"
    ctx = ScanContext(root=REPO)
    resources = collect_source(ctx, SourceFile("fixtures/dags/clean_dag.py", path, path.read_text()))
    tasks = {r.name: (r.attributes["operator"], r.attributes["conn_ids"], r.attributes["mapped"])
             for r in resources if r.type == "airflow.task"}
    assert tasks == {
        "reports.build_report": ("SQLExecuteQueryOperator", ["orders_db"], False),
        "reports.per_db": ("SQLExecuteQueryOperator", ["orders_db", "reporting"], True),
        "taskflow_reports.extract": ("@task", ["orders_db"], False),
    }
    assert {r.name for r in resources if r.type == "airflow.dag"} == {"reports", "taskflow_reports"}


def test_precheck_never_costs_a_finding(tmp_path: Path) -> None:
    """Every fixture file that yields a finding or a usage link passes the byte-level pre-check."""
    from scanner.collect.pycode import collect_source, needs_parse
    from scanner.context import ScanContext
    from scanner.source import SourceFile

    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        data = path.read_bytes()
        ctx = ScanContext(root=REPO)
        text = data.decode("utf-8", errors="replace")
        resources = collect_source(ctx, SourceFile(path.relative_to(REPO).as_posix(), path, text))
        yields = [r for r in resources if r.type in ("airflow.connection", "code.credential", "code.assume_role",
                                                     "airflow.config")]
        if yields:
            checked += 1
            assert needs_parse(data, None), path
    assert checked >= 10


def test_dag_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    (tmp_path / "evil_dag.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "PASSWORD = 'Never-Run-Pw-1'\n")
    result = run_process("scan", ".", "-f", "json", cwd=tmp_path, env={"AIRGUARD_CACHE_DIR": str(tmp_path / "c")})
    assert not marker.exists()
    assert [f["rule_id"] for f in result.json()["findings"]] == ["AG302"]


def test_unparseable_files_still_report_aws_keys_at_their_column(dags_report: dict) -> None:
    located = {(f["rule_id"], f["location"]["path"].rsplit("/", 1)[-1], f["location"]["start_line"],
                f["location"]["start_column"], f["resource"]["name"])
               for f in dags_report["findings"] if f["rule_id"] == "AG301" and "/broken/" in f["location"]["path"]}
    assert located == {
        ("AG301", "syntax_error.py", 5, 18, "string literal"),
        ("AG301", "syntax_error.py", 6, 26, "constant aws_secret_access_key"),
        ("AG301", "nul_bytes.py", 2, 48, "string literal"),
    }
    text = json.dumps(dags_report)
    assert "AKIAZZBROKENFALLBK01" not in text and "Br0kenFallbackSecretKey" not in text
    assert "AKIAZZNULBYTESFILE02" not in text


@pytest.mark.parametrize(("code", "parse"), [
    ('"""Licensed under http://www.apache.org/licenses/LICENSE-2.0"""\nx = 1\n', False),
    ('DOCS = "https://airflow.apache.org/docs/"\n', False),
    ('SCHEME = "postgresql"\nURI = f"{SCHEME}://etl:{PW}@db/dw"\n', True),
    ('HOOK_URL = "http://user:Web-Pw-77@api.example.com/"\n', True),
    ('ENV = {"AIRFLOW_CONN_API": "http://api.example.com"}\n', True),
    ('URI = "jdbc:sqlserver://h"\n', True),
    ('HOME = os.environ.get("HOME")\nUSER = os.environ["USER"]\nOK = os.environ["A"] == "b"\n# environment\n', False),
    ('os.environ[NAME] = VALUE\n', True),
    ('os.environ["X"] += ":/opt"\n', True),
    ('os.environ.update(SETTINGS)\n', True),
    ('from os import environ\n', True),
    ('"""Uses a Connection extra and connections; connected nightly."""\n', False),
    ('from airflow.models import Connection as C\nc = C(conn_id="x", host="h")\n', True),
    ('c = Connection (conn_id="x")\n', True),
    ('conn = pg.connect(host="db.cluster-x.eu-west-1.rds.amazonaws.com")\n', True),
    ('from psycopg2 import connect as open_db\n', True),
    ('connect(dsn)\n', True),
    ('db = connect (dsn)\n', True),
    ('reconnect(x)\n_connect(y)\nconnection_pool(z)\n', False),
])
def test_precheck_skips_licence_urls_and_keeps_connection_uris(code: str, parse: bool) -> None:
    from scanner.collect.pycode import needs_parse

    assert needs_parse(code.encode(), None) is parse


def test_precheck_never_costs_a_finding_on_airflows_example_dags() -> None:
    """The example DAGs shipped with apache-airflow: every file that yields something passes the pre-check."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("airflow")  # located, not imported: importing airflow writes AIRFLOW_HOME
    if spec is None or not spec.submodule_search_locations:
        assert not os.environ.get("AIRGUARD_REQUIRE_AIRFLOW"), "CI installs apache-airflow"
        pytest.skip("apache-airflow is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    from scanner.collect.pycode import collect_source, needs_parse
    from scanner.context import ScanContext
    from scanner.source import SourceFile

    files = sorted(package.rglob("example_dags/**/*.py"))
    assert len(files) >= 40
    skipped = 0
    for path in files:
        data = path.read_bytes()
        resources = collect_source(ScanContext(root=path.parent), SourceFile(path.name, path, data.decode()))
        yields = [r for r in resources if r.type in ("airflow.connection", "code.credential", "code.assume_role",
                                                     "airflow.config")]
        if yields:
            assert needs_parse(data, None), path
        skipped += not needs_parse(data, None)
    assert skipped >= len(files) // 2   # the licence header's http:// no longer forces a parse


def test_string_pre_tests_keep_every_pattern_match() -> None:
    """The literal pre-tests before the credential regexes: a text they turn away matches no regex."""
    from scanner.collect.pycode import patterns

    texts = ["psql --password=Pg-Pw-1 -h db", "PGPASSWORD=x psql", "mysql -uroot -pRoot-Pw-2 db",
             "CREATE USER etl PASSWORD 'Etl-Pw-3'", "alter user u identified by 'Id-Pw-4'",
             "key AKIAZZPRETESTKEY0001", "no credential here at all"]
    for text in texts:
        matches = any(r.search(text) for r in [*patterns.SHELL_PASSWORDS, *patterns.SQL_PASSWORDS])
        assert matches == patterns.may_hold_password(text), text
        assert (patterns.AWS_ACCESS_KEY_ID.search(text) is not None) == patterns.may_hold_key_id(text), text
    # Case-insensitive matching pairs the long s with "s": non-ASCII text always goes to the regexes.
    long_s = "ALTER USER u PA\u017f\u017fWORD 'Long-S-Pw-5'"
    assert patterns.SQL_PASSWORDS[0].search(long_s) is not None
    assert patterns.may_hold_password(long_s)


_DECODE_PIECES = [b"\xef\xbb\xbf", b"# -*- coding: latin-1 -*-\n", b"# coding=utf-7\n", b"#!/usr/bin/env python\n",
                  b"x = 1\n", b"\xff\xfe", b"\n", b"\r\n", b"\r", b"# vim: set fileencoding=cp1252 :\n", b"caf\xc3\xa9\n",
                  b"\xe9\n", b"coding", b"# coding: bogus\n", b"\x00", b"+AGEA-", b"\xed\xa0\x80"]


def _decoded_by_tokenize(data: bytes) -> tuple[str, str | None]:
    """What decode_text gave before its fast path: tokenize.detect_encoding for every file."""
    import io
    import tokenize

    from scanner.doctree import replace_surrogates

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return replace_surrogates(data.decode(encoding).lstrip("\ufeff")), None
    except (UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace").lstrip("\ufeff"), encoding


def test_dag_text_decodes_as_python_declares_it() -> None:
    """The fast path (no coding cookie on the first two lines: plain UTF-8) gives the text and the failed
    encoding that PEP 263 detection gives, on random mixes of BOMs, cookies, line ends and bad bytes."""
    import random

    from scanner.collect.pycode import decode_text

    rng = random.Random(11)
    for _ in range(5000):
        data = b"".join(rng.choice(_DECODE_PIECES) for _ in range(rng.randint(0, 6)))
        assert decode_text(data) == _decoded_by_tokenize(data), data
