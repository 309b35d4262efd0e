"""GitHub code scanning's limits on an uploaded SARIF file, and how airguard stays within them.

From GitHub's "SARIF support for code scanning" (limits: a hard maximum is a rejected upload, a display
limit is silently cut by GitHub):

    runs per file            20 (airguard writes one)
    results per run          25,000 hard; only the 5,000 most severe are shown
    locations per result     1,000 hard; only 100 are shown
    tags per rule            20 hard; only 10 are shown
    file size                10 MB, gzip-compressed

airguard keeps one run per file, so the category (`--sarif-category`) of each alert never changes with
the number of findings. Over a hard limit it drops the lowest-severity results (file order within a
severity), counts them in the run's `properties.resultsOmitted` and in a tool notification that says
where every finding is: the JSON report (the Action always writes one). GitHub closes the alerts of
results missing from an upload, as it does for those beyond its own 5,000 shown (a note-level
notification says so when a run has more). Related locations are cut to the 100 GitHub shows (the
message says how many more); tags to the 10 it shows.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.findings import Finding

MAX_RESULTS = 25_000
SHOWN_RESULTS = 5_000
RELATED_LOCATIONS = 99            # + the primary location = the 100 GitHub shows (1,000 accepted)
MAX_TAGS = 10                     # shown (20 accepted)
MAX_GZIP_BYTES = 10 * 1000 * 1000
_MARGIN = 0.97                    # aim a little under the size limit when cutting by size


@dataclass
class Omitted:
    """Results left out of the SARIF file: how many, by severity, and why."""

    count: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, dropped: list[Finding], reason: str) -> None:
        if not dropped:
            return
        self.count += len(dropped)
        for finding in dropped:
            key = finding.severity.value
            self.by_severity[key] = self.by_severity.get(key, 0) + 1
        self.reasons.append(reason)


def rule_tags(tags: list[str]) -> list[str]:
    """At most the tags GitHub shows, without repeats; the first ones (security, CWE) kept."""
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def keep_results(findings: list[Finding], limit: int = MAX_RESULTS,
                 omitted: Omitted | None = None) -> tuple[list[Finding], Omitted]:
    """At most `limit` findings: the most severe, in their original order."""
    omitted = omitted if omitted is not None else Omitted()
    if len(findings) <= limit:
        return findings, omitted
    ranked = sorted(range(len(findings)), key=lambda i: -findings[i].severity.rank)  # stable: file order
    kept = set(ranked[:limit])
    omitted.add([findings[i] for i in ranked[limit:]],
                f"GitHub accepts at most {MAX_RESULTS:,} results per run")
    return [f for i, f in enumerate(findings) if i in kept], omitted


def record_omitted(log: dict[str, Any], omitted: Omitted) -> None:
    """Count the omitted results in the run's properties and in one tool notification (replacing an
    earlier count); say so when GitHub will show only some of the results kept."""
    run = log["runs"][0]
    invocation = run["invocations"][0]
    kept = len(run["results"])
    notifications = [n for n in invocation.get("toolExecutionNotifications", [])
                     if n["descriptor"]["id"] not in (OMITTED_ID, NOT_SHOWN_ID)]
    if kept > SHOWN_RESULTS:
        notifications.append({"descriptor": {"id": NOT_SHOWN_ID}, "level": "note", "message": {"text": (
            f"{kept:,} results in this run: GitHub code scanning shows the {SHOWN_RESULTS:,} most severe; every "
            "finding is in the JSON report.")}})
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if not omitted:
        return
    run.setdefault("properties", {})["resultsOmitted"] = omitted.count
    invocation["toolExecutionNotifications"] = [*notifications, _notification(omitted)]


OMITTED_ID = "sarif-results-omitted"
NOT_SHOWN_ID = "sarif-results-not-shown"


def _notification(omitted: Omitted) -> dict[str, Any]:
    severities = ", ".join(f"{count} {severity}" for severity, count in sorted(
        omitted.by_severity.items(), key=lambda item: -_RANK.get(item[0], 0)))
    return {
        "descriptor": {"id": OMITTED_ID},
        "level": "warning",
        "message": {"text": (
            f"{omitted.count} result{'s' if omitted.count != 1 else ''} ({severities}) left out of this SARIF "
            f"file: {'; '.join(omitted.reasons)}; the most severe were kept. Every finding is in the JSON "
            "report (-f json, or --report json=FILE; the GitHub Action writes airguard.json).")},
    }


_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}


def gzip_size(text: str) -> int:
    """The gzip-compressed size as the upload computes it (zlib's default level, 6)."""
    return len(gzip.compress(text.encode("utf-8"), compresslevel=6))


def fits(text: str, max_bytes: int) -> bool:
    """Whether `text` is at most `max_bytes` gzip-compressed: a fast level-1 compression first (level 6
    only makes the output smaller), the upload's level only when that one is over."""
    data = text.encode("utf-8")
    return len(gzip.compress(data, compresslevel=1)) <= max_bytes or gzip_size(text) <= max_bytes


def fit_size(log: dict[str, Any], omitted: Omitted, dumps: Callable[[Any], str],
             max_bytes: int | None = None) -> str:
    """The serialised log, its lowest-severity results dropped until it fits `max_bytes` gzip-compressed.

    The JSON is ASCII and gzip never grows a text by more than a few bytes, so a log under the limit
    uncompressed is never compressed here: only large logs pay for it.
    """
    max_bytes = MAX_GZIP_BYTES if max_bytes is None else max_bytes
    record_omitted(log, omitted)
    text = dumps(log)
    if len(text) <= max_bytes * _MARGIN or fits(text, max_bytes):
        return text
    size = gzip_size(text)
    run = log["runs"][0]
    results: list[dict[str, Any]] = run["results"]
    ranked = sorted(range(len(results)), key=lambda i: -_RANK.get(results[i]["properties"]["severity"], 0))
    keep = len(results)
    reason = f"GitHub accepts a file of at most {max_bytes / 1e6:g} MB gzip-compressed"
    cut = Omitted()
    while size > max_bytes and keep > 0:
        keep = min(keep - 1, int(keep * max_bytes * _MARGIN / size))
        kept = set(ranked[:keep])
        cut = Omitted(count=omitted.count, by_severity=dict(omitted.by_severity), reasons=[*omitted.reasons, reason])
        for index in ranked[keep:]:
            severity = results[index]["properties"]["severity"]
            cut.by_severity[severity] = cut.by_severity.get(severity, 0) + 1
            cut.count += 1
        run["results"] = [r for i, r in enumerate(results) if i in kept]
        record_omitted(log, cut)
        text = dumps(log)
        size = gzip_size(text)
    return text
