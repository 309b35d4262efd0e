"""Property-based: random bytes and random structured documents never crash a collector, and a planted
secret never reaches any report format or the file cache, whatever document it is written in."""

from __future__ import annotations

import json
import os
import string
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scanner.collect import unit
from scanner.config import Config
from scanner.report import FORMATS, ReportOptions, renderer
from scanner.scan import run_scan
from scanner.secrets import LITERAL, classify

# AIRGUARD_PROPERTY_SCALE=10 runs ten times the examples (a longer hunt than the suite's default)
SCALE = max(1, int(os.environ.get("AIRGUARD_PROPERTY_SCALE", "1")))
KINDS = ["env", "yaml", "json", "cfg", "python", "sniff"]
RDS = "db.cluster-abc.eu-west-1.rds.amazonaws.com"

# Pieces that steer random text into the parsers' interesting corners (anchors, tags, escapes, URIs, ...)
TOKENS = [":", " ", "\n", "  ", "- ", "{", "}", "[", "]", ",", "'", '"', "#", "&a ", "*a", "<<: *a", "!!binary ",
          "!!python/object ", "|\n  ", ">\n  ", "\\u", "\\ud800", "\\x4", "%", "%4", "=", "@", "://", "postgres://u:p@h",
          "AIRFLOW_CONN_X=", "password", "extra", "iam", "conn_type", "host", "[core]", "sql_alchemy_conn = ",
          "Connection(", "conn_id=", ")", "f'", "{{ var.value.x }}", "${X}", "1e400", ".inf", "9" * 50, "\x00",
          "\ufeff", "\r", "\t", "é", "\U0001f600", "airguard:ignore[*]", "import ", "def f():\n    ", "lambda: "]

text_documents = st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=60).map("".join)


@settings(max_examples=400 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=3000) | text_documents.map(
    lambda text: text.encode("utf-8", errors="surrogatepass")))
def test_no_input_makes_a_collector_fail(kind: str, data: bytes) -> None:
    outcome = unit.run_file(Path("/scan"), Path("/scan/file"), "file", kind, data)
    failures = [n["message"] for n in outcome["notices"] if n["kind"] == "internal-error"]
    assert failures == []
    json.dumps(outcome, ensure_ascii=False).encode("utf-8")  # serialisable (cache, worker processes)


secret_text = st.text(alphabet=string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~ '\"\\",
                      min_size=5, max_size=24).map(lambda s: s[:len(s) // 2] + "Qz7" + s[len(s) // 2:])
# ("Qz7" inside keeps a generated secret from being a word the reports print anyway, such as "AIRFLOW_")
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12)
plain_trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(string.ascii_lowercase + "_", min_size=1, max_size=10), inner, max_size=3), max_leaves=12)


def _documents(secret: str, filler: object) -> dict[str, str]:
    """The secret as a connection password, in every file shape airguard reads."""
    uri_secret = "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in secret)
    connection = {"conn_type": "postgres", "host": RDS, "login": "u", "password": secret, "port": 5432,
                  "extra": json.dumps({"passphrase": secret, "filler": filler}, default=str)}
    return {
        "export.json": json.dumps({"c1": connection, "filler": filler}, default=str),
        "ascii.json": json.dumps({"c2": connection}, ensure_ascii=True),
        "export.yaml": yaml.safe_dump({"c3": connection, "filler": filler}, default_style=None),
        "quoted.yaml": yaml.safe_dump({"c4": connection}, default_style='"', allow_unicode=False),
        "airflow_settings.yaml": yaml.safe_dump({"airflow": {"connections": [
            {"conn_id": "c5", "conn_type": "postgres", "conn_host": RDS, "conn_login": "u",
             "conn_password": secret}]}}),
        ".env": f"AIRFLOW_CONN_C6=postgres://u:{uri_secret}@{RDS}/db\nDB_PASSWORD={json.dumps(secret)}\n",
        "airflow.cfg": f"[database]\nsql_alchemy_conn = postgresql://u:{uri_secret}@{RDS}/db\n",
        "dag.py": f"from airflow.models import Connection\nc = Connection(conn_id='c7', conn_type='postgres', "
                  f"host='{RDS}', login='u', password={secret!r})\nPASSWORD = {secret!r}\n",
    }


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=secret_text, filler=plain_trees)
def test_a_planted_secret_never_reaches_an_output(secret: str, filler: object) -> None:
    assume(classify(secret) == LITERAL and secret.strip() == secret and any(c.isalnum() for c in secret))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in _documents(secret, filler).items():
            (root / name).write_text(text)
        result = run_scan([root], Config(), root, jobs=1)
        options = ReportOptions(fail_on="none", show_suppressed=True, aws_account="123456789012",
                                aws_region="eu-west-1")  # ASFF files findings under an account and region
        outputs = [renderer(fmt)(result, options) for fmt in FORMATS]
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]}
    assert {f["rule_id"] for f in (json.loads(outputs[list(FORMATS).index("json")])["findings"])} >= {"AG101"}
    for output in outputs:
        for form in forms:
            assert form not in output, f"{form!r} leaked"
