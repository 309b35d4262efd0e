"""The GitHub Action's logic (`action.yml` runs `python -m scanner.action scan|upload-result|verdict`).

`scan` runs one `airguard scan` that writes SARIF, Markdown and JSON at once, appends the Markdown to
`$GITHUB_STEP_SUMMARY` and sets step outputs; it never fails the step itself, so the SARIF upload
still runs. `upload-result` turns a failed upload (a private repository without code scanning answers
403) into a warning. `verdict` then fails the job on the scan's exit code. Inputs arrive as `AIRGUARD_*`
environment variables (never interpolated into shell text).

The scan runs in the repository's checkout (`checkout-path`, the `path:` given to actions/checkout;
the workspace by default), which is also the report root: SARIF URIs and summary links are relative
to the repository, not to the workspace.

A partial scan (a file not read, a rule not evaluated) is not uploaded to code scanning unless
`upload-sarif-on-partial: true`: an upload replaces the category's previous analysis, and code scanning
closes every open alert missing from it, so alerts in the files or rules the scan missed would be
closed as if fixed. The job still fails (or warns, `fail-on-partial: false`), and the reports stay
on disk (outputs `sarif-file`, `json-file`, `markdown-file`) for an artifact.

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
    checkout_path: str = "."
    upload_sarif: bool = True
    upload_sarif_on_partial: bool = False

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
            checkout_path=env.get("AIRGUARD_CHECKOUT_PATH", "").strip() or ".",
            upload_sarif=flag("AIRGUARD_UPLOAD_SARIF", "true"),
            upload_sarif_on_partial=flag("AIRGUARD_UPLOAD_SARIF_ON_PARTIAL"),
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


def checkout_root(inputs: ActionInputs, workspace: Path) -> Path:
    """The repository's checkout: `checkout-path` relative to the workspace (or absolute)."""
    root = Path(inputs.checkout_path)
    root = (root if root.is_absolute() else workspace / root).resolve()
    if not root.is_dir():
        raise InputError(f"input 'checkout-path' is not a folder: {inputs.checkout_path} (it must be the path: "
                         "given to actions/checkout, relative to the workspace)")
    return root


def nested_checkouts(root: Path) -> list[str]:
    """Folders right under `root` that are git work trees, when `root` is not one itself: the repository
    was probably checked out with `path:` and `checkout-path` was not set."""
    if (root / ".git").exists():
        return []
    try:
        return sorted(child.name for child in root.iterdir() if child.is_dir() and (child / ".git").exists())
    except OSError:
        return []


def sarif_upload_decision(inputs: ActionInputs, sarif_written: bool, partial: bool) -> tuple[bool, str]:
    """Whether the SARIF goes to code scanning, and why not. A partial scan is held back by default: the
    upload would replace the category's analysis and close the open alerts of whatever was not scanned."""
    if not inputs.upload_sarif:
        return False, "upload-sarif: false"
    if not sarif_written:
        return False, "the scan wrote no SARIF report"
    if partial and not inputs.upload_sarif_on_partial:
        return False, ("partial scan: the SARIF report was not uploaded to code scanning, so the alerts of what "
                       "was not scanned stay open (an upload would close every alert missing from it); set "
                       "upload-sarif-on-partial: true to upload anyway")
    return True, "uploading the SARIF report to code scanning"


def scan_command(inputs: ActionInputs, out_dir: Path, dagbag: bool, repo_config: bool = True,
                 root: Path | None = None) -> list[str]:
    # -I: the scan runs in the checked-out tree, which must never be on the import path (a `yaml.py` or a
    # `scanner/` folder in a pull request would otherwise be imported and run in a job holding secrets)
    command = [sys.executable, "-I", "-m", "scanner", "scan", *inputs.paths, "--format", "text",
               "--report", f"sarif={out_dir / 'airguard.sarif'}", "--report", f"markdown={out_dir / 'airguard.md'}",
               "--report", f"json={out_dir / 'airguard.json'}",
               # a runner keeps no cache between jobs: filling one costs the scan time for nothing, and a
               # cache restored into the job (actions/cache) would decide what cached files yield
               "--no-cache"]
    for option, value in (("--config", inputs.config), ("--fail-on", inputs.fail_on),
                          ("--baseline", inputs.baseline), ("--aws-snapshot", inputs.aws_snapshot),
                          ("--sarif-category", inputs.sarif_category), ("--top", inputs.top)):
        if value:
            command += [option, value]
    if root is not None:
        command += ["--root", str(root)]
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


SEVERITIES = ("critical", "high", "medium", "low", "info")
COUNT_OUTPUTS = ("findings", *SEVERITIES, "suppressed", "baselined", "partial")


def _did_not_run(env: dict[str, str], message: str) -> int:
    from scanner.report.markdown import escape

    print(f"::error title=airguard::{command_data(message)}", flush=True)
    _outputs(env, {"exit-code": "2", "sarif-upload": "false"})
    _append(env.get("GITHUB_STEP_SUMMARY"), f"## airguard\n\n**❌ the scan did not run**: {escape(message)}\n")
    return 0


def count_outputs(summary: dict[str, Any]) -> dict[str, str]:
    """The count outputs from the JSON report's summary: every severity, zero when absent."""
    by_severity = summary.get("by_severity") or {}
    values = {"findings": str(summary["findings"])}
    values.update({severity: str(by_severity.get(severity, 0)) for severity in SEVERITIES})
    values.update({"suppressed": str(summary.get("suppressed", 0)), "baselined": str(summary.get("baselined", 0)),
                   "partial": str(bool(summary.get("partial"))).lower()})
    return values


