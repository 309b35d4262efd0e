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
    InputError,
    checkout_root,
    dagbag_decision,
    fenced,
    is_fork_event,
    output_lines,
    repo_config_decision,
    run_scan_step,
    sarif_upload_decision,
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
                       "repo-config-on-forks", "checkout-path", "upload-sarif-on-partial"}
    assert set(ACTION["inputs"]) == expected_inputs
    assert all("description" in spec and "default" in spec for spec in ACTION["inputs"].values())
    assert (ACTION["inputs"]["upload-sarif"]["default"], ACTION["inputs"]["dagbag"]["default"],
            ACTION["inputs"]["dagbag-on-forks"]["default"], ACTION["inputs"]["repo-config-on-forks"]["default"],
            ACTION["inputs"]["upload-sarif-on-partial"]["default"], ACTION["inputs"]["checkout-path"]["default"]) == (
        "true", "false", "false", "false", "false", ".")
    for step in ACTION["runs"]["steps"]:
        assert "name" in step
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"expressions belong in env, not in shell text: {step['name']}"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", step["uses"]), step["uses"]
    uses = [s["uses"].split("@")[0] for s in ACTION["runs"]["steps"] if "uses" in s]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]
    steps = {s.get("id"): s for s in ACTION["runs"]["steps"]}
    # a failed upload (403 in a private repository without code scanning) never fails the job by itself
    assert steps["upload"]["continue-on-error"] is True
    assert [s.get("continue-on-error", False) for s in ACTION["runs"]["steps"]].count(True) == 1
    assert steps["upload"]["with"]["checkout_path"] == "${{ steps.scan.outputs.checkout-path }}"
    assert steps["upload-result"]["env"]["AIRGUARD_UPLOAD_OUTCOME"] == "${{ steps.upload.outcome }}"


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


def _context(inputs: dict[str, str], outputs: dict[str, dict[str, str]],
             outcomes: dict[str, str]) -> dict[str, str]:
    values = {f"inputs.{k}": str(v["default"]) for k, v in ACTION["inputs"].items()}
    values.update({f"inputs.{k}": v for k, v in inputs.items()})
    for step, step_outputs in outputs.items():
        values.update({f"steps.{step}.outputs.{k}": v for k, v in step_outputs.items()})
    values.update({f"steps.{step}.outcome": outcome for step, outcome in outcomes.items()})
    values["github.action_path"] = str(REPO)
    return values


def _resolve(value: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context.get(m.group(1), ""), str(value))


CONDITION_TOKEN = re.compile(r"\s+|'[^']*'|always\(\)|&&|\|\||==|!=|!|\(|\)|[\w.-]+")


def condition_holds(condition: str | None, context: dict[str, str]) -> bool:
    """A step's `if:` as the runner evaluates the forms action.yml uses: `always()`, contexts, string
    literals, ==, !=, !, &&, || and parentheses. Without `if:`, a step runs when nothing before failed,
    which the caller checks."""
    if condition is None:
        return True
    text = EXPRESSION.fullmatch(condition.strip())
    text = text.group(1) if text else condition
    python = []
    for token in CONDITION_TOKEN.findall(text):
        if token.isspace():
            continue
        python.append({"always()": "True", "&&": "and", "||": "or", "!": "not", "==": "==", "!=": "!=",
                       "(": "(", ")": ")"}.get(token) or (repr(token[1:-1]) if token.startswith("'")
                                                            else repr(context.get(token, ""))))
    assert "".join(CONDITION_TOKEN.findall(text)) == text, f"unparsed condition: {condition}"
    return bool(eval(" ".join(python), {"__builtins__": {}}))  # our own action.yml's conditions only


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


def action_outputs(step_outputs: dict[str, dict[str, str]]) -> dict[str, str]:
    """The action's declared outputs, each resolved from its `value:` expression."""
    context = {f"steps.{step}.outputs.{k}": v for step, values in step_outputs.items() for k, v in values.items()}
    return {name: _resolve(spec["value"], context) for name, spec in ACTION["outputs"].items()}


