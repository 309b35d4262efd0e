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

from scanner.secret_literals import AWS_KEY_ID_PREFIXES

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
    "changeme", "change-me", "change_me", "replace-me", "replace_me", "replaceme",
}
_REFERENCE_RE = re.compile(
    r"""^\s*(?:
        \$\{[^}]+\}            # ${VAR} / ${VAR:-default}
      | \$[A-Za-z_][A-Za-z0-9_]*  # $VAR
      | \{\{.*\}\}             # Jinja {{ ... }}
      | \{%.*%\}
      | <(?:\s*[A-Za-z_-](?:[A-Za-z_ -]*[A-Za-z_-])?\s*|[^\S ]*[ ]\s*)>   # <password> (`<\s*[A-Za-z_ -]+\s*>`)
      | %\([A-Za-z_]+\)s       # %(password)s
    )\s*$""",
    re.VERBOSE | re.DOTALL,
)
_MASKED_RE = re.compile(r"^\*+$|^x+$", re.IGNORECASE)
# `<password>`: `^\s*<\s*[A-Za-z_ -]+\s*>\s*$` written so that no two quantifiers can share a space (that
# pattern tries every split of a run of spaces between `[A-Za-z_ -]+` and `\s*`: quadratic in the run).
_ANGLE_PLACEHOLDER_RE = re.compile(r"^\s*<(?:\s*[A-Za-z_-](?:[A-Za-z_ -]*[A-Za-z_-])?\s*|[^\S ]*[ ]\s*)>\s*$")

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
        if _ANGLE_PLACEHOLDER_RE.match(text):
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
    """A key whose literal value is a credential (a finding where it is written)."""
    return bool(SECRET_KEY_RE.search(key)) and not _NOT_SECRET_KEYS.match(key)


# The names Airflow itself masks in logs and the UI (airflow/_shared/secrets_masker DEFAULT_SENSITIVE_FIELDS,
# matched as it matches them: a substring of the lower-cased name with non-word runs turned into "_").
AIRFLOW_SENSITIVE_FIELDS = frozenset({
    "access_key", "access_token", "api_key", "apikey", "auth_header", "authorization", "bearer",
    "connection_string", "dsn", "passphrase", "passwd", "password", "private_key", "proxy", "proxy_password",
    "proxies", "secret", "service_account", "service_key", "token", "keyfile_dict", "webhook_url",
})


# Names the scanned deployment adds to Airflow's list (`[core] sensitive_var_conn_names`, or its
# AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES variable), found before the files are collected
# (`scanner.collect.sensitive_names`); part of every file-cache key.
EXTRA_SENSITIVE_FIELDS: frozenset[str] = frozenset()
_SENSITIVE_FIELDS = AIRFLOW_SENSITIVE_FIELDS  # Airflow's and the extra names: set with them, not per key


def set_extra_sensitive_fields(names: frozenset[str]) -> None:
    global EXTRA_SENSITIVE_FIELDS, _SENSITIVE_FIELDS
    EXTRA_SENSITIVE_FIELDS = names
    _SENSITIVE_FIELDS = AIRFLOW_SENSITIVE_FIELDS | names


def is_sensitive_key(key: str) -> bool:
    """A key whose value airguard never shows: every secret key, and every name Airflow masks (its own
    list and the names the scanned configuration adds to it)."""
    if is_secret_key(key):
        return True
    lowered = key.strip().lower()
    normalized = "".join(char if char.isalnum() or char == "_" else "_" for char in lowered)
    return any(field in normalized for field in _SENSITIVE_FIELDS) and not _NOT_SECRET_KEYS.match(key)


# Credential shapes masked even when nobody registered them. Every pattern here runs on attacker-written text
# and takes time linear in it (tests/hostile/test_regex_linear.py): a match is tried once per run of name
# characters (a lookbehind says "the run starts here"), never from each letter of a long word, and no two
# adjacent quantifiers can trade characters. The groups are those of the plain forms in the comments.
# `[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s'"]*:` + password + `@`: the scheme starts at the run's first letter.
_URI_USERINFO_RE = re.compile(
    r"(?<![A-Za-z0-9+.\-])[0-9+.\-]*(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s'\"]*:)(?P<pw>[^@/\s'\"]+)(?P<at>@)")
