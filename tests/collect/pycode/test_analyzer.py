"""The analyzer's fast paths give what the plain forms they replace give, on hostile shapes too."""

from __future__ import annotations

import ast
import re

import pytest

from scanner.collect.pycode import walk
from scanner.collect.pycode.analyzer import HANDLERS, class_names

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
]


def _reference_string_pass(tree: ast.AST, min_length: int) -> list[ast.AST]:
    """The string pass's nodes as a plain breadth-first `ast.walk` with parents finds them."""
    parts = (ast.JoinedStr, ast.BinOp, ast.FormattedValue)
    inside = {id(child) for node in ast.walk(tree) if isinstance(node, parts) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if node is tree:
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Dict)):
            found.append(node)
        elif isinstance(node, (ast.JoinedStr, ast.BinOp)) and id(node) not in inside:
            found.append(node)
        elif isinstance(node, ast.Constant) and id(node) not in inside and isinstance(node.value, str) \
                and len(node.value) >= min_length:
            found.append(node)
    return found


@pytest.mark.parametrize("source", WALK_SOURCES)
def test_the_string_pass_finds_what_a_breadth_first_walk_finds_in_its_order(source: str) -> None:
    tree = ast.parse(source)
    for min_length in (0, 8):
        assert walk.string_pass_nodes(tree, min_length) == _reference_string_pass(tree, min_length)


@pytest.mark.parametrize("source", WALK_SOURCES)
def test_pushed_branches_leave_out_only_nodes_with_nothing_to_visit(source: str) -> None:
    for node in ast.walk(ast.parse(source)):
        pushed: list[ast.AST] = []
        walk.push_branches(node, pushed)
        left_out = [child for child in walk.branches(node) if child not in pushed]
        assert pushed[::-1] == [child for child in walk.branches(node) if child not in left_out]
        assert all(type(child) in walk.ONE_VALUE_FIELD and not walk.branches(child) for child in left_out)


def test_nodes_left_out_of_the_visit_have_no_handler() -> None:
    assert not walk.ONE_VALUE_FIELD & set(HANDLERS)


# Classes and functions: the visit reads their parts in its own order (defaults, decorators, body) or not at
# all (annotations, bases, keywords of a class): the string pass's nodes it records there still come in
# breadth-first order.
PART_SOURCES = WALK_SOURCES + [
    "@dag(default_args={'owner': 'someone else'}, tags=['tag one is long'])\n"
    "def pipeline(a: 'first annotation', /, b: dict = {'k': 'default value one'}, *args: 'star annotation',\n"
    "             c='keyword only default',\n"
    "             d: Annotated[str, 'inside annotation'] = f'{x}formatted default',\n"
    "             **kw: 'double star annotation') -> {'returned': 'dict annotation'}:\n"
    "    password = 'body assignment one'\n"
    "    @task(pool='decorator of inner')\n"
    "    async def inner(e=lambda q='lambda default text': q, *, g={'h': 'kwonly dict default'}):\n"
    "        return {'inner': 'returned value text'}\n"
    "    class Inner(Base, metaclass=Meta, option='class keyword text'):\n"
    "        token: str = 'class level annotated'\n"
    "        def method(self, s: 'method annotation text' = 'method default text'):\n"
    "            return 'method return text'\n"
    "    return inner\n",
    "class A:\n    @property\n    def p(self) -> 'property annotation': return {'p': 'property dict value'}\n"
    "@decorate({'class': 'decorator dict text'})\n"
    "class B(A, **{'k': 'class kwargs text'}): x = 'class body text'\n",
    "def f(*, a='only kwonly default'): pass\n" + "def g(a='only positional default'): pass\n"
    + "def h(a, *, b, c='after a required kwonly'): pass\n"
    + "lambda a='lambda default', *, b='kwonly lambda': 0\n",
    "x = " + "[" * 50 + "'deep list string'" + "]" * 50 + "\n"
    + "y = 'aaaaaaaa'" + " + 'bbbbbbbbb'" * 500 + "\n",
    "def outer():\n"
    + "".join("    " * depth + f"def f{depth}(a='default at {depth} deep'):\n" for depth in range(1, 40))
    + "    " * 40 + "return {'deepest': 'returned text'}\n",
    "print('call argument text', sep='keyword argument text', end=' short', file='long'.join(x))\n"
    + "'attribute of a long text'.format(a).strip()\n",
]


@pytest.mark.parametrize("source", PART_SOURCES)
def test_the_visit_records_the_string_pass_nodes_in_breadth_first_order(source: str) -> None:
    from pathlib import Path

    from scanner.collect.pycode.analyzer import Analyzer
    from scanner.context import ScanContext
    from scanner.source import SourceFile

    tree = ast.parse(source)
    analyzer = Analyzer(ScanContext(root=Path("/")), SourceFile("x.py", Path("/x.py"), source))
    analyzer.visit(tree)
    assert analyzer._visited is not None and analyzer._visited[0] is tree
    recorded = walk.in_breadth_first_order(analyzer._visited[1])
    assert recorded == walk.string_pass_nodes(tree, walk.STRING_MIN_LENGTH) == _reference_string_pass(tree, 8)


def test_the_visit_visits_every_node_with_children_and_records_what_the_string_pass_records() -> None:
    """The visit's actions come from the node classes, not from what the string pass queues (which leaves out
    imports: the visit must reach them for their handler)."""
    for inside, actions in ((False, walk.VISIT_ACTIONS_OUTSIDE_STRING),
                            (True, walk.VISIT_ACTIONS_INSIDE_STRING)):
        string_actions = walk._ACTIONS_INSIDE_STRING if inside else walk._ACTIONS_OUTSIDE_STRING
        for cls, fields in walk.NODE_FIELDS.items():
            action = actions.get(cls, 0)
            assert bool(fields) == (action in (walk.VISIT, walk.VISIT_AND_RECORD, walk.VISIT_ONE_VALUE)), cls
            recorded = action in (walk.VISIT_AND_RECORD, walk.RECORD_CONSTANT)
            assert recorded == bool(string_actions[cls] & walk._RECORD) or cls in walk.ONE_VALUE_FIELD, cls
    assert actions[ast.ImportFrom] == walk.VISIT and actions[ast.Import] == walk.VISIT
