"""The GitHub Action's logic (`action.yml` runs `python -m scanner.action scan|verdict`).

`scan` runs one `airguard scan` that writes SARIF, Markdown and JSON at once, appends the Markdown to
`$GITHUB_STEP_SUMMARY` and sets step outputs; it never fails the step itself, so the SARIF upload
still runs. `verdict` then fails the job on the scan's exit code. Inputs arrive as `AIRGUARD_*`
environment variables (never interpolated into shell text).

DagBag mode executes DAG code, so it runs only when asked (`dagbag: true`) and, on a pull request
from a fork, only with `dagbag-on-forks: true` as well. On a pull request from a fork the scanned tree's
own configuration (`.airguard.toml`, `[tool.airguard]`) is ignored unless `repo-config-on-forks: true`:
it could switch rules off, exclude files or name a baseline that records everything. The job summary
says so and lists what it would have changed.

Whatever the scanned tree holds never becomes a workflow command: command processing is stopped while
the scan runs (`::stop-commands::` with a random token), stderr is escaped line by line, step outputs
cannot carry a line break into `$GITHUB_OUTPUT`, and the summary escapes what it quotes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_MEANINGS = {0: "passed", 1: "findings at or above the fail level", 2: "usage or configuration error",
                 3: "partial scan (something could not be read)"}


@dataclass
class ActionInputs:
    paths: list[str]
    config: str
    fail_on: str
    baseline: str
    aws_snapshot: str
    sarif_category: str
    dagbag: bool
    dagbag_on_forks: bool
    fail_on_partial: bool
    top: str
    repo_config_on_forks: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str]) -> ActionInputs:
        def flag(name: str, default: str = "false") -> bool:
            return env.get(name, default).strip().lower() in ("true", "1", "yes")

        try:
            paths = shlex.split(env.get("AIRGUARD_PATHS", "") or ".")
        except ValueError as exc:
            raise InputError(f"input 'paths' is not a list of paths: {exc}") from None
        return cls(
            paths=paths,
            config=env.get("AIRGUARD_CONFIG", "").strip(),
            fail_on=env.get("AIRGUARD_FAIL_ON", "").strip(),
            baseline=env.get("AIRGUARD_BASELINE", "").strip(),
            aws_snapshot=env.get("AIRGUARD_AWS_SNAPSHOT", "").strip(),
            sarif_category=env.get("AIRGUARD_SARIF_CATEGORY", "").strip(),
            dagbag=flag("AIRGUARD_DAGBAG"),
            dagbag_on_forks=flag("AIRGUARD_DAGBAG_ON_FORKS"),
            fail_on_partial=flag("AIRGUARD_FAIL_ON_PARTIAL", "true"),
            top=env.get("AIRGUARD_TOP", "").strip(),
            repo_config_on_forks=flag("AIRGUARD_REPO_CONFIG_ON_FORKS"),
        )


class InputError(ValueError):
    """An action input that cannot be used."""


def is_fork_event(event: dict[str, Any]) -> bool:
    """True for a pull request whose head may be in another repository (a fork). A head repository
    GitHub does not name (a deleted fork) or cannot be compared counts as a fork: when in doubt,
    do not run DAG code."""
    pull_request = event.get("pull_request")
    if not isinstance(pull_request, dict):
        return False
    head_repo = (pull_request.get("head") or {}).get("repo")
    base_repo = (pull_request.get("base") or {}).get("repo")
    if not isinstance(head_repo, dict) or not isinstance(base_repo, dict):
        return True
    if head_repo.get("fork"):
        return True
    head_name, base_name = head_repo.get("full_name"), base_repo.get("full_name")
    return not head_name or head_name != base_name


def read_event(env: dict[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def dagbag_decision(inputs: ActionInputs, event: dict[str, Any]) -> tuple[bool, str]:
    """Whether to pass --dagbag, and why (for the log)."""
    if not inputs.dagbag:
        return False, "DagBag mode not requested"
    if is_fork_event(event) and not inputs.dagbag_on_forks:
        return False, ("pull request from a fork: DagBag mode (which executes DAG code) skipped; "
                       "set dagbag-on-forks: true to allow it")
    return True, "DagBag mode on"


def repo_config_decision(inputs: ActionInputs, event: dict[str, Any]) -> tuple[bool, str]:
    """Whether the scanned tree's own configuration may apply, and why (for the log)."""
    if not is_fork_event(event):
        return True, "repository configuration used"
    if inputs.repo_config_on_forks:
        return True, "pull request from a fork: repository configuration used (repo-config-on-forks: true)"
    return False, ("pull request from a fork: the repository's own airguard configuration is ignored; "
                   "set repo-config-on-forks: true to use it")


