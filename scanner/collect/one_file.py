"""One non-Python file: read it safely, decode it, and hand it to the collector for its kind.

`scanner.collect.unit` runs this in a fresh context per file (for the file cache and worker processes);
`scanner.collect.files` finds the files and merges the outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from scanner import safeio
from scanner.context import ScanContext
from scanner.filekinds import sniff
from scanner.model import Resource
from scanner.source import SourceFile

MAX_FILE_BYTES = safeio.SCANNED_FILE_CAP

FileCollector = Callable[[ScanContext, SourceFile], list[Resource]]

# Kinds of files and who reads them (module of scanner.collect, function), imported at the first file of the
# kind: a scan of DAG files alone (pre-commit on one) loads none of them (~14 ms of a start).
COLLECTORS: dict[str, tuple[str, str]] = {
    "env": ("envfile", "collect"),
    "yaml": ("structured", "collect_yaml"),
    "json": ("structured", "collect_json"),
    "cfg": ("cfgfile", "collect"),
    "dockerfile": ("dockerfile", "collect"),
    "requirements": ("requirements", "collect"),
    "terraform": ("terraform", "collect"),
}


def collector_for(kind: str) -> FileCollector:
    """The function that reads files of `kind` (a key of COLLECTORS)."""
    module, function = COLLECTORS[kind]
    collector: FileCollector = getattr(import_module(f"scanner.collect.{module}"), function)
    return collector


def source_from_bytes(ctx: ScanContext, path: Path, relative: str, data: bytes) -> SourceFile | None:
    """The file as text (registered in `ctx.sources`), or None with a notice for binary files."""
    if b"\x00" in data[:8192]:
        ctx.notice("read-error", "binary file (NUL bytes); not scanned", relative)
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        ctx.notice("read-error", "file is not valid UTF-8; undecodable bytes were replaced", relative, line,
                   level="warning")
        text = data.decode("utf-8", errors="replace")
    source = SourceFile(path=relative, absolute=path, text=text)
    ctx.sources[relative] = source
    return source


def collect_source_file(ctx: ScanContext, source: SourceFile, kind: str) -> list[Resource]:
    """One config file's resources, by kind (`sniff` = judged by content)."""
    # the document parser, loaded here with the first config file: a tree without one does not need it
    from scanner.doctree import DocumentError

    if kind == "sniff":
        kind = sniff(source.text)
    elif kind == "cfg":
        from scanner.collect import cfgfile

        if not cfgfile.looks_like_airflow_cfg(source):
            return []
    ctx.files_scanned += 1
    try:
        resources = collector_for(kind)(ctx, source)
    except DocumentError as exc:
        ctx.notice("parse-error", exc.message, source.path, exc.line, exc.column)
        from scanner.collect import fallback

        return fallback.collect(ctx, source)
    except RecursionError:
        ctx.notice("parse-error", "document nested too deeply", source.path)
        return []
    if kind in ("yaml", "json"):  # also a CloudFormation/CDK template or a Terraform plan?
        from scanner.collect import iac

        resources += iac.collect_structured(ctx, source, kind)
    return resources