def run_action(tmp_path: Path, workspace: Path, event: dict, inputs: dict[str, str],
               python_bin: Path | None = None, extra_env: dict[str, str] | None = None,
               uses_outcomes: dict[str, str] | None = None) -> dict:
    """Run the action's steps as the runner would: run steps with bash, each with its own
    `$GITHUB_OUTPUT`, `if:` conditions evaluated, `continue-on-error` honoured. `uses:` steps are not run:
    their resolved `with:` is recorded and their outcome is `uses_outcomes[id]` (default success).

    By default the install step is left out and `python` is this interpreter with this tree on
    PYTHONPATH; with `python_bin` (a fresh venv's bin folder) every run step runs, install included.
    """
    runner = tmp_path / "runner"
    (runner / "bin").mkdir(parents=True, exist_ok=True)
    if python_bin is None:
        python = runner / "bin" / "python"
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')   # the real interpreter, as `python`
        python.chmod(0o755)
    files = {name: runner / name for name in ("summary.md", "env.txt", "event.json")}
    files["event.json"].write_text(json.dumps(event))
    path_head = python_bin or runner / "bin"
    base_env = {**os.environ, "PATH": f"{path_head}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO),
                "GITHUB_STEP_SUMMARY": str(files["summary.md"]), "GITHUB_ENV": str(files["env.txt"]),
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_EVENT_PATH": str(files["event.json"]), "RUNNER_TEMP": str(runner / "temp"),
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/dags", "GITHUB_SHA": "f00d"}
    if python_bin is not None:
        base_env.pop("PYTHONPATH")
    base_env.update(extra_env or {})
    logs, codes, uses, outputs, outcomes = {}, {}, {}, {}, {}
    failed = False
    for number, step in enumerate(ACTION["runs"]["steps"]):
        step_id = step.get("id", f"__{number}")
        if step.get("id") == "install" and python_bin is None:
            continue
        context = _context(inputs, outputs, outcomes)
        condition = step.get("if")
        if (condition is None and failed) or not condition_holds(condition, context):
            outcomes[step_id] = "skipped"
            continue
        if "uses" in step:
            if step["uses"].startswith("actions/setup-python"):
                continue
            uses[step["name"]] = {k: _resolve(v, context) for k, v in step.get("with", {}).items()}
            outcome = (uses_outcomes or {}).get(step_id, "success")
        else:
            output_file = runner / f"output-{number}.txt"
            env = {**base_env, "GITHUB_OUTPUT": str(output_file),
                   **{k: _resolve(v, context) for k, v in step.get("env", {}).items()}}
            done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=120, check=False)  # one log, in order
            logs[step["name"]], codes[step["name"]] = done.stdout, done.returncode
            outputs[step_id] = _read_outputs(output_file)
            outcome = "success" if done.returncode == 0 else "failure"
        outcomes[step_id] = outcome
        if outcome == "failure" and not step.get("continue-on-error"):
            failed = True
    return {"outputs": outputs.get("scan", {}), "step_outputs": outputs, "action_outputs": action_outputs(outputs),
            "summary": files["summary.md"].read_text() if files["summary.md"].exists() else "", "logs": logs,
            "codes": codes, "uses": uses, "outcomes": outcomes}


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
    assert run["codes"] == {"Scan": 0, "Check the SARIF upload": 0, "Fail on the fail level": 1}
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
    assert "--no-cache" in command   # nothing read from or written to a cache on a runner
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
    assert run["codes"] == {"Install airguard": 0, "Scan": 0, "Check the SARIF upload": 0,
                            "Fail on the fail level": 1}, run["logs"]
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
    assert outputs.read_text() == "exit-code=2\nsarif-upload=false\n"
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
    # the scan's own output is inside the pause; after it only the action's own warning (a partial scan)
    assert commands[:2] == [("stop-commands", token), ("resume", token)]
    assert [name for name, _ in commands[2:]] == ["warning"]
    assert commands[2][1].startswith("partial scan: the SARIF report was not uploaded")
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


# --- outputs --------------------------------------------------------------------------------------------

# Outputs the scan step sets for the action's own later steps only.
INTERNAL_SCAN_OUTPUTS = {"checkout-path", "sarif-upload"}
SUPPRESSED_LINE = ("AIRFLOW_CONN_SCRATCH=postgres://airflow:Scratch-Pw-1@localhost/scratch"
                   "  # airguard: ignore[AG101] local throwaway database\n")


