"""Parsed documents that remember where each value stands (YAML and JSON).

`Node` wraps a value (mapping of str -> Node, list of Node, or a scalar) with its 1-based span.
YAML anchors, aliases and merge keys (``<<``) are resolved; an alias keeps the anchor's span,
which is where the value is written.

Parsing is bounded, so one hostile file is a per-file notice, never a hang or a crash of the scan: a
document nests at most `MAX_DEPTH` levels (aliases included), a YAML stream expands (every alias use and
merge counted, as a walk of the tree would visit it) to at most `expansion_limit` nodes, recursive aliases
are refused, lone surrogates (``"\\ud800"``) become U+FFFD, and a number too large for a float (an integer
over 300 digits; over 4,300 Python will not even convert) is an infinity, as ``1e400`` is.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable
from json.decoder import scanstring as _scan_json_string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml
else:
    yaml = None  # PyYAML, imported by the first YAML parse (`yaml_loader`): a scan of a .env or DAG files reads none


_loader: Any = None   # the loader class, made with the first parse (`yaml_loader`)


def yaml_loader() -> Any:
    """PyYAML's safe loader class, PyYAML imported on first use (its pure-Python half costs ~12 ms of a
    start); the C loader when libyaml is there (an order of magnitude faster), its resolver's calls made
    cheaper (`_quick_resolver`)."""
    global yaml, _loader
    if _loader is None:
        import yaml as module

        yaml = module
        _loader = _quick_resolver(getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)
    return _loader


# Plain scalars whose implicit tag `_quick_resolver` remembers: short ones (keys and words repeat; a long
# value seldom does), at most this many at a time (then it starts again).
_RESOLVED_LENGTH = 64
_RESOLVED_COUNT = 4096


def _quick_resolver(base: Any) -> Any:
    """`base` with the same tags resolved at less cost: the composer calls three Python methods of the
    resolver for every node. A safe loader has no path resolvers, so `descend_resolver`/`ascend_resolver`
    do nothing and a scalar's tag depends on its text alone (the implicit resolvers, fixed by then): the
    tag of a plain scalar is remembered. A loader given path resolvers (by whoever imports PyYAML) is
    returned as it is."""
    if base.yaml_path_resolvers:
        return base
    resolved: dict[str, str] = {}
    resolve = base.resolve

    class QuickLoader(base):  # type: ignore[misc, valid-type]
        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is not yaml.ScalarNode or not implicit[0]:
                return resolve(self, kind, value, implicit)   # a collection, a quoted scalar: no pattern tried
            tag = resolved.get(value)
            if tag is None:
                tag = resolve(self, kind, value, implicit)
                if len(value) <= _RESOLVED_LENGTH:
                    if len(resolved) >= _RESOLVED_COUNT:
                        resolved.clear()
                    resolved[value] = tag
            return tag

    QuickLoader.__name__ = QuickLoader.__qualname__ = f"Quick{base.__name__}"
    return QuickLoader


class Node:
    """A parsed value (scalar, list or mapping of Nodes) with the span it is written at. (A plain class:
    every scan of config files imports this module, and a dataclass costs ~3M instructions to create.)"""

    __slots__ = ("aliases", "column", "end_column", "end_line", "line", "style", "value")

    def __init__(self, value: Any, line: int, column: int, end_line: int, end_column: int, style: str | None = None,
                 aliases: dict[str, tuple[int, int, int, int]] | None = None) -> None:
        self.value = value
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.style = style  # YAML scalar style: None (plain), "'", '"', "|", ">"
        # In a mapping: key -> span of the key whose value is a YAML alias (`password: *pw`). The value `Node`
        # is the anchor's (its span is where the value is written); this is where it is used again.
        self.aliases = aliases

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


# A document nesting deeper than this (containers within containers, aliases followed) is refused.
MAX_DEPTH = 128
# A YAML stream whose tree, aliases and merges expanded, has more nodes than the larger of these (a fixed
# floor, a multiple of the nodes written in it) is refused: an alias bomb ("billion laughs").
MAX_EXPANDED_NODES = 100_000
EXPANSION_FACTOR = 2
# Integers: Python refuses to convert decimal text over 4,300 digits (and a YAML base-60 integer costs time
# quadratic in its length); past 1,000 bits (near what a float holds) an integer becomes +/-inf.
_MAX_INT_TEXT = 4300
_MAX_INT_BITS = 1000
_SURROGATES = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """`text` with lone surrogates (which no UTF-8 output can encode) replaced by U+FFFD."""
    if text.isascii():
        return text
    return _SURROGATES.sub("\ufffd", text)


def bounded_number(value: float) -> float:
    """An integer too large for a float becomes an infinity of its sign; other numbers are unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
        return -math.inf if value < 0 else math.inf
    return value


