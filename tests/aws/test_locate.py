"""Resource ids' lines in a snapshot text (`scanner.aws.locate`): found without a list of the file's lines, at
the lines `str.splitlines` numbers."""

from __future__ import annotations

import random

from scanner.aws import locate

PIECES = ['"id"', '"', " ", ":", ",", "\\", "a", "\t", "x", "\n", "\n", '"id": "a"', '  "id": "b",', "\x1f", "\xa0",
          "é", '"i', 'd"', '\\"', '"id": "\\u0041"']


def test_the_lines_found_are_those_of_the_line_by_line_reading() -> None:
    rng = random.Random(3)
    for _ in range(30000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        found = locate._id_lines(text, "s.json")
        expected = locate._id_lines_split(text, "s.json")
        assert found == expected and list(found) == list(expected), repr(text)


def test_other_line_breaks_count_as_splitlines_counts_them() -> None:
    text = '{\r\n "id": "a",\u2028 "x": 1,\n "id": "b"\n}'
    assert {key: location.start_line for key, location in locate._id_lines(text, "s.json").items()} == {"a": 2, "b": 4}
