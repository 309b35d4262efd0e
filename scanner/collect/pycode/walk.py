"""Fast traversal of a syntax tree: the children that can matter to the analysis, and the nodes the
string pass reads, found in one breadth-first pass.

`ast.iter_child_nodes` goes through every field of every node (two generators per node) and yields
expression contexts and operators (`Load`, `Add`...), which never hold anything. Here each node class
has a precomputed tuple of the fields that can hold nodes worth visiting.
"""

from __future__ import annotations

import ast

# Fields that never hold a node the analysis reads: contexts and operators, and names, numbers and
# flags stored as plain values (`simple`: an `AnnAssign`'s, one per annotated field of a class body).
_SKIPPED_FIELDS = frozenset({
    "ctx", "op", "ops", "id", "arg", "attr", "name", "asname", "module", "level", "kind", "type_comment",
    "conversion", "is_async", "simple", "tag", "kwd_attrs", "rest",
})


def _node_classes() -> list[type]:
    found, pending = [], [ast.AST]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


# Node class -> the fields that can hold child nodes worth visiting; empty for a leaf (`Name`,
# `Constant`, `alias`...). Anything not a node (a str, None) has no entry.
NODE_FIELDS: dict[type, tuple[str, ...]] = {
    cls: () if issubclass(cls, ast.Constant) else tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)
    for cls in _node_classes()
}
# The string pass reads every maximal string expression: a string constant, f-string or `+`/`%`
# expression that is not itself part of a larger one. (Sets of exact classes: `ast.parse` makes no
# instances of subclasses.)
_STRING_EXPRESSIONS = frozenset({ast.Constant, ast.JoinedStr, ast.BinOp})
_STRING_PARTS = frozenset({ast.JoinedStr, ast.BinOp, ast.FormattedValue})
_ASSIGNMENTS = frozenset({ast.Assign, ast.AnnAssign, ast.Dict})  # and dicts: their secret-named entries
# Nodes whose one field worth reading is `value`, outside string expressions: `key=value`, `value.attr`, an
# expression statement, `return value`... (a third of a DAG file's nodes). The string pass looks at the value
# when it meets such a node rather than queueing the node for a turn of its own: a value it does not read (a
# name: `dag=dag`, `os.environ`) leaves nothing to queue, and a constant is queued in the node's place, to be
# recorded at that turn as the node would have recorded it then. The order of what is recorded is the same.
_VALUE_ONLY = frozenset(cls for cls, fields in NODE_FIELDS.items()
                        if fields == ("value",) and cls not in _STRING_PARTS)
# What the string pass does with a child node, by class, outside a string expression and inside one: queue it
# (its children are read in turn), record it, both, neither (a leaf it does not read), or look at its value
# first (`_VALUE_ONLY`). A constant is recorded after a test of its value (`string_pass_nodes`). Compared with
# `==` (`&` on ints is not among the operations the interpreter specialises, and the test runs for every child
# of every node).
_QUEUE, _RECORD, _QUEUE_AND_RECORD, _QUEUE_VALUE = 1, 2, 3, 4


def _string_pass_actions(inside_string: bool) -> dict[type, int]:
    actions = {}
    for cls, fields in NODE_FIELDS.items():
        recorded = cls in _ASSIGNMENTS or (cls in _STRING_EXPRESSIONS and not inside_string)
        queued = bool(fields)  # (an import too: nothing below it is read, but the visit handles it)
        actions[cls] = (_QUEUE if queued else 0) | (_RECORD if recorded else 0)
        if actions[cls] == _QUEUE and cls in _VALUE_ONLY:
            actions[cls] = _QUEUE_VALUE
    return actions


_ACTIONS_OUTSIDE_STRING = _string_pass_actions(inside_string=False)
_ACTIONS_INSIDE_STRING = _string_pass_actions(inside_string=True)
# The classes the string pass records without reading their children: the constant only (a leaf), whose value
# `string_pass_nodes` tests.
RECORDED_ONLY = frozenset(cls for cls, action in _ACTIONS_OUTSIDE_STRING.items() if action == _RECORD)
# Node class -> its fields worth reading and the actions for its children (one look-up per node).
# Statements whose fields hold names only (aliases, identifiers): queued for the visit (it handles an import),
# but nothing below them is read (no fields in their plan).
_NAMES_ONLY = frozenset({ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal})
_STRING_PASS_PLAN: dict[type, tuple[tuple[str, ...], dict[type, int]]] = {
    cls: (() if cls in _NAMES_ONLY else fields,
          _ACTIONS_INSIDE_STRING if cls in _STRING_PARTS else _ACTIONS_OUTSIDE_STRING)
    for cls, fields in NODE_FIELDS.items()
}


def branches(node: ast.AST) -> list[ast.AST]:
    """The children of `node` that are not leaves: the only ones a visit can find anything under."""
    found: list[ast.AST] = []
    for name in NODE_FIELDS[type(node)]:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if NODE_FIELDS.get(type(item)):
                    found.append(item)
        elif NODE_FIELDS.get(type(value)):
            found.append(value)
    return found


