"""Gaps as scan notices: a rule over a resource type with a gap in some account/region was not
fully evaluated there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scanner.aws.recorder import Gap
from scanner.findings import Notice

if TYPE_CHECKING:
    from scanner.engine.rule import Rule


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


def rule_gap_notices(gaps: Iterable[Gap | dict[str, Any]], rules: Iterable[Rule]) -> list[Notice]:
    """One notice per rule x account x region x service that a gap kept from being evaluated: the rule
    reads (`resource` or `requires`) a resource type the failed calls feed."""
    affected: dict[tuple[str, str, str, str], list[str]] = {}
    rule_list = list(rules)
    for gap in gaps:
        item = gap if isinstance(gap, Gap) else Gap.model_validate(gap)
        types = set(item.resource_types)
        for rule in rule_list:
            if types & {rule.resource, *rule.requires}:
                key = (rule.id, item.account or "?", item.region, item.service)
                affected.setdefault(key, []).append(f"{item.operation} ({item.kind})")
    by_id = {rule.id: rule for rule in rule_list}
    notices = [
        Notice(kind="not-evaluated", level="error", rule_id=rule_id,
               message=f"{rule_id} ({by_id[rule_id].name}) not evaluated for {service} in account {account}, "
                       f"region {region}: {', '.join(sorted(set(operations)))} failed")
        for (rule_id, account, region, service), operations in sorted(affected.items())
    ]
    return notices


def service_of(resource_type: str) -> str | None:
    """`aws.rds.cluster` -> `rds`; None for types that are not AWS resources."""
    parts = resource_type.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "aws" else None


def uncollected_notices(services: Iterable[str], rules: Iterable[Rule]) -> list[Notice]:
    """A warning per rule that reads a resource type of a service the collection left out (`--services`)."""
    collected = set(services)
    notices = []
    for rule in rules:
        missing = sorted({s for t in (rule.resource, *rule.requires) if (s := service_of(t)) and s not in collected})
        if missing:
            notices.append(Notice(kind="not-evaluated", level="warning", rule_id=rule.id,
                                  message=f"{rule.id} ({rule.name}) not evaluated: AWS service(s) "
                                          f"{', '.join(missing)} not collected"))
    return sorted(notices, key=Notice.sort_key)
