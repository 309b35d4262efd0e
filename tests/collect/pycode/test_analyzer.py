"""The analyzer's fast paths give what the plain forms they replace give, on hostile shapes too."""

from __future__ import annotations

import ast
import re

import pytest

from scanner.collect.pycode import analyzer, walk
from scanner.collect.pycode.analyzer import HANDLERS, class_names
from tests.conftest import FIXTURES

PLAIN_CLASS_NAME = re.compile(r"\bclass\s+(\w+)")


@pytest.mark.parametrize("text", [
    "", "class", "class A", "class A(B):\n    pass\n", "subclass Foo", "subclass class Foo", "xclass  classY",
    "classclass A", "class class B", "éclass C\nclass D", "_class E", "a.class F", "class\n\tG", "class\u00a0H",
    "class ", "class class", "class  " * 50 + "Z", "(class I)", "x" * 10 + "class" + " " * 1000 + "J",
    "class Ünïcode", "class 名前", "'''class K'''", "classy L class M",
])
def test_class_names_are_what_the_word_bounded_regex_finds(text: str) -> None:
    assert class_names(text) == set(PLAIN_CLASS_NAME.findall(text))


# --------------------------------------------------------------------------- walks
WALK_SOURCES = [
    "x = 'a' 'bbbbbbbbbb' f'{y}cccccccc' + b'dddddddddd' % (1, 2)\n",
    "def f(a: 'annotation text', *, b={'password': 'p' + 'q' * 9}) -> 'returned text':\n    return {**a}\n",
    "@decorator('decorator text')\nclass C(Base, metaclass=M, key='keyword text'):\n    y: str = 'annotated value'\n",
    "print(f'{a!r:>{width}} {\"nested string here\"}', sep='separator text', end=os.environ)\n",
    "s = '\\ud800 lone surrogate' + '\\N{BULLET} escapes \\x41\\x41'\n",
    "lambda: [x for x in 'comprehension text' if x]\n",
    "match p:\n    case {'key': 'pattern value'}: pass\n",
    "a = b = c.d.e = 'chained assignment'\n" + "t = ('tuple', 'of', 'strings longer than eight')\n",
    # nodes whose value the string pass reads when it meets them: names, constants short and long, calls
    ("f(*'starred text here', k=v, j='short', l='keyword value text', m=g(n='nested keyword text'), o=a.b,\n"
    "  p='joined by this'.join(q), r=[s.t, 'listed text here'], u=-1, w=x.y.z)\n"),
    "'''module docstring text'''\nx.y.z = a.b.c\nprint(os.environ, 'printed text long').strip\n'short'\n",
    ("async def g():\n    await 'awaited text long'\n    yield 'yielded text long'\n"
    "    yield from 'yielded from text'\n    return 'returned text long'\n    return\n"),
    "f'{a.b} {k(x=\"in f-string keyword\")} {c!r}' + d.e\n",
    "match p:\n    case None: pass\n    case 'matched value text': pass\n    case C(x='class pattern text'): pass\n",
]


def _reference_string_pass(tree: ast.AST, min_length: int) -> list[ast.AST]:
    """The string pass's nodes as a plain breadth-first `ast.walk` with parents finds them."""
    parts = (ast.JoinedStr, ast.BinOp, ast.FormattedValue)
    inside = {id(child) for node in ast.walk(tree) if isinstance(node, parts) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if node is tree:
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Dict)) or isinstance(node, (ast.JoinedStr, ast.BinOp)) and id(node) not in inside or isinstance(node, ast.Constant) and id(node) not in inside and isinstance(node.value, str) \
                and len(node.value) >= min_length:
            found.append(node)
    return found


@pytest.mark.parametrize("source", WALK_SOURCES)
def test_the_string_pass_finds_what_a_breadth_first_walk_finds_in_its_order(source: str) -> None:
    tree = ast.parse(source)
    for min_length in (0, 8):
        assert walk.string_pass_nodes(tree, min_length) == _reference_string_pass(tree, min_length)


@pytest.mark.parametrize("source", WALK_SOURCES)
def test_a_subtree_is_the_breadth_first_walk_less_contexts_and_operators(source: str) -> None:
    tree = ast.parse(source)
    nothing_held = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    for top in ast.walk(tree):
        if not isinstance(top, nothing_held):
            assert walk.subtree(top) == [node for node in ast.walk(top) if not isinstance(node, nothing_held)]


def test_the_string_pass_records_without_queueing_constants_only() -> None:
    assert walk.RECORDED_ONLY == {ast.Constant}  # `string_pass_nodes` reads `.value` of those
    assert walk.string_pass_nodes(ast.Constant("a leaf at the top")) == []  # as the reference: not its own


