"""One pipeline over registered collectors: a collector added to `scanner.collectors.FACTORIES` runs in the
scan, its resources are linked and judged like any other's; an isolated collector that fails is an error
notice (partial scan), not a crash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner import collectors
from scanner.collector import Collector, CollectResult
from scanner.config import Config
from scanner.context import ScanContext
from scanner.findings import Notice
from scanner.model import AwsIdentity, Resource, ResourceGraph, Source
from scanner.scan import run_scan


@dataclass
class OneCluster:
    """A stand-in IaC collector: one cluster without IAM authentication."""

    name: str = "test-iac"
    description: str = "the test templates"
    isolated: bool = True
    fail: bool = False

    def collect(self, ctx: ScanContext, graph: ResourceGraph) -> CollectResult:
        if self.fail:
            raise ValueError("broken template")
        arn = "arn:aws:rds:eu-west-1:123456789012:cluster:orders"
        cluster = Resource(id=f"aws.rds.cluster:{arn}", type="aws.rds.cluster", name="orders",
                           attributes={"identifier": "orders", "engine": "aurora-postgresql", "iam_database_authentication_enabled": False,
                                       "storage_encrypted": True, "publicly_accessible": False, "_links": []},
                           source=Source(aws=AwsIdentity(arn=arn)))
        return CollectResult([cluster], [Notice(kind="not-evaluated", level="warning", message="from the test")])


def _register(monkeypatch: pytest.MonkeyPatch, collector: Collector) -> None:
    monkeypatch.setattr(collectors, "FACTORIES", [*collectors.FACTORIES, ("test-iac", lambda request: collector)])


def test_a_registered_collector_runs_and_its_resources_are_judged(monkeypatch, tmp_path: Path) -> None:
    _register(monkeypatch, OneCluster())
    result = run_scan([tmp_path], Config(), tmp_path)
    assert [(f.rule_id, f.resource_name) for f in result.findings if f.rule_id == "AG501"] == [("AG501", "orders")]
    assert [n.message for n in result.notices] == ["from the test"]
    assert not result.partial


def test_an_isolated_collector_that_fails_makes_the_scan_partial(monkeypatch, tmp_path: Path) -> None:
    _register(monkeypatch, OneCluster(fail=True))
    result = run_scan([tmp_path], Config(), tmp_path)
    assert [(n.kind, n.message) for n in result.notices] == [
        ("internal-error", "airguard could not read the test templates (ValueError); it was skipped")]
    assert result.partial and result.findings == []


def test_the_default_scan_builds_only_the_collectors_it_needs(tmp_path: Path) -> None:
    request = collectors.ScanRequest(paths=[tmp_path], config=Config(), root=tmp_path)
    assert [c.name for c in collectors.build_collectors(request)] == ["files"]
    assert collectors.build_collectors(collectors.ScanRequest(paths=[], config=Config(), root=tmp_path)) == []


def test_a_scan_leaves_the_cyclic_collector_as_it_found_it(tmp_path: Path) -> None:
    """Collection runs with Python's cyclic collector off and freezes what it made; the scan gives both back:
    the collector on again, nothing left frozen (a library caller's process keeps no scan in the permanent
    generation), and the collector stays off for a caller that had it off."""
    import gc

    (tmp_path / ".env").write_text("AIRFLOW_CONN_DB=postgres://app:Tmp-Gc-Pw-71@db.example.com/app\n")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    result = run_scan([tmp_path], Config(), tmp_path, jobs=1)
    assert [f.rule_id for f in result.findings if f.rule_id == "AG101"] == ["AG101"]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        run_scan([tmp_path], Config(), tmp_path, jobs=1)
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()
    gc.freeze()   # a process that froze objects of its own: they stay frozen, none of the scan's join them
    try:
        frozen = gc.get_freeze_count()
        run_scan([tmp_path], Config(), tmp_path, jobs=1)
        assert gc.isenabled() and gc.get_freeze_count() <= frozen   # (frozen objects freed since leave it)
    finally:
        gc.unfreeze()


def test_a_process_that_analyses_dag_files_itself_does_not_keep_their_cyclic_garbage(tmp_path: Path) -> None:
    """While a scan's collector is paused, a DAG file analysed in this process (--jobs 1, small trees) runs with
    it on: the scopes the analysis leaves in cycles (holding parts of the file's syntax tree) are collected as
    files go, at the collector's own rate (the command's: every 50,000 allocations), not kept until the scan
    ends (a hostile tree of large files would hold every tree)."""
    import gc

    from scanner import gcpause
    from scanner.collect import unit
    from scanner.collect.pycode.values import Scope

    source = "".join(f"class Task{n}:\n    NAME = 'x{n}'\n    def run(self):\n        return self.NAME\n"
                     for n in range(200))
    path = tmp_path / "dag.py"
    path.write_text(source)

    def live_scopes() -> int:
        return sum(1 for item in gc.get_objects() if type(item) is Scope)

    files, thresholds = 150, gc.get_threshold()
    gc.collect()
    before = live_scopes()
    gc.set_threshold(50_000, 20, 20)   # as `airguard` runs (`cli._fewer_collections`)
    try:
        with gcpause.Paused() as paused:
            for _ in range(files):
                unit.run_file(tmp_path, path, "dag.py", "python", source.encode())
            kept = live_scopes() - before
            paused.freeze()
    finally:
        gc.set_threshold(*thresholds)
    # 201 scopes a file (the module's, a class's each); paused throughout, all 30,150 would wait; measured:
    # 8,000-10,000 (the garbage of one collection interval) whatever the number of files
    assert kept <= files * 201 // 2
    assert gc.isenabled()
