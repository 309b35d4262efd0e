#!/usr/bin/env python3
"""Benchmark: `airguard scan` on DAG trees against a bare read + ast.parse loop, in one run.

Two corpora: generated realistic DAG files at several sizes (a share of them with a credential), and
the example DAGs shipped in the installed apache-airflow and provider packages (or every .py file under
`--corpus DIR`, e.g. the example DAGs unpacked from the Airflow sdists). For each: files/s of
the bare loop, of `airguard scan` cold (empty file cache) on one process and on all cores, warm (every
file cached), and the time ratio cold one-process / bare (target <= 1.0). With `--tools DIR` (a venv's
bin folder holding bandit and detect-secrets) their files/s on the example DAGs too, whole process.
Numbers only; nothing here is a test.

Usage: python scripts/bench_dags.py [--sizes 100,500,2000] [--secret-share 0.05] [--repeat 3]
                                    [--tools /tmp/benchvenv/bin] [--no-generated] [--no-examples]
                                    [--corpus DIR]
"""

from __future__ import annotations

import argparse
import ast
import os
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


def bare_loop(files: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds of read + ast.parse over every file."""
    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        ast.parse(path.read_bytes(), filename=str(path))
    return time.perf_counter() - started, time.process_time() - cpu


def airguard_in_process(root: Path, cache: Path, jobs: int | None, cold: bool) -> tuple[float, int, float]:
    """One `run_scan` over `root`; `cold` empties the file cache first (the rule cache stays warm)."""
    from scanner.config import Config
    from scanner.scan import run_scan

    os.environ["AIRGUARD_CACHE_DIR"] = str(cache)
    if cold:
        shutil.rmtree(cache / "files", ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    result = run_scan([root], Config(), root, jobs=jobs)
    return time.perf_counter() - started, len(result.findings), time.process_time() - cpu


def airguard_process(root: Path, cache: Path, cold: bool) -> float:
    if cold:
        shutil.rmtree(cache / "files", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scanner", "scan", str(root), "--fail-on", "none", "-f", "json"],
                   capture_output=True, check=False, cwd=root, env={**os.environ, "AIRGUARD_CACHE_DIR": str(cache)})
    return time.perf_counter() - started


def tool_process(command: list[str], cwd: Path) -> float:
    """Run in the corpus: started elsewhere (e.g. in this repository), detect-secrets reads no file."""
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, cwd=cwd)
    return time.perf_counter() - started


def example_dag_files() -> list[Path]:
    """Example DAGs of the installed airflow and providers (example_dags folders, system tests)."""
    import importlib.util

    found: set[Path] = set()
    spec = importlib.util.find_spec("airflow")  # providers install into airflow/providers
    if spec is not None:
        for location in spec.submodule_search_locations or []:
            for path in Path(location).rglob("*.py"):
                parts = path.parts
                if "example_dags" in parts or ("tests" in parts and "system" in parts):
                    found.add(path)
    return sorted(found)


def copy_corpus(files: list[Path], target: Path) -> list[Path]:
    common = Path(os.path.commonpath([str(f.parent) for f in files]))
    copied = []
    for path in files:
        destination = target / path.relative_to(common)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        copied.append(destination)
    return copied


HEAD = (f"{'corpus':>10} {'files':>6} {'bare/s':>7} {'cold 1p/s':>10} {'ratio':>6} {'cpu ratio':>10} "
        f"{'cold all/s':>11} {'warm 1p/s':>10} {'proc cold s':>12} {'proc warm s':>12} {'findings':>9}")


def measure(label: str, root: Path, files: list[Path], repeat: int) -> float:
    """Print one row; return the best cold whole-process time."""
    cache = root.parent / f"{root.name}-cache"
    count = len(files)
    bare_runs = [bare_loop(files) for _ in range(repeat)]
    bare, bare_cpu = min(r[0] for r in bare_runs), min(r[1] for r in bare_runs)
    airguard_in_process(root, cache, 1, cold=True)  # warms the rule cache and imports
    cold = [airguard_in_process(root, cache, 1, cold=True) for _ in range(repeat)]
    cores = min(airguard_in_process(root, cache, None, cold=True)[0] for _ in range(repeat))
    airguard_in_process(root, cache, 1, cold=True)
    warm = min(airguard_in_process(root, cache, 1, cold=False)[0] for _ in range(repeat))
    proc_cold = min(airguard_process(root, cache, cold=True) for _ in range(repeat))
    proc_warm = min(airguard_process(root, cache, cold=False) for _ in range(repeat))
    one, one_cpu = min(c[0] for c in cold), min(c[2] for c in cold)
    print(f"{label:>10} {count:>6} {count / bare:>7.0f} {count / one:>10.0f} {one / bare:>6.2f} "
          f"{one_cpu / bare_cpu:>10.2f} {count / cores:>11.0f} {count / warm:>10.0f} {proc_cold:>12.2f} "
          f"{proc_warm:>12.2f} {cold[0][1]:>9}")
    return proc_cold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--secret-share", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tools", type=Path, help="bin folder with bandit and detect-secrets")
    parser.add_argument("--no-generated", action="store_true")
    parser.add_argument("--no-examples", action="store_true")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="DAG folder to use instead of the installed example DAGs")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; best of {args.repeat}; 1p = --jobs 1, all = every core; files/s are wall "
          f"clock, in-process (rule cache warm); cpu ratio = CPU seconds airguard cold 1p / bare loop")
    print(HEAD)
    workdir = Path(tempfile.mkdtemp(prefix="airguard-bench-"))
    try:
        if not args.no_generated:
            for size in (int(s) for s in args.sizes.split(",")):
                root = workdir / f"gen{size}"
                measure("generated", root, generate(root, size, args.secret_share), args.repeat)
            size = max(int(s) for s in args.sizes.split(","))
            root = workdir / f"all{size}"
            measure("all-parse", root, generate(root, size, 1.0), args.repeat)
        if not args.no_examples:
            sources = sorted(args.corpus.rglob("*.py")) if args.corpus else example_dag_files()
            origin = str(args.corpus) if args.corpus else "the installed packages"
            if not sources:
                print(f"no example DAGs found in {origin}")
                return 0
            root = workdir / "examples"
            files = copy_corpus(sources, root)
            measure("examples", root, files, args.repeat)
            print(f"example DAGs found in {origin}: {len(files)} files "
                  f"(the Airflow source tree with every provider's system tests has 461)")
            if args.tools:
                tools = {
                    "bandit (B105-B107)": [str(args.tools / "bandit"), "-q", "-r", "-t", "B105,B106,B107",
                                           "-f", "json", str(root)],
                    "detect-secrets": [str(args.tools / "detect-secrets"), "scan", "--all-files", str(root)],
                }
                for name, command in tools.items():
                    if not Path(command[0]).exists():
                        print(f"{name}: not installed in {args.tools}")
                        continue
                    best = min(tool_process(command, root) for _ in range(args.repeat))
                    print(f"{name}: {len(files) / best:.0f} files/s ({best:.2f} s whole process)")
                ours = min(airguard_process(root, root.parent / "examples-cache", cold=True)
                           for _ in range(args.repeat))
                print(f"airguard (cold, whole process): {len(files) / ours:.0f} files/s ({ours:.2f} s)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