_AWS_SECRET_RE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
_AWS_KEY_ID_RE = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
# `\b[\w.-]*(?:password|...)[\w.-]*\b["']?\s*[:=]\s*["']?` + value: the name is the whole run of `[\w.-]` from
# its first word character (skipped `.`/`-` come before group k), checked for a keyword by one lookahead and
# taken atomically (a lookahead and its back-reference), so a run is read a bounded number of times.
_ASSIGNMENT = (
    r"(?<![\w.-])[.-]*(?=\w)"
    r"(?P<k>(?=[\w.-]*?(?:password|passwd|secret|token|fernet_key|pgpassword))(?=(?P<name>[\w.-]*))(?P=name)"
    r"\b[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<v>[^\s\"',}]{2,})"
)
_ASSIGNMENT_RE = re.compile("(?i)" + _ASSIGNMENT)
_MYSQL_P_RE = re.compile(r"(?P<k>\s-p)(?P<v>[^\s'\"]{2,})")
_IDENTIFIED = r"(?P<k>(?:identified\s+by|password)\s+')(?P<v>[^']+)(?=')"
_IDENTIFIED_RE = re.compile("(?i)" + _IDENTIFIED)
# The two case-blind patterns as they are, without IGNORECASE (their letters are lower case): they find the
# matches in an ASCII text's lower-case copy, where case-blind matching is lower-casing (no 'ſ' or 'K' to
# match 's' or 'k'), at half the cost (`_sub_case_blind`).
_ASSIGNMENT_LOWER_RE = re.compile(_ASSIGNMENT)
_IDENTIFIED_LOWER_RE = re.compile(_IDENTIFIED)


# Characters that glue a match to a longer name (`dbt-postgres-issue/`, `tests/`, `airflow.cfg`): a secret
# is masked where it stands alone, never inside a path, id or host. (A backslash is an escape, not glue:
# `\"secret\"` inside a JSON string holding JSON.)
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")


def encoded_forms(text: str) -> set[str]:
    """The ways a value can be written where it was found: as is, URL-encoded, JSON/Python-escaped
    (ASCII-escaped too, as `\\u0041`), `%`-doubled for configparser, and each line of a multi-line value."""
    # Each form made by one C call where Python has one (a scan registers a secret per place it is read:
    # 8,700 at 20,000 files, a join of f-strings per byte was half the time). `quote` keeps "/" by default
    # and `quote_plus` turns " " into "+": without those characters both are `quote(text, safe="")`.
    quoted = quote(text, safe="")
    forms = {text, quoted, quote(text) if "/" in text else quoted, quote_plus(text) if " " in text else quoted,
             _json_ascii(text)[1:-1], _json_unicode(text)[1:-1], repr(text)[1:-1], text.replace("%", "%%"),
             "%" + text.encode("utf-8").hex("%").upper() if text else "", text.translate(_HEX_ESCAPES)}
    if "\n" in text:
        forms.update(line.strip() for line in text.splitlines())
    return {form for form in forms if form}


# `json.dumps(text)` and `json.dumps(text, ensure_ascii=False)` of a str: the encoders' C string functions
_json_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_json_unicode: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
# Python's `\\xNN` escape of every character below 256 (others stay as they are)
_HEX_ESCAPES = {code: f"\\x{code:02x}" for code in range(256)}


