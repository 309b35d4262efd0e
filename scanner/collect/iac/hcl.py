"""A bounded HCL (Terraform) parser: bodies, blocks, attributes and expressions with their lines.

Why our own: python-hcl2 (Lark) takes about a minute for 5 MB and is quadratic on an unterminated
heredoc (100 KB of blank lines: 37 s); tree-sitter-hcl is fast but cannot be cancelled from Python and
its error recovery ran for minutes on 5 MB of random bytes. This parser reads each character a bounded
number of times (every scan for a terminator is one `str.find`/regex pass that the parser then moves past),
nests at most `MAX_DEPTH` levels (expressions and blocks), and stops at the first syntax error with a
`DocumentError` naming the line (never the text: a line may hold a secret).

Expressions become small JSON-able lists (cacheable with the file's outcome):
``["lit", value]``, ``["tmpl", [part, ...]]`` (parts are str or expressions), ``["tuple", [e, ...]]``,
``["object", [[key, value], ...]]`` (a key is an expression; a bare name is ``["lit", name]``),
``["ref", [name, step, ...]]`` (a step is a str attribute, an int index, or ``["index", e]``),
``["call", name, [e, ...]]``, ``["cond", c, a, b]``, ``["op", op, a, b]``, ``["not", e]``, ``["neg", e]``,
``["unknown", why]`` for what is never statically known (for-expressions, splats, template directives).
"""

from __future__ import annotations

import bisect
import gc
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.doctree import DocumentError

MAX_DEPTH = 64
MAX_CHAIN = 256
_IDENT = re.compile(r"[^\W\d][\w-]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_LITERAL_CHUNK = re.compile(r'[^"\\$%\n]+')
_HEREDOC_CHUNK = re.compile(r"[^$%]+")
_TOKEN = re.compile(r'(?P<nl>\n)|(?P<string>")|(?P<name>[^\W\d][\w-]*)|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
                    r"|(?P<heredoc><<-?)|(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|.)", re.DOTALL)
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}

Expr = list[Any]


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int
    column: int
    end_line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    line: int
    end_line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "labels": self.labels, "line": self.line, "end_line": self.end_line,
                "attributes": {k: [a.expr, a.line, a.column, a.end_line] for k, a in self.attributes.items()},
                "blocks": [b.to_json() for b in self.blocks]}


