"""Strings from the scanned tree (file names, connection values, config keys) cannot act in the outputs:
no GitHub Actions workflow command in the log (stdout, stderr), no terminal escape sequence, no Markdown
or HTML breakout in the job summary."""

from __future__ import annotations

import re
from pathlib import Path

from scanner.report.markdown import _code, escape
from scanner.report.text import line_start, visible, visible_lines
from tests.hostile.conftest import GOOD_FINDING, run_hostile

# The commands the Actions runner registers; `##[name]` (v1) counts anywhere in a line, `::name::` (v2)
# at the start after blanks (actions/runner ActionCommand.TryParse / TryParseV2).
REGISTERED = {"set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher", "remove-matcher",
              "debug", "warning", "error", "notice", "group", "endgroup", "echo", "stop-commands"}


def _parse(line: str, registered: set[str]) -> tuple[str, str] | None:
    text = line.lstrip()
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name = text[2:end].split(" ", 1)[0]
            if name in registered:
                return name, text[end + 2:]
    start = line.find("##[")
    if start >= 0:
        end = line.find("]", start)
        if end >= 0:
            name = line[start + 3:end].split(" ", 1)[0]
            if name in registered:
                return name, line[end + 1:]
    return None


def runner_commands(log: str) -> list[tuple[str, str]]:
    """The workflow commands the runner would execute in this log, `::stop-commands::TOKEN` honoured
    (a resume by `::TOKEN::` shows as ("resume", ...))."""
    executed: list[tuple[str, str]] = []
    stopped: str | None = None
    for line in re.split(r"\r\n|\r|\n", log):
        command = _parse(line, REGISTERED | ({stopped} if stopped else set()))
        if command is None:
            continue
        name, data = command
        if stopped is not None:
            if name == stopped:
                stopped = None
                executed.append(("resume", name))
            continue
        if name == "stop-commands":
            stopped = data
        executed.append((name, data))
    return executed


CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
HOSTILE_NAME = "a\n::error::pwned-by-name\n##[warning]v1\x1b[31m\u202eb.env"
IAM = 'yes\\n::stop-commands::pwned\\r\\n::error file=x::by-iam ##[error]v1 \\u001b[2J \\u202e'


def test_names_and_values_never_become_workflow_commands_or_escapes(repo: Path) -> None:
    (repo / HOSTILE_NAME).write_text(
        'AIRFLOW_CONN_X=\'{"conn_type": "postgres", "host": "db.cluster-abc.eu-west-1.rds.amazonaws.com", '
        f'"login": "u", "extra": {{"iam": "{IAM}"}}}}\'\n')
    (repo / "n\n::warning::broken\u2066.yaml").write_text("a: [1\n")
    run = run_hostile(repo, ".")
    assert run.exit_code == 1, run.stderr
    assert (("AG107", HOSTILE_NAME, 1) in run.findings()) and GOOD_FINDING in run.findings()  # the real path in JSON
    for log in (run.stdout, run.stderr):
        assert runner_commands(log) == []
        assert not CONTROLS.search(log)
    lines = run.stdout.splitlines()
    assert "a\\n::error::pwned-by-name\\n##\\x5bwarning]v1\\x1b[31m\\u202eb.env" in lines
    assert any("sets iam to a str ('yes\\n::stop-commands::pwned\\r\\n::error file=x::by-iam ##\\x5berror]v1 "
               "\\x1b[2J \\u202e')" in line for line in lines)
    assert any(line.startswith("  error   n\\n::warning::broken\\u2066.yaml:2: invalid YAML") for line in lines)
    markdown = run.outputs["report.md"]
    assert runner_commands(markdown) == [] and not CONTROLS.search(markdown)
    row = next(line for line in markdown.splitlines() if "AG107" in line)
    assert "`a\\n::error::pwned-by-name\\n##\\x5bwarning]v1\\x1b[31m\\u202eb.env:1`" in row
    run.assert_clean()


def _unescaped_pipes(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def test_backticks_pipes_and_html_in_names_stay_inside_their_markdown_cell(repo: Path) -> None:
    names = ["x``y`|z.env", "<img src=x onerror=alert(1)>.env", "[l](https:ex.com) @admin.env", "p\\|q.env"]
    for name in names:
        (repo / name).write_text("AIRFLOW_CONN_M=postgres://u:Md-Name-Pw-4242@m.example.com/db\n")
    run = run_hostile(repo, ".", "--top", "100")
    markdown = run.outputs["report.md"]
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "AG101" in line]
    assert len(rows) == len(names) + 1
    assert all(_unescaped_pipes(row) == 5 for row in rows), rows   # | icon | rule | where | message |
    assert "| ``` x``y`\\|z.env:1 ``` |" in markdown           # fence longer than the longest backtick run
    assert "| `<img src=x onerror=alert(1)>.env:1` |" in markdown   # literal inside a code span
    assert "| `[l](https:ex.com) @admin.env:1` |" in markdown
    assert "| `p\\\\|q.env:1` |" in markdown                   # a backslash before '|' keeps it in the cell
    assert "<img" not in markdown.replace("`<img", "")
    run.assert_clean("Md-Name-Pw-4242")


def test_a_config_key_and_a_missing_path_are_echoed_escaped_on_stderr(repo: Path) -> None:
    (repo / ".airguard.toml").write_text('"x\\n::error::by-config-key" = 1\n')
    run = run_hostile(repo, ".")
    assert run.exit_code == 2
    assert run.stderr == "airguard: error: .airguard.toml: unknown key 'x\\n::error::by-config-key'\n"
    (repo / ".airguard.toml").unlink()
    run = run_hostile(repo, "missing\n::error::by-path\r##[error]x")
    assert run.exit_code == 2
    # a line break in the message stays a line break, but no line of it can start a command
    assert run.stderr == ("airguard: error: no such file or folder: missing\n"
                          "\\x3a:error::by-path\\r##\\x5berror]x\n")
    assert runner_commands(run.stderr) == []


def test_escaping_helpers() -> None:
    assert visible("a\tb\x00\x7f\x85\u2028\u200f\ufeff") == "a\\tb\\x00\\x7f\\x85\\u2028\\u200f\\ufeff"
    assert visible("arn:aws:iam::1:role/x") == "arn:aws:iam::1:role/x"   # '::' inside a line is harmless
    assert line_start("\u00a0 ::error::x") == "\u00a0 \\x3a:error::x"
    assert line_start("::") == "\\x3a:"
    assert visible_lines("one\n  ::two::\n##[three]") == "one\n  \\x3a:two::\n##\\x5bthree]"
    assert _code("a``b") == "``` a``b ```" and _code("`") == "`` ` ``" and _code(" x") == "`  x `"
    assert escape("@team and a@b.c") == "@\u200bteam and a@b.c"
    assert escape("line\r\nbreak\x1b") == "line break\\\\x1b"
