"""`airflow.cfg` (INI): every setting with its line, read the way configparser reads it."""

from __future__ import annotations

import re

from scanner.airflow_config import ConfigBlock, build_config_resources
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
# The key runs to the first '=' or ':' (its trailing spaces are stripped by the reader, as configparser
# does); `[^=:]*?\s*[=:]` would try every split of a run of spaces between the two (quadratic in it).
_OPTION = re.compile(r"^(?P<key>[^=:\s][^=:]*)[=:]\s?(?P<value>.*)$")
_AIRFLOW_SECTIONS = {"core", "database", "webserver", "api", "scheduler", "secrets", "celery", "logging",
                     "dag_processor", "api_auth", "fab", "smtp", "operators", "triggerer", "kubernetes_executor"}


def looks_like_airflow_cfg(source: SourceFile) -> bool:
    if source.name == "airflow.cfg" or source.name.endswith(".airflow.cfg"):
        return True
    sections = {m.group("name").strip().lower() for line in source.lines[:4000]
                if (m := _SECTION.match(line.strip()))}
    return len(sections & _AIRFLOW_SECTIONS) >= 2 or "core" in sections


def collect(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    block = ConfigBlock(origin="airflow.cfg", location=source.location(1), name=source.path)
    section: str | None = None
    pending: tuple[str, str, int, list[str]] | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None and section is not None:
            key, first, line, more = pending
            value = "\n".join([first, *more]).strip()
            # configparser interpolation escapes '%' as '%%' in airflow.cfg
            end = line + len(more)
            block.add(section, key, value.replace("%%", "%"),
                      source.location(line, 1, end, len(source.lines[end - 1])))
        pending = None

    for number, raw in enumerate(source.lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if raw[:1] in (" ", "\t") and pending is not None:
            pending[3].append(stripped)
            continue
        flush()
        match = _SECTION.match(stripped)
        if match:
            section = match.group("name").strip().lower()
            continue
        option = _OPTION.match(stripped)
        if option and section is not None:
            pending = (option.group("key").strip().lower(), option.group("value").strip(), number, [])
    flush()
    return build_config_resources(ctx, block)