def expansion_limit(own_nodes: int) -> int:
    """How many nodes a YAML stream with `own_nodes` nodes written in it may expand to."""
    return max(MAX_EXPANDED_NODES, EXPANSION_FACTOR * own_nodes)


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
    loader = yaml_loader()(text)
    try:
        documents = []
        # a stream without an anchor ('&' written nowhere) has no alias: its nodes form a tree, converted
        # without the bookkeeping that bounds an alias's expansion (see `_TreeConverter`)
        converter = _YamlConverter(loader) if "&" in text else _TreeConverter(loader)
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(converter.document(node))
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


class _TreeConverter:
    """Composed YAML nodes to `Node`s, for a stream that defines no anchor: with no alias, every composed
    node is met once (the composer shares a node only for an alias), so a stream nests as deep as it is
    written (`MAX_DEPTH` is checked, where `_YamlConverter` checks it first) and no node needs remembering.
    It expands past the nodes written only through merge keys: a source nested in a source is copied again
    at each level, and `_merge` (shared with `_YamlConverter`) counts the copies against `expansion_limit`.
    The same `Node`s and errors as `_YamlConverter`, at a third of its cost, for most files."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        # Every document's composed nodes, alive until the stream is converted: counted (`_limit`) only when
        # the merges copy more entries than the floor of every limit, and known by id() in `_YamlConverter`
        # (a freed document's ids would be reused by a later one's nodes).
        self.documents: list[Any] = []
        self.own = 0                        # nodes written in the documents counted so far
        self.counted = 0                    # documents counted into `own`
        self.copied = 0                     # entries copied by merge keys

    def document(self, node: yaml.Node) -> Node:
        self.documents.append(node)
        return self.convert(node, 1)

    def _check_size(self, size: int, line: int, column: int) -> None:
        if size <= MAX_EXPANDED_NODES:
            return  # within the floor of every limit: the nodes written need not be counted
        limit = self._limit()
        if size > limit:
            raise DocumentError(f"YAML expands past {limit} nodes (alias bomb?)", line, column)

    def _limit(self) -> int:
        """`expansion_limit` of the nodes written in the documents so far (the one being converted too),
        counted on the first need: most streams never come near the floor."""
        while self.counted < len(self.documents):
            self.own += _count_nodes(self.documents[self.counted])
            self.counted += 1
        return expansion_limit(self.own)

    def _merge(self, value_node: yaml.Node, level: int, merged: dict[str, Node], line: int, column: int) -> None:
        """The entries a merge key (`<<: source`, or a list of sources) of the mapping at `line`:`column`
        brings, into `merged` (the first source to name a key wins). Sources nested in sources copy their
        entries again at each level, with or without an alias: the copies count against the stream's limit."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            converted = self.convert(source, level)
            if isinstance(converted.value, dict):
                self.copied += len(converted.value)
                self._check_size(self.copied, line, column)
                for merged_key, merged_value in converted.value.items():
                    merged.setdefault(merged_key, merged_value)

    def convert(self, node: yaml.Node, level: int) -> Node:
        start, end = node.start_mark, node.end_mark
        line, column, end_line, end_column = start.line + 1, start.column + 1, end.line + 1, max(end.column, 1)
        if level > MAX_DEPTH:
            raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels", line, column)
        node_type = type(node)
        if node_type is yaml.ScalarNode or not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            return Node(_scalar(self.loader, node), line, column, end_line, end_column, node.style)
        level += 1
        if isinstance(node, yaml.SequenceNode):
            return Node([self.convert(item, level) for item in node.value], line, column, end_line, end_column)
        mapping: dict[str, Node] = {}
        merged: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._merge(value_node, level, merged, line, column)
                continue
            name = _scalar_key(self.loader, key_node)   # before its value, as `_YamlConverter` (the loader's state)
            mapping[name] = self.convert(value_node, level)
        for merged_key, merged_value in merged.items():
            mapping.setdefault(merged_key, merged_value)
        return Node(mapping, line, column, end_line, end_column)


