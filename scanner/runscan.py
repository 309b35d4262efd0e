"""What `scan`, `baseline`, `compliance` and `aws securityhub import --from-scan` share: check the scan flags,
read the configuration, collect, evaluate and apply the baseline (`run_scan_command`), and the commands' common
helpers (error messages, report files, exit-code text). The CLI and its sub-commands import this module; it
imports none of them."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from scanner import timings

if TYPE_CHECKING:
    from scanner.aws.units import Snapshot
    from scanner.collect.dagbag import DagbagRequest
    from scanner.config import Config
    from scanner.result import ScanResult

EXIT_DOC = """exit codes:
  0  nothing at or above the fail level (and the scan read everything)
  1  findings at or above the fail level
  2  usage or configuration error (bad flag, bad config file, rule file that fails its schema)
  3  the scan could not read or evaluate everything, and nothing failed
"""


def share_scan_flags(target: argparse.ArgumentParser, scan: argparse.ArgumentParser, skip: set[str],
                     skip_dests: frozenset[str] = frozenset()) -> None:
    """Give `target` every flag of `scan` but those in `skip` (option strings) or `skip_dests`, in the same
    argument groups (the same Action objects: one definition, one help text)."""
    groups: dict[int, argparse._ActionsContainer] = {}
    for group in scan._action_groups:
        shared = [a for a in group._group_actions if a.dest != "help" and a.dest not in skip_dests
                  and not skip.intersection(a.option_strings)]
        if not shared:
            continue
        plain = group.title in ("positional arguments", "options", "optional arguments")
        container = target if plain else groups.setdefault(id(group), target.add_argument_group(
            group.title, group.description))
        for action in shared:
            container._add_action(action)


def _find_root(start: Path) -> Path:
    """The git work tree holding `start` (SARIF paths are relative to it), else the current folder."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _dagbag_request(args: argparse.Namespace, paths: list[Path], exclude: list[str]) -> DagbagRequest | None:
    if not args.dagbag or not paths:
        return None
    from scanner.collect.dagbag import DEFAULT_TIMEOUT_SECONDS, DagbagRequest

    return DagbagRequest(paths=paths, timeout=args.dagbag_timeout or DEFAULT_TIMEOUT_SECONDS, exclude=exclude)


