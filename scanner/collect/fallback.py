"""A line-level scan for files that do not parse: connection URIs, env assignments and AWS keys still count."""

from __future__ import annotations

import re

from scanner.collect.pycode import patterns
from scanner.connections import conn_id_from_env, connection_from_value, uris_in_text
from scanner.context import ScanContext
from scanner.model import Resource, Source
from scanner.secrets import marker
from scanner.source import SourceFile, Span

CREDENTIAL = "code.credential"
# `aws_secret_access_key = "..."`, `"SecretAccessKey": "..."`, `AWS_SECRET = '...'` on one line.
# The matches of `(?P<name>[A-Za-z_][\w.]*)["']?\s*[:=]...`, in time linear in the line: a name is the run of
# `[\w.]` from its first letter or '_' (digits, dots... before it skipped), tried once per run (the lookbehind
# says "a run starts here"), not from every letter of it (quadratic: 40k of `a.b.b...` took half a minute).
_AWS_SECRET_ASSIGNMENT = re.compile(
    r"""(?<![\w.])(?:[^\W_A-Za-z]|\.)*"""
    r"""(?P<name>[A-Za-z_][\w.]*)["']?\s*[:=]\s*[rbuRBU]?["'](?P<value>[A-Za-z0-9/+=]{40})["']"""
)

# The matches of `(?P<name>AIRFLOW_CONN_[A-Z0-9_]+)["']?\s*[:=]...`: tried once per run of `[A-Z0-9_]`, from its
# first `AIRFLOW_CONN_` (found by an atomic lookahead), not from each of them (quadratic in a run of them).
_ENV_ASSIGNMENT = re.compile(
    r"""(?<![A-Z0-9_])(?=(?P<skip>[A-Z0-9_]*?)AIRFLOW_CONN_[A-Z0-9_])(?P=skip)"""
    r"""(?P<name>AIRFLOW_CONN_[A-Z0-9_]+)["']?\s*[:=]\s*["']?(?P<value>[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'`]+)"""
)


def collect(ctx: ScanContext, source: SourceFile, origin: str = "unparsed") -> list[Resource]:
    resources: list[Resource] = []
    for number, line in enumerate(source.lines, start=1):
        if origin == "dag-code-unparsed":
            resources.extend(_aws_keys(ctx, source, number, line))
        if "://" not in line:
            continue
        taken: list[tuple[int, int]] = []
        for match in _ENV_ASSIGNMENT.finditer(line):
            conn_id = conn_id_from_env(match.group("name")) or "unknown"
            taken.append(match.span("value"))
            resources.extend(_one(ctx, source, conn_id, match.group("value"), number, match.start("name"),
                                  origin, match.group("name")))
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


def _aws_secret_assignments(line: str) -> list[re.Match[str]]:
    """`_AWS_SECRET_ASSIGNMENT` matches on the line."""
    return list(_AWS_SECRET_ASSIGNMENT.finditer(line))


def _aws_keys(ctx: ScanContext, source: SourceFile, number: int, line: str) -> list[Resource]:
    """AWS access key ids anywhere on the line; secret keys assigned to an AWS-secret-like name."""
    found: list[tuple[str, str, int, str]] = []
    for match in patterns.AWS_ACCESS_KEY_ID.finditer(line):
        found.append(("aws-access-key-id", match.group(0), match.start(), "string literal"))
    for match in _aws_secret_assignments(line):
        name = match.group("name").rsplit(".", 1)[-1]
        lowered = name.lower()
        if (("aws" in lowered and "secret" in lowered) or name == "SecretAccessKey") and \
                patterns.looks_like_aws_secret(match.group("value")):
            found.append(("aws-secret-access-key", match.group("value"), match.start("value"), f"constant {name}"))
    resources = []
    for kind, value, column, via in found:
        ctx.secret(value, source.path, number)
        where = source.location(number, column + 1, number, column + len(value))
        resources.append(Resource(
            id=f"{CREDENTIAL}:{source.path}:{number}:{column + 1}:{kind}", type=CREDENTIAL, name=via,
            attributes={"kind": kind, "via": via, "value": marker(value)},
            source=Source(file=where), locations={"value": where},
        ))
    return resources
