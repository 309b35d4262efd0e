#!/usr/bin/env python3
"""Benchmark: `airguard scan` on generated DAG trees against a bare read + ast.parse loop.

Prints files/second for both and their time ratio (target: airguard / bare <= 1.0 on one process).
Usage: python scripts/bench_dags.py [--sizes 100,500,2000] [--secret-share 0.05]
"""

from __future__ import annotations

import argparse
import ast
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = '''"""Pipeline {n}: generated for the airguard benchmark."""
from __future__ import annotations

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, task

DEFAULT_ARGS = {{"owner": "data-{team}", "retries": 2}}
TABLES = {tables}


def transform_{n}(rows: list[dict]) -> list[dict]:
    result = []
    for row in rows:
        if row.get("status") in ("shipped", "delivered"):
            result.append({{**row, "amount": round(row["amount"] * 1.2, 2)}})
    return result


with DAG(
    dag_id="pipeline_{n}",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="{schedule}",
    default_args=DEFAULT_ARGS,
    catchup=False,
    tags=["generated", "team-{team}"],
) as dag:
    previous = None
    for table in TABLES:
        load = SQLExecuteQueryOperator(
            task_id=f"load_{{table}}",
            conn_id="warehouse_{team}",
            sql=f"INSERT INTO staging.{{table}} SELECT * FROM raw.{{table}} WHERE ds = '{{{{ ds }}}}'",
        )
        if previous is not None:
            previous >> load
        previous = load

    @task
    def summarize(**context):
        return {{"dag": "pipeline_{n}", "tables": len(TABLES)}}

    check = PythonOperator(task_id="check", python_callable=transform_{n}, op_args=[[]])
    previous >> summarize() >> check
'''
SECRET_LINE = 'BACKUP_URI = "postgresql://etl:Bench-Pw-{n}@db{n}.cluster-abc.eu-west-1.rds.amazonaws.com/dw"\n'


def generate(root: Path, count: int, secret_share: float, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    files = []
    for n in range(count):
        folder = root / f"team_{n % 12}"
        folder.mkdir(parents=True, exist_ok=True)
        text = TEMPLATE.format(n=n, team=n % 12, schedule=rng.choice(["@daily", "@hourly", "0 3 * * *"]),
                               tables=[f"t{n}_{i}" for i in range(rng.randint(3, 12))])
        if rng.random() < secret_share:
            text += SECRET_LINE.format(n=n)
        path = folder / f"pipeline_{n}.py"
        path.write_text(text)
        files.append(path)
    return files


def bare_loop(files: list[Path]) -> float:
    started = time.perf_counter()
    for path in files:
        ast.parse(path.read_bytes(), filename=str(path))
    return time.perf_counter() - started


def airguard_in_process(root: Path) -> tuple[float, int]:
    from scanner.config import Config
    from scanner.scan import run_scan

    started = time.perf_counter()
    result = run_scan([root], Config(), root)
    return time.perf_counter() - started, len(result.findings)


def airguard_process(root: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scanner", "scan", str(root), "--fail-on", "none", "-f", "json"],
                   capture_output=True, check=False, cwd=root)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--secret-share", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'files':>6} {'bare files/s':>13} {'airguard files/s':>17} {'ratio':>6} "
          f"{'whole process s':>16} {'findings':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        workdir = Path(tempfile.mkdtemp(prefix="airguard-bench-"))
        try:
            files = generate(workdir, size, args.secret_share)
            bare = min(bare_loop(files) for _ in range(args.repeat))
            runs = [airguard_in_process(workdir) for _ in range(args.repeat)]
            ours = min(r[0] for r in runs)
            whole = min(airguard_process(workdir) for _ in range(args.repeat))
            print(f"{size:>6} {size / bare:>13.0f} {size / ours:>17.0f} {ours / bare:>6.2f} {whole:>16.2f} "
                  f"{runs[0][1]:>9}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
