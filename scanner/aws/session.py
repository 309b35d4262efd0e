"""boto3 sessions for collection units, created lazily (boto3 is imported only inside functions).

One `SessionFactory` serves a whole run. Per account it builds one boto3 session, from the normal
credential chain or a named profile, optionally followed by STS AssumeRole (the role ARN may hold
``{account}`` so one factory fans out over an organisation). Temporary credentials are re-assumed
when less than five minutes remain. Every unit gets an `AwsSession`: a view of that boto3 session
bound to the unit's region, whose clients share one botocore `Config` (adaptive retries, timeouts).

Endpoints: botocore itself honours ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``; an explicit
``endpoint_url`` (or ``service_endpoint_urls``) overrides them. With any override, host-prefix
injection (``api.`` for MWAA) is turned off so local servers on an IP address work.

Time: each unit has a total deadline (``unit_timeout``, default 120 s or ``AIRGUARD_AWS_UNIT_TIMEOUT``)
that every client of the unit is bound to (see `scanner.aws.deadline`); the factory's own calls
(AssumeRole, GetCallerIdentity) are bound to one of the same length.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from scanner import __version__
from scanner.aws.deadline import (
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RESPONSE_BYTES,
    Deadline,
    DeadlineExceeded,
    Limits,
    default_unit_timeout,
    guard_client,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from scanner.aws.units import CollectionUnit

GLOBAL_REGION = "global"
DEFAULT_GLOBAL_REGION = "us-east-1"
_REFRESH_MARGIN = timedelta(minutes=5)


class SessionError(Exception):
    """Credentials for an account could not be set up (unknown profile, AssumeRole refused, ...)."""

    def __init__(self, operation: str, error_code: str, message: str) -> None:
        super().__init__(f"{operation}: {error_code}: {message}")
        self.operation = operation
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True)
class SessionOptions:
    """How to reach AWS. Every field is optional; the defaults use the normal credential chain."""

    profile: str | None = None
    assume_role_arn: str | None = None  # may contain "{account}"
    role_session_name: str = "airguard"
    external_id: str | None = None
    role_duration_seconds: int = 3600
    endpoint_url: str | None = None  # every service; else AWS_ENDPOINT_URL as botocore reads it
    service_endpoint_urls: Mapping[str, str] = field(default_factory=dict)  # e.g. {"mwaa": "http://..."}
    global_region: str | None = None  # region for IAM/STS/Organizations calls
    max_attempts: int = 5  # botocore `retries.max_attempts`: retries after the first try
    connect_timeout: float = 5.0  # per connection attempt
    read_timeout: float = 20.0  # per socket read; never more than the unit's time left
    max_pool_connections: int = 10
    unit_timeout: float = field(default_factory=default_unit_timeout)  # seconds per unit, everything included
    max_pages: int = DEFAULT_MAX_PAGES  # per paginated operation
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # per HTTP response body

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "unit_timeout"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < float("inf")):
                raise ValueError(f"SessionOptions.{name} must be a positive number of seconds, not {value!r}")
        for name in ("max_pages", "max_response_bytes"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) > 0):
                raise ValueError(f"SessionOptions.{name} must be a positive integer, not {getattr(self, name)!r}")


def botocore_config(options: SessionOptions, *, endpoint_override: bool = False) -> Any:
    """The botocore `Config` every client of a run shares."""
    from botocore.config import Config

    settings: dict[str, Any] = {
        "retries": {"mode": "adaptive", "max_attempts": options.max_attempts},
        "connect_timeout": options.connect_timeout,
        "read_timeout": options.read_timeout,
        "max_pool_connections": options.max_pool_connections,
        "user_agent_extra": f"airguard/{__version__}",
    }
    if endpoint_override:
        settings["inject_host_prefix"] = False
    return Config(**settings)


def _env_endpoint_override(service: str) -> bool:
    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    return bool(os.environ.get("AWS_ENDPOINT_URL") or os.environ.get(specific))


class AwsSession:
    """One unit's view of an account's boto3 session: clients bound to the unit's region."""

    def __init__(self, factory: SessionFactory, boto_session: Any, region: str, account: str | None) -> None:
        self._factory = factory
        self.boto_session = boto_session
        self.region = region
        self.account = account

    def client(self, service_name: str, region: str | None = None) -> Any:
        """A botocore client for `service_name` with the run's config and endpoint."""
        return self._factory.make_client(self.boto_session, service_name, region or self.region)

    def resolve_account(self, on_client: Callable[[Any], None] | None = None) -> str:
        """The account id of this session's credentials (one STS call per account, cached)."""
        return self._factory.caller_account(self.account, on_client=on_client)

    def credential_values(self) -> list[str]:
        """The secret parts of the credentials in use, so error messages can be scrubbed of them."""
        try:
            credentials = self.boto_session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except Exception:  # noqa: BLE001 - credentials that cannot even load cannot leak either
            return []
        if frozen is None:
            return []
        return [value for value in (frozen.access_key, frozen.secret_key, frozen.token) if value]


@dataclass
class _AccountSession:
    boto_session: Any
    expires_at: datetime | None


