"""Terraform files: the Airflow configuration of an MWAA environment (`aws_mwaa_environment`'s
`airflow_configuration_options = { "section.key" = "value" }`), read line by line (so a file with a syntax
error still gives its options), and the file's infrastructure record (`scanner.collect.iac.terraform`: the
clusters, security groups, roles... of its directory once every file is read).

MWAA hands these options to Airflow as `AIRFLOW__SECTION__KEY`, so they are Airflow configuration like any
other (AG202 for a credential, AG301 for an SES SMTP user that is an access key id, AG201/AG203). Only
string literals are read; `var.x`, `jsonencode(...)` and interpolations are references.
"""

from __future__ import annotations

from scanner.airflow_config import ConfigBlock, build_config_resources
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile

OPTIONS = "airflow_configuration_options"


def _string(text: str, start: int) -> tuple[str, int] | None:
    """An HCL double-quoted string at `start`: (value, offset after it); None if it is not one or it
    interpolates (`${...}`)."""
    if not text.startswith('"', start):
        return None
    parts: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            parts.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(text[index + 1], text[index + 1]))
            index += 2
            continue
        if char == '"':
            value = "".join(parts)
            return (None if "${" in value else value), index + 1  # type: ignore[return-value]
        parts.append(char)
        index += 1
    return None


def collect(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    """MWAA options (``.tf``) and the parsed record (``.tf``, ``.tfvars``); a syntax error is one notice."""
    from scanner.collect.iac import collect_terraform

    resources = [] if source.path.endswith(".tfvars") else mwaa_options(ctx, source)
    return resources + collect_terraform(ctx, source)


def mwaa_options(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    resources: list[Resource] = []
    lines = source.lines
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        stripped = line.strip()
        if not stripped.startswith(OPTIONS) or "{" not in stripped:
            continue
        block = ConfigBlock(origin="mwaa", location=source.location(number), name=f"{source.path}#{OPTIONS}@{number}")
        depth = stripped.count("{") - stripped.count("}")
        while number < len(lines) and depth > 0:
            raw = lines[number]
            number += 1
            depth += raw.count("{") - raw.count("}")
            entry = raw.strip()
            key = _string(entry, 0)
            if key is None or key[0] is None:
                continue
            name, after = key
            rest = entry[after:].lstrip()
            if not rest.startswith(("=", ":")):
                continue
            value_start = len(entry) - len(rest[1:].lstrip())
            value = _string(entry, value_start)
            section, dot, option = name.partition(".")
            if value is None or value[0] is None or not dot:
                continue
            column = raw.find(entry) + value_start + 1
            block.add(section, option, value[0], source.location(number, column, number, column + len(value[0]) + 1))
        resources.extend(build_config_resources(ctx, block))
    return resources
