"""`secret_shapes.detect_named`, `key_like` and `may_hold` on the paths their cheaper order takes: names that
say which key a value is (AWS, Datadog) decide before a name's strength, a weakly secret name (`*_key`) tests
the value's shape first and still applies every filter after it, and the one-letter pre-tests of `may_hold`
never let a literal go."""

from __future__ import annotations

import pytest

from scanner import secret_shapes

HEX_32 = "0123456789abcdef" * 2
HEX_40 = HEX_32 + "01234567"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEK1"  # 40 base64 characters, mixed case and digits
KEY = "k9Qz3vX7pL2mN8rT4wY6bH1cJ5dF0gS"  # key-like: letters and digits, varied


@pytest.mark.parametrize(("name", "value", "kind"), [
    ("aws_secret_access_key", AWS_SECRET, secret_shapes.AWS_SECRET_ACCESS_KEY),
    ("secretAccessKey", AWS_SECRET, secret_shapes.AWS_SECRET_ACCESS_KEY),
    ("DD_API_KEY", HEX_32, secret_shapes.DATADOG_API_KEY),
    ("datadog_app_key", HEX_40, secret_shapes.DATADOG_APP_KEY),
    ("DD_API_KEY", HEX_32 + "ab", None),       # the name says a Datadog key, the value is not one: no finding
    ("dd_application_key", HEX_32, None),      # an app key has 40 characters
    ("dd_key", KEY, secret_shapes.GENERIC_HIGH_ENTROPY),  # not hex: judged as any `*_key`
    ("DD_API_KEY", KEY, secret_shapes.SECRET),             # ... and as any `api_key`
    ("key", KEY, secret_shapes.GENERIC_HIGH_ENTROPY),
    ("s3_key", "exports/2024/orders.parquet", None),
    ("bucket_key", "manifests/latest.txt", None),
    ("key", HEX_40, None),                     # a hex digest: an id
    ("key", "123e4567-e89b-12d3-a456-426614174000", None),
    ("key", "your-key-0a9b8c7d6e5f4g3h", None),  # key-like, but a placeholder
    ("key", "exports/k9qz3vx7pl2mn8rt4wy6b", None),  # key-like, but a path
    ("api_key", KEY, secret_shapes.SECRET),
    ("db_password", "Harbor-23hEfROXHP-244", secret_shapes.PASSWORD),
    ("password", "{{ conn.orders_db.password }}", None),
    ("password", "password", None),
    ("conn_id", KEY, None),
])
def test_detect_named_order(name: str, value: str, kind: str | None) -> None:
    assert secret_shapes.detect_named(name, value) == kind


@pytest.mark.parametrize(("value", "expected"), [
    (KEY, True),
    ("k9Qz3vX7pL2m N8rT4wY6bH1cJ5dF0gS", False),   # a space inside
    ("k9Qz3vX7pL2m\u2003N8rT4wY6bH1cJ5dF0", False),  # any Unicode space
    ("abcdefghijklmnopqrstuvwxyzABCDEF", False),    # no digit
    ("0123456789012345678901234567", False),        # no letter
    ("created_at_2024_orders", False),             # words and a small number
])
def test_key_like(value: str, expected: bool) -> None:
    assert secret_shapes.key_like(value) is expected


@pytest.mark.parametrize("literal", ["xox", "AIza", "eyJ", "hooks.slack.com/", "glpat-", "PRIVATE KEY",
                                     "earer", "EARER", "ghp_", "github_pat_", "k_live_"])
def test_may_hold_each_literal(literal: str) -> None:
    assert secret_shapes.may_hold(f"some text {literal} more text")
    # the letter a literal's pre-test looks for, alone, is not enough
    assert not secret_shapes.may_hold(f"some text {literal[:-1]}.{literal[-1]} more")


def test_may_hold_urls() -> None:
    assert secret_shapes.may_hold("postgres://user:pw@host/db")
    assert not secret_shapes.may_hold("postgres://user:pw@host/db", urls=False)
    assert not secret_shapes.may_hold("zebra jazz box and a Jar of text")
