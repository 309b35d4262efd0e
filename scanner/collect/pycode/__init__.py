"""DAG code: static analysis of Python files. Never imports or executes the scanned code."""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from pathlib import Path
from typing import Protocol

import re2

from scanner.collect.pycode import precheck
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile

# The analyser (`analyzer`, `values`, `walk`, `project`) and the line-level `fallback` are imported by the
# first file that needs them: a warm scan, or one whose DAG files the pre-check turns away, reads none.


class BytesSearch(Protocol):
    def search(self, data: bytes, /) -> object: ...


def needs_parse(data: bytes, known_conn_ids: BytesSearch | None) -> bool:
    """The byte-level pre-check: could this file yield a finding or a usage link we need?"""
    if precheck.precheck(data):
        return True
    return bool(known_conn_ids is not None and known_conn_ids.search(data))


class _EveryFile:
    """Stands in for a set of conn ids too large for RE2's memory budget: every file may name one."""

    def search(self, data: bytes, /) -> bool:
        return True


def conn_id_pattern(conn_ids: set[str]) -> BytesSearch | None:
    """Finds any of `conn_ids` in a file's bytes in time linear in the file, however many ids the scanned
    connections define: RE2 runs the alternation as one automaton, where Python's `re` tries each id at
    each position (thousands of ids made every DAG file cost seconds). A set too large for RE2 makes every
    file a candidate: it is parsed, nothing is missed."""
    if not conn_ids:
        return None
    try:
        return precheck.literal_search(  # type: ignore[no-any-return]
            [c.encode() for c in sorted(conn_ids, key=lambda c: (-len(c), c))], max_mem=64 << 20)
    except re2.error:
        return _EveryFile()


def decode(ctx: ScanContext, relative: str, data: bytes) -> str:
    """Decode like Python does (PEP 263 coding cookie, BOM), replacing what does not decode."""
    text, failed_encoding = decode_text(data)
    if failed_encoding is not None:
        ctx.notice("read-error", f"file does not decode as {failed_encoding}; undecodable bytes were replaced",
                   relative, level="warning")
    return text


def decode_text(data: bytes) -> tuple[str, str | None]:
    """The text, and the declared encoding when it did not decode (bytes then replaced as UTF-8)."""
    if b"coding" not in data[:_second_line_end(data)]:  # a PEP 263 cookie only stands on the first two lines
        try:  # UTF-8, as detect_encoding would say (strict UTF-8 decodes no lone surrogate)
            return data.decode("utf-8").lstrip("\ufeff"), None
        except UnicodeDecodeError:
            pass  # named below as before
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:  # a declared utf-7 or unicode_escape can decode to lone surrogates, which no output can encode
        from scanner.doctree import replace_surrogates

        return replace_surrogates(data.decode(encoding).lstrip("\ufeff")), None
    except (UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace").lstrip("\ufeff"), encoding


def _second_line_end(data: bytes) -> int:
    first = data.find(b"\n")
    if first < 0:
        return len(data)
    second = data.find(b"\n", first + 1)
    return len(data) if second < 0 else second


def collect_bytes(ctx: ScanContext, path: Path, relative: str, data: bytes) -> list[Resource]:
    """A DAG file that needs a full parse: decode, register its source, analyze."""
    source = SourceFile(path=relative, absolute=path, text=decode(ctx, relative, data))
    ctx.sources[relative] = source
    return collect_source(ctx, source)


def collect_source(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    from scanner.collect import fallback
    from scanner.collect.pycode.analyzer import analyze

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes in scanned code
            tree = ast.parse(source.text, filename=source.path)
    except SyntaxError as exc:
        detail = exc.msg or "invalid syntax"
        ctx.notice("parse-error", f"Python syntax error ({detail}); scanned line by line instead",
                   source.path, exc.lineno, exc.offset)
        return fallback.collect(ctx, source, origin="dag-code-unparsed")
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = "NUL bytes" if "null" in str(exc).lower() else type(exc).__name__
        ctx.notice("parse-error", f"Python source cannot be parsed ({reason}); scanned line by line instead",
                   source.path)
        return fallback.collect(ctx, source, origin="dag-code-unparsed")
    return analyze(ctx, source, tree)
