"""The analyzer's fast paths give what the plain forms they replace give, on hostile shapes too."""

from __future__ import annotations

import re

import pytest

from scanner.collect.pycode.analyzer import class_names

PLAIN_CLASS_NAME = re.compile(r"\bclass\s+(\w+)")


@pytest.mark.parametrize("text", [
    "", "class", "class A", "class A(B):\n    pass\n", "subclass Foo", "subclass class Foo", "xclass  classY",
    "classclass A", "class class B", "éclass C\nclass D", "_class E", "a.class F", "class\n\tG", "class\u00a0H",
    "class ", "class class", "class  " * 50 + "Z", "(class I)", "x" * 10 + "class" + " " * 1000 + "J",
    "class Ünïcode", "class 名前", "'''class K'''", "classy L class M",
])
def test_class_names_are_what_the_word_bounded_regex_finds(text: str) -> None:
    assert class_names(text) == set(PLAIN_CLASS_NAME.findall(text))