class SessionFactory:
    """Builds `AwsSession`s for units; safe to call from many threads."""

    def __init__(self, options: SessionOptions | None = None) -> None:
        self.options = options or SessionOptions()
        self.limits = Limits.from_options(self.options)
        self.api_calls: Counter[str] = Counter()  # calls of the factory itself (AssumeRole, identity)
        self._lock = threading.RLock()
        self._account_locks: dict[str | None, threading.Lock] = {}  # one AssumeRole at a time per account
        self._base: Any = None
        self._accounts: dict[str | None, _AccountSession] = {}
        self._refused: dict[str | None, SessionError] = {}  # AssumeRole failures: not retried per unit
        self._caller_accounts: dict[str | None, str] = {}
        self._caller_failures: dict[str | None, BaseException] = {}  # identity failures: not retried per unit

    # -- sessions --------------------------------------------------------------------------
    def __call__(self, unit: CollectionUnit) -> AwsSession:
        boto_session = self.boto_session(unit.account)
        region = self.global_region() if unit.region == GLOBAL_REGION else unit.region
        return AwsSession(self, boto_session, region, unit.account)

    def boto_session(self, account: str | None = None) -> Any:
        """The boto3 session for `account` (assuming the configured role into it if there is one).

        AssumeRole runs under the account's own lock, so a slow STS for one account does not hold up
        the units of the others."""
        with self._lock:
            account_lock = self._account_locks.setdefault(account, threading.Lock())
        with account_lock:
            with self._lock:
                cached = self._accounts.get(account)
                if cached is not None and not _expiring(cached.expires_at):
                    return cached.boto_session
                if account in self._refused:
                    raise self._refused[account]
            if not self.options.assume_role_arn:
                session = _AccountSession(self._base_session(), None)
            else:
                try:
                    session = self._assume_role(account)
                except SessionError as error:
                    with self._lock:
                        self._refused[account] = error
                    raise
            with self._lock:
                self._accounts[account] = session
            return session.boto_session

    def global_region(self) -> str:
        if self.options.global_region:
            return self.options.global_region
        region = self._base_session().region_name
        return region or DEFAULT_GLOBAL_REGION

    def default_region(self) -> str | None:
        """The region the credential chain / profile names (AWS_REGION, AWS_DEFAULT_REGION, config)."""
        return self._base_session().region_name

    def make_client(self, boto_session: Any, service_name: str, region: str) -> Any:
        endpoint = self.options.service_endpoint_urls.get(service_name) or self.options.endpoint_url
        override = bool(endpoint) or _env_endpoint_override(service_name)
        config = botocore_config(self.options, endpoint_override=override)
        kwargs: dict[str, Any] = {"region_name": region, "config": config}
        if endpoint:
            kwargs["endpoint_url"] = endpoint
        # boto3 sessions are not thread-safe while creating clients; the clients themselves are.
        with self._lock:
            return boto_session.client(service_name, **kwargs)

    # -- account identity --------------------------------------------------------------------
    def caller_account(
        self, account: str | None = None, on_client: Callable[[Any], None] | None = None
    ) -> str:
        """The account id the credentials for `account` belong to (one STS call, then cached).

        `on_client` sees the STS client before the call (a unit's recorder attaches to it there, binding
        it to the unit's deadline); without one the call gets a deadline of its own. Errors from botocore
        propagate; a failure is remembered, so later units of the account do not wait for it again.
        """
        with self._lock:
            if account in self._caller_accounts:
                return self._caller_accounts[account]
            if account in self._caller_failures:
                raise self._caller_failures[account]
        client = self.make_client(self.boto_session(account), "sts", self.global_region())
        if on_client is not None:
            on_client(client)
        else:
            self._guard(client, "sts:GetCallerIdentity")
            with self._lock:
                self.api_calls["sts:GetCallerIdentity"] += 1
        try:
            resolved = str(client.get_caller_identity()["Account"])
        except Exception as error:
            self.remember_caller_failure(account, error)
            raise
        with self._lock:
            self._caller_accounts[account] = resolved
        return resolved

    def remember_caller_failure(self, account: str | None, error: BaseException) -> None:
        """Later `caller_account(account)` calls raise `error` instead of calling STS again."""
        with self._lock:
            self._caller_failures.setdefault(account, error)

    def _guard(self, client: Any, label: str) -> Any:
        """Bind one of the factory's own clients to a deadline of the unit's length."""
        return guard_client(client, Deadline(self.limits.unit_timeout, label), self.limits)

    # -- internals -----------------------------------------------------------------------------
    def _base_session(self) -> Any:
        with self._lock:
            if self._base is None:
                import boto3
                from botocore.exceptions import BotoCoreError

                try:
                    self._base = (
                        boto3.Session(profile_name=self.options.profile)
                        if self.options.profile
                        else boto3.Session()
                    )
                except BotoCoreError as error:
                    raise SessionError("airguard:Session", type(error).__name__, str(error)) from None
            return self._base

    def _assume_role(self, account: str | None) -> _AccountSession:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        template = self.options.assume_role_arn or ""
        if "{account}" in template and not account:
            raise SessionError(
                "sts:AssumeRole", "NoAccount", "the role ARN names {account} but the unit has no account"
            )
        role_arn = template.replace("{account}", account or "")
        base = self._base_session()
        params: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": self.options.role_session_name,
            "DurationSeconds": self.options.role_duration_seconds,
        }
        if self.options.external_id:
            params["ExternalId"] = self.options.external_id
        try:
            sts = self._guard(self.make_client(base, "sts", self.global_region()), f"sts:AssumeRole {role_arn}")
            with self._lock:
                self.api_calls["sts:AssumeRole"] += 1
            credentials = sts.assume_role(**params)["Credentials"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            raise SessionError("sts:AssumeRole", code, f"could not assume {role_arn}") from None
        except (BotoCoreError, DeadlineExceeded) as error:
            raise SessionError(
                "sts:AssumeRole", type(error).__name__, f"could not assume {role_arn}"
            ) from None
        session = boto3.Session(
            profile_name=self.options.profile,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=base.region_name,
        )
        expires_at = credentials.get("Expiration")
        if isinstance(expires_at, datetime) and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        return _AccountSession(session, expires_at if isinstance(expires_at, datetime) else None)


def _expiring(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at - datetime.now(timezone.utc) < _REFRESH_MARGIN