def subtree(top: ast.AST) -> list[ast.AST]:
    """`top` and every node under it, in `ast.walk`'s (breadth-first) order, less the contexts and operators
    (`Load`, `Add`...), which hold nothing: a fifth of the nodes, and `ast.walk` makes two generators per node."""
    found = [top]
    fields = NODE_FIELDS
    for node in found:  # the list grows as it is read: each node's children are read in turn
        for name in fields[type(node)]:
            value = getattr(node, name, None)
            if type(value) is list:
                found.extend(item for item in value if type(item) in fields)
            elif type(value) in fields:
                found.append(value)
    return found


def string_pass_nodes(tree: ast.AST, min_length: int = 0) -> list[ast.AST]:
    """In `ast.walk` (breadth-first) order: every assignment, every dict display and every maximal string
    expression; of the constants, only strings of `min_length` or more characters (a constant's value is
    what the caller reads, and it reads no other)."""
    return string_pass(tree, min_length)[0]


# What the visit goes on to below each node (`string_pass`): its children, or its lone child as itself.
Branches = dict[ast.AST, ast.AST | list[ast.AST]]


def string_pass(tree: ast.AST, min_length: int = 0) -> tuple[list[ast.AST], Branches]:
    """`string_pass_nodes`, and what the visit needs of the same traversal: a node -> the children it is to
    visit (its children that can hold anything to visit, with some that hold nothing; tests hold them to a
    depth-first reference), last first, for every node that has any: a lone child as itself, not in a list
    (three nodes in four have one). (Keyed by the node itself: an AST node hashes by identity, with no `id`
    call.)"""
    found: list[ast.AST] = []
    branches: Branches = {}
    if not NODE_FIELDS.get(type(tree)):
        return found, branches  # a leaf: nothing under it
    record = found.append
    queue = [tree]
    enqueue = queue.append
    plan, value_actions = _STRING_PASS_PLAN, _ACTIONS_OUTSIDE_STRING
    queue_only, queue_value, record_only = _QUEUE, _QUEUE_VALUE, _RECORD  # local names: read for every child
    queue_and_record, constant = _QUEUE_AND_RECORD, ast.Constant
    first = 1  # where the children of the next node to read are queued: the end of the queue
    for parent in queue:  # a node is recorded when it is found: in breadth-first order that is its turn
        fields, actions = plan[type(parent)]
        if not fields:  # a constant queued in the place of the node holding it (`_VALUE_ONLY`): its turn
            if type(parent) is constant:
                record(parent)
            continue  # (or an import: `_NAMES_ONLY`)
        # A node's children queued are those the visit goes on to (besides, a constant queued
        # in its holder's place, and an expression statement or `return` of a name or constant, which hold
        # nothing to visit): they are queued one after another, and make its entry in `branches`.
        for name in fields:  # each child in field order; a loop, not a call: it meets every node
            value = getattr(parent, name, None)
            if type(value) is list:
                if not value:
                    continue  # an empty list (`keywords`, `decorator_list`, `defaults`...: 2 in 5): no iterator made
                children = value
            else:
                action = actions.get(type(value))
                if not action:
                    continue  # None, a name, a leaf not read: the commonest single child
                if action == queue_only:
                    enqueue(value)  # the next commonest (`Call.func`, `Assign.value`...): no tuple made
                    continue
                if action == record_only:  # a constant (`x = "..."`, an operand): as in the loop below, no tuple
                    text = value.value  # type: ignore[attr-defined]
                    if type(text) is str and len(text) >= min_length:
                        record(value)
                    continue
                children = (value,)
            for child in children:
                action = actions.get(type(child))
                if not action:
                    continue  # not a node (a name), or a leaf not read
                if action == queue_only:
                    enqueue(child)
                elif action == queue_value:  # `key=value`, `value.attr`...: what its turn would find
                    inner = child.value  # type: ignore[attr-defined]
                    inner_action = value_actions.get(type(inner))
                    if not inner_action:
                        continue  # a name, None: nothing
                    if inner_action != record_only:
                        enqueue(child)
                        continue
                    text = inner.value  # type: ignore[attr-defined]
                    if type(text) is str and len(text) >= min_length:
                        enqueue(inner)  # a constant, recorded at its holder's turn
                elif action == queue_and_record:
                    enqueue(child)
                    record(child)
                else:  # recorded only: a constant (`RECORDED_ONLY`), a string of `min_length` or more characters
                    text = child.value  # type: ignore[attr-defined]
                    if type(text) is str and len(text) >= min_length:
                        record(child)
        end = len(queue)
        if end - first == 1:
            branches[parent] = queue[first]
        elif end > first:
            branches[parent] = queue[:first - 1:-1]  # last first, as the visit pushes them (`first` > 0)
        first = end  # (a node read above with no fields queued nothing: the end is where it was)
    return found, branches
