"""scanner.engine.comments: the comment readers, loaded only when a file may hold a suppression marker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scanner.engine.comments import comments
from scanner.source import SourceFile


def _comments(name: str, text: str) -> list[tuple[int, int, str]]:
    return comments(SourceFile(path=name, absolute=Path("/repo") / name, text=text))


def test_each_syntax_has_its_comments() -> None:
    assert _comments("dag.py", "x = '# not a comment'  # real\n") == [(1, 24, "# real")]
    assert _comments(".env", "A='b # c' # d\n# e\n") == [(1, 11, "# d"), (2, 1, "# e")]
    assert _comments("airflow.cfg", "[core]\n; one\nkey = v # part of the value\n") == [(2, 1, "; one")]
    assert _comments("data.json", '{"a": "# b"}') == []


def test_a_scan_without_markers_does_not_load_the_readers() -> None:
    code = ("import sys; from pathlib import Path; from scanner.engine.suppressions import find_suppressions; "
            "from scanner.source import SourceFile; "
            "find_suppressions(SourceFile('a.py', Path('/a.py'), 'x = 1  # plain comment')); "
            "print('scanner.engine.comments' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
