"""The DagBag child's result file, read as hostile input.

The child runs DAG code, and that code can rewrite the result file (or the progress file) before the
child exits. So the parent reads at most `RESULT_CAP` bytes of a regular file (no symlink, FIFO or
device), and keeps only the fields it knows, of the types it expects, within length and count limits:

- paths must lie (once resolved) inside the scanned DAG folders: a record naming ``/proc/self/environ``
  or ``~/.aws/credentials`` is dropped, so the parent never reads or shows such a file;
- ids must look like Airflow ids; messages and conn ids are cut to a length and scrubbed of credential
  shapes and of the values of the parent's secret-named environment variables (a second line of
  defence: the contained child cannot read them);
- unknown fields are ignored; each dropped record is counted (`dropped`), which becomes an error notice.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.safeio import ReadRefused, os_reason, read_regular
from scanner.secrets import MASK, is_secret_key, scrub_patterns

RESULT_CAP = 32 * 1024 * 1024
TAIL_CHARS = 300          # the child's stderr: its last line, this long at most
MESSAGE_CHARS = 2000      # an import error's message
ID_CHARS = 250            # Airflow's own limit for DAG and task ids
PATH_CHARS = 4096
CLASS_CHARS = 500
MAX_DAGS = 50_000
MAX_TASKS = 500_000       # over all DAGs
MAX_CONN_IDS = 200        # per task
MAX_FILES = 200_000
MAX_ERRORS = 200_000

_ID_RE = re.compile(rf"[\w.\-]{{1,{ID_CHARS}}}")
_CLASS_RE = re.compile(rf"[\w.<>]{{1,{CLASS_CHARS}}}")
_EXCEPTION_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Environment variable names whose values are credentials, beyond what `is_secret_key` knows.
_SECRET_NAME_RE = re.compile(r"(?i)(token|secret|passw|pwd|credential|api_?key|auth|private|session|cookie|"
                             r"_key$|^key$|_pat$|webhook|dsn|conn_|_conn$)")
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})
_MIN_SECRET_CHARS = 8


class ResultError(Exception):
    """The result file cannot be used; the message names no content."""


def read_capped(path: Path, cap: int = RESULT_CAP, tail: int | None = None) -> bytes:
    """At most `cap` bytes of the regular file at `path` (not followed if a symlink); with `tail`, its last
    `tail` bytes (`safeio.read_regular`). FileNotFoundError when it is missing."""
    try:
        return read_regular(path, cap, tail=tail)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ResultError(f"cannot open: {os_reason(exc)}") from None
    except ReadRefused as exc:
        if exc.not_regular:
            raise ResultError("not a regular file") from None
        if exc.too_large:
            raise ResultError(f"larger than {cap // (1024 * 1024)} MiB") from None
        raise ResultError(f"cannot read: {os_reason(exc.cause) if exc.cause else exc.message}") from None


@dataclass
class Cleaner:
    """Cuts, scrubs and checks the strings that come from the child."""

    secrets: list[str] = field(default_factory=list)

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Cleaner:
        """The values of the parent's secret-named variables (the contained child cannot read them; should
        containment fail, they are still never shown)."""
        values = {value for name, value in environment.items()
                  if len(value) >= _MIN_SECRET_CHARS and not value.startswith("/") and name not in _NOT_SECRET_NAMES
                  and (is_secret_key(name) or _SECRET_NAME_RE.search(name))}
        return cls(sorted(values, key=len, reverse=True))

    def mask(self, text: str) -> str:
        for value in self.secrets:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def text(self, value: Any, limit: int) -> str:
        """A free-text string: control characters out, secrets and credential shapes masked, `limit` long."""
        text = _CONTROL_RE.sub(" ", str(value)[: limit * 4])
        text = scrub_patterns(self.mask(text))
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def path(self, value: Any, roots: list[Path]) -> str | None:
        """`value` when it is an absolute path whose real location is one of `roots` or inside one."""
        if not isinstance(value, str) or not value.startswith("/") or len(value) > PATH_CHARS \
                or "\x00" in value or _CONTROL_RE.search(value):
            return None
        real = Path(os.path.realpath(value))
        for root in roots:
            if real == root or real.is_relative_to(root):
                return os.path.normpath(value)
        return None


def _identifier(value: Any) -> str | None:
    return value if isinstance(value, str) and _ID_RE.fullmatch(value) else None


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000_000 else None


def _seconds(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


class _Parser:
    def __init__(self, roots: list[Path], cleaner: Cleaner) -> None:
        self.roots = [Path(os.path.realpath(r)) for r in roots]
        self.cleaner = cleaner
        self.dropped = 0
        self.tasks = 0

    def items(self, value: Any, limit: int) -> list[Any]:
        if not isinstance(value, list):
            if value is not None:
                self.dropped += 1
            return []
        if len(value) > limit:
            self.dropped += len(value) - limit
        return value[:limit]

    def path(self, value: Any) -> str | None:
        return self.cleaner.path(value, self.roots)

    def task(self, record: Any) -> dict[str, Any] | None:
        if not isinstance(record, dict) or self.tasks >= MAX_TASKS:
            return None
        task_id = _identifier(record.get("task_id"))
        if task_id is None:
            return None
        self.tasks += 1
        operator = record.get("operator_class")
        conn_ids = []
        for conn_id in self.items(record.get("conn_ids"), MAX_CONN_IDS):
            if isinstance(conn_id, str) and 0 < len(conn_id) <= ID_CHARS and not _CONTROL_RE.search(conn_id):
                conn_ids.append(self.cleaner.mask(conn_id))
            else:
                self.dropped += 1
        custom = record.get("custom_operator_name")
        return {"task_id": task_id,
                "operator_class": operator if isinstance(operator, str) and _CLASS_RE.fullmatch(operator) else "",
                "mapped": record.get("mapped") is True,
                "conn_ids": list(dict.fromkeys(conn_ids)),
                "custom_operator_name": self.cleaner.text(custom, ID_CHARS) if isinstance(custom, str) else None}

    def dag(self, record: Any) -> dict[str, Any] | None:
        if not isinstance(record, dict):
            return None
        dag_id, fileloc = _identifier(record.get("dag_id")), self.path(record.get("fileloc"))
        if dag_id is None or fileloc is None:
            return None
        tasks = []
        for item in self.items(record.get("tasks"), MAX_TASKS):
            task = self.task(item)
            if task is None:
                self.dropped += 1
            else:
                tasks.append(task)
        return {"dag_id": dag_id, "fileloc": fileloc, "tasks": tasks}

    def error(self, record: Any) -> dict[str, Any] | None:
        if not isinstance(record, dict):
            return None
        file = self.path(record.get("file"))
        if file is None:
            return None
        exception = record.get("exception")
        result: dict[str, Any] = {
            "file": file, "kind": "import", "line": _line(record.get("line")),
            "message": self.cleaner.text(record.get("message") or "", MESSAGE_CHARS),
            "exception": exception if isinstance(exception, str) and _EXCEPTION_RE.fullmatch(exception) else None}
        kind = record.get("kind")
        dag_id = _identifier(record.get("dag_id"))
        if kind == "cycle" and dag_id is not None:
            result.update(kind="cycle", dag_id=dag_id, task_id=_identifier(record.get("task_id")))
        elif kind == "duplicate" and dag_id is not None:
            also_in = self.path(record.get("also_in"))
            if also_in is not None:
                result.update(kind="duplicate", dag_id=dag_id, also_in=also_in)
        return result


def parse_result(raw: bytes, roots: list[Path], cleaner: Cleaner) -> dict[str, Any]:
    """The validated result: ``{"dags", "errors", "files", "dropped"}`` (and timings), or ``{"fatal": text}``."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ResultError("not valid JSON") from None
    if not isinstance(document, dict):
        raise ResultError("not a JSON object")
    if "fatal" in document:
        return {"fatal": cleaner.text(document["fatal"], MESSAGE_CHARS)}
    parser = _Parser(roots, cleaner)
    result: dict[str, Any] = {"dags": [], "errors": [], "files": []}
    for item in parser.items(document.get("files"), MAX_FILES):
        path = parser.path(item)
        if path is None:
            parser.dropped += 1
        else:
            result["files"].append(path)
    for key, limit, convert in (("dags", MAX_DAGS, parser.dag), ("errors", MAX_ERRORS, parser.error)):
        for item in parser.items(document.get(key), limit):
            record = convert(item)
            if record is None:
                parser.dropped += 1
            else:
                result[key].append(record)
    for key in ("airflow_import_seconds", "load_seconds"):
        seconds = _seconds(document.get(key))
        if seconds is not None:
            result[key] = seconds
    result["dropped"] = parser.dropped
    return result