def ignored_repo_config(inputs: ActionInputs, workspace: Path) -> tuple[Path, list[tuple[str, str]] | str] | None:
    """The configuration the scan would have found in the scanned tree (as `airguard scan` finds it, from
    the first path upward), and what it would have changed compared with the configuration used: a list of
    (setting, value), or why it could not be read. None when there is none, or when the `config` input
    names the configuration (then the tree's own is never consulted)."""
    from scanner.config import Config, ConfigError, config_differences, find_config, load_config

    if inputs.config:
        return None
    first = Path(inputs.paths[0]) if inputs.paths else Path(".")
    found = find_config(first if first.is_absolute() else workspace / first)
    if found is None:
        return None
    try:
        repo = load_config(found)
    except ConfigError as exc:
        return found, f"it does not load ({exc})"
    return found, config_differences(repo, Config())


def scan_command(inputs: ActionInputs, out_dir: Path, dagbag: bool, repo_config: bool = True) -> list[str]:
    # -I: the scan runs in the checked-out tree, which must never be on the import path (a `yaml.py` or a
    # `scanner/` folder in a pull request would otherwise be imported and run in a job holding secrets)
    command = [sys.executable, "-I", "-m", "scanner", "scan", *inputs.paths, "--format", "text",
               "--report", f"sarif={out_dir / 'airguard.sarif'}", "--report", f"markdown={out_dir / 'airguard.md'}",
               "--report", f"json={out_dir / 'airguard.json'}"]
    for option, value in (("--config", inputs.config), ("--fail-on", inputs.fail_on),
                          ("--baseline", inputs.baseline), ("--aws-snapshot", inputs.aws_snapshot),
                          ("--sarif-category", inputs.sarif_category), ("--top", inputs.top)):
        if value:
            command += [option, value]
    if dagbag:
        command.append("--dagbag")
    if not repo_config:
        command.append("--no-repo-config")
    return command


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


_OUTPUT_NAME = re.compile(r"[A-Za-z_][\w-]*")


def output_lines(values: dict[str, str]) -> str:
    """`$GITHUB_OUTPUT` text for these outputs: `name=value`, or for a value with a line break the
    `name<<DELIMITER` form with a random delimiter that the value does not contain, so no value can
    end its own entry and start another output."""
    text = []
    for name, value in values.items():
        if not _OUTPUT_NAME.fullmatch(name):
            raise ValueError(f"not an output name: {name!r}")
        if "\n" not in value and "\r" not in value:
            text.append(f"{name}={value}\n")
            continue
        delimiter = f"AIRGUARD_EOF_{secrets.token_hex(16)}"
        while delimiter in value:  # pragma: no cover - 128 random bits
            delimiter = f"AIRGUARD_EOF_{secrets.token_hex(16)}"
        text.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(text)


def _outputs(env: dict[str, str], values: dict[str, str]) -> None:
    _append(env.get("GITHUB_OUTPUT"), output_lines(values))


def command_data(text: str) -> str:
    """Text for the data part of a workflow command (`::error title=x::DATA`): one line, escaped as
    the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def fenced(text: str) -> str:
    """A Markdown code block holding `text` verbatim: the fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def ignored_config_summary(path: Path, workspace: Path, changes: list[tuple[str, str]] | str) -> str:
    """The job summary section saying the tree's configuration was ignored, and what it would have changed."""
    from scanner.report.markdown import _code, escape

    try:
        name = path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        name = path.name
    lines = ["", "### Repository configuration ignored (pull request from a fork)", "",
             (f"This pull request comes from a fork, so the configuration it carries in {_code(name)} was not "
              "used (set `repo-config-on-forks: true` to use it).")]
    if isinstance(changes, str):
        lines.append(f"It was not read: {escape(changes)}.")
    elif changes:
        lines += ["It would have changed:", ""]
        lines += [f"- {_code(setting)}: {_code(value)}" for setting, value in changes]
    else:
        lines.append("It changes nothing compared with the defaults.")
    return "\n".join(lines) + "\n"