class _YamlConverter(_TreeConverter):
    """Composed YAML nodes to `Node`s, each composed node converted once (an alias shares the anchor's
    `Node`), with the size and depth of every `Node`'s expanded tree kept to bound the stream."""

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self.seen: dict[int, Node] = {}     # id(yaml node) -> its Node
        self.open: set[int] = set()         # yaml nodes being converted: meeting one again is a cycle
        self.size: dict[int, int] = {}      # id(Node) -> nodes in its expanded tree
        self.depth: dict[int, int] = {}     # id(Node) -> levels of its expanded tree
        self.expanded = 0                   # nodes of the converted documents, expanded

    def document(self, node: yaml.Node) -> Node:
        result = super().document(node)
        self.expanded += self.size[id(result)]
        self._check_size(self.expanded, result.line, result.column)
        return result

    def convert(self, node: yaml.Node, level: int) -> Node:
        key = id(node)
        if key in self.seen:
            if key in self.open:
                line, column, _, _ = _span(node)
                raise DocumentError("invalid YAML: an alias refers to a node that contains it", line, column)
            return self.seen[key]
        start, end = node.start_mark, node.end_mark  # `_span`, inlined: this runs once per node
        line, column, end_line, end_column = start.line + 1, start.column + 1, end.line + 1, max(end.column, 1)
        if level > MAX_DEPTH:
            raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels", line, column)
        node_type = type(node)
        if node_type is not yaml.ScalarNode and isinstance(node, yaml.MappingNode):
            result = Node({}, line, column, end_line, end_column)
            self.seen[key] = result
            self.open.add(key)
            mapping: dict[str, Node] = {}
            merged: dict[str, Node] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self._merge(value_node, level + 1, merged, line, column)
                    continue
                name = _scalar_key(self.loader, key_node)
                if id(value_node) in self.seen and id(value_node) not in self.open:  # an alias of an anchor
                    if result.aliases is None:
                        result.aliases = {}
                    result.aliases[name] = _span(key_node)
                mapping[name] = self.convert(value_node, level + 1)
            for merged_key, merged_value in merged.items():
                mapping.setdefault(merged_key, merged_value)
            result.value = mapping
            self.open.discard(key)
            return self._measured(result, mapping.values())
        if node_type is not yaml.ScalarNode and isinstance(node, yaml.SequenceNode):
            result = Node([], line, column, end_line, end_column)
            self.seen[key] = result
            self.open.add(key)
            result.value = [self.convert(item, level + 1) for item in node.value]
            self.open.discard(key)
            return self._measured(result, result.value)
        result = Node(_scalar(self.loader, node), line, column, end_line, end_column, style=node.style)
        self.seen[key] = result
        self.size[id(result)] = self.depth[id(result)] = 1  # `_measured` of a leaf
        self._check_size(self.expanded + 1, line, column)
        return result

    def _measured(self, result: Node, children: Any) -> Node:
        size, depth = 1, 0
        sizes, depths = self.size, self.depth
        for child in children:
            child_id = id(child)
            size += sizes[child_id]
            depth = max(depth, depths[child_id])
        sizes[id(result)] = size
        depths[id(result)] = depth + 1
        if depth + 1 > MAX_DEPTH:
            raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels (aliases followed)",
                                result.line, result.column)
        self._check_size(self.expanded + size, result.line, result.column)
        return result


def _count_nodes(root: yaml.Node) -> int:
    """Distinct nodes written in a composed document (an alias counts once: it is its anchor's node)."""
    yaml_loader()
    seen = {id(root)}
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            continue
        for child in children:
            if id(child) not in seen:
                seen.add(id(child))
                pending.append(child)
    return len(seen)


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(loader: Any, node: yaml.ScalarNode) -> Any:
    if node.tag == _STR_TAG:  # what SafeConstructor makes of a str: the text itself (most scalars)
        return replace_surrogates(node.value)
    if node.tag == "tag:yaml.org,2002:int" and len(node.value) > _MAX_INT_TEXT:
        return -math.inf if node.value.lstrip().startswith("-") else math.inf
    try:
        value = loader.construct_object(node, deep=True)
    except (yaml.constructor.ConstructorError, ValueError, OverflowError):
        value = node.value
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, (int, float)):
        return bounded_number(value)
    if not isinstance(value, (bool, type(None))):
        return replace_surrogates(str(node.value))
    return value


def _scalar_key(loader: Any, key_node: yaml.Node) -> str:
    if isinstance(key_node, yaml.ScalarNode):
        if key_node.tag == _STR_TAG:
            return replace_surrogates(key_node.value)
        if key_node.tag == "tag:yaml.org,2002:int" and len(key_node.value) > _MAX_INT_TEXT:
            return key_node.value
        try:
            value = loader.construct_object(key_node)
        except (yaml.constructor.ConstructorError, ValueError, OverflowError):
            value = key_node.value
        if isinstance(value, int) and bounded_number(value) != value:
            value = key_node.value  # too long for str()
        return replace_surrogates(str(value))
    return f"<complex key at line {key_node.start_mark.line + 1}>"


# ---------------------------------------------------------------- JSON

