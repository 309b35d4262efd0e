"""scanner.secrets: `_FormIndex.spans` finds a file's few secrets prefix by prefix (str.find) and many secrets at every
(min_length - 2)-th place of the text: the same spans, in the same order, as trying every form at every
place."""

from __future__ import annotations

import json
import random
from urllib.parse import quote, quote_plus

import pytest

from scanner.secrets import _bounded, _FormIndex, encoded_forms

ALPHABET = "ab-./_:@ \n%x"


def _every_place(forms: list[str], text: str) -> list[tuple[int, int]]:
    return [(start, start + len(form)) for start in range(len(text)) for form in forms
            if text.startswith(form, start) and _bounded(text, start, start + len(form), form)]


def test_spans_equal_trying_every_form_at_every_place() -> None:
    rng = random.Random(5)
    for _ in range(1500):
        min_length = rng.choice([3, 3, 4, 8])
        index = _FormIndex(min_length)
        forms: list[str] = []
        for _ in range(rng.randint(0, 2 * _FormIndex.FIND_LIMIT)):
            form = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(min_length, min_length + 4)))
            index.add(form)
            forms += [] if form in forms else [form]
            if rng.random() < 0.2:   # a text read between two forms: filed up to here, the rest later
                index.spans(form)
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        if forms and rng.random() < 0.5:  # plant some forms whole
            text += " ".join(rng.choice(forms) for _ in range(3))
        assert index.spans(text) == _every_place(forms, text), (min_length, forms, text)


def test_pieces_many_forms_share_are_grouped_with_the_same_spans() -> None:
    """Patterned secrets (a team's Company2024-xx) share pieces: a piece files (offset, length) pairs, a set
    past GROUP_AT of them; the spans stay those of trying every form at every place."""
    rng = random.Random(11)
    patterns = [(3, lambda n: f"Pa-{n % 7}{'x' * rng.randint(0, 6)}{n}"),
                (8, lambda n: f"Company2024-{n:03d}{'z' * (n % 5)}"),
                (8, lambda n: f"Company2024-{'z' * (n % 40)}{n:03d}")]   # 40 lengths: past GROUP_AT pairs
    for min_length, make in patterns:
        index = _FormIndex(min_length)
        forms: list[str] = []
        for n in range(400):
            form = make(n)
            if form not in forms:
                index.add(form)
                forms.append(form)
        for _ in range(200):
            text = " ".join(rng.choice(forms) if rng.random() < 0.6 else rng.choice(ALPHABET) * rng.randint(1, 9)
                            for _ in range(rng.randint(1, 8)))
            assert index.spans(text) == _every_place(forms, text)
    assert any(type(entries) is set for entries in index.pieces().values())


def test_reading_a_text_does_not_grow_with_the_secrets_sharing_its_pieces() -> None:
    """The work per place is bounded by the groups of a piece (offsets x lengths), not by its forms."""
    index = _FormIndex(8)
    for n in range(20_000):
        index.add(f"Company2024-{n:05d}")
    pairs = list(index.pieces().values())
    assert pairs and max(len(entries) for entries in pairs) <= 6   # stride 6 offsets x one length
    text = "password=Company2024-01234 other Company2024-99999x " * 20
    assert index.spans(text)[:1] == [(9, 26)]


def _forms_as_specified(text: str) -> set[str]:
    """`encoded_forms` written as its docstring says, one library call per form (the reference)."""
    forms = {text, quote(text, safe=""), quote_plus(text), quote(text), json.dumps(text)[1:-1],
             json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1], text.replace("%", "%%"),
             "".join(f"%{byte:02X}" for byte in text.encode("utf-8")),
             "".join(f"\\x{ord(char):02x}" if ord(char) < 256 else char for char in text)}
    if "\n" in text:
        forms.update(line.strip() for line in text.splitlines())
    return {form for form in forms if form}


def test_encoded_forms_are_the_specified_ones_on_random_values() -> None:
    rng = random.Random(11)
    alphabet = "aZ09 /%+-_.~!@#$&*()=?\\\"'\n\t\r\x00\x1f\x7f\x80\x9f\xff\u0100\u2028€ä😀<>{}[]:;,"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert encoded_forms(text) == _forms_as_specified(text), repr(text)
    assert encoded_forms("Plant3dSecret9/x y") >= {"Plant3dSecret9%2Fx%20y", "Plant3dSecret9/x%20y",
                                                   "Plant3dSecret9%2Fx+y", ("%50%6C%61%6E%74%33%64%53%65%63%72"
                                                                            "%65%74%39%2F%78%20%79")}


