#!/usr/bin/env python3
"""Validate the built-in rules in full (schema, conditions, unique ids and names, resource types) and record
their digest in rules/validated.sha256, so that a start without a rule cache can load them without the JSON
Schema pass (`scanner.engine.loader`). Run it after changing a rule or the rule schema; tests/test_rules.py
fails while the stamp is stale.

Usage: python scripts/stamp_rules.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.engine.loader import (
    STAMP_PATH,
    RuleLoadError,
    builtin_files,
    builtin_rules_dir,
    load_rules,
    shipped_stamp,
    stamp_digest,
)

HEADER = ("# Digest of the rule schema and the built-in rule files as validated by scripts/stamp_rules.py:\n"
          "# rules matching it load without the JSON Schema pass. Regenerate after changing a rule or the schema.\n")


def main() -> int:
    check = "--check" in sys.argv[1:]
    try:
        rules = load_rules(use_cache=False)
    except RuleLoadError as exc:
        print("built-in rules are invalid, not stamped:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return 1
    digest = stamp_digest(builtin_files())
    path = builtin_rules_dir() / STAMP_PATH
    if check:
        current = shipped_stamp() == digest
        print(f"{path}: {'current' if current else 'stale: run python scripts/stamp_rules.py'}")
        return 0 if current else 1
    path.write_text(HEADER + digest + "\n", "utf-8")
    print(f"{path}: {len(rules)} rules validated, digest {digest[:16]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