def _require_credentials(profile: str | None) -> None:
    """No credentials at all is one clear line (exit 2), not one failed call per service and region."""
    import boto3
    from botocore.exceptions import BotoCoreError

    from scanner.aws.collect import CollectError

    try:
        credentials = boto3.Session(profile_name=profile).get_credentials()
    except BotoCoreError as exc:  # an unknown profile, a broken config or credential process
        raise CollectError(f"cannot load AWS credentials: {type(exc).__name__}") from None
    if credentials is None:
        raise CollectError("no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                           "run `aws configure` or `aws sso login`, or pass --profile NAME (in GitHub Actions: "
                           "aws-actions/configure-aws-credentials with OIDC)")


def collect_aws(args: argparse.Namespace) -> Snapshot:
    """The live account(s) the AWS flags name, collected with boto3; CollectError when that cannot start."""
    from scanner.aws.collect import collect_snapshot
    from scanner.aws.session import SessionOptions

    _require_credentials(args.profile)
    options = SessionOptions(profile=args.profile, assume_role_arn=args.assume_role)
    regions = ["all"] if args.all_regions else (args.region or None)
    services = args.services.split(",") if args.services else None
    if args.organization or args.accounts:
        from scanner.aws.collect import CollectError, collect_accounts, organization_accounts
        from scanner.aws.session import SessionFactory

        accounts = args.accounts.split(",") if args.accounts else []
        if args.organization:
            found, gaps = organization_accounts(SessionFactory(SessionOptions(profile=args.profile)))
            if gaps:
                raise CollectError(f"cannot list the organisation's accounts: {gaps[0].error_code}: {gaps[0].message}")
            accounts += [a["id"] for a in found]
        return collect_accounts(options, accounts, services=services, regions=regions)
    return collect_snapshot(options, services=services, regions=regions)


def _paths_leaving_the_tree(config: Config, root: Path) -> str | None:
    """A configuration file inside the scanned repository may only name files inside it: a pull request
    must not point the baseline, the AWS snapshot or a rule folder at the runner's own files."""
    from scanner.safeio import is_within, real_path

    if config.path is None or not is_within(real_path(config.path), [real_path(root)]):
        return None
    named = [("baseline", config.baseline), ("aws-snapshot", config.aws_snapshot),
             *(("rule-dirs", folder) for folder in config.rule_dirs)]
    for key, value in named:
        if value and not is_within(real_path(config.base_dir / value), [real_path(root)]):
            return f"{config.path.name}: {key} '{value}' resolves outside the repository; not read"
    return None


def error(message: str) -> int:
    """Print `airguard: error: MESSAGE` to stderr (never a workflow command) and return the usage exit code 2."""
    from scanner.report.text import visible_lines  # messages quote paths: never a workflow command

    print(visible_lines(f"airguard: error: {message}"), file=sys.stderr)
    return 2


def run_scan_command(args: argparse.Namespace) -> tuple[ScanResult, Config] | int:
    """Everything `scan`, `baseline`, `compliance` and `aws securityhub import --from-scan` share: check the
    flags, read the configuration, collect, evaluate, apply the baseline. The scan's result and configuration,
    or an exit code when it could not run (the message is printed) or the command was `baseline`."""
    from scanner.config import ConfigError, default_config, find_config, load_config
    from scanner.engine.loader import RuleLoadError
    from scanner.scan import AwsInput, run_scan

    # A scan allocates millions of objects and frees few cycles: the default thresholds (700) made the
    # collector walk the heap over and over (a third of a 50,000-security-group snapshot scan).
    gc.set_threshold(100_000, 50, 100)
    cwd = Path.cwd()
    paths = args.paths or [Path(".")]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        return error(f"no such file or folder: {', '.join(missing)}")
    if args.root is not None and not args.root.is_dir():
        return error(f"--root is not a folder: {args.root}")
    if args.aws and args.aws_snapshot is not None:
        return error("--aws and --aws-snapshot exclude each other: collect the account live, or read a snapshot")
    if args.aws and not boto3_available():
        return error(AWS_INSTALL_HINT)
    if getattr(args, "format", None) is None:
        args.format = _format_for(getattr(args, "output", None))
    root = (args.root or _find_root(cwd)).resolve()
    try:
        with timings.stage("configuration"):
            config_path = args.config or (None if args.no_repo_config else find_config(paths[0]))
            if args.config is not None and not args.config.is_file():
                return error(f"configuration file not found: {args.config}")
            config = load_config(config_path) if config_path else default_config()
    except ConfigError as exc:
        return error(str(exc))
    if args.strict:
        config.profile = "strict"
    if args.fail_on:
        config.fail_on = args.fail_on
    config.select = args.select or config.select
    config.ignore = [*config.ignore, *args.ignore]
    config.exclude = [*config.exclude, *args.exclude]
    escaping = _paths_leaving_the_tree(config, root)
    if escaping:
        return error(escaping)
    if args.no_cache:
        os.environ["AIRGUARD_CACHE_DIR"] = ""
    if args.dagbag:
        from scanner.collect.dagbag import INSTALL_HINT, airflow_available

        if not airflow_available():
            return error(INSTALL_HINT)
    aws = None
    scan_files = bool(args.paths) or not (args.aws or args.aws_snapshot)
    if not args.aws and args.aws_snapshot is None and config.aws_snapshot:
        args.aws_snapshot = config.resolved_aws_snapshot()
    config.exclude = [*config.exclude, *_own_files(args, config, root)]
    if args.aws_snapshot:
        from scanner.aws.snapshot import SnapshotError, parse_snapshot_resources, read_snapshot_text

        try:
            with timings.stage("read the AWS snapshot"):
                text = read_snapshot_text(args.aws_snapshot)
                snapshot, resources = parse_snapshot_resources(text, str(args.aws_snapshot))
                # its text places findings at its lines only when the file is in the repository; else let it go
                inside = args.aws_snapshot.resolve().is_relative_to(root)
                aws = AwsInput(snapshot, file=args.aws_snapshot, text=text if inside else None,
                               resources=resources)
                del snapshot, resources
                del text
        except SnapshotError as exc:
            return error(str(exc))
    elif args.aws:
        from scanner.aws.collect import CollectError

        try:
            aws = AwsInput(collect_aws(args))
        except CollectError as exc:
            return error(str(exc))
    # Absolute but not resolved: a scan path that is a symlink out of the tree must still be seen as one.
    scan_paths = [Path(os.path.abspath(p)) for p in paths] if scan_files else []
    try:
        result = run_scan(scan_paths, config, root, [p.resolve() for p in args.rules],
                          aws=aws, dagbag=_dagbag_request(args, scan_paths, config.exclude), jobs=args.jobs)
    except RuleLoadError as exc:
        return error("invalid rules:\n  " + "\n  ".join(exc.problems))
    except ConfigError as exc:
        return error(str(exc))
    if args.command == "baseline":
        return _write_baseline(args, config, result)
    with timings.stage("baseline"):
        baseline_error = _apply_baseline(args, config, result)
    if baseline_error is not None:
        return baseline_error
    return result, config


AWS_INSTALL_HINT = "collecting from AWS needs boto3: pip install 'airguard[aws]'"


_FORMAT_BY_SUFFIX = {".json": "json", ".sarif": "sarif", ".md": "markdown", ".markdown": "markdown", ".txt": "text",
                     ".xml": "junit"}


def boto3_available() -> bool:
    """boto3 can be imported (the airguard[aws] extra is installed)."""
    import importlib.util

    try:
        return importlib.util.find_spec("boto3") is not None
    except (ImportError, ValueError):  # a broken or blocked installation counts as absent
        return False


def _format_for(output: Path | None) -> str:
    """The report format an --output file's extension asks for (`x.sarif`), else text."""
    if output is None:
        return "text"
    return _FORMAT_BY_SUFFIX.get(output.suffix.lower(), "text")


def _configured_baseline(config: Config) -> Path | None:
    return (config.base_dir / config.baseline) if config.baseline else None


def _own_files(args: argparse.Namespace, config: Config, root: Path) -> list[str]:
    """The baseline and the AWS snapshot in use are airguard's own files: never scan them as if they were
    config files (as root-relative exclude patterns)."""
    if args.command == "baseline":
        baseline = _baseline_target(args, config)
    elif getattr(args, "no_baseline", False):
        baseline = None
    else:
        baseline = getattr(args, "baseline", None) or _configured_baseline(config)
    return [relative for path in (baseline, args.aws_snapshot) if path is not None
            for relative in _relative_to_root(path, root)]


def _baseline_target(args: argparse.Namespace, config: Config) -> Path:
    """Where `airguard baseline` writes: --output, else the config's baseline, else the default name."""
    return args.output or _configured_baseline(config) or Path(".airguard-baseline.json")


def _write_baseline(args: argparse.Namespace, config: Config, result: ScanResult) -> int:
    from scanner.baseline import BaselineError, write_baseline

    target = _baseline_target(args, config)
    try:
        count = write_baseline(target, result.findings, result.ctx.redactor)
    except BaselineError as exc:
        return error(str(exc))
    from scanner.report.text import visible

    print(f"airguard: recorded {count} finding(s) in {visible(target)}", file=sys.stderr)
    if result.partial:
        print("airguard: the scan was incomplete; see `airguard scan` for what could not be read", file=sys.stderr)
        return 3
    return 0


def _apply_baseline(args: argparse.Namespace, config: Config, result: ScanResult) -> int | None:
    if getattr(args, "no_baseline", False):
        return None
    path = getattr(args, "baseline", None) or _configured_baseline(config)
    if path is None:
        return None
    from scanner.baseline import BaselineError, apply_baseline, read_baseline  # only with a baseline to apply

    try:
        entries = read_baseline(path)
    except BaselineError as exc:
        return error(str(exc))
    result.baseline = apply_baseline(result.findings, entries, str(getattr(args, "baseline", None) or
                                                                   config.baseline))
    return None


def write_file(path: Path, text: str | Iterable[str]) -> int | None:
    """Write a report (a text, or its pieces as they are made); a failure is a usage error (exit 2) with the
    reason."""
    pieces = iter([text] if isinstance(text, str) else text)
    first = next(pieces, "")  # a report that cannot be made (ReportError) fails before the file is touched
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            handle.write(first)
            handle.writelines(pieces)
    except OSError as exc:
        return error(f"cannot write {path}: {exc.strerror}")
    return None


def write_output(path: Path | None, text: str | Iterable[str]) -> int | None:
    """A command's output: to `path` (`--output`) when given, as `write_file`, else to stdout."""
    if path is None:
        sys.stdout.writelines([text] if isinstance(text, str) else text)
        return None
    return write_file(path, text)


def _relative_to_root(path: Path, root: Path) -> list[str]:
    try:
        return [path.resolve().relative_to(root).as_posix()]
    except ValueError:
        return []
