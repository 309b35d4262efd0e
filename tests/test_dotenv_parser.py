"""airguard's copy of python-dotenv's grammar (`scanner.dotenv_parser`) reads every `.env` text as the
installed python-dotenv does: the same keys, values, original text, first lines and errors, binding by binding."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import dotenv_parser
from tests.conftest import REPO

dotenv_parser_upstream = pytest.importorskip("dotenv.parser")


def _ours(text: str) -> list[tuple[object, ...]]:
    return [tuple(binding[:2]) + (tuple(binding.original), binding.error) for binding in dotenv_parser.parse(text)]


def _theirs(text: str) -> list[tuple[object, ...]]:
    return [tuple(binding[:2]) + (tuple(binding.original), binding.error)
            for binding in dotenv_parser_upstream.parse_stream(io.StringIO(text))]


ENV_FILES = sorted(path for folder in ("fixtures", "tests") for path in (REPO / folder).rglob("*")
                   if path.is_file() and (path.name.startswith(".env") or path.name.endswith(".env")))

TRICKY = [
    "", "\n", "\ufeffA=1\n", "A=1", "export A=1\nexport  B = 2 \n", "A=x  # note\nB=x#y\nC= v \t#c\nD='q # r'\n",
    "A= # comment\nB=#novalue\n", "'quoted key'=v\n", "A='it\\'s'\nB=\"a\\\"b\\n\\t\\\\\"\n", "A=\"multi\nline\"\n",
    "A='open\n", "A=\"open\nB=2\n", "=nokey\n", "A\n", "A =1\n", "#only a comment\n  # indented\n",
    "A=1\r\nB=2\rC=3\n", "A=\\\nB=2\n", "A=é ü 日本\n", "A=\"\\x41\\u0042\"\nB='\\x41'\n", "   \n\t\nA=1\n\n\n",
    "export\nexport=1\nexport A\n", "A=a b c   \n", "A=x\t#c", "A=\"x\" # c\nB=\"x\"junk\n",
]


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_env_files_read_as_python_dotenv_reads_them(path: Path) -> None:
    text = path.read_text("utf-8", errors="replace")
    assert _ours(text) == _theirs(text)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_read_as_python_dotenv_reads_them(text: str) -> None:
    assert _ours(text) == _theirs(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["A", "b", "_1", "=", "#", " ", "\t", "'", '"', "\\", "\n", "\r", "export ", "n",
                                 "x", "\ufeff", "é"]), max_size=40).map("".join))
def test_any_text_reads_as_python_dotenv_reads_it(text: str) -> None:
    assert _ours(text) == _theirs(text)
