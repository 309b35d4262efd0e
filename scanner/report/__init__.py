"""Reporters turn a scan result into text. They know nothing of collectors.

Each reporter is one module with a `render(result, options) -> str`; everything it returns has
already been through the scan's redactor.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from scanner.records import Record

if TYPE_CHECKING:
    from scanner.result import ScanResult

FORMATS = {"text": "scanner.report.text", "json": "scanner.report.json_report",
           "sarif": "scanner.report.sarif", "markdown": "scanner.report.markdown",
           "asff": "scanner.report.asff", "junit": "scanner.report.junit"}


T = TypeVar("T")


class ByIdentity(Generic[T]):
    """Values made once for each combination of the same objects, known by their identities (and by plain
    values given beside them): a report makes one text per list of related locations, and the findings of
    rules firing on one resource list the same places by the very same objects
    (`scanner.engine.evaluate.Shared.related`). An equal combination of other objects is only made again.
    Each entry keeps its objects alive, so no identity can be reused by another object while the memo lives."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[tuple[Hashable, ...], tuple[T, tuple[Any, ...]]] = {}

    def get(self, plain: tuple[Hashable, ...], objects: tuple[Any, ...], make: Callable[[], T]) -> T:
        key = (*plain, *map(id, objects))
        known = self._made.get(key)
        if known is None:
            known = self._made[key] = (make(), objects)
        return known[0]


class ReportError(Exception):
    """A report cannot be written from this scan as asked (e.g. ASFF without an account): exit 2."""


class ReportOptions(Record):
    """How a report is written: the fail level, colour and indentation, and what each format adds. (A record,
    `scanner.records`: every scan imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = _fields = ("fail_on", "color", "sarif_category", "show_suppressed", "repository_url", "top",
                           "pretty", "aws_account", "aws_region", "generated_at")

    def __init__(self, fail_on: str = "low", color: bool = False, sarif_category: str | None = None,
                 show_suppressed: bool = False, repository_url: str | None = None, top: int = 20,
                 pretty: bool = False, aws_account: str | None = None, aws_region: str | None = None,
                 generated_at: str | None = None) -> None:
        self.fail_on = fail_on
        self.color = color
        self.sarif_category = sarif_category
        self.show_suppressed = show_suppressed
        self.repository_url = repository_url  # e.g. https://github.com/org/repo/blob/SHA (Markdown links)
        self.top = top  # findings listed in Markdown output
        self.pretty = pretty  # JSON and SARIF indented (printed to a terminal); else compact
        self.aws_account = aws_account  # ASFF: account for findings about files, and the importing account
        self.aws_region = aws_region  # ASFF: the Security Hub region the findings go to
        self.generated_at = generated_at  # ASFF: CreatedAt/UpdatedAt (default: now)

    def plain(self) -> ReportOptions:
        """The same options without colour and indentation (a report written to a file)."""
        from copy import copy

        plain = copy(self)   # every slot, so an option added later is carried too
        plain.color = plain.pretty = False
        return plain


def chunked_renderer(fmt: str) -> Callable[[ScanResult, ReportOptions], Iterator[str]]:
    """The report's text in pieces to write as they come (a format's `render_chunks`, else its whole text)."""
    module = import_module(FORMATS[fmt])
    render_chunks: Callable[[ScanResult, ReportOptions], Iterable[str]] = getattr(
        module, "render_chunks", lambda result, options: [module.render(result, options)])

    def paused(result: ScanResult, options: ReportOptions) -> Iterator[str]:
        # A report is many small containers and no cycles: the collector's passes over the scan's whole
        # heap, which these allocations would trigger, found nothing and cost up to a third of a render.
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield from render_chunks(result, options)
        finally:
            if enabled:
                gc.enable()

    return paused


def renderer(fmt: str) -> Callable[[ScanResult, ReportOptions], str]:
    """The report as one text (`chunked_renderer`'s pieces joined)."""
    chunks = chunked_renderer(fmt)
    return lambda result, options: "".join(chunks(result, options))