def test_the_string_pass_finds_what_a_breadth_first_walk_finds_in_every_fixture() -> None:
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        for min_length in (0, 8):
            assert walk.string_pass_nodes(tree, min_length) == _reference_string_pass(tree, min_length), path


# The reference of what the visit goes on to below a node (it was `walk.push_branches`, the visit's own loop,
# before the visit read the children from the string pass's traversal): a node's `walk.branches`, last first,
# less a `keyword` or an `Attribute` whose `value` is a leaf (nothing under it for a handler).
_ONE_VALUE_FIELD = (ast.keyword, ast.Attribute)


def _push_branches(node: ast.AST, stack: list[ast.AST]) -> None:
    for child in reversed(walk.branches(node)):
        if type(child) in _ONE_VALUE_FIELD and not walk.NODE_FIELDS.get(type(child.value)):  # type: ignore[attr-defined]
            continue
        stack.append(child)


@pytest.mark.parametrize("source", WALK_SOURCES)
def test_pushed_branches_leave_out_only_nodes_with_nothing_to_visit(source: str) -> None:
    for node in ast.walk(ast.parse(source)):
        pushed: list[ast.AST] = []
        _push_branches(node, pushed)
        left_out = [child for child in walk.branches(node) if child not in pushed]
        assert pushed[::-1] == [child for child in walk.branches(node) if child not in left_out]
        assert all(type(child) in _ONE_VALUE_FIELD and not walk.branches(child) for child in left_out)


def _visited_branches_agree_with_push_branches(tree: ast.AST) -> None:
    """`walk.string_pass`'s children to visit are `_push_branches`' children, in the same order, less and plus
    only nodes with nothing to handle under them (visiting them does nothing)."""
    _, branches = walk.string_pass(tree, 8)
    handles: dict[ast.AST, bool] = {}

    def holds(node: ast.AST) -> bool:  # a handler at or under `node` (in what a visit goes on to)
        if node not in handles:
            pushed: list[ast.AST] = []
            _push_branches(node, pushed)
            handles[node] = type(node) in HANDLERS or any(holds(child) for child in pushed)
        return handles[node]

    for node in reversed(walk.subtree(tree)):  # leaves first: `holds` recurses little
        pushed = []
        _push_branches(node, pushed)
        children = branches.get(node, [])
        children = children if isinstance(children, list) else [children]  # a lone child is kept as itself
        assert [child for child in children if holds(child)] == [c for c in pushed if holds(c)]


@pytest.mark.parametrize("source", WALK_SOURCES)
def test_the_visit_goes_on_to_the_children_push_branches_gives(source: str) -> None:
    _visited_branches_agree_with_push_branches(ast.parse(source))


def test_the_visit_goes_on_to_the_children_push_branches_gives_in_every_fixture() -> None:
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        _visited_branches_agree_with_push_branches(tree)


def test_nodes_left_out_of_the_visit_have_no_handler() -> None:
    assert not set(_ONE_VALUE_FIELD) & set(HANDLERS)


def test_the_evaluator_reads_each_node_class_as_its_first_isinstance_match() -> None:
    """`Evaluator.evaluate` looks a node's reader up by class: the one the isinstance tests in `_READERS`'s
    order give, for node classes made later (subclasses) too."""
    from scanner.collect.pycode import values

    for cls, reader in values._READER_BY_CLASS.items():
        expected = next((r for kinds, r in values._READERS if issubclass(cls, kinds)), values.Evaluator._unknown)
        assert reader is expected, cls
    assert values._READER_BY_CLASS[ast.Call] is values.Evaluator._call
    assert values._READER_BY_CLASS[ast.UnaryOp] is values.Evaluator._unknown

    class LaterName(ast.Name):
        pass

    scope = values.Scope()
    scope.names["x"] = ast.Constant("bound text")
    later = LaterName(id="x", ctx=ast.Load())
    assert values.Evaluator().evaluate(later, scope).value == "bound text"
    assert values.Evaluator().evaluate(ast.parse("-1", mode="eval").body, scope).value == values.UNKNOWN_EXPR


def _dotted_reference(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def test_dotted_name_is_the_chain_of_names_in_every_fixture() -> None:
    from scanner.collect.pycode.values import dotted_name

    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            assert dotted_name(node) == _dotted_reference(node)
            checked += isinstance(node, ast.Attribute)
    assert checked > 100


def test_every_name_value_pair_has_a_value_key_the_dict_reader_tests_first() -> None:
    # `_secret_entries` looks for a pair only in a dict holding "value" or "Value"; `_secret_keywords` marks a
    # call by the same keys
    assert {value for _, value in analyzer._PAIR_KEYS} == {"value", "Value"} == analyzer._VALUE_KEYS
