"""Parsed documents that remember where each value stands (YAML and JSON).

`Node` wraps a value (mapping of str -> Node, list of Node, or a scalar) with its 1-based span.
YAML anchors, aliases and merge keys (``<<``) are resolved; an alias keeps the anchor's span,
which is where the value is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C loader is an order of magnitude faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(slots=True)
class Node:
    value: Any
    line: int
    column: int
    end_line: int
    end_column: int
    style: str | None = None  # YAML scalar style: None (plain), "'", '"', "|", ">"

    def get(self, key: str) -> Node | None:
        if isinstance(self.value, dict):
            return self.value.get(key)
        return None

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, (dict, list))

    def plain(self) -> Any:
        """The value without positions."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class DocumentError(ValueError):
    """A document that does not parse; carries a 1-based line/column and a message without content."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# ---------------------------------------------------------------- YAML

def parse_yaml(text: str) -> list[Node]:
    """All documents of a YAML stream as position-aware trees."""
    loader = _Loader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(_convert_yaml(loader, node, {}))
        return documents
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # Never include the snippet PyYAML builds from the file: it may hold a secret.
        problem = exc.problem or exc.context or "invalid YAML"
        raise DocumentError(f"invalid YAML: {problem}", mark.line + 1 if mark else None,
                            mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {type(exc).__name__}") from None
    except RecursionError:
        raise DocumentError("invalid YAML: nesting too deep") from None
    finally:
        loader.dispose()


def _span(node: yaml.Node) -> tuple[int, int, int, int]:
    start, end = node.start_mark, node.end_mark
    return start.line + 1, start.column + 1, end.line + 1, max(end.column, 1)


def _convert_yaml(loader: Any, node: yaml.Node, seen: dict[int, Node]) -> Node:
    key = id(node)
    if key in seen:
        return seen[key]
    line, column, end_line, end_column = _span(node)
    if isinstance(node, yaml.MappingNode):
        result = Node({}, line, column, end_line, end_column)
        seen[key] = result
        mapping: dict[str, Node] = {}
        merged: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    converted = _convert_yaml(loader, source, seen)
                    if isinstance(converted.value, dict):
                        for merged_key, merged_value in converted.value.items():
                            merged.setdefault(merged_key, merged_value)
                continue
            name = _scalar_key(loader, key_node)
            mapping[name] = _convert_yaml(loader, value_node, seen)
        for merged_key, merged_value in merged.items():
            mapping.setdefault(merged_key, merged_value)
        result.value = mapping
        return result
    if isinstance(node, yaml.SequenceNode):
        result = Node([], line, column, end_line, end_column)
        seen[key] = result
        result.value = [_convert_yaml(loader, item, seen) for item in node.value]
        return result
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError:
        value = node.value
    if not isinstance(value, (str, int, float, bool, type(None))):
        value = str(node.value)
    result = Node(value, line, column, end_line, end_column, style=node.style)
    seen[key] = result
    return result


def _scalar_key(loader: Any, key_node: yaml.Node) -> str:
    if isinstance(key_node, yaml.ScalarNode):
        try:
            value = loader.construct_object(key_node)
        except yaml.constructor.ConstructorError:
            value = key_node.value
        return str(value)
    return f"<complex key at line {key_node.start_mark.line + 1}>"


# ---------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_STRING_CHUNK = re.compile(r'(.*?)(["\\\x00-\x1f])', re.DOTALL)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _JsonParser:
    """A small strict JSON parser that records the span of every value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1

    def fail(self, message: str, offset: int) -> DocumentError:
        line, column = self.position(min(offset, len(self.text)))
        return DocumentError(f"invalid JSON: {message}", line, column)

    def skip(self, offset: int) -> int:
        return _WS.match(self.text, offset).end()  # type: ignore[union-attr]

    def parse(self) -> Node:
        offset = self.skip(0)
        if offset < len(self.text) and self.text[offset] == "\ufeff":
            offset = self.skip(offset + 1)
        node, offset = self.value(offset, 0)
        offset = self.skip(offset)
        if offset != len(self.text):
            raise self.fail("extra data after the document", offset)
        return node

    def node(self, value: Any, start: int, end: int) -> Node:
        line, column = self.position(start)
        end_line, end_column = self.position(max(end - 1, start))
        return Node(value, line, column, end_line, end_column)

    def value(self, offset: int, depth: int) -> tuple[Node, int]:
        if depth > 500:
            raise self.fail("nesting too deep", offset)
        text = self.text
        if offset >= len(text):
            raise self.fail("unexpected end of document", offset)
        char = text[offset]
        if char == "{":
            return self.obj(offset, depth)
        if char == "[":
            return self.array(offset, depth)
        if char == '"':
            value, end = self.string(offset)
            return self.node(value, offset, end), end
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, offset):
                end = offset + len(literal)
                return self.node(value, offset, end), end
        match = _NUMBER.match(text, offset)
        if match:
            raw = match.group(0)
            number: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return self.node(number, offset, match.end()), match.end()
        raise self.fail("expected a value", offset)

    def obj(self, start: int, depth: int) -> tuple[Node, int]:
        text = self.text
        offset = self.skip(start + 1)
        members: dict[str, Node] = {}
        if offset < len(text) and text[offset] == "}":
            return self.node(members, start, offset + 1), offset + 1
        while True:
            if offset >= len(text) or text[offset] != '"':
                raise self.fail("expected a string key", offset)
            key, offset = self.string(offset)
            offset = self.skip(offset)
            if offset >= len(text) or text[offset] != ":":
                raise self.fail("expected ':'", offset)
            value, offset = self.value(self.skip(offset + 1), depth + 1)
            members[key] = value
            offset = self.skip(offset)
            if offset < len(text) and text[offset] == ",":
                offset = self.skip(offset + 1)
                continue
            if offset < len(text) and text[offset] == "}":
                return self.node(members, start, offset + 1), offset + 1
            raise self.fail("expected ',' or '}'", offset)

    def array(self, start: int, depth: int) -> tuple[Node, int]:
        text = self.text
        offset = self.skip(start + 1)
        items: list[Node] = []
        if offset < len(text) and text[offset] == "]":
            return self.node(items, start, offset + 1), offset + 1
        while True:
            value, offset = self.value(offset, depth + 1)
            items.append(value)
            offset = self.skip(offset)
            if offset < len(text) and text[offset] == ",":
                offset = self.skip(offset + 1)
                continue
            if offset < len(text) and text[offset] == "]":
                return self.node(items, start, offset + 1), offset + 1
            raise self.fail("expected ',' or ']'", offset)

    def string(self, start: int) -> tuple[str, int]:
        text = self.text
        offset = start + 1
        chunks: list[str] = []
        while True:
            match = _STRING_CHUNK.match(text, offset)
            if match is None:
                raise self.fail("unterminated string", start)
            content, terminator = match.groups()
            chunks.append(content)
            offset = match.end()
            if terminator == '"':
                return "".join(chunks), offset
            if terminator != "\\":
                raise self.fail("control character in string", offset - 1)
            escape = text[offset:offset + 1]
            if escape in _ESCAPES:
                chunks.append(_ESCAPES[escape])
                offset += 1
            elif escape == "u":
                hex_digits = text[offset + 1:offset + 5]
                if not re.fullmatch(r"[0-9a-fA-F]{4}", hex_digits):
                    raise self.fail("invalid \\u escape", offset)
                code = int(hex_digits, 16)
                offset += 5
                if 0xD800 <= code <= 0xDBFF and text[offset:offset + 2] == "\\u":
                    low = text[offset + 2:offset + 6]
                    if re.fullmatch(r"[0-9a-fA-F]{4}", low) and 0xDC00 <= int(low, 16) <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                        offset += 6
                chunks.append(chr(code))
            else:
                raise self.fail("invalid escape", offset)


def parse_json(text: str) -> Node:
    """A JSON document as a position-aware tree."""
    return _JsonParser(text).parse()
