"""python-dotenv's `.env` grammar (its `dotenv/parser.py`, version 1.2.4), copied here with one change: an unquoted
value is cut at its comment in linear time (`_parse_unquoted_value`).

Why a copy: `import dotenv.parser` first runs the package's `__init__`, which imports `dotenv.main` and with it
logging, tempfile, shutil, traceback and threading: ~40M instructions, 13 % of a pre-commit run on one `.env` file,
for a parser that needs only `re` and `codecs`. `tests/test_dotenv_parser.py` checks that the copy reads
every `.env` text as the installed python-dotenv does.

Copyright (c) 2014, Saurabh Kumar (python-dotenv), 2013, Ted Tieken (django-dotenv-rw), 2013, Jacob Kaplan-Moss
(django-dotenv). Redistributions of source code must retain the above copyright notice, this list of conditions
and the following disclaimer. Redistributions in binary form must reproduce the above copyright notice, this list
of conditions and the following disclaimer in the documentation and/or other materials provided with the
distribution. Neither the name of django-dotenv nor the names of its contributors may be used to endorse or
promote products derived from this software without specific prior written permission. THIS SOFTWARE IS PROVIDED
BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO
EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF
THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

_newline = re.compile(r"(\r\n|\n|\r)")
_multiline_whitespace = re.compile(r"\s*", re.MULTILINE)
_whitespace = re.compile(r"[^\S\r\n]*")
_export = re.compile(r"(?:export[^\S\r\n]+)?")
_single_quoted_key = re.compile(r"'([^']+)'")
_unquoted_key = re.compile(r"([^=\#\s]+)")
_equal_sign = re.compile(r"(=[^\S\r\n]*)")
# A backslash always escapes the character after it, so that an escaped backslash (`\\`) is not mistaken for the
# start of an escaped quote.
_single_quoted_value = re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)
_double_quoted_value = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
_unquoted_value = re.compile(r"([^\r\n]*)")
_comment = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_end_of_line = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_rest_of_line = re.compile(r"[^\r\n]*(?:\r|\n|\r\n)?")
_double_quote_escapes = re.compile(r"\\[\\'\"abfnrtv]")
_single_quote_escapes = re.compile(r"\\[\\']")
_space_before_hash = re.compile(r"\s#")


class Original(NamedTuple):
    string: str
    line: int


class Binding(NamedTuple):
    key: str | None
    value: str | None
    original: Original
    error: bool


class Position:
    def __init__(self, chars: int, line: int) -> None:
        self.chars = chars
        self.line = line

    @classmethod
    def start(cls) -> Position:
        return cls(chars=0, line=1)

    def set(self, other: Position) -> None:
        self.chars = other.chars
        self.line = other.line

    def advance(self, string: str) -> None:
        self.chars += len(string)
        self.line += len(_newline.findall(string))


class Error(Exception):
    pass


class Reader:
    def __init__(self, text: str) -> None:
        self.string = text.removeprefix("\ufeff")
        self.position = Position.start()
        self.mark = Position.start()

    def has_next(self) -> bool:
        return self.position.chars < len(self.string)

    def set_mark(self) -> None:
        self.mark.set(self.position)

    def get_marked(self) -> Original:
        return Original(string=self.string[self.mark.chars:self.position.chars], line=self.mark.line)

    def peek(self, count: int) -> str:
        return self.string[self.position.chars:self.position.chars + count]

    def read_regex(self, regex: re.Pattern[str]) -> Sequence[str]:
        match = regex.match(self.string, self.position.chars)
        if match is None:
            raise Error("read_regex: Pattern not found")
        self.position.advance(self.string[match.start():match.end()])
        return match.groups()


def _decode_escapes(regex: re.Pattern[str], string: str) -> str:
    def decode_match(match: re.Match[str]) -> str:
        return codecs.decode(match.group(0), "unicode-escape")  # type: ignore[no-any-return]

    return regex.sub(decode_match, string)


def _parse_key(reader: Reader) -> str | None:
    char = reader.peek(1)
    if char == "#":
        return None
    if char == "'":
        (key,) = reader.read_regex(_single_quoted_key)
    else:
        (key,) = reader.read_regex(_unquoted_key)
    return key


def _parse_unquoted_value(reader: Reader) -> str:
    """python-dotenv cuts an unquoted value at its comment with `re.sub(r"\\s+#.*", "", value).rstrip()`: from each
    space of a long run not followed by '#', `\\s+` reads the rest of the run (quadratic: a value with a 1 MB run
    of spaces never finishes). The same result in linear time: the value up to the first space that a '#'
    follows, right-stripped (the rest of that run of spaces goes with the strip)."""
    (part,) = reader.read_regex(_unquoted_value)
    comment = _space_before_hash.search(part)
    return (part if comment is None else part[:comment.start()]).rstrip()


def _parse_value(reader: Reader) -> str:
    char = reader.peek(1)
    if char == "'":
        (value,) = reader.read_regex(_single_quoted_value)
        return _decode_escapes(_single_quote_escapes, value)
    if char == '"':
        (value,) = reader.read_regex(_double_quoted_value)
        return _decode_escapes(_double_quote_escapes, value)
    if char in ("", "\n", "\r"):
        return ""
    return _parse_unquoted_value(reader)


def _parse_binding(reader: Reader) -> Binding:
    reader.set_mark()
    try:
        reader.read_regex(_multiline_whitespace)
        if not reader.has_next():
            return Binding(key=None, value=None, original=reader.get_marked(), error=False)
        reader.read_regex(_export)
        key = _parse_key(reader)
        reader.read_regex(_whitespace)
        value: str | None
        if reader.peek(1) == "=":
            (equal_sign,) = reader.read_regex(_equal_sign)
            # If there is whitespace after `=` and the value starts with `#`, the value is empty and the rest of
            # the line is an inline comment (e.g. `KEY= # comment`). Without whitespace (`KEY=#novalue`) the `#`
            # is part of the unquoted value.
            if len(equal_sign) > 1 and reader.peek(1) == "#":
                value = ""
            else:
                value = _parse_value(reader)
        else:
            value = None
        reader.read_regex(_comment)
        reader.read_regex(_end_of_line)
        return Binding(key=key, value=value, original=reader.get_marked(), error=False)
    except Error:
        reader.read_regex(_rest_of_line)
        return Binding(key=None, value=None, original=reader.get_marked(), error=True)


def parse(text: str) -> Iterator[Binding]:
    """The bindings of a `.env` text, in order, as python-dotenv's `parse_stream` reads them."""
    reader = Reader(text)
    while reader.has_next():
        yield _parse_binding(reader)
