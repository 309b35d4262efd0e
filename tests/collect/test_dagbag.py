"""`scan --dagbag` against the real apache-airflow (and its postgres, mysql and amazon providers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest

from scanner.collect.dagbag import DagbagRequest, airflow_available
from scanner.config import Config
from scanner.scan import run_scan
from tests.conftest import REPO, findings_of, run_process
from tests.report.test_reports import REPORT_SCHEMA, SARIF_SCHEMA

DAGBAG = REPO / "fixtures" / "dagbag"
ORDERS = "fixtures/dagbag/dags/orders.py"


def _require_airflow() -> None:
    if os.environ.get("AIRGUARD_REQUIRE_AIRFLOW"):
        assert airflow_available(), "CI needs apache-airflow for the --dagbag tests"
    elif not airflow_available():
        pytest.skip("apache-airflow is not installed")


needs_airflow = pytest.mark.airflow


@pytest.fixture(scope="module")
def dagbag_scan():
    _require_airflow()
    return run_scan([DAGBAG], Config(), REPO, dagbag=DagbagRequest([DAGBAG], timeout=120))


def _task(result, label: str):
    matches = [r for r in result.graph.of_type("airflow.task") if r.name == label]
    assert len(matches) == 1, [r.id for r in matches]
    return matches[0]


@needs_airflow
def test_import_error_cycle_and_duplicate_are_findings_at_their_lines() -> None:
    _require_airflow()
    result = run_process("scan", "fixtures/dagbag", "--dagbag", "-f", "json", "--fail-on", "none")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert {f for f in findings_of(report) if f[0].startswith("AG4")} == {
        ("AG401", "fixtures/dagbag/dags/broken_import.py", 9),
        ("AG402", "fixtures/dagbag/dags/cycle.py", 8),
        ("AG403", "fixtures/dagbag/dags/duplicate_b.py", 8),
    }
    messages = {f["rule_id"]: f["message"] for f in report["findings"]}
    assert messages["AG401"] == ("'fixtures/dagbag/dags/broken_import.py' fails when Airflow imports it: "
                                 "KeyError: 'retry_count'")
    assert messages["AG402"] == ("DAG 'circular' has a dependency cycle through task 'second'; "
                                 "Airflow refuses to load it")
    assert messages["AG403"] == ("DAG id 'orders_daily' is also defined in fixtures/dagbag/dags/duplicate_a.py; "
                                 "Airflow ignores this file's DAG")
    (duplicate,) = [f for f in report["findings"] if f["rule_id"] == "AG403"]
    assert [(r["path"], r["start_line"], r["label"]) for r in duplicate["related_locations"]] == [
        ("fixtures/dagbag/dags/duplicate_a.py", 8, "duplicates: airflow.dag 'orders_daily'")]
    assert report["errors"] == []
    assert str(REPO) not in result.stdout  # no absolute path of this checkout in any output
    assert not (DAGBAG / "dags" / "__pycache__").exists()  # the load writes no .pyc into the scanned folder


@needs_airflow
def test_excluded_files_give_no_dagbag_findings() -> None:
    _require_airflow()
    result = run_process("scan", "fixtures/dagbag", "--dagbag", "--exclude", "duplicate_*.py", "--exclude",
                         "fixtures/dagbag/dags/cycle.py", "-f", "json", "--fail-on", "none")
    assert result.exit_code == 0, result.stderr
    assert {f for f in findings_of(result.json()) if f[0].startswith("AG4")} == {
        ("AG401", "fixtures/dagbag/dags/broken_import.py", 9)}


@needs_airflow
def test_import_errors_point_at_the_dag_file_line_however_deep_the_traceback(tmp_path: Path) -> None:
    _require_airflow()
    _dag_file(tmp_path / "dags", "deep.py", """
        import json

        settings = json.loads("{not json")
    """)
    _dag_file(tmp_path / "dags", "syntax.py", """
        x = 1
        def broken(:
            pass
    """)
    _dag_file(tmp_path / "dags", "via_helper.py", """
        import helper_module
    """)
    (tmp_path / "dags" / "helper_module.py").write_text("VALUE = 1\nraise RuntimeError('helper failed')\n")
    result = run_process("scan", "dags", "--dagbag", "-f", "json", "--fail-on", "none", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert {f for f in findings_of(report) if f[0] == "AG401"} == {
        ("AG401", "dags/deep.py", 5), ("AG401", "dags/syntax.py", 4), ("AG401", "dags/via_helper.py", 3)}
    messages = sorted(f["message"] for f in report["findings"] if f["rule_id"] == "AG401")
    assert messages[0].startswith("'dags/deep.py' fails when Airflow imports it: json.decoder.JSONDecodeError: ")
    assert messages[2] == "'dags/via_helper.py' fails when Airflow imports it: RuntimeError: helper failed"


@needs_airflow
def test_an_inline_suppression_silences_a_dagbag_finding(tmp_path: Path) -> None:
    _require_airflow()
    _dag_file(tmp_path / "dags", "known.py", """
        raise ImportError("vendor sdk missing")  # airguard: ignore[AG401] vendored SDK only on workers
    """)
    result = run_process("scan", "dags", "--dagbag", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    (finding,) = [f for f in result.json()["findings"] if f["rule_id"] == "AG401"]
    assert finding["location"]["start_line"] == 3
    assert finding["suppression"]["justification"] == "vendored SDK only on workers"


@needs_airflow
def test_default_scan_never_imports_airflow_and_reports_no_dagbag_findings(tmp_path: Path) -> None:
    code = ("import sys; from scanner.cli import main; main(['scan', 'fixtures/dagbag', '-f', 'json', "
            "'-o', sys.argv[1], '--fail-on', 'none']); print(sorted(m for m in sys.modules if m.split('.')[0] "
            "in ('airflow', 'boto3')))")
    out = tmp_path / "report.json"
    completed = subprocess.run([sys.executable, "-c", code, str(out)], cwd=REPO, capture_output=True,
                               text=True, timeout=120, check=False)
    assert completed.stdout.strip() == "[]", completed.stderr
    assert {f["rule_id"] for f in json.loads(out.read_text())["findings"]} == {"AG102"}


@needs_airflow
def test_operator_classes_and_conn_ids_come_from_the_loaded_tasks(dagbag_scan) -> None:
    result = dagbag_scan
    per_shard = _task(result, "orders_pipeline.per_shard")
    assert per_shard.id == f"airflow.task:{ORDERS}:orders_pipeline.per_shard"  # the static id, enriched
    assert per_shard.attributes["operator_class"] == \
        "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator"
    assert per_shard.attributes["mapped"] is True
    assert per_shard.attributes["conn_ids"] == ["shard_1", "shard_2"]
    per_region = _task(result, "orders_pipeline.per_region")  # .expand_kwargs([...])
    assert per_region.attributes["mapped"] is True
    assert per_region.attributes["conn_ids"] == ["orders_eu", "orders_us"]
    snapshot = _task(result, "orders_pipeline.snapshot")
    assert snapshot.attributes["operator_class"] == \
        "airflow.providers.amazon.aws.operators.rds.RdsCreateDbSnapshotOperator"
    assert snapshot.attributes["conn_ids"] == ["aws_rds"]
    upload = _task(result, "orders_pipeline.upload")
    assert upload.attributes["operator_class"] == "airflow.providers.amazon.aws.operators.s3.S3CreateObjectOperator"
    summarize = _task(result, "orders_pipeline.summarize")  # TaskFlow: the hook call inside comes from static analysis
    assert summarize.attributes["operator_class"].endswith("_PythonDecoratedOperator")
    assert summarize.attributes["conn_ids"] == ["reporting_mysql"]
    archive = _task(result, "orders_pipeline.archive_orders")  # in a TaskGroup: one resource, the static id
    assert archive.attributes["task_id"] == "archive.archive_orders"
    assert archive.attributes["conn_ids"] == ["orders_db"]
    assert (archive.source.file.path, archive.source.file.start_line) == (ORDERS, 33)
    (dag,) = [d for d in result.graph.of_type("airflow.dag") if d.name == "orders_pipeline"]
    assert dag.attributes["tasks"] == ["archive.archive_orders", "extract", "load_eu", "load_us", "per_region",
                                       "per_shard", "report", "snapshot", "summarize", "upload"]
    # Built in a loop with f-strings: only the DagBag sees them; they point at the DAG's line.
    load_eu = _task(result, "orders_pipeline.load_eu")
    assert load_eu.attributes["conn_ids"] == ["orders_eu"]
    assert (load_eu.source.file.path, load_eu.source.file.start_line) == (ORDERS, 12)


@needs_airflow
def test_dagbag_tasks_are_linked_to_the_connections_they_use(dagbag_scan) -> None:
    graph = dagbag_scan.graph

    def users(conn_id: str) -> set[str]:
        (connection,) = [c for c in graph.of_type("airflow.connection") if c.attributes.get("conn_id") == conn_id]
        return {task.name for task in graph.follow(connection, "used_by")}

    assert users("orders_db") == {"orders_pipeline.extract", "orders_pipeline.archive_orders"}
    assert users("orders_eu") == {"orders_pipeline.per_region", "orders_pipeline.load_eu"}
    assert users("orders_us") == {"orders_pipeline.per_region", "orders_pipeline.load_us"}
    assert users("shard_1") == {"orders_pipeline.per_shard"}
    assert users("aws_rds") == {"orders_pipeline.snapshot", "orders_pipeline.upload"}
    assert users("reporting_mysql") == {"orders_pipeline.report", "orders_pipeline.summarize"}
    ag102 = {f.resource_name: f.related_labels for f in dagbag_scan.findings if f.rule_id == "AG102"}
    assert any("orders_pipeline.load_eu" in label for label in ag102["orders_eu"])


def _dag_file(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("from airflow.sdk import DAG  # an airflow dag file\n" + textwrap.dedent(body), "utf-8")
    return path


@needs_airflow
def test_a_dag_that_hangs_is_stopped_and_the_scan_is_partial(tmp_path: Path) -> None:
    _require_airflow()
    _dag_file(tmp_path / "dags", "sleepy.py", """
        import time
        time.sleep(3600)
    """)
    started = time.monotonic()
    result = run_process("scan", "dags", "--dagbag", "--dagbag-timeout", "15", "-f", "json", cwd=tmp_path)
    assert time.monotonic() - started < 90
    assert result.exit_code == 3, result.stderr
    (error,) = result.json()["errors"]
    assert error["message"] == "DagBag load timed out after 15 s and was stopped (while importing dags/sleepy.py)"
    assert error["path"] == "dags/sleepy.py"
    # The child's command line names the DAG folder; no process naming it is left.
    assert _processes_naming(str(tmp_path / "dags")) == []


def _processes_naming(text: str) -> list[str]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError):
            continue
        if name.isdigit() and text in command:
            found.append(command)
    return found


@needs_airflow
def test_a_child_that_dies_is_a_notice_not_a_traceback(tmp_path: Path) -> None:
    _require_airflow()
    _dag_file(tmp_path / "dags", "exits.py", """
        import os
        os._exit(7)
    """)
    result = run_process("scan", "dags", "--dagbag", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    (error,) = result.json()["errors"]
    assert error["message"] == "DagBag child process ended (exit code 7) without a result (while importing dags/exits.py)"
    assert error["path"] == "dags/exits.py"
    sarif = run_process("scan", "dags", "--dagbag", "-f", "sarif", cwd=tmp_path)
    assert sarif.exit_code == 3
    (invocation,) = json.loads(sarif.stdout)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [error["message"]]


PLANTED = {
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED01",
    "AIRFLOW_CONN_WAREHOUSE": "postgres://etl:PlantedConnPw77@db.internal/w",
    "AIRFLOW_VAR_API_KEY": "planted-variable-value-123",
    "GITHUB_TOKEN": "ghp_PlantedGithubToken000000000000000000",
    "DB_PASSWORD": "PlantedDbPassword42",
    "AIRGUARD_PLANTED_MARKER": "plain-parent-variable",
}


@needs_airflow
def test_dag_code_sees_none_of_the_parent_environment(tmp_path: Path) -> None:
    _require_airflow()
    # DAG code can write nowhere the test could read, so it reports what it sees in its import error.
    _dag_file(tmp_path / "dags", "env_probe.py", f"""
        import json, os
        PLANTED = {sorted(PLANTED.values())!r}
        leaked = sorted(name for name, value in os.environ.items() if any(v in value for v in PLANTED))
        raise RuntimeError(json.dumps({{"names": sorted(os.environ), "leaked": leaked, "home": os.environ["HOME"],
                                        "airflow_home": os.environ["AIRFLOW_HOME"]}}))
    """)
    result = run_process("scan", "dags", "--dagbag", "-f", "json", "--fail-on", "none", cwd=tmp_path, env=PLANTED)
    assert result.exit_code == 0, result.stderr
    (message,) = [f["message"] for f in result.json()["findings"] if f["rule_id"] == "AG401"]
    prefix = "'dags/env_probe.py' fails when Airflow imports it: RuntimeError: "
    assert message.startswith(prefix)
    seen = json.loads(message[len(prefix):])
    assert seen["leaked"] == []
    assert set(PLANTED) & set(seen["names"]) == set()
    assert not any(n.startswith(("AWS_", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "GITHUB_")) for n in seen["names"])
    assert seen["home"] != os.environ.get("HOME")
    assert seen["airflow_home"].startswith(seen["home"])


SECRET_URI_PASSWORD = "Pl4ntedUriSecret99"
SECRET_TOKEN = "tok_live_PlantedToken8f7a6b5c4d3e"


@needs_airflow
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_import_errors_never_print_a_secret(tmp_path: Path, fmt: str) -> None:
    _require_airflow()
    _dag_file(tmp_path / "dags", "leaky.py", f"""
        API_TOKEN = "{SECRET_TOKEN}"
        raise RuntimeError("cannot reach postgresql://etl:{SECRET_URI_PASSWORD}@db.internal/orders")
    """)
    _dag_file(tmp_path / "dags", "leaky_token.py", """
        from leaky_settings import TOKEN
        raise KeyError(TOKEN)
    """)
    (tmp_path / "dags" / "leaky_settings.py").write_text(f'TOKEN = "{SECRET_TOKEN}"\nAPI_TOKEN = TOKEN\n')
    result = run_process("scan", "dags", "--dagbag", "-f", fmt, "--fail-on", "none", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    output = result.stdout + result.stderr
    assert SECRET_URI_PASSWORD not in output and SECRET_TOKEN not in output
    assert "AG401" in output
    if fmt == "json":
        assert {f for f in findings_of(result.json()) if f[0] == "AG401"} == {
            ("AG401", "dags/leaky.py", 4), ("AG401", "dags/leaky_token.py", 4)}
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(result.json())
    if fmt == "sarif":
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(result.stdout))


def test_without_airflow_the_flag_says_how_to_install_it(tmp_path: Path) -> None:
    shim = tmp_path / "shim" / "airflow"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("# not apache-airflow 3: no airflow.dag_processing.dagbag\n")
    result = run_process("scan", "fixtures/dagbag", "--dagbag",
                         env={"PYTHONPATH": os.pathsep.join([str(shim.parent), str(REPO)])})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "airguard: error: --dagbag needs apache-airflow: pip install 'airguard[airflow]'\n"


def test_help_warns_that_dagbag_runs_top_level_code() -> None:
    result = run_process("scan", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "DagBag IMPORTS the DAG files, so their top-level code runs" in text
    assert "--dagbag-timeout SECONDS" in text


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_dagbag_timeout_must_be_positive(value: str) -> None:
    result = run_process("scan", "fixtures/dagbag", "--dagbag", "--dagbag-timeout", value)
    assert result.exit_code == 2
    assert "--dagbag-timeout" in result.stderr
