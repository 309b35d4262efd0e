"""Bounded parsing: one hostile file (an alias bomb, a lone surrogate, a huge number, code or data nested
past Python's recursion limit) is a notice for that file, never a crash, a hang or a memory blow-up of the
scan. Each case runs the whole program on an attacker's tree: it finishes within a few seconds, with no
traceback, the file's notice (or its findings), and the good file's finding still reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scanner import doctree as tree
from scanner.collect.pycode.values import Evaluator, Scope
from scanner.doctree import MAX_DEPTH, DocumentError, parse_json, parse_yaml
from tests.hostile.conftest import GOOD_FINDING, run_hostile

RDS = "db.cluster-abc.eu-west-1.rds.amazonaws.com"
BAD_PORT = "invalid connection: port is not an integer Airflow can read (infinite, NaN, too long)"
BUDGET_SPENT = ("expressions too large to evaluate (constant-evaluation budget spent); "
                "some values were read as unknown")


def _notices(run) -> set[tuple[str, str, str, str, int | None]]:
    """(path, kind, level, message, line) of every notice."""
    return {(n["path"], n["kind"], n["level"], n["message"], n["line"]) for n in run.notices()}


def _scan(repo: Path, bound: float = 10):
    run = run_hostile(repo, ".", "--fail-on", "none", timeout=60)
    run.assert_clean()
    assert run.seconds < bound, f"the scan took {run.seconds:.1f} s"
    assert GOOD_FINDING in run.findings()
    json.dumps(run.report(), ensure_ascii=False).encode("utf-8")  # every report text encodes (no surrogate)
    for text in run.outputs.values():
        text.encode("utf-8")
    return run


def _billion_laughs(levels: int = 9) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ YAML aliases and merge keys

def test_a_yaml_alias_bomb_is_a_notice_in_moments_and_its_lines_are_still_scanned(repo: Path) -> None:
    (repo / "bomb.yaml").write_text(
        f"# AIRFLOW_CONN_BOMB=postgres://u:Bomb-Pw-4411@{RDS}/db\n" + _billion_laughs())
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("bomb.yaml", "parse-error", "error", "YAML expands past 100000 nodes (alias bomb?)", 6)}
    assert ("AG101", "bomb.yaml", 1) in run.findings()  # the line-level scan of a file that does not parse


def test_a_yaml_merge_key_chain_is_a_notice(repo: Path) -> None:
    """Each map merges the previous one and adds a key: quadratic entries from linear text."""
    lines = ["m0: &m0 {k0: 1}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: 1}}" for i in range(1, 5000)]
    (repo / "merge.yaml").write_text("\n".join(lines) + "\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("merge.yaml", "parse-error", "error", "YAML expands past 100000 nodes (alias bomb?)",
                              448)}  # the map whose merge copies the 100,000th entry


def test_a_recursive_yaml_alias_is_a_notice(repo: Path) -> None:
    (repo / "loop.yaml").write_text("a: &a [1, *a]\nb: &b {x: 1, <<: *b}\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("loop.yaml", "parse-error", "error",
                              "invalid YAML: an alias refers to a node that contains it", 1)}


def test_aliases_deeper_than_the_limit_are_a_notice(repo: Path) -> None:
    """Each anchor nests the previous one 40 levels deeper: shallow text, a deep tree."""
    lines = ["a0: &a0 " + "[" * 40 + "1" + "]" * 40]
    lines += [f"a{i}: &a{i} " + "[" * 40 + f"*a{i - 1}" + "]" * 40 for i in range(1, 6)]
    (repo / "deep-alias.yaml").write_text("\n".join(lines) + "\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("deep-alias.yaml", "parse-error", "error",
                              f"YAML nested deeper than {MAX_DEPTH} levels (aliases followed)", 4)}


def test_ordinary_aliases_still_give_their_findings_once(repo: Path) -> None:
    """An anchor reused by many services is read once (the walk does not re-enter shared maps)."""
    services = "\n".join(f"  s{i}:\n    environment: *env" for i in range(300))
    (repo / "docker-compose.yaml").write_text(
        "x-env: &env\n"
        f"  AIRFLOW_CONN_SHARED: postgres://u:Shared-Pw-9911@{RDS}:5432/db\n"
        f"services:\n{services}\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert {f for f in run.findings() if f[1] == "docker-compose.yaml"} == {
        ("AG101", "docker-compose.yaml", 2), ("AG102", "docker-compose.yaml", 2)}


def test_yaml_inside_strings_is_read_a_few_levels_deep_only(repo: Path) -> None:
    """A block string holding YAML holding a block string...: each level is parsed again, so few are read."""
    text = f"AIRFLOW_CONN_INNER: postgres://u:Inner-Pw-5151@{RDS}/db\n"
    for level in range(12):
        indented = "".join("  " + line + "\n" for line in text.splitlines())
        text = f"x{level}: |\n{indented}"
    (repo / "nested-values.yaml").write_text(text)
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("nested-values.yaml", "parse-error", "error",
                              "YAML inside strings nested more than 4 levels deep; the inner levels were not read",
                              5)}  # x11, x10, x9 and x8 are read; x7 (line 5) is the fifth level


# ------------------------------------------------------------------ lone surrogates

def test_lone_surrogates_in_json_become_replacement_characters(repo: Path) -> None:
    (repo / "connections.json").write_text(
        '{"sur\\ud800": {"conn_type": "postgres", "host": "h\\udc00.example.com",\n'
        '  "password": "Surrogate-Pw\\ud800-7", "extra": {"k\\udfff": "v\\ud800"}}}\n')
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert ("AG101", "connections.json", 2) in run.findings()
    assert "sur\ufffd" in run.outputs["report.json"] or "sur\\ufffd" in run.outputs["report.json"]


def test_a_lone_surrogate_escape_in_yaml_is_a_notice(repo: Path) -> None:
    """libyaml refuses the escape: the file is a parse error, scanned line by line."""
    (repo / "airflow_settings.yaml").write_text(
        'airflow:\n  connections:\n    - conn_id: "x\\ud800"\n      conn_type: postgres\n'
        f"      conn_password: Yaml-Pw-3131\n# AIRFLOW_CONN_Y=postgres://u:Yaml-Pw-3232@{RDS}/db\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("airflow_settings.yaml", "parse-error", "error",
                              "invalid YAML: found invalid Unicode character escape code", 3)}
    assert ("AG101", "airflow_settings.yaml", 6) in run.findings()


def test_lone_surrogates_in_dag_code_become_replacement_characters(repo: Path) -> None:
    (repo / "surrogate_dag.py").write_text(
        "from airflow.models import Connection\n"
        "c = Connection(conn_id='s\\ud800', conn_type='postgres', host='h\\udc00', password='Code-Pw\\ud800-1')\n"
        f"uri = 'postgres://u:Code-Pw\\udfff-2@{RDS}/db'\n"
        "label = f'{uri}\\ud800'\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert {("AG101", "surrogate_dag.py", 2), ("AG101", "surrogate_dag.py", 3)} <= run.findings()


def test_a_dag_file_declaring_utf7_cannot_smuggle_surrogates(repo: Path) -> None:
    (repo / "utf7_dag.py").write_bytes(b"# coding: utf-7\npassword = 'Utf7-Pw+2AA-pw1'\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert run.findings() >= {("AG302", "utf7_dag.py", 2)}


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize(("name", "port"), [
    ("connections.json", "9" * 5000),
    ("connections.json", "-" + "9" * 400),
    ("connections.json", "1e400"),
    ("connections.yaml", "9" * 5000),
    ("connections.yaml", "1" + ":1" * 5000),  # a YAML 1.1 base-60 integer: quadratic to convert
    ("connections.yaml", "0x" + "f" * 3000),
    ("connections.yaml", ".inf"),
    ("connections.yaml", "-.inf"),
    ("connections.yaml", ".nan"),
    ("connections.yaml", '"1e400"'),
])
def test_an_impossible_port_is_an_invalid_connection_notice(repo: Path, name: str, port: str) -> None:
    if name.endswith(".json"):
        text = ('{"big": {"conn_type": "postgres", "host": "h",\n'
                f'  "password": "Port-Pw-6161",\n  "port": {port}}}}}\n')
    else:
        text = f"big:\n  conn_type: postgres\n  host: h\n  password: Port-Pw-6161\n  port: {port}\n"
    (repo / name).write_text(text)
    run = _scan(repo)
    assert run.exit_code == 3
    is_json = name.endswith(".json")
    assert _notices(run) == {(name, "parse-error", "error", f"connection 'big': {BAD_PORT}", 1 if is_json else 2)}
    assert ("AG101", name, 2 if is_json else 4) in run.findings()  # the rest of the connection is read


def test_huge_numbers_elsewhere_in_a_document_are_read_as_infinities(repo: Path) -> None:
    (repo / "values.json").write_text(
        '{"env": [{"name": "AIRFLOW_CONN_NUM", "value": "postgres://u:Num-Pw-8181@' + RDS + '/db"}],\n'
        ' "big": ' + "9" * 5000 + ', "neg": -' + "9" * 5000 + ', "small": ' + "9" * 4000 + "}\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert ("AG101", "values.json", 1) in run.findings()


def test_an_impossible_port_in_a_connection_json_value_is_a_notice(repo: Path) -> None:
    (repo / "json.env").write_text(
        'AIRFLOW_CONN_J=\'{"conn_type": "postgres", "host": "h", "password": "x", "port": 1e400}\'\n')
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("json.env", "parse-error", "error",
                              "connection 'j': invalid connection JSON: port is not an integer", 1)}


def test_an_impossible_port_in_dag_code_is_a_notice(repo: Path) -> None:
    (repo / "port_dag.py").write_text(
        "from airflow.models import Connection\n"
        "c = Connection(conn_id='hex', conn_type='postgres', host='h',\n"
        "               port=0x" + "f" * 5000 + ", password='Hex-Port-Pw-1')\n"
        "d = Connection(conn_id='inf', conn_type='postgres', host='h', port=1e400, password='Inf-Port-Pw-2')\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("port_dag.py", "parse-error", "error", f"connection 'hex': {BAD_PORT}", 2),
                             ("port_dag.py", "parse-error", "error", f"connection 'inf': {BAD_PORT}", 4)}
    assert {("AG101", "port_dag.py", 3), ("AG101", "port_dag.py", 4)} <= run.findings()


# ------------------------------------------------------------------ nesting

def test_json_nested_100k_deep_is_a_notice(repo: Path) -> None:
    (repo / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("deep.json", "parse-error", "error",
                              f"invalid JSON: nested deeper than {MAX_DEPTH} levels", 1)}


def test_yaml_nested_100k_deep_is_a_notice(repo: Path) -> None:
    (repo / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    run = _scan(repo)
    assert run.exit_code == 3
    [notice] = run.notices()
    assert (notice["path"], notice["kind"], notice["level"], notice["line"]) == (
        "deep.yaml", "parse-error", "error", 1)


def test_a_deep_extra_is_a_notice_and_the_connection_is_still_read(repo: Path) -> None:
    deep = '{"a": ' * 300 + "1" + "}" * 300
    (repo / "extra.env").write_text(
        'AIRFLOW_CONN_DEEP=\'{"conn_type": "postgres", "host": "h", "password": "Deep-Extra-Pw-1", '
        f'"extra": {deep}}}\'\n'
        f'AIRFLOW_CONN_DEEPER=\'{{"conn_type": "postgres", "extra": {"[" * 5000 + "]" * 5000}}}\'\n')
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {
        ("extra.env", "parse-error", "error",
         "connection 'deep': the extra nests deeper than 100 levels; it was not read", 1),
        ("extra.env", "parse-error", "error", "connection 'deeper': invalid connection JSON", 2)}
    assert ("AG101", "extra.env", 1) in run.findings()


# ------------------------------------------------------------------ DAG code nested past the recursion limit

def test_a_long_attribute_chain_is_analysed(repo: Path) -> None:
    (repo / "chain_dag.py").write_text(
        "x = a" + ".b" * 600 + "\n"
        f"uri = 'postgres://u:Chain-Pw-2121@{RDS}/db'\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert ("AG101", "chain_dag.py", 2) in run.findings()


def test_a_long_plus_chain_is_evaluated(repo: Path) -> None:
    """800 `+` terms build a URI with a password: folded without recursion, so the password is found."""
    terms = " + ".join(["'postgres://u:Plus-Pw-'"] + ["'9'"] * 800 + [f"'@{RDS}/db'"])
    (repo / "plus_dag.py").write_text(f"uri = {terms}\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert ("AG101", "plus_dag.py", 1) in run.findings()


def test_a_long_method_chain_and_call_chain_are_analysed(repo: Path) -> None:
    (repo / "calls_dag.py").write_text(
        "x = a" + ".b()" * 900 + ".c(password='Method-Chain-Pw-1')\n"
        "y = f" + "()" * 900 + "\n"
        "z = " + "g(" * 190 + "h(password='Nested-Call-Pw-2')" + ")" * 190 + "\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert {("AG302", "calls_dag.py", 1), ("AG302", "calls_dag.py", 3)} <= run.findings()


@pytest.mark.parametrize("code", [
    "x = " + "f(" * 1000 + ")" * 1000,  # SyntaxError: too many nested parentheses
    "x = " + "lambda: " * 5000 + "0",  # MemoryError: the parser's stack
    "x = " + "not " * 20_000 + "a",
])
def test_code_python_cannot_parse_is_a_notice_and_scanned_line_by_line(repo: Path, code: str) -> None:
    (repo / "deep_dag.py").write_text(f"uri = 'postgres://u:Deep-Code-Pw-1@{RDS}/db'\n{code}\n")
    run = _scan(repo)
    assert run.exit_code == 3
    [notice] = run.notices()
    assert (notice["path"], notice["kind"], notice["level"]) == ("deep_dag.py", "parse-error", "error")
    assert notice["message"].startswith("Python ")
    assert notice["message"].endswith("; scanned line by line instead")
    assert ("AG101", "deep_dag.py", 1) in run.findings()


@pytest.mark.parametrize("code", [
    "x = a" + ".b" * 20_000,
    "x = 'a'" + " + 'b'" * 100_000,
])
def test_code_as_deep_as_python_may_parse_is_analysed_or_a_notice(repo: Path, code: str) -> None:
    """Python 3.10 parses these; 3.11+ refuses them (RecursionError during ast construction). Either way
    the file is read: analysed without recursion, or scanned line by line after a parse-error notice."""
    (repo / "deep_dag.py").write_text(f"uri = 'postgres://u:Deep-Code-Pw-1@{RDS}/db'\n{code}\n")
    run = _scan(repo)
    notices = [(n["path"], n["kind"], n["level"]) for n in run.notices()]
    assert (run.exit_code, notices) in [(0, []), (3, [("deep_dag.py", "parse-error", "error")])]
    assert ("AG101", "deep_dag.py", 1) in run.findings()


def test_exponential_constants_are_cut_short_with_a_notice(repo: Path) -> None:
    doubling = "".join(f"v{i} = v{i - 1} + v{i - 1}\n" for i in range(1, 60))
    squaring = "".join(f"m{i} = m{i - 1} * m{i - 1}\n" for i in range(1, 60))
    (repo / "bomb_dag.py").write_text(
        f"v0 = 'xxxxxxxxxx'\n{doubling}m0 = 99999999999\n{squaring}"
        "password = v59\n"
        f"uri = 'postgres://u:Bomb-Code-Pw-1@{RDS}/db'\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("bomb_dag.py", "parse-error", "error", BUDGET_SPENT, None)}
    assert ("AG101", "bomb_dag.py", 122) in run.findings()


@pytest.mark.parametrize("code", [
    "password = '{:>999999999}'.format('a')",
    "password = '%999999999s' % 'a'",
    "password = '%(a(b)x)999999999s' % {'a(b)x': 'a'}",
    "big = '" + "{0}" * 100_000 + "'\npassword = big.format('" + "y" * 1000 + "')",
])
def test_format_width_bombs_are_cut_short_with_a_notice(repo: Path, code: str) -> None:
    (repo / "format_dag.py").write_text(code + "\n")
    run = _scan(repo)
    assert run.exit_code == 3
    assert _notices(run) == {("format_dag.py", "parse-error", "error", BUDGET_SPENT, None)}


def test_format_fields_do_not_read_attributes_of_their_arguments(repo: Path) -> None:
    (repo / "attr_dag.py").write_text("password = '{0.__class__.__mro__}'.format('a')\n"
                                      "secret = '{:{}}'.format('a', '999999999')\n")
    run = _scan(repo)
    assert run.exit_code == 0
    assert run.notices() == []
    assert "__mro__" not in run.outputs["report.json"].replace("{0.__class__.__mro__}", "")
    assert "<class" not in run.everything()


# ------------------------------------------------------------------ unit: parse_yaml / parse_json

def test_parse_yaml_refuses_a_bomb_in_milliseconds() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_yaml(_billion_laughs())
    assert (caught.value.message, caught.value.line, caught.value.column) == (
        "YAML expands past 100000 nodes (alias bomb?)", 5, 5)  # the first anchor past the limit


def test_parse_yaml_limit_grows_with_the_document() -> None:
    """A large document may expand to twice its own size; the fixed floor is for small ones."""
    anchor = "base: &base {" + ", ".join(f"k{i}: {i}" for i in range(100)) + "}\n"
    uses = "".join(f"u{i}: *base\n" for i in range(1500))  # 150k expanded from ~3.2k written
    with pytest.raises(DocumentError):
        parse_yaml(anchor + uses)
    many = "".join(f"own{i}: [1, 2, 3]\n" for i in range(30_000))  # 150k nodes written, no alias
    [document] = parse_yaml(many + anchor + "".join(f"u{i}: *base\n" for i in range(1000)))
    assert document.value["u999"].value["k99"].value == 99


def test_parse_yaml_shares_alias_nodes() -> None:
    [document] = parse_yaml("a: &a {x: 1}\nb: *a\nc: {<<: *a, y: 2}\n")
    assert document.value["b"] is document.value["a"]
    assert document.value["c"].value["x"] is document.value["a"].value["x"]
    assert document.plain() == {"a": {"x": 1}, "b": {"x": 1}, "c": {"y": 2, "x": 1}}


def test_parse_yaml_nesting_limit() -> None:
    [document] = parse_yaml("a: " + "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2) + "\n")
    assert document.value["a"].is_list
    with pytest.raises(DocumentError) as caught:
        parse_yaml("a: " + "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH + "\n")
    assert caught.value.message == f"YAML nested deeper than {MAX_DEPTH} levels"


def test_parse_yaml_numbers_and_surrogates(monkeypatch: pytest.MonkeyPatch) -> None:
    [document] = parse_yaml(
        f"big: {'9' * 5000}\nneg: -{'9' * 5000}\nsexagesimal: 1{':1' * 5000}\nhex: 0x{'f' * 300}\n"
        f"small: {'9' * 300}\ninf: .inf\nplain: 5432\n? {'7' * 5000}\n: long key\n")
    values = document.plain()
    assert values["big"] == values["sexagesimal"] == values["hex"] == float("inf")
    assert values["neg"] == float("-inf")
    assert values["small"] == int("9" * 300) and values["plain"] == 5432
    assert values["7" * 5000] == "long key"
    # The pure-Python loader (PyYAML without libyaml) accepts "\ud800": it becomes U+FFFD.
    monkeypatch.setattr(tree, "yaml_loader", lambda: yaml.SafeLoader)
    [document] = parse_yaml('"k\\udc00": "v\\ud800w"\n')
    assert document.plain() == {"k\ufffd": "v\ufffdw"}


def test_parse_json_numbers_surrogates_and_depth() -> None:
    document = parse_json('{"a": "x\\ud800y\\udc00", "pair": "\\ud83d\\ude00", "k\\udfff": 1, '
                          f'"big": {"9" * 5000}, "neg": -{"9" * 5000}, "e": 1e400, "ok": {"9" * 300}}}')
    assert document.plain() == {"a": "x\ufffdy\ufffd", "pair": "\U0001f600", "k\ufffd": 1,
                                "big": float("inf"), "neg": float("-inf"), "e": float("inf"),
                                "ok": int("9" * 300)}
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH).is_list
    with pytest.raises(DocumentError) as caught:
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert (caught.value.message, caught.value.line, caught.value.column) == (
        f"invalid JSON: nested deeper than {MAX_DEPTH} levels", 1, MAX_DEPTH + 1)


# ------------------------------------------------------------------ unit: constant evaluation

def _evaluate(code: str) -> tuple[object, bool]:
    import ast

    module = ast.parse(code)
    scope = Scope()
    from scanner.collect.pycode.values import bind_targets

    bind_targets(scope, module.body)
    evaluator = Evaluator()
    value = evaluator.value(module.body[-1].value, scope)  # type: ignore[attr-defined]
    return value, evaluator.exhausted


def test_evaluation_folds_long_plus_chains_as_python_adds() -> None:
    assert _evaluate("x = 1 + 2 + 'a' + 'b'" + " + 'c'" * 600) == ("3ab" + "c" * 600, False)
    assert _evaluate("x = " + " + ".join(["1"] * 600)) == (600, False)
    assert _evaluate("x = {} + []  + 'a'") == ("${expr}a", False)


def test_evaluation_budgets_and_caps() -> None:
    doubling = "".join(f"v{i} = v{i - 1} + v{i - 1}\n" for i in range(1, 40))
    value, exhausted = _evaluate(f"v0 = 'x'\n{doubling}x = v39")
    assert exhausted and "${expr}" in str(value)  # what was cut short reads as a reference, never a literal
    assert _evaluate("x = 0x" + "f" * 500 + " * 3") == (float("inf"), False)
    assert _evaluate("x = int('" + "9" * 5000 + "')")[0].__class__.__name__ == "Unknown"
    assert _evaluate("x = '{0.__class__}'.format('a')")[0].__class__.__name__ == "Unknown"
    assert _evaluate("x = '%5s|%-3d' % ('a', 'b')")[0].__class__.__name__ == "Unknown"  # %d of text
    assert _evaluate("x = '%5s|' % 'a'") == ("    a|", False)
    assert _evaluate("x = '{:>5}|{}'.format('a', 'b')") == ("    a|b", False)
