"""Where a secret can be read back from its file's text: how the file cache keeps secrets without holding one.

A cache entry never holds a secret value: it holds where the value stands in the file's text, and a hit reads
it back from the text (whose digest is the entry's key). Most secrets stand there as they are. A collector
also decodes some before registering them: a password URL-encoded in a connection URI (`%2F` for `/`, as
Airflow requires), a Kubernetes Secret's base64 `data:`. Their span names the encoded text and how to decode
it; the value is the decoded text, or a slice of it (a password inside a base64-encoded URI).

A span is `[offset, length]` (the value as written) or `[offset, length, how, start, end]`: the value is
`decode(how, text[offset:offset + length])[start:end]`. `locate` checks that reading back gives the value
before it answers, so a span always reads back exactly what was registered.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, quote_plus, unquote, unquote_plus

Span = list[int | str]

# Tokens that may be base64 (a Kubernetes Secret's `data:` values, `echo ... | base64` output): looked for
# only on the line the secret was read from, so a large file costs a pass over one line per secret
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
_DECODINGS = ("url", "url+", "base64")


def locate_all(text: str, secrets: list[tuple[str, int | None]]) -> list[Span] | None:
    """Where each (value, line) can be read back from `text` (line: where it was read, 1-based, or None), in
    order; None when one of them cannot."""
    lines = _LineStarts(text)
    spans = []
    for value, line in secrets:
        span = locate(text, value, line, lines)
        if span is None:
            return None
        spans.append(span)
    return spans


def locate(text: str, value: str, line: int | None, lines: _LineStarts | None = None) -> Span | None:
    """Where `value` can be read back from `text` (`line`: where it was read, 1-based, or None), or None."""
    offset = text.find(value)
    if offset >= 0:
        return [offset, len(value)]
    for how, form in (("url", quote(value, safe="")), ("url", quote(value)), ("url+", quote_plus(value))):
        offset = text.find(form)
        if offset >= 0 and form != value:
            span: Span = [offset, len(form), how, 0, len(value)]
            if read_back(text, span) == value:
                return span
    if line is not None:
        return _in_base64(text, value, (lines or _LineStarts(text)).bounds(line))
    return None


class _LineStarts:
    """Where each line of a text starts (lines end at "\\n"), found once, when a secret first needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def bounds(self, line: int) -> tuple[int, int] | None:
        if self._starts is None:
            self._starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        if not 1 <= line <= len(self._starts):
            return None
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self._starts[line - 1], end


def read_back(text: str, span: list[object]) -> str:
    """The value `span` names in `text`; raises ValueError when the span does not fit the text (a corrupt
    cache entry)."""
    if len(span) == 2:
        offset, length = span
        how, start, end = None, None, None
    elif len(span) == 5:
        offset, length, how, start, end = span
    else:
        raise ValueError("a secret span has 2 or 5 items")
    if not all(type(number) is int for number in (offset, length)) or offset < 0 or length < 0:
        raise ValueError("a secret span's offset and length are counts")
    written = text[offset:offset + length]
    if len(written) != length:
        raise ValueError("secret span outside the text")
    if how is None:
        return written
    if how not in _DECODINGS or type(start) is not int or type(end) is not int or not 0 <= start <= end:
        raise ValueError("unknown decoding of a secret span")
    decoded = _decode(str(how), written)
    if end > len(decoded):
        raise ValueError("secret span outside the decoded text")
    return decoded[start:end]


def _decode(how: str, written: str) -> str:
    if how == "url":
        return unquote(written)
    if how == "url+":
        return unquote_plus(written)
    try:
        return base64.b64decode(written, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("not base64 text") from exc


def _in_base64(text: str, value: str, bounds: tuple[int, int] | None) -> Span | None:
    """A base64 token between `bounds` (the line the secret was read from) whose decoded text holds `value`."""
    if bounds is None:
        return None
    for token in _BASE64_TOKEN.finditer(text, *bounds):
        try:
            decoded = _decode("base64", token.group())
        except ValueError:
            continue
        inner = decoded.find(value)
        if inner >= 0:
            span: Span = [token.start(), token.end() - token.start(), "base64", inner, inner + len(value)]
            if read_back(text, span) == value:
                return span
    return None