@dataclass
class Token:
    kind: str     # name, number, op, nl, string, heredoc, eof
    text: str
    start: int
    end: int


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line_starts = [0]
        index = text.find("\n")
        while index >= 0:
            self.line_starts.append(index + 1)
            index = text.find("\n", index + 1)
        self.depth = 0
        self._peeked: tuple[tuple[int, bool], Token, int] | None = None
        self.skip_newlines = 0   # > 0 inside (), [] and function arguments: newlines are spaces

    # ------------------------------------------------------------------ positions and errors
    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def column_of(self, offset: int) -> int:
        return offset - self.line_starts[self.line_of(offset) - 1] + 1

    def fail(self, message: str, offset: int | None = None) -> DocumentError:
        where = min(self.pos if offset is None else offset, len(self.text))
        return DocumentError(f"invalid HCL: {message}", self.line_of(where), self.column_of(where))

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels")

    def leave(self) -> None:
        self.depth -= 1

    # ------------------------------------------------------------------ lexing
    def _skip_space(self, newlines: bool) -> None:
        text = self.text
        while self.pos < len(text):
            match = _SPACE.match(text, self.pos)
            if match:
                self.pos = match.end()
                continue
            char = text[self.pos]
            if char == "#" or text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
                continue
            if text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.pos = end + 2
                continue
            if char == "\\" and text.startswith("\\\n", self.pos):  # not HCL, but harmless
                self.pos += 2
                continue
            if newlines and char == "\n":
                self.pos += 1
                continue
            return

    def peek(self, newlines: bool | None = None) -> Token:
        skip = self.skip_newlines > 0 if newlines is None else newlines
        key = (self.pos, skip)
        if self._peeked is not None and self._peeked[0] == key:
            return self._peeked[1]
        saved = self.pos
        token = self.next(skip)
        self._peeked = (key, token, self.pos)
        self.pos = saved
        return token

    def next(self, newlines: bool | None = None) -> Token:
        skip = self.skip_newlines > 0 if newlines is None else newlines
        peeked = self._peeked
        if peeked is not None and peeked[0] == (self.pos, skip):
            self.pos = peeked[2]
            return peeked[1]
        self._skip_space(skip)
        start = self.pos
        match = _TOKEN.match(self.text, start)
        if match is None:
            return Token("eof", "", start, start)
        kind = match.lastgroup or "op"
        if kind == "string":  # the caller parses the template
            self.pos = start + 1
            return Token("string", '"', start, start + 1)
        self.pos = match.end()
        return Token(kind, match.group(), start, self.pos)

    def expect(self, text: str, newlines: bool | None = None) -> Token:
        token = self.next(newlines)
        if token.text != text or token.kind not in ("op", "name"):
            raise self.fail(f"expected '{text}'", token.start)
        return token

    # ------------------------------------------------------------------ bodies
    def body(self, block: Block, closing: bool) -> None:
        while True:
            token = self.next(True)
            if token.kind == "eof":
                if closing:
                    raise self.fail("a block is not closed", token.start)
                return
            if token.kind == "op" and token.text == "}" and closing:
                block.end_line = self.line_of(token.start)
                return
            if token.kind not in ("name", "string"):
                raise self.fail("expected an attribute or a block", token.start)
            name = token.text if token.kind == "name" else self.string_literal(token)
            after = self.peek(False)
            if after.kind == "op" and after.text == "=" and token.kind == "name":
                self.next(False)
                value = self.expression()
                end = self.peek(False)
                if end.kind not in ("nl", "eof") and not (end.kind == "op" and end.text == "}" and closing):
                    raise self.fail("expected a new line after an attribute", end.start)
                block.attributes[name] = Attribute(name, value, self.line_of(token.start), self.column_of(token.start),
                                                   self.line_of(max(self.pos - 1, token.start)))
                continue
            labels: list[str] = [] if token.kind == "name" else [name]
            kind = token.text if token.kind == "name" else "_"
            while True:
                label = self.next(False)
                if label.kind == "name":
                    labels.append(label.text)
                elif label.kind == "string":
                    labels.append(self.string_literal(label))
                elif label.kind == "op" and label.text == "{":
                    break
                else:
                    raise self.fail("expected a block label or '{'", label.start)
            self.enter()
            child = Block(kind, labels, self.line_of(token.start), self.line_of(token.start))
            self.body(child, True)
            self.leave()
            block.blocks.append(child)

    def string_literal(self, token: Token) -> str:
        """A quoted label: its text if it has no interpolation."""
        parts = self.template_parts(token.end, '"')
        if len(parts) == 1 and isinstance(parts[0], str):
            return parts[0]
        if not parts:
            return ""
        raise self.fail("a label cannot be a template", token.start)

    # ------------------------------------------------------------------ templates
    def template_parts(self, start: int, closing: str, end: int | None = None) -> list[Any]:
        """Parts of a template from `start` up to its closing quote (or `end`, for a heredoc body)."""
        text = self.text
        limit = len(text) if end is None else end
        parts: list[Any] = []
        buffer: list[str] = []
        pos = start
        chunk = _LITERAL_CHUNK if closing == '"' else _HEREDOC_CHUNK
        while True:
            if pos >= limit:
                if end is not None:
                    break
                raise self.fail("unterminated string", start)
            match = chunk.match(text, pos, limit)
            if match:
                buffer.append(match.group())
                pos = match.end()
                continue
            char = text[pos]
            if closing == '"' and char == '"':
                pos += 1
                break
            if closing == '"' and char == "\n":
                raise self.fail("unterminated string", start)
            if char == "\\" and closing == '"':
                escaped, pos = self.escape(pos)
                buffer.append(escaped)
                continue
            if text.startswith("$${", pos) or text.startswith("%%{", pos):
                buffer.append(text[pos + 1:pos + 3])
                pos += 3
                continue
            if text.startswith("${", pos) or text.startswith("%{", pos):
                if buffer:
                    parts.append("".join(buffer))
                    buffer = []
                self.pos = pos + 2
                self.enter()
                if char == "$":
                    self.tilde()
                    saved, self.skip_newlines = self.skip_newlines, 1
                    parts.append(self.expression())
                    self.skip_newlines = saved
                    self.tilde()
                    self.expect("}", True)
                else:
                    self.directive()
                    parts.append(["unknown", "template directive"])
                self.leave()
                pos = self.pos
                continue
            buffer.append(char)
            pos += 1
        if buffer:
            parts.append("".join(buffer))
        self.pos = pos
        return parts

    def tilde(self) -> None:
        self._skip_space(True)
        if self.text.startswith("~", self.pos):
            self.pos += 1

    def directive(self) -> None:
        """Skip a `%{ ... }` directive's content (if/else/endif/for/endfor): tokens up to the closing brace."""
        depth = 0
        while True:
            token = self.next(True)
            if token.kind == "eof":
                raise self.fail("unterminated template directive", token.start)
            if token.kind == "string":
                self.template_parts(token.end, '"')
            elif token.kind == "op" and token.text in "([{":
                depth += 1
            elif token.kind == "op" and token.text in ")]}":
                if depth == 0 and token.text == "}":
                    return
                depth -= 1

    def escape(self, pos: int) -> tuple[str, int]:
        text = self.text
        code = text[pos + 1:pos + 2]
        simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
        if code in simple:
            return simple[code], pos + 2
        width = {"u": 4, "U": 8}.get(code)
        if width:
            digits = text[pos + 2:pos + 2 + width]
            if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                value = int(digits, 16)
                if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
                    return chr(value), pos + 2 + width
                return "\ufffd", pos + 2 + width
        raise self.fail("invalid escape in a string", pos)

    def heredoc(self, token: Token) -> Expr:
        text = self.text
        match = _IDENT.match(text, self.pos)
        if not match:
            raise self.fail("expected a heredoc marker", self.pos)
        marker = match.group()
        newline = text.find("\n", match.end())
        if newline < 0 or text[match.end():newline].strip():
            raise self.fail("expected a new line after the heredoc marker", match.end())
        body_start = newline + 1
        line_start = body_start
        while True:  # each line is looked at once
            if line_start >= len(text):
                raise self.fail("unterminated heredoc", token.start)
            line_end = text.find("\n", line_start)
            line_end = len(text) if line_end < 0 else line_end
            if text[line_start:line_end].strip() == marker:
                break
            line_start = line_end + 1
        parts = self.template_parts(body_start, "heredoc", line_start)
        self.pos = text.find(marker, line_start) + len(marker)
        if token.text == "<<-":
            parts = _dedent(parts)
        return _template(parts)

    # ------------------------------------------------------------------ expressions
    def expression(self) -> Expr:
        self.enter()
        condition = self.binary(0)
        token = self.peek()
        if token.kind == "op" and token.text == "?":
            self.next()
            saved, self.skip_newlines = self.skip_newlines, self.skip_newlines + 1
            yes = self.expression()
            self.expect(":")
            no = self.expression()
            self.skip_newlines = saved
            condition = ["cond", condition, yes, no]
        self.leave()
        return condition

    def binary(self, minimum: int) -> Expr:
        left = self.unary()
        chained = 0
        while True:
            token = self.peek()
            precedence = _PRECEDENCE.get(token.text) if token.kind == "op" else None
            if precedence is None or precedence <= minimum:
                return left
            chained += 1
            if chained > MAX_CHAIN:  # each operator nests the tree one level deeper
                raise self.fail(f"more than {MAX_CHAIN} operators in a row")
            self.next()
            self.enter()
            right = self.binary(precedence)
            self.leave()
            left = ["op", token.text, left, right]

    def unary(self) -> Expr:
        token = self.peek()
        if token.kind == "op" and token.text in ("!", "-"):
            self.next()
            self.enter()
            operand = self.unary()
            self.leave()
            if token.text == "-" and operand[0] == "lit" and isinstance(operand[1], (int, float)):
                return ["lit", -operand[1]]
            return ["not" if token.text == "!" else "neg", operand]
        return self.postfix()

    def postfix(self) -> Expr:
        value = self.primary()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == ".":
                self.next()
                step = self.next(False)
                if step.kind == "name":
                    value = _step(value, step.text)
                elif step.kind == "number" and step.text.isdigit():
                    value = _step(value, int(step.text))
                elif step.kind == "op" and step.text == "*":
                    value = ["unknown", "splat expression"]
                else:
                    raise self.fail("expected an attribute name", step.start)
                continue
            if token.kind == "op" and token.text == "[":
                self.next()
                saved, self.skip_newlines = self.skip_newlines, 1
                inner = self.peek()
                if inner.kind == "op" and inner.text == "*":
                    self.next()
                    self.expect("]")
                    value = ["unknown", "splat expression"]
                else:
                    index = self.expression()
                    self.expect("]")
                    value = _step(value, index[1] if index[0] == "lit" and isinstance(index[1], (int, str))
                                  and not isinstance(index[1], bool) else ["index", index])
                self.skip_newlines = saved
                continue
            return value

    def primary(self) -> Expr:
        token = self.next()
        if token.kind == "number":
            number = float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
            if isinstance(number, int) and number.bit_length() > 1000:
                number = float("inf")
            return ["lit", number]
        if token.kind == "string":
            return _template(self.template_parts(token.end, '"'))
        if token.kind == "heredoc":
            return self.heredoc(token)
        if token.kind == "name":
            if token.text in ("true", "false"):
                return ["lit", token.text == "true"]
            if token.text == "null":
                return ["lit", None]
            after = self.peek(False)
            if after.kind == "op" and after.text == "(" or (after.kind == "op" and after.text == ":"
                                                             and self.text.startswith("::", after.start)):
                return self.call(token.text)
            return ["ref", [token.text]]
        if token.kind == "op" and token.text == "(":
            saved, self.skip_newlines = self.skip_newlines, 1
            inner = self.expression()
            self.expect(")")
            self.skip_newlines = saved
            return inner
        if token.kind == "op" and token.text == "[":
            return self.tuple_()
        if token.kind == "op" and token.text == "{":
            return self.object_()
        raise self.fail("expected an expression", token.start)

    def call(self, name: str) -> Expr:
        while self.text.startswith("::", self.pos):  # provider::aws::arn_parse(...)
            self.pos += 2
            part = self.next(False)
            name += "::" + part.text
        self.expect("(", False)
        saved, self.skip_newlines = self.skip_newlines, 1
        arguments: list[Expr] = []
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == ")":
                self.next()
                break
            arguments.append(self.expression())
            token = self.next()
            if token.kind == "op" and token.text == "...":
                arguments[-1] = ["unknown", "expanded arguments"]
                token = self.next()
            if token.kind == "op" and token.text == ")":
                break
            if not (token.kind == "op" and token.text == ","):
                raise self.fail("expected ',' or ')'", token.start)
        self.skip_newlines = saved
        return ["call", name, arguments]

    def tuple_(self) -> Expr:
        saved, self.skip_newlines = self.skip_newlines, 1
        token = self.peek()
        if token.kind == "name" and token.text == "for":
            self.skip_for("]")
            self.skip_newlines = saved
            return ["unknown", "for expression"]
        items: list[Expr] = []
        while True:
            token = self.peek()
            if token.kind == "op" and token.text == "]":
                self.next()
                break
            items.append(self.expression())
            token = self.next()
            if token.kind == "op" and token.text == "]":
                break
            if not (token.kind == "op" and token.text == ","):
                raise self.fail("expected ',' or ']'", token.start)
        self.skip_newlines = saved
        return ["tuple", items]

    def object_(self) -> Expr:
        saved, self.skip_newlines = self.skip_newlines, 0
        token = self.peek(True)
        if token.kind == "name" and token.text == "for":
            self.skip_newlines = 1
            self.skip_for("}")
            self.skip_newlines = saved
            return ["unknown", "for expression"]
        pairs: list[list[Expr]] = []
        while True:
            token = self.peek(True)
            if token.kind == "op" and token.text == "}":
                self.next(True)
                break
            if token.kind == "op" and token.text == ",":
                self.next(True)
                continue
            self.skip_newlines = 1
            key = self.expression()
            if key[0] == "ref" and len(key[1]) == 1:
                key = ["lit", key[1][0]]
            separator = self.next()
            if not (separator.kind == "op" and separator.text in ("=", ":")):
                raise self.fail("expected '=' or ':' in an object", separator.start)
            self.skip_newlines = 0
            value = self.expression()
            pairs.append([key, value])
            token = self.peek(False)
            if token.kind not in ("nl", "eof") and not (token.kind == "op" and token.text in (",", "}")):
                raise self.fail("expected ',', a new line or '}' in an object", token.start)
        self.skip_newlines = saved
        return ["object", pairs]

    def skip_for(self, closing: str) -> None:
        """Skip a for expression up to its closing bracket (bracket depth counted; strings parsed)."""
        depth = 0
        while True:
            token = self.next(True)
            if token.kind == "eof":
                raise self.fail("unterminated for expression", token.start)
            if token.kind == "string":
                self.template_parts(token.end, '"')
            elif token.kind == "heredoc":
                self.heredoc(token)
            elif token.kind == "op" and token.text in "([{":
                depth += 1
            elif token.kind == "op" and token.text in ")]}":
                if depth == 0:
                    if token.text != closing:
                        raise self.fail(f"expected '{closing}'", token.start)
                    return
                depth -= 1


