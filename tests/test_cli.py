"""Exit codes, usage errors, and the start-up path staying light (no boto3/airflow at import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_process

CLEAN = "AIRFLOW_CONN_ORDERS='{\"conn_type\": \"postgres\", \"host\": \"orders.cluster-abc.us-east-1.rds.amazonaws.com\", " \
        "\"extra\": {\"iam\": true}}'\n"
BAD = "AIRFLOW_CONN_ORDERS=postgres://u:Exit-Code-Pw@orders.cluster-abc.us-east-1.rds.amazonaws.com/db\n"


def test_exit_0_when_clean(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(CLEAN)
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("No findings.")


def test_exit_1_on_findings_and_fail_on_threshold(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BAD)
    assert run_cli("scan", ".", cwd=tmp_path).exit_code == 1
    assert run_cli("scan", ".", "--fail-on", "high", cwd=tmp_path).exit_code == 1
    assert run_cli("scan", ".", "--fail-on", "critical", cwd=tmp_path).exit_code == 0
    assert run_cli("scan", ".", "--fail-on", "none", cwd=tmp_path).exit_code == 0


def test_exit_3_when_partial_and_nothing_failed(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(CLEAN)
    (tmp_path / "broken.yaml").write_text("a: [1\n")
    result = run_cli("scan", ".", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 3
    assert result.json()["errors"][0]["path"] == "broken.yaml"
    (tmp_path / "bad.env").write_text(BAD)
    assert run_cli("scan", ".", cwd=tmp_path).exit_code == 1   # a failing finding wins over partial


@pytest.mark.parametrize("args,message", [
    (["scan", "does-not-exist"], "no such file or folder: does-not-exist"),
    (["scan", ".", "--config", "missing.toml"], "configuration file not found"),
    (["scan", ".", "--fail-on", "severe"], "invalid choice"),
    (["scan", ".", "--format", "xml"], "invalid choice"),
])
def test_exit_2_on_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_process(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_2_on_unknown_config_key(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".airguard.toml").write_text('fail-on = "high"\ncolour = "red"\n')
    (tmp_path / ".env").write_text(CLEAN)
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.exit_code == 2
    assert "unknown key 'colour'" in result.stderr


def test_config_found_upward_in_pyproject(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.airguard]\nfail-on = "critical"\nignore = ["AG102"]\n')
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / ".env").write_text(BAD)
    report = run_cli("scan", "dags", "-f", "json", cwd=tmp_path).json()
    assert report["summary"]["fail_on"] == "critical"
    assert {f["rule_id"] for f in report["findings"]} == {"AG101"}


def test_python_dash_m_and_version() -> None:
    result = run_process("--version")
    assert result.exit_code == 0 and result.stdout.startswith("airguard ")


def test_start_up_path_imports_no_heavy_packages(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BAD)
    probe = (
        "import sys, io, contextlib\n"
        "from scanner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['scan', '.env'])\n"
        "    main(['scan', '.env'])\n"
        "heavy = {'boto3', 'botocore', 'airflow', 'sarif_om', 'jsonschema', 'sqlalchemy'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    env = {"AIRGUARD_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                               env={**os.environ, **env}, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    # jsonschema is imported once to validate the rules, then the cache answers; the second run
    # in the same process proves nothing else heavy came in.
    assert json.loads(completed.stdout.replace("'", '"')) in ([], ["jsonschema"])


def test_warm_start_does_not_import_jsonschema(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BAD)
    env = {"AIRGUARD_CACHE_DIR": str(tmp_path / "cache")}
    run_process("scan", ".env", cwd=tmp_path, env=env)   # fills the rule cache
    probe = ("import sys, io, contextlib\nfrom scanner.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(['scan', '.env'])\n"
             "print('jsonschema' in sys.modules, 'boto3' in sys.modules, 'airflow' in sys.modules, "
             "'pydantic' in sys.modules)\n")
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                               env={**os.environ, **env, "PYTHONPATH": str(REPO)}, timeout=60, check=False)
    # pydantic validates rule files when they are read; rules from the cache and the default configuration
    # are built without it (its import was half of a pre-commit run)
    assert completed.stdout.strip() == "False False False False", completed.stderr


def test_empty_tree_scan_loads_no_parser_database_or_registry(tmp_path: Path) -> None:
    """A scan with nothing to read (warm rule cache) imports each of these where it is first needed, not at
    start-up: the TOML, YAML and RE2 parsers, SQLite (the file cache), the resource registry, the baseline,
    DagBag mode."""
    tree = tmp_path / "tree"
    (tree / ".git").mkdir(parents=True)   # the configuration lookup stops here: no pyproject.toml above is read
    env = {"AIRGUARD_CACHE_DIR": str(tmp_path / "cache")}
    assert run_process("scan", ".", cwd=tree, env=env).exit_code == 0   # fills the rule cache
    probe = ("import io, contextlib, sys\nfrom scanner.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(['scan', '.'])\n"
             "print(' '.join(sorted(sys.modules)))\n")
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True,
                               env={**os.environ, **env, "PYTHONPATH": str(REPO)}, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    loaded = set(completed.stdout.split())
    unneeded = {"tomllib", "tomli", "yaml", "re2", "sqlite3", "jsonschema", "boto3", "pydantic", "scanner.doctree",
                "scanner.resources", "scanner.resources.registry", "scanner.baseline", "scanner.collect.dagbag"}
    assert loaded & unneeded == set()


def test_scan_with_an_aws_snapshot_reports_gaps_as_partial(run_cli) -> None:
    result = run_cli("scan", "--aws-snapshot", "fixtures/aws/snapshot-v1.json", "-f", "json", "--fail-on", "none")
    report = result.json()
    assert result.exit_code == 3
    assert report["summary"]["resources"] > 20
    # the gap itself, then the rule it kept from being evaluated
    assert [(e["kind"], e["level"], e.get("rule_id")) for e in report["errors"]] == \
        [("not-evaluated", "error", None), ("not-evaluated", "error", "AG510")]
    assert all("cloudtrail:DescribeTrails" in e["message"] for e in report["errors"])


def test_bad_aws_snapshot_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "snap.json"
    bad.write_text("{not json")
    result = run_cli("scan", "--aws-snapshot", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("airguard: error:") and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--select", "AG9"], "airguard: error: --select AG9: no rule has this id, name or id prefix (see `airguard rules`)"),
    (["--root", "no-such-folder"], "airguard: error: --root is not a folder: no-such-folder"),
    (["--aws", "--aws-snapshot", "x.json"],
     "airguard: error: --aws and --aws-snapshot exclude each other: collect the account live, or read a snapshot"),
])
def test_flags_that_would_check_nothing_are_usage_errors(run_cli, tmp_path: Path, args: list[str],
                                                         message: str) -> None:
    (tmp_path / ".env").write_text(BAD)
    result = run_cli("scan", ".", *args, cwd=tmp_path)
    assert (result.exit_code, result.stderr.strip()) == (2, message)


@pytest.mark.parametrize(("name", "start"), [("r.sarif", '{"$schema":'), ("r.json", '{"schema_version":'),
                                              ("r.md", "## airguard"), ("r.txt", ".env\n")])
def test_output_extension_picks_the_format(run_cli, tmp_path: Path, name: str, start: str) -> None:
    (tmp_path / ".env").write_text(BAD)
    run_cli("scan", ".", "-o", name, cwd=tmp_path)
    assert (tmp_path / name).read_text().startswith(start)
    run_cli("scan", ".", "-o", "forced.sarif", "-f", "json", cwd=tmp_path)
    assert json.loads((tmp_path / "forced.sarif").read_text())["schema_version"]


def test_counts_are_singular_for_one(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BAD)
    last = run_cli("scan", ".env", "--select", "AG101", cwd=tmp_path).stdout.strip().splitlines()[-1]
    assert last.startswith("1 file, 1 resource, 1 rule in ")


def test_rules_show_json_in_either_order(run_cli) -> None:
    after = json.loads(run_cli("rules", "show", "AG101", "--format", "json").stdout)
    before = json.loads(run_cli("rules", "--format", "json", "show", "AG101").stdout)
    assert after == before
    assert (after["id"], after["severity"]) == ("AG101", "high") and after["docs"]["fix"]


def test_every_flag_has_help_text() -> None:
    import argparse

    from scanner.cli import build_parser

    def parsers(parser: argparse.ArgumentParser):
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    yield from parsers(child)

    missing = [(p.prog, a.dest) for p in parsers(build_parser()) for a in p._actions
               if a.option_strings and not a.help and a.help is not argparse.SUPPRESS]
    assert missing == []


def test_aws_without_boto3_says_how_to_install(tmp_path: Path) -> None:
    """A site without boto3: `--aws` and `aws snapshot` name the extra (exit 2), never an internal error."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "boto3.py").write_text("raise ImportError('blocked for this test')\n")
    (blocker / "sitecustomize.py").write_text(
        "import importlib.abc, sys\n"
        "class _Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'boto3' or name.startswith('boto3.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, _Block())\n")
    env = {"PYTHONPATH": str(blocker)}
    for args in (["scan", ".", "--aws"], ["aws", "snapshot", "-o", str(tmp_path / "s.json")]):
        result = run_process(*args, cwd=tmp_path, env=env)
        assert (result.exit_code, result.stderr.strip()) == (
            2, "airguard: error: collecting from AWS needs boto3: pip install 'airguard[aws]'"), result.stderr


