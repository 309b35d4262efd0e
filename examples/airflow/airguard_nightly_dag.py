"""Nightly airguard account scan as an Airflow 3 DAG that fans out over accounts, regions and services.

    plan_units  ->  run_unit (mapped: one task per account x region x service)  ->  merge

`run_unit` returns `UnitResult.to_json()` (plain JSON, fits XCom); `merge` builds the snapshot, writes
it, then runs `airguard scan --aws-snapshot` on it and writes SARIF and JSON next to it. Give the
workers an IAM role (no stored keys); with several accounts, `AIRGUARD_ASSUME_ROLE` names the audit
role to assume in each (`{account}` is filled in). The task bodies are plain functions below the DAG
so they can be tested and reused; airguard is imported inside them, not when the DAG file is parsed.

Settings (environment variables of the workers):
  AIRGUARD_ACCOUNTS      comma-separated account ids (empty: the workers' own account)
  AIRGUARD_REGIONS       comma-separated regions (default: eu-west-1)
  AIRGUARD_SERVICES      comma-separated services (default: all)
  AIRGUARD_ASSUME_ROLE   e.g. arn:aws:iam::{account}:role/airguard-audit
  AIRGUARD_OUTPUT_DIR    where the snapshot and reports go (default: /tmp/airguard)
  AIRGUARD_AWS_ENDPOINT_URL  an AWS-compatible endpoint (tests, LocalStack); normally unset
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import dag, task


def settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The DAG's settings from the environment."""
    env = os.environ if environ is None else environ

    def listed(name: str, default: str = "") -> list[str]:
        return [item.strip() for item in env.get(name, default).split(",") if item.strip()]

    return {
        "accounts": listed("AIRGUARD_ACCOUNTS"),
        "regions": listed("AIRGUARD_REGIONS", "eu-west-1"),
        "services": listed("AIRGUARD_SERVICES") or None,
        "assume_role": env.get("AIRGUARD_ASSUME_ROLE") or None,
        "endpoint_url": env.get("AIRGUARD_AWS_ENDPOINT_URL") or None,
        "output_dir": env.get("AIRGUARD_OUTPUT_DIR", "/tmp/airguard"),
    }


def plan(config: dict[str, Any]) -> list[dict[str, Any]]:
    """One JSON unit per account x region x service (account services once per account)."""
    from scanner.aws.units import plan_units

    accounts = config["accounts"] or [None]
    return [unit.model_dump(mode="json") for account in accounts
            for unit in plan_units(config["services"], config["regions"], account)]


def collect(unit: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Collect one unit; never raises (failures are gaps in the result)."""
    from scanner.aws.session import SessionFactory, SessionOptions
    from scanner.aws.units import CollectionUnit, run_unit

    options = SessionOptions(assume_role_arn=config["assume_role"], endpoint_url=config["endpoint_url"])
    return run_unit(CollectionUnit.model_validate(unit), SessionFactory(options)).to_json()


def merge_and_scan(results: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, Any]:
    """Merge the units into a snapshot file, scan it, and return where things are and the counts."""
    import json
    from pathlib import Path

    from scanner.aws.snapshot import write_snapshot
    from scanner.aws.units import merge
    from scanner.cli import main as airguard

    output = Path(config["output_dir"])
    output.mkdir(parents=True, exist_ok=True)
    snapshot_path, sarif_path, json_path = (output / "aws-snapshot.json", output / "airguard-aws.sarif",
                                            output / "airguard-aws.json")
    snapshot = write_snapshot(snapshot_path, merge(list(results)))
    exit_code = airguard(["scan", "--aws-snapshot", str(snapshot_path), "--fail-on", "none", "--format", "json",
                          "--output", str(json_path), "--report", f"sarif={sarif_path}",
                          "--sarif-category", "aws-nightly"])
    summary = json.loads(json_path.read_text("utf-8"))["summary"] if json_path.is_file() else {}
    return {"snapshot": str(snapshot_path), "sarif": str(sarif_path), "json": str(json_path),
            "exit_code": exit_code, "resources": len(snapshot.resources()), "gaps": len(snapshot.gaps()),
            "findings": summary.get("findings"), "by_severity": summary.get("by_severity")}


@dag(
    dag_id="airguard_nightly_aws_scan",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["security", "airguard"],
    doc_md=__doc__,
)
def airguard_nightly_aws_scan() -> None:
    @task
    def plan_units() -> list[dict[str, Any]]:
        return plan(settings())

    @task(max_active_tis_per_dagrun=8, retries=1)
    def run_unit(unit: dict[str, Any]) -> dict[str, Any]:
        return collect(unit, settings())

    @task
    def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
        return merge_and_scan(list(results), settings())

    merge(run_unit.expand(unit=plan_units()))


airguard_nightly_aws_scan()