def _step(value: Expr, step: Any) -> Expr:
    if value[0] == "ref":
        return ["ref", [*value[1], step]]
    if value[0] == "unknown":
        return value
    return ["ref", [["expr", value], step]]


def _template(parts: list[Any]) -> Expr:
    if not parts:
        return ["lit", ""]
    if len(parts) == 1 and isinstance(parts[0], str):
        return ["lit", parts[0]]
    if len(parts) == 1 and not isinstance(parts[0], str):
        return parts[0]  # "${x}" is x itself
    return ["tmpl", parts]


def _dedent(parts: list[Any]) -> list[Any]:
    literal = "".join(p for p in parts if isinstance(p, str))
    lines = [line for line in literal.split("\n") if line.strip()]
    indent = min((len(line) - len(line.lstrip(" \t")) for line in lines), default=0)
    if not indent:
        return parts
    result: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            part = "\n".join(line[indent:] if line[:indent].strip() == "" else line.lstrip()
                             for line in part.split("\n"))
        result.append(part)
    return result


def parse(text: str) -> Block:
    """The file's top-level body as a block of type ``""``; DocumentError on a syntax error."""
    text = text.removeprefix("\ufeff")
    parser = _Parser(text)
    root = Block("", [], 1, len(parser.line_starts))
    collecting = gc.isenabled()
    gc.disable()  # the parse allocates many small lists and frees none: full collections would cost O(n^2)
    try:
        parser.body(root, False)
    except RecursionError:
        raise parser.fail("nested too deeply") from None
    finally:
        if collecting:
            gc.enable()
    return root