class Redactor:
    """Knows every secret value of a scan and where it was read; masks them by position, not by word.

    - A finding's snippet (`snippet`) masks the secrets of its own file only, where they stand as whole
      tokens; a line where a secret was read but cannot be seen whole (escaped, split, too short, part of
      a longer token) shows no snippet at all.
    - Free text (`scrub`: messages, names, notices) masks secrets of 8+ characters where they stand as
      whole tokens, then credential shapes (URI passwords, AWS keys, assignments).
    Paths, rule names, settings and schemes are never passed through either, so a password such as
    `postgres` cannot change `dbt-postgres-issue/` or `postgresql://`.
    """

    MIN_EXACT = 3       # shorter values are never searched for: the lines they were read from show no snippet
    MIN_SUBSTRING = 8   # values masked in free text (shorter ones are too often ordinary words)
    SNIPPET_WINDOW = 2048  # characters of a line looked at for a snippet (snippets are cut far shorter)

    # A file's forms are kept as a tuple, in the order they came, up to this many (most files hold a handful:
    # an index per file, its dicts and lists, was 1 KB a file, a tenth of a large scan's memory per file);
    # past it, in a `_FormIndex` (a hostile file holding thousands is still read in one pass).
    FILE_FORMS = 16

    # Whether a registered value's forms wait for the next read (`_unfiled`): for a file's own redactor
    # (`scanner.collect.unit.RecordingRedactor`), which seldom reads. The scan's redactor files them as they
    # come, its free-text index's pieces too: it registers while worker processes still analyse, so the work
    # overlaps theirs (deferred, it was done by the first scrub of the evaluation, after every worker had
    # finished: 40M of the serial tail's instructions on /tmp/bt/dense).
    DEFER_FILING = False

    def __init__(self) -> None:
        self._by_path: dict[str | None, tuple[str, ...] | _FormIndex] = {}
        # (path, line) -> the values read there; their forms are made again for a snippet of that line
        # (`encoded_forms`, a few us): a set of forms per place read was the largest part of this map
        self._at_line: dict[tuple[str, int], list[str]] = {}
        self._free = _FormIndex(self.MIN_SUBSTRING)
        # (value, path) registered since a text was last read: their forms are made and filed (`_file_all`)
        # when one is (every reading method files them first). A file's secrets are registered with its own
        # redactor, which seldom reads a text (the scan's redactor registers them again): their forms were
        # most of a registration's work.
        self._unfiled: list[tuple[str, str | None]] = []

    def register(self, value: Any, path: str | None = None, line: int | None = None) -> None:
        """Remember a secret value; `path`/`line` say where it was read."""
        if value is None:
            return
        text = str(value)
        if classify(text) != LITERAL:
            return
        if not text.isascii():
            text.encode("utf-8")  # a text no form can be made of fails here, as making its forms did
        if path is not None and line is not None:
            # appended, not a tuple rebuilt: a minified line holding 20,000 secrets took 1.3 s that way
            self._at_line.setdefault((path, line), []).append(text)
        if self.DEFER_FILING:
            self._unfiled.append((text, path))
        else:
            self._file(text, path)

    def _file_all(self) -> None:
        """File the forms of the values registered since a text was last read, in the order they came."""
        if self._unfiled:
            unfiled, self._unfiled = self._unfiled, []
            for text, path in unfiled:
                self._file(text, path)

    def _file(self, text: str, path: str | None) -> None:
        forms = encoded_forms(text)
        in_file = self._by_path.get(path, ())
        for form in forms:
            if len(form) >= self.MIN_EXACT:
                in_file = self._file_add(in_file, form)
            if len(form) >= self.MIN_SUBSTRING and not _plain_word(form):
                self._free.add(form)
        self._by_path[path] = in_file

    def _file_add(self, in_file: tuple[str, ...] | _FormIndex, form: str) -> tuple[str, ...] | _FormIndex:
        """A file's forms with `form` added (once; in the order they came)."""
        if type(in_file) is not tuple:
            in_file.add(form)
            return in_file
        if form in in_file:
            return in_file
        if len(in_file) < self.FILE_FORMS:
            return (*in_file, form)
        index = _FormIndex(self.MIN_EXACT)
        for held in (*in_file, form):
            index.add(held)
        return index

    def _file_spans(self, path: str | None, text: str) -> list[tuple[int, int]]:
        """Where the secrets of file `path` stand in `text` as whole tokens, in order (as `_FormIndex.spans`)."""
        self._file_all()
        in_file = self._by_path.get(path)
        if in_file is None:
            return []
        if type(in_file) is not tuple:
            return in_file.spans(text)
        found: list[tuple[int, int, int]] = []   # (start, rank of the form, end)
        for rank, form in enumerate(in_file):
            start = text.find(form)
            while start >= 0:
                end = start + len(form)
                if _bounded(text, start, end, form):
                    found.append((start, rank, end))
                start = text.find(form, start + 1)
        if len(found) > 1:
            found.sort()
        return [(start, end) for start, _, end in found]

    def snippet(self, path: str, line: int, text: str, limit: int = 240,
                patterns: Callable[[str], str] | None = None) -> str | None:
        """Line `line` of file `path`, its secrets masked and cut to `limit` characters; None when a
        secret read on this line cannot be masked with certainty. `patterns` masks the credential shapes:
        `scrub_patterns` (None) or a memo of it (`scanner.engine.evaluate.Shared`: files repeat lines)."""
        window = text[: limit + self.SNIPPET_WINDOW]
        spans = self._file_spans(path, window)
        read_here = self._at_line.get((path, line))
        if read_here and not self._all_masked(read_here, {window[start:end] for start, end in spans}):
            return None
        masked = (patterns or scrub_patterns)(_masked(window, spans))
        return masked if len(masked) <= limit else masked[: limit - 1] + "…"

    def _all_masked(self, values: list[str], masked: set[str]) -> bool:
        """Whether each of `values` (read on a line) is masked there: one of its forms is among the `masked`
        texts. A value written as is (nearly always) is the first of its forms: the others are made (a few
        us) only for a value not found as it is."""
        for value in values:
            if len(value) < self.MIN_EXACT:
                return False  # too short to search for
            if value not in masked and masked.isdisjoint(encoded_forms(value)):
                return False  # written in a form not recognised
        return True

    def scrub_in_file(self, path: str | None, text: str) -> str:
        """Free text written in file `path` (a suppression's reason): that file's secrets, then `scrub`."""
        self._file_all()
        if path in self._by_path:
            text = _masked(text, self._file_spans(path, text))
        return self.scrub(text)

    def scrub(self, text: str) -> str:
        """Free text: known secrets of 8+ characters where they stand as whole tokens, then credential shapes."""
        if not text:
            return text
        self._file_all()
        return scrub_patterns(_masked(text, self._free.spans(text)))


