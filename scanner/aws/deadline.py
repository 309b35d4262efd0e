"""Bounds on one unit's collection, so a hostile or broken endpoint costs a known amount of time and memory.

- **A total deadline per unit** (`Deadline`, `SessionOptions.unit_timeout`, default 120 s): connecting,
  reading, botocore's retries and back-off, pagination and the credential-report polling all count
  against it. Three layers keep it:

  1. every HTTP attempt's read timeout is ``min(read_timeout, time left)``, so the attempt that is in
     flight when time runs out ends then (a read timeout that the deadline shortened is the deadline);
  2. no call, page, attempt or retry starts after it (``before-call``, ``before-send``, ``needs-retry``
     hooks on every client of the unit raise `DeadlineExceeded`);
  3. a wall-clock watchdog (`run_bounded`): the unit runs on its own daemon thread and the caller stops
     waiting `WATCHDOG_GRACE` seconds after the deadline, whatever the thread is stuck in (an endpoint
     that trickles one byte per read timeout, botocore's back-off sleep). The abandoned thread stops at
     its next check; being a daemon it never keeps the process alive.

  A unit past its deadline becomes one gap (kind ``timeout``, code ``DeadlineExceeded``) naming the unit,
  the operation in flight and the limit; it never raises.
- **A cap on each response body** (`max_response_bytes`, default 64 MiB), read in pieces with the deadline
  checked between them; a bigger body is a ``bad-response`` gap (``ResponseTooLarge``), never buffered.
- **Well-formed success bodies**: a 2xx answer whose body is not what the protocol answers with (not a
  JSON object for the JSON protocols; not an ``<OperationResponse>`` document for the query and EC2
  protocols) is a ``bad-response`` gap. botocore would read several of them (JSON garbage, any XML for
  EC2) as an empty result: no data and no error, i.e. "nothing to find".
- **Bounded pagination** (`pages` in `scanner.aws.calls`): at most `max_pages` pages per operation, and a
  pagination token seen before ends it (a token loop). Both are ``bad-response`` gaps; pages read are kept.

Worst case without the deadline, per call: ``(max_attempts + 1) x (connect_timeout + read_timeout)`` plus
botocore's back-off (at most 1 + 2 + 4 + 8 + 16 s for five retries, capped at 20 s each), i.e.
6 x (5 + 20) + 31 = 181 s with the defaults, and a unit makes several calls. With it, a unit's result is
there after at most ``unit_timeout + WATCHDOG_GRACE`` seconds.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

from scanner.aws.flags import UNIT_TIMEOUT_ENV, UnitTimeoutAction

DEFAULT_UNIT_TIMEOUT = 120.0
DEFAULT_MAX_PAGES = 1000
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
WATCHDOG_GRACE = 2.0  # seconds the watchdog waits past the deadline for the unit to stop by itself
_READ_PIECE = 64 * 1024
_MIN_READ_TIMEOUT = 0.05
_JSON_PROTOCOLS = {"json", "rest-json"}
_XML_PROTOCOLS = {"query", "ec2"}  # success documents are <OperationResponse ...>
_XML_ROOT = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,200}?-->\s*)*<([A-Za-z_][\w.-]{0,200})[\s/>]", re.DOTALL)
_OPERATION_KEY = "airguard_operation"


def default_unit_timeout() -> float:
    """`AIRGUARD_AWS_UNIT_TIMEOUT` when it is a positive number of seconds, else 120."""
    text = os.environ.get(UNIT_TIMEOUT_ENV, "").strip()
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_UNIT_TIMEOUT
    return value if 0 < value < float("inf") else DEFAULT_UNIT_TIMEOUT


@dataclass(frozen=True)
class Limits:
    """What one unit may spend: seconds in all, seconds per HTTP read, pages per operation, bytes per body."""

    unit_timeout: float = DEFAULT_UNIT_TIMEOUT
    read_timeout: float = 20.0
    max_pages: int = DEFAULT_MAX_PAGES
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def from_options(cls, options: Any) -> Limits:
        """The limits a `SessionOptions` (or anything with the same fields) asks for."""
        if options is None:
            return cls(unit_timeout=default_unit_timeout())
        return cls(
            unit_timeout=float(options.unit_timeout),
            read_timeout=float(options.read_timeout),
            max_pages=int(options.max_pages),
            max_response_bytes=int(options.max_response_bytes),
        )


# -- errors (each becomes a gap; `scanner.aws.recorder.classify_error` knows them by name) --------------
class DeadlineExceeded(Exception):
    """The unit's deadline passed (or its watchdog gave up on it)."""

    def __init__(self, deadline: Deadline, operation: str | None = None) -> None:
        self.deadline = deadline
        self.operation = operation or deadline.operation  # the call in flight: the gap's operation
        super().__init__(f"deadline exceeded: {deadline.label} did not finish within {deadline.seconds:g} s")


class ResponseTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"response body larger than {limit} bytes; not read")


class MalformedResponse(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(f"malformed response: {what}")


class PaginationLoop(Exception):
    def __init__(self, pages: int) -> None:
        super().__init__(f"the service repeated a pagination token; stopped after {pages} page(s)")


class TooManyPages(Exception):
    def __init__(self, pages: int) -> None:
        super().__init__(f"pagination did not end within {pages} pages; stopped")


class Deadline:
    """A point in (monotonic) time a unit must be done by; cancellable by its watchdog. Thread-safe."""

    def __init__(self, seconds: float, label: str = "-", *, clock: Callable[[], float] = time.monotonic) -> None:
        if not seconds > 0:
            raise ValueError(f"a deadline needs a positive number of seconds, not {seconds!r}")
        self.seconds = float(seconds)
        self.label = label
        self._clock = clock
        self._ends = clock() + self.seconds
        self._cancelled = threading.Event()
        self.operation: str | None = None  # the last API operation started (named in the gap)

    def remaining(self) -> float:
        return 0.0 if self._cancelled.is_set() else max(0.0, self._ends - self._clock())

    @property
    def expired(self) -> bool:
        return self._cancelled.is_set() or self._clock() >= self._ends

    def cancel(self) -> None:
        """Make every later check fail at once (the watchdog gave up on the unit)."""
        self._cancelled.set()

    def check(self, operation: str | None = None) -> None:
        if self.expired:
            raise DeadlineExceeded(self, operation)

    def sleep(self, seconds: float) -> None:
        """Sleep, but not past the deadline (then raise); a cancel wakes it at once."""
        self.check()
        self._cancelled.wait(min(seconds, self.remaining()))
        self.check()


def run_bounded(target: Callable[[], T], deadline: Deadline, name: str = "airguard-aws") -> T:
    """`target()` on a daemon thread; its result or exception, or `DeadlineExceeded` once the deadline plus
    `WATCHDOG_GRACE` has passed (the deadline is then cancelled so the thread stops at its next check)."""
    box: dict[str, Any] = {}

    def runner() -> None:
        try:
            box["value"] = target()
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = error

    thread = threading.Thread(target=runner, name=name, daemon=True)
    thread.start()
    thread.join(deadline.remaining() + WATCHDOG_GRACE)
    if thread.is_alive():
        deadline.cancel()
        raise DeadlineExceeded(deadline)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


# -- botocore clients -------------------------------------------------------------------------------
def guard_client(client: Any, deadline: Deadline, limits: Limits) -> Any:
    """Bind a botocore client to `deadline` and `limits` (idempotent per client)."""
    if getattr(client, "_airguard_guarded", False):
        return client
    service = client.meta.service_model.service_name
    protocol = getattr(client.meta.service_model, "resolved_protocol", None) or client.meta.service_model.protocol

    def before_call(model: Any = None, context: Any = None, **_: Any) -> None:
        operation = f"{service}:{getattr(model, 'name', '?')}"
        deadline.check(operation)
        deadline.operation = operation
        if isinstance(context, dict):  # the same dict reaches the HTTP request: the body check reads it
            context[_OPERATION_KEY] = getattr(model, "name", None)

    def before_send(**_: Any) -> None:
        deadline.check()

    def needs_retry(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
        failed = caught_exception is not None or (
            isinstance(response, tuple) and getattr(response[0], "status_code", 200) >= 300
        )
        if failed:
            deadline.check()  # no retry (and no back-off sleep) once the time is up

    events = client.meta.events
    events.register("before-call", before_call)
    events.register("before-send", before_send)
    events.register_first("needs-retry", needs_retry)
    endpoint = getattr(client, "_endpoint", None)
    inner = getattr(endpoint, "http_session", None)
    if inner is not None and hasattr(inner, "send"):
        endpoint.http_session = BoundedHTTPSession(inner, deadline, limits, protocol)
    client._airguard_guarded = True
    return client


class BoundedHTTPSession:
    """Wraps botocore's HTTP session for one client: per-attempt read timeout bounded by the deadline, body
    read in pieces up to a cap, JSON success bodies checked."""

    def __init__(self, inner: Any, deadline: Deadline, limits: Limits, protocol: str | None) -> None:
        self._inner = inner
        self._deadline = deadline
        self._limits = limits
        self._protocol = protocol

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def close(self) -> None:
        self._inner.close()

    def send(self, request: Any) -> Any:
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

        self._deadline.check()
        read_timeout = max(_MIN_READ_TIMEOUT, min(self._limits.read_timeout, self._deadline.remaining()))
        shortened = read_timeout < self._limits.read_timeout
        context = getattr(request, "context", None)
        if isinstance(context, dict):
            context["read_timeout"] = read_timeout
        streamed = getattr(request, "stream_output", False)
        request.stream_output = True  # the body is read here, in pieces, not by botocore in one go
        try:
            response = self._inner.send(request)
        except (ReadTimeoutError, ConnectTimeoutError):
            if shortened or self._deadline.expired:
                raise DeadlineExceeded(self._deadline) from None
            raise
        finally:
            request.stream_output = streamed
        if streamed:
            return response
        body = self._read_body(response, request.url, shortened)
        response._content = body  # what AWSResponse.content returns from now on
        if 200 <= response.status_code < 300:
            operation = context.get(_OPERATION_KEY) if isinstance(context, dict) else None
            _check_success_body(body, self._protocol, operation)
        return response

    def _read_body(self, response: Any, url: str, shortened: bool) -> bytes:
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
        from urllib3.exceptions import ProtocolError
        from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

        raw = response.raw
        limit = self._limits.max_response_bytes
        declared = str(response.headers.get("content-length") or "").strip()
        if declared.isdigit() and int(declared) > limit:
            raw.close()
            raise ResponseTooLarge(limit)
        read = getattr(raw, "read1", None) or raw.read
        pieces: list[bytes] = []
        total = 0
        try:
            while True:
                if self._deadline.expired:
                    raise DeadlineExceeded(self._deadline)
                piece = read(_READ_PIECE)
                if not piece:
                    break
                total += len(piece)
                if total > limit:
                    raise ResponseTooLarge(limit)
                pieces.append(piece)
        except (DeadlineExceeded, ResponseTooLarge):
            raw.close()
            raise
        except Urllib3ReadTimeout as error:
            raw.close()
            if shortened or self._deadline.expired:
                raise DeadlineExceeded(self._deadline) from None
            raise ReadTimeoutError(endpoint_url=url, error=error) from None
        except ProtocolError as error:
            raw.close()
            raise ConnectionClosedError(endpoint_url=url, error=error) from None
        return b"".join(pieces)


def _check_success_body(body: bytes, protocol: str | None, operation: str | None) -> None:
    """A 2xx body must be what the protocol answers with; botocore reads several wrong ones as an empty
    result (no data and no error): non-JSON for the JSON protocols, any XML document for EC2."""
    if protocol in _JSON_PROTOCOLS:
        if not body:
            if protocol == "json":  # awsJson always answers with an object, `{}` at the least
                raise MalformedResponse("empty body")
            return
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise MalformedResponse("the body is not JSON") from None
        if not isinstance(parsed, dict):
            raise MalformedResponse("the body is not a JSON object")
    elif protocol in _XML_PROTOCOLS and operation:
        root = _XML_ROOT.match(body[:4096])
        if root is None:
            raise MalformedResponse("the body is not XML")
        if root.group(1).decode("ascii") != f"{operation}Response":
            raise MalformedResponse(f"the XML document is not a {operation}Response")


__all__ = [
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_UNIT_TIMEOUT",
    "UNIT_TIMEOUT_ENV",
    "WATCHDOG_GRACE",
    "BoundedHTTPSession",
    "Deadline",
    "DeadlineExceeded",
    "Limits",
    "MalformedResponse",
    "PaginationLoop",
    "ResponseTooLarge",
    "TooManyPages",
    "UnitTimeoutAction",
    "default_unit_timeout",
    "guard_client",
    "run_bounded",
]
