"""`_FormIndex.spans` finds a file's few secrets prefix by prefix (str.find) and a scan's many place by place:
both readings give the same spans, in the same order."""

from __future__ import annotations

import random

from scanner.secrets import _FormIndex

ALPHABET = "ab-./_:@ \n%x"


def test_find_by_prefix_equals_reading_through() -> None:
    rng = random.Random(5)
    for _ in range(5000):
        index = _FormIndex()
        for _ in range(rng.randint(0, 2 * _FormIndex.FIND_LIMIT)):
            index.add("".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 6))))
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert index.spans(text) == index._read_through(text), (sorted(index._forms), text)