def _plain_word(form: str) -> bool:
    """`postgres`, `changeme`: lower-case words are masked in their own file, not in free text."""
    return form.isalpha() and form.islower()


def _bounded(text: str, start: int, end: int, form: str) -> bool:
    """The match is a whole token: no word character glued to it on a side where the form has one."""
    if start > 0 and form[0] in _WORD and text[start - 1] in _WORD:
        return False
    if text.startswith("://", end):  # a URI scheme, never a password
        return False
    return not (end < len(text) and form[-1] in _WORD and text[end] in _WORD)


class _FormIndex:
    """Secret forms by three-character pieces: finding every one of them in a text costs one pass over the
    text, however many secrets a file or a scan holds.

    Every form is at least `min_length` characters long, so the pass looks at every `stride`-th place only
    (stride = min_length - 2): a form standing at place p holds, at offset j = q - p, the piece at the one
    looked-at place q in p..p+stride-1, and each form is filed under its pieces at offsets 0..stride-1.
    Free text (forms of 8+ characters) is read at every sixth place, a file's snippet line at every place.

    A piece files the (offset, length) of its forms, not the forms: the text at `q - offset` of that length
    is one of them exactly when it is a known form (`_forms`), whose piece at that offset is then the one read
    at q. Patterned secrets (a team's Company2024-xx) share pieces and lengths, so a scan's secrets take a
    few pairs per piece (a form per piece and offset, in lists and sets, was 0.6 KB a secret), and the work
    at a place is bounded by a piece's offsets x lengths, however many secrets share them.

    Forms are filed under their pieces as they come. (A file's own redactor, which seldom reads a text, adds
    them only when it first reads one: `Redactor.DEFER_FILING`.)"""

    __slots__ = ("_by_piece", "_forms", "_pairs", "_stride", "min_length")

    # A piece's pairs are a tuple up to this many, then a set (added to without a scan of the tuple)
    GROUP_AT = 32

    def __init__(self, min_length: int = 3) -> None:
        self.min_length = min_length
        self._stride = min_length - 2
        # piece -> the (offset, length) of the forms holding it at an offset below the stride
        self._by_piece: dict[str, tuple[tuple[int, int], ...] | set[tuple[int, int]]] = {}
        self._forms: dict[str, int] = {}   # form -> the order it came in (spans at one place keep it)
        # length -> the (offset, length) pairs of a form of that length, offsets 0..stride-1: one tuple object
        # per pair, shared by every piece filing it
        self._pairs: dict[int, tuple[tuple[int, int], ...]] = {}

    def add(self, form: str) -> None:
        if len(form) < self.min_length:
            raise ValueError("a form shorter than the index's minimum length")
        if form not in self._forms:
            self._forms[form] = len(self._forms)
            self._file(form)

    def pieces(self) -> dict[str, tuple[tuple[int, int], ...] | set[tuple[int, int]]]:
        """Piece -> its (offset, length) pairs."""
        return self._by_piece

    def _file(self, form: str) -> None:
        length = len(form)
        pairs = self._pairs.get(length)
        if pairs is None:
            pairs = self._pairs[length] = tuple((offset, length) for offset in range(self._stride))
        by_piece = self._by_piece
        for offset, pair in enumerate(pairs):
            piece = form[offset:offset + 3]
            entries = by_piece.get(piece, ())
            if type(entries) is not tuple:
                entries.add(pair)
            elif pair not in entries:
                entries = (*entries, pair)
                by_piece[piece] = entries if len(entries) <= self.GROUP_AT else set(entries)

    # An index of at most this many prefixes (a file's few secrets) is looked up prefix by prefix, each
    # with str.find (a pass over the text in C); a larger one reads the text once, place by place.
    FIND_LIMIT = 16

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Every place one of the forms stands in `text` as a whole token (`_bounded`), in order."""
        if not self._forms:
            return []
        by_piece = self.pieces()
        if self._stride > 1 or len(by_piece) > self.FIND_LIMIT:
            return self._read_through(text)
        found: list[tuple[int, int]] = []
        for prefix, entries in by_piece.items():
            position = text.find(prefix)
            while position >= 0:
                self._whole_at(text, position, entries, found)
                position = text.find(prefix, position + 1)
        return self._ordered(text, found)

    def _read_through(self, text: str) -> list[tuple[int, int]]:
        """`spans` in one pass, at every `stride`-th place: linear in the text however many forms it holds."""
        found: list[tuple[int, int]] = []
        get = self._by_piece.get
        for position in range(0, len(text) - 2, self._stride):
            entries = get(text[position:position + 3])
            if entries:
                self._whole_at(text, position, entries, found)
        return self._ordered(text, found)

    def _ordered(self, text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """By start, and forms standing at one place in the order they were added."""
        if len(found) > 1:
            rank = self._forms
            found.sort(key=lambda span: (span[0], rank[text[span[0]:span[1]]]))
        return found

    def _whole_at(self, text: str, position: int, entries: tuple[tuple[int, int], ...] | set[tuple[int, int]],
                  found: list[tuple[int, int]]) -> None:
        """The forms filed under the piece at `position` that stand around it as whole tokens."""
        forms = self._forms
        size = len(text)
        for offset, length in entries:
            start = position - offset
            end = start + length
            if start >= 0 and end <= size:
                form = text[start:end]
                if form in forms and _bounded(text, start, end, form):
                    found.append((start, end))


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each of `spans` (overlapping or not, in any order) replaced by the mask; `text` itself when
    there are none, as for nearly every text a report holds."""
    return _apply(text, _merged(spans)) if spans else text


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in spans:
        start = max(start, last)
        parts.append(text[last:start])
        parts.append(MASK)
        last = max(last, end)
    parts.append(text[last:])
    return "".join(parts)


