"""scanner.collect.pycode.precheck: the byte-level pre-check, loaded without the analyzer's patterns."""

from __future__ import annotations

import subprocess
import sys

from scanner.collect.pycode import patterns, precheck


def test_precheck_passes_credential_words_and_turns_plain_code_away() -> None:
    assert precheck.precheck(b"db_password = load()\n")
    assert precheck.precheck(b"engine = create_engine(url)\n")
    assert precheck.precheck(b"conn = psycopg2.connect(host=h)\n")
    assert precheck.precheck(b'os.environ["A"] = "b"\n')
    assert not precheck.precheck(b'value = os.environ["A"]\n')
    assert not precheck.precheck(b"# see https://www.apache.org/licenses/\nimport os\nprint(1)\n")


def test_the_patterns_module_still_offers_the_precheck() -> None:
    assert patterns.precheck is precheck.precheck
    assert patterns.PRECHECK_WORDS is precheck.PRECHECK_WORDS


def test_the_pycode_package_loads_without_the_analyzer_patterns() -> None:
    """A warm scan pre-checks every DAG file and analyses none: the analyzer's ~30 regexes stay uncompiled."""
    code = "import sys, scanner.collect.pycode; print('scanner.collect.pycode.patterns' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
