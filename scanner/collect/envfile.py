"""`.env` files, shell scripts with exports, and `airflow connections export --file-format env`."""

from __future__ import annotations

import re

from scanner import dotenv_parser
from scanner.collect.envvars import EnvBlock, is_airflow_env
from scanner.connections import connection_from_value
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile, Span

_URI_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def _bindings(text: str) -> list[tuple[str, str, int, int]]:
    """(key, value, first line, last line) for every parsed assignment."""
    result = []
    for binding in dotenv_parser.parse(text):
        if binding.error or binding.key is None or binding.value is None:
            continue
        start = binding.original.line
        end = start + binding.original.string.rstrip("\n").count("\n")
        result.append((binding.key, binding.value, start, end))
    return result


def is_connections_export(bindings: list[tuple[str, str, int, int]]) -> bool:
    """`conn_id=URI` lines as written by `airflow connections export --file-format env`."""
    if not bindings:
        return False
    for key, value, _, _ in bindings:
        if key.isupper() or is_airflow_env(key):
            return False
        if not (_URI_VALUE.match(value.strip()) or value.strip().startswith("{")):
            return False
    return True


def collect(ctx: ScanContext, source: SourceFile, origin: str = "env") -> list[Resource]:
    from scanner.collect import shell

    if origin == "env" and shell.is_shell_script(source):  # commands too, not only assignments
        return shell.collect(ctx, source)
    bindings = _bindings(source.text)
    if origin == "env" and is_connections_export(bindings):
        resources: list[Resource] = []
        for key, value, start, end in bindings:
            span = Span(start, 1, end, len(source.lines[end - 1]) if end <= len(source.lines) else 1)
            resource = connection_from_value(
                ctx, key, value, origin="export-env", location=source.span_location(span),
                locator=lambda needles, span=span: source.find(span, needles),
            )
            if resource is not None:
                resources.append(resource)
        return resources
    block = EnvBlock(ctx, source, origin, source.path, Span(1, 1, max(len(source.lines), 1), 1))
    for key, value, start, end in bindings:
        last = source.lines[end - 1] if end <= len(source.lines) else ""
        span = Span(start, 1, end, max(len(last), 1))
        block.add(key, value, span, plain=True)  # a .env file is an environment: every variable is judged
    return block.finish()