def test_every_output_the_scan_step_sets_is_declared_and_has_its_value(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dags" / "local.env").write_text(SUPPRESSED_LINE)
    run = run_action(tmp_path, workspace, SAME_REPO_PR, {"paths": "dags"})
    scan = run["step_outputs"]["scan"]
    declared = {name for name, spec in ACTION["outputs"].items() if "steps.scan.outputs." in spec["value"]}
    assert set(scan) - INTERNAL_SCAN_OUTPUTS == declared
    out_dir = tmp_path / "runner" / "temp" / "airguard"
    assert run["action_outputs"] == {
        "exit-code": "1", "findings": "2", "critical": "0", "high": "2", "medium": "0", "low": "0", "info": "0",
        "suppressed": "1", "baselined": "0", "partial": "false", "dagbag": "false", "repo-config-ignored": "false",
        "sarif-uploaded": "true", "sarif-file": str(out_dir / "airguard.sarif"),
        "markdown-file": str(out_dir / "airguard.md"), "json-file": str(out_dir / "airguard.json")}
    assert scan["checkout-path"] == str(workspace.resolve()) and scan["sarif-upload"] == "true"
    assert run["uses"]["Upload SARIF to code scanning"] == {
        "sarif_file": str(out_dir / "airguard.sarif"), "category": "airguard", "checkout_path": str(workspace.resolve())}


def test_counts_of_a_clean_scan_are_zeros_not_empty(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dags" / "prod.env").write_text("OK=1\n")
    outputs = run_action(tmp_path, workspace, {}, {"paths": "dags"})["action_outputs"]
    assert {k: outputs[k] for k in ("exit-code", "findings", "critical", "high", "medium", "low", "info",
                                    "suppressed", "baselined", "partial")} == {
        "exit-code": "0", "findings": "0", "critical": "0", "high": "0", "medium": "0", "low": "0", "info": "0",
        "suppressed": "0", "baselined": "0", "partial": "false"}


# --- checkout path / report root ------------------------------------------------------------------------

def _sarif_uris(path: str) -> set[str]:
    sarif = json.loads(Path(path).read_text())
    return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}


def test_a_repository_checked_out_into_a_subfolder_reports_repository_paths(tmp_path: Path) -> None:
    """actions/checkout with `path: src`: the workspace is not the repository, `src` is."""
    workspace = tmp_path / "workspace"
    repo = workspace / "src"
    (repo / ".git").mkdir(parents=True)
    (repo / "dags").mkdir()
    (repo / "dags" / "prod.env").write_text("# prod\n" + BAD)
    (repo / ".airguard.toml").write_text('ignore = ["AG102"]\n')       # the repository's config still applies
    (workspace / "other-checkout" / ".git").mkdir(parents=True)
    run = run_action(tmp_path, workspace, SAME_REPO_PR, {"paths": "dags", "checkout-path": "src"})
    outputs = run["outputs"]
    assert (outputs["exit-code"], outputs["findings"]) == ("1", "1")
    assert _sarif_uris(outputs["sarif-file"]) == {"dags/prod.env"}
    assert "[dags/prod.env:2](https://github.com/acme/dags/blob/f00d/dags/prod.env#L2)" in run["summary"]
    assert run["uses"]["Upload SARIF to code scanning"]["checkout_path"] == str(repo.resolve())
    assert "is not a git checkout" not in run["logs"]["Scan"]

    # without the input the paths start with the folder, and the log says what to set
    run = run_action(tmp_path / "2", workspace, SAME_REPO_PR, {"paths": "src/dags"})
    assert _sarif_uris(run["outputs"]["sarif-file"]) == {"src/dags/prod.env"}
    assert ("::warning title=airguard::. is not a git checkout but other-checkout, src is: if actions/checkout "
            "used path:, set checkout-path to it") in run["logs"]["Scan"]


def test_a_checkout_path_that_is_not_a_folder_is_a_clear_error(tmp_path: Path, workspace: Path) -> None:
    run = run_action(tmp_path, workspace, {}, {"paths": "dags", "checkout-path": "nowhere"})
    assert run["outputs"] == {"exit-code": "2", "sarif-upload": "false"}
    assert "input 'checkout-path' is not a folder: nowhere" in run["summary"]
    assert run["codes"]["Fail on the fail level"] == 2 and "Upload SARIF to code scanning" not in run["uses"]
    assert checkout_root(ActionInputs.from_env({"AIRGUARD_CHECKOUT_PATH": str(workspace)}), tmp_path) == \
        workspace.resolve()
    with pytest.raises(InputError):
        checkout_root(ActionInputs.from_env({"AIRGUARD_CHECKOUT_PATH": "dags/prod.env"}), workspace)


# --- a failed upload (403) ------------------------------------------------------------------------------

def test_a_failed_upload_warns_and_does_not_fail_the_job(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dags" / "prod.env").write_text("OK=1\n")
    run = run_action(tmp_path, workspace, {}, {"paths": "dags"}, uses_outcomes={"upload": "failure"})
    assert run["outcomes"]["upload"] == "failure"
    assert run["codes"] == {"Scan": 0, "Check the SARIF upload": 0, "Fail on the fail level": 0}
    log = run["logs"]["Check the SARIF upload"]
    assert log.startswith("::warning title=airguard::the SARIF upload to code scanning failed;")
    assert "private repository needs GitHub Code Security" in log
    assert run["action_outputs"]["sarif-uploaded"] == "false"
    assert "### Code scanning not updated" in run["summary"]


def test_findings_fail_the_job_after_a_failed_upload_too(tmp_path: Path, workspace: Path) -> None:
    run = run_action(tmp_path, workspace, {}, {"paths": "dags"}, uses_outcomes={"upload": "failure"})
    assert run["codes"] == {"Scan": 0, "Check the SARIF upload": 0, "Fail on the fail level": 1}


def test_upload_sarif_false_skips_the_upload_silently(tmp_path: Path, workspace: Path) -> None:
    run = run_action(tmp_path, workspace, {}, {"paths": "dags", "upload-sarif": "false"})
    assert "Upload SARIF to code scanning" not in run["uses"] and run["outcomes"]["upload"] == "skipped"
    assert run["action_outputs"]["sarif-uploaded"] == "false"
    assert "::warning" not in "".join(run["logs"].values()) and "Code scanning not updated" not in run["summary"]


# --- partial scans are not uploaded -------------------------------------------------------------------

def test_a_partial_scan_is_not_uploaded_so_open_alerts_stay_open(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dags" / "broken.yaml").write_text("a: [1\n")          # not read: the scan is partial
    run = run_action(tmp_path, workspace, {}, {"paths": "dags", "fail-on-partial": "false"})
    assert (run["outputs"]["exit-code"], run["outputs"]["partial"], run["outputs"]["findings"]) == ("1", "true", "2")
    assert run["outputs"]["sarif-upload"] == "false" and run["outcomes"]["upload"] == "skipped"
    assert "Upload SARIF to code scanning" not in run["uses"]
    assert run["action_outputs"]["sarif-uploaded"] == "false"
    assert Path(run["outputs"]["sarif-file"]).is_file()                   # still written, for an artifact
    assert "::warning title=airguard::partial scan: the SARIF report was not uploaded" in run["logs"]["Scan"]
    assert "### Code scanning not updated" in run["summary"]
    assert run["codes"]["Fail on the fail level"] == 1                     # the findings still fail the job
    # asked for explicitly: uploaded
    run = run_action(tmp_path / "2", workspace, {}, {"paths": "dags", "upload-sarif-on-partial": "true"})
    assert run["outputs"]["sarif-upload"] == "true" and "Upload SARIF to code scanning" in run["uses"]
    assert run["action_outputs"]["sarif-uploaded"] == "true" and "Code scanning not updated" not in run["summary"]


@pytest.mark.parametrize(("inputs", "written", "partial", "expected"), [
    ({}, True, False, (True, "uploading the SARIF report to code scanning")),
    ({}, True, True, (False, "partial scan")),
    ({"AIRGUARD_UPLOAD_SARIF_ON_PARTIAL": "true"}, True, True, (True, "uploading")),
    ({"AIRGUARD_UPLOAD_SARIF": "false"}, True, False, (False, "upload-sarif: false")),
    ({"AIRGUARD_UPLOAD_SARIF": "false", "AIRGUARD_UPLOAD_SARIF_ON_PARTIAL": "true"}, True, True,
     (False, "upload-sarif: false")),
    ({}, False, False, (False, "the scan wrote no SARIF report")),
    ({"AIRGUARD_UPLOAD_SARIF_ON_PARTIAL": "true"}, False, True, (False, "the scan wrote no SARIF report")),
])
def test_sarif_upload_decision(inputs: dict[str, str], written: bool, partial: bool,
                               expected: tuple[bool, str]) -> None:
    upload, reason = sarif_upload_decision(ActionInputs.from_env(inputs), written, partial)
    assert (upload, reason.startswith(expected[1])) == (expected[0], True)


def test_condition_evaluator_reads_the_forms_the_action_uses() -> None:
    context = {"steps.scan.outputs.sarif-upload": "true", "steps.scan.outcome": "success"}
    assert condition_holds("${{ always() && steps.scan.outputs.sarif-upload == 'true' }}", context)
    assert not condition_holds("${{ always() && steps.scan.outputs.sarif-upload != 'true' }}", context)
    assert condition_holds("${{ !(steps.scan.outcome == 'failure') || false }}", context)
    assert not condition_holds("${{ always() && steps.x.outputs.y == 'true' }}", context)
