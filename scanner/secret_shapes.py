"""Credential shapes: what kind of secret a string is, by its shape alone or by its shape and its name.

`detect(value)` -> the kind of credential-shaped text in `value` (AWS access key id, Slack webhook URL or
token, GitHub/GitLab token, Stripe live key, Google API key, private key block, JWT, bearer token, URL
with a password), or None. `find(text)` gives every such shape with the exact secret and its span.
`detect_named(name, value)` also judges a literal by the name it is written under (`*_PASSWORD`,
`*_TOKEN`, `api_key`, `client_secret`, `*_PW`...; `*_KEY` names only with a key-like value), and knows the
shapes that need a name to mean anything (an AWS secret access key, Datadog API/app keys: 40 base64 or
32/40 hex characters are also hashes and ids). `names_a_secret(value)` says when a value under a secret
name is not the secret but its name, an environment variable name, a secret id or ARN, a path.

Precision filters sit on top of every shape: references (`${X}`, `$X`, `{{ var.value.x }}`, `{name}`,
`%(name)s`, airguard's own `${...}` for unknown values), placeholders (`<token>`, `xxxx`, `your-token`,
`changeme`, all one character) and templates are never a credential. Key ids from the AWS documentation
(`AKIAIOSFODNN7EXAMPLE`) are still findings: a key-shaped literal in a repository is the thing to remove,
and the existing rule tests hold airguard to reporting it.

Library decision: a maintained pattern set here, not detect-secrets' plugin classes as a library.
detect-secrets (Apache-2.0, last release 1.5.0 in May 2024) was measured: importing one plugin
(`detect_secrets.plugins.slack`) costs 280-340 ms, because `plugins/base.py` imports `requests` and the
settings/scan core, which alone would double the pre-commit path; its `JwtTokenDetector` pattern
(`eyJ[A-Za-z0-9-_=]+\\.[A-Za-z0-9-_=]+\\.?[A-Za-z0-9-_.+/=]*?`) is quadratic: 60 KB of `eyJ` took 3.8 s and
120 KB 13.5 s (a 1 MB line would take about 15 minutes); its Slack token pattern nests quantifiers
(`(?:\\d+-)+`); and its plugins are line scanners with verification hooks that reach the network, where
airguard needs a pure function on one value. The shapes below follow the same public token formats
(detect-secrets' and gitleaks' rules, the vendors' documented prefixes), each written to run in time
linear in the text: a literal pre-test with str methods decides whether a pattern runs at all, every
pattern starts where a run of its leading class starts (a lookbehind), and every repetition is bounded,
so one attempt reads at most a few thousand characters and a run is read a bounded number of times
(`tests/hostile/test_regex_linear.py` runs each on 1 MB adversarial strings). Nothing is imported
beyond the standard library and `scanner.secrets`, so importing this module costs well under 1 ms.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from itertools import pairwise
from typing import NamedTuple

from scanner import secrets
from scanner.secret_literals import AWS_KEY_ID_PREFIXES, KEY_NAME_PAIRS

# Kinds (stable strings: the config collectors and the code analyzer both read them).
AWS_ACCESS_KEY_ID = "aws-access-key-id"
AWS_SECRET_ACCESS_KEY = "aws-secret-access-key"
SLACK_WEBHOOK = "slack-webhook"
SLACK_TOKEN = "slack-token"
GITHUB_TOKEN = "github-token"
GITLAB_TOKEN = "gitlab-token"
STRIPE_KEY = "stripe-key"
GOOGLE_API_KEY = "google-api-key"
PRIVATE_KEY = "private-key"
JWT = "jwt"
BEARER_TOKEN = "bearer-token"
URL_PASSWORD = "url-password"
DATADOG_API_KEY = "datadog-api-key"
DATADOG_APP_KEY = "datadog-app-key"
PASSWORD = "password"                # a literal under a password-like name
SECRET = "secret"                    # a literal under a secret/token/key-like name
GENERIC_HIGH_ENTROPY = "generic-high-entropy"  # a key-like literal under a weakly secret name (`*_KEY`)

SHAPE_KINDS = (AWS_ACCESS_KEY_ID, SLACK_WEBHOOK, SLACK_TOKEN, GITHUB_TOKEN, GITLAB_TOKEN, STRIPE_KEY,
               GOOGLE_API_KEY, PRIVATE_KEY, JWT, BEARER_TOKEN, URL_PASSWORD)

# ------------------------------------------------------------------------------------------------ shapes
# Each entry: (kind, literals one of which every match holds (the pre-test), pattern; group "s" is the secret
# when it is not the whole match). A lookbehind makes a match start only where a run of the leading class
# starts; every repetition is bounded.
_AWS_KEY_ID_RE = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
_SLACK_WEBHOOK_RE = re.compile(
    r"https?://hooks\.slack\.com/(?:services/T[A-Z0-9_]{2,20}/B[A-Z0-9_]{2,20}/[A-Za-z0-9_]{8,64}"
    r"|(?:workflows|triggers)/T[A-Z0-9_]{2,20}/[A-Za-z0-9_/]{8,160})")
_SLACK_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,250}")
_GITHUB_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})")
_GITLAB_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,64}")
_STRIPE_KEY_RE = re.compile(r"(?<![A-Za-z0-9_])[rs]k_live_[A-Za-z0-9]{20,247}")
_GOOGLE_API_KEY_RE = re.compile(r"(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])")
_PRIVATE_KEY_RE = re.compile(r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_JWT_RE = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,4096}")
_BEARER_RE = re.compile(r"(?<![A-Za-z0-9_])[Bb][Ee][Aa][Rr][Ee][Rr][ \t]{1,8}(?P<s>[A-Za-z0-9._~+/=-]{8,4096})")

_SHAPES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (AWS_ACCESS_KEY_ID, AWS_KEY_ID_PREFIXES, _AWS_KEY_ID_RE),
    (SLACK_WEBHOOK, ("hooks.slack.com/",), _SLACK_WEBHOOK_RE),
    (SLACK_TOKEN, ("xox",), _SLACK_TOKEN_RE),
    (GITHUB_TOKEN, ("gho_", "ghp_", "ghu_", "ghs_", "ghr_", "github_pat_"), _GITHUB_TOKEN_RE),
    (GITLAB_TOKEN, ("glpat-",), _GITLAB_TOKEN_RE),
    (STRIPE_KEY, ("k_live_",), _STRIPE_KEY_RE),
    (GOOGLE_API_KEY, ("AIza",), _GOOGLE_API_KEY_RE),
    (PRIVATE_KEY, ("PRIVATE KEY-----", "PRIVATE KEY BLOCK-----"), _PRIVATE_KEY_RE),
    (JWT, ("eyJ",), _JWT_RE),
    (BEARER_TOKEN, ("earer", "EARER"), _BEARER_RE),
)
# Every literal a shape needs, lower-cased, is in `secret_literals.PRECHECK_LITERALS` (a byte pre-check that holds
# none of them cannot see a shape): apart, so the DAG-file pre-check reads them without compiling these regexes.

# Minimum of base64 key material after a `-----BEGIN ... PRIVATE KEY-----` line for it to be a key, not code
# that looks for the marker.
_KEY_MATERIAL = 32
_KEY_MATERIAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


class Shape(NamedTuple):
    kind: str
    secret: str   # the text to register and report (the token, the URL's password, the whole key block)
    start: int    # span of `secret` in the text searched
    end: int


_UNDERSCORE_LITERALS = ("gho_", "ghp_", "ghu_", "ghs_", "ghr_", "github_pat_", "k_live_")


def may_hold(text: str, urls: bool = True) -> bool:
    """False only when `find(text, urls)` finds no shape other than an AWS key id (which airguard's callers
    look for themselves): the literal pre-tests alone, for the many strings of a file."""
    if "_" in text and ("gh" in text or "github_pat_" in text or "k_live_" in text) and \
            any(literal in text for literal in _UNDERSCORE_LITERALS):
        return True
    # A one-character test (memchr) costs about half a three-character one: literals with a rare letter
    # (`x`, `z`, `J`) test for it first, most strings hold none of these.
    return (("x" in text and "xox" in text) or ("z" in text and "AIza" in text)
            or ("J" in text and "eyJ" in text) or "hooks.slack.com/" in text or "glpat-" in text
            or "PRIVATE KEY" in text or "earer" in text or "EARER" in text
            or (urls and "://" in text and "@" in text))


MAX_PER_KIND = 64  # shapes of one kind found in one text (a hostile text of 30,000 key headers is not read on)


def find(text: str, urls: bool = True) -> list[Shape]:
    """Every credential shape in `text` (a value or free text), placeholders and references left out, at
    most `MAX_PER_KIND` of a kind (URL passwords only when `urls`). Linear in the text: each pattern runs
    only when its literal is in it."""
    if not isinstance(text, str) or len(text) < 8:
        return []
    holds = text.__contains__
    # A text that passes none of may_hold's pre-tests and holds no AWS key id prefix (each starts with `A`)
    # holds no shape's literal: it is let go without a test per shape.
    if not (may_hold(text, urls) or ("A" in text and any(map(holds, AWS_KEY_ID_PREFIXES)))):
        return []
    found: list[Shape] = []
    for kind, literals, pattern in _SHAPES:
        if not any(map(holds, literals)):  # (map: no generator made per shape)
            continue
        ends = _EndMarkers(text)
        tried = kept = 0
        for match in pattern.finditer(text):
            tried += 1
            if tried > 4 * MAX_PER_KIND:  # placeholders and look-alikes by the hundred: a hostile text
                break
            group = "s" if "s" in pattern.groupindex else 0
            secret, start, end = match.group(group), match.start(group), match.end(group)
            if kind == PRIVATE_KEY:
                block_end = _key_block_end(text, match.end(), ends)
                if block_end is None:
                    continue
                end, secret = block_end, text[start:block_end]
            elif (kind == JWT and not _jwt_header(secret)) or (
                    kind == SLACK_TOKEN and (not any(c.isdigit() for c in secret) or len(secret) < 20)):
                continue
            if is_placeholder(_token_part(kind, secret)):
                continue
            found.append(Shape(kind, secret, start, end))
            kept += 1
            if kept >= MAX_PER_KIND:
                break
    if urls and "://" in text and "@" in text:
        found.extend(_url_passwords(text))
    found.sort(key=lambda shape: shape.start)
    return found


def detect(value: str) -> str | None:
    """The kind of the first credential shape in `value`, or None."""
    shapes = find(value)
    return shapes[0].kind if shapes else None


def _token_part(kind: str, secret: str) -> str:
    """The part of a match that a placeholder would fill (the last path part of a webhook URL)."""
    if kind == SLACK_WEBHOOK:
        return secret.rsplit("/", 1)[-1]
    if kind in (SLACK_TOKEN, GITHUB_TOKEN, GITLAB_TOKEN, STRIPE_KEY):
        return secret.split("_", 2)[-1] if "_" in secret else secret.split("-", 1)[-1]
    return secret


class _EndMarkers:
    """The next `-----END` at or after a position, each part of the text searched once (headers come in
    order, so a search that found nothing, or found a marker further on, answers every later header)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.searched_from = len(text) + 1
        self.found = -1

    def next_at(self, position: int) -> int:
        if position < self.searched_from or 0 <= self.found < position:
            self.searched_from = position
            self.found = self.text.find("-----END", position)
        return self.found


