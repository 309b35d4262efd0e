"""What one unit's run observed besides resources: API calls per operation, and gaps.

A *gap* is one AWS operation that could not be completed (denied, throttled past its retries,
unreachable, timed out, a server error): the resource types it feeds could not be (fully) read in
that account and region, so rules over them there cannot be evaluated. Gap messages never hold
credentials: they are scrubbed of the session's own key/secret/token and of credential shapes.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from scanner import secrets
from scanner.aws.deadline import Deadline, Limits, guard_client

if TYPE_CHECKING:  # pragma: no cover - typing only
    from scanner.aws.units import CollectionUnit

Clock = Callable[[], datetime]

# Gap kinds.
DENIED = "denied"
THROTTLED = "throttled"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
SERVER_ERROR = "server-error"
BAD_RESPONSE = "bad-response"
CREDENTIALS = "credentials"
ERROR = "error"
GAP_KINDS = (DENIED, THROTTLED, UNREACHABLE, TIMEOUT, SERVER_ERROR, BAD_RESPONSE, CREDENTIALS, ERROR)

_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthFailure",
    "NotAuthorized",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "OptInRequired",
    "AWSOrganizationsNotInUseException",
    "AccessDeniedForDependencyException",
    "InvalidAccessKeyId",
    "MissingAuthenticationToken",
}
_THROTTLED_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
}
_SERVER_CODES = {
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServiceFailure",
    "ServiceException",
}
_UNREACHABLE_ERRORS = {
    "EndpointConnectionError",
    "ConnectionClosedError",
    "ProxyConnectionError",
    "SSLError",
    "HTTPClientError",
    "ConnectionError",
    "InvalidProxiesConfigError",
}
_TIMEOUT_ERRORS = {"ReadTimeoutError", "ConnectTimeoutError", "DeadlineExceeded"}
# Responses that are not what the operation returns. Their messages are airguard's own (never the body).
_BAD_RESPONSE_ERRORS = {"ResponseTooLarge", "MalformedResponse", "PaginationLoop", "TooManyPages"}
_PARSER_DETAIL = re.compile(r"^Unable to parse response \(([^\n]{0,200}?)\), invalid")
_CREDENTIAL_ERRORS = {
    "NoCredentialsError",
    "PartialCredentialsError",
    "CredentialRetrievalError",
    "TokenRetrievalError",
    "NoAuthTokenError",
    "ProfileNotFound",
    "SSOTokenLoadError",
    "UnauthorizedSSOTokenError",
}
_MAX_MESSAGE = 300


class Gap(BaseModel):
    """One operation whose data is missing from a unit's result."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    service: str  # the unit's service (rds, ec2, iam, ...)
    region: str  # the unit's region, or "global"
    account: str | None
    operation: str  # "<aws service>:<Operation>", e.g. "rds:DescribeDBClusters"
    error_code: str  # AWS error code, or the botocore exception name
    kind: str  # one of GAP_KINDS
    message: str  # scrubbed, one line, at most 300 characters
    resource_types: list[str] = Field(default_factory=list)  # what could not be (fully) read

    def sort_key(self) -> tuple[str, ...]:
        return (self.account or "", self.region, self.service, self.operation, self.error_code, self.message)


def kind_for_code(code: str, default: str = ERROR) -> str:
    """The gap kind of an AWS error code."""
    if code in _DENIED_CODES:
        return DENIED
    if code in _THROTTLED_CODES:
        return THROTTLED
    if code in _SERVER_CODES:
        return SERVER_ERROR
    return default


def kind_for_name(code: str, default: str = ERROR) -> str:
    """The gap kind of an AWS error code or a botocore/airguard exception name."""
    if code in _TIMEOUT_ERRORS:
        return TIMEOUT
    if code in _UNREACHABLE_ERRORS:
        return UNREACHABLE
    return kind_for_code(code, default)


def classify_error(error: BaseException) -> tuple[str, str, str]:
    """(error_code, kind, raw message) of an exception raised by a botocore call."""
    name = type(error).__name__
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = str(response["Error"].get("Code") or name)
        message = str(response["Error"].get("Message") or error)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        fallback = SERVER_ERROR if isinstance(status, int) and status >= 500 else ERROR
        return code, kind_for_code(code, fallback), message
    if name in _TIMEOUT_ERRORS:
        return name, TIMEOUT, str(error)
    if name in _UNREACHABLE_ERRORS:
        return name, UNREACHABLE, str(error)
    if name in _CREDENTIAL_ERRORS:
        return name, CREDENTIALS, str(error)
    if name in _BAD_RESPONSE_ERRORS:
        return name, BAD_RESPONSE, str(error)
    if name == "ResponseParserError":  # botocore puts the whole body in its message: keep the parser's words only
        detail = _PARSER_DETAIL.match(str(error))
        return name, BAD_RESPONSE, "unparseable response" + (f" ({detail.group(1)})" if detail else "")
    if name == "PaginationError":  # botocore's message holds the (service-chosen) token
        return name, BAD_RESPONSE, "the service repeated a pagination token"
    return name, ERROR, str(error)


