"""Moved to `scanner.doctree` (the shared core: the rule loader parses YAML with it too); importable from here
as before."""

from __future__ import annotations

from scanner.doctree import (
    MAX_DEPTH,
    DocumentError,
    Node,
    bounded_number,
    expansion_limit,
    parse_json,
    parse_yaml,
    replace_surrogates,
)

__all__ = ["MAX_DEPTH", "DocumentError", "Node", "bounded_number", "expansion_limit", "parse_json", "parse_yaml",
           "replace_surrogates"]
