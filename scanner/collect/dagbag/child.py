"""The child side of `--dagbag`: load DAG folders with Airflow's own DagBag, write plain JSON.

Runs in its own contained process (see `runner.py` and `sandbox.py`) with a scrubbed environment and
a temporary AIRFLOW_HOME. Uses only the standard library and apache-airflow, so it can be started as
``python -m scanner.collect.dagbag.child RESULT PROGRESS PATH...``. Airflow's logging goes to
this process's stdout/stderr, which the parent discards (but for a short, scrubbed last line of stderr);
the result goes to the RESULT file only. DAG code runs in this same process and can rewrite that file,
so the parent treats it as hostile input (`result.py`).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

_FRAME_RE = re.compile(r'^[^\S\n]*File "(?P<file>[^"]+)", line (?P<line>\d+)', re.MULTILINE)
_CYCLE_RE = re.compile(r"Cycle detected in Dag: (?P<dag_id>\S+?)\.? Faulty task: (?P<task_id>\S+)")
_DUPLICATE_RE = re.compile(r"Ignoring DAG (?P<dag_id>\S+) from (?P<file>.+?) - also found in (?P<other>.+?)\s*$")


def class_path(cls: Any) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', getattr(cls, '__name__', '?'))}"


def _conn_values(value: Any) -> list[str]:
    """Literal conn ids in an attribute value (a string, or a list of strings for mapped input)."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _from_mapping(mapping: Any) -> list[str]:
    if not isinstance(mapping, dict):
        return []
    found: list[str] = []
    for key, value in mapping.items():
        if isinstance(key, str) and key.endswith("conn_id"):
            found.extend(_conn_values(value))
    return found


def task_conn_ids(task: Any) -> list[str]:
    """Every literal value of an attribute ending in `conn_id`, mapped-task arguments included."""
    found: list[str] = []
    if hasattr(task, "partial_kwargs"):  # a MappedOperator: .partial(...).expand(...) / expand_kwargs(...)
        found.extend(_from_mapping(getattr(task, "partial_kwargs", None)))
        expand_value = getattr(getattr(task, "expand_input", None), "value", None)
        if isinstance(expand_value, dict):
            found.extend(_from_mapping(expand_value))
        elif isinstance(expand_value, (list, tuple)):
            for item in expand_value:
                found.extend(_from_mapping(item))
    for name in dir(task):
        if not name.endswith("conn_id") or name.startswith("__"):
            continue
        try:
            value = getattr(task, name)
        except Exception:  # noqa: BLE001, S112 - a property that fails is no conn id
            continue
        if not callable(value):
            found.extend(_conn_values(value))
    return list(dict.fromkeys(found))


def task_record(task: Any) -> dict[str, Any]:
    mapped = hasattr(task, "partial_kwargs")
    operator_class = getattr(task, "operator_class", None) if mapped else type(task)
    if isinstance(operator_class, dict):  # a deserialized mapped operator keeps a dict
        operator_path = str(operator_class.get("_task_module", "?")) + "." + str(operator_class.get("task_type", "?"))
    else:
        operator_path = class_path(operator_class)
    return {"task_id": task.task_id, "operator_class": operator_path, "mapped": mapped,
            "conn_ids": task_conn_ids(task), "custom_operator_name": getattr(task, "custom_operator_name", None)}


def error_record(file: str, text: str) -> dict[str, Any]:
    """An import error: its last line, the line in `file` the traceback points at, and its kind."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    message = lines[-1].strip() if lines else text.strip()
    line_number = None
    for match in _FRAME_RE.finditer(text):
        if os.path.abspath(match.group("file")) == os.path.abspath(file):
            line_number = int(match.group("line"))
    record: dict[str, Any] = {"file": file, "message": message, "line": line_number, "kind": "import"}
    exception = message.split(":", 1)[0].rsplit(".", 1)[-1]
    record["exception"] = exception if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", exception) else None
    cycle = _CYCLE_RE.search(text)
    if exception == "AirflowDagCycleException" and cycle:
        record.update(kind="cycle", dag_id=cycle.group("dag_id"), task_id=cycle.group("task_id"))
    duplicate = _DUPLICATE_RE.search(message)
    if exception == "AirflowDagDuplicatedIdException" and duplicate:
        record.update(kind="duplicate", dag_id=duplicate.group("dag_id"), also_in=duplicate.group("other"))
    return record


def load(paths: list[str], progress_file: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    for path in paths:  # DAG files import their neighbours; appended (never first), as Airflow does
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        if folder not in sys.path:
            sys.path.append(folder)
    from airflow.dag_processing.dagbag import DagBag

    imported = time.perf_counter()
    result: dict[str, Any] = {"dags": [], "errors": [], "files": [], "airflow_import_seconds": imported - started}
    for path in paths:
        bag = DagBag(path, safe_mode=True, load_op_links=False, collect_dags=False)
        original = bag.process_file

        def process_file(filepath: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            result["files"].append(filepath)
            if progress_file:
                with open(progress_file, "a", encoding="utf-8") as progress:
                    progress.write(filepath + "\n")
            return _original(filepath, *args, **kwargs)

        bag.process_file = process_file  # type: ignore[method-assign]
        bag.collect_dags(dag_folder=path, safe_mode=True)
        for dag_id, dag in sorted(bag.dags.items()):
            result["dags"].append({"dag_id": dag_id, "fileloc": str(dag.fileloc),
                                   "tasks": [task_record(task) for task in dag.tasks]})
        for file, text in sorted(bag.import_errors.items()):
            absolute = file if Path(file).is_absolute() else str(Path(path) / file)
            result["errors"].append(error_record(absolute, str(text)))
    result["load_seconds"] = time.perf_counter() - imported
    return result


def main(argv: list[str]) -> int:
    result_file, progress_file, *paths = argv
    try:
        result = load(paths, progress_file or None)
    except BaseException as exc:  # noqa: BLE001 - report, never crash silently
        result = {"fatal": f"{type(exc).__name__}: {exc}"}
    with open(result_file, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
