"""scanner.secret_literals: the shapes' literals, kept in step with `secret_shapes`, loaded without its regexes."""

from __future__ import annotations

import subprocess
import sys

from scanner import secret_literals, secret_shapes

# One text per shape (made-up values of the documented formats).
SHAPED = ["AKIAZZZZEXAMPLEZZZZZ", "https://hooks.slack.com/services/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",
          "xoxb-1234567890-q7Lm2Xc9Vb4Nz8Kp", "ghp_q7Lm2Xc9Vb4Nz8Kp3Rt6Wy1sD5fG0hJ2kL4m", "glpat-q7Lm2Xc9Vb4Nz8Kp3Rt6",
          "sk_live_q7Lm2Xc9Vb4Nz8Kp3Rt6Wy1s", "AIzaq7Lm2Xc9Vb4Nz8Kp3Rt6Wy1sD5fG0hJ2kL4",
          ("-----BEGIN RSA PRIVATE KEY-----\nq7Lm2Xc9Vb4Nz8Kp3Rt6Wy1sD5fG0hJ2kL4mN6pQ8rS0tU2vW4xY6zA8bC0dE2fG4\n"
          "-----END RSA PRIVATE KEY-----"),
          "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.q7Lm2Xc9Vb4N", "Authorization: BEARER q7Lm2Xc9Vb4Nz8Kp3Rt6"]


def test_a_text_holding_a_shape_holds_a_precheck_literal() -> None:
    """The DAG pre-check passes every file where `secret_shapes.find` could see a shape."""
    kinds = set()
    for text in SHAPED:
        found = secret_shapes.find(text)
        assert found, text
        kinds.update(shape.kind for shape in found)
        assert any(word in text.lower().encode() for word in secret_literals.PRECHECK_LITERALS), text
    assert kinds == {kind for kind, _literals, _pattern in secret_shapes._SHAPES}


def test_secret_shapes_reads_the_same_key_name_pairs() -> None:
    assert secret_shapes.KEY_NAME_PAIRS is secret_literals.KEY_NAME_PAIRS
    assert secret_literals.KEY_NAME_PAIRS <= secret_shapes._STRONG_PAIRS


def test_the_dag_precheck_loads_without_the_shapes() -> None:
    code = "import sys, scanner.collect.pycode.precheck; print('scanner.secret_shapes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
