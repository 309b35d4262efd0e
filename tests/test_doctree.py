"""scanner.doctree: YAML streams of many documents convert each document as written."""

from __future__ import annotations

import pytest

from scanner.doctree import parse_yaml


def test_every_document_of_a_long_stream_is_its_own() -> None:
    # the converter knows composed nodes by id(): a freed document's ids, reused by a later document's
    # nodes, once made the tenth and later documents copies of earlier ones
    stream = "\n---\n".join(f"doc{i}:\n  value: {i}\n  items: [1, 2]\n" for i in range(50))
    documents = parse_yaml(stream)
    assert [document.plain() for document in documents] == [
        {f"doc{i}": {"value": i, "items": [1, 2]}} for i in range(50)]
    assert [document.line for document in documents] == [1 + 5 * i for i in range(50)]


def _with_converter(text: str, converter: type) -> object:
    """Every document of `text` converted by `converter`, as plain tuples (or the error it raises)."""
    from scanner import doctree

    def dump(node: doctree.Node) -> object:
        value = node.value
        if isinstance(value, dict):
            value = {key: dump(child) for key, child in value.items()}
        elif isinstance(value, list):
            value = [dump(child) for child in value]
        return (value, node.line, node.column, node.end_line, node.end_column, node.style, node.aliases)

    loader = doctree.yaml_loader()(text)
    try:
        convert = converter(loader)
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(dump(convert.document(node)))
        return documents
    except doctree.DocumentError as exc:
        return ("error", exc.message, exc.line, exc.column)
    finally:
        loader.dispose()


def test_tree_converter_matches_the_alias_aware_one_on_streams_without_anchors() -> None:
    """`parse_yaml` converts a stream without '&' with `_TreeConverter`: the same Nodes and errors."""
    from pathlib import Path

    from scanner import doctree

    root = Path(__file__).parent.parent / "fixtures"
    texts = [path.read_text(errors="replace") for path in sorted(root.rglob("*.y*ml"))]
    texts += ["a: 1\nb: [x, {c: d}]\n---\n- 2\n", "<<: {a: 1, b: 2}\nb: 3\n", "<<: [{a: 1}, {a: 2, c: 3}]\n",
              "x: " + "[" * 130 + "]" * 130, "- " * 127 + "x\n", "- " * 128 + "x\n", "? [a]\n: b\n", "a: !!binary xx\n",
              "1: one\n0x10: hex\n2001-01-01: date\n~: null\n", "k: '\\ud800'\n"]
    checked = 0
    for text in texts:
        if "&" in text:
            continue
        try:
            expected = _with_converter(text, doctree._YamlConverter)
        except Exception:  # noqa: BLE001, S112 - a stream the loader itself refuses: both converters never see it
            continue
        assert _with_converter(text, doctree._TreeConverter) == expected
        checked += 1
    assert checked > 20


def _nested_merges(entries: int, depth: int) -> str:
    """A mapping of `entries` keys merged into a mapping, merged into another, `depth` deep, with no anchor:
    each level copies every entry again (entries x depth copies)."""
    inner = "{" + ", ".join(f"k{i}: 1" for i in range(entries)) + "}"
    for _ in range(depth):
        inner = "{<<: " + inner + "}"
    return "a: " + inner + "\n"


def test_merges_without_an_anchor_count_against_the_expansion_limit() -> None:
    """Merge keys copy entries with or without an alias: a stream with no '&' (converted by `_TreeConverter`)
    is bounded as the same stream with an '&' in a comment (`_YamlConverter`), with the same error."""
    from scanner import doctree

    text = _nested_merges(5000, 60)
    errors = []
    for stream in (text, text + "# an & in a comment\n"):
        with pytest.raises(doctree.DocumentError) as caught:
            doctree.parse_yaml(stream)
        errors.append((caught.value.message, caught.value.line, caught.value.column))
    assert errors[0] == errors[1]
    assert "expands past 100000 nodes" in errors[0][0]
    assert _with_converter(text, doctree._TreeConverter) == _with_converter(text, doctree._YamlConverter)
    small = _nested_merges(50, 3)   # under the limit: both give the same Nodes
    assert _with_converter(small, doctree._TreeConverter) == _with_converter(small, doctree._YamlConverter)
