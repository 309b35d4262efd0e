"""action.yml: its structure, and its run steps executed locally the way the runner would run them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from scanner.action import (
    ActionInputs,
    dagbag_decision,
    fenced,
    is_fork_event,
    output_lines,
    repo_config_decision,
    run_scan_step,
    scan_command,
)
from tests.conftest import DATA, REPO
from tests.hostile.test_injection import runner_commands

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BAD = "AIRFLOW_CONN_ORDERS=postgres://u:Action-Pw-8080@orders.cluster-abc.us-east-1.rds.amazonaws.com/db\n"
SAME_REPO_PR = {"pull_request": {"head": {"repo": {"full_name": "acme/dags", "fork": False}},
                                 "base": {"repo": {"full_name": "acme/dags", "fork": False}}}}
FORK_PR = {"pull_request": {"head": {"repo": {"full_name": "mallory/dags", "fork": True}},
                            "base": {"repo": {"full_name": "acme/dags", "fork": False}}}}


def test_action_yml_structure() -> None:
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    expected_inputs = {"paths", "config", "fail-on", "baseline", "aws-snapshot", "sarif-category", "upload-sarif",
                       "dagbag", "dagbag-on-forks", "python-version", "install", "fail-on-partial", "top",
                       "repo-config-on-forks"}
    assert set(ACTION["inputs"]) == expected_inputs
    assert all("description" in spec and "default" in spec for spec in ACTION["inputs"].values())
    assert (ACTION["inputs"]["upload-sarif"]["default"], ACTION["inputs"]["dagbag"]["default"],
            ACTION["inputs"]["dagbag-on-forks"]["default"],
            ACTION["inputs"]["repo-config-on-forks"]["default"]) == ("true", "false", "false", "false")
    for step in ACTION["runs"]["steps"]:
        assert "name" in step
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"expressions belong in env, not in shell text: {step['name']}"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", step["uses"]), step["uses"]
    uses = [s["uses"].split("@")[0] for s in ACTION["runs"]["steps"] if "uses" in s]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]


def test_every_expression_refers_to_something_declared() -> None:
    text = (REPO / "action.yml").read_text()
    inputs = set(ACTION["inputs"])
    step_ids = {s.get("id") for s in ACTION["runs"]["steps"]}
    for expression in EXPRESSION.findall(text):
        for name in re.findall(r"\binputs\.([\w-]+)", expression):
            assert name in inputs, expression
        for step in re.findall(r"\bsteps\.([\w-]+)\.outputs", expression):
            assert step in step_ids, expression
    assert "security-events: write" in text


def _context(inputs: dict[str, str], outputs: dict[str, str]) -> dict[str, str]:
    values = {f"inputs.{k}": str(v["default"]) for k, v in ACTION["inputs"].items()}
    values.update({f"inputs.{k}": v for k, v in inputs.items()})
    values.update({f"steps.scan.outputs.{k}": v for k, v in outputs.items()})
    values["github.action_path"] = str(REPO)
    return values


def _resolve(value: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context.get(m.group(1), ""), str(value))


def parse_outputs(text: str) -> dict[str, str]:
    """`$GITHUB_OUTPUT` read as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = re.split(r"\r\n|\r|\n", text)
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            values[line[:equals]] = line[equals + 1:]
        elif heredoc >= 0:
            delimiter, block = line[heredoc + 2:], []
            while lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1
            values[line[:heredoc]] = "\n".join(block)
    return values


def _read_outputs(path: Path) -> dict[str, str]:
    return parse_outputs(path.read_text()) if path.exists() else {}


