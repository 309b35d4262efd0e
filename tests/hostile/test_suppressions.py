"""Inline suppressions count only in real comments of the file's own syntax, and only on their own line:
a hostile tree cannot silence findings with `airguard: ignore[*]` written inside data (a string literal, a
URI fragment, a quoted YAML or .env value, a JSON string, an airflow.cfg value)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.engine.comments import comments
from scanner.engine.suppressions import find_suppressions
from scanner.source import SourceFile
from tests.hostile.conftest import GOOD_FINDING, run_hostile

DAG = '''from airflow.models import Connection

a = Connection(conn_id="a", uri="postgres://u:Py-String-Pw-1@a.example.com/db  # airguard: ignore[*] in a string")
b = Connection(conn_id="b", uri="postgres://u:Py-Comment-Pw-2@b.example.com/db")  # airguard: ignore[AG101] real comment
c = Connection(conn_id="c", uri="postgres://u:Py-Next-Pw-3@c.example.com/db")
DOC = """
# airguard: ignore-next-line[*] inside a docstring
"""
d = Connection(conn_id="d", uri="postgres://u:Py-Doc-Pw-4@d.example.com/db")
# airguard: ignore-next-line[AG101] explicit next line
e = Connection(conn_id="e", uri="postgres://u:Py-Explicit-Pw-5@e.example.com/db")
'''

ENV = """AIRFLOW_CONN_FRAG=postgres://u:Env-Frag-Pw-1@f.example.com/db#airguard:ignore[*]
AIRFLOW_CONN_QUOTED="postgres://u:Env-Quoted-Pw-2@q.example.com/db # airguard: ignore[*]"
AIRFLOW_CONN_REAL=postgres://u:Env-Real-Pw-3@r.example.com/db  # airguard: ignore[AG101] local database
AIRFLOW_CONN_AFTER=postgres://u:Env-After-Pw-4@a.example.com/db
"""

COMPOSE = """services:
  worker:
    environment:
      AIRFLOW_CONN_YQ: "postgres://u:Yaml-Quoted-Pw-1@yq.example.com/db # airguard: ignore[*]"
      AIRFLOW_CONN_YS: 'postgres://u:Yaml-Single-Pw-2@ys.example.com/db # airguard: ignore[*]'
      AIRFLOW_CONN_YR: postgres://u:Yaml-Real-Pw-3@yr.example.com/db  # airguard: ignore[AG101] local
      AIRFLOW_CONN_YP: postgres://u:Yaml-Plain-Pw-4@yp.example.com/db#airguard:ignore[*]
"""

CFG = """[core]
executor = LocalExecutor

[database]
sql_alchemy_conn = postgresql://airflow:Cfg-Inline-Pw-1@metadata/airflow # airguard: ignore[*]
"""

JSON = ('{"j": {"conn_type": "postgres", "host": "j.example.com", "password": "Json-Pw-1", '
        '"description": "# airguard: ignore[*]"}}\n')


def test_markers_inside_data_suppress_nothing_and_real_comments_only_their_line(repo: Path) -> None:
    (repo / "dag.py").write_text(DAG)
    (repo / "values.env").write_text(ENV)
    (repo / "compose.yaml").write_text(COMPOSE)
    (repo / "airflow.cfg").write_text(CFG)
    (repo / "export.json").write_text(JSON)
    run = run_hostile(repo, ".")
    assert run.exit_code == 1, run.stderr
    assert run.findings() == {
        GOOD_FINDING, ("AG102", "good.env", 1),
        ("AG101", "dag.py", 3),        # in a string literal
        ("AG101", "dag.py", 5),        # the line after a same-line comment
        ("AG101", "dag.py", 9),        # ignore-next-line inside a docstring
        ("AG101", "values.env", 1),    # a URI fragment
        ("AG101", "values.env", 2),    # a double-quoted value
        ("AG101", "values.env", 4),    # the line after a same-line comment
        ("AG101", "compose.yaml", 4),  # a double-quoted scalar
        ("AG101", "compose.yaml", 5),  # a single-quoted scalar
        ("AG101", "compose.yaml", 7),  # '#' without a blank before it is part of a plain scalar
        ("AG201", "airflow.cfg", 1),
        ("AG202", "airflow.cfg", 5),   # airflow.cfg has no inline comments: it is part of the value
        ("AG101", "export.json", 1),   # JSON has no comments
    }
    suppressed = sorted((f["location"]["path"], f["location"]["start_line"], f["suppression"]["justification"])
                        for f in run.report()["findings"] if f["suppression"])
    assert suppressed == [("compose.yaml", 6, "local"), ("dag.py", 4, "real comment"),
                          ("dag.py", 11, "explicit next line"), ("values.env", 3, "local database")]
    run.assert_clean()


def test_a_marker_without_a_reason_in_data_is_not_a_suppression_either(repo: Path) -> None:
    """AG001 (suppression without a reason) sees only real comments too."""
    (repo / "a.env").write_text('AIRFLOW_CONN_A="postgres://h.example.com/db # airguard: ignore[AG101]"\n'
                                "# airguard: ignore[AG102]\n")
    run = run_hostile(repo, ".")
    assert {f for f in run.findings() if f[0] == "AG001"} == {("AG001", "a.env", 2)}


def _source(name: str, text: str) -> SourceFile:
    return SourceFile(path=name, absolute=Path(name), text=text)


def _found(name: str, text: str) -> list[tuple[int, int, list[str], bool]]:
    return [(s.line, s.column, s.rules, s.next_line) for s in find_suppressions(_source(name, text))]


def test_python_comments_are_tokenize_comments_only() -> None:
    text = 'x = "a # airguard: ignore[*]"  # airguard: ignore[AG302] fixture\nb"#" # AIRGUARD: IGNORE[X]\n'
    assert _found("a.py", text) == [(1, 32, ["AG302"], False), (2, 6, ["X"], False)]
    # a file that does not tokenize (an unterminated string) has no suppressions at all
    assert _found("b.py", "x = 1  # airguard: ignore[*] r\ny = 'abc # airguard: ignore[*]\n") == []
    assert _found("c.py", 'x = 1  # airguard: ignore[*] r\ns = """never closed\n') == []


