"""`airguard compliance FRAMEWORK [scan options]`: scan, then pass / fail / not evaluated per control."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scanner.compliance.frameworks import FRAMEWORKS


def fill_compliance_parser(parser: argparse.ArgumentParser, scan: argparse.ArgumentParser,
                           report_only: set[str]) -> None:
    """`compliance`'s description, arguments and the scan flags it shares (the command line names it and
    gives its one-line help, `scanner.cli.COMMANDS`)."""
    from scanner.runscan import EXIT_DOC, share_scan_flags

    parser.epilog = EXIT_DOC
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = ("Scan like `airguard scan`, then list each control of FRAMEWORK that a rule maps to: "
                          "FAIL (an open finding of a mapped rule), NOT EVALUATED (a mapped rule did not run or "
                          "the scan could not evaluate it, or no rule saw a resource) or PASS. Frameworks: "
                          + ", ".join(f"{key} ({f.title})" for key, f in FRAMEWORKS.items()) + ".")
    parser.add_argument("framework", choices=list(FRAMEWORKS), metavar="FRAMEWORK",
                        help=f"one of {', '.join(FRAMEWORKS)}")
    share_scan_flags(parser, scan, report_only - {"--baseline", "--no-baseline"})
    parser.add_argument("--format", "-f", choices=["text", "json"], default="text", help="output format")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the summary to FILE")


def run_compliance(args: argparse.Namespace) -> int:
    from scanner.compliance.summary import render_text, summarise, summary_json
    from scanner.engine.loader import RuleLoadError, load_rules
    from scanner.runscan import error, run_scan_command, write_output

    ran = run_scan_command(args)
    if isinstance(ran, int):
        return ran
    result, config = ran
    try:  # every rule, run or not: a control whose rule was left out is not evaluated, not passed
        rules = load_rules([*config.resolved_rule_dirs(), *(p.resolve() for p in args.rules)])
    except RuleLoadError as exc:
        return error("invalid rules:\n  " + "\n  ".join(exc.problems))
    controls = summarise(result, args.framework, rules)
    if args.format == "json":
        from scanner.report.json_report import inert_json

        text = inert_json(json.dumps(summary_json(result, args.framework, controls, config.fail_on), indent=2)) + "\n"
    else:
        text = render_text(result, args.framework, controls, config.fail_on)
    problem = write_output(args.output, text)
    if problem is not None:
        return problem
    return result.exit_code(config.fail_on)