def run_action(tmp_path: Path, workspace: Path, event: dict, inputs: dict[str, str],
               python_bin: Path | None = None, extra_env: dict[str, str] | None = None) -> dict:
    """Run the action's run steps with bash, as the runner would.

    By default the install step is left out and `python` is this interpreter with this tree on
    PYTHONPATH; with `python_bin` (a fresh venv's bin folder) every run step runs, install included.
    """
    runner = tmp_path / "runner"
    (runner / "bin").mkdir(parents=True, exist_ok=True)
    if python_bin is None:
        python = runner / "bin" / "python"
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')   # the real interpreter, as `python`
        python.chmod(0o755)
    files = {name: runner / name for name in ("summary.md", "output.txt", "env.txt", "event.json")}
    files["event.json"].write_text(json.dumps(event))
    path_head = python_bin or runner / "bin"
    base_env = {**os.environ, "PATH": f"{path_head}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO),
                "GITHUB_STEP_SUMMARY": str(files["summary.md"]), "GITHUB_OUTPUT": str(files["output.txt"]),
                "GITHUB_ENV": str(files["env.txt"]), "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_EVENT_PATH": str(files["event.json"]), "RUNNER_TEMP": str(runner / "temp"),
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/dags", "GITHUB_SHA": "f00d"}
    if python_bin is not None:
        base_env.pop("PYTHONPATH")
    base_env.update(extra_env or {})
    logs, codes = {}, {}
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or (step.get("id") == "install" and python_bin is None):
            continue
        context = _context(inputs, _read_outputs(files["output.txt"]))
        env = {**base_env, **{k: _resolve(v, context) for k, v in step.get("env", {}).items()}}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=120, check=False)  # one log, in order
        logs[step["name"]], codes[step["name"]] = done.stdout, done.returncode
    return {"outputs": _read_outputs(files["output.txt"]), "summary": files["summary.md"].read_text()
            if files["summary.md"].exists() else "", "logs": logs, "codes": codes}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    project = tmp_path / "workspace"
    (project / ".git").mkdir(parents=True)
    (project / "dags").mkdir()
    (project / "dags" / "prod.env").write_text("# prod\n" + BAD)
    return project


def test_action_on_findings_writes_summary_outputs_sarif_and_fails(tmp_path: Path, workspace: Path) -> None:
    run = run_action(tmp_path, workspace, SAME_REPO_PR, {"paths": "dags"})
    outputs = run["outputs"]
    assert (outputs["exit-code"], outputs["findings"], outputs["high"], outputs["dagbag"]) == ("1", "2", "2", "false")
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    jsonschema.validate(sarif, json.loads((DATA / "sarif-schema-2.1.0.json").read_text()))
    assert sarif["runs"][0]["automationDetails"]["id"] == "airguard/"
    assert "| 🔴 high | 2 |" in run["summary"]
    assert "[dags/prod.env:2](https://github.com/acme/dags/blob/f00d/dags/prod.env#L2)" in run["summary"]
    assert run["codes"] == {"Scan": 0, "Fail on the fail level": 1}
    assert "::error title=airguard::findings at or above the fail level" in run["logs"]["Fail on the fail level"]
    everything = run["summary"] + "".join(run["logs"].values()) + Path(outputs["sarif-file"]).read_text()
    assert "Action-Pw-8080" not in everything


def test_action_passes_with_fail_on_and_baseline(tmp_path: Path, workspace: Path) -> None:
    run = run_action(tmp_path, workspace, {}, {"paths": "dags", "fail-on": "critical"})
    assert run["codes"]["Fail on the fail level"] == 0 and run["outputs"]["exit-code"] == "0"
    subprocess.run([sys.executable, "-m", "scanner", "baseline", "-o", "base.json", "dags"], cwd=workspace,
                   env={**os.environ, "PYTHONPATH": str(REPO)}, check=True, capture_output=True)
    run = run_action(tmp_path / "2", workspace, {}, {"paths": "dags", "baseline": "base.json"})
    assert (run["outputs"]["exit-code"], run["outputs"]["findings"], run["outputs"]["baselined"]) == ("0", "0", "2")
    assert "| in the baseline | 2 |" in run["summary"]