def run_scan_step(env: dict[str, str]) -> int:
    try:
        inputs = ActionInputs.from_env(env)
    except InputError as exc:
        from scanner.report.markdown import escape

        print(f"::error title=airguard::{command_data(str(exc))}", flush=True)
        _outputs(env, {"exit-code": "2"})
        _append(env.get("GITHUB_STEP_SUMMARY"), f"## airguard\n\n**❌ the scan did not run**: {escape(str(exc))}\n")
        return 0
    event = read_event(env)
    out_dir = Path(env.get("AIRGUARD_OUTPUT_DIR") or Path(env.get("RUNNER_TEMP") or ".") / "airguard")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("airguard.sarif", "airguard.md", "airguard.json"):  # never report an earlier run's files
        (out_dir / stale).unlink(missing_ok=True)
    dagbag, reason = dagbag_decision(inputs, event)
    print(f"airguard action: {reason}", flush=True)
    if inputs.dagbag and not dagbag:
        print(f"::notice title=airguard::{reason}", flush=True)
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    repo_config, config_reason = repo_config_decision(inputs, event)
    ignored = None if repo_config else ignored_repo_config(inputs, workspace)
    if ignored is not None:
        print(f"airguard action: {config_reason}", flush=True)
        print(f"::notice title=airguard::{command_data(config_reason)}", flush=True)
    command = scan_command(inputs, out_dir, dagbag, repo_config)
    from scanner.report.text import visible_lines

    # Nothing the scan prints (it quotes the scanned tree) may act as a workflow command.
    token = f"airguard-{secrets.token_hex(16)}"
    print(f"::stop-commands::{token}", flush=True)
    try:
        completed = subprocess.run(command, cwd=env.get("GITHUB_WORKSPACE") or None, env=env, text=True,
                                   errors="replace", stdout=sys.stdout, stderr=subprocess.PIPE, check=False)
        sys.stdout.flush()
        if completed.stderr:
            sys.stderr.write(visible_lines(completed.stderr.rstrip("\n")) + "\n")
            sys.stderr.flush()
    finally:
        print(f"::{token}::", flush=True)
    code = completed.returncode
    sarif, markdown, report = out_dir / "airguard.sarif", out_dir / "airguard.md", out_dir / "airguard.json"
    values = {"exit-code": str(code), "dagbag": str(dagbag).lower(),
              "sarif-file": str(sarif) if sarif.is_file() else "",
              "markdown-file": str(markdown) if markdown.is_file() else "",
              "json-file": str(report) if report.is_file() else ""}
    if report.is_file():
        counts = json.loads(report.read_text("utf-8"))["summary"]
        values.update({"findings": str(counts["findings"]), "suppressed": str(counts["suppressed"]),
                       "baselined": str(counts.get("baselined", 0)), "partial": str(counts["partial"]).lower()})
        for severity, count in counts["by_severity"].items():
            values[severity] = str(count)
    values["repo-config-ignored"] = str(ignored is not None).lower()
    _outputs(env, values)
    if markdown.is_file():
        _append(env.get("GITHUB_STEP_SUMMARY"), markdown.read_text("utf-8") + "\n")
    else:
        error = completed.stderr.strip().replace("airguard: error: ", "") or EXIT_MEANINGS.get(code, "failed")
        _append(env.get("GITHUB_STEP_SUMMARY"),
                f"## airguard\n\n**❌ the scan did not run** (exit code {code}):\n\n"
                f"{fenced(visible_lines(error))}\n")
    if ignored is not None:
        _append(env.get("GITHUB_STEP_SUMMARY"), ignored_config_summary(ignored[0], workspace, ignored[1]))
    return 0


def verdict(env: dict[str, str]) -> int:
    """Fail the job: 1 and 2 always, 3 (partial) unless fail-on-partial is false."""
    raw = env.get("AIRGUARD_EXIT_CODE", "").strip()
    if not raw.isdigit():
        print("::error title=airguard::the scan step did not report an exit code")
        return 2
    code = int(raw)
    meaning = EXIT_MEANINGS.get(code, f"exit code {code}")
    if code == 0:
        print("airguard: passed")
        return 0
    if code == 3 and not ActionInputs.from_env(env).fail_on_partial:
        print(f"::warning title=airguard::{meaning}; not failing (fail-on-partial: false)")
        return 0
    print(f"::error title=airguard::{meaning} (exit code {code}); see the job summary and code scanning")
    return code


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    env = dict(os.environ)
    if args == ["scan"]:
        return run_scan_step(env)
    if args == ["verdict"]:
        return verdict(env)
    print("usage: python -m scanner.action scan|verdict", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
