"""scanner.digests gives the digests hashlib gives (cache keys, rule-cache keys and fingerprints depend on them)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from scanner import digests

SAMPLES = [b"", b"x", b"airflow" * 1000, bytes(range(256)) * 17]


@pytest.mark.parametrize("data", SAMPLES, ids=len)
def test_sha256_matches_hashlib(data: bytes) -> None:
    ours, theirs = digests.sha256(data), hashlib.sha256(data)
    ours.update(b"more")
    theirs.update(b"more")
    assert ours.hexdigest() == theirs.hexdigest()


@pytest.mark.parametrize("data", SAMPLES, ids=len)
@pytest.mark.parametrize("options", [{}, {"digest_size": 16}, {"digest_size": 32, "key": b"entry-key"}])
def test_blake2b_matches_hashlib(data: bytes, options: dict[str, object]) -> None:
    assert digests.blake2b(data, **options).digest() == hashlib.blake2b(data, **options).digest()


def test_a_scan_start_does_not_load_openssl() -> None:
    """The modules every scan imports reach the built-in hashes, not hashlib's OpenSSL bindings."""
    code = ("import sys, scanner.engine.loader, scanner.engine.evaluate, scanner.collect.filecache; "
            "print('_hashlib' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "False"