def _key_block_end(text: str, header_end: int, ends: _EndMarkers) -> int | None:
    """The end of a private key block whose header ends at `header_end`: its END line, or the run of key
    material after the header; None when fewer than `_KEY_MATERIAL` key characters follow (code that
    looks for the marker, a placeholder)."""
    material = 0
    position = header_end
    limit = min(len(text), header_end + 64 * 1024)
    while position < limit and material < _KEY_MATERIAL:
        char = text[position]
        if char in _KEY_MATERIAL_CHARS:
            material += 1
        elif char == "\\" and text.startswith("\\n", position):
            position += 1  # a `\n` escape inside JSON or a Python string
        elif char not in " \t\r\n:-,.":
            break
        position += 1
    if material < _KEY_MATERIAL:
        return None
    end_marker = ends.next_at(position)
    if 0 <= end_marker <= header_end + 64 * 1024:
        close = text.find("-----", end_marker + 8, end_marker + 80)
        return close + 5 if close >= 0 else end_marker
    while position < limit and (text[position] in _KEY_MATERIAL_CHARS or text[position] in "\r\n\\"):
        position += 1
    return position


def _jwt_header(token: str) -> bool:
    """The first part of a JWT decodes to a JSON object (base64url, padding optional)."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        return isinstance(json.loads(decoded.decode("utf-8")), dict)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False


# `://user:password@`: the user part stops at the first `:`, the password at `@`; neither crosses a `/` (every
# `://` holds one, so an attempt reads at most to the next `://`) or a character that ends a URL in text.
_USERINFO_RE = re.compile(r"://[^\s'\"`<>()\[\]{},;|&\\/@:]{0,256}:(?P<s>[^\s'\"`<>()\[\]{},;|&\\/@]{1,1024})@")


def _url_passwords(text: str) -> list[Shape]:
    """`scheme://user:password@host` passwords (a scheme of letters, digits, `+.-` before `://`)."""
    found: list[Shape] = []
    for tried, match in enumerate(_USERINFO_RE.finditer(text)):
        if tried >= 4 * MAX_PER_KIND or len(found) >= MAX_PER_KIND:
            break
        mark = match.start()
        scheme_start = mark
        while scheme_start > 0 and mark - scheme_start < 32 and \
                (text[scheme_start - 1].isalnum() or text[scheme_start - 1] in "+.-"):
            scheme_start -= 1
        if scheme_start == mark or not text[scheme_start].isalpha():
            continue
        password = match.group("s")
        if not is_placeholder(password):
            found.append(Shape(URL_PASSWORD, password, match.start("s"), match.end("s")))
    return found


def url_scheme(text: str, password_start: int) -> str:
    """The scheme of the URL whose password starts at `password_start` (lower-cased)."""
    mark = text.rfind("://", 0, password_start)
    start = mark
    while start > 0 and mark - start < 32 and (text[start - 1].isalnum() or text[start - 1] in "+.-"):
        start -= 1
    return text[start:mark].lower()


# ------------------------------------------------------------------------------------------------ filters
# Stand-ins people write where a secret goes.
_PLACEHOLDER_WORDS = frozenset({
    "changeme", "change-me", "change_me", "changeit", "replace-me", "replace_me", "replaceme", "placeholder",
    "password", "passwd", "pass", "pwd", "secret", "token", "apikey", "api_key", "api-key", "dummy", "redacted",
    "todo", "tbd", "notset", "not-set", "unset", "none", "null", "undefined", "mytoken", "mysecret", "mypassword",
    "yourtoken", "yoursecret", "yourpassword", "example", "sample", "test", "xxx", "...",
})
_PLACEHOLDER_PREFIXES = ("your-", "your_", "yourtoken", "your.", "replace-with", "replace_with", "replace-me",
                         "insert-", "insert_", "enter-", "enter_", "put-", "put_", "<", "my-token", "my_token")


def is_placeholder(value: str) -> bool:
    """A stand-in for a secret, a reference to one, or a template field: never a credential."""
    text = value.strip()
    if not text or _templated(text):
        return True
    if secrets.classify(text) != secrets.LITERAL:
        return True
    lowered = text.lower()
    if lowered in _PLACEHOLDER_WORDS or lowered.startswith(_PLACEHOLDER_PREFIXES):
        return True
    distinct = set(lowered)
    if len(distinct) <= 2 and len(text) >= 3:  # xxxxxxxx, 00000000, x-x-x-x
        return True
    return "xxxxx" in lowered or "*****" in lowered or "....." in lowered


def _templated(text: str) -> bool:
    """Filled in elsewhere: `${X}` (also airguard's marker for unknown values), `$X`, `$(cmd)`, Jinja,
    a `str.format` field `{name}`, a `%(name)s` / `%s` field."""
    if "${" in text or "$(" in text or "{{" in text or "{%" in text or text.startswith("$"):
        return True
    if "%(" in text and ")s" in text or text == "%s":
        return True
    open_brace = text.find("{")
    return open_brace >= 0 and text.find("}", open_brace) > open_brace


_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest", "apikey", "api-key", "key", "sso-key", "splunk",
                           "dsn", "otp"})


def credential_part(value: str) -> str:
    """The credential in an `Authorization` value (`Bearer abc` -> `abc`); the value itself otherwise."""
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    if rest and scheme.lower() in _AUTH_SCHEMES:
        return rest.strip()
    return text


def _module_path(text: str) -> bool:
    """`airflow.sdk.execution_time.cache`, `.execution_time.cache`: a dotted import path."""
    parts = text.split(".")
    return len(parts) >= 2 and len(text) <= 256 and \
        all(part.isidentifier() for part in parts if part) and sum(1 for part in parts if part) >= 2


def names_a_secret(value: str) -> bool:
    """A value that names a secret rather than being one: a field or key name (`"password"`,
    `"api_key"`), an environment variable name (`"WAREHOUSE_PASSWORD"`), a secret id or path in a store
    (`"prod/orders/db"`, `"/airflow/connections/x"`), an ARN, a file path."""
    text = value.strip()
    if not text:
        return False
    if text.startswith(("arn:", "/", "./", "../", "~/", "file:", "s3://", "gs://", "ssm:", "vault:",
                        "secretsmanager:")):
        return True
    lowered = text.lower()
    if lowered.endswith((".pem", ".key", ".crt", ".cert", ".p12", ".pfx", ".jks", ".json", ".yaml", ".yml",
                         ".txt", ".conf", ".ini", ".cfg")) and " " not in text:
        return True
    if "/" in text and all(c.islower() or c.isdigit() or c in "/_-." for c in text):
        return True  # a secret's name in a store: lower-case words with slashes
    # an environment variable's name; "password", "api_key", "db_password": the key a secret is read under;
    # a dotted import path (`"SecretCache": "airflow.sdk.execution_time.cache"`)
    return _env_name(text) or (_field_name(text) and name_strength(text) is not None) or _module_path(text)


def _env_name(text: str) -> bool:
    """`WAREHOUSE_PASSWORD`: upper-case words joined by `_` (two or more), the first starting with a letter."""
    parts = text.split("_")
    return 2 <= len(parts) <= 16 and len(text) <= 128 and text[:1].isalpha() and \
        all(part and part.isascii() and (part.isupper() or part.isdigit()) and part.isalnum() for part in parts) and \
        sum(part.isalpha() for part in parts) >= 2


def _field_name(text: str) -> bool:
    """`password`, `api_key`, `db-password`: lower-case words joined by `_`, `-` or `.`."""
    if len(text) > 128 or not text[:1].isalpha() or not text.isascii():
        return False
    return all(part.isalnum() and not any(c.isupper() for c in part)
               for part in text.replace("-", "_").replace(".", "_").split("_"))


# ------------------------------------------------------------------------------------------------ names
# Name words that make a literal a secret on their own; pairs of words that do.
_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pw", "pass", "pword"})
_STRONG_WORDS = _PASSWORD_WORDS | frozenset({
    "secret", "secrets", "token", "tokens", "credential", "credentials", "creds", "apikey", "privatekey",
    "authorization", "bearer", "passcode"})
# `<word> key` names that are secrets whatever the value looks like: `secret_literals.KEY_NAME_PAIRS`.
_STRONG_PAIRS = KEY_NAME_PAIRS | frozenset({("client", "secret"), ("auth", "token"), ("consumer", "secret"),
                                            ("webhook", "secret")})
_STRONG_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "pwd", "passphrase", "credentials")
# A name ending in one of these holds something about a secret, not the secret (`*_SECRET_NAME`, `SecretId`).
_NOT_SECRET_LAST = frozenset({
    "id", "ids", "name", "names", "arn", "arns", "path", "paths", "file", "files", "dir", "folder", "url", "uri",
    "urls", "host", "hostname", "port", "user", "username", "login", "email", "prefix", "suffix", "env", "var",
    "vars", "field", "fields", "header", "headers", "type", "len", "length", "ttl", "seconds", "minutes",
    "hours", "days", "timeout", "enabled", "enable", "disabled", "disable", "region", "bucket", "cmd",
    "command", "mode", "version", "policy", "rotation", "expiry", "expires", "expiration", "format",
    "algorithm", "size", "count", "backend", "class", "kind", "scope", "scopes", "location", "endpoint",
    "ref", "source", "store", "provider", "template", "pattern", "lookup", "required", "rotate", "flag",
    "key_id", "keyid", "hint", "schema", "prompt", "label", "description", "manager", "hook",
    "client", "session", "sessions", "sensor", "operator", "param", "params", "attr", "attribute", "key_name",
    "column", "table", "index", "cls", "callback", "fn", "func", "value_from", "generator", "regex", "re"})
_NOT_SECRET_LAST_PAIRS = frozenset({("key", "id"), ("key", "name"), ("secret", "name"), ("conn", "id"),
                                    ("token", "url"), ("token", "uri"), ("token", "endpoint"),
                                    ("secret", "ref"), ("key", "ref")})


def name_words(name: str) -> list[str]:
    """`DD_API_KEY` / `apiKey` / `slack-webhook.url` / `_WAREHOUSE_PW` -> lower-case words."""
    words: list[str] = []
    current = ""
    previous = ""
    for char in name[:256]:
        if not char.isalnum():
            if current:
                words.append(current.lower())
            current = ""
        elif char.isupper() and (previous.islower() or previous.isdigit()) and current:
            words.append(current.lower())
            current = char
        else:
            current += char
        previous = char
    if current:
        words.append(current.lower())
    return words


def name_strength(name: str) -> str | None:
    """'strong' when a literal under this name is a secret (`*_PASSWORD`, `*_PW`, `*_TOKEN`, `api_key`,
    `client_secret`, `Authorization`), 'weak' when it is one only if the value looks like a key
    (`*_KEY`), None otherwise (`*_conn_id`, `SecretId`, `*_SECRET_NAME`, `password_env_var`, `token_url`)."""
    known = _STRENGTHS.get(name, False)
    if known is not False:
        return known  # type: ignore[return-value]
    lowered = name.lower()
    strength = _name_strength(name) if any(part in lowered for part in _NAME_PARTS) else None
    if len(_STRENGTHS) >= 4096:
        _STRENGTHS.clear()
    _STRENGTHS[name] = strength
    return strength


# Every secret name holds one of these (lower-cased): other names are judged without splitting them.
_NAME_PARTS = ("pw", "pas", "secret", "token", "cred", "authoriz", "bearer", "key", "pword")
_STRENGTHS: dict[str, str | None] = {}  # names judged so far (a file's keys and arguments repeat)


# Short password words that are password words only at the end of a name (`DB_PASS`, `_WAREHOUSE_PW`), not at
# its start (`PassStateEntered`, `pass_through`, `pw_policy`).
_LAST_ONLY = frozenset({"pass", "pw", "pwd"})


def _name_strength(name: str) -> str | None:
    words = name_words(name)
    if not words:
        return None
    if words[-1] not in _LAST_ONLY:
        words = [word for word in words if word not in _LAST_ONLY]
        if not words:
            return None
    last = words[-1]
    if last in _NOT_SECRET_LAST or (len(words) >= 2 and (words[-2], last) in _NOT_SECRET_LAST_PAIRS):
        return None
    if any(word in _STRONG_WORDS or word.endswith(_STRONG_ENDINGS) for word in words):
        return "strong"  # `pgpassword`, `apitoken`, `clientsecret` written as one word too
    if any(pair in _STRONG_PAIRS for pair in pairwise(words)):
        return "strong"
    if last in ("key", "keys") or last.endswith("key") and len(last) <= 12:
        return "weak"
    return None


def is_password_name(name: str) -> bool:
    """`*_PASSWORD`, `*_PW`, `passwd`, `DB_PASS`: a name for a password (not just any secret)."""
    return any(word in _PASSWORD_WORDS for word in name_words(name))


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def key_like(value: str) -> bool:
    """A value shaped like a generated key: 16+ characters without spaces, letters and digits, varied."""
    text = value.strip()
    # (`any(map(str.isspace, text))`: a test per character without a generator's frame)
    if len(text) < 16 or len(text) > 4096 or any(map(str.isspace, text)):
        return False
    if not (any(map(str.isdigit, text)) and any(map(str.isalpha, text))):
        return False
    parts = text.replace("-", "_").replace(".", "_").split("_")
    if len(parts) >= 2 and all(part.isalpha() or (part.isdigit() and len(part) <= 4) for part in parts if part):
        return False  # `created_at_2024`, `orders-v2`: words and a small number, a name
    return entropy(text) >= 3.0


_HEX = frozenset("0123456789abcdefABCDEF")
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=")


def aws_secret_like(value: str) -> bool:
    """A secret access key: 40 base64 characters, mixed case and digits (not a hex digest)."""
    text = value.strip()
    if len(text) != 40 or not set(text) <= _BASE64 or set(text) <= _HEX:
        return False
    return any(c.islower() for c in text) and any(c.isupper() for c in text) and any(c.isdigit() for c in text)


def detect_named(name: str, value: str) -> str | None:
    """The kind of secret a literal `value` written under `name` is, or None: a shape first (whatever the
    name), then what the name says of the value."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or _templated(text) or secrets.classify(text) != secrets.LITERAL:
        return None
    kind = detect(text)
    if kind is not None:
        return kind
    kind = _named_shape(name, text)
    if kind is not None:
        return kind if kind != _NO_KIND else None
    strength = name_strength(name)
    if strength is None:
        return None
    # A weakly secret name (`key`, `s3_key`) holds a secret only in a key-like value: that test goes first, as
    # most values under such names are paths and words, which it lets go before the filters below.
    if strength == "weak" and not (key_like(text) and not _identifier(text)):
        return None
    credential = credential_part(text)
    if is_placeholder(credential) or names_a_secret(text) or _not_a_value(name, credential):
        return None
    if strength == "strong":
        if is_password_name(name):
            return PASSWORD
        # a token, secret or key is generated: a bare word or identifier under such a name is a name or a
        # mode (`"input_token": "next_marker"`, `HttpTokens="optional"`), not the token
        return None if _word_like(credential) else SECRET
    return GENERIC_HIGH_ENTROPY  # a weak name and a key-like value (tested above)


_NO_KIND = ""  # _named_shape: the name says which key it is, and the value is not that key


def _named_shape(name: str, text: str) -> str | None:
    """The AWS secret access key or Datadog key a name says `text` is (`_NO_KIND` when the name says it is
    a Datadog key and the value does not fit), None when the name says neither."""
    # Every name these words come from holds them in its lower-cased text: most names hold none and are not
    # split into words.
    lowered = name.lower()
    if "secret" not in lowered and "dd" not in lowered and "datadog" not in lowered:
        return None
    words = name_words(name)
    word_set = set(words)
    if ("aws" in word_set and "secret" in word_set or ("secret", "access") in set(pairwise(words))) \
            and aws_secret_like(text):
        return AWS_SECRET_ACCESS_KEY
    if word_set & {"dd", "datadog"} and "key" in word_set and set(text) <= _HEX:
        if "app" in word_set or "application" in word_set:
            return DATADOG_APP_KEY if len(text) == 40 else _NO_KIND
        return DATADOG_API_KEY if len(text) == 32 else _NO_KIND
    return None


def _not_a_value(name: str, text: str) -> bool:
    """Under a secret name, text that is no secret: a small number (an error code, a flag), prose (a
    label: `"AWS Secret Access Key"`, `"Password for the index (will be masked)"`), the name itself
    (`PassStateEntered = "PassStateEntered"`)."""
    if text.isdigit() and len(text) < 6:
        return True
    words = text.split(maxsplit=16)[:16]
    if len(words) >= 2 and sum(1 for word in words if word.strip("()[],.:;!?'\"").isalpha()) >= 2:
        return True
    if len(text) > 2 * len(name) + 8:
        return False
    squashed = "".join(c for c in text.lower() if c.isalnum())
    return bool(squashed) and squashed == "".join(c for c in name.lower() if c.isalnum())


def _word_like(text: str) -> bool:
    """Words (`marker`, `next_marker`, `NextToken`, `optional`): letters and `_-.` only, each word of two
    letters or more with a vowel; random letters (`dXNlcjpwYXNz`, base64) are not words."""
    if len(text) > 64 or not all(c.isalpha() or c in "_-." for c in text):
        return False
    words = name_words(text)
    return bool(words) and all(len(word) >= 2 and any(v in word for v in "aeiouy") for word in words)


def _identifier(text: str) -> bool:
    """A UUID or a hex digest: an id, not a key (unless a name says which key it is)."""
    parts = text.split("-")
    if [len(part) for part in parts] == [8, 4, 4, 4, 12] and all(set(part) <= _HEX for part in parts):
        return True
    return len(text) >= 32 and set(text) <= _HEX