# `://[^:/@\s]*:(?P<pw>[^@\s]+)@`, matched by `uri_passwords` in two steps: the user part (which ends before
# the next `://`), then the password up to the first `@` or space. That end is looked up once per stretch of
# text, not again for every `://` inside a long password-shaped run (quadratic as one regex).
_USERINFO_USER_RE = re.compile(r"://[^:/@\s]*:")
_AT_OR_SPACE_RE = re.compile(r"[@\s]")


def uri_passwords(text: str) -> list[str]:
    """Passwords in ``scheme://user:password@`` userinfo, found without parsing (for unparseable values)."""
    found: list[str] = []
    position, stop = 0, -1  # stop: the first '@' or space at or after the last password start (or the end)
    while (start := text.find("://", position)) >= 0:
        user = _USERINFO_USER_RE.match(text, start)
        if user is None:
            position = start + 1
            continue
        begin = user.end()  # grows from one `://` to the next: a user part holds no ':' or '/'
        if begin > stop:
            hit = _AT_OR_SPACE_RE.search(text, begin)
            stop = hit.start() if hit is not None else len(text)
        if stop == len(text):
            break  # no '@' after this one: no password after it either
        if text[stop] != "@":
            position = max(start + 1, stop)  # a space: every `://` before it ends the same way
        elif stop > begin:
            found.append(text[begin:stop])
            position = stop + 1
        else:
            position = start + 1
    return found


def redact_tree(value: Any, register: Callable[[Any], None], key: str = "") -> tuple[Any, bool]:
    """Replace the values of sensitive keys inside JSON-like data by markers (a whole object or list under
    a sensitive key, such as `keyfile_dict`, becomes one marker).

    Every replaced value is passed to `register`; the flag says whether any of them was a literal credential
    (a value under a secret key: `is_secret_key`; names Airflow masks but that hold no credential, such as
    `proxy`, are hidden without being a finding).
    """
    if key and isinstance(value, (dict, list)) and is_sensitive_key(key):
        leaves: list[Any] = []
        _, found = redact_tree(value, leaves.append)
        for leaf in _scalar_leaves(value):
            register(leaf)
        return marker(json.dumps(value, default=str)), found or (is_secret_key(key) and any(
            classify(leaf) == LITERAL for leaf in _scalar_leaves(value)))
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
    if key and is_sensitive_key(key) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        register(value)
        return marker(value), classify(value) == LITERAL and is_secret_key(key)
    return value, False