def run_scan_step(env: dict[str, str]) -> int:
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".").resolve()
    try:
        inputs = ActionInputs.from_env(env)
        root = checkout_root(inputs, workspace)
    except InputError as exc:
        return _did_not_run(env, str(exc))
    event = read_event(env)
    out_dir = Path(env.get("AIRGUARD_OUTPUT_DIR") or Path(env.get("RUNNER_TEMP") or ".") / "airguard")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("airguard.sarif", "airguard.md", "airguard.json"):  # never report an earlier run's files
        (out_dir / stale).unlink(missing_ok=True)
    dagbag, reason = dagbag_decision(inputs, event)
    print(f"airguard action: {reason}", flush=True)
    if inputs.dagbag and not dagbag:
        print(f"::notice title=airguard::{reason}", flush=True)
    nested = nested_checkouts(root)
    if nested:
        from scanner.report.text import visible

        print(f"::warning title=airguard::{command_data(visible(str(inputs.checkout_path)))} is not a git checkout "
              f"but {command_data(visible(', '.join(nested)))} is: if actions/checkout used path:, set checkout-path "
              "to it, or the report paths start with that folder and do not match the repository", flush=True)
    repo_config, config_reason = repo_config_decision(inputs, event)
    ignored = None if repo_config else ignored_repo_config(inputs, root)
    if ignored is not None:
        print(f"airguard action: {config_reason}", flush=True)
        print(f"::notice title=airguard::{command_data(config_reason)}", flush=True)
    command = scan_command(inputs, out_dir, dagbag, repo_config, root=root)
    from scanner.report.text import visible_lines

    # Nothing the scan prints (it quotes the scanned tree) may act as a workflow command.
    token = f"airguard-{secrets.token_hex(16)}"
    print(f"::stop-commands::{token}", flush=True)
    try:
        completed = subprocess.run(command, cwd=root, env=env, text=True, errors="replace", stdout=sys.stdout,
                                   stderr=subprocess.PIPE, check=False)
        sys.stdout.flush()
        if completed.stderr:
            sys.stderr.write(visible_lines(completed.stderr.rstrip("\n")) + "\n")
            sys.stderr.flush()
    finally:
        print(f"::{token}::", flush=True)
    code = completed.returncode
    sarif, markdown, report = out_dir / "airguard.sarif", out_dir / "airguard.md", out_dir / "airguard.json"
    values = {"exit-code": str(code), "dagbag": str(dagbag).lower(), "checkout-path": str(root),
              "sarif-file": str(sarif) if sarif.is_file() else "",
              "markdown-file": str(markdown) if markdown.is_file() else "",
              "json-file": str(report) if report.is_file() else ""}
    if report.is_file():
        values.update(count_outputs(json.loads(report.read_text("utf-8"))["summary"]))
    upload, upload_reason = sarif_upload_decision(inputs, sarif.is_file(), values.get("partial") == "true")
    values["sarif-upload"] = str(upload).lower()
    values["repo-config-ignored"] = str(ignored is not None).lower()
    _outputs(env, values)
    print(f"airguard action: {upload_reason}", flush=True)
    if markdown.is_file():
        _append(env.get("GITHUB_STEP_SUMMARY"), markdown.read_text("utf-8") + "\n")
    else:
        error = completed.stderr.strip().replace("airguard: error: ", "") or EXIT_MEANINGS.get(code, "failed")
        _append(env.get("GITHUB_STEP_SUMMARY"),
                f"## airguard\n\n**❌ the scan did not run** (exit code {code}):\n\n"
                f"{fenced(visible_lines(error))}\n")
    if not upload and inputs.upload_sarif and sarif.is_file():   # held back: a partial scan
        print(f"::warning title=airguard::{command_data(upload_reason)}", flush=True)
        _append(env.get("GITHUB_STEP_SUMMARY"), "\n### Code scanning not updated\n\n"
                "The scan is partial, so its SARIF report (output `sarif-file`) was not uploaded: an upload replaces this category's "
                "results, and code scanning would close the open alerts of the files and rules that were not "
                "scanned. Fix what could not be read (above), or set `upload-sarif-on-partial: true`.\n")
    if ignored is not None:
        _append(env.get("GITHUB_STEP_SUMMARY"), ignored_config_summary(ignored[0], root, ignored[1]))
    return 0


UPLOAD_FAILED = ("the SARIF upload to code scanning failed; the findings are in the job summary and the "
                 "sarif-file output. Code scanning is probably not enabled for this repository (a private "
                 "repository needs GitHub Code Security), or the token cannot write security events (a pull "
                 "request from a fork, or no security-events: write permission). Set upload-sarif: false to "
                 "skip the upload")


def upload_result(env: dict[str, str]) -> int:
    """After the upload step (continue-on-error): a failed upload is a warning, never a failed job.
    Sets `sarif-uploaded`."""
    wanted = env.get("AIRGUARD_UPLOAD_WANTED", "").strip() == "true"
    outcome = env.get("AIRGUARD_UPLOAD_OUTCOME", "").strip()
    uploaded = wanted and outcome == "success"
    _outputs(env, {"sarif-uploaded": str(uploaded).lower()})
    if wanted and outcome == "failure":
        print(f"::warning title=airguard::{command_data(UPLOAD_FAILED)}", flush=True)
        _append(env.get("GITHUB_STEP_SUMMARY"), f"\n### Code scanning not updated\n\n⚠️ {UPLOAD_FAILED}.\n")
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
    if args == ["upload-result"]:
        return upload_result(env)
    print("usage: python -m scanner.action scan|upload-result|verdict", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