def test_partial_scan_fails_or_warns(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dags" / "prod.env").write_text("OK=1\n")
    (workspace / "dags" / "broken.yaml").write_text("a: [1\n")
    run = run_action(tmp_path, workspace, {}, {"paths": "dags"})
    assert run["outputs"]["exit-code"] == "3" and run["codes"]["Fail on the fail level"] == 3
    assert "### Not scanned (partial result)" in run["summary"]
    run = run_action(tmp_path / "2", workspace, {}, {"paths": "dags", "fail-on-partial": "false"})
    assert run["codes"]["Fail on the fail level"] == 0
    assert "::warning title=airguard::partial scan" in run["logs"]["Fail on the fail level"]


def test_usage_error_is_summarised_and_fails(tmp_path: Path, workspace: Path) -> None:
    run = run_action(tmp_path, workspace, {}, {"paths": "dags", "baseline": "missing.json"})
    assert run["outputs"]["exit-code"] == "2" and run["outputs"]["sarif-file"] == ""
    assert "**❌ the scan did not run** (exit code 2)" in run["summary"]
    assert "baseline file not found: missing.json" in run["summary"]
    assert run["codes"]["Fail on the fail level"] == 2


def test_dagbag_never_runs_on_forks_unless_allowed(tmp_path: Path, workspace: Path) -> None:
    assert is_fork_event(FORK_PR) and not is_fork_event(SAME_REPO_PR) and not is_fork_event({})
    run = run_action(tmp_path, workspace, FORK_PR, {"paths": "dags", "dagbag": "true"})
    assert run["outputs"]["dagbag"] == "false"
    assert "pull request from a fork: DagBag mode (which executes DAG code) skipped" in run["logs"]["Scan"]

    def decide(event: dict, **inputs: str) -> bool:
        env = {f"AIRGUARD_{k.upper()}": v for k, v in inputs.items()}
        return dagbag_decision(ActionInputs.from_env(env), event)[0]

    assert decide(FORK_PR, dagbag="true") is False
    assert decide(FORK_PR, dagbag="true", dagbag_on_forks="true") is True
    assert decide(SAME_REPO_PR, dagbag="true") is True
    # a deleted fork (GitHub sends "repo": null) or a head it cannot compare is treated as a fork
    deleted_fork = {"pull_request": {"head": {"repo": None}, "base": {"repo": {"full_name": "org/repo"}}}}
    assert is_fork_event(deleted_fork) and decide(deleted_fork, dagbag="true") is False
    assert is_fork_event({"pull_request": {"head": {"repo": {"full_name": ""}}, "base": {"repo": {"full_name": "o/r"}}}})
    assert decide(SAME_REPO_PR) is False
    command = scan_command(ActionInputs.from_env({"AIRGUARD_PATHS": "dags 'my dags'"}), tmp_path, dagbag=True)
    assert command[1:5] == ["-I", "-m", "scanner", "scan"]
    assert command[5:7] == ["dags", "my dags"] and command[-1] == "--dagbag"
    assert "--dagbag" not in scan_command(ActionInputs.from_env({}), tmp_path, dagbag=False)


def test_install_step_uses_the_actions_own_checkout_by_default() -> None:
    install = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "install")
    assert install["env"]["AIRGUARD_ACTION_PATH"] == "${{ github.action_path }}"
    assert 'source="${AIRGUARD_INSTALL:-$AIRGUARD_ACTION_PATH}"' in install["run"]
    setup = ACTION["runs"]["steps"][0]["with"]
    # no cache keyed on the action's own folder: it is outside the workspace (actions/setup-python#361)
    assert "cache" not in setup and "cache-dependency-path" not in setup


