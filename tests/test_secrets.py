"""scanner.secrets: `_FormIndex.spans` finds a file's few secrets prefix by prefix (str.find) and many secrets at every
(min_length - 2)-th place of the text: the same spans, in the same order, as trying every form at every
place."""

from __future__ import annotations

import random

from scanner.secrets import _bounded, _FormIndex

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
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        if forms and rng.random() < 0.5:  # plant some forms whole
            text += " ".join(rng.choice(forms) for _ in range(3))
        assert index.spans(text) == _every_place(forms, text), (min_length, forms, text)
