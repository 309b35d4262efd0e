"""Local stand-ins for AWS, for the test suite and ``python -m scripts.bench_aws`` (never used by a scan).

- `LocalMoto`: moto in server mode on 127.0.0.1 and a free port (needs ``moto[server]``).
- `FaultProxy`: an HTTP proxy in front of an AWS endpoint that, for chosen operations, answers with
  throttling, 5xx, access denied, a delay, or a canned body, and counts requests per operation.
  It recognises the operation from ``X-Amz-Target`` (JSON protocols), the ``Action=`` form parameter
  (query/EC2 protocols) or ``METHOD /path`` (REST), and the service from the SigV4 credential scope.
- `BlackHole`: a TCP server that accepts connections and never answers.
- `HostileEndpoint`: an HTTP server whose every answer a function of the test writes (`Reply`): garbage,
  huge or endless bodies, bodies trickled a byte at a time, token loops, echoes of the request.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_SCOPE_RE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


class LocalMoto:
    """moto's ThreadedMotoServer on 127.0.0.1 (port 0: the OS picks a free one)."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: Any = None
        self.url = ""

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self._port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self.url

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


@dataclass
class Fault:
    """What the proxy does instead of (or before) forwarding a request."""

    kind: str  # throttle | status | deny | delay | respond
    status: int = 0  # for status / respond
    delay_seconds: float = 0.0  # for delay
    body: str = ""  # for respond
    content_type: str = "text/xml"  # for respond
    message: str = ""  # error message (deny, throttle, status)
    times: int | None = None  # apply to the first N matching requests only; None = always
    skip: int = 0  # let the first N matching requests through untouched


def _protocol(service: str, headers: Any, form: dict[str, list[str]]) -> str:
    if headers.get("X-Amz-Target"):
        return "json"
    if form.get("Action"):
        return "ec2" if service == "ec2" else "query"
    return "rest-json"


def _read_request(handler: BaseHTTPRequestHandler) -> tuple[bytes, str, str, str, dict[str, list[str]]]:
    """Read a request's body and name it: (body, service from the SigV4 scope, operation from X-Amz-Target, the
    Action= form parameter or METHOD /path, Content-Type, form parameters)."""
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    scope = _SCOPE_RE.search(handler.headers.get("Authorization", ""))
    service = scope.group("service") if scope else "unknown"
    content_type = handler.headers.get("Content-Type", "")
    form = parse_qs(body.decode("utf-8", "replace")) if "x-www-form-urlencoded" in content_type else {}
    target = handler.headers.get("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif form.get("Action"):
        operation = form["Action"][0]
    else:
        operation = f"{handler.command} {urlsplit(handler.path).path}"
    return body, service, operation, content_type, form


def _error_codes(kind: str, status: int, protocol: str) -> tuple[int, str]:
    if kind == "throttle":
        return {
            "json": (400, "ThrottlingException"),
            "ec2": (503, "RequestLimitExceeded"),
            "rest-json": (429, "ThrottlingException"),
        }.get(protocol, (400, "Throttling"))
    if kind == "deny":
        return {
            "json": (400, "AccessDeniedException"),
            "ec2": (403, "UnauthorizedOperation"),
            "rest-json": (403, "AccessDeniedException"),
        }.get(protocol, (403, "AccessDenied"))
    code = (
        "ServiceUnavailable"
        if status == 503
        else ("InternalError" if protocol in ("ec2", "query") else "InternalServerException")
    )
    return status, code


def error_response(protocol: str, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """An error in the wire format botocore parses for `protocol`."""
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, {"Content-Type": "application/x-amz-json-1.1"}, body
    if protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, body
    if protocol == "ec2":
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message></Error></Errors><RequestID>fault</RequestID></Response>"
        )
        return status, {"Content-Type": "text/xml"}, xml.encode()
    xml = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code><Message>{escape(message)}"
        f"</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, xml.encode()


def query_response(
    operation: str, result_xml: str, xmlns: str = "http://rds.amazonaws.com/doc/2014-10-31/"
) -> str:
    """A query-protocol success body, e.g. for an operation a local AWS does not implement."""
    return (
        f'<{operation}Response xmlns="{xmlns}"><{operation}Result>{result_xml}</{operation}Result>'
        f"<ResponseMetadata><RequestId>canned</RequestId></ResponseMetadata></{operation}Response>"
    )


def serve_on_loopback(handle: Callable[[BaseHTTPRequestHandler], None],
                      name: str = "loopback") -> tuple[ThreadingHTTPServer, str]:
    """A threaded HTTP server on 127.0.0.1 (a free port) passing every request to `handle`; and its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            handle(self)

        do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop_server(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


class LoopbackService:
    """An HTTP service of the tests on 127.0.0.1: `start()` gives its URL, subclasses answer in `_handle`."""

    thread_name = "loopback"
    url = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        self._server, self.url = serve_on_loopback(self._handle, self.thread_name)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            stop_server(self._server)
            self._server = None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError


class BlackHole:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte (nor closes)."""

    def __init__(self) -> None:
        self.url = ""
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> str:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, name="black-hole", daemon=True).start()
        return self.url

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.accepted += 1
                self._connections.append(connection)  # kept open, never read from or written to

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None