def test_yaml_comments_are_outside_every_scalar() -> None:
    text = ("a: |\n  line # airguard: ignore[*]\n"           # block scalar content
            "b: >-\n  folded # airguard: ignore[*]\n"
            "c: [x, '# airguard: ignore[*]']  # airguard: ignore[AG101] flow\n"
            "# airguard: ignore-next-line[AG102] whole line\n"
            "d: \"multi\n  # airguard: ignore[*]\n  line\"\n")
    assert _found("v.yaml", text) == [(5, 34, ["AG101"], False), (6, 1, ["AG102"], True)]
    # judged by YAML's scanner: a document that does not parse but scans keeps its comments ...
    assert _found("unclosed.yml", "a: [1  # airguard: ignore[AG1] r\n") == [(1, 8, ["AG1"], False)]
    # ... one that does not scan (an unterminated quoted scalar) has none
    assert _found("broken.yml", 'a: 1  # airguard: ignore[*] r\nb: "never closed\n') == []


def test_env_and_shell_comments_follow_dotenv_and_quotes() -> None:
    text = ("A='x # airguard: ignore[*]'\n"
            "B=\"multi\n# airguard: ignore[*]\nline\"\n"
            "C= # airguard: ignore[AG1] empty value\n"
            "D=x#airguard: ignore[*]\n"
            "E='q'# airguard: ignore[AG2] after quotes\n"
            "echo \"# airguard: ignore[*]\" '#x' # airguard: ignore[AG3] shell\n")
    assert _found("x.env", text) == [(5, 4, ["AG1"], False), (7, 6, ["AG2"], False), (8, 35, ["AG3"], False)]
    # dotenv cuts an unquoted value at the first blank + '#': the comment starts there
    assert _found("deploy.sh", "export X=a\\ #b  # airguard: ignore[AG4] r\n") == [(1, 13, ["AG4"], False)]
    # a line that is no assignment is read as shell: '#' at the start of a word, outside quotes
    line = 'if [ "$A" = "# airguard: ignore[*]" ]; then  # airguard: ignore-next-line[AG5] r\n'
    assert _found("deploy.sh", line) == [(1, 46, ["AG5"], True)]
    assert _found("deploy.sh", 'echo x#airguard: ignore[*] "#airguard: ignore[*]" \\# airguard: ignore[*]\n') == []


def test_cfg_comments_are_whole_lines() -> None:
    text = ("[database]\n# airguard: ignore-next-line[AG202] local\n"
            "sql_alchemy_conn = postgresql://a:b@h/db ; airguard: ignore[*]\n  ; airguard: ignore[AG201] r\n")
    assert _found("airflow.cfg", text) == [(2, 1, ["AG202"], True), (4, 3, ["AG201"], False)]


@pytest.mark.parametrize("name", ["export.json", "conns.json"])
def test_json_has_no_comments(name: str) -> None:
    assert comments(_source(name, '{"a": "# airguard: ignore[*]"}  # airguard: ignore[*]\n')) == []


def test_the_lower_case_pre_test_never_hides_a_marker_the_pattern_takes() -> None:
    """`find_suppressions` skips texts whose lower case has no "guard:": that holds only while every character
    a case-ignoring pattern takes for g, u, a, r, d or : is that character in lower case (all of Unicode)."""
    letters = re.compile("[guard:]", re.IGNORECASE)
    taken = [chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000 and letters.fullmatch(chr(code))]
    assert sorted(taken) == sorted("guard:GUARD")
    assert all(char.lower() in "guard:" for char in taken)
    assert _found("dag.py", '"""Generated for the airguard benchmark."""  # airguard ignore[AG101]\n') == []
    assert _found("dag.py", "x = 1  # AIRGUARD: Ignore[AG101] test db\n") == [(1, 8, ["AG101"], False)]
    # 'İ' is an 'i' to the case-ignoring pattern, and its lower case is not: "guard:" has no such character
    assert _found("dag.py", "x = 1  # aİrGuArD: ignore[AG101] test db\n") == [(1, 8, ["AG101"], False)]
