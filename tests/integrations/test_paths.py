"""Report paths: relative to the report root, absolute outside it, never shortened to a file name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.context import ScanContext
from tests.conftest import findings_of

BAD = "AIRFLOW_CONN_ORDERS=postgres://u:Paths-Pw-7070@orders.cluster-abc.us-east-1.rds.amazonaws.com/db\n"
EXPECTED_RULES = {"AG101", "AG102"}


@pytest.fixture
def siblings(tmp_path: Path) -> Path:
    """tmp/repo (a git work tree) beside tmp/a/.env and tmp/b/.env, both with findings on line 2."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env").write_text(f"# {name}\n" + BAD)
    return tmp_path


def _findings(report: dict) -> set[tuple[str, str, int]]:
    return {(rule, path, line) for rule, path, line in findings_of(report) if rule in EXPECTED_RULES}


def test_sibling_folders_outside_the_root_keep_their_own_absolute_paths(run_cli, siblings: Path) -> None:
    result = run_cli("scan", "../a", "../b", "-f", "json", cwd=siblings / "repo")
    assert result.exit_code == 1, result.stderr
    a, b = (siblings / "a" / ".env").as_posix(), (siblings / "b" / ".env").as_posix()
    assert _findings(result.json()) == {(rule, path, 2) for rule in EXPECTED_RULES for path in (a, b)}


def test_sibling_folders_inside_the_chosen_root_are_relative_to_it(run_cli, siblings: Path) -> None:
    result = run_cli("scan", "../a", "../b", "--root", "..", "-f", "json", cwd=siblings / "repo")
    assert _findings(result.json()) == {(rule, path, 2) for rule in EXPECTED_RULES for path in ("a/.env", "b/.env")}
    # from the parent folder (not a git work tree: the current folder is the root)
    result = run_cli("scan", "a", "b", "-f", "json", cwd=siblings)
    assert _findings(result.json()) == {(rule, path, 2) for rule in EXPECTED_RULES for path in ("a/.env", "b/.env")}


def test_sarif_keeps_the_two_files_apart(run_cli, siblings: Path) -> None:
    result = run_cli("scan", "../a", "../b", "-f", "sarif", cwd=siblings / "repo")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(result.stdout)["runs"][0]["results"]}
    assert uris == {(siblings / "a" / ".env").as_posix(), (siblings / "b" / ".env").as_posix()}


def test_markdown_links_only_files_of_the_repository(run_cli, siblings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("GITHUB_SERVER_URL", "https://github.com"), ("GITHUB_REPOSITORY", "acme/dags"),
                        ("GITHUB_SHA", "0123abc")):
        monkeypatch.setenv(name, value)
    (siblings / "repo" / "in.env").write_text(BAD)
    out = run_cli("scan", ".", "../a", "-f", "markdown", cwd=siblings / "repo").stdout
    assert "[in.env:1](https://github.com/acme/dags/blob/0123abc/in.env#L1)" in out
    assert f"| `{(siblings / 'a' / '.env').as_posix()}:2` |" in out       # outside the repository: no link


def test_relpath(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "dags").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / "linked").symlink_to(tmp_path / "elsewhere")        # a link inside the root stays inside it
    ctx = ScanContext(root=root)
    assert ctx.relpath(root / "dags" / ".env") == "dags/.env"
    assert ctx.relpath(root) == "."
    assert ctx.relpath(root / "linked" / ".env") == "linked/.env"
    assert ctx.relpath(root / "dags" / ".." / "x.env") == "x.env"
    assert ctx.relpath(tmp_path / "elsewhere" / ".env") == (tmp_path / "elsewhere" / ".env").as_posix()
    assert ctx.relpath(root / ".." / "elsewhere" / ".env") == (tmp_path / "elsewhere" / ".env").as_posix()
    # a root reached through a symlink: paths written under either spelling are relative
    (tmp_path / "alias").symlink_to(root)
    assert ScanContext(root=tmp_path / "alias").relpath(root / "dags" / ".env") == "dags/.env"
    assert ScanContext(root=root).relpath(tmp_path / "alias" / "dags" / ".env") == "dags/.env"
