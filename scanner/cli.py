"""The `airguard` command line. Heavy modules (boto3, airflow, jsonschema) load only when needed."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from scanner import __version__, timings
from scanner.runscan import (
    AWS_INSTALL_HINT,
    EXIT_DOC,
    boto3_available,
    collect_aws,
    error,
    run_scan_command,
    share_scan_flags,
    write_file,
    write_output,
)

SEVERITY_CHOICES = ["critical", "high", "medium", "low", "info", "none"]


# The commands in the order `airguard --help` lists them, each with its one-line help.
COMMANDS = {"scan": "scan files and folders", "aws": "AWS collection",
            "rules": "list rules, show one, or run their tests",
            "baseline": "record the current findings so later scans report only new ones",
            "compliance": "scan and summarise pass/fail per control of a compliance framework"}


def _terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`, the width argparse wraps help to (COLUMNS, else the terminal's, else
    80), without importing shutil: argparse makes a formatter, and so asks for the width, for every argument added,
    and shutil brings the compression modules with it (zlib, bz2, lzma and their shared libraries: ~7M
    instructions, 2 % of a pre-commit run) for a number only help and usage messages use."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, given the width argparse itself would take (`_terminal_columns`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


class _RawDescriptionHelpFormatter(_HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """argparse's RawDescriptionHelpFormatter (descriptions and epilogs as written), with `_HelpFormatter`'s width."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose formatter is `_HelpFormatter` unless told otherwise; the parsers of its commands
    are of this class too (argparse makes sub-parsers of their parent's class)."""

    def __init__(self, *args: Any, formatter_class: type[argparse.HelpFormatter] = _HelpFormatter,
                 **kwargs: Any) -> None:
        super().__init__(*args, formatter_class=formatter_class, **kwargs)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. Given the arguments about to be parsed, only their command's parser is built
    in full (the others are named with their help, enough for `airguard --help`): building all of them was
    ~7 % of a pre-commit run. `scan` is always built: `baseline` and `compliance` copy its flags. When the
    command is the first argument, the other commands are not even named: nothing before it can ask for the
    top-level help or fail there (a parser per command was ~1 % of a pre-commit run)."""
    named = next((arg for arg in argv if not arg.startswith("-")), None) if argv is not None else None
    full = set(COMMANDS) if named not in COMMANDS else {named}
    listed = full | {"scan"} if argv and argv[0] == named else set(COMMANDS)
    parser = _Parser(
        prog="airguard",
        description="Policy-as-code scanner for Apache Airflow on AWS Aurora: connections, configs, DAG code.",
        epilog=EXIT_DOC,
        formatter_class=_RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"airguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser(
        "scan", help=COMMANDS["scan"], epilog=EXIT_DOC, formatter_class=_RawDescriptionHelpFormatter,
        description="Scan Airflow connection configs, airflow.cfg, compose/Helm/Kubernetes files and DAG code. "
                    "Static analysis only: scanned code is never imported or executed (except with --dagbag, see below).")
    scan.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: .)")
    scan.add_argument("--format", "-f", choices=["text", "json", "sarif", "markdown", "asff", "junit"], default=None,
                      help="report format (default: from the --output extension .json/.sarif/.md/.xml, else "
                           "text); asff: AWS Security Hub findings, junit: JUnit XML for CI dashboards")
    scan.add_argument("--output", "-o", type=Path, help="write the report to FILE instead of stdout")
    scan.add_argument("--fail-on", choices=SEVERITY_CHOICES, help="lowest severity that fails (default: low)")
    scan.add_argument("--config", type=Path, help="configuration file (default: .airguard.toml or "
                                                  "[tool.airguard] in pyproject.toml, found upward)")
    scan.add_argument("--no-repo-config", action="store_true",
                      help="ignore any configuration found in the scanned tree (for untrusted trees such as "
                           "pull requests from forks); --config FILE still applies")
    scan.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR",
                      help="a folder of extra rule files (repeatable)")
    scan.add_argument("--strict", action="store_true", help="use the strict parameter profile (e.g. 900 s sessions)")
    scan.add_argument("--select", action="append", default=[], metavar="RULE",
                      help="only these rules (id, name or id prefix; repeatable)")
    scan.add_argument("--ignore", action="append", default=[], metavar="RULE", help="skip these rules")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths")
    scan.add_argument("--show-suppressed", action="store_true", help="list suppressed and baselined findings in text and SARIF output "
                           "(left out of SARIF by default: code scanning would open alerts for them)")
    scan.add_argument("--sarif-category", help="SARIF runAutomationDetails id (GitHub category)")
    scan.add_argument("--asff-account", metavar="ID", help="ASFF: the AWS account findings about files are filed "
                                                           "under, and whose Security Hub imports them")
    scan.add_argument("--asff-region", metavar="REGION", help="ASFF: the Security Hub region the findings go to "
                                                              "(default: AWS_REGION, else the scan's one region)")
    scan.add_argument("--root", type=Path, help="folder that report paths are relative to (default: git root)")
    scan.add_argument("--no-cache", action="store_true", help="do not read or write the rule and file caches")
    scan.add_argument("--jobs", "-j", type=_positive, metavar="N",
                      help="processes for many DAG files (default: all cores; 1 = in this process)")
    scan.add_argument("--timings", action="store_true",
                      help="print the wall-clock time and peak memory of each stage (start-up, rules, "
                           "collectors, evaluation, report) to stderr after the report")
    aws = scan.add_argument_group("AWS", "evaluate the rules against the account too")
    aws.add_argument("--aws", action="store_true", help="collect the live account with boto3")
    aws.add_argument("--aws-snapshot", type=Path, metavar="FILE", help="use a snapshot from `airguard aws snapshot`")
    _aws_flags(aws)
    _dagbag_flags(scan)

    _integration_flags(scan)
    if "aws" in listed:
        _aws_parser(commands.add_parser("aws", help=COMMANDS["aws"]), scan, full)
    if "rules" in listed:
        rules = commands.add_parser("rules", help=COMMANDS["rules"])
        if "rules" in full:
            _rules_parser(rules)
    if "baseline" in listed:
        baseline = commands.add_parser("baseline", help=COMMANDS["baseline"])
        if "baseline" in full:
            _baseline_parser(baseline, scan)
    if "compliance" in listed:
        compliance = commands.add_parser("compliance", help=COMMANDS["compliance"])
        if "compliance" in full:
            from scanner.compliance.command import fill_compliance_parser

            fill_compliance_parser(compliance, scan, _REPORT_ONLY_FLAGS)
    return parser


def _aws_parser(aws_command: argparse.ArgumentParser, scan: argparse.ArgumentParser, full: set[str]) -> None:
    if "aws" in full:
        aws_commands = aws_command.add_subparsers(dest="aws_command", metavar="ACTION")
        snapshot = aws_commands.add_parser("snapshot", help="collect the account and write a snapshot (JSON)")
        snapshot.add_argument("--output", "-o", type=Path, required=True, metavar="FILE",
                              help="snapshot file to write (JSON, see scanner/aws/snapshot.schema.json)")
        _aws_flags(snapshot)
        from scanner.aws.securityhub_command import add_import_parser

        add_import_parser(aws_commands, scan, _REPORT_ONLY_FLAGS)


def _rules_parser(rules: argparse.ArgumentParser) -> None:
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    rules.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR",
                       help="also load rules from this folder (repeatable)")
    rules.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    show = rules_commands.add_parser("show", help="print a rule's documentation")
    show.add_argument("rule", help="rule id or name")
    show.add_argument("--format", choices=["text", "json"], default=argparse.SUPPRESS,
                      help="output format (also accepted before `show`)")
    show.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR", dest="rules_more",
                      help="also load rules from this folder (repeatable)")
    test = rules_commands.add_parser("test", help="run every rule's own fail/pass examples")
    test.add_argument("ids", nargs="*", help="only these rules")
    test.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR", dest="rules_more",
                      help="also load rules from this folder (repeatable)")
    test.add_argument("--strict", action="store_true", help="use the strict parameter profile")
    rules_commands.add_parser("list", help="list rules (the default)")


def _aws_flags(group: argparse._ActionsContainer) -> None:
    group.add_argument("--profile", metavar="NAME", help="AWS profile (default: the credential chain)")
    group.add_argument("--region", action="append", default=[], metavar="REGION", help="AWS region (repeatable)")
    group.add_argument("--all-regions", action="store_true", help="every region enabled in the account")
    group.add_argument("--assume-role", metavar="ARN", help="role to assume first ({account} is filled in)")
    group.add_argument("--services", metavar="LIST", help="comma-separated services (default: all)")
    group.add_argument("--accounts", metavar="LIST", help="comma-separated account ids, each reached through "
                                                          "--assume-role with {account} in the ARN")
    group.add_argument("--organization", action="store_true",
                       help="every active account of the organisation (organizations:ListAccounts)")
    from scanner.aws.flags import UnitTimeoutAction

    group.add_argument("--aws-unit-timeout", action=UnitTimeoutAction, metavar="SECONDS",
                       help="give up on one AWS unit (account x region x service) after SECONDS in all, retries "
                            "and pages included; it is then a gap (default: 120, or AIRGUARD_AWS_UNIT_TIMEOUT)")


def _dagbag_flags(scan: argparse.ArgumentParser) -> None:
    group = scan.add_argument_group(
        "DagBag", "also load the DAG files with apache-airflow's own DagBag (needs the airguard[airflow] extra).\n"
                  "WARNING: DagBag IMPORTS the DAG files, so their top-level code runs (even in safe mode).\n"
                  "It runs in a contained child process (no view of this process, read-only install and tree, "
                  "no network) with a scrubbed environment, a temporary AIRFLOW_HOME and a timeout.")
    group.add_argument("--dagbag", action="store_true",
                       help="load the scanned paths with Airflow's DagBag: import errors, cycles, duplicate DAG ids, "
                            "real operator classes and conn ids (executes the DAG files' top-level code)")
    group.add_argument("--dagbag-timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                       help="stop the DagBag load after SECONDS (default: 120); the scan is then partial")
    group.add_argument("--dagbag-unsandboxed", action=_AllowUnsandboxed,
                       help="when no containment (namespaces, sudo, an unprivileged user) is available, load the "
                            "DAG files anyway instead of refusing (exit 2); their code can then read this "
                            "process's environment and write wherever this user can")


class _AllowUnsandboxed(argparse.Action):
    """`--dagbag-unsandboxed`, told to `scanner.collect.dagbag` when given (only then imported: every run
    builds this parser)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=False, **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from scanner.collect.dagbag import allow_unsandboxed

        setattr(namespace, self.dest, True)
        allow_unsandboxed()


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    # pydantic looks its plugins up in every installed distribution's metadata on the first validation
    # (20-30 ms in an environment with Airflow); airguard's own models need no plugin. A user's setting wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    timings.reset()
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    try:
        with _fewer_collections():
            code = _run_command(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("airguard: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for users; AIRGUARD_DEBUG=1 shows it
        if os.environ.get("AIRGUARD_DEBUG"):
            raise
        return error(f"internal error ({type(exc).__name__}); run with AIRGUARD_DEBUG=1 for details "
                      "and report it")
    if code is None:   # the full parser: the one that parsed may name only its command
        build_parser().print_help()
        return 2
    return code


def run() -> NoReturn:
    """The `airguard` program: `main`, then out of the process at once. Python's own shutdown (freeing every
    object and module a scan loaded) took 25-40 ms of every run, a sixth of the pre-commit path. Output is
    flushed and what must run at exit still runs (atexit handlers: logging, multiprocessing, weakref
    finalizers such as temporary folders); only the freeing is skipped. `main` stays for callers in-process."""
    code = main()   # SystemExit (a usage error, --help) leaves the ordinary way
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe or stream: nothing more can be said there
            pass
    import atexit

    atexit._run_exitfuncs()
    os._exit(code)


def _run_command(args: argparse.Namespace) -> int | None:
    """The command's exit code, or None when no command was named."""
    if args.command in ("scan", "baseline"):
        return _scan(args)
    if args.command == "rules":
        return _rules(args)
    if args.command == "aws" and args.aws_command == "snapshot":
        return _aws_snapshot(args)
    if args.command == "compliance":
        from scanner.compliance.command import run_compliance

        return run_compliance(args)
    if args.command == "aws" and args.aws_command == "securityhub":
        from scanner.aws.securityhub import run_securityhub

        return run_securityhub(args)
    return None


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic collector at its default rate (every 700 allocations) re-reads a heap that only grows
    while a scan runs: it was 10 % of a cold scan's CPU on the dense bench tree (0.17 of 1.7 s) and 43 % of the
    main process's on 20,000 files (6.7 -> 3.8 s, same peak memory). Every 50,000 allocations it still
    collects what cycles there are; worker processes forked meanwhile inherit the rate."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _rule_json(rule) -> dict:  # rule: scanner.engine.rule.Rule
    """One rule's documentation as data (`airguard rules show ID --format json`)."""
    return {"id": rule.id, "name": rule.name, "title": rule.title, "severity": rule.severity.value,
            "confidence": rule.confidence.value, "resource": rule.resource, "tags": rule.tags,
            "origin": rule.origin, "help_uri": rule.help_uri, "references": rule.references,
            "compliance": rule.compliance,
            "docs": {"what": rule.docs.what, "why": rule.docs.why, "fix": rule.docs.fix, "bad": rule.docs.bad,
                     "good": rule.docs.good, "example_language": rule.docs.example_language},
            "parameters": {name: {"type": parameter.type, "default": parameter.default,
                                  "description": parameter.description, "profiles": parameter.profiles}
                           for name, parameter in rule.parameters.items()}}


def _scan(args: argparse.Namespace) -> int:
    from scanner.report import ReportError, ReportOptions, chunked_renderer

    ran = run_scan_command(args)
    if isinstance(ran, int):
        return ran
    result, config = ran
    color = args.format == "text" and args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    options = ReportOptions(fail_on=config.fail_on, color=color, sarif_category=args.sarif_category,
                            show_suppressed=args.show_suppressed, aws_account=args.asff_account,
                            aws_region=args.asff_region)
    _integration_options(args, options)
    options.pretty = args.output is None and sys.stdout.isatty()  # JSON/SARIF files stay compact
    with timings.stage(f"report ({args.format})"):
        try:
            report = chunked_renderer(args.format)(result, options)
            write_error = write_output(args.output, report)
        except ReportError as exc:
            return error(str(exc))
        if write_error is not None:
            return write_error
        report_error = _write_reports(args, result, options)
        if report_error is not None:
            return report_error
    if args.timings:
        print(timings.table(), file=sys.stderr)
    return result.exit_code(config.fail_on)


def _aws_snapshot(args: argparse.Namespace) -> int:
    from scanner.aws.collect import CollectError
    from scanner.aws.snapshot import write_snapshot

    if not boto3_available():
        return error(AWS_INSTALL_HINT)

    try:
        snapshot = collect_aws(args)
    except CollectError as exc:
        return error(str(exc))
    write_snapshot(args.output, snapshot)
    gaps = snapshot.gaps()
    print(f"airguard: wrote {len(snapshot.resources())} resources from {len(snapshot.regions)} region(s) to "
          f"{args.output}" + (f"; {len(gaps)} call(s) failed (see the snapshot's gaps)" if gaps else ""),
          file=sys.stderr)
    return 3 if gaps else 0


def _rules(args: argparse.Namespace) -> int:
    from scanner.engine.loader import RuleLoadError, load_rules

    extra = [p.resolve() for p in [*args.rules, *getattr(args, "rules_more", [])]]
    try:
        rules = load_rules(extra, label_root=Path.cwd())
    except RuleLoadError as exc:
        return error("invalid rules:\n  " + "\n  ".join(exc.problems))
    if args.rules_command == "show":
        from scanner.rule_docs import render_rule

        wanted = args.rule
        for rule in rules:
            if wanted in (rule.id, rule.name) or wanted.upper() == rule.id:
                if args.format == "json":
                    import json

                    print(json.dumps(_rule_json(rule), indent=2))
                else:
                    sys.stdout.write(render_rule(rule))
                return 0
        return error(f"no rule '{wanted}' (see `airguard rules`)")
    if args.rules_command == "test":
        from scanner.rule_fixtures import run_rule_tests

        chosen = [r for r in rules if not args.ids or r.id in args.ids or r.name in args.ids]
        if args.ids and not chosen:
            return error(f"no rule among: {', '.join(args.ids)}")
        results = run_rule_tests(chosen, "strict" if getattr(args, "strict", False) else None)
        failed = 0
        for outcome in results:
            status = "ok  " if outcome.ok else "FAIL"
            print(f"{status} {outcome.rule.id} {outcome.rule.name} ({outcome.cases} cases)  [{outcome.rule.source_path}]")
            for failure in outcome.failures:
                print(f"       {failure}")
            for skipped in outcome.skipped:
                print(f"       skipped: {skipped}")
            failed += 0 if outcome.ok else 1
        print(f"\n{len(results) - failed} of {len(results)} rules passed their tests")
        return 1 if failed else 0
    if args.format == "json":
        import json

        print(json.dumps([{"id": r.id, "name": r.name, "title": r.title, "severity": r.severity.value,
                           "confidence": r.confidence.value, "resource": r.resource, "tags": r.tags,
                           "compliance": r.compliance, "origin": r.origin} for r in rules], indent=2))
        return 0
    width = max((len(r.name) for r in rules), default=10)
    for rule in rules:
        print(f"{rule.id}  {rule.severity.value:<8} {rule.name:<{width}}  {rule.title}")
    return 0


# --- baseline, extra reports, Markdown links (the CI integrations) ---------------------------------

# Scan flags the `baseline` command does not share: they only shape a report it does not write.
_REPORT_ONLY_FLAGS = {"--format", "--output", "--show-suppressed", "--sarif-category", "--baseline",
                      "--no-baseline", "--report", "--top", "--asff-account", "--asff-region"}


def _report_spec(text: str) -> tuple[str, Path]:
    from scanner.report import FORMATS

    fmt, sep, file = text.partition("=")
    if not sep or fmt not in FORMATS or not file:
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}: {text!r}")
    return fmt, Path(file)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number: {text!r}")
    return int(text)


def _integration_flags(scan: argparse.ArgumentParser) -> None:
    """`scan --baseline/--report/--top`."""
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="report only findings not recorded in this baseline (default: config 'baseline')")
    scan.add_argument("--no-baseline", action="store_true", help="ignore the configured baseline")
    scan.add_argument("--report", type=_report_spec, action="append", default=[], metavar="FORMAT=FILE",
                      help="also write a report in FORMAT to FILE (repeatable; one scan, several reports)")
    scan.add_argument("--top", type=_positive, default=None, metavar="N",
                      help="findings listed in Markdown output (default: 20)")


def _baseline_parser(baseline: argparse.ArgumentParser, scan: argparse.ArgumentParser) -> None:
    """`baseline`: every scan flag but the report-only ones, and where to write the baseline."""
    baseline.description = ("Scan like `airguard scan` and write every unsuppressed finding to a baseline file. "
                            "`airguard scan --baseline FILE` then reports only findings not in it.")
    baseline.add_argument("--output", "-o", type=Path, metavar="FILE",
                          help="baseline file to write (default: the config's 'baseline', else "
                               ".airguard-baseline.json)")
    share_scan_flags(baseline, scan, _REPORT_ONLY_FLAGS)


def _integration_options(args: argparse.Namespace, options) -> None:
    """Markdown: how many findings to list, and line links when running in GitHub Actions."""
    if getattr(args, "top", None):
        options.top = args.top
    server, repository, sha = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if options.repository_url is None and server and repository and sha:
        options.repository_url = f"{server.rstrip('/')}/{repository}/blob/{sha}"


def _write_reports(args: argparse.Namespace, result, options) -> int | None:
    from scanner.report import ReportError, renderer

    for fmt, file in getattr(args, "report", []):
        try:
            text = renderer(fmt)(result, options.plain())
        except ReportError as exc:
            return error(str(exc))
        write_error = write_file(file, text)
        if write_error is not None:
            return write_error
    return None