_WHITESPACE = re.compile(r"\s+")
_HTML_TAG = re.compile(r"<[^<>]{0,200}>")  # no `<` inside: a run of `<` fails at once instead of 200 steps each
# C0/C1 controls (terminal escapes) and bidirectional overrides: an endpoint's text must not steer a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MAX_SCRUBBED = 16 * 1024  # an error message from an endpoint may be megabytes: scrub a bounded prefix


def clean_message(text: str, known_secrets: Iterable[str] = ()) -> str:
    """One line, without credentials (the session's own values, then credential shapes) or control characters."""
    for value in sorted({v for v in known_secrets if v and len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, secrets.MASK)
    text = _CONTROL.sub(" ", text)
    text = _WHITESPACE.sub(" ", text)[:_MAX_SCRUBBED]
    text = secrets.scrub_patterns(text)
    if "<html" in text.lower() or "<!doctype" in text.lower():
        text = _HTML_TAG.sub(" ", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UnitRecorder:
    """Counts a unit's API calls (via botocore events) and collects its gaps; holds the unit's deadline and
    limits, which `attach` binds every client to; thread-safe.

    `seal()` freezes what was recorded (the watchdog gave up on the unit): a thread that is still running
    can no longer change the result that was handed out.
    """

    def __init__(
        self,
        unit: CollectionUnit,
        clock: Clock | None = None,
        *,
        limits: Limits | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.unit = unit
        self.account: str | None = unit.account
        self.api_calls: Counter[str] = Counter()  # logical calls: one per call or page
        self.http_requests: Counter[str] = Counter()  # HTTP attempts, retries included
        self.gaps: list[Gap] = []
        self.limits = limits or Limits()
        self.deadline = deadline or Deadline(self.limits.unit_timeout, f"unit {unit.label}")
        self._clock = clock or utc_now
        self._known_secrets: list[str] = []
        self._lock = threading.Lock()
        self._sealed = False

    def seal(self) -> None:
        with self._lock:
            self._sealed = True
            self.api_calls = Counter(self.api_calls)
            self.http_requests = Counter(self.http_requests)
            self.gaps = list(self.gaps)

    def sleep(self, seconds: float) -> None:
        """Wait between polls without passing the deadline (`DeadlineExceeded` when it has)."""
        self.deadline.sleep(seconds)

    def now(self) -> datetime:
        """The collection's notion of "now" (injectable, for ages such as access-key age)."""
        value = self._clock()
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    def hide(self, values: Iterable[str]) -> None:
        """Values that must never appear in a gap message (the session's credentials)."""
        self._known_secrets.extend(v for v in values if v)

    def attach(self, client: Any) -> Any:
        """Count this client's calls (``before-call`` once per call/page, ``before-send`` per attempt) and
        bind it to the unit's deadline and limits."""
        service = client.meta.service_model.service_name
        guard_client(client, self.deadline, self.limits)

        def on_call(model: Any = None, **_: Any) -> None:
            with self._lock:
                if not self._sealed:
                    self.api_calls[f"{service}:{model.name}"] += 1

        def on_send(event_name: str = "", **_: Any) -> None:
            operation = event_name.rsplit(".", 1)[-1]
            with self._lock:
                if not self._sealed:
                    self.http_requests[f"{service}:{operation}"] += 1

        client.meta.events.register("before-call", on_call)
        client.meta.events.register("before-send", on_send)
        return client

    def record_gap(self, operation: str, error: BaseException, resource_types: Iterable[str]) -> Gap:
        code, kind, message = classify_error(error)
        return self.record_failure(operation, code, kind, message, resource_types)

    def record_failure(
        self,
        operation: str,
        error_code: str,
        kind: str,
        message: str,
        resource_types: Iterable[str],
        *,
        after_seal: bool = False,
    ) -> Gap:
        """A gap that did not come from an exception (e.g. a report that never became ready). Once sealed,
        only `after_seal` gaps (the watchdog's own) are still recorded."""
        gap = Gap(
            service=self.unit.service,
            region=self.unit.region,
            account=self.account,
            operation=operation,
            error_code=error_code,
            kind=kind,
            message=clean_message(message, self._known_secrets),
            resource_types=sorted(set(resource_types)),
        )
        with self._lock:
            if after_seal or not self._sealed:
                self.gaps.append(gap)
        return gap
