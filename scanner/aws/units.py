"""Collection units (account x region x service): plan them, run them, merge their results.

A unit's result is plain JSON (`UnitResult.to_json`), so units can run anywhere (threads here,
Airflow mapped tasks in an org-wide scan) and be merged later. Running a unit never raises: every
failure becomes a gap in its result. Nor does it take longer than its deadline (``unit_timeout``)
plus a short grace: a unit out of time is one ``DeadlineExceeded`` gap (see `scanner.aws.deadline`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scanner import __version__
from scanner.aws.deadline import Deadline, DeadlineExceeded, Limits, run_bounded
from scanner.aws.recorder import CREDENTIALS, TIMEOUT, Clock, Gap, UnitRecorder, kind_for_name
from scanner.aws.services import ACCOUNT, DEFAULT_SERVICES, SERVICES, collector_for
from scanner.aws.session import GLOBAL_REGION, AwsSession, SessionError
from scanner.model import Resource

SessionFactoryLike = Callable[["CollectionUnit"], AwsSession]


class CollectionUnit(BaseModel):
    """One independent piece of collection: a service in a region ("global") of an account."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    account: str | None = None
    region: str
    service: str

    def sort_key(self) -> tuple[str, str, str]:
        return (self.account or "", self.region, self.service)

    @property
    def label(self) -> str:
        return f"{self.account or '-'}/{self.region}/{self.service}"


class UnitResult(BaseModel):
    """What one unit collected: resources (as JSON dicts), gaps, API calls per operation, time."""

    model_config = ConfigDict(defer_build=True)

    unit: CollectionUnit
    resources: list[dict[str, Any]] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)
    api_calls: dict[str, int] = Field(default_factory=dict)  # one per call or page
    http_requests: dict[str, int] = Field(default_factory=dict)  # attempts, retries included
    duration_seconds: float = 0.0

    def resource_models(self) -> list[Resource]:
        return [Resource.from_json(item) for item in self.resources]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> UnitResult:
        return cls.model_validate_json(data) if isinstance(data, str) else cls.model_validate(data)


