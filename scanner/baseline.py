"""Baselines: record today's findings once, then report only new ones.

The file is JSON, sorted, without timestamps or secrets, so the same findings always give the same
bytes. Findings are matched by fingerprint (rule, file or ARN, resource, attribute, occurrence; no
line numbers), so lines inserted above a finding keep it matched while the same violation in
another file is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import safeio
from scanner.findings import Finding, Suppression

if TYPE_CHECKING:
    from scanner.secrets import Redactor

BASELINE_FORMAT = "airguard-baseline"
BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


@dataclass
class BaselineOutcome:
    """What applying a baseline did: how many findings it covered, how many entries are gone."""

    path: str
    matched: int = 0
    unmatched: int = 0


def _entry(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {"fingerprint": finding.fingerprint, "rule_id": finding.rule_id,
                             "resource": finding.resource_name, "message": finding.message}
    if finding.location is not None:
        entry["path"] = finding.location.path
    else:
        entry["arn"] = finding.aws.arn if finding.aws else finding.resource_id
    return entry


def baseline_document(findings: list[Finding], redactor: Redactor) -> str:
    """The baseline file's text for the unsuppressed `findings`: stable bytes for the same findings."""
    entries = [_entry(f) for f in findings if f.suppression is None]
    entries.sort(key=lambda e: (e.get("path", ""), e.get("arn", ""), e["rule_id"], e["fingerprint"]))
    for entry in entries:  # already masked when the findings were made; paths are never rewritten
        entry["message"], entry["resource"] = redactor.scrub(entry["message"]), redactor.scrub(entry["resource"])
    document = {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "findings": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_baseline(path: Path, findings: list[Finding], redactor: Redactor) -> int:
    """Write the baseline; returns how many findings it records."""
    text = baseline_document(findings, redactor)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror}") from None
    return text.count('"fingerprint":')


def read_baseline(path: Path) -> list[dict[str, Any]]:
    """The entries of a baseline file; BaselineError with a clear message when it is missing or bad."""
    try:
        if not path.exists() and not path.is_symlink():
            raise BaselineError(f"baseline file not found: {path} (create it with `airguard baseline "
                                f"--output {path}`)")
        data = json.loads(safeio.read_text(path, safeio.BASELINE_CAP))
    except safeio.ReadRefused as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.message.removeprefix('cannot read file: ')}") \
            from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:  # huge integers, nesting past the recursion limit
        raise BaselineError(f"baseline {path} is not valid JSON: {type(exc).__name__}") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise BaselineError(f"baseline {path} is not an airguard baseline (expected \"format\": "
                            f"\"{BASELINE_FORMAT}\")")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline {path} has unsupported version {data.get('version')!r} "
                            f"(this airguard reads version {BASELINE_VERSION})")
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise BaselineError(f"baseline {path}: 'findings' must be a list of objects with a 'fingerprint'")
    return entries


def apply_baseline(findings: list[Finding], entries: list[dict[str, Any]], label: str) -> BaselineOutcome:
    """Mark findings recorded in the baseline as suppressed (kind 'baseline'); count entries now gone."""
    recorded = {e["fingerprint"]: e for e in entries}
    seen: set[str] = set()
    outcome = BaselineOutcome(path=label)
    for finding in findings:
        if finding.fingerprint in recorded:
            seen.add(finding.fingerprint)
        if finding.suppression is None and finding.fingerprint in recorded:
            finding.suppression = Suppression(kind="baseline", justification=f"recorded in baseline {label}")
            outcome.matched += 1
    outcome.unmatched = sum(1 for fingerprint in recorded if fingerprint not in seen)
    return outcome
