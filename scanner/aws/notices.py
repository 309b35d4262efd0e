"""Gaps as scan notices: a rule over a resource type with a gap in some account/region was not
fully evaluated there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.aws.recorder import Gap
from scanner.findings import Notice


def gap_notice(gap: Gap | dict[str, Any]) -> Notice:
    item = gap if isinstance(gap, Gap) else Gap.model_validate(gap)
    where = f"account {item.account or '?'}, region {item.region}"
    affected = ", ".join(item.resource_types) or "no resource type"
    return Notice(
        kind="not-evaluated",
        level="error",  # a gap makes the scan partial (exit code 3 when nothing failed)
        message=(
            f"AWS {item.operation} failed in {where} ({item.kind}: {item.error_code}: {item.message}); "
            f"rules over {affected} could not be fully evaluated there"
        ),
    )


def gap_notices(gaps: Iterable[Gap | dict[str, Any]]) -> list[Notice]:
    """One notice per gap, in a stable order."""
    return sorted((gap_notice(gap) for gap in gaps), key=Notice.sort_key)