def test_many_secrets_read_on_one_line_are_kept_in_place_and_all_checked_for_its_snippet() -> None:
    """A minified file can hold thousands of secrets on one line: each registration appends to that line's
    entry (a tuple rebuilt per value made it quadratic: 20,000 values took 1.3 s), and the line's snippet
    still needs every one of them masked."""
    from scanner.secrets import Redactor

    redactor = Redactor()
    redactor.register("First-Secret-0001", "a.json", 1)
    kept = redactor._at_line[("a.json", 1)]
    for number in range(2, 3000):
        redactor.register(f"Secret-Value-{number:05d}", "a.json", 1)
    assert redactor._at_line[("a.json", 1)] is kept and len(kept) == 2999
    line = '{"a": "First-Secret-0001", "b": "Secret-Value-00002"}'
    assert redactor.snippet("a.json", 1, line) is None        # secrets read there that this text does not show
    assert redactor.snippet("a.json", 2, line) == '{"a": "****", "b": "****"}'


def _filed(redactor: object) -> tuple[object, ...]:
    """What a redactor has filed: each file's forms (a tuple, or an index's forms in order), the free-text forms
    in order, and the values read at each place."""
    by_path = {path: forms if type(forms) is tuple else list(forms._forms)  # type: ignore[attr-defined]
               for path, forms in redactor._by_path.items()}  # type: ignore[attr-defined]
    return by_path, list(redactor._free._forms), redactor._at_line  # type: ignore[attr-defined]


def test_values_filed_when_a_text_is_read_are_filed_as_when_registered() -> None:
    """A redactor that defers filing (`DEFER_FILING`: a file's own, `RecordingRedactor`) leaves a value's forms
    to be made and filed when a text is next read: it then holds what filing each at its registration gave
    (the scan's redactor, which files as values come), and reads texts the same."""
    from scanner.collect.unit import RecordingRedactor
    from scanner.secrets import Redactor

    rng = random.Random(5)
    values = ["Sup3r-S3cret", "pw", "postgres", "a b+c/d%e", "two\nlines-secret", "caf\u00e9-Passw0rd", "${REF}",
              *(f"Company2024-{n:03d}{'z' * (n % 9)}" for n in range(40))]
    filed_at_once, filed_when_read = Redactor(), RecordingRedactor()
    assert not Redactor.DEFER_FILING and RecordingRedactor.DEFER_FILING
    for number, value in enumerate(values):
        path, line = f"f{number % 3}.py", number % 5
        filed_at_once.register(value, path, line)
        filed_at_once._file_all()
        filed_when_read.register(value, path, line)
        if rng.random() < 0.2:
            text = " ".join(rng.choice(values) for _ in range(4))
            assert filed_when_read.scrub(text) == filed_at_once.scrub(text)
    for redactor in (filed_at_once, filed_when_read):
        redactor.register("Last-Secret-Value", "f1.py", 2)
    assert not filed_at_once._unfiled   # filed as it came
    assert filed_when_read._unfiled  # not yet filed
    text = " ".join(values)
    assert filed_when_read.scrub_in_file("f1.py", text) == filed_at_once.scrub_in_file("f1.py", text)
    assert _filed(filed_when_read) == _filed(filed_at_once)
    for line in range(5):
        assert filed_when_read.snippet("f2.py", line, text) == filed_at_once.snippet("f2.py", line, text)


def test_a_value_no_form_can_be_made_of_fails_at_its_registration() -> None:
    from scanner.secrets import Redactor

    with pytest.raises(UnicodeEncodeError):
        encoded_forms("lone-\ud800-surrogate")
    with pytest.raises(UnicodeEncodeError):
        Redactor().register("lone-\ud800-surrogate", "a.py", 1)


def test_case_blind_patterns_mask_as_their_own_sub_in_any_case() -> None:
    """`_sub_case_blind` finds the assignment and SQL-password matches in the lower-case copy of an ASCII text:
    the same text out as the case-blind pattern's own `sub`, in every mix of case, ASCII or not."""
    from scanner.secrets import (
        _ASSIGNMENT_LOWER_RE,
        _ASSIGNMENT_RE,
        _IDENTIFIED_LOWER_RE,
        _IDENTIFIED_RE,
        _kv_sub,
        _sub_case_blind,
    )

    atoms = ["password", "PassWord", "TOKEN", "passwd", "Secret", "fernet_KEY", "PGPASSWORD", "identified",
             "IDENTIFIED by", " BY ", "ſecret", "\u212a", "a", "1", "_", ".", "-", " ", "\t", "\x1c", "=", ":", "'",
             '"', ",", "}", "@", "/", "arn:", "****", "${V}", "%(x)S", "<p>", "é", "x"]
    rng = random.Random(20261202)
    changed = 0
    for _ in range(30_000):
        text = "".join(rng.choice(atoms) for _ in range(rng.randint(0, 14)))
        for pattern, lower in ((_ASSIGNMENT_RE, _ASSIGNMENT_LOWER_RE), (_IDENTIFIED_RE, _IDENTIFIED_LOWER_RE)):
            expected = pattern.sub(_kv_sub, text)
            assert _sub_case_blind(pattern, lower, text) == expected, (pattern.pattern, text)
            changed += expected != text
    assert changed > 1000
