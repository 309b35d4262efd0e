"""examples/airflow/airguard_nightly_dag.py: parses in the real DagBag; its callables run against moto."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from tests.aws.conftest import ACCOUNT, REGION, AwsEnv, seed_sample_account
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "airflow" / "airguard_nightly_dag.py"


def _require_airflow() -> None:
    if not os.environ.get("AIRGUARD_REQUIRE_AIRFLOW"):
        pytest.importorskip("airflow.sdk", reason="apache-airflow is not installed")


def _example() -> ModuleType:
    _require_airflow()
    spec = importlib.util.spec_from_file_location("airguard_nightly_dag_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.airflow
def test_example_dag_parses_in_the_dagbag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _require_airflow()
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow-home"))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(EXAMPLE.parent))
    assert bag.import_errors == {}
    dag = bag.dags.get("airguard_nightly_aws_scan")   # (get_dag would ask the metadata database)
    assert dag is not None
    assert sorted(dag.task_ids) == ["merge", "plan_units", "run_unit"]
    assert dag.get_task("run_unit").upstream_task_ids == {"plan_units"}
    assert dag.get_task("merge").upstream_task_ids == {"run_unit"}
    assert type(dag.get_task("run_unit")).__name__.endswith("MappedOperator")   # .expand(...)


@pytest.mark.airflow
def test_example_callables_collect_merge_and_scan_against_moto(aws: AwsEnv, proxy, tmp_path: Path) -> None:
    example = _example()
    seed_sample_account(aws, proxy)
    config = example.settings({"AIRGUARD_ACCOUNTS": ACCOUNT, "AIRGUARD_REGIONS": REGION,
                               "AIRGUARD_AWS_ENDPOINT_URL": aws.proxy_url or "",
                               "AIRGUARD_OUTPUT_DIR": str(tmp_path / "out")})
    units = example.plan(config)
    assert [(u["account"], u["region"], u["service"]) for u in units] == [
        (ACCOUNT, REGION, "cloudtrail"), (ACCOUNT, REGION, "ec2"), (ACCOUNT, REGION, "mwaa"),
        (ACCOUNT, REGION, "rds"), (ACCOUNT, REGION, "secretsmanager"), (ACCOUNT, "global", "iam")]
    results = [json.loads(json.dumps(example.collect(unit, config))) for unit in units]   # as through XCom
    outcome = example.merge_and_scan(results, config)
    snapshot = json.loads(Path(outcome["snapshot"]).read_text())
    assert snapshot["format"] == "airguard-aws-snapshot" and snapshot["accounts"] == [ACCOUNT]
    assert outcome["resources"] > 20
    assert outcome["gaps"] == 1          # CloudTrail is denied in the sample account
    assert outcome["exit_code"] == 3     # so the scan is partial, and says so
    sarif = json.loads(Path(outcome["sarif"]).read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "aws-nightly/"
    notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("cloudtrail:DescribeTrails" in n["message"]["text"] for n in notifications)
