"""Reporters turn a scan result into text. They know nothing of collectors.

Each reporter is one module with a `render(result, options) -> str`; everything it returns has
already been through the scan's redactor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.scan import ScanResult

FORMATS = {"text": "scanner.report.text", "json": "scanner.report.json_report",
           "sarif": "scanner.report.sarif", "markdown": "scanner.report.markdown",
           "asff": "scanner.report.asff", "junit": "scanner.report.junit"}


class ReportError(Exception):
    """A report cannot be written from this scan as asked (e.g. ASFF without an account): exit 2."""


@dataclass
class ReportOptions:
    fail_on: str = "low"
    color: bool = False
    sarif_category: str | None = None
    show_suppressed: bool = False
    repository_url: str | None = None     # e.g. https://github.com/org/repo/blob/SHA (Markdown links)
    top: int = 20                         # findings listed in Markdown output
    aws_account: str | None = None        # ASFF: account for findings about files, and the importing account
    aws_region: str | None = None         # ASFF: the Security Hub region the findings go to
    generated_at: str | None = None       # ASFF: CreatedAt/UpdatedAt (default: now)


def renderer(fmt: str) -> Callable[[ScanResult, ReportOptions], str]:
    module = import_module(FORMATS[fmt])
    return module.render  # type: ignore[no-any-return]
