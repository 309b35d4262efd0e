"""The `airguard aws securityhub import` parser, kept apart from scanner/aws/securityhub.py so that building the
command line (every run, the pre-commit `scan` too) does not load the import machinery."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_import_parser(aws_commands: argparse._SubParsersAction, scan: argparse.ArgumentParser,
                      report_only: set[str]) -> None:
    """`airguard aws securityhub import (FILE | --from-scan [PATH ...] [scan options])`."""
    from scanner.runscan import share_scan_flags

    hub = aws_commands.add_parser("securityhub", help="AWS Security Hub")
    hub_commands = hub.add_subparsers(dest="securityhub_command", metavar="ACTION")
    parser = hub_commands.add_parser(
        "import", help="import findings into AWS Security Hub (BatchImportFindings)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Send findings to Security Hub in batches of 100: from FILE (an ASFF file written by "
                    "`airguard scan --format asff`, or an airguard JSON report), or from a scan run now "
                    "(--from-scan, with the scan's options; then the positional arguments are the scan's "
                    "paths). Findings are checked against botocore's BatchImportFindings model first. Needs "
                    "securityhub:BatchImportFindings (and sts:GetCallerIdentity for --from-scan and JSON "
                    "reports).",
        epilog="exit codes:\n  0  every finding imported\n  1  Security Hub refused some findings (listed)\n"
               "  2  usage error, unreadable or invalid input, or the request failed\n"
               "  3  every finding imported, but the scan (--from-scan) was incomplete\n")
    parser.add_argument("inputs", nargs="*", type=Path, metavar="FILE|PATH",
                        help="the ASFF or JSON report to import; with --from-scan, the paths to scan")
    parser.add_argument("--from-scan", action="store_true", help="scan now and import the findings")
    parser.add_argument("--hub-region", metavar="REGION",
                        help="Security Hub region to import into (default: AWS_REGION / the profile's region)")
    parser.add_argument("--account", metavar="ID", help="account for findings about files (default: the "
                                                        "caller's account, from STS)")
    parser.add_argument("--dry-run", action="store_true", help="check the findings and print how many would be "
                                                               "sent; send nothing")
    share_scan_flags(parser, scan, report_only - {"--baseline", "--no-baseline"}, frozenset({"paths"}))