class Snapshot(BaseModel):
    """Merged unit results (sorted, one per unit)."""

    model_config = ConfigDict(defer_build=True)

    created_by: str = f"airguard {__version__}"
    created_at: str | None = None
    units: list[UnitResult] = Field(default_factory=list)

    @property
    def accounts(self) -> list[str]:
        return sorted({r.unit.account for r in self.units if r.unit.account})

    @property
    def regions(self) -> list[str]:
        return sorted({r.unit.region for r in self.units})

    @property
    def services(self) -> list[str]:
        return sorted({r.unit.service for r in self.units})

    def resources(self) -> list[Resource]:
        """Every resource, sorted by id, with the derived per-account CloudTrail summaries."""
        return merge_resources((result.resource_models() for result in self.units), self.units)

    def gaps(self) -> list[Gap]:
        return sorted((gap for result in self.units for gap in result.gaps), key=Gap.sort_key)

    def api_calls(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for result in self.units:
            for operation, count in result.api_calls.items():
                total[operation] = total.get(operation, 0) + count
        return dict(sorted(total.items()))


def merge_resources(models: Iterable[list[Resource]], results: Iterable[UnitResult]) -> list[Resource]:
    """The resources of units (`models`: one list per unit, in unit order) by id, sorted, with the per-account
    CloudTrail summaries derived from `results` (the units' trails, read from their resource dicts)."""
    from scanner.aws.services.cloudtrail import account_summaries

    by_id: dict[str, Resource] = {}
    for unit_models in models:
        for resource in unit_models:
            kept = by_id.get(resource.id)
            if kept is None or (kept.attributes.get("shadow") and not resource.attributes.get("shadow")):
                by_id[resource.id] = resource  # a trail's home copy wins over its shadow copies
    for summary in account_summaries(results):
        by_id.setdefault(summary.id, summary)
    return [by_id[key] for key in sorted(by_id)]


def plan_units(
    services: Iterable[str] | None, regions: Iterable[str], account: str | None
) -> list[CollectionUnit]:
    """Units for one account: regional services once per region, account services once ("global")."""
    names = list(dict.fromkeys(services)) if services is not None else list(DEFAULT_SERVICES)
    unknown = [name for name in names if name not in SERVICES]
    if unknown:
        raise ValueError(
            f"unknown AWS service(s): {', '.join(unknown)} (known: {', '.join(sorted(SERVICES))})"
        )
    region_list = sorted({r for r in regions if r and r != GLOBAL_REGION})
    units = []
    for name in names:
        if SERVICES[name].scope == ACCOUNT:
            units.append(CollectionUnit(account=account, region=GLOBAL_REGION, service=name))
        else:
            units += [CollectionUnit(account=account, region=region, service=name) for region in region_list]
    return sorted(units, key=CollectionUnit.sort_key)


def run_unit(
    unit: CollectionUnit,
    session_factory: SessionFactoryLike,
    clock: Clock | None = None,
    *,
    limits: Limits | None = None,
) -> UnitResult:
    """Collect one unit. Never raises: whatever fails becomes a gap. Returns within the unit's deadline
    (`limits`, else the factory's, else the defaults) plus `WATCHDOG_GRACE` seconds."""
    started = time.perf_counter()
    limits = limits or getattr(session_factory, "limits", None) or Limits.from_options(None)
    recorder = UnitRecorder(unit, clock, limits=limits, deadline=Deadline(limits.unit_timeout, f"unit {unit.label}"))
    spec = SERVICES.get(unit.service)
    resource_types = spec.resource_types if spec else ()
    resources: list[Resource] = []
    try:
        resources = run_bounded(
            lambda: _collect(unit, session_factory, recorder), recorder.deadline, f"airguard-aws {unit.label}"
        )
    except DeadlineExceeded as error:
        recorder.seal()  # a thread still running can no longer touch the result
        recorder.record_failure(
            error.operation or f"airguard:{unit.service}",
            "DeadlineExceeded",
            TIMEOUT,
            str(error),
            resource_types,
            after_seal=True,
        )
    except Exception as error:  # noqa: BLE001 - a unit never raises
        recorder.record_gap(f"airguard:{unit.service}", error, resource_types)
    account = recorder.account
    final_unit = unit if unit.account or not account else unit.model_copy(update={"account": account})
    gaps = [gap if gap.account else gap.model_copy(update={"account": account}) for gap in recorder.gaps]
    return UnitResult(
        unit=final_unit,
        resources=[r.to_json() for r in sorted(resources, key=lambda r: r.id)],
        gaps=sorted(gaps, key=Gap.sort_key),
        api_calls=dict(sorted(recorder.api_calls.items())),
        http_requests=dict(sorted(recorder.http_requests.items())),
        duration_seconds=round(time.perf_counter() - started, 3),
    )


def _collect(unit: CollectionUnit, session_factory: SessionFactoryLike, recorder: UnitRecorder) -> list[Resource]:
    """The unit's resources; failures recorded as gaps. Only `DeadlineExceeded` (of this unit) escapes."""
    spec = SERVICES.get(unit.service)
    resource_types = spec.resource_types if spec else ()
    try:
        if spec is None:
            raise ValueError(f"unknown AWS service '{unit.service}'")
        session = session_factory(unit)
        recorder.hide(session.credential_values())
        if unit.account is None and unit.service != "sts":  # the sts unit asks for the identity itself
            try:
                recorder.account = session.resolve_account(on_client=recorder.attach)
            except DeadlineExceeded as error:
                if error.deadline is recorder.deadline:
                    raise
                recorder.record_gap("sts:GetCallerIdentity", error, resource_types)
            except Exception as error:  # noqa: BLE001 - carry on without the account id
                recorder.record_gap("sts:GetCallerIdentity", error, resource_types)
        return collector_for(unit.service)(session, unit, recorder)
    except DeadlineExceeded:
        raise
    except SessionError as error:
        recorder.record_failure(
            error.operation,
            error.error_code,
            kind_for_name(error.error_code, CREDENTIALS),
            error.message,
            resource_types,
        )
    except Exception as error:  # noqa: BLE001 - a unit never raises
        recorder.record_gap(f"airguard:{unit.service}", error, resource_types)
    return []


def run_units(
    units: Sequence[CollectionUnit],
    session_factory: SessionFactoryLike,
    max_workers: int = 8,
    clock: Clock | None = None,
) -> list[UnitResult]:
    """Run units concurrently on a bounded thread pool; results sorted by (account, region, service).

    Each unit returns within its deadline plus a grace, so the whole run takes at most
    ``ceil(len(units) / max_workers) x (unit_timeout + WATCHDOG_GRACE)``."""
    if not units:
        return []
    with ThreadPoolExecutor(
        max_workers=max(1, min(max_workers, len(units))), thread_name_prefix="airguard-aws"
    ) as pool:
        futures = [pool.submit(run_unit, unit, session_factory, clock) for unit in units]
        results = []
        for unit, future in zip(units, futures, strict=True):
            try:
                results.append(future.result())
            except Exception as error:  # noqa: BLE001 - run_unit does not raise; belt and braces
                recorder = UnitRecorder(unit, clock)
                recorder.record_gap(
                    f"airguard:{unit.service}",
                    error,
                    SERVICES[unit.service].resource_types if unit.service in SERVICES else (),
                )
                results.append(UnitResult(unit=unit, gaps=recorder.gaps))
    return sorted(results, key=lambda r: r.unit.sort_key())


def merge(results: Iterable[UnitResult | dict[str, Any]], *, created_at: str | None = None) -> Snapshot:
    """One snapshot from unit results (objects or their JSON); a repeated unit keeps its last result."""
    by_unit: dict[tuple[str, str, str], UnitResult] = {}
    for item in results:
        result = item if isinstance(item, UnitResult) else UnitResult.from_json(item)
        by_unit[result.unit.sort_key()] = result
    return Snapshot(created_at=created_at, units=[by_unit[key] for key in sorted(by_unit)])


__all__ = [
    "GLOBAL_REGION",
    "CollectionUnit",
    "Snapshot",
    "UnitResult",
    "merge",
    "plan_units",
    "run_unit",
    "run_units",
]
