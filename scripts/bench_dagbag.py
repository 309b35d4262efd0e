"""Benchmark `airguard scan --dagbag` against a bare Airflow `DagBag` load (not a test).

Generates DAG corpora of a few sizes, then times, each in a fresh interpreter, best of N interleaved runs
(wall clock, and CPU time of the process tree, which a busy machine disturbs less):
  bare     python -c "DagBag(folder, safe_mode=True, load_op_links=False)"
  airguard python -m scanner scan folder --dagbag (static analysis + DagBag child + rules + report)
and prints files/s and the ratio airguard / bare (target <= 1.2).

    python scripts/bench_dagbag.py [--sizes 20,100,300] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

DAG_TEMPLATE = textwrap.dedent('''\
    from datetime import datetime

    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
    from airflow.providers.amazon.aws.operators.s3 import S3CreateObjectOperator
    from airflow.sdk import DAG, task

    with DAG("bench_{n}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
        extract = SQLExecuteQueryOperator(task_id="extract", conn_id="orders_{m}", sql="SELECT 1")
        shards = SQLExecuteQueryOperator.partial(task_id="shards", sql="SELECT 1").expand(
            conn_id=["shard_1", "shard_2", "shard_3"])
        upload = S3CreateObjectOperator(task_id="upload", aws_conn_id="aws_default", s3_bucket="b",
                                        s3_key="k_{n}", data="x")

        @task
        def summarize():
            return {n}

        extract >> shards >> upload >> summarize()
''')

BARE = ("import sys\nfrom airflow.dag_processing.dagbag import DagBag\n"
        "bag = DagBag(sys.argv[1], safe_mode=True, load_op_links=False)\nassert bag.dags, 'no dags'\n")


def make_corpus(folder: Path, size: int) -> None:
    folder.mkdir(parents=True)
    for n in range(size):
        (folder / f"dag_{n:04d}.py").write_text(DAG_TEMPLATE.format(n=n, m=n % 7), "utf-8")


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system, the whole process tree) of one run."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               check=False)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed ({completed.returncode}): {completed.stderr.decode()[-2000:]}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return elapsed, cpu


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(wall for wall, _ in runs), min(cpu for _, cpu in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20,100,300")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'files':>6} {'bare s':>7} {'airguard s':>10} {'bare files/s':>12} {'airguard files/s':>16} "
          f"{'ratio':>6} {'bare cpu s':>10} {'airguard cpu s':>14} {'cpu ratio':>9}")
    with tempfile.TemporaryDirectory(prefix="airguard-bench-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        # The bare load gets the same quiet, local Airflow settings the --dagbag child uses.
        bare_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "AIRFLOW_HOME": str(home / "airflow"),
                    "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
                    "PYTHONDONTWRITEBYTECODE": "1"}
        scan_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
                    "AIRGUARD_CACHE_DIR": str(Path(tmp) / "cache")}
        for size in sizes:
            folder = Path(tmp) / f"corpus_{size}"
            make_corpus(folder, size)
            bare_runs, our_runs = [], []
            for _ in range(args.runs):  # interleaved, so a busy moment hits both sides
                bare_runs.append(timed([sys.executable, "-c", BARE, str(folder)], bare_env, Path(tmp)))
                our_runs.append(timed([sys.executable, "-m", "scanner", "scan", str(folder), "--dagbag", "-f",
                                       "json", "-o", os.devnull, "--fail-on", "none"], scan_env, Path(tmp)))
            (bare, bare_cpu), (ours, our_cpu) = best(bare_runs), best(our_runs)
            print(f"{size:>6} {bare:>7.2f} {ours:>10.2f} {size / bare:>12.1f} {size / ours:>16.1f} "
                  f"{ours / bare:>6.2f} {bare_cpu:>10.2f} {our_cpu:>14.2f} {our_cpu / bare_cpu:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
