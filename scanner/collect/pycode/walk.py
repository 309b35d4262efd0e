"""Fast traversal of a syntax tree: the children that can matter to the analysis, and the nodes the
string pass reads, found in one breadth-first pass.

`ast.iter_child_nodes` goes through every field of every node (two generators per node) and yields
expression contexts and operators (`Load`, `Add`...), which never hold anything. Here each node class
has a precomputed tuple of the fields that can hold nodes worth visiting.
"""

from __future__ import annotations

import ast

# Fields that never hold a node the analysis reads: contexts and operators, and names, numbers and
# flags stored as plain values. `names` holds `alias` nodes (read by the import handlers directly) or str.
_SKIPPED_FIELDS = frozenset({
    "ctx", "op", "ops", "id", "arg", "attr", "name", "asname", "module", "level", "kind", "type_comment",
    "conversion", "is_async", "names",
})
_NODE_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}

# The string pass reads every maximal string expression: a string constant, f-string or `+`/`%`
# expression that is not itself part of a larger one.
# (Sets of exact classes: the `ast` node classes are not subclassed.)
_STRING_EXPRESSIONS = frozenset({ast.Constant, ast.JoinedStr, ast.BinOp})
_STRING_PARTS = frozenset({ast.JoinedStr, ast.BinOp, ast.FormattedValue})
_ASSIGNMENTS = frozenset({ast.Assign, ast.AnnAssign})


def node_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that can hold child nodes worth visiting."""
    fields = _NODE_FIELDS.get(cls)
    if fields is None:
        fields = _NODE_FIELDS[cls] = tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)  # type: ignore[attr-defined]
    return fields


def children(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` worth visiting, in field order (as `ast.iter_child_nodes`)."""
    found: list[ast.AST] = []
    for name in node_fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    found.append(item)
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def string_pass_nodes(tree: ast.AST) -> list[ast.AST]:
    """In `ast.walk` (breadth-first) order: every assignment and every maximal string expression
    (a non-string constant included; the caller reads its value)."""
    found: list[ast.AST] = []
    queue = [tree]
    for parent in queue:  # a node is recorded when it is queued: in breadth-first order that is its turn
        inside_string = type(parent) in _STRING_PARTS
        for child in children(parent):
            queue.append(child)
            kind = type(child)
            if kind in _ASSIGNMENTS or (kind in _STRING_EXPRESSIONS and not inside_string):
                found.append(child)
    return found
