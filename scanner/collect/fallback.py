"""A line-level scan for files that do not parse: connection URIs and env assignments still count."""

from __future__ import annotations

import re

from scanner.collect.source import SourceFile, Span
from scanner.connections import conn_id_from_env, connection_from_value
from scanner.context import ScanContext
from scanner.model import Resource

_ENV_ASSIGNMENT = re.compile(
    r"""(?P<name>AIRFLOW_CONN_[A-Z0-9_]+)["']?\s*[:=]\s*["']?(?P<value>[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'`]+)"""
)
_CREDENTIAL_URI = re.compile(
    r"""(?P<value>\b(?:postgres(?:ql)?(?:\+\w+)?|mysql(?:\+\w+)?|redshift(?:\+\w+)?|aurora\w*|mssql(?:\+\w+)?|"""
    r"""oracle(?:\+\w+)?|jdbc:[a-z]+)://[^\s:@/"'`]+:[^\s@"'`]+@[^\s"'`]+)"""
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
        for match in _CREDENTIAL_URI.finditer(line):
            if any(start <= match.start() < end for start, end in taken):
                continue
            value = match.group("value")
            if value.startswith("jdbc:"):
                value = value[len("jdbc:"):]
            resources.extend(_one(ctx, source, f"uri@{source.path}:{number}", value, number, match.start(),
                                  origin, None))
    return resources


def _one(ctx: ScanContext, source: SourceFile, conn_id: str, value: str, line: int, column: int,
         origin: str, env_var: str | None) -> list[Resource]:
    span = Span(line, column + 1, line, column + len(value))
    resource = connection_from_value(ctx, conn_id, value, origin=origin, location=source.span_location(span),
                                     locator=lambda needles: source.find(span, needles), env_var=env_var)
    return [resource] if resource is not None else []