def _scalar_leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _scalar_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _scalar_leaves(item)]
    return [] if value is None or isinstance(value, bool) else [value]


def _keep_reference(match: re.Match[str], group: str) -> bool:
    return classify(match.group(group)) != LITERAL


def _uri_sub(m: re.Match[str]) -> str:
    if _keep_reference(m, "pw") or m.group("pw") == MASK:
        return m.group(0)
    return f"{m.string[m.start():m.start('pw')]}{MASK}{m.group('at')}"


def _kv_sub(m: re.Match[str]) -> str:
    if _keep_reference(m, "v") or m.group("v").startswith(MASK) or _inside_arn(m):
        return m.group(0)
    return f"{m.string[m.start():m.start('v')]}{MASK}"


def _key_id_sub(m: re.Match[str]) -> str:
    return m.group(1) + MASK


def _secret_sub(m: re.Match[str]) -> str:
    return MASK if _looks_like_aws_secret(m.group(0)) else m.group(0)


def scrub_patterns(text: str) -> str:
    """Mask credential shapes: URI passwords, AWS keys, password assignments, SQL passwords."""
    # Each substitution is skipped where a literal every match holds is absent (a cheap test on long texts).
    if "://" in text:
        text = _URI_USERINFO_RE.sub(_uri_sub, text)
    if "A" in text and any(prefix in text for prefix in AWS_KEY_ID_PREFIXES):
        text = _AWS_KEY_ID_RE.sub(_key_id_sub, text)
    if len(text) >= 40:  # a key is 40 characters
        text = _AWS_SECRET_RE.sub(_secret_sub, text)
    if _may_hold_assignment(text):
        text = _sub_case_blind(_ASSIGNMENT_RE, _ASSIGNMENT_LOWER_RE, text)
    if "'" in text and _may_hold_keyword(text, _IDENTIFIED_KEYWORDS):
        text = _sub_case_blind(_IDENTIFIED_RE, _IDENTIFIED_LOWER_RE, text)
    if "-p" in text:
        text = _MYSQL_P_RE.sub(_kv_sub, text)
    return text


def _sub_case_blind(pattern: re.Pattern[str], lower_pattern: re.Pattern[str], text: str) -> str:
    """`pattern.sub(_kv_sub, text)` for a case-blind `pattern`; in an ASCII text its matches are found by
    `lower_pattern` (the same without IGNORECASE) in the lower-case copy, each then matched by `pattern` at
    the same place in `text`, so the substitution sees the text as written. Each match ends where the
    engine's own search would have gone on, as `sub` goes on."""
    if not text.isascii():
        return pattern.sub(_kv_sub, text)
    lowered = text.lower()
    pieces: list[str] = []
    done = 0   # the text up to here is in `pieces`
    while (found := lower_pattern.search(lowered, done)) is not None:
        match = pattern.match(text, found.start())
        if match is None or match.end() != found.end():   # never in ASCII text; not trusted with a secret
            return pattern.sub(_kv_sub, text)
        pieces += (text[done:match.start()], _kv_sub(match))
        done = match.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


_ASSIGNMENT_KEYWORDS = ("password", "passwd", "secret", "token", "fernet_key")
_IDENTIFIED_KEYWORDS = ("identified", "password")


def _may_hold_assignment(text: str) -> bool:
    """False only when `_ASSIGNMENT_RE` cannot match."""
    if "=" not in text and ":" not in text:
        return False
    return _may_hold_keyword(text, _ASSIGNMENT_KEYWORDS)


def _may_hold_keyword(text: str, keywords: tuple[str, ...]) -> bool:
    """False only when no keyword stands in `text`, in any case. Only ASCII texts are judged: in other
    text, case-insensitive matching also pairs letters such as 'ſ' with 's'."""
    if not text.isascii():
        return True
    lowered = text.lower()
    for keyword in keywords:  # a loop, not any(...): no generator for the few keywords of most texts
        if keyword in lowered:
            return True
    return False


_TOKEN_SEPARATORS = frozenset(" \t\r\n\"'=,([{")


def _inside_arn(match: re.Match[str]) -> bool:
    """`arn:aws:secretsmanager:…:secret:name` is a resource name, not `secret: value`."""
    text, start = match.string, match.start("k")
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
