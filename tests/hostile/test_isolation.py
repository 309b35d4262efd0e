"""A failure while handling one file (or one input) becomes a notice for it; the rest of the report stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, findings_of

# (collector injected, file it reads in the scanned tree)
FILE_COLLECTORS = [
    ("env", "connections-export.env"),
    ("yaml", "helm-values.yaml"),
    ("json", "export.json"),
    ("cfg", "airflow.cfg"),
]


def _scan(run_cli, *paths: Path | str) -> dict:
    result = run_cli("scan", *paths, "-f", "json", "--fail-on", "none", "--no-cache", "--jobs", "1")
    assert result.exit_code in (0, 3), result.stderr
    assert "Traceback" not in result.stderr
    return result.json()


def _boom(*_args, **_kwargs):
    raise RuntimeError("injected failure")


@pytest.mark.parametrize(("kind", "victim"), FILE_COLLECTORS)
def test_a_failing_file_collector_costs_only_its_own_files(run_cli, monkeypatch, kind: str, victim: str) -> None:
    from importlib import import_module

    from scanner.collect import one_file

    clean = _scan(run_cli, FIXTURES / "collectors", FIXTURES / "dags")
    failing = one_file.collector_for(kind)
    module, function = one_file.COLLECTORS[kind]

    def fail_on_victim(ctx, source):
        if source.path.endswith(victim):
            raise RuntimeError("injected")
        return failing(ctx, source)

    monkeypatch.setattr(import_module(f"scanner.collect.{module}"), function, fail_on_victim)
    broken = _scan(run_cli, FIXTURES / "collectors", FIXTURES / "dags")
    expected = {f for f in findings_of(clean) if not f[1].endswith(victim)}
    assert findings_of(broken) == expected
    assert any(f[1].endswith(victim) for f in findings_of(clean))  # the victim did have findings
    errors = [(e["kind"], e["path"], e["level"]) for e in broken["errors"] if e["kind"] == "internal-error"]
    assert errors == [("internal-error", f"fixtures/collectors/{victim}", "error")]
    assert broken["summary"]["partial"] is True


def test_a_failing_dag_analysis_costs_only_that_file(run_cli, monkeypatch) -> None:
    from scanner.collect import pycode

    clean = _scan(run_cli, FIXTURES / "collectors", FIXTURES / "dags")
    analyse = pycode.collect_bytes

    def fail_on_victim(ctx, path, relative, data):
        if relative.endswith("drivers_dag.py"):
            raise MemoryError
        return analyse(ctx, path, relative, data)

    monkeypatch.setattr(pycode, "collect_bytes", fail_on_victim)
    broken = _scan(run_cli, FIXTURES / "collectors", FIXTURES / "dags")
    assert findings_of(broken) == {f for f in findings_of(clean) if not f[1].endswith("drivers_dag.py")}
    assert any(f[1].endswith("drivers_dag.py") for f in findings_of(clean))
    errors = [(e["path"], e["level"]) for e in broken["errors"] if e["kind"] == "internal-error"]
    assert errors == [("fixtures/dags/drivers_dag.py", "error")]


def test_a_failing_snapshot_reader_costs_only_the_account(run_cli, monkeypatch) -> None:
    import scanner.collectors

    clean = _scan(run_cli, FIXTURES / "demo")
    monkeypatch.setattr(scanner.collectors.AwsCollector, "collect", _boom)
    broken = _scan(run_cli, FIXTURES / "demo")
    file_findings = {f for f in findings_of(clean) if not f[0].startswith(("AG5", "AG6"))}
    assert findings_of(broken) == file_findings
    assert [e["message"] for e in broken["errors"] if e["kind"] == "internal-error"] == [
        "airguard could not read the AWS snapshot (RuntimeError); it was skipped"]