def test_no_aws_credentials_is_one_clear_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(home / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"), "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
           "AWS_SESSION_TOKEN": ""}
    result = run_process("scan", "--aws", "--region", "eu-west-1", cwd=tmp_path, env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("airguard: error: no AWS credentials found:")
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    result = run_process("aws", "snapshot", "-o", str(tmp_path / "s.json"), "--profile", "nope", cwd=tmp_path, env=env)
    assert (result.exit_code, result.stderr.strip()) == (2, "airguard: error: cannot load AWS credentials: ProfileNotFound")


def test_a_command_runs_with_fewer_garbage_collections_and_restores_the_rate(monkeypatch, tmp_path: Path) -> None:
    import gc

    from scanner import cli

    seen = []
    monkeypatch.setattr(cli, "_scan", lambda args: seen.append(gc.get_threshold()) or 0)
    before = gc.get_threshold()
    assert cli.main(["scan", str(tmp_path)]) == 0
    assert seen == [(50_000, 20, 20)] and gc.get_threshold() == before


def test_the_program_leaves_at_once_with_main_s_code_its_output_flushed_and_atexit_run(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AIRFLOW_CONN_WAREHOUSE=postgresql://loader:Plant3dSecret9@db.example.com/dw\n")
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('atexit handlers ran', file=sys.stderr))\n"
             "from scanner.cli import run\n"
             "sys.argv = ['airguard', 'scan', '.env', '-f', 'json']\n"
             "run()\n"
             "print('never here')\n")
    ran = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert ran.returncode == 1                                   # findings, as main() returned
    assert json.loads(ran.stdout)["findings"][0]["rule_id"] == "AG101"   # the whole report, flushed
    assert "never here" not in ran.stdout and ran.stderr.strip() == "atexit handlers ran"