_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS = frozenset(" \t\n\r")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_STRING_CHUNK = re.compile(r'(.*?)(["\\\x00-\x1f])', re.DOTALL)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _JsonParser:
    """A small strict JSON parser that records the span of every value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset) - 1  # the last line starting at or before offset
        return line + 1, offset - self.line_starts[line] + 1

    def fail(self, message: str, offset: int) -> DocumentError:
        line, column = self.position(min(offset, len(self.text)))
        return DocumentError(f"invalid JSON: {message}", line, column)

    def skip(self, offset: int) -> int:
        if offset < len(self.text) and self.text[offset] not in _WS_CHARS:
            return offset  # no whitespace to skip (between most tokens of a compact document)
        return _WS.match(self.text, offset).end()

    def parse(self) -> Node:
        offset = self.skip(0)
        if offset < len(self.text) and self.text[offset] == "\ufeff":
            offset = self.skip(offset + 1)
        node, offset = self.value(offset, 0)
        offset = self.skip(offset)
        if offset != len(self.text):
            raise self.fail("extra data after the document", offset)
        return node

    def scalar(self, value: Any, start: int, end: int) -> Node:
        """`node` of a string, number or literal: on one line (a string holds no raw line break)."""
        starts = self.line_starts
        line = bisect_right(starts, start) - 1
        return Node(value, line + 1, start - starts[line] + 1, line + 1, max(end - 1, start) - starts[line] + 1)

    def node(self, value: Any, start: int, end: int) -> Node:
        starts, last = self.line_starts, max(end - 1, start)
        line = bisect_right(starts, start) - 1  # as `position`, without its calls: a node is made per value
        end_line = bisect_right(starts, last, line) - 1
        return Node(value, line + 1, start - starts[line] + 1, end_line + 1, last - starts[end_line] + 1)

    def value(self, offset: int, depth: int) -> tuple[Node, int]:
        if depth >= MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", offset)
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
            return self.scalar(value, offset, end), end
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, offset):
                end = offset + len(literal)
                return self.scalar(value, offset, end), end
        match = _NUMBER.match(text, offset)
        if match:
            raw = match.group(0)
            number: Any
            if any(c in raw for c in ".eE"):
                number = float(raw)
            elif len(raw) > _MAX_INT_TEXT:  # int() refuses it; it is past a float's range anyway
                number = -math.inf if raw.startswith("-") else math.inf
            else:
                number = bounded_number(int(raw))
            return self.scalar(number, offset, match.end()), match.end()
        raise self.fail("expected a value", offset)

    # obj and array skip whitespace with the regex itself (`skip` without a call: several per member)

    def obj(self, start: int, depth: int) -> tuple[Node, int]:
        text, size = self.text, len(self.text)
        blank: Callable[[str, int], re.Match[str]] = _WS.match  # type: ignore[assignment]  # always matches
        offset = blank(text, start + 1).end()
        members: dict[str, Node] = {}
        if offset < size and text[offset] == "}":
            return self.node(members, start, offset + 1), offset + 1
        while True:
            if offset >= size or text[offset] != '"':
                raise self.fail("expected a string key", offset)
            key, offset = self.string(offset)
            offset = blank(text, offset).end()
            if offset >= size or text[offset] != ":":
                raise self.fail("expected ':'", offset)
            value, offset = self.value(blank(text, offset + 1).end(), depth + 1)
            members[key] = value
            offset = blank(text, offset).end()
            if offset < size and text[offset] == ",":
                offset = blank(text, offset + 1).end()
                continue
            if offset < size and text[offset] == "}":
                return self.node(members, start, offset + 1), offset + 1
            raise self.fail("expected ',' or '}'", offset)

    def array(self, start: int, depth: int) -> tuple[Node, int]:
        text, size = self.text, len(self.text)
        blank: Callable[[str, int], re.Match[str]] = _WS.match  # type: ignore[assignment]  # always matches
        offset = blank(text, start + 1).end()
        items: list[Node] = []
        if offset < size and text[offset] == "]":
            return self.node(items, start, offset + 1), offset + 1
        while True:
            value, offset = self.value(offset, depth + 1)
            items.append(value)
            offset = blank(text, offset).end()
            if offset < size and text[offset] == ",":
                offset = blank(text, offset + 1).end()
                continue
            if offset < size and text[offset] == "]":
                return self.node(items, start, offset + 1), offset + 1
            raise self.fail("expected ',' or ']'", offset)

    def string(self, start: int) -> tuple[str, int]:
        try:  # json's own string scanner (C): the same strings, escapes and surrogate pairs as below
            value, end = _scan_json_string(self.text, start + 1, True)
        except ValueError:
            return self._string(start)  # an invalid string: the reading below says where and why
        return (value if value.isascii() else replace_surrogates(value)), end   # most are ASCII: no call

    def _string(self, start: int) -> tuple[str, int]:
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
                return replace_surrogates("".join(chunks)), offset
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
