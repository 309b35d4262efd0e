"""Secrets a collector decoded (URL-encoded in a connection URI, base64 in a Kubernetes Secret) are cached as
spans of the encoded text: read back exactly, never stored, and a damaged span is a corrupt entry."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from scanner.collect import filecache, secret_spans, unit
from scanner.config import Config
from scanner.scan import run_scan

URI_PASSWORD = "P@ss/Word 2026%x"          # written URL-encoded in the URI, as Airflow requires
K8S_PASSWORD = "K8s-Opaque-Pw-2026"        # inside a base64-encoded connection URI
K8S_URI = f"postgresql://loader:{K8S_PASSWORD}@warehouse.example.com:5432/dw"


@pytest.mark.parametrize(("text", "value", "line", "span"), [
    ("a = 'plain-Pw-1' #", "plain-Pw-1", 1, [5, 10]),
    (f"X=pg://u:{quote(URI_PASSWORD, safe='')}@h/db", URI_PASSWORD, 1, [9, 24, "url", 0, 16]),
    (f"X=pg://u:{quote_plus('a b+c')}@h/db", "a b+c", None, [9, 7, "url+", 0, 5]),
    (f"kind: Secret\ndata:\n  URI: {base64.b64encode(K8S_URI.encode()).decode()}\n", K8S_PASSWORD, 3,
     [26, 92, "base64", 20, 38]),
])
def test_a_secret_is_located_and_read_back(text: str, value: str, line: int | None, span: list[object]) -> None:
    assert secret_spans.locate(text, value, line) == span
    assert secret_spans.read_back(text, span) == value


def test_a_secret_that_cannot_be_read_back_has_no_span() -> None:
    blob = base64.b64encode(K8S_URI.encode()).decode()
    assert secret_spans.locate(f"data:\n  URI: {blob}\n", K8S_PASSWORD, 1) is None      # another line
    assert secret_spans.locate(f"data:\n  URI: {blob}\n", K8S_PASSWORD, None) is None   # no line to look at
    both = base64.b64encode(f"pg://u:{quote('P@ss-in-b64', safe='')}@h/db".encode()).decode()  # base64 of url
    assert secret_spans.locate(f"URI: {both}", "P@ss-in-b64", 1) is None
    assert secret_spans.locate_all("a=Pw-one-1 b=", [("Pw-one-1", 1), ("Pw-two-2", 1)]) is None
    assert secret_spans.locate_all("a=Pw-one-1 b=Pw-two-2", [("Pw-one-1", 1), ("Pw-two-2", None)]) == [
        [2, 8], [13, 8]]


@pytest.mark.parametrize("span", [
    [0], [0, 1, 2], [-1, 3], [0, 99], ["0", 3], [0, 3, "rot13", 0, 3], [0, 3, "url", 2, 1], [0, 3, "url", 0, 9],
    [0, 8, "base64", 0, 1], [0, 3, "url", "0", 3], [True, 3],
])
def test_a_damaged_span_is_an_error_never_a_wrong_value(span: list[object]) -> None:
    with pytest.raises(ValueError):
        secret_spans.read_back("abc%41!!!", span)


def test_decoded_secrets_are_cached_read_back_and_never_stored(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    (root / ".env").write_text(
        f"AIRFLOW_CONN_ORDERS=postgresql://etl:{quote(URI_PASSWORD, safe='')}@orders.example.com:5432/orders\n")
    blob = base64.b64encode(K8S_URI.encode()).decode()
    (root / "k8s" / "connections-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: airflow-connections\ntype: Opaque\ndata:\n"
        f"  AIRFLOW_CONN_WAREHOUSE: {blob}\n")
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(cache))
    first = run_scan([root], Config(), root, jobs=1)
    with sqlite3.connect(cache / "files" / filecache.DATABASE) as db:
        assert db.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 2   # both files cached
    hits = []
    original = filecache.FileCache.finish
    monkeypatch.setattr(filecache.FileCache, "finish", lambda self: (hits.append(self.hits), original(self)))
    second = run_scan([root], Config(), root, jobs=1)
    assert hits == [2]
    found = {(f.rule_id, f.location.path if f.location else None) for f in first.findings}
    assert ("AG101", ".env") in found and ("AG101", "k8s/connections-secret.yaml") in found
    assert [f for f in first.findings] == [f for f in second.findings]
    assert second.ctx.redactor.scrub(f"x {URI_PASSWORD} {K8S_PASSWORD} y") == "x **** **** y"
    stored = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    for secret in (URI_PASSWORD, K8S_PASSWORD):
        for form in (secret, quote(secret, safe=""), quote(secret), quote_plus(secret)):
            assert form.encode() not in stored
    assert blob.encode() not in stored and blob[:40].encode() not in stored


def test_an_entry_whose_span_reads_back_wrong_is_corrupt() -> None:
    text = "X=pg://u:%41bc@h"
    entry = {"resources": [], "notices": [], "source": True, "scanned": 1,
             "secret_spans": [[9, 5, "url", 0, 9, ".env", 1]]}
    with pytest.raises(ValueError):
        unit.parse(entry, text)
    entry["secret_spans"] = [[9, 5, "url", 0, 3, ".env", 1]]
    assert unit.parse(entry, text)[2] == [("Abc", ".env", 1)]


@pytest.mark.parametrize("secret", ["Leaky-Pw-2026", "pässwörd-2026", 'quo"te\\d-Pw'])
def test_an_outcome_holding_a_secret_value_is_never_cached(secret: str) -> None:
    text = f"PASSWORD={secret}\n"
    outcome = {"resources": [], "notices": [], "source": True, "scanned": 1, "secrets": [[secret, ".env", 1]]}
    payload = unit.to_payload(outcome, text)
    assert payload is not None and secret.encode() not in payload
    assert unit.parse(json.loads(payload), text)[2] == [(secret, ".env", 1)]
    leaky = {**outcome, "notices": [{"kind": "x", "message": f"saw {secret}!", "path": None, "line": None,
                                     "column": None, "rule_id": None, "level": "error"}]}
    assert unit.to_payload(leaky, text) is None
