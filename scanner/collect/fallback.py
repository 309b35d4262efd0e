"""A line-level scan for files that do not parse: connection URIs and env assignments still count."""

from __future__ import annotations

import re

from scanner.collect.source import SourceFile, Span
from scanner.connections import conn_id_from_env, connection_from_value, uris_in_text
from scanner.context import ScanContext
from scanner.model import Resource

_ENV_ASSIGNMENT = re.compile(
    r"""(?P<name>AIRFLOW_CONN_[A-Z0-9_]+)["']?\s*[:=]\s*["']?(?P<value>[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'`]+)"""
)


def collect(ctx: ScanContext, source: SourceFile, origin: str = "unparsed") -> list[Resource]:
    resources: list[Resource] = []
    for number, line in enumerate(source.lines, start=1):
        if "://" not in line:
            continue
        taken: list[tuple[int, int]] = []
        for match in _ENV_ASSIGNMENT.finditer(line):
            conn_id = conn_id_from_env(match.group("name")) or "unknown"
            taken.append(match.span("value"))
            resources.extend(_one(ctx, source, conn_id, match.group("value"), number, match.start(), origin,
                                  match.group("name")))
        for offset, value in uris_in_text(line, with_password_only=True):
            if any(start <= offset < end for start, end in taken):
                continue
            resources.extend(_one(ctx, source, f"uri@{source.path}:{number}", value, number, offset, origin, None))
    return resources


def _one(ctx: ScanContext, source: SourceFile, conn_id: str, value: str, line: int, column: int,
         origin: str, env_var: str | None) -> list[Resource]:
    span = Span(line, column + 1, line, column + len(value))
    resource = connection_from_value(ctx, conn_id, value, origin=origin, location=source.span_location(span),
                                     locator=lambda needles: source.find(span, needles), env_var=env_var)
    return [resource] if resource is not None else []
