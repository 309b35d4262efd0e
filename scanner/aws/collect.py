"""One call for the CLI: resolve the account and regions, plan the units, run them, merge."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.aws.deadline import Deadline, DeadlineExceeded, run_bounded
from scanner.aws.recorder import CREDENTIALS, TIMEOUT, Clock, Gap, UnitRecorder, utc_now
from scanner.aws.session import GLOBAL_REGION, SessionError, SessionFactory, SessionOptions
from scanner.aws.units import CollectionUnit, Snapshot, merge, plan_units, run_units
from scanner.resources.values import iso

ALL_REGIONS = "all"


class CollectError(Exception):
    """Collection could not even be planned (no region known, unknown service)."""


def resolve_regions(factory: SessionFactory, regions: Iterable[str] | None, account: str | None) -> list[str]:
    """The regions to scan: as given; ``["all"]`` = every enabled region; none = the session's region."""
    wanted = [r for r in (regions or []) if r]
    if wanted and ALL_REGIONS not in wanted:
        return sorted(set(wanted))
    if not wanted:
        region = factory.default_region()
        if not region:
            raise CollectError(
                "no AWS region: pass --region (or 'all'), or set AWS_REGION / AWS_DEFAULT_REGION"
            )
        return [region]
    from scanner.aws.services.ec2 import enabled_regions

    unit = CollectionUnit(account=account, region=factory.global_region(), service="ec2")
    recorder = _recorder(factory, unit)
    try:
        found = run_bounded(lambda: enabled_regions(factory(unit), recorder), recorder.deadline)
    except SessionError as error:
        raise CollectError(
            f"cannot list the enabled regions: {error.operation}: {error.error_code}"
        ) from None
    except DeadlineExceeded as error:
        raise CollectError(f"cannot list the enabled regions (ec2:DescribeRegions): {error}") from None
    if not found:
        detail = recorder.gaps[0].message if recorder.gaps else "no region returned"
        raise CollectError(f"cannot list the enabled regions (ec2:DescribeRegions): {detail}")
    return found


def collect_snapshot(
    options: SessionOptions | None = None,
    *,
    services: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    account: str | None = None,
    max_workers: int = 8,
    clock: Clock | None = None,
    factory: SessionFactory | None = None,
) -> Snapshot:
    """Collect one account: the snapshot (with gaps for whatever could not be read). Raises
    `CollectError` only when nothing can be planned; AWS failures become gaps."""
    factory = factory or SessionFactory(options)
    if account is None:
        deadline = Deadline(factory.limits.unit_timeout, "sts:GetCallerIdentity")
        try:
            account = run_bounded(lambda: factory.caller_account(None), deadline)
        except Exception as error:  # noqa: BLE001 - each unit records the failure as a gap instead
            factory.remember_caller_failure(None, error)  # and does not wait for STS again
            account = None
    try:
        region_list = resolve_regions(factory, regions, account)
        units = plan_units(services, region_list, account)
    except ValueError as error:
        raise CollectError(str(error)) from None
    results = run_units(units, factory, max_workers=max_workers, clock=clock)
    return merge(results, created_at=iso((clock or utc_now)()))


def collect_accounts(
    options: SessionOptions,
    accounts: Iterable[str],
    *,
    services: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    max_workers: int = 8,
    clock: Clock | None = None,
    factory: SessionFactory | None = None,
) -> Snapshot:
    """Collect several accounts into one snapshot: the units of every account (each reached through
    `options.assume_role_arn` with ``{account}`` filled in) share one bounded pool."""
    account_list = sorted({a.strip() for a in accounts if a and a.strip()})
    if not account_list:
        raise CollectError("no account to collect")
    if len(account_list) > 1 and "{account}" not in (options.assume_role_arn or ""):
        raise CollectError("several accounts need --assume-role with '{account}' in the role ARN, e.g. "
                           "arn:aws:iam::{account}:role/airguard-audit")
    factory = factory or SessionFactory(options)
    units: list[CollectionUnit] = []
    try:
        for account in account_list:
            units += plan_units(services, resolve_regions(factory, regions, account), account)
    except ValueError as error:
        raise CollectError(str(error)) from None
    results = run_units(units, factory, max_workers=max_workers, clock=clock)
    return merge(results, created_at=iso((clock or utc_now)()))


def organization_accounts(factory: SessionFactory) -> tuple[list[dict[str, str]], list[Gap]]:
    """Active accounts of the organisation (``organizations:ListAccounts``), for an org-wide fan-out.

    Outside the management (or delegated administrator) account the call is denied: the list is then
    empty and the gap says why. Never raises.
    """
    from scanner.aws.services.sts import organization_accounts as list_accounts

    unit = CollectionUnit(account=None, region=GLOBAL_REGION, service="sts")
    recorder = _recorder(factory, unit)
    try:
        accounts = run_bounded(lambda: list_accounts(factory(unit), recorder), recorder.deadline)
    except SessionError as error:
        recorder.record_failure(error.operation, error.error_code, CREDENTIALS, error.message, [])
        accounts = []
    except DeadlineExceeded as error:
        recorder.seal()
        recorder.record_failure(error.operation or "organizations:ListAccounts", "DeadlineExceeded", TIMEOUT,
                                str(error), [], after_seal=True)
        accounts = []
    return accounts, recorder.gaps


def _recorder(factory: SessionFactory, unit: CollectionUnit) -> UnitRecorder:
    """A recorder for a call outside the units, bound to a deadline of a unit's length."""
    return UnitRecorder(unit, limits=factory.limits, deadline=Deadline(factory.limits.unit_timeout, f"unit {unit.label}"))


__all__ = [
    "ALL_REGIONS",
    "GLOBAL_REGION",
    "CollectError",
    "collect_accounts",
    "collect_snapshot",
    "organization_accounts",
    "resolve_regions",
]
