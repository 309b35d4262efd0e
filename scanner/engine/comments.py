"""Where each kind of scanned file writes a real comment, for inline suppressions (`scanner.engine.suppressions`).

Only real comments of the file's own syntax count, never text that merely looks like one (a string
literal, a quoted YAML value, a URI fragment in a .env value): a scanned repository must not be able to
silence findings through data. Where a comment can stand:

- Python: COMMENT tokens of the `tokenize` module; a file that does not tokenize has none.
- YAML: ``#`` at the start of a line or after a space/tab, outside every token of the document (quoted,
  plain and block scalars included); a document that does not scan has none.
- .env files and shell scripts: ``#`` comments as python-dotenv (which reads the values) sees them;
  for lines that are not assignments, ``#`` at the start of a shell word outside quotes.
- airflow.cfg / ini: whole-line ``#`` or ``;`` comments (airguard reads values as configparser does by
  default, without inline comments, so text after a value belongs to the value).
- JSON has no comments.

Apart from `suppressions`: every scan imports that module, and only a file holding an `airguard:` marker needs
these readers and their ~16 regexes (the .env grammar above all).
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from pathlib import Path

from scanner import dotenv_parser
from scanner.filekinds import kind_of, sniff
from scanner.source import SourceFile


def comments(source: SourceFile) -> list[tuple[int, int, str]]:
    """(1-based line, 1-based column, text from the comment character to the end of its line) of every
    real comment in the file, judged by its kind (as the collectors judge it: `scanner.filekinds`)."""
    kind = _kind(source)
    if kind == "python":
        return _python_comments(source.text)
    if kind == "yaml":
        return _yaml_comments(source.text)
    if kind == "env":
        return _env_comments(source.text)
    if kind == "cfg":
        return _cfg_comments(source.lines)
    if kind == "dockerfile":   # only whole lines: `ENV A=b # c` keeps `# c` in the value
        return [(n, c, t) for n, c, t in _cfg_comments(source.lines) if t.startswith("#")]
    if kind == "requirements":
        return _pip_comments(source.lines)
    if kind == "terraform":
        return _hcl_comments(source.lines)
    return []  # JSON, and anything else: no comments


def _kind(source: SourceFile) -> str | None:
    kind = kind_of(Path(source.path))
    if kind is None:  # a file named explicitly whatever its name: judged by content, as when collected
        kind = sniff(source.text)
    return kind


# ----------------------------------------------------------------- Python

def _python_comments(text: str) -> list[tuple[int, int, str]]:
    # Python counts \r\n and a lone \r as line ends (as ast line numbers do).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError):
        return []
    if any(token.type == tokenize.ERRORTOKEN for token in tokens):  # Python < 3.12 keeps going past errors
        return []
    return [(token.start[0], token.start[1] + 1, token.string) for token in tokens if token.type == tokenize.COMMENT]


# ----------------------------------------------------------------- YAML

_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_YAML_SPACE = " \t\r\n\x85\u2028\u2029\ufeff"


def _yaml_comments(text: str) -> list[tuple[int, int, str]]:
    import yaml

    from scanner.doctree import yaml_loader  # the collectors' loader: libyaml's when it is there

    try:
        spans = [(t.start_mark.index, t.end_mark.index) for t in yaml.scan(text, Loader=yaml_loader())
                 if t.end_mark.index > t.start_mark.index]
    except (yaml.YAMLError, ValueError, RecursionError):
        return []
    starts = [start for start, _ in spans]
    breaks = [m.end() for m in _YAML_BREAK.finditer(text)]   # offsets where a line starts
    found = []
    position = text.find("#")
    while position >= 0:
        inside = bisect.bisect_right(starts, position) - 1
        if inside >= 0 and position < spans[inside][1]:   # in a scalar (or other token): data
            position = text.find("#", spans[inside][1])
            continue
        if position == 0 or text[position - 1] in _YAML_SPACE:
            end = _line_end(text, position)
            line = bisect.bisect_right(breaks, position)  # line breaks before it = 0-based line
            line_start = breaks[line - 1] if line else 0
            found.append((line + 1, position - line_start + 1, text[position:end]))
            position = text.find("#", end)
        else:
            position = text.find("#", position + 1)
    return found


_YAML_LINE_END = re.compile("[\r\n\x85\u2028\u2029]")


def _line_end(text: str, position: int) -> int:
    match = _YAML_LINE_END.search(text, position)
    return match.start() if match else len(text)


# ----------------------------------------------------------------- .env and shell
# A .env file is read with python-dotenv's grammar as airguard's .env reader holds it (`scanner.dotenv_parser`, a
# copy of dotenv.parser), one `need(pattern, position)` at a time, so a comment is what that reader reads as one.


class _NotABinding(Exception):
    pass


def _env_comments(text: str) -> list[tuple[int, int, str]]:
    text = text.removeprefix("\ufeff")
    spans: list[tuple[int, int]] = []   # (offset of '#', end of the comment)
    position = 0
    while position < len(text):
        position = dotenv_parser._multiline_whitespace.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            break
        found: list[tuple[int, int]] = []
        try:
            position = _env_binding(text, position, found)
        except _NotABinding as failed:
            # like dotenv, skip the rest of the line; read it as a shell line
            start = position
            position = dotenv_parser._rest_of_line.match(text, failed.args[0]).end()  # type: ignore[union-attr]
            line = text[start:position].rstrip("\r\n")
            offset = _shell_comment(line)
            found = [] if offset is None else [(start + offset, start + len(line))]
        spans += found
    breaks = [m.end() for m in dotenv_parser._newline.finditer(text)]
    result = []
    for start, end in spans:
        line = bisect.bisect_right(breaks, start)
        line_start = breaks[line - 1] if line else 0
        result.append((line + 1, start - line_start + 1, text[start:end]))
    return result


def _env_binding(text: str, position: int, found: list[tuple[int, int]]) -> int:
    """Read one `KEY=value  # comment` binding as dotenv does; the comments go to `found`."""

    def need(pattern: re.Pattern[str], at: int) -> re.Match[str]:
        match = pattern.match(text, at)
        if match is None:
            raise _NotABinding(at)
        return match

    position = need(dotenv_parser._export, position).end()
    if not text.startswith("#", position):
        key = dotenv_parser._single_quoted_key if text.startswith("'", position) else dotenv_parser._unquoted_key
        position = need(key, position).end()
    position = need(dotenv_parser._whitespace, position).end()
    if text.startswith("=", position):
        equals = need(dotenv_parser._equal_sign, position)
        position = equals.end()
        if not (len(equals.group(1)) > 1 and text.startswith("#", position)):   # `KEY= # comment`: no value
            first = text[position:position + 1]
            if first == "'":
                position = need(dotenv_parser._single_quoted_value, position).end()
            elif first == '"':
                position = need(dotenv_parser._double_quoted_value, position).end()
            elif first not in ("", "\n", "\r"):
                value = need(dotenv_parser._unquoted_value, position)
                inline = dotenv_parser._space_before_hash.search(value.group(1))
                if inline is not None:  # dotenv cuts an unquoted value at whitespace + '#'
                    found.append((position + inline.end() - 1, value.end()))
                position = value.end()
    comment = need(dotenv_parser._comment, position)
    if comment.group(0):
        found.append((position + comment.group(0).index("#"), comment.end()))
    return need(dotenv_parser._end_of_line, comment.end()).end()


def _shell_comment(line: str) -> int | None:
    """Where a shell comment starts on one line: '#' at the start of a word, outside quotes."""
    quote = None
    word_start = True
    index = 0
    while index < len(line):
        char = line[index]
        if quote == "'":
            quote = None if char == "'" else quote
        elif quote == '"':
            if char == "\\":
                index += 1
            elif char == '"':
                quote = None
        elif char == "\\":
            index += 2
            word_start = False
            continue
        elif char in " \t":
            word_start = True
            index += 1
            continue
        elif char == "#" and word_start:
            return index
        elif char in "'\"":
            quote = char
        word_start = False
        index += 1
    return None


# ----------------------------------------------------------------- airflow.cfg / ini

def _cfg_comments(lines: list[str]) -> list[tuple[int, int, str]]:
    found = []
    for number, raw in enumerate(lines, start=1):
        stripped = raw.lstrip()
        if stripped.startswith(("#", ";")):   # as scanner.collect.cfgfile skips them
            found.append((number, len(raw) - len(stripped) + 1, stripped))
    return found


def _pip_comments(lines: list[str]) -> list[tuple[int, int, str]]:
    """pip requirement files: '#' at the start of a line or after whitespace, to the end of the line."""
    found = []
    for number, raw in enumerate(lines, start=1):
        for index, char in enumerate(raw):
            if char == "#" and (index == 0 or raw[index - 1] in " \t"):
                found.append((number, index + 1, raw[index:]))
                break
    return found


def _hcl_comments(lines: list[str]) -> list[tuple[int, int, str]]:
    """Terraform: '#' or '//' outside a double-quoted string, to the end of the line."""
    found = []
    for number, raw in enumerate(lines, start=1):
        quoted, index = False, 0
        while index < len(raw):
            char = raw[index]
            if quoted and char == "\\":
                index += 2
                continue
            if char == '"':
                quoted = not quoted
            elif not quoted and (char == "#" or raw.startswith("//", index)):
                found.append((number, index + 1, raw[index:]))
                break
            index += 1
    return found
