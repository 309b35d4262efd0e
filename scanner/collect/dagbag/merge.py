"""Turn the DagBag child's JSON into resources and merge them with what static analysis found.

Tasks and DAGs keep the ids the static analyzer gives them (``airflow.task:<path>:<dag>.<task>``),
so a task seen both ways becomes one resource: enriched with the real operator class and every
conn id the loaded object holds. Tasks only the DagBag saw become new resources. Each loaded file
becomes an ``airflow.dag_file`` resource carrying its import error, cycle or duplicate DAG id.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scanner import safeio
from scanner.collect.dagbag.runner import DagbagOutcome
from scanner.collect.files import excluded
from scanner.context import ScanContext
from scanner.model import FileLocation, Resource, ResourceGraph, Source
from scanner.records import replace
from scanner.source import SourceFile

DAG, TASK, DAG_FILE = "airflow.dag", "airflow.task", "airflow.dag_file"


def _source(ctx: ScanContext, path: str, absolute: Path) -> SourceFile | None:
    """A DAG file the child named (`result.py` checked that it resolves into a scanned folder), read as
    every scanned file is (`safeio`: inside the scan's boundaries, a regular file, capped)."""
    if path not in ctx.sources:
        try:
            text = safeio.read_text(absolute, safeio.SCANNED_FILE_CAP, ctx.boundaries)
        except safeio.ReadRefused:
            return None
        ctx.sources[path] = SourceFile(path=path, absolute=absolute, text=text)
    return ctx.sources[path]


def _line_of(source: SourceFile | None, *needles: str) -> int:
    """The first line that holds one of `needles` as a quoted string (or a `def` name), else 1."""
    if source is None:
        return 1
    patterns = [re.compile("([\'\"])" + re.escape(n) + r"\1") for n in needles if n] + \
               [re.compile(r"\bdef\s+" + re.escape(n) + r"\s*\(") for n in needles if n]
    for pattern in patterns:
        for number, line in enumerate(source.lines, start=1):
            if pattern.search(line):
                return number
    return 1


def _at(path: str, line: int) -> FileLocation:
    return FileLocation(path=path, start_line=line, end_line=line)


class _Merger:
    def __init__(self, graph: ResourceGraph, ctx: ScanContext) -> None:
        self.graph = graph
        self.ctx = ctx
        self.files: dict[str, Resource] = {}

    def text(self, message: str) -> str:
        """A message from the child, redacted, with absolute paths under the root made relative."""
        return self.ctx.redactor.scrub(message.replace(str(self.ctx.root) + "/", ""))

    def rel(self, file: str) -> str:
        return self.ctx.relpath(Path(file))

    def dag_file(self, file: str) -> Resource:
        path = self.rel(file)
        if path not in self.files:
            _source(self.ctx, path, Path(file))
            self.files[path] = Resource(
                id=f"{DAG_FILE}:{path}", type=DAG_FILE, name=path, source=Source(file=_at(path, 1)),
                attributes={"path": path, "loaded_by": "dagbag", "dag_ids": [], "import_error": None,
                            "cycle": None, "duplicate_dag_id": None})
        return self.files[path]

    def dag(self, record: dict[str, Any]) -> None:
        path, dag_id = self.rel(record["fileloc"]), str(record["dag_id"])
        self.dag_file(record["fileloc"]).attributes["dag_ids"].append(dag_id)
        source = _source(self.ctx, path, Path(record["fileloc"]))
        task_ids = [str(t["task_id"]) for t in record["tasks"]]
        dag_resource_id = f"{DAG}:{path}:{dag_id}"
        if self.graph.has(dag_resource_id):
            known = self.graph.get(dag_resource_id)
            attributes = {**known.attributes, "tasks": sorted(task_ids), "loaded_by_dagbag": True}  # the real list
            self.graph.replace(replace(known, attributes=attributes))
        else:
            self.graph.add(Resource(id=dag_resource_id, type=DAG, name=dag_id,
                                    attributes={"dag_id": dag_id, "tasks": sorted(task_ids), "loaded_by_dagbag": True},
                                    source=Source(file=_at(path, _line_of(source, dag_id)))))
        for task in record["tasks"]:
            self.task(path, source, dag_id, task)

    def task(self, path: str, source: SourceFile | None, dag_id: str, record: dict[str, Any]) -> None:
        task_id = str(record["task_id"])
        label = f"{dag_id}.{task_id}"
        resource_id = f"{TASK}:{path}:{label}"
        operator_class = str(record.get("operator_class") or "")
        found = {"operator": operator_class.rsplit(".", 1)[-1], "operator_class": operator_class,
                 "loaded_by_dagbag": True}
        short_id = task_id.rsplit(".", 1)[-1]  # task groups prefix the group id; static analysis does not
        static_id = next((candidate for candidate in (resource_id, f"{TASK}:{path}:{dag_id}.{short_id}")
                          if self.graph.has(candidate)), None)
        if static_id is not None:
            known = self.graph.get(static_id)
            conn_ids = list(dict.fromkeys([*(known.attributes.get("conn_ids") or []), *record.get("conn_ids", [])]))
            attributes = {**known.attributes, **found, "task_id": task_id, "conn_ids": conn_ids,
                          "mapped": bool(known.attributes.get("mapped")) or bool(record.get("mapped"))}
            self.graph.replace(replace(known, attributes=attributes))
            return
        line = _line_of(source, task_id, short_id) if source else 1
        if line == 1:  # a computed task id (f-string in a loop): point at the DAG
            line = _line_of(source, dag_id)
        self.graph.add(Resource(
            id=resource_id, type=TASK, name=label, source=Source(file=_at(path, line)),
            attributes={"dag_id": dag_id, "task_id": task_id, **found, "conn_ids": list(record.get("conn_ids", [])),
                        "mapped": bool(record.get("mapped"))}))

    def error(self, record: dict[str, Any]) -> None:
        resource = self.dag_file(record["file"])
        path = resource.attributes["path"]
        source = self.ctx.sources.get(path)
        message = self.text(str(record.get("message") or ""))
        kind = record.get("kind")
        if kind == "cycle":
            line = _line_of(source, str(record.get("dag_id")))
            resource.attributes["cycle"] = {"dag_id": record.get("dag_id"), "task_id": record.get("task_id"),
                                            "message": message}
            resource.locations["cycle"] = _at(path, line)
        elif kind == "duplicate":
            line = _line_of(source, str(record.get("dag_id")))
            also_in = self.rel(str(record.get("also_in") or ""))
            resource.attributes["duplicate_dag_id"] = {"dag_id": record.get("dag_id"), "also_in": also_in,
                                                       "message": message}
            resource.attributes["_links"] = [{"relation": "duplicates", "target_id": f"{DAG}:{also_in}:{record.get('dag_id')}"}]
            resource.locations["duplicate_dag_id"] = _at(path, line)
        else:
            resource.attributes["import_error"] = {"exception": record.get("exception"), "message": message,
                                                   "line": record.get("line")}
            resource.locations["import_error"] = _at(path, int(record.get("line") or 1))


def merge_dagbag(graph: ResourceGraph, ctx: ScanContext, outcome: DagbagOutcome) -> None:
    """Add what the DagBag load found to `graph`; a failed load becomes an error notice."""
    for warning in outcome.warnings:
        ctx.notice("dagbag", ctx.redactor.scrub(warning), level="warning")
    if outcome.problem:
        last = ctx.relpath(Path(outcome.last_file)) if outcome.last_file else None
        suffix = f" (while importing {last})" if last else ""
        message = (outcome.problem + suffix).replace(str(ctx.root) + "/", "")
        ctx.notice("dagbag", ctx.redactor.scrub(message), path=last, level="error")
        return
    merger = _Merger(graph, ctx)

    def kept(file: object) -> bool:
        return not (outcome.exclude and excluded(merger.rel(str(file)), outcome.exclude))

    for file in outcome.data.get("files", []):
        if kept(file):
            merger.dag_file(file)
    for record in outcome.data.get("dags", []):
        if kept(record.get("fileloc")):
            merger.dag(record)
    for record in outcome.data.get("errors", []):
        if kept(record.get("file")):
            merger.error(record)
    for resource in merger.files.values():
        graph.add(resource)
    dropped = outcome.data.get("dropped") or 0
    if dropped:
        ctx.notice("dagbag", f"{dropped} record(s) of the DagBag result were malformed or named files outside "
                             "the scanned folders and were ignored", level="error")
