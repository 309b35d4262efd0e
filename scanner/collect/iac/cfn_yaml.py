"""CloudFormation YAML with its short tags (``!Ref``, ``!GetAtt``, ``!Sub``, ``!If``...) as position-aware trees.

The same bounds as `scanner.doctree` (whose loader keeps no tags): at most `MAX_DEPTH` levels, aliases
followed; a stream expands to at most `expansion_limit` nodes (an alias bomb is refused); recursive aliases
are refused. A tag ``!Name value`` becomes the long form ``{"Fn::Name": value}`` (``!Ref`` and
``!Condition``: ``{"Ref": ...}``, ``{"Condition": ...}``); ``!GetAtt A.B`` becomes ``["A", "B"]``.
"""

from __future__ import annotations

from typing import Any

import yaml

from scanner.doctree import (
    _MAX_INT_TEXT,
    MAX_DEPTH,
    DocumentError,
    Node,
    _count_nodes,
    bounded_number,
    expansion_limit,
    replace_surrogates,
)

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_LONG = {"!Ref": "Ref", "!Condition": "Condition"}


def parse(text: str) -> Node:
    """The first document of a template (DocumentError when it does not parse or passes a bound)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise DocumentError("empty YAML document")
        return _Converter(loader, _count_nodes(node)).convert(node, 1)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DocumentError(f"invalid YAML: {exc.problem or exc.context or 'syntax error'}",
                            mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {type(exc).__name__}") from None
    except RecursionError:
        raise DocumentError("invalid YAML: nesting too deep") from None
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, loader: Any, own: int) -> None:
        self.loader = loader
        self.limit = expansion_limit(own)
        self.seen: dict[int, Node] = {}
        self.size: dict[int, int] = {}
        self.open: set[int] = set()

    def convert(self, node: yaml.Node, level: int) -> Node:
        key = id(node)
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if key in self.seen:
            if key in self.open:
                raise DocumentError("invalid YAML: an alias refers to a node that contains it", line, column)
            return self.seen[key]
        if level > MAX_DEPTH:
            raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels", line, column)
        result = Node(None, line, column, node.end_mark.line + 1, max(node.end_mark.column, 1))
        self.seen[key] = result
        self.open.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, Node] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise DocumentError("merge keys are not CloudFormation", line, column)
                name = replace_surrogates(str(key_node.value)) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = self.convert(value_node, level + 1)
                size += self.size[id(child)]
                mapping[name] = child
            result.value = mapping
        elif isinstance(node, yaml.SequenceNode):
            items = []
            for item in node.value:
                child = self.convert(item, level + 1)
                size += self.size[id(child)]
                items.append(child)
            result.value = items
        else:
            result.value = self.scalar(node)
        self.open.discard(key)
        if size > self.limit:
            raise DocumentError(f"YAML expands past {self.limit} nodes (alias bomb?)", line, column)
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            if tag == "!GetAtt" and isinstance(result.value, str):
                result.value = [Node(part, line, column, line, column) for part in result.value.split(".", 1)]
            wrapped = Node({_LONG.get(tag, "Fn::" + tag[1:]): result}, line, column, result.end_line,
                           result.end_column)
            self.seen[key] = wrapped
            self.size[id(wrapped)] = size + 1
            return wrapped
        self.size[id(result)] = size
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag and node.tag.startswith("!") and not node.tag.startswith("!!"):
            return replace_surrogates(node.value)
        if node.tag == "tag:yaml.org,2002:int" and len(node.value) > _MAX_INT_TEXT:
            return float("inf")
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError, OverflowError):
            value = node.value
        if isinstance(value, str):
            return replace_surrogates(value)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return bounded_number(value)
        return replace_surrogates(str(node.value))
