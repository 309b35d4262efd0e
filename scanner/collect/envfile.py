"""`.env` files, shell scripts with exports, and `airflow connections export --file-format env`."""

from __future__ import annotations

import io
import re

import dotenv.parser
from dotenv.parser import parse_stream

from scanner.collect.envvars import EnvBlock, is_airflow_env
from scanner.connections import connection_from_value
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile, Span

_URI_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")

# python-dotenv cuts an unquoted value at its comment with `re.sub(r"\s+#.*", "", value).rstrip()`: from each
# space of a long run not followed by '#', `\s+` reads the rest of the run (quadratic: a value with a 1 MB run
# of spaces never finishes). The same result in linear time: the value up to the first space that a '#'
# follows, right-stripped (the rest of that run of spaces goes with the strip).
_SPACE_BEFORE_HASH = re.compile(r"\s#")
_dotenv_unquoted_value = dotenv.parser.parse_unquoted_value


def _parse_unquoted_value(reader: dotenv.parser.Reader) -> str:
    (part,) = reader.read_regex(dotenv.parser._unquoted_value)
    comment = _SPACE_BEFORE_HASH.search(part)
    return (part if comment is None else part[:comment.start()]).rstrip()


dotenv.parser.parse_unquoted_value = _parse_unquoted_value  # parse_value looks it up in the module


def _bindings(text: str) -> list[tuple[str, str, int, int]]:
    """(key, value, first line, last line) for every parsed assignment."""
    result = []
    for binding in parse_stream(io.StringIO(text)):
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
