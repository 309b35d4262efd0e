"""Secret handling: classify values, keep them out of resources, and scrub every output.

A secret value found in an input is registered with the scan's `Redactor` and replaced in the
resource by a marker ``{"redacted": true, "kind": KIND, "length": N}``. Every reporter writes through
`Redactor.scrub`, which removes registered values (and their URL/JSON-encoded forms) and masks
credential-shaped text it has never seen (URI passwords, AWS keys) as a second line of defence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "****"

# Kinds of secret values.
LITERAL = "literal"          # a real value written in the file
PLACEHOLDER = "placeholder"  # "***", "<password>", "changeme-here" style stand-ins
REFERENCE = "reference"      # ${VAR}, $VAR, {{ var.value.x }}, a secrets-backend path
EMPTY = "empty"

_PLACEHOLDERS = {
    "***", "****", "*****", "xxx", "xxxx", "xxxxx", "<password>", "<secret>", "password_here",
    "your_password", "your-password", "yourpassword", "<your-password>", "redacted", "<redacted>",
    "[redacted]", "changeme_in_prod", "...", "none", "null",
}
_REFERENCE_RE = re.compile(
    r"""^\s*(?:
        \$\{[^}]+\}            # ${VAR} / ${VAR:-default}
      | \$[A-Za-z_][A-Za-z0-9_]*  # $VAR
      | \{\{.*\}\}             # Jinja {{ ... }}
      | \{%.*%\}
      | <\s*[A-Za-z_ -]+\s*>   # <password>
      | %\([A-Za-z_]+\)s       # %(password)s
    )\s*$""",
    re.VERBOSE | re.DOTALL,
)
_MASKED_RE = re.compile(r"^\*+$|^x+$", re.IGNORECASE)

# Keys whose values are secrets wherever they appear (extras, settings, env maps).
SECRET_KEY_RE = re.compile(
    r"(?i)(pass(word|wd)?$|secret|token|private[_-]?key|api[_-]?key|access[_-]?key|credential|"
    r"client[_-]?secret|^key$|_key$|fernet|sas)"
)
# Keys that look secret by name but hold identifiers.
_NOT_SECRET_KEYS = re.compile(r"(?i)^(key_?id|kms_?key(_?id|_?arn)?|secret_?(name|arn|id)|.*_conn_id|"
                              r"aws_conn_id|token_?url|secret_?lookup_?pattern|.*_prefix|.*_?path)$")


def classify(value: Any) -> str:
    """The kind of a secret value: literal, placeholder, reference or empty."""
    if value is None:
        return EMPTY
    text = str(value)
    if text.strip() == "":
        return EMPTY
    if _REFERENCE_RE.match(text) or ("{{" in text and "}}" in text):
        if re.match(r"^\s*<\s*[A-Za-z_ -]+\s*>\s*$", text):
            return PLACEHOLDER
        return REFERENCE
    if text.strip().lower() in _PLACEHOLDERS or _MASKED_RE.match(text.strip()):
        return PLACEHOLDER
    return LITERAL


def marker(value: Any) -> dict[str, Any]:
    """What a resource holds in place of a secret value."""
    text = "" if value is None else str(value)
    return {"redacted": True, "kind": classify(value), "length": len(text)}


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY_RE.search(key)) and not _NOT_SECRET_KEYS.match(key)


# Credential shapes masked even when nobody registered them.
_URI_USERINFO_RE = re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s'\"]*:)(?P<pw>[^@/\s'\"]+)(?P<at>@)")
_AWS_SECRET_RE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
_AWS_KEY_ID_RE = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
_ASSIGNMENT_RE = re.compile(
    r"(?i)(?P<k>\b[\w.-]*(?:password|passwd|secret|token|fernet_key|PGPASSWORD)[\w.-]*\b[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<v>[^\s\"',}]{2,})"
)
_MYSQL_P_RE = re.compile(r"(?P<k>\s-p)(?P<v>[^\s'\"]{2,})")
_IDENTIFIED_RE = re.compile(r"(?i)(?P<k>(?:IDENTIFIED\s+BY|PASSWORD)\s+')(?P<v>[^']+)(?=')")


class Redactor:
    """Knows every secret value of a scan and removes them from text."""

    MIN_EXACT = 3
    # Shorter values ("test", "airflow", "admin") are common words: masked only where they stand alone,
    # not inside a name, path or host ("tests/", "opensearch_test_conn", "airflow.cfg", "/airflow"), so
    # paths and ids in reports stay true; the lines they were read from show no snippet at all.
    MIN_SUBSTRING = 8

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._words: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._short_secret_lines: set[tuple[str, int]] = set()

    def register(self, value: Any, path: str | None = None, line: int | None = None) -> None:
        """Remember a secret value; `path`/`line` say where it was read (for short values)."""
        if value is None:
            return
        text = str(value)
        if classify(text) != LITERAL:
            return
        if len(text) < self.MIN_SUBSTRING and path is not None and line is not None:
            self._short_secret_lines.add((path, line))
        variants = {text, quote(text, safe=""), quote_plus(text), quote(text),
                    json.dumps(text)[1:-1], text.replace("%", "%%")}
        for variant in variants:
            if len(variant) >= self.MIN_SUBSTRING:
                self._values.add(variant)
            elif len(variant) >= self.MIN_EXACT:
                self._words.add(variant)
        self._pattern = None

    def hides_line(self, path: str, line: int) -> bool:
        """True where a secret too short to search for everywhere stands on that line: show no snippet."""
        return (path, line) in self._short_secret_lines

    def _compiled(self) -> re.Pattern[str] | None:
        if not self._values and not self._words:
            return None
        if self._pattern is None:
            parts = [re.escape(v) for v in sorted(self._values, key=len, reverse=True)]
            if self._words:
                words = "|".join(re.escape(w) for w in sorted(self._words, key=len, reverse=True))
                parts.append(rf"(?<![\w./\\-])(?:{words})(?![\w./\\-])")
            self._pattern = re.compile("|".join(parts))
        return self._pattern

    def scrub(self, text: str) -> str:
        """Remove known secrets, then mask credential-shaped text."""
        if not text:
            return text
        pattern = self._compiled()
        if pattern is not None:
            text = pattern.sub(MASK, text)
        return scrub_patterns(text)

    def scrub_obj(self, obj: Any) -> Any:
        """Scrub every string inside a JSON-like object."""
        if isinstance(obj, str):
            return self.scrub(obj)
        if isinstance(obj, dict):
            return {self.scrub(str(k)) if isinstance(k, str) else k: self.scrub_obj(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.scrub_obj(v) for v in obj]
        return obj


_USERINFO_PASSWORD_RE = re.compile(r"://[^:/@\s]*:(?P<pw>[^@\s]+)@")


def uri_passwords(text: str) -> list[str]:
    """Passwords in ``scheme://user:password@`` userinfo, found without parsing (for unparseable values)."""
    return [m.group("pw") for m in _USERINFO_PASSWORD_RE.finditer(text)]


