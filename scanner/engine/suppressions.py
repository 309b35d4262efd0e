"""Inline suppressions: an ``airguard: ignore[AG101] reason`` comment on the finding's own line, or an
``airguard: ignore-next-line[AG101] reason`` comment on the line above it.

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
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from pathlib import Path

from scanner.filekinds import kind_of, sniff
from scanner.model import FileLocation, Resource, Source
from scanner.source import SourceFile

SUPPRESSION = "airguard.suppression"
# Inside a comment: the comment's own prefix (or a later '#') then the marker.
_MARKER = re.compile(r"(?:^[#;]+|#)\s*airguard:\s*ignore(?P<next>-next-line)?\[(?P<ids>[^\]\r\n]*)\]"
                     r"(?P<reason>[^\r\n]*)", re.IGNORECASE)
_MAYBE = re.compile(r"airguard:\s*ignore", re.IGNORECASE)


class InlineSuppression:
    """An `airguard: ignore[...]` comment: where it is written, the rules it names and its reason. (A plain
    class: every scan imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("column", "line", "next_line", "path", "reason", "rules")

    def __init__(self, path: str, line: int, column: int, rules: list[str], reason: str,
                 next_line: bool = False) -> None:
        self.path = path
        self.line = line  # where the comment is written
        self.column = column
        self.rules = rules
        self.reason = reason
        self.next_line = next_line  # `ignore-next-line`: covers line + 1 instead of its own line

    @property
    def target_line(self) -> int:
        return self.line + 1 if self.next_line else self.line

    def covers(self, rule_id: str, rule_name: str) -> bool:
        return any(r in (rule_id, rule_name, "*", "all") for r in self.rules)


def find_suppressions(source: SourceFile) -> list[InlineSuppression]:
    """The suppression comments of a scanned file, read with the comment syntax of its kind."""
    # `_MAYBE` ignores case: read at ~120 MB/s it was the largest part of this stage on large trees. Every
    # character it takes for one of "guard:" is that character in lower case (tests/hostile check it over all
    # of Unicode), so a text whose lower case has no "guard:" has no marker (str.lower and find: GB/s).
    if "guard:" not in source.text.lower() or not _MAYBE.search(source.text):
        return []
    found = []
    for line, column, comment in comments(source):
        match = _MARKER.search(comment)
        if match is None:
            continue
        rules = [r.strip() for r in match.group("ids").split(",") if r.strip()]
        reason = match.group("reason").strip().lstrip(":-—").strip()
        found.append(InlineSuppression(source.path, line, column, rules, reason, bool(match.group("next"))))
    return found


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

    try:
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - PyYAML without libyaml
        from yaml import SafeLoader as Loader  # type: ignore[assignment]
    try:
        spans = [(t.start_mark.index, t.end_mark.index) for t in yaml.scan(text, Loader=Loader)
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

# python-dotenv's grammar (dotenv.parser), so a comment is what it reads as one.
_ENV_NEWLINE = re.compile(r"\r\n|\n|\r")
_ENV_SPACE_LINES = re.compile(r"\s*", re.MULTILINE)
_ENV_SPACE = re.compile(r"[^\S\r\n]*")
_ENV_EXPORT = re.compile(r"(?:export[^\S\r\n]+)?")
_ENV_SINGLE_KEY = re.compile(r"'([^']+)'")
_ENV_KEY = re.compile(r"([^=\#\s]+)")
_ENV_EQUALS = re.compile(r"(=[^\S\r\n]*)")
_ENV_SINGLE_VALUE = re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)
_ENV_DOUBLE_VALUE = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
_ENV_PLAIN_VALUE = re.compile(r"([^\r\n]*)")
_ENV_COMMENT = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_ENV_END_OF_LINE = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_ENV_REST_OF_LINE = re.compile(r"[^\r\n]*(?:\r|\n|\r\n)?")
_ENV_INLINE_COMMENT = re.compile(r"\s#")  # not `\s+#`: that reads a run of spaces again from each one


class _NotABinding(Exception):
    pass


def _env_comments(text: str) -> list[tuple[int, int, str]]:
    text = text.removeprefix("\ufeff")
    spans: list[tuple[int, int]] = []   # (offset of '#', end of the comment)
    position = 0
    while position < len(text):
        position = _ENV_SPACE_LINES.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            break
        found: list[tuple[int, int]] = []
        try:
            position = _env_binding(text, position, found)
        except _NotABinding as failed:
            # like dotenv, skip the rest of the line; read it as a shell line
            start = position
            position = _ENV_REST_OF_LINE.match(text, failed.args[0]).end()  # type: ignore[union-attr]
            line = text[start:position].rstrip("\r\n")
            offset = _shell_comment(line)
            found = [] if offset is None else [(start + offset, start + len(line))]
        spans += found
    breaks = [m.end() for m in _ENV_NEWLINE.finditer(text)]
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

    position = need(_ENV_EXPORT, position).end()
    if not text.startswith("#", position):
        position = need(_ENV_SINGLE_KEY if text.startswith("'", position) else _ENV_KEY, position).end()
    position = need(_ENV_SPACE, position).end()
    if text.startswith("=", position):
        equals = need(_ENV_EQUALS, position)
        position = equals.end()
        if not (len(equals.group(1)) > 1 and text.startswith("#", position)):   # `KEY= # comment`: no value
            first = text[position:position + 1]
            if first == "'":
                position = need(_ENV_SINGLE_VALUE, position).end()
            elif first == '"':
                position = need(_ENV_DOUBLE_VALUE, position).end()
            elif first not in ("", "\n", "\r"):
                value = need(_ENV_PLAIN_VALUE, position)
                inline = _ENV_INLINE_COMMENT.search(value.group(1))
                if inline is not None:  # dotenv cuts an unquoted value at whitespace + '#'
                    found.append((position + inline.end() - 1, value.end()))
                position = value.end()
    comment = need(_ENV_COMMENT, position)
    if comment.group(0):
        found.append((position + comment.group(0).index("#"), comment.end()))
    return need(_ENV_END_OF_LINE, comment.end()).end()


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


def as_resource(suppression: InlineSuppression) -> Resource:
    """The suppression as a resource rules can judge (AG001)."""
    location = FileLocation(suppression.path, suppression.line, suppression.column)
    return Resource(
        id=f"{SUPPRESSION}:{suppression.path}:{suppression.line}",
        type=SUPPRESSION,
        name=",".join(suppression.rules) or "(none)",
        attributes={"rules": suppression.rules, "reason": suppression.reason,
                    "has_reason": bool(suppression.reason), "next_line": suppression.next_line},
        source=Source(file=location))


class SuppressionIndex:
    """Which suppression covers a finding: one on the finding's first or last line, or an
    `ignore-next-line` one on the line above it. A same-line comment never reaches another line."""

    def __init__(self, suppressions: list[InlineSuppression]) -> None:
        self._by_line: dict[tuple[str, int], list[InlineSuppression]] = {}
        for suppression in suppressions:
            self._by_line.setdefault((suppression.path, suppression.target_line), []).append(suppression)

    def match(self, rule_id: str, rule_name: str, location: FileLocation | None) -> InlineSuppression | None:
        if location is None:
            return None
        lines = {location.start_line}
        if location.end_line:
            lines.add(location.end_line)
        for line in sorted(lines):
            for suppression in self._by_line.get((location.path, line), []):
                if suppression.covers(rule_id, rule_name):
                    return suppression
        return None
