"""scanner.doctree: YAML streams of many documents convert each document as written."""

from __future__ import annotations

from scanner.doctree import parse_yaml


def test_every_document_of_a_long_stream_is_its_own() -> None:
    # the converter knows composed nodes by id(): a freed document's ids, reused by a later document's
    # nodes, once made the tenth and later documents copies of earlier ones
    stream = "\n---\n".join(f"doc{i}:\n  value: {i}\n  items: [1, 2]\n" for i in range(50))
    documents = parse_yaml(stream)
    assert [document.plain() for document in documents] == [
        {f"doc{i}": {"value": i, "items": [1, 2]}} for i in range(50)]
    assert [document.line for document in documents] == [1 + 5 * i for i in range(50)]