def redact_tree(value: Any, register: Callable[[Any], None], key: str = "") -> tuple[Any, bool]:
    """Replace the values of secret-named keys inside JSON-like data by markers.

    Every replaced value is passed to `register`; the flag says whether any of them was a literal.
    """
    if isinstance(value, dict):
        found = False
        result = {}
        for name, item in value.items():
            result[name], item_found = redact_tree(item, register, str(name))
            found = found or item_found
        return result, found
    if isinstance(value, list):
        pairs = [redact_tree(item, register, key) for item in value]
        return [item for item, _ in pairs], any(found for _, found in pairs)
    if key and is_secret_key(key) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        register(value)
        return marker(value), classify(value) == LITERAL
    return value, False


def _keep_reference(match: re.Match[str], group: str) -> bool:
    return classify(match.group(group)) != LITERAL


def scrub_patterns(text: str) -> str:
    """Mask credential shapes: URI passwords, AWS keys, password assignments, SQL passwords."""

    def uri_sub(m: re.Match[str]) -> str:
        if _keep_reference(m, "pw") or m.group("pw") == MASK:
            return m.group(0)
        return f"{m.group('pre')}{MASK}{m.group('at')}"

    def kv_sub(m: re.Match[str]) -> str:
        if _keep_reference(m, "v") or m.group("v").startswith(MASK) or _inside_arn(m):
            return m.group(0)
        return f"{m.group('k')}{MASK}"

    text = _URI_USERINFO_RE.sub(uri_sub, text)
    text = _AWS_KEY_ID_RE.sub(lambda m: m.group(1) + MASK, text)
    text = _AWS_SECRET_RE.sub(lambda m: m.group(0) if not _looks_like_aws_secret(m.group(0)) else MASK, text)
    text = _ASSIGNMENT_RE.sub(kv_sub, text)
    text = _IDENTIFIED_RE.sub(kv_sub, text)
    text = _MYSQL_P_RE.sub(kv_sub, text)
    return text


_TOKEN_SEPARATORS = frozenset(" \t\r\n\"'=,([{")


def _inside_arn(match: re.Match[str]) -> bool:
    """`arn:aws:secretsmanager:…:secret:name` is a resource name, not `secret: value`."""
    text, start = match.string, match.start()
    lowest = max(0, start - 256)  # ARNs are at most 2048 characters; the service part comes early
    while start > lowest and text[start - 1] not in _TOKEN_SEPARATORS:
        start -= 1
    return text[start:start + 4].lower() == "arn:"


def _looks_like_aws_secret(candidate: str) -> bool:
    """40 base64 characters with mixed case and a digit; hex digests and paths are not keys."""
    if re.fullmatch(r"[0-9a-fA-F]{40}", candidate):
        return False
    has_lower = any(c.islower() for c in candidate)
    has_upper = any(c.isupper() for c in candidate)
    has_digit = any(c.isdigit() for c in candidate)
    return has_lower and has_upper and has_digit