@dataclass
class SeenRequest:
    """One request to a `HostileEndpoint`: ``service:Operation`` (as `FaultProxy` names it), its form
    parameters (query protocols), JSON body (JSON protocols), headers, and how many came before it."""

    operation: str
    form: dict[str, list[str]]
    json_body: Any
    headers: dict[str, str]
    index: int


@dataclass
class Reply:
    """An answer: `body` as bytes (sent with its length) or pieces (sent chunked, or under a declared
    `length`), `pause` seconds before each piece; `head_pause` trickles the status line and headers
    themselves one byte per pause, forever."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "text/xml"
    length: int | None = None
    pause: float = 0.0
    head_pause: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class HostileEndpoint(LoopbackService):
    """An AWS endpoint on 127.0.0.1 that answers whatever `answer(SeenRequest)` returns."""

    def __init__(self, answer: Callable[[SeenRequest], Reply]) -> None:
        self.answer = answer
        self.requests: Counter[str] = Counter()
        self.seen: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.thread_name = "hostile-endpoint"

    def stop(self) -> None:
        self._stopping.set()  # ends trickles and endless bodies (their connections close)
        super().stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body, service, operation, content_type, form = _read_request(handler)
        try:
            json_body = json.loads(body) if body and "json" in content_type else None
        except ValueError:
            json_body = None
        with self._lock:
            key = f"{service}:{operation}"
            self.requests[key] += 1
            seen = SeenRequest(key, form, json_body, dict(handler.headers.items()), len(self.seen))
            self.seen.append(seen)
        reply = self.answer(seen)
        try:
            self._write(handler, reply)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            return  # the client gave up

    def _write(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.head_pause:
            handler.close_connection = True
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: ":  # then one header byte per pause, until stopped
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(reply.head_pause)
            while not self._stopping.is_set():
                handler.wfile.write(b"a")
                handler.wfile.flush()
                self._stopping.wait(reply.head_pause)
            return
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        if isinstance(reply.body, bytes):
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
            handler.wfile.flush()
            return
        chunked = reply.length is None
        handler.send_header(*(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(reply.length))))
        handler.end_headers()
        for piece in reply.body:
            if self._stopping.is_set():
                break
            if reply.pause:
                self._stopping.wait(reply.pause)
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            handler.wfile.flush()
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        handler.close_connection = True


class FaultProxy(LoopbackService):
    """An HTTP proxy on 127.0.0.1 in front of `upstream` that injects faults per operation."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.requests: Counter[str] = Counter()
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self.thread_name = "fault-proxy"

    # -- faults ----------------------------------------------------------------------------
    def add(self, operation: str, fault: Fault) -> None:
        """`operation` as ``service:Operation`` (``rds:DescribeDBClusters``) or ``Operation`` alone."""
        with self._lock:
            self._faults.setdefault(operation, []).append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def throttle(self, operation: str, times: int | None = None) -> None:
        self.add(operation, Fault("throttle", message="Rate exceeded", times=times))

    def server_error(
        self, operation: str, status: int = 500, times: int | None = None, skip: int = 0
    ) -> None:
        self.add(
            operation,
            Fault(
                "status", status=status, message="We encountered an internal error", times=times, skip=skip
            ),
        )

    def deny(self, operation: str, message: str = "", times: int | None = None) -> None:
        self.add(operation, Fault("deny", message=message, times=times))

    def delay(self, operation: str, seconds: float, times: int | None = None) -> None:
        self.add(operation, Fault("delay", delay_seconds=seconds, times=times))

    def respond(self, operation: str, body: str, status: int = 200, content_type: str = "text/xml") -> None:
        self.add(operation, Fault("respond", status=status, body=body, content_type=content_type))

    def _take(self, service: str, operation: str) -> Fault | None:
        with self._lock:
            for key in (f"{service}:{operation}", operation):
                for fault in self._faults.get(key, []):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    if fault.times is None:
                        return fault
                    if fault.times > 0:
                        fault.times -= 1
                        return fault
        return None

    # -- server ----------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body, service, operation, _, form = _read_request(handler)
        with self._lock:
            self.requests[f"{service}:{operation}"] += 1
        fault = self._take(service, operation)
        try:
            if fault is None or fault.kind == "delay":
                if fault is not None:
                    time.sleep(fault.delay_seconds)
                try:
                    self._forward(handler, body)
                except (ConnectionRefusedError, http.client.HTTPException, TimeoutError):
                    self._send(handler, 502, {"Content-Type": "text/plain"}, b"upstream unavailable")
            elif fault.kind == "respond":
                self._send(handler, fault.status, {"Content-Type": fault.content_type}, fault.body.encode())
            else:
                protocol = _protocol(service, handler.headers, form)
                status, code = _error_codes(fault.kind, fault.status, protocol)
                message = (
                    fault.message
                    or f"User: arn:aws:iam::123456789012:user/airguard is not authorized to "
                    f"perform: {service}:{operation}"
                )
                self._send(handler, *error_response(protocol, status, code, message))
        except (
            BrokenPipeError,
            ConnectionResetError,
            ConnectionAbortedError,
        ):  # the client gave up (timeout)
            return

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Host"] = handler.headers.get("Host", f"{self.upstream_host}:{self.upstream_port}")
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            passed = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            self._send(handler, response.status, passed, data)
        finally:
            connection.close()

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)
        handler.wfile.flush()