def test_workflows_and_the_action_pass_zizmor() -> None:
    """Every third-party action pinned by commit SHA, no persisted checkout credentials, no template
    injection: zizmor (offline) on action.yml and the example workflows finds nothing."""
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (it is in the test extra)")
    done = subprocess.run([zizmor, "--offline", "--format", "plain", "action.yml", "examples/"], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


@pytest.mark.slow
def test_action_end_to_end_with_its_install_step(tmp_path: Path, workspace: Path) -> None:
    """Install from the action's own checkout into a fresh venv (offline wheelhouse), scan, verdict. The
    pull request plants modules named like what the steps import (pip, scanner, yaml, json): none may run."""
    from tests.integrations.test_precommit import _wheelhouse

    marker = tmp_path / "planted-module-ran"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    for package in ("pip", "scanner", "yaml", "pydantic"):
        (workspace / package).mkdir()
        (workspace / package / "__init__.py").write_text(payload)
        (workspace / package / "__main__.py").write_text(payload)
    (workspace / "json.py").write_text(payload)

    wheelhouse = _wheelhouse()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "AIRGUARD_CACHE_DIR": str(tmp_path / "c")}
    run = run_action(tmp_path, workspace, SAME_REPO_PR, {"paths": "dags", "fail-on": "high"},
                     python_bin=venv / "bin", extra_env=offline)
    assert run["codes"] == {"Install airguard": 0, "Scan": 0, "Fail on the fail level": 1}, run["logs"]
    assert run["outputs"]["exit-code"] == "1" and run["outputs"]["findings"] == "2"
    assert "| 🔴 high | 2 |" in run["summary"]
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = subprocess.run([str(venv / "bin" / "python"), "-c", "import scanner; print(scanner.__file__)"],
                               capture_output=True, text=True, check=True, env=clean_env, cwd=tmp_path).stdout
    assert str(venv) in installed      # the scan used the installed package, not this tree
    assert not marker.exists()         # python -I: the checked-out tree is never on the import path


def test_a_bad_paths_input_is_a_clear_error_and_stale_reports_never_count(tmp_path: Path, workspace: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "airguard.json").write_text('{"summary": {"findings": 99}}')  # an earlier run's report
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    env = {"AIRGUARD_PATHS": "it's", "AIRGUARD_OUTPUT_DIR": str(out), "GITHUB_OUTPUT": str(outputs),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(workspace)}
    assert run_scan_step(env) == 0
    assert outputs.read_text() == "exit-code=2\n"
    assert "input 'paths' is not a list of paths" in summary.read_text()
    env["AIRGUARD_PATHS"] = "dags"
    env["AIRGUARD_CONFIG"] = "missing.toml"  # exit 2 before any report is written
    outputs.write_text("")
    assert run_scan_step(env) == 0
    assert "exit-code=2" in outputs.read_text() and "findings=" not in outputs.read_text()
    assert not (out / "airguard.json").exists()


REPO_CONFIG = 'ignore = ["AG101"]\nexclude = ["dags/secret/*"]\nfail-on = "none"\n'


def test_on_a_fork_the_trees_own_config_is_ignored_and_the_summary_says_what_it_changed(
        tmp_path: Path, workspace: Path) -> None:
    (workspace / ".airguard.toml").write_text(REPO_CONFIG)
    run = run_action(tmp_path, workspace, FORK_PR, {"paths": "dags"})
    assert (run["outputs"]["exit-code"], run["outputs"]["findings"]) == ("1", "2")   # AG101 and AG102 count
    assert run["outputs"]["repo-config-ignored"] == "true"
    assert run["codes"]["Fail on the fail level"] == 1
    assert ("::notice title=airguard::pull request from a fork: the repository's own airguard configuration is "
            "ignored; set repo-config-on-forks: true to use it") in run["logs"]["Scan"]
    section = run["summary"].split("### Repository configuration ignored (pull request from a fork)")[1]
    assert "the configuration it carries in `.airguard.toml` was not used" in section
    assert [line for line in section.splitlines() if line.startswith("- ")] == [
        "- `fail-on`: `none (the lowest severity that fails)`",
        "- `ignore`: `AG101 (these rules would be switched off)`",
        "- `exclude`: `dags/secret/* (these paths would not be scanned)`",
    ]
    # allowed explicitly: the tree's config applies, nothing is said
    run = run_action(tmp_path / "2", workspace, FORK_PR, {"paths": "dags", "repo-config-on-forks": "true"})
    assert (run["outputs"]["exit-code"], run["outputs"]["findings"]) == ("0", "1")
    assert run["outputs"]["repo-config-ignored"] == "false" and "Repository configuration" not in run["summary"]
    # not a fork: the repository's own config applies
    run = run_action(tmp_path / "3", workspace, SAME_REPO_PR, {"paths": "dags"})
    assert (run["outputs"]["exit-code"], run["outputs"]["findings"]) == ("0", "1")
    assert "Repository configuration" not in run["summary"]
    # the config input names the configuration: it applies on forks too, the tree's own is not consulted
    (tmp_path / "trusted.toml").write_text('ignore = ["AG102"]\n')
    run = run_action(tmp_path / "4", workspace, FORK_PR, {"paths": "dags", "config": str(tmp_path / "trusted.toml")})
    assert (run["outputs"]["exit-code"], run["outputs"]["findings"]) == ("1", "1")
    assert "Repository configuration" not in run["summary"]


