"""pip requirement and configuration files: a package index or VCS URL with a password in it.

`--extra-index-url https://__token__:<token>@gitlab.example.com/...`, `-i https://user:pw@nexus/...`,
`pkg @ git+https://user:token@github.com/...` in `requirements*.txt`, `constraints*.txt`, `*.in`, and
`index-url = ...` in `pip.conf` / `pip.ini`. Each is a secret (AG302) at the password's place; a
password taken from the environment (`${PIP_TOKEN}`) is not.
"""

from __future__ import annotations

from scanner.collect import credentials
from scanner.context import ScanContext
from scanner.filekinds import PIP_CONFIG_NAMES, is_requirements  # noqa: F401 - importable from here
from scanner.model import Resource
from scanner.source import SourceFile


def _without_comment(line: str) -> str:
    """pip drops `#` at the start of a line or after whitespace, to the end of the line."""
    if line.lstrip().startswith("#"):
        return ""
    for index in range(1, len(line)):
        if line[index] == "#" and line[index - 1] in " \t":
            return line[:index]
    return line


def collect(ctx: ScanContext, source: SourceFile) -> list[Resource]:
    resources: list[Resource] = []
    for number, line in enumerate(source.lines, start=1):
        text = _without_comment(line)
        if "://" not in text:
            continue
        for offset, _url, password in credentials.urls_with_password(text):
            column = text.find(password, offset)
            column = offset if column < 0 else column
            where = source.location(number, column + 1, number, column + len(password))
            resources.append(credentials.resource(ctx, credentials.SECRET, password, where,
                                                  "password in a package index URL"))
    return credentials.dedupe(resources)
