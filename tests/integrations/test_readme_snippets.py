"""README snippets stay true: CLI lines parse with the real parser, YAML matches the real files."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from scanner.cli import build_parser
from tests.conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

README = (REPO / "README.md").read_text()
SNIPPET = re.compile(r"<!-- snippet: (?P<name>[^>]+?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)\n```", re.DOTALL)
SNIPPETS = [(m["name"], m["body"]) for m in SNIPPET.finditer(README)]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def _snippets(name: str) -> list[str]:
    return [body for snippet_name, body in SNIPPETS if snippet_name == name]


def _parses(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse reports a bad line by exiting
        pytest.fail(f"does not parse: airguard {' '.join(argv)} (exit {exc.code})")


def _cli_lines(text: str) -> list[list[str]]:
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    return [shlex.split(line)[1:] for line in joined.splitlines() if line.strip().startswith("airguard ")]


def test_the_readme_has_every_snippet() -> None:
    assert {name for name, _ in SNIPPETS} == {"cli", ".pre-commit-config.yaml", ".github/workflows/airguard.yml"}
    assert sum(len(_cli_lines(body)) for body in _snippets("cli")) == 8


def test_the_usage_synopsis_names_only_real_flags() -> None:
    synopsis = README.split("## Output", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    parser = build_parser()
    known: set[str] = set()
    stack = [parser]
    while stack:  # every option of every (sub)command
        current = stack.pop()
        for action in current._actions:
            known.update(action.option_strings)
            stack.extend(getattr(action, "choices", None).values() if isinstance(getattr(action, "choices", None), dict)
                         else [])
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", synopsis))
    assert len(flags) >= 25
    assert flags <= known, sorted(flags - known)
    scan_flags = {o for a in parser._subparsers._group_actions[0].choices["scan"]._actions for o in a.option_strings}
    assert {"--baseline", "--report", "--jobs", "--dagbag", "--accounts", "--organization"} <= scan_flags


def test_cli_snippets_parse_with_the_real_parser() -> None:
    for body in _snippets("cli"):
        for argv in _cli_lines(body):
            _parses(argv)


def test_pre_commit_snippet_matches_the_hook_file() -> None:
    (config,) = [yaml.safe_load(body) for body in _snippets(".pre-commit-config.yaml")]
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{VERSION}"
    hook_ids = {h["id"] for h in HOOKS}
    for hook in repo["hooks"]:
        assert hook["id"] in hook_ids
        _parses(["scan", *hook.get("args", [])])


def test_action_snippet_uses_declared_inputs_and_permissions() -> None:
    (workflow,) = [yaml.safe_load(body) for body in _snippets(".github/workflows/airguard.yml")]
    assert workflow["permissions"] == {"security-events": "write", "contents": "read", "actions": "read"}
    steps = workflow["jobs"]["airguard"]["steps"]
    (airguard,) = [s for s in steps if s.get("uses", "").split("@")[0].endswith("/airguard")]
    assert re.fullmatch(r"[0-9a-f]{40}", airguard["uses"].split("@")[1])  # pinned by commit SHA
    assert f"{airguard['uses']}  # v{VERSION}" in README
    assert set(airguard["with"]) <= set(ACTION["inputs"])
    _parses(["scan", "--fail-on", airguard["with"]["fail-on"], "--baseline", airguard["with"]["baseline"],
             *airguard["with"]["paths"].split()])


def test_readme_config_example_loads(tmp_path: Path) -> None:
    from scanner.config import load_config

    (block,) = re.findall(r"```toml\n(.*?)\n```", README, re.DOTALL)
    (tmp_path / "pyproject.toml").write_text(block)
    config = load_config(tmp_path / "pyproject.toml")
    assert (config.fail_on, config.baseline, config.rule_parameters["AG105"]["max_session_seconds"]) == (
        "high", ".airguard-baseline.json", 7200)


def _on(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))   # YAML 1.1 reads a bare `on` key as true


def test_nightly_example_uses_oidc_snapshot_scan_sarif_and_artifact() -> None:
    workflow = yaml.safe_load((REPO / "examples" / "github-nightly-aws-scan.yml").read_text())
    assert set(_on(workflow)) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"]["id-token"] == "write"
    assert workflow["permissions"]["security-events"] == "write"
    assert workflow["permissions"]["contents"] == "read"
    steps = workflow["jobs"]["scan"]["steps"]
    by_action = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    credentials = by_action["aws-actions/configure-aws-credentials"]["with"]
    assert "role-to-assume" in credentials
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials)
    upload = by_action["github/codeql-action/upload-sarif"]
    assert upload["with"]["category"] == "aws-nightly"
    # a partial scan (exit 3 with --fail-on none) is not uploaded: it would close open alerts
    assert upload["if"] == "${{ always() && steps.scan.outcome == 'success' }}" and upload["continue-on-error"]
    assert "--fail-on none" in next(s for s in steps if s.get("id") == "scan")["run"]
    artifact = by_action["actions/upload-artifact"]["with"]
    # the snapshot is written outside the checkout (not a file of the repository)
    assert artifact["path"].splitlines() == ["${{ runner.temp }}/aws-snapshot.json", "${{ runner.temp }}/airguard-aws.sarif"]
    assert artifact["retention-days"] == 7
    commands = [argv for s in steps if "run" in s for argv in _cli_lines(s["run"])]
    assert [argv[:2] for argv in commands] == [["aws", "snapshot"], ["scan", "."]]
    assert "--aws-snapshot" in commands[1]
    for argv in commands:
        _parses(argv)
    readme_lines = [argv for body in _snippets("cli") for argv in _cli_lines(body)]
    assert commands[0] in readme_lines and commands[1] in readme_lines


def test_pr_example_downloads_the_nightly_artifact_and_uses_action_inputs() -> None:
    nightly = yaml.safe_load((REPO / "examples" / "github-nightly-aws-scan.yml").read_text())
    workflow = yaml.safe_load((REPO / "examples" / "github-pr-scan.yml").read_text())
    artifact = next(s for s in nightly["jobs"]["scan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    steps = workflow["jobs"]["airguard"]["steps"]
    download = next(s for s in steps if "gh run download" in s.get("run", ""))
    assert f"--name {artifact['with']['name']}" in download["run"] and nightly["name"] in download["run"]
    action_step = next(s for s in steps if s.get("uses", "").split("@")[0].endswith("/airguard"))
    assert set(action_step["with"]) <= set(ACTION["inputs"])
    assert action_step["with"]["aws-snapshot"] == "${{ steps.snapshot.outputs.file }}"
    assert 'echo "file=$RUNNER_TEMP/snapshot/aws-snapshot.json" >> "$GITHUB_OUTPUT"' in download["run"]
    keep = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert keep["with"]["path"].splitlines() == [f"${{{{ steps.airguard.outputs.{name} }}}}"
                                            for name in ("sarif-file", "json-file", "markdown-file")]