def test_on_a_fork_a_tree_config_that_does_not_load_is_ignored_too(tmp_path: Path, workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text('[tool.airguard]\nignore = "AG101"\n')
    run = run_action(tmp_path, workspace, FORK_PR, {"paths": "dags"})
    assert (run["outputs"]["exit-code"], run["outputs"]["findings"]) == ("1", "2")
    assert "the configuration it carries in `pyproject.toml` was not used" in run["summary"]
    assert "It was not read: it does not load (pyproject.toml: \\[tool.airguard\\] 'ignore'" in run["summary"]


def test_repo_config_decision() -> None:
    inputs = ActionInputs.from_env({})
    assert repo_config_decision(inputs, FORK_PR)[0] is False
    assert repo_config_decision(inputs, SAME_REPO_PR)[0] is True and repo_config_decision(inputs, {})[0] is True
    assert repo_config_decision(ActionInputs.from_env({"AIRGUARD_REPO_CONFIG_ON_FORKS": "true"}), FORK_PR)[0]
    assert scan_command(inputs, tmp := Path("out"), dagbag=False, repo_config=False)[-1] == "--no-repo-config"
    assert "--no-repo-config" not in scan_command(inputs, tmp, dagbag=False)


HOSTILE_NAME = "x\n::error::pwned\n##[warning]v1\u202e.env"


def test_nothing_from_the_tree_runs_as_a_workflow_command_in_the_action(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dags" / HOSTILE_NAME).write_text(BAD)
    (workspace / "dags" / "n\n::stop-commands::x.yaml").write_text("a: [1\n")
    run = run_action(tmp_path, workspace, FORK_PR, {"paths": "dags", "fail-on-partial": "false"})
    assert run["outputs"]["exit-code"] == "1"
    log = run["logs"]["Scan"]
    commands = runner_commands(log)
    token = commands[0][1]
    assert re.fullmatch(r"airguard-[0-9a-f]{32}", token) and token not in run["summary"]
    assert commands == [("stop-commands", token), ("resume", token)]
    assert "x\\n::error::pwned\\n##\\x5bwarning]v1\\u202e.env" in log   # shown, escaped, inside the pause
    assert "[dags/x\\\\n::error::pwned\\\\n##\\\\x5bwarning\\]v1\\\\u202e.env:1](https://" in run["summary"]
    assert set(run["outputs"]) >= {"exit-code", "findings", "sarif-file"}


def test_outputs_cannot_inject_other_outputs() -> None:
    text = output_lines({"exit-code": "0", "sarif-file": "/tmp/a\nexit-code=9", "x": "b\r\nfindings=0"})
    assert parse_outputs(text) == {"exit-code": "0", "sarif-file": "/tmp/a\nexit-code=9", "x": "b\nfindings=0"}
    assert text.startswith("exit-code=0\nsarif-file<<AIRGUARD_EOF_")
    with pytest.raises(ValueError):
        output_lines({"a\nb": "1"})


def test_a_usage_error_is_quoted_in_a_fence_it_cannot_close(tmp_path: Path, workspace: Path) -> None:
    assert fenced("a ``` b") == "````\na ``` b\n````" and fenced("x") == "```\nx\n```"
    run = run_action(tmp_path, workspace, {}, {"paths": "dags", "baseline": "missing```\n# pwned.json"})
    assert run["outputs"]["exit-code"] == "2"
    summary = run["summary"]
    assert "\n````\nbaseline file not found: missing```\n# pwned.json (create it with" in summary
    assert summary.endswith("\n````\n") and summary.count("````") == 2
