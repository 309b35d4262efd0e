#!/usr/bin/env python3
"""Benchmark: `airguard scan` on realistic repository trees, whole process, against a bare parse loop,
bandit and detect-secrets, all in one run.

Corpora:
  * generated Airflow monorepos (seeded, deterministic): per project a docker-compose with
    x-airflow-common anchors, .env files, Helm values per environment (official chart shape),
    airflow_settings.yaml (Astronomer), connection exports (JSON and YAML), airflow.cfg, Kubernetes
    secrets and deployments, dbt profiles, CI workflows, dag-factory YAML; dags/ with TaskFlow, classic
    and SQL operators, KubernetesPodOperator, BashOperator with env, boto3 and IAM auth; include/ and
    plugins/ modules, tests/; README, SQL, requirements and other files airguard ignores. "dense": ~40 % of
    the files hold a literal credential, "sparse": ~5 %. Sizes: --sizes (files per tree), --huge N for a
    very large one (off by default).
  * Airflow's own example DAGs: the installed airflow/provider packages' example_dags and tests/system
    folders, or every .py file under --corpus DIR.
  * with --snapshot N: an AWS snapshot with N security groups attached to Aurora clusters, evaluated
    with `airguard scan --aws-snapshot FILE`.

Measured per corpus, interleaved round by round, best of --repeat N (the machine is shared: the best run is
the least disturbed one); every number is a whole process started from this script:
  bare        read + ast.parse of every .py file (os.walk included), one process
  bare+cfg    the same, plus YAML (libyaml safe loader, every document), json.loads, configparser
  ag cold j1  airguard scan, empty file cache ($AIRGUARD_CACHE_DIR/files; validated rules stay cached), --jobs 1
  ag cold jN  the same with --jobs N (--cores, default 2)
  ag warm     a second --jobs N run over the unchanged tree (file cache kept)
  ref ...     with --compare REF: the same cold j1 and warm runs of airguard as committed at REF (git archive
              into the work folder, run with PYTHONPATH), interleaved with the others: before/after in one run
  bandit      bandit -q -r -f json . (default tests), and with -t B105,B106,B107
  detect-sec  detect-secrets scan --all-files, started inside the tree (elsewhere it reads no file)
plus the pre-commit path (one .env and one DAG file, whole process, median of 15, file cache emptied
before each run) and the peak RSS of every airguard run. The goals from the issue are checked at the end
(PASS/FAIL). Numbers only; nothing here is a test.

--profile runs one cold airguard scan of the largest dense tree in this process (--jobs 1), times each report
format's render against it (the share of a scan), then runs the scan and the renders under cProfile and
prints the time per stage and the top functions by cumulative and by own time; with --snapshot also one
`scan --aws-snapshot` (--profile-snapshot N groups, default 10000).

Usage: python scripts/bench_repos.py [--sizes 2000,5000] [--densities dense,sparse] [--repeat 3]
                                     [--tools /tmp/benchpeers/bin] [--corpus DIR] [--no-examples]
                                     [--huge 100000] [--snapshot 50000] [--profile] [--keep DIR]
                                     [--compare REF]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import USE_GNU_TIME, ChildRun, best, load_average, median_wall, run_child, run_children, verdict

REPO = Path(__file__).resolve().parents[1]
DENSITY = {"dense": 0.40, "sparse": 0.05}

# --------------------------------------------------------------------------------------------------
# Generator of realistic repository trees
# --------------------------------------------------------------------------------------------------

TEAMS = ["orders", "payments", "marketing", "finance", "growth", "logistics", "risk", "search", "ml",
         "platform", "crm", "inventory", "billing", "support", "fraud", "pricing"]
ENTITIES = ["orders", "customers", "invoices", "shipments", "events", "sessions", "refunds", "products",
            "campaigns", "accounts", "payments", "ledger", "clicks", "tickets", "stock", "quotes"]
ENVIRONMENTS = ["dev", "staging", "prod"]
REGIONS = ["eu-west-1", "us-east-1", "eu-central-1", "us-west-2"]
WORDS = ["Falcon", "Maple", "Quartz", "Harbor", "Cobalt", "Juniper", "Orbit", "Velvet", "Summit", "Ember",
         "Tundra", "Willow", "Copper", "Meadow", "Saffron", "Glacier"]
FILES_PER_PROJECT = 400
SCHEDULES = ['"@daily"', '"@hourly"', '"0 3 * * *"', '"*/30 * * * *"', "None"]


class Project:
    """One Airflow project of the monorepo: its team, hosts, connection ids and secrets generator."""

    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.team = TEAMS[index % len(TEAMS)] + ("" if index < len(TEAMS) else str(index // len(TEAMS)))
        self.dir = f"projects/{self.team}"
        self.region = REGIONS[index % len(REGIONS)]
        self.account = f"{rng.randrange(10**11, 10**12):012d}"
        self.cluster = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))
        t = self.team
        self.conn = {"warehouse": f"{t}_warehouse", "source": f"{t}_source_db", "reporting": f"{t}_reporting",
                     "aws": f"{t}_aws", "api": f"{t}_api", "mysql": f"{t}_legacy_mysql"}
        # ids the DAGs use but no config file of the tree defines (secrets backend in production)
        self.backend_only = [f"{t}_s3_export", "slack_alerts", f"{t}_snowflake", "aws_default"]

    def host(self, db: str, reader: bool = False, proxy: bool = False) -> str:
        kind = "proxy" if proxy else ("cluster-ro" if reader else "cluster")
        return f"{self.team}-{db}.{kind}-{self.cluster}.{self.region}.rds.amazonaws.com"

    def password(self) -> str:
        rng = self.rng
        tail = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(10))
        return f"{rng.choice(WORDS)}-{tail}-{rng.randrange(100, 999)}"

    def aws_keys(self) -> tuple[str, str]:
        rng = self.rng
        key_id = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
        secret = "".join(rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
        return key_id, secret

    def aws_uri(self) -> str:
        key_id, secret = self.aws_keys()
        return f"aws://{key_id}:{secret.replace('/', '%2F').replace('+', '%2B')}@/?region_name={self.region}"

    def fernet(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(32)).decode()

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/airflow/{self.team}-{name}"


# ---- DAG files ---------------------------------------------------------------------------------------


def _dag_header(p: Project, n: int, title: str, imports: list[str]) -> str:
    rng = p.rng
    owner = f"data-{p.team}"
    lines = [f'"""{title}', "", f"Owner: {owner}. Runbook: docs/runbooks/{p.team}_{n}.md.",
             "Generated for the airguard benchmark; shaped like the DAGs of a real monorepo.", '"""',
             "from __future__ import annotations", "", "import logging", "from datetime import timedelta", "",
             "import pendulum", *sorted(set(imports)), "", "log = logging.getLogger(__name__)", "",
             (f'DEFAULT_ARGS = {{"owner": "{owner}", "retries": {rng.randint(0, 4)}, '
              f'"retry_delay": timedelta(minutes={rng.choice([1, 5, 10, 15])}), "depends_on_past": False}}'),
             f"SCHEDULE = {rng.choice(SCHEDULES)}",
             f"START = pendulum.datetime(2024, {rng.randint(1, 12)}, 1, tz=\"UTC\")", ""]
    return "\n".join(lines) + "\n"


def _secret_block(p: Project, n: int) -> tuple[str, list[str]]:
    """A module-level credential, in one of the shapes people commit (with the imports it needs)."""
    rng = p.rng
    pw = p.password()
    host = p.host(rng.choice(ENTITIES), reader=rng.random() < 0.3)
    choice = rng.randrange(9)
    if choice == 0:
        return ((f'WAREHOUSE_PASSWORD = "{pw}"\n\n\ndef _connect_warehouse():\n    import psycopg2\n\n'
                 f'    return psycopg2.connect(host="{host}", user="etl_{p.team}", password=WAREHOUSE_PASSWORD,\n'
                 f'                            dbname="dw", sslmode="require")\n'), [])
    if choice == 1:
        return f'BACKUP_URI = "postgresql://etl:{pw}@{host}:5432/{p.team}"\n', []
    if choice == 2:
        key_id, secret = p.aws_keys()
        return ((f'def _s3_client():\n    return boto3.client(\n        "s3",\n        region_name="{p.region}",\n'
                 f'        aws_access_key_id="{key_id}",\n        aws_secret_access_key="{secret}",\n    )\n'),
                ["import boto3"])
    if choice == 3:
        return ((f'ARCHIVE_CONNECTION = Connection(\n    conn_id="{p.team}_archive_{n}",\n    conn_type="postgres",\n'
                 f'    host="{host}",\n    login="archiver",\n    password="{pw}",\n    port=5432,\n)\n'),
                ["from airflow.models.connection import Connection"])
    if choice == 4:
        return (f'DUMP_COMMAND = "PGPASSWORD={pw} pg_dump -h {host} -U etl {p.team} | gzip > /tmp/{p.team}.sql.gz"\n',
                [])
    if choice == 5:
        return f'CREATE_READER_SQL = "CREATE USER reporting_{p.team} WITH PASSWORD \'{pw}\';"\n', []
    if choice == 6:
        token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
        return f'API_TOKEN = "tok_{token}"\nHEADERS = {{"Authorization": f"Bearer {{API_TOKEN}}"}}\n', []
    if choice == 7:
        return (f'os.environ["AIRFLOW_CONN_{p.team.upper()}_SCRATCH_{n}"] = "mysql://loader:{pw}@{host}:3306/scratch"\n',
                ["import os"])
    return ((f'DB_USER = "loader"\nDB_PASS = "{pw}"\nDB_HOST = "{host}"\n\n\ndef _engine():\n'
             f'    from sqlalchemy import create_engine\n\n'
             f'    return create_engine(f"postgresql+psycopg2://{{DB_USER}}:{{DB_PASS}}@{{DB_HOST}}:5432/dw")\n'), [])


def _transform_function(p: Project, name: str) -> str:
    rng = p.rng
    statuses = rng.sample(["new", "paid", "shipped", "delivered", "cancelled", "refunded", "open", "closed"], 3)
    return f'''

def {name}(rows: list[dict]) -> list[dict]:
    """Keep the rows that matter and normalise amounts to {rng.choice(["EUR", "USD", "GBP"])}."""
    result = []
    for row in rows:
        status = row.get("status")
        if status in {tuple(statuses)!r}:
            amount = round(float(row.get("amount") or 0) * {rng.uniform(0.8, 1.3):.3f}, 2)
            result.append({{**row, "amount": amount, "source": "{p.team}"}})
        elif status is None:
            log.warning("row %s has no status", row.get("id"))
        else:
            continue
    return sorted(result, key=lambda r: (r.get("updated_at") or "", r.get("id") or 0))
'''


def dag_taskflow(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    entity = rng.choice(ENTITIES)
    imports = ["from airflow.providers.postgres.hooks.postgres import PostgresHook", "from airflow.sdk import dag, task"]
    block, extra = _secret_block(p, n) if secret else ("", [])
    text = _dag_header(p, n, f"TaskFlow ETL for {p.team} {entity} ({n}).", imports + extra)
    text += f'SOURCE_CONN_ID = "{p.conn["source"]}"\nTARGET_CONN_ID = "{p.conn["warehouse"]}"\n'
    text += ("\n" + block) if block else ""
    text += _transform_function(p, f"clean_{entity}")
    text += f'''

@dag(dag_id="{p.team}_{entity}_taskflow_{n}", schedule=SCHEDULE, start_date=START, catchup=False,
     default_args=DEFAULT_ARGS, tags=["{p.team}", "taskflow"], max_active_runs=1)
def {p.team}_{entity}_taskflow_{n}():
    @task
    def extract(ds=None) -> list[dict]:
        hook = PostgresHook(postgres_conn_id=SOURCE_CONN_ID)
        rows = hook.get_records(
            "SELECT id, status, amount, updated_at FROM {entity} WHERE updated_at::date = %s", parameters=[ds]
        )
        log.info("extracted %d rows", len(rows))
        return [{{"id": r[0], "status": r[1], "amount": r[2], "updated_at": str(r[3])}} for r in rows]

    @task
    def transform(rows: list[dict]) -> list[dict]:
        return clean_{entity}(rows)

    @task
    def load(rows: list[dict]) -> int:
        hook = PostgresHook(postgres_conn_id=TARGET_CONN_ID)
        hook.insert_rows(table="staging.{entity}", rows=[tuple(r.values()) for r in rows], commit_every=1000)
        return len(rows)

    @task.branch
    def decide(count: int) -> str:
        return "notify" if count > {rng.randint(100, 10000)} else "skip"

    @task
    def notify() -> None:
        log.info("large batch for {entity}")

    @task
    def skip() -> None:
        pass

    decide(load(transform(extract()))) >> [notify(), skip()]


{p.team}_{entity}_taskflow_{n}()
'''
    return text


def dag_sql(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    tables = [f"{rng.choice(ENTITIES)}_{i}" for i in range(rng.randint(3, 10))]
    imports = ["from airflow.providers.common.sql.operators.sql import SQLCheckOperator, SQLExecuteQueryOperator",
               "from airflow.providers.standard.operators.empty import EmptyOperator", "from airflow.sdk import DAG"]
    block, extra = _secret_block(p, n) if secret else ("", [])
    text = _dag_header(p, n, f"Warehouse loads for {p.team} ({n}).", imports + extra)
    text += f"TABLES = {tables!r}\n"
    text += ("\n" + block) if block else ""
    conn = rng.choice([p.conn["warehouse"], p.conn["reporting"], p.conn["mysql"], p.backend_only[2]])
    text += f'''

with DAG(
    dag_id="{p.team}_warehouse_{n}",
    schedule=SCHEDULE,
    start_date=START,
    default_args=DEFAULT_ARGS,
    catchup=False,
    tags=["{p.team}", "sql"],
    template_searchpath=["/opt/airflow/dags/{p.team}/sql"],
) as dag:
    start = EmptyOperator(task_id="start")
    done = EmptyOperator(task_id="done", trigger_rule="none_failed")
    for table in TABLES:
        load = SQLExecuteQueryOperator(
            task_id=f"load_{{table}}",
            conn_id="{conn}",
            sql=f"INSERT INTO staging.{{table}} SELECT * FROM raw.{{table}} WHERE ds = '{{{{ ds }}}}'",
            autocommit=True,
        )
        check = SQLCheckOperator(
            task_id=f"check_{{table}}",
            conn_id="{conn}",
            sql=f"SELECT COUNT(*) > 0 FROM staging.{{table}} WHERE ds = '{{{{ ds }}}}'",
        )
        start >> load >> check >> done
'''
    if secret and rng.random() < 0.5:
        text += f'''
    grant = SQLExecuteQueryOperator(
        task_id="create_reader",
        conn_id="{conn}",
        sql="CREATE USER IF NOT EXISTS reader_{n} WITH PASSWORD '{p.password()}'; GRANT SELECT ON ALL TABLES IN SCHEMA staging TO reader_{n};",
    )
    done >> grant
'''
    return text


def dag_kubernetes(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    image = f"123456789012.dkr.ecr.{p.region}.amazonaws.com/{p.team}/jobs:{rng.randint(1, 400)}"
    imports = ["from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator",
               "from airflow.providers.cncf.kubernetes.secret import Secret", "from airflow.sdk import DAG",
               "from kubernetes.client import models as k8s"]
    inline = secret and rng.random() < 0.6
    block, extra = _secret_block(p, n) if secret and not inline else ("", [])
    text = _dag_header(p, n, f"Containerised jobs for {p.team} ({n}).", imports + extra)
    text += ("\n" + block) if block else ""
    password_env = f'"DB_PASSWORD": "{p.password()}",\n            ' if inline else ""
    text += f'''
DB_PASSWORD = Secret(deploy_type="env", deploy_target="DB_PASSWORD", secret="{p.team}-db", key="password")
RESOURCES = k8s.V1ResourceRequirements(requests={{"cpu": "{rng.choice(["250m", "500m", "1"])}", "memory": "1Gi"}},
                                       limits={{"memory": "{rng.choice(["2Gi", "4Gi"])}"}})

with DAG(dag_id="{p.team}_pods_{n}", schedule=SCHEDULE, start_date=START, catchup=False,
         default_args=DEFAULT_ARGS, tags=["{p.team}", "k8s"]) as dag:
    jobs = []
    for step in {rng.sample(["extract", "dedupe", "enrich", "score", "export", "compact"], rng.randint(2, 5))!r}:
        job = KubernetesPodOperator(
            task_id=f"{{step}}_job",
            name=f"{p.team}-{{step}}-{n}",
            namespace="airflow-{p.team}",
            image="{image}",
            cmds=["python", "-m", "jobs.run"],
            arguments=[step, "--date", "{{{{ ds }}}}"],
            env_vars={{
            "DB_HOST": "{p.host("jobs")}",
            "DB_USER": "jobs_{p.team}",
            {password_env}"AWS_DEFAULT_REGION": "{p.region}",
            }},
            secrets=[DB_PASSWORD],
            container_resources=RESOURCES,
            service_account_name="{p.team}-jobs",
            get_logs=True,
            on_finish_action="delete_succeeded_pod",
        )
        if jobs:
            jobs[-1] >> job
        jobs.append(job)
'''
    return text


def dag_bash(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    imports = ["from airflow.providers.standard.operators.bash import BashOperator", "from airflow.sdk import DAG"]
    inline = secret and rng.random() < 0.6
    block, extra = _secret_block(p, n) if secret and not inline else ("", [])
    text = _dag_header(p, n, f"Database maintenance for {p.team} ({n}).", imports + extra)
    text += ("\n" + block) if block else ""
    conn = p.conn["source"]
    password = f'"{p.password()}"' if inline else f'"{{{{ conn.{conn}.password }}}}"'
    text += f'''

with DAG(dag_id="{p.team}_maintenance_{n}", schedule=SCHEDULE, start_date=START, catchup=False,
         default_args=DEFAULT_ARGS, tags=["{p.team}", "maintenance"]) as dag:
    vacuum = BashOperator(
        task_id="vacuum",
        bash_command="psql -h $PGHOST -U $PGUSER -d {p.team} -c 'VACUUM ANALYZE'",
        env={{"PGHOST": "{p.host(p.team)}", "PGUSER": "maint", "PGPASSWORD": {password}}},
        append_env=True,
    )
    dump = BashOperator(
        task_id="dump",
        bash_command="pg_dump -h $PGHOST -U $PGUSER {p.team} | gzip | aws s3 cp - s3://{p.team}-backups/{{{{ ds }}}}.sql.gz",
        env={{"PGHOST": "{p.host(p.team, reader=True)}", "PGUSER": "backup", "PGPASSWORD": {password}}},
        append_env=True,
        execution_timeout=timedelta(hours={rng.randint(1, 6)}),
    )
    report = BashOperator(task_id="report", bash_command="echo 'maintenance done for {{{{ ds }}}}'")
    vacuum >> dump >> report
'''
    return text


def dag_aws(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    imports = ["import boto3", "from airflow.providers.amazon.aws.hooks.s3 import S3Hook",
               "from airflow.providers.amazon.aws.operators.s3 import S3CreateObjectOperator",
               "from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor", "from airflow.sdk import DAG, task"]
    block, extra = _secret_block(p, n) if secret else ("", [])
    text = _dag_header(p, n, f"S3 exports for {p.team} ({n}).", imports + extra)
    text += f'EXPORT_ROLE = "{p.role_arn("export")}"\nSESSION_SECONDS = {rng.choice([900, 1800, 3600])}\n'
    text += ("\n" + block) if block else ""
    text += f'''

def _assumed_session():
    sts = boto3.client("sts", region_name="{p.region}")
    creds = sts.assume_role(RoleArn=EXPORT_ROLE, RoleSessionName="{p.team}-export-{n}",
                            DurationSeconds=SESSION_SECONDS)["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name="{p.region}")


with DAG(dag_id="{p.team}_s3_export_{n}", schedule=SCHEDULE, start_date=START, catchup=False,
         default_args=DEFAULT_ARGS, tags=["{p.team}", "aws"]) as dag:
    wait = S3KeySensor(task_id="wait_for_input", bucket_name="{p.team}-landing",
                       bucket_key="incoming/{{{{ ds }}}}/_SUCCESS", aws_conn_id="{p.conn["aws"]}",
                       poke_interval=300, timeout=6 * 3600, mode="reschedule")

    @task
    def export(ds=None) -> str:
        session = _assumed_session()
        s3 = session.client("s3")
        key = f"exports/{{ds}}/{p.team}.parquet"
        s3.copy_object(Bucket="{p.team}-exports", Key=key, CopySource={{"Bucket": "{p.team}-landing", "Key": key}})
        return key

    @task
    def manifest(key: str) -> None:
        S3Hook(aws_conn_id="{rng.choice([p.conn["aws"], p.backend_only[0]])}").load_string(
            key, key="manifests/latest.txt", bucket_name="{p.team}-exports", replace=True)

    marker = S3CreateObjectOperator(task_id="marker", s3_bucket="{p.team}-exports", s3_key="_DONE",
                                    data="{{{{ ds }}}}", replace=True, aws_conn_id="{p.conn["aws"]}")
    wait >> manifest(export()) >> marker
'''
    return text


def dag_iam_connection(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    imports = ["import json", "from airflow.models.connection import Connection",
               "from airflow.providers.postgres.hooks.postgres import PostgresHook", "from airflow.sdk import DAG, task"]
    text = _dag_header(p, n, f"IAM-authenticated reads for {p.team} ({n}).", imports)
    host = p.host(rng.choice(ENTITIES), proxy=rng.random() < 0.3)
    password = f'    password="{p.password()}",\n' if secret else ""
    extra = '{"sslmode": "require"}' if secret else '{"iam": True, "sslmode": "verify-full", "aws_conn_id": "' + p.conn["aws"] + '"}'
    text += f'''
READER = Connection(
    conn_id="{p.team}_iam_reader_{n}",
    conn_type="postgres",
    host="{host}",
    login="reader_{p.team}",
{password}    port=5432,
    schema="{p.team}",
    extra=json.dumps({extra}),
)


with DAG(dag_id="{p.team}_iam_reads_{n}", schedule=SCHEDULE, start_date=START, catchup=False,
         default_args=DEFAULT_ARGS, tags=["{p.team}", "iam"]) as dag:

    @task
    def count_rows() -> int:
        hook = PostgresHook(connection=READER)
        return hook.get_first("SELECT COUNT(*) FROM {rng.choice(ENTITIES)}")[0]

    @task
    def compare(count: int) -> None:
        other = PostgresHook(postgres_conn_id="{p.conn["reporting"]}").get_first("SELECT COUNT(*) FROM mirror")[0]
        if abs(other - count) > {rng.randint(1, 50)}:
            raise ValueError(f"mirror drift: {{other}} vs {{count}}")

    compare(count_rows())
'''
    return text


def dag_sensors(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    imports = ["from airflow.providers.http.operators.http import HttpOperator",
               "from airflow.providers.standard.sensors.external_task import ExternalTaskSensor",
               "from airflow.sdk import DAG, Asset, task"]
    block, extra = _secret_block(p, n) if secret else ("", [])
    text = _dag_header(p, n, f"Downstream fan-out for {p.team} ({n}).", imports + extra)
    text += f'REPORT = Asset("s3://{p.team}-exports/reports/daily.parquet")\n'
    text += ("\n" + block) if block else ""
    text += f'''

with DAG(dag_id="{p.team}_fanout_{n}", schedule=SCHEDULE, start_date=START, catchup=False,
         default_args=DEFAULT_ARGS, tags=["{p.team}", "fanout"]) as dag:
    upstream = ExternalTaskSensor(task_id="wait_upstream", external_dag_id="{p.team}_warehouse_{max(n - 1, 0)}",
                                  external_task_id="done", mode="reschedule", timeout=4 * 3600)

    @task
    def partitions(ds=None) -> list[str]:
        return [f"{{ds}}/part-{{i:03d}}" for i in range({rng.randint(4, 64)})]

    @task(outlets=[REPORT])
    def process(partition: str) -> int:
        log.info("processing %s", partition)
        return len(partition)

    ping = HttpOperator(task_id="ping_api", http_conn_id="{p.conn["api"]}", endpoint="/v1/refresh",
                        method="POST", data={{"team": "{p.team}"}}, log_response=True)
    upstream >> process.expand(partition=partitions()) >> ping
'''
    return text


DAG_BUILDERS: list[Callable[[Project, int, bool], str]] = [
    dag_taskflow, dag_sql, dag_kubernetes, dag_bash, dag_aws, dag_iam_connection, dag_sensors]


def include_module(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    entity = rng.choice(ENTITIES)
    body = f'''"""Helpers shared by the {p.team} DAGs: {entity} schemas and small utilities."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

SCHEMA = "{p.team}"
COLUMNS = {[f"{entity}_{c}" for c in rng.sample(["id", "status", "amount", "created", "updated", "owner", "region"], 5)]!r}


@dataclasses.dataclass(frozen=True)
class {entity.title()}Row:
    id: int
    status: str
    amount: float
    updated_at: dt.datetime | None = None

    @classmethod
    def from_tuple(cls, row: tuple) -> "{entity.title()}Row":
        return cls(int(row[0]), str(row[1]), float(row[2] or 0), row[3] if len(row) > 3 else None)


def chunked(items: Iterable, size: int = {rng.choice([100, 500, 1000])}):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def partition_for(day: dt.date) -> str:
    return f"year={{day.year}}/month={{day.month:02d}}/day={{day.day:02d}}"
'''
    if secret:
        kind = rng.randrange(3)
        if kind == 0:
            body += (f'\n\nDEFAULT_DB = {{\n    "host": "{p.host(entity)}",\n    "user": "svc_{p.team}",\n'
                     f'    "password": "{p.password()}",\n    "dbname": "{p.team}",\n}}\n')
        elif kind == 1:
            key_id, secret_key = p.aws_keys()
            body += f'\n\nAWS_ACCESS_KEY_ID = "{key_id}"\nAWS_SECRET_ACCESS_KEY = "{secret_key}"\n'
        else:
            body += f'\n\nFALLBACK_URI = "mysql://svc:{p.password()}@{p.host("legacy")}:3306/{p.team}"\n'
    return body


def plugin_module(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    default_pw = f'"{p.password()}"' if secret else "None"
    return f'''"""Custom hook and operator for the {p.team} team's internal API ({n})."""
from __future__ import annotations

from typing import Any

import requests
from airflow.hooks.base import BaseHook
from airflow.models import BaseOperator


class {p.team.title()}ApiHook{n}(BaseHook):
    conn_name_attr = "{p.team}_api_conn_id"
    default_conn_name = "{p.conn["api"]}"
    conn_type = "http"
    hook_name = "{p.team.title()} API"

    def __init__(self, {p.team}_api_conn_id: str = default_conn_name, password: str | None = {default_pw}) -> None:
        super().__init__()
        self.conn_id = {p.team}_api_conn_id
        self._password = password

    def get_conn(self) -> requests.Session:
        conn = self.get_connection(self.conn_id)
        session = requests.Session()
        session.auth = (conn.login, self._password or conn.password)
        session.headers["User-Agent"] = "airflow-{p.team}"
        return session

    def post(self, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.get_conn().post(f"https://api.{p.team}.internal{{endpoint}}", json=payload, timeout={rng.randint(10, 60)})
        response.raise_for_status()
        return response.json()


class {p.team.title()}RefreshOperator{n}(BaseOperator):
    template_fields = ("endpoint",)

    def __init__(self, *, endpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint

    def execute(self, context: Any) -> dict[str, Any]:
        return {p.team.title()}ApiHook{n}().post(self.endpoint, {{"ds": context["ds"]}})
'''


def test_module(p: Project, n: int, secret: bool) -> str:
    password = p.password() if secret else "{{ var.value.test_password }}"
    extra = f'\nFAKE_URI = "postgres://tester:{p.password()}@localhost:5432/test"\n' if secret else ""
    return f'''"""Tests for the {p.team} DAGs ({n})."""
from __future__ import annotations

import pytest
from airflow.models import DagBag
{extra}

@pytest.fixture(scope="module")
def dagbag():
    return DagBag(dag_folder="dags/{p.team}", include_examples=False)


def test_no_import_errors(dagbag):
    assert not dagbag.import_errors


def test_owner(dagbag):
    for dag in dagbag.dags.values():
        assert dag.default_args.get("owner") == "data-{p.team}"


@pytest.mark.parametrize("conn_id", {list(p.conn.values())!r})
def test_connection_shape(monkeypatch, conn_id):
    monkeypatch.setenv(f"AIRFLOW_CONN_{{conn_id.upper()}}", '{{"conn_type": "postgres", "login": "t", "password": "{password}"}}')
    assert conn_id
'''


# ---- config files --------------------------------------------------------------------------------------


def _uri(p: Project, db: str, secret: bool, scheme: str = "postgresql", iam_ok: bool = True) -> str:
    host = p.host(db, reader=p.rng.random() < 0.2)
    port = 3306 if scheme == "mysql" else 5432
    if secret:
        return f"{scheme}://etl_{db}:{p.password()}@{host}:{port}/{db}"
    if iam_ok:
        return f"{scheme}://etl_{db}@{host}:{port}/{db}?iam=true&sslmode=verify-full"
    return f"{scheme}://etl_{db}:${{{db.upper()}_PASSWORD}}@{host}:{port}/{db}"


def _json_conn(p: Project, db: str, secret: bool) -> str:
    fields = {"conn_type": "postgres", "host": p.host(db), "login": f"etl_{db}", "port": 5432, "schema": db}
    if secret:
        fields["password"] = p.password()
        fields["extra"] = {"sslmode": p.rng.choice(["require", "disable"])}
    else:
        fields["extra"] = {"iam": True, "sslmode": "verify-full", "aws_conn_id": p.conn["aws"]}
    return json.dumps(fields)


def docker_compose(p: Project, n: int, secret: bool) -> str:
    meta = f"postgresql+psycopg2://airflow:{p.password()}@postgres/airflow" if secret else "${AIRFLOW_DB_URI}"
    pg_password = p.password() if secret else "${POSTGRES_PASSWORD:?set it in .env}"
    fernet = p.fernet() if secret else "${AIRFLOW_FERNET_KEY}"
    aws = (p.aws_uri() if secret
           else json.dumps({"conn_type": "aws", "extra": {"role_arn": p.role_arn("worker"), "region_name": p.region}}))
    return f'''# Based on the official Airflow docker-compose.yaml, for local development of {p.team}.
x-airflow-common:
  &airflow-common
  image: ${{AIRFLOW_IMAGE_NAME:-apache/airflow:3.1.0}}
  environment:
    &airflow-common-env
    AIRFLOW__CORE__EXECUTOR: CeleryExecutor
    AIRFLOW__CORE__AUTH_MANAGER: airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: {meta}
    AIRFLOW__CELERY__RESULT_BACKEND: db+{meta}
    AIRFLOW__CELERY__BROKER_URL: redis://:@redis:6379/0
    AIRFLOW__CORE__FERNET_KEY: '{fernet}'
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'true'
    AIRFLOW__CORE__LOAD_EXAMPLES: 'false'
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: 'http://airflow-apiserver:8080/execution/'
    AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK: 'true'
    AIRFLOW__LOGGING__REMOTE_LOGGING: 'true'
    AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID: {p.conn["aws"]}
    _PIP_ADDITIONAL_REQUIREMENTS: ${{_PIP_ADDITIONAL_REQUIREMENTS:-}}
    AIRFLOW_CONN_{p.conn["warehouse"].upper()}: >-
      {_uri(p, "warehouse", secret)}
    AIRFLOW_CONN_{p.conn["source"].upper()}: '{_json_conn(p, "source", secret)}'
    AIRFLOW_CONN_{p.conn["aws"].upper()}: '{aws}'
  volumes:
    - ${{AIRFLOW_PROJ_DIR:-.}}/dags:/opt/airflow/dags
    - ${{AIRFLOW_PROJ_DIR:-.}}/logs:/opt/airflow/logs
    - ${{AIRFLOW_PROJ_DIR:-.}}/config:/opt/airflow/config
    - ${{AIRFLOW_PROJ_DIR:-.}}/plugins:/opt/airflow/plugins
  user: "${{AIRFLOW_UID:-50000}}:0"
  depends_on:
    &airflow-common-depends-on
    redis:
      condition: service_healthy
    postgres:
      condition: service_healthy

services:
  postgres:
    image: postgres:16
    environment:
      POSTGRES_USER: airflow
      POSTGRES_PASSWORD: {pg_password}
      POSTGRES_DB: airflow
    volumes:
      - postgres-db-volume:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "airflow"]
      interval: 10s
      retries: 5
      start_period: 5s
    restart: always

  redis:
    image: redis:7.2-bookworm
    expose:
      - 6379
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 10s
      timeout: 30s
      retries: 50
    restart: always

  airflow-apiserver:
    <<: *airflow-common
    command: api-server
    ports:
      - "8080:8080"
    healthcheck:
      test: ["CMD", "curl", "--fail", "http://localhost:8080/api/v2/version"]
      interval: 30s
      timeout: 10s
      retries: 5
    restart: always
    depends_on:
      <<: *airflow-common-depends-on
      airflow-init:
        condition: service_completed_successfully

  airflow-scheduler:
    <<: *airflow-common
    command: scheduler
    restart: always

  airflow-dag-processor:
    <<: *airflow-common
    command: dag-processor
    restart: always

  airflow-worker:
    <<: *airflow-common
    command: celery worker
    environment:
      <<: *airflow-common-env
      DUMB_INIT_SETSID: "0"
      AIRFLOW_CONN_{p.conn["mysql"].upper()}: {_uri(p, "legacy", secret, scheme="mysql", iam_ok=False)}
    restart: always

  airflow-triggerer:
    <<: *airflow-common
    command: triggerer
    restart: always

  airflow-init:
    <<: *airflow-common
    entrypoint: /bin/bash
    command:
      - -c
      - exec /entrypoint airflow version
    environment:
      <<: *airflow-common-env
      _AIRFLOW_DB_MIGRATE: 'true'
      _AIRFLOW_WWW_USER_CREATE: 'true'
      _AIRFLOW_WWW_USER_USERNAME: ${{_AIRFLOW_WWW_USER_USERNAME:-airflow}}
      _AIRFLOW_WWW_USER_PASSWORD: ${{_AIRFLOW_WWW_USER_PASSWORD:-airflow}}
    user: "0:0"

volumes:
  postgres-db-volume:
'''


def compose_override(p: Project, n: int, secret: bool) -> str:
    return f'''# Local overrides for {p.team}: extra connections for the developer's own databases.
services:
  airflow-worker:
    environment:
      - AIRFLOW__CORE__PARALLELISM=16
      - AIRFLOW_CONN_{p.conn["reporting"].upper()}={_uri(p, "reporting", secret)}
      - AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.session
  airflow-scheduler:
    environment:
      - AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL=60
'''


def env_file(p: Project, n: int, secret: bool) -> str:
    aws = (p.aws_uri()
           if secret else f"aws://?role_arn={p.role_arn('dev')}&region_name={p.region}")
    return f'''# Local settings for {p.team} ({n}); not used in production (secrets backend there).
AIRFLOW_UID=50000
AIRFLOW_PROJ_DIR=.
_PIP_ADDITIONAL_REQUIREMENTS=
AIRFLOW_IMAGE_NAME=apache/airflow:3.1.0

AIRFLOW_CONN_{p.conn["warehouse"].upper()}={_uri(p, "warehouse", secret)}
AIRFLOW_CONN_{p.conn["source"].upper()}='{_json_conn(p, "source", secret)}'
export AIRFLOW_CONN_{p.conn["aws"].upper()}='{aws}'
AIRFLOW_CONN_{p.conn["api"].upper()}=https://svc_{p.team}@api.{p.team}.internal
AIRFLOW__CORE__LOAD_EXAMPLES=False
AIRFLOW__SECRETS__BACKEND=airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
AIRFLOW__SECRETS__BACKEND_KWARGS='{{"connections_prefix": "airflow/{p.team}/connections", "variables_prefix": "airflow/{p.team}/variables"}}'
'''


def env_example(p: Project, n: int, secret: bool) -> str:
    pw = p.password() if secret else "<set me>"
    return f'''# Copy to .env and fill in.
AIRFLOW_UID=50000
POSTGRES_PASSWORD={pw}
AIRFLOW_DB_URI=postgresql+psycopg2://airflow@postgres/airflow
AIRFLOW_FERNET_KEY=
'''


def helm_values(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    env = ENVIRONMENTS[n % len(ENVIRONMENTS)]
    if secret:
        metadata = (f"  metadataConnection:\n    user: airflow\n    pass: {p.password()}\n    protocol: postgresql\n"
                    f"    host: {p.host('airflow-meta-' + env)}\n    port: 5432\n    db: airflow\n    sslmode: require\n")
        keys = f'fernetKey: "{p.fernet()}"\nwebserverSecretKey: "{p.password()}"\n'
        extra_secrets = (f"extraSecrets:\n  {p.team}-connections:\n    stringData: |\n"
                         f"      AIRFLOW_CONN_{p.conn['reporting'].upper()}: {_uri(p, 'reporting', True)}\n")
        env_conn = f"    value: '{_uri(p, 'warehouse', True)}'\n"
    else:
        metadata = f"  metadataSecretName: airflow-{p.team}-metadata\n"
        keys = f"fernetKeySecretName: airflow-{p.team}-fernet\nwebserverSecretKeySecretName: airflow-{p.team}-webserver\n"
        extra_secrets = ""
        env_conn = f"    value: '{_json_conn(p, 'warehouse', False)}'\n"
    return f'''# {env} values for the apache-airflow/airflow chart ({p.team})
defaultAirflowRepository: 123456789012.dkr.ecr.{p.region}.amazonaws.com/airflow-{p.team}
defaultAirflowTag: "{rng.randint(100, 999)}-{env}"
airflowVersion: "3.1.0"
executor: "CeleryKubernetesExecutor"
{keys}
data:
{metadata}
env:
  - name: AIRFLOW_CONN_{p.conn["warehouse"].upper()}
{env_conn}  - name: AIRFLOW__CORE__DEFAULT_TIMEZONE
    value: "UTC"
  - name: AIRFLOW_VAR_ENVIRONMENT
    value: "{env}"

secret:
  - envName: AIRFLOW_CONN_{p.conn["source"].upper()}
    secretName: {p.team}-source-connection
    secretKey: uri

{extra_secrets}
config:
  core:
    parallelism: {rng.choice([32, 64, 128])}
    max_active_tasks_per_dag: 16
  logging:
    remote_logging: 'True'
    remote_base_log_folder: s3://{p.team}-airflow-logs/{env}
    remote_log_conn_id: {p.conn["aws"]}
  secrets:
    backend: airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
    backend_kwargs: '{{"connections_prefix": "airflow/{p.team}/connections"}}'
  scheduler:
    dag_dir_list_interval: 120

scheduler:
  replicas: {rng.choice([1, 2])}
  resources:
    requests: {{cpu: 500m, memory: 1Gi}}
    limits: {{memory: 2Gi}}

workers:
  replicas: {rng.randint(2, 12)}
  resources:
    requests: {{cpu: "1", memory: 2Gi}}
    limits: {{memory: 4Gi}}
  persistence:
    enabled: false
  keda:
    enabled: {str(env == "prod").lower()}
    minReplicaCount: 1
    maxReplicaCount: 20
  serviceAccount:
    annotations:
      eks.amazonaws.com/role-arn: {p.role_arn("worker-" + env)}

triggerer:
  replicas: 1
dagProcessor:
  enabled: true

postgresql:
  enabled: false
redis:
  enabled: true
pgbouncer:
  enabled: true
  maxClientConn: 200
  metadataPoolSize: 10

ingress:
  apiServer:
    enabled: true
    hosts:
      - name: airflow-{p.team}-{env}.example.com
    ingressClassName: alb

dags:
  gitSync:
    enabled: true
    repo: git@github.com:example/airflow-monorepo.git
    branch: {env}
    subPath: projects/{p.team}/dags
    sshKeySecret: airflow-git-ssh
'''


def airflow_settings(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    conns = []
    for key in ("warehouse", "source", "reporting"):
        host = p.host(key, proxy=key == "reporting")
        entry = (f"    - conn_id: {p.conn[key]}\n      conn_type: postgres\n      conn_host: {host}\n"
                 f"      conn_schema: {key}\n      conn_login: etl_{key}\n      conn_port: 5432\n")
        if secret and key != "reporting":
            entry += f"      conn_password: {p.password()}\n"
        else:
            entry += f"      conn_extra:\n        iam: true\n        aws_conn_id: {p.conn['aws']}\n"
        conns.append(entry)
    return f'''# Astronomer local settings (astro dev start) for {p.team}.
airflow:
  connections:
{"".join(conns)}  pools:
    - pool_name: {p.team}_db
      pool_slot: {rng.randint(4, 32)}
      pool_description: "{p.team} database pool"
  variables:
    - variable_name: environment
      variable_value: dev
    - variable_name: {p.team}_bucket
      variable_value: {p.team}-landing
'''


def connections_json(p: Project, n: int, secret: bool) -> str:
    data = {}
    for key in ("warehouse", "source", "mysql"):
        data[p.conn[key]] = {"conn_type": "mysql" if key == "mysql" else "postgres", "description": "exported",
                             "host": p.host(key), "login": f"etl_{key}",
                             "password": p.password() if secret else None, "schema": key,
                             "port": 3306 if key == "mysql" else 5432,
                             "extra": json.dumps({"ssl_mode": "REQUIRED"} if secret else {"iam": True})}
    data[p.conn["api"]] = {"conn_type": "http", "host": f"https://api.{p.team}.internal", "login": None,
                           "password": None, "schema": None, "port": None, "extra": None}
    return json.dumps(data, indent=2) + "\n"


def connections_yaml(p: Project, n: int, secret: bool) -> str:
    text = ""
    for key in ("warehouse", "reporting"):
        text += (f"{p.conn[key]}:\n  conn_type: postgres\n  host: {p.host(key)}\n  login: etl_{key}\n"
                 f"  port: 5432\n  schema: {key}\n")
        text += f"  password: {p.password()}\n  extra: '{{\"sslmode\": \"require\"}}'\n" if secret else \
            "  extra:\n    iam: true\n    sslmode: verify-full\n"
    key_id, secret_key = p.aws_keys()
    text += f"{p.conn['aws']}:\n  conn_type: aws\n  extra:\n"
    text += (f"    aws_access_key_id: {key_id}\n    aws_secret_access_key: {secret_key}\n" if secret else
             f"    role_arn: {p.role_arn('etl')}\n    assume_role_kwargs:\n      DurationSeconds: 3600\n")
    text += f"    region_name: {p.region}\n"
    return text


def airflow_cfg(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    if secret:
        database = f"sql_alchemy_conn = postgresql+psycopg2://airflow:{p.password()}@{p.host('airflow-meta')}:5432/airflow"
        webserver = f"secret_key = {p.password()}"
        fernet = f"fernet_key = {p.fernet()}"
    else:
        database = "sql_alchemy_conn_secret = airflow/config/sql_alchemy_conn"
        webserver = "secret_key_cmd = /usr/local/bin/fetch-secret webserver"
        fernet = "fernet_key_cmd = /usr/local/bin/fetch-secret fernet"
    return f'''[core]
# The folder where your airflow pipelines live, most likely a subfolder in a code repository.
dags_folder = /opt/airflow/dags
# The executor class that airflow should use.
executor = CeleryExecutor
# This defines the maximum number of task instances that can run concurrently per scheduler.
parallelism = {rng.choice([32, 64])}
max_active_tasks_per_dag = 16
dags_are_paused_at_creation = True
load_examples = False
{fernet}
default_timezone = utc
dagbag_import_timeout = 30.0

[database]
# The SQLAlchemy connection string to the metadata database.
{database}
sql_alchemy_pool_enabled = True
sql_alchemy_pool_size = 5
sql_alchemy_max_overflow = 10
sql_alchemy_pool_recycle = 1800

[logging]
base_log_folder = /opt/airflow/logs
remote_logging = True
remote_base_log_folder = s3://{p.team}-airflow-logs
remote_log_conn_id = {p.conn["aws"]}
logging_level = INFO
fab_logging_level = WARNING

[api]
base_url = https://airflow-{p.team}.example.com
auth_backends = airflow.api.auth.backend.session

[webserver]
{webserver}
expose_config = False
warn_deployment_exposure = True

[scheduler]
min_file_process_interval = 60
dag_dir_list_interval = 300
parsing_processes = 2
catchup_by_default = False

[celery]
broker_url = redis://redis:6379/0
worker_concurrency = {rng.choice([8, 16])}

[secrets]
backend = airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
backend_kwargs = {{"connections_prefix": "airflow/{p.team}/connections", "variables_prefix": "airflow/{p.team}/variables"}}
'''


def k8s_secret(p: Project, n: int, secret: bool) -> str:
    if secret:
        uri = _uri(p, "archive", True)
        return f'''apiVersion: v1
kind: Secret
metadata:
  name: {p.team}-airflow-connections
  namespace: airflow-{p.team}
type: Opaque
data:
  AIRFLOW_CONN_{p.team.upper()}_ARCHIVE: {base64.b64encode(uri.encode()).decode()}
stringData:
  AIRFLOW_CONN_{p.conn["reporting"].upper()}: {_uri(p, "reporting", True)}
'''
    return f'''apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: {p.team}-airflow-connections
  namespace: airflow-{p.team}
spec:
  refreshInterval: 1h
  secretStoreRef:
    name: aws-secrets-manager
    kind: ClusterSecretStore
  target:
    name: {p.team}-airflow-connections
  data:
    - secretKey: AIRFLOW_CONN_{p.conn["reporting"].upper()}
      remoteRef:
        key: airflow/{p.team}/connections/{p.conn["reporting"]}
'''


def k8s_deployment(p: Project, n: int, secret: bool) -> str:
    value = (f"value: '{_json_conn(p, 'source', True)}'" if secret else
             f"valueFrom:\n                secretKeyRef: {{name: {p.team}-source-connection, key: uri}}")
    return f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {p.team}-sync-worker
  namespace: airflow-{p.team}
  labels: {{app: {p.team}-sync, team: {p.team}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {p.team}-sync}}
  template:
    metadata:
      labels: {{app: {p.team}-sync}}
    spec:
      serviceAccountName: {p.team}-sync
      containers:
        - name: worker
          image: 123456789012.dkr.ecr.{p.region}.amazonaws.com/{p.team}/sync:latest
          env:
            - name: AIRFLOW__SECRETS__BACKEND
              value: airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
            - name: AIRFLOW_CONN_{p.conn["source"].upper()}
              {value}
          resources:
            requests: {{cpu: 250m, memory: 512Mi}}
'''


def dbt_profiles(p: Project, n: int, secret: bool) -> str:
    password = p.password() if secret else "\"{{ env_var('DBT_PASSWORD') }}\""
    return f'''{p.team}:
  target: dev
  outputs:
    dev:
      type: postgres
      host: {p.host("warehouse")}
      user: dbt_{p.team}
      password: {password}
      port: 5432
      dbname: warehouse
      schema: {p.team}_dev
      threads: 4
      sslmode: require
'''


def dbt_project(p: Project, n: int, secret: bool) -> str:
    return f'''name: {p.team}
version: "1.0.0"
config-version: 2
profile: {p.team}
model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
models:
  {p.team}:
    staging:
      +materialized: view
    marts:
      +materialized: table
      +schema: marts
'''


def ci_workflow(p: Project, n: int, secret: bool) -> str:
    if secret:
        key_id, secret_key = p.aws_keys()
        env = f"      AWS_ACCESS_KEY_ID: {key_id}\n      AWS_SECRET_ACCESS_KEY: {secret_key}\n"
    else:
        env = "      AWS_ROLE_ARN: ${{ secrets.AWS_ROLE_ARN }}\n"
    return f'''name: {p.team}-ci
on:
  pull_request:
    paths: ["projects/{p.team}/**"]
jobs:
  test:
    runs-on: ubuntu-latest
    env:
{env}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
      - run: pip install -r projects/{p.team}/requirements.txt
      - run: pytest projects/{p.team}/tests
'''


# The configuration file of the pre-commit sample with one (`Bench.precommit`): what a team typically sets.
PRECOMMIT_CONFIG = ('fail-on = "high"\nexclude = ["tests/fixtures/*"]\nignore = ["AG107"]\n\n'
                    '[rule-parameters.AG105]\nmax_session_seconds = 3600\n')


def precommit_config(p: Project, n: int, secret: bool) -> str:
    return '''repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.9
    hooks:
      - id: ruff
      - id: ruff-format
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: check-yaml
        args: [--allow-multiple-documents]
      - id: end-of-file-fixer
'''


def dag_factory_yaml(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    env = f'PGPASSWORD={p.password()} ' if secret else ""
    tasks = []
    for i in range(rng.randint(3, 8)):
        dep = f"\n      dependencies: [task_{i - 1}]" if i else ""
        if i % 2:
            tasks.append(f"    task_{i}:\n      operator: airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator\n"
                         f"      conn_id: {p.conn['warehouse']}\n      sql: sql/step_{i}.sql{dep}")
        else:
            tasks.append(f"    task_{i}:\n      operator: airflow.providers.standard.operators.bash.BashOperator\n"
                         f"      bash_command: {env}psql -h {p.host('warehouse')} -f sql/step_{i}.sql{dep}")
    return f'''# dag-factory definition ({p.team}, {n})
{p.team}_factory_{n}:
  default_args:
    owner: data-{p.team}
    start_date: 2024-01-01
    retries: {rng.randint(0, 3)}
  schedule: "{rng.choice(["@daily", "0 4 * * *", "@weekly"])}"
  catchup: false
  tasks:
''' + "\n".join(tasks) + "\n"


def data_json(p: Project, n: int, secret: bool) -> str:
    rng = p.rng
    data: dict = {"name": f"{p.team}_{n}", "version": rng.randint(1, 30),
                  "fields": [{"name": f"col_{i}", "type": rng.choice(["string", "int", "float", "timestamp"]),
                              "nullable": rng.random() < 0.5} for i in range(rng.randint(5, 25))]}
    if secret:
        data["source"] = {"host": p.host("source"), "user": "reader", "password": p.password()}
    return json.dumps(data, indent=2) + "\n"


def deploy_sh(p: Project, n: int, secret: bool) -> str:
    if secret:
        key_id, secret_key = p.aws_keys()
        creds = f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={secret_key}\n"
    else:
        creds = f"eval \"$(aws configure export-credentials --profile {p.team}-deploy --format env)\"\n"
    return f'''#!/usr/bin/env bash
set -euo pipefail
{creds}export AWS_DEFAULT_REGION={p.region}
helm upgrade --install airflow-{p.team} apache-airflow/airflow -n airflow-{p.team} -f helm/values-"$1".yaml
'''


def setup_cfg(p: Project, n: int, secret: bool) -> str:
    return f'''[metadata]
name = {p.team}-dags
version = 0.{n}.0

[flake8]
max-line-length = 120
exclude = .git,__pycache__,build

[isort]
profile = black
known_first_party = include,plugins
'''


# files airguard does not read (other tools may)


def readme(p: Project, n: int, secret: bool) -> str:
    example = (f"\nFor a quick local test:\n\n    export AIRFLOW_CONN_{p.conn['warehouse'].upper()}="
               f"postgres://etl:{p.password()}@{p.host('warehouse')}/dw\n" if secret else "")
    return f"# {p.team}\n\nAirflow DAGs of the {p.team} team. Connections come from Secrets Manager in production.\n{example}"


def sql_file(p: Project, n: int, secret: bool) -> str:
    grant = f"\nCREATE USER svc_{n} WITH PASSWORD '{p.password()}';\n" if secret else ""
    entity = p.rng.choice(ENTITIES)
    return (f"-- step {n} of the {p.team} warehouse load\nINSERT INTO staging.{entity}\n"
            f"SELECT * FROM raw.{entity} WHERE ds = '{{{{ ds }}}}';\n{grant}")


def requirements(p: Project, n: int, secret: bool) -> str:
    return ("apache-airflow-providers-amazon>=9.0\napache-airflow-providers-postgres>=6.0\n"
            "apache-airflow-providers-cncf-kubernetes>=10.0\npsycopg2-binary\nrequests\n")


def dockerfile(p: Project, n: int, secret: bool) -> str:
    extra = f"ENV DB_PASSWORD={p.password()}\n" if secret else ""
    return f"FROM apache/airflow:3.1.0\nCOPY requirements.txt /\nRUN pip install --no-cache-dir -r /requirements.txt\n{extra}"


def makefile(p: Project, n: int, secret: bool) -> str:
    return "test:\n\tpytest tests\n\nlint:\n\truff check dags include plugins\n"


def doc_md(p: Project, n: int, secret: bool) -> str:
    return f"# Runbook {n}\n\n1. Check the DAG run.\n2. Re-run the failed task.\n3. Page data-{p.team} if it fails twice.\n"


# (relative path in the project, builder, can hold a credential)
FIXED_FILES: list[tuple[str, Callable[[Project, int, bool], str], bool]] = [
    ("docker-compose.yaml", docker_compose, True),
    ("docker-compose.override.yaml", compose_override, True),
    (".env", env_file, True),
    (".env.example", env_example, True),
    ("helm/values-dev.yaml", helm_values, True),
    ("helm/values-staging.yaml", helm_values, True),
    ("helm/values-prod.yaml", helm_values, True),
    ("airflow_settings.yaml", airflow_settings, True),
    ("connections/connections.json", connections_json, True),
    ("connections/connections.yaml", connections_yaml, True),
    ("config/airflow.cfg", airflow_cfg, True),
    ("k8s/connections-secret.yaml", k8s_secret, True),
    ("k8s/sync-deployment.yaml", k8s_deployment, True),
    ("dbt/profiles.yml", dbt_profiles, True),
    ("dbt/dbt_project.yml", dbt_project, False),
    (".github/workflows/ci.yml", ci_workflow, True),
    (".pre-commit-config.yaml", precommit_config, False),
    ("scripts/deploy.sh", deploy_sh, True),
    ("setup.cfg", setup_cfg, False),
    ("README.md", readme, True),
    ("requirements.txt", requirements, False),
    ("Dockerfile", dockerfile, True),
    ("Makefile", makefile, False),
]
# the rest of a project, by weight: (folder, suffix, builder, can hold a credential, weight)
VARIABLE_FILES: list[tuple[str, str, Callable[[Project, int, bool], str] | None, bool, int]] = [
    ("dags", ".py", None, True, 56),              # None: one of DAG_BUILDERS
    ("dags/sql", ".sql", sql_file, True, 8),
    ("dags/configs", ".yml", dag_factory_yaml, True, 6),
    ("include", ".py", include_module, True, 9),
    ("include/schemas", ".json", data_json, True, 5),
    ("plugins", ".py", plugin_module, True, 5),
    ("tests", ".py", test_module, True, 7),
    ("docs/runbooks", ".md", doc_md, False, 4),
]


@dataclass
class Tree:
    root: Path
    label: str
    files: int = 0
    with_credentials: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.by_kind.items(), key=lambda kv: -kv[1]))
        return (f"{self.label}: {self.files} files, {self.with_credentials} "
                f"({100 * self.with_credentials / max(self.files, 1):.0f} %) with a literal credential; {kinds}")


def generate_tree(root: Path, size: int, share: float, seed: int, label: str) -> Tree:
    """A monorepo of `size` files: projects of FILES_PER_PROJECT files each (the last one smaller)."""
    rng = random.Random(f"{seed}-{size}-{share}")
    tree = Tree(root=root, label=label)
    weights = [w for *_, w in VARIABLE_FILES]
    written = 0
    project_index = 0
    while written < size:
        project = Project(rng, project_index)
        budget = min(FILES_PER_PROJECT, size - written)
        counters: dict[str, int] = {}
        plan: list[tuple[str, Callable[[Project, int, bool], str], bool]] = []
        for relative, builder, can_hold in FIXED_FILES[:budget]:
            plan.append((relative, builder, can_hold))
        for _ in range(budget - len(plan)):
            folder, suffix, builder, can_hold, _w = rng.choices(VARIABLE_FILES, weights)[0]
            index = counters[folder] = counters.get(folder, 0) + 1
            if builder is None:
                chosen = DAG_BUILDERS[index % len(DAG_BUILDERS)]
                name = f"{folder}/{project.team}_{chosen.__name__[4:]}_{index}{suffix}"
                plan.append((name, chosen, can_hold))
            else:
                plan.append((f"{folder}/{project.team}_{builder.__name__}_{index}{suffix}", builder, can_hold))
        holders = [n for n, (_r, _b, can_hold) in enumerate(plan) if can_hold]
        with_secret = set(rng.sample(holders, min(len(holders), round(share * budget))))
        for n, (relative, builder, _can_hold) in enumerate(plan):
            secret = n in with_secret
            text = builder(project, n, secret)
            path = root / project.dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            tree.files += 1
            tree.with_credentials += secret
            kind = path.suffix.lstrip(".") or path.name
            kind = {"yml": "yaml", "example": "env", "sh": "env", ".env": "env"}.get(kind, kind)
            tree.by_kind[kind] = tree.by_kind.get(kind, 0) + 1
        written += budget
        project_index += 1
    return tree


# --------------------------------------------------------------------------------------------------
# AWS snapshot with many security groups
# --------------------------------------------------------------------------------------------------


def _resource(rtype: str, arn: str, name: str, attributes: dict, account: str, region: str) -> dict:
    return {"attributes": attributes, "id": f"{rtype}:{arn}", "locations": {}, "name": name,
            "source": {"aws": {"account": account, "arn": arn, "region": region}, "file": None}, "type": rtype}


def _link(relation: str, rtype: str, arn: str, name: str) -> dict:
    return {"relation": relation, "target_id": f"{rtype}:{arn}", "target_name": name, "target_type": rtype}


def generate_snapshot(path: Path, groups: int, seed: int = 11) -> dict[str, int]:
    """An airguard AWS snapshot (format of fixtures/demo/aws-snapshot.json): one VPC with subnets,
    `groups` security groups (database groups with CIDR, world-open and group-sourced ingress), Aurora
    clusters with 5 groups each and 1-2 instances per cluster, a subnet group. Returns resource counts."""
    rng = random.Random(seed)
    account, region = "123456789012", "eu-west-1"
    sg_type, vpc_type, subnet_type = "aws.ec2.security_group", "aws.ec2.vpc", "aws.ec2.subnet"
    vpc_id = "vpc-0bench0000000000a"
    vpc_arn = f"arn:aws:ec2:{region}:{account}:vpc/{vpc_id}"
    ec2: list[dict] = [_resource(vpc_type, vpc_arn, vpc_id, {
        "_links": [], "cidr_block": "10.0.0.0/16", "internet_gateway_ids": ["igw-0bench"], "is_default": False,
        "nat_gateways": [], "owner_id": account, "state": "available", "tags": {}, "vpc_id": vpc_id}, account, region)]
    subnets = []
    for i, zone in enumerate("abc"):
        subnet_id = f"subnet-0bench{i:012d}"
        arn = f"arn:aws:ec2:{region}:{account}:subnet/{subnet_id}"
        subnets.append((subnet_id, arn))
        ec2.append(_resource(subnet_type, arn, subnet_id, {
            "_links": [_link("vpc", vpc_type, vpc_arn, vpc_id)], "availability_zone": f"{region}{zone}",
            "cidr_block": f"10.0.{i}.0/24", "map_public_ip_on_launch": False, "owner_id": account,
            "route_table_id": None, "routes_to_internet_gateway": False, "subnet_id": subnet_id, "tags": {},
            "vpc_id": vpc_id}, account, region))
    group_ids = [f"sg-{i:017x}" for i in range(groups)]
    world = {"cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": None, "description": None, "from_port": None,
             "open_to_world": True, "prefix_list_id": None, "protocol": "-1", "source_security_group_id": None,
             "source_security_group_owner": None, "to_port": None}
    for i, group_id in enumerate(group_ids):
        arn = f"arn:aws:ec2:{region}:{account}:security-group/{group_id}"
        port = rng.choice([5432, 3306])
        ingress = [{"cidr_ipv4": rng.choice(["10.0.0.0/16", "10.20.0.0/16", "172.16.0.0/12"]), "cidr_ipv6": None,
                    "description": "vpc", "from_port": port, "open_to_world": False, "prefix_list_id": None,
                    "protocol": "tcp", "source_security_group_id": None, "source_security_group_owner": None,
                    "to_port": port}]
        links = [_link("vpc", vpc_type, vpc_arn, vpc_id)]
        if rng.random() < 0.05:
            ingress.append({**world, "description": "anyone", "from_port": port, "protocol": "tcp", "to_port": port})
        if i and rng.random() < 0.5:
            source = group_ids[rng.randrange(i)]
            ingress.append({"cidr_ipv4": None, "cidr_ipv6": None, "description": "workers", "from_port": port,
                            "open_to_world": False, "prefix_list_id": None, "protocol": "tcp",
                            "source_security_group_id": source, "source_security_group_owner": account,
                            "to_port": port})
            links.insert(0, _link("ingress_from", sg_type, f"arn:aws:ec2:{region}:{account}:security-group/{source}",
                                  source))
        ec2.append(_resource(sg_type, arn, group_id, {
            "_links": links, "description": "aurora", "egress": [world], "group_id": group_id,
            "group_name": f"db-{i}", "ingress": ingress,
            "ingress_open_to_world": any(r["open_to_world"] for r in ingress), "owner_id": account, "tags": {},
            "vpc_id": vpc_id}, account, region))
    subnet_group_arn = f"arn:aws:rds:{region}:{account}:subgrp:bench"
    rds: list[dict] = [_resource("aws.rds.subnet_group", subnet_group_arn, "bench", {
        "_links": [_link("subnets", subnet_type, arn, sid) for sid, arn in subnets] +
                  [_link("vpc", vpc_type, vpc_arn, vpc_id)],
        "description": "bench", "name": "bench", "status": "Complete", "subnet_ids": [s for s, _ in subnets],
        "tags": {}, "vpc_id": vpc_id}, account, region)]
    per_cluster = 5
    clusters = instances = 0
    for c in range(0, groups, per_cluster):
        name = f"bench-{c // per_cluster}"
        cluster_arn = f"arn:aws:rds:{region}:{account}:cluster:{name}"
        sgs = group_ids[c:c + per_cluster]
        sg_links = [_link("security_groups", sg_type, f"arn:aws:ec2:{region}:{account}:security-group/{g}", g)
                    for g in sgs]
        engine = rng.choice(["aurora-postgresql", "aurora-mysql"])
        members = []
        for m in range(rng.randint(1, 2)):
            iname = f"{name}-{m + 1}"
            iarn = f"arn:aws:rds:{region}:{account}:db:{iname}"
            members.append((iname, iarn))
            rds.append(_resource("aws.rds.instance", iarn, iname, {
                "_links": [_link("cluster", "aws.rds.cluster", cluster_arn, name), *sg_links,
                           _link("subnet_group", "aws.rds.subnet_group", subnet_group_arn, "bench"),
                           _link("vpc", vpc_type, vpc_arn, vpc_id)],
                "arn": iarn, "auto_minor_version_upgrade": True, "availability_zone": f"{region}a",
                "ca_certificate_identifier": "rds-ca-rsa2048-g1", "cluster_identifier": name,
                "created": "2025-01-01T00:00:00Z", "db_subnet_group": "bench", "deletion_protection": False,
                "endpoint_address": f"{iname}.cbench.{region}.rds.amazonaws.com", "endpoint_port": 5432,
                "engine": engine, "engine_version": "16.4", "iam_database_authentication_enabled": False,
                "identifier": iname, "instance_class": "db.r6g.large", "kms_key_id": "key", "master_user_secret_arn": None,
                "multi_az": False, "publicly_accessible": rng.random() < 0.02, "resource_id": f"db-{iname}",
                "status": "available", "storage_encrypted": True, "subnet_ids": [s for s, _ in subnets], "tags": {},
                "vpc_id": vpc_id, "vpc_security_group_ids": sgs}, account, region))
            instances += 1
        rds.append(_resource("aws.rds.cluster", cluster_arn, name, {
            "_links": [*(_link("members", "aws.rds.instance", iarn, iname) for iname, iarn in members), *sg_links,
                       _link("subnet_group", "aws.rds.subnet_group", subnet_group_arn, "bench")],
            "activity_stream_status": None, "arn": cluster_arn, "associated_role_arns": [],
            "backup_retention_period": rng.choice([1, 7, 14]), "created": "2025-01-01T00:00:00Z",
            "custom_endpoints": [], "db_subnet_group": "bench", "deletion_protection": rng.random() < 0.5,
            "enabled_cloudwatch_logs_exports": [], "endpoint": f"{name}.cluster-cbench.{region}.rds.amazonaws.com",
            "engine": engine, "engine_mode": "provisioned", "engine_version": "16.4",
            "global_cluster_identifier": None, "http_endpoint_enabled": False,
            "iam_database_authentication_enabled": rng.random() < 0.5, "identifier": name, "kms_key_id": "key",
            "master_user_secret_arn": None, "master_username": "admin",
            "members": [{"instance_identifier": iname, "is_writer": m == 0} for m, (iname, _) in enumerate(members)],
            "multi_az": False, "network_type": "IPV4", "port": 5432, "publicly_accessible": False,
            "reader_endpoint": f"{name}.cluster-ro-cbench.{region}.rds.amazonaws.com", "resource_id": f"cluster-{name}",
            "status": "available", "storage_encrypted": rng.random() < 0.9, "tags": {},
            "vpc_security_group_ids": sgs}, account, region))
        clusters += 1
    document = {
        "accounts": [account], "created_at": "2026-01-01T00:00:00Z", "created_by": "airguard bench_repos.py",
        "format": "airguard-aws-snapshot", "regions": [region], "services": ["ec2", "rds"],
        "units": [
            {"api_calls": {"ec2:DescribeSecurityGroups": max(1, groups // 1000)}, "gaps": [], "resources": ec2,
             "unit": {"account": account, "region": region, "service": "ec2"}},
            {"api_calls": {"rds:DescribeDBClusters": max(1, clusters // 100)}, "gaps": [], "resources": rds,
             "unit": {"account": account, "region": region, "service": "rds"}},
        ],
        "version": 1,
    }
    path.write_text(json.dumps(document, indent=1))
    return {"security groups": groups, "clusters": clusters, "instances": instances,
            "resources": len(ec2) + len(rds), "MB": round(path.stat().st_size / 2**20)}


# --------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------

BARE_CODE = r'''
import ast, configparser, json, os, sys, time
started = time.perf_counter()
root, with_configs = sys.argv[1], sys.argv[2] == "1"
part, parts = map(int, sys.argv[3].split("/")) if len(sys.argv) > 3 else (0, 1)  # every parts-th .py file
seen = -1
if with_configs:
    import yaml
    Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
skip = {".git", "__pycache__", ".venv", "node_modules"}
count = 0
for directory, subdirs, files in os.walk(root):
    subdirs[:] = [d for d in subdirs if d not in skip]
    for name in files:
        path = os.path.join(directory, name)
        lower = name.lower()
        if lower.endswith(".py"):
            seen += 1
            if seen % parts != part:
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            try:
                ast.parse(data, filename=path)
            except (SyntaxError, ValueError):
                pass
            count += 1
        elif with_configs:
            if lower.endswith((".yml", ".yaml")):
                with open(path, "rb") as handle:
                    try:
                        list(yaml.load_all(handle.read(), Loader=Loader))
                    except yaml.YAMLError:
                        pass
            elif lower.endswith(".json"):
                with open(path, "rb") as handle:
                    try:
                        json.loads(handle.read())
                    except ValueError:
                        pass
            elif lower.endswith((".cfg", ".ini")):
                parser = configparser.ConfigParser(interpolation=None, strict=False)
                with open(path, encoding="utf-8", errors="replace") as handle:
                    try:
                        parser.read_string(handle.read())
                    except configparser.Error:
                        pass
            elif lower in (".env", ".envrc", "env") or lower.startswith(".env.") or lower.endswith((".env", ".sh")):
                with open(path, encoding="utf-8", errors="replace") as handle:
                    handle.read().splitlines()
            else:
                continue
            count += 1
print(json.dumps({"files": count, "seconds": time.perf_counter() - started}))
'''


def ensure_bytecode(extra: list[Path]) -> str:
    """Compile airguard's modules (and a --compare tree's) to .pyc before timing, as `pip install` does: with
    PYTHONDONTWRITEBYTECODE set (CI images often set it) an editable install would otherwise recompile every
    module from source in every run, which no installed user pays. bandit and detect-secrets are installed
    by pip, so theirs are compiled already."""
    located = subprocess.run([sys.executable, "-c", "import os, scanner; print(os.path.dirname(scanner.__file__))"],
                             check=False, capture_output=True, text=True)
    folders = [Path(located.stdout.strip())] if located.returncode == 0 and located.stdout.strip() else []
    folders += extra
    for folder in folders:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=False, capture_output=True)
    flag = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set"
    return f"compiled {', '.join(str(f) for f in folders) or 'nothing'} (PYTHONDONTWRITEBYTECODE {flag})"


def airguard_command() -> list[str]:
    script = Path(sys.executable).parent / "airguard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "scanner"]


@dataclass
class Measure:
    """One kind of run on one corpus: its runs (every repeat) and what it printed."""

    name: str
    runs: list[ChildRun] = field(default_factory=list)
    results: int | None = None      # findings / issues / secrets reported (sanity)
    note: str = ""

    failed: int = 0                 # airguard runs that ended in an error (exit 2): left out
    airguard: bool = False

    def add(self, run: ChildRun) -> None:
        if self.airguard and run.returncode not in (0, 1, 3):
            self.failed += 1
            self.note = f"{self.failed} failed run(s) left out (exit {run.returncode})"
            return
        self.runs.append(run)

    @property
    def best(self) -> ChildRun | None:
        ok = [r for r in self.runs if r.returncode >= 0]
        return best(ok) if ok else None


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.airguard = airguard_command()
        self.tools = args.tools
        self.missing: set[str] = set()
        self.goals: list[tuple[str, str, str, bool | None]] = []   # (corpus, goal, measured, ok)
        for tool in ("bandit", "detect-secrets"):
            if self.tools is None or not (self.tools / tool).exists():
                self.missing.add(tool)
        self.reference: Path | None = None   # --compare: airguard's source tree at REF
        if args.compare:
            self.reference = workdir / "reference"
            shutil.rmtree(self.reference, ignore_errors=True)
            self.reference.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", args.compare],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(self.reference)], input=archive, check=True)
        self.bytecode = ensure_bytecode([self.reference / "scanner"] if self.reference else [])

    # -- single runs ---------------------------------------------------------------------------------

    def airguard_run(self, tree: Path, cache: Path, jobs: int | None, cold: bool, tag: str,
                     extra: list[str] | None = None, paths: list[str] | None = None,
                     reference: bool = False) -> ChildRun:
        if cold:
            shutil.rmtree(cache / "files", ignore_errors=True)
        out = self.workdir / f"out-{tag}.json"
        program = [sys.executable, "-m", "scanner"] if reference else self.airguard
        command = [*program, "scan", *(paths if paths is not None else ["."]), "-f", self.args.format,
                   "--fail-on", "none", *(["--jobs", str(jobs)] if jobs else []), *(extra or [])]
        env = {**os.environ, "AIRGUARD_CACHE_DIR": str(cache)}
        env.pop("AIRGUARD_DEBUG", None)
        if reference:
            env["PYTHONPATH"] = str(self.reference)
        run = run_child(command, tree, env=env, stdout=out)
        if run.returncode not in (0, 1, 3):
            print(f"  ! airguard exited {run.returncode}: {run.stderr_tail.strip()[-300:]}")
        return run

    def findings(self, run: ChildRun) -> int | None:
        if run.stdout is None or self.args.format != "json":
            return None
        try:
            return len(json.loads(run.stdout.read_text())["findings"])
        except (OSError, ValueError, KeyError):
            return None

    def bare_run(self, tree: Path, with_configs: bool) -> tuple[ChildRun, dict]:
        out = self.workdir / "out-bare.json"
        run = run_child([sys.executable, "-c", BARE_CODE, str(tree), "1" if with_configs else "0"], tree, stdout=out)
        try:
            return run, json.loads(out.read_text())
        except (OSError, ValueError):
            return run, {}

    def bare_split_run(self, tree: Path, parts: int) -> ChildRun:
        """The bare parse loop split over `parts` processes started together (each parses every parts-th .py
        file): what `parts` cores give this very work on this machine now, the ceiling of airguard's speed-up."""
        return run_children([[sys.executable, "-c", BARE_CODE, str(tree), "0", f"{part}/{parts}"]
                             for part in range(parts)], tree)

    def tool_run(self, name: str, arguments: list[str], tree: Path, tag: str) -> ChildRun:
        out = self.workdir / f"out-{tag}.json"
        return run_child([str(self.tools / name), *arguments], tree, stdout=out)

    # -- one corpus ----------------------------------------------------------------------------------

    def measure_corpus(self, label: str, tree: Path, files: int, cold_target: float | None,
                       multicore: bool, repeat: int, tools: bool = True) -> dict[str, Measure]:
        """Every measurement on one tree, round-robin over `repeat` rounds (best of them)."""
        jobs = self.args.cores
        cache = self.workdir / f"cache-{tree.name}"
        shutil.rmtree(cache, ignore_errors=True)
        self.airguard_run(tree, cache, 1, cold=True, tag="prime")   # validated rules into the cache
        compared = ["ref cold j1", "ref warm"] if self.reference is not None else []
        m: dict[str, Measure] = {name: Measure(name, airguard=name.startswith(("ag ", "ref "))) for name in [
            "bare", f"bare x{jobs}", "bare+cfg", "ag cold j1", f"ag cold j{jobs}", "ag warm", *compared, "bandit", "bandit B105-7",
            "detect-sec"]}
        in_loop: dict[str, float] = {}

        def bare(with_configs: bool) -> None:
            run, info = self.bare_run(tree, with_configs)
            key = "bare+cfg" if with_configs else "bare"
            m[key].add(run)
            m[key].results = info.get("files")
            in_loop[key] = min(in_loop.get(key, 1e9), info.get("seconds", 1e9))

        def cold_one() -> None:
            run = self.airguard_run(tree, cache, 1, cold=True, tag="j1")
            m["ag cold j1"].add(run)
            if run.returncode in (0, 1, 3):
                m["ag cold j1"].results = self.findings(run)

        def cold_all_then_warm() -> None:
            run = self.airguard_run(tree, cache, jobs, cold=True, tag="jn")
            m[f"ag cold j{jobs}"].add(run)
            if run.returncode in (0, 1, 3):
                m[f"ag cold j{jobs}"].results = self.findings(run)
            warm = self.airguard_run(tree, cache, jobs, cold=False, tag="warm")
            m["ag warm"].add(warm)
            if warm.returncode in (0, 1, 3):
                m["ag warm"].results = self.findings(warm)

        def reference_cold_then_warm() -> None:   # --compare: the same runs, airguard as committed at REF
            ref_cache = self.workdir / f"cache-ref-{tree.name}"
            for key, cold, run_jobs in (("ref cold j1", True, 1), ("ref warm", False, jobs)):
                run = self.airguard_run(tree, ref_cache, run_jobs, cold=cold, tag="ref", reference=True)
                m[key].add(run)
                if run.returncode in (0, 1, 3):
                    m[key].results = self.findings(run)

        def bandit(password_tests: bool) -> None:
            key = "bandit B105-7" if password_tests else "bandit"
            arguments = ["-q", "-r", "-f", "json", *(["-t", "B105,B106,B107"] if password_tests else []), "."]
            run = self.tool_run("bandit", arguments, tree, "bandit")
            m[key].add(run)
            try:
                m[key].results = len(json.loads(run.stdout.read_text())["results"])
            except (OSError, ValueError, KeyError):
                m[key].note = f"unreadable output (exit {run.returncode})"

        def detect_secrets() -> None:
            run = self.tool_run("detect-secrets", ["scan", "--all-files"], tree, "ds")
            m["detect-sec"].add(run)
            try:
                m["detect-sec"].results = sum(len(v) for v in json.loads(run.stdout.read_text())["results"].values())
            except (OSError, ValueError, KeyError):
                m["detect-sec"].note = f"unreadable output (exit {run.returncode})"

        def bare_split() -> None:
            m[f"bare x{jobs}"].add(self.bare_split_run(tree, jobs))

        steps: list[Callable[[], None]] = [lambda: bare(False), lambda: bare(True), cold_one, cold_all_then_warm]
        if multicore:
            steps.insert(1, bare_split)
        if self.reference is not None:
            self.airguard_run(tree, self.workdir / f"cache-ref-{tree.name}", 1, cold=True, tag="ref", reference=True)
            steps.append(reference_cold_then_warm)
        if tools and "bandit" not in self.missing:
            steps += [lambda: bandit(False), lambda: bandit(True)]
        if tools and "detect-secrets" not in self.missing:
            steps.append(detect_secrets)
        for round_index in range(repeat):
            shift = round_index % len(steps)   # interleaved: each round starts one step later
            for step in steps[shift:] + steps[:shift]:
                step()
        self.print_corpus(label, files, m, in_loop, cold_target, multicore)
        self.print_stages(tree, cache, jobs)
        return m

    def print_stages(self, tree: Path, cache: Path, jobs: int) -> None:
        """One more cold --jobs N run with --timings (the cold runs' cache: validated rules kept, files emptied):
        where its wall clock goes (serial stages vs collection)."""
        shutil.rmtree(cache / "files", ignore_errors=True)
        command = [*self.airguard, "scan", ".", "-f", self.args.format, "--fail-on", "none", "--jobs", str(jobs),
                   "-o", str(self.workdir / "out-stages.json"), "--timings"]
        env = {**os.environ, "AIRGUARD_CACHE_DIR": str(cache)}
        ran = subprocess.run(command, cwd=tree, env=env, check=False, capture_output=True, text=True)
        lines = [line for line in ran.stderr.splitlines() if line.startswith("  ")]
        print(f"  stages of one more cold --jobs {jobs} run (airguard scan --timings):")
        for line in lines:
            print("  " + line)

    def print_corpus(self, label: str, files: int, m: dict[str, Measure], in_loop: dict[str, float],
                     cold_target: float | None, multicore: bool) -> None:
        jobs = self.args.cores
        print(f"\n{label}  (load average {load_average()})")
        print(f"  {'run':<14} {'best s':>8} {'files/s':>8} {'cpu s':>7} {'peak RSS MB':>12} {'results':>8}  runs (s)")
        for measure in m.values():
            b = measure.best
            if b is None:
                tool = "detect-secrets" if measure.name == "detect-sec" else measure.name.split()[0]
                if tool in self.missing:
                    print(f"  {measure.name:<14} {'':>8} not run: {tool} not installed in --tools "
                          f"({self.tools or 'not given'})")
                continue
            runs = " ".join(f"{r.wall:.2f}" for r in measure.runs)
            extra = f"  in-loop {in_loop[measure.name]:.2f} s" if measure.name in in_loop else ""
            results = "" if measure.results is None else measure.results
            print(f"  {measure.name:<14} {b.wall:>8.2f} {files / b.wall:>8.0f} {b.cpu:>7.2f} {b.rss_mb:>12.0f} "
                  f"{results!s:>8}  {runs}{extra}{'  ' + measure.note if measure.note else ''}")
        cold, cold1 = m[f"ag cold j{jobs}"].best, m["ag cold j1"].best
        warm, bare, bare_cfg = m["ag warm"].best, m["bare"].best, m["bare+cfg"].best
        if not (cold and cold1 and warm and bare and bare_cfg):
            print("  ! no successful airguard run of some kind: no ratios for this corpus")
            self.goals.append((label, "every airguard run succeeded", "errors", False))
            return

        def goal(text: str, value: float, limit: float, higher_is_better: bool = False, show: str = "x") -> None:
            ok = value >= limit if higher_is_better else value <= limit
            measured = f"{value:.2f}{show}"
            self.goals.append((label, text, measured, ok))
            print(f"  goal {text:<48} {measured:>9}  {verdict(ok)}")

        print(f"  ratios (best wall clock, whole processes; cold = --jobs {jobs}):")
        for name, limit in (("bandit", 0.5), ("bandit B105-7", None), ("detect-sec", 0.1)):
            tool = m[name].best
            if tool is None:
                if limit is not None:
                    self.goals.append((label, f"cold / {name} <= {limit}", "missing", None))
                print(f"  goal cold / {name:<41} {'':>9}  n/a ({name.split()[0]} missing)")
                continue
            if limit is None:
                print(f"  info cold / {name:<41} {cold.wall / tool.wall:>8.2f}x")
            else:
                goal(f"cold / {name} <= {limit}", cold.wall / tool.wall, limit)
        goal("warm / bare <= 1.5", warm.wall / bare.wall, 1.5)
        if cold_target is not None:
            goal(f"cold / bare <= {cold_target}", cold.wall / bare.wall, cold_target)
        print(f"  info cold / bare+cfg {'':<30} {cold.wall / bare_cfg.wall:>8.2f}x   cold j1 / bare "
              f"{cold1.wall / bare.wall:.2f}x;  CPU seconds: cold j1 / bare {cold1.cpu / bare.cpu:.2f}x, "
              f"warm / bare {warm.cpu / bare.cpu:.2f}x, cold j1 / bare+cfg {cold1.cpu / bare_cfg.cpu:.2f}x")
        if multicore:
            goal(f"speed-up cold j1 / j{jobs} >= 1.6", cold1.wall / cold.wall, 1.6, higher_is_better=True)
            split = m[f"bare x{jobs}"].best
            if split is not None:
                ceiling = bare.wall / split.wall
                print(f"  info machine ceiling: bare / bare x{jobs} {'':<20} {ceiling:>8.2f}x   (the parse loop "
                      f"split over {jobs} processes started together; airguard's speed-up is "
                      f"{cold1.wall / cold.wall / ceiling:.0%} of it)")
        else:
            print(f"  info speed-up cold j1 / j{jobs} {'':<26} {cold1.wall / cold.wall:>8.2f}x")
        ref_cold, ref_warm = (m[name].best if name in m else None for name in ("ref cold j1", "ref warm"))
        if ref_cold and ref_warm:
            print(f"  info now / {self.args.compare} (same run): cold j1 {cold1.wall:.2f} s / {ref_cold.wall:.2f} s = "
                  f"{cold1.wall / ref_cold.wall:.2f}x, warm {warm.wall:.2f} s / {ref_warm.wall:.2f} s = "
                  f"{warm.wall / ref_warm.wall:.2f}x;  warm / bare {warm.wall / bare.wall:.2f}x (was "
                  f"{ref_warm.wall / bare.wall:.2f}x), cold j1 / bare {cold1.wall / bare.wall:.2f}x (was "
                  f"{ref_cold.wall / bare.wall:.2f}x)")
        findings = {m[k].results for k in ("ag cold j1", f"ag cold j{jobs}", "ag warm")}
        if len(findings) > 1:
            print(f"  ! findings differ between cold j1, cold j{jobs} and warm: {sorted(map(str, findings))} "
                  f"(or the scanner's code changed during the run)")

    # -- pre-commit path -----------------------------------------------------------------------------

    def precommit(self, tree: Tree) -> None:
        cache = self.workdir / "cache-precommit"
        shutil.rmtree(cache, ignore_errors=True)
        empty = self.workdir / "empty"
        empty.mkdir(exist_ok=True)
        print(f"\npre-commit path: `airguard scan FILE` (text report, default --fail-on), whole process, "
              f"cwd = the tree, rule cache warm, file cache emptied before each run; median of 15 "
              f"(load average {load_average()})")
        project = Project(random.Random(self.args.seed), 0)   # one .env and one DAG, each with a credential
        samples = {"env": (tree.root / "precommit" / ".env", env_file(project, 0, True)),
                   "dag": (tree.root / "precommit" / "dags" / "orders_reads.py", dag_iam_connection(project, 0, True)),
                   # the same .env in a project that has a configuration file, as most teams' repositories do
                   "cfg": (tree.root / "precommit-config" / ".env", env_file(project, 0, True))}
        (tree.root / "precommit-config").mkdir(parents=True, exist_ok=True)
        (tree.root / "precommit-config" / ".airguard.toml").write_text(PRECOMMIT_CONFIG)
        for kind, (sample, text) in samples.items():
            sample.parent.mkdir(parents=True, exist_ok=True)
            sample.write_text(text)
            relative = str(sample.relative_to(tree.root))
            command_extra: list[str] = []
            self.airguard_run(tree.root, cache, None, True, "pc", paths=[relative], extra=command_extra)
            runs = []
            for _ in range(15):
                shutil.rmtree(cache / "files", ignore_errors=True)
                env = {**os.environ, "AIRGUARD_CACHE_DIR": str(cache)}
                runs.append(run_child([*self.airguard, "scan", relative], tree.root, env=env))
            exits = sorted({r.returncode for r in runs})
            runs = [r for r in runs if r.returncode in (0, 1, 3)] or runs
            value = median_wall(runs)
            ok = value <= 0.25
            label = "env file, with .airguard.toml" if kind == "cfg" else f"{kind} file"
            self.goals.append(("pre-commit", f"one {label} <= 0.25 s", f"{value:.3f}s", ok))
            print(f"  {kind:<4} {relative:<34} median {value:.3f} s  best {min(r.wall for r in runs):.3f} s  "
                  f"peak RSS {max(r.rss_mb for r in runs):.0f} MB  exit {'/'.join(map(str, exits))}  {verdict(ok)}")
        runs = []
        for _ in range(7):
            env = {**os.environ, "AIRGUARD_CACHE_DIR": str(cache)}
            runs.append(run_child([*self.airguard, "scan", "."], empty, env=env))
        print(f"  fixed cost: `airguard scan .` in an empty folder, median of 7: {median_wall(runs):.3f} s; "
              f"`python -c pass`: {median_wall([run_child([sys.executable, '-c', 'pass'], empty) for _ in range(7)]):.3f} s")

    # -- very large tree -----------------------------------------------------------------------------

    def huge(self, size: int, share: float) -> None:
        root = self.workdir / f"huge{size}"
        started = time.perf_counter()
        tree = generate_tree(root, size, share, self.args.seed, f"huge {size}")
        print(f"\n{tree.describe()}  (generated in {time.perf_counter() - started:.0f} s)")
        cache = self.workdir / "cache-huge"
        shutil.rmtree(cache, ignore_errors=True)
        jobs = self.args.cores
        bare, info = self.bare_run(root, False)
        cold = self.airguard_run(root, cache, jobs, cold=True, tag="huge-cold")
        entries = cache_entries(cache)
        warm = self.airguard_run(root, cache, jobs, cold=False, tag="huge-warm")
        print(f"  once each (load average {load_average()}); cold/warm = --jobs {jobs}")
        for name, run, results in (("bare", bare, info.get("files")), ("ag cold", cold, self.findings(cold)),
                                   ("ag warm", warm, self.findings(warm))):
            print(f"  {name:<10} {run.wall:>8.2f} s  {size / run.wall:>7.0f} files/s  cpu {run.cpu:>7.2f} s  "
                  f"peak RSS {run.rss_mb:>6.0f} MB  results {results}")
        print(f"  file cache entries after the cold run: {entries} (rows of $AIRGUARD_CACHE_DIR/files/entries.sqlite3)")
        failed = [name for name, run in (("cold", cold), ("warm", warm)) if run.returncode not in (0, 1, 3)]
        if failed:   # an airguard error is no measurement: every goal of this tree fails
            self.goals.append((f"huge {size}", f"airguard {' and '.join(failed)} run succeeded", "errors", False))
            print(f"  goal airguard {' and '.join(failed)} run failed: no ratios for this tree  FAIL")
            return
        for text, measured, ok in (
                ("cold < 60 s", f"{cold.wall:.1f}s", cold.wall < 60),
                ("warm faster than cold", f"{warm.wall / cold.wall:.2f}x", warm.wall < cold.wall),
                ("peak RSS < 1 GB (cold)", f"{cold.rss_mb:.0f}MB", cold.rss_mb < 1024),
                ("peak RSS < 1 GB (warm)", f"{warm.rss_mb:.0f}MB", warm.rss_mb < 1024)):
            self.goals.append((f"huge {size}", text, measured, ok))
            print(f"  goal {text:<48} {measured:>9}  {verdict(ok)}")
        if not self.args.keep:
            shutil.rmtree(root, ignore_errors=True)

    # -- AWS snapshot --------------------------------------------------------------------------------

    def snapshot(self, groups: int) -> None:
        path = self.workdir / f"snapshot-{groups}.json"
        started = time.perf_counter()
        counts = generate_snapshot(path, groups, self.args.seed)
        print(f"\nAWS snapshot: {counts}  (generated in {time.perf_counter() - started:.0f} s)")
        empty = self.workdir / "empty"
        empty.mkdir(exist_ok=True)
        cache = self.workdir / "cache-snapshot"
        run = self.airguard_run(empty, cache, None, cold=True, tag="snapshot",
                                extra=["--aws-snapshot", str(path)], paths=[])
        print(f"  `airguard scan --aws-snapshot FILE` (no paths: files not scanned), once: {run.wall:.2f} s, "
              f"cpu {run.cpu:.2f} s, peak RSS {run.rss_mb:.0f} MB, findings {self.findings(run)}, exit {run.returncode}")
        for text, measured, ok in (("evaluates in < 10 s", f"{run.wall:.1f}s", run.wall < 10),
                                   ("peak RSS < 500 MB", f"{run.rss_mb:.0f}MB", run.rss_mb < 500)):
            self.goals.append((f"snapshot {groups} SG", text, measured, ok))
            print(f"  goal {text:<48} {measured:>9}  {verdict(ok)}")


# --------------------------------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------------------------------

STAGES = [  # (label, file suffix, function): cumulative time of these functions
    ("load rules", "scanner/engine/loader.py", "load_rules"),
    ("discover files", "scanner/collect/files.py", "discover"),
    ("collect config files", "scanner/collect/unit.py", "collect_config_file"),
    ("collect python (all)", "scanner/collect/parallel.py", "collect_python_files"),
    ("  python: full parse + analysis", "scanner/collect/pycode/__init__.py", "collect_bytes"),
    ("    ast.parse (every caller)", "/ast.py", "parse"),
    ("    analyzer.analyze", "scanner/collect/pycode/analyzer.py", "analyze"),
    ("  python: pre-check", "scanner/collect/pycode/__init__.py", "needs_parse"),
    ("file cache reads (get)", "scanner/collect/filecache.py", "get"),
    ("file cache writes (put)", "scanner/collect/filecache.py", "put"),
    ("file cache finish", "scanner/collect/filecache.py", "finish"),
    ("graph add_all", "scanner/model.py", "add_all"),
    ("suppressions", "scanner/engine/suppressions.py", "find_suppressions"),
    ("link", "scanner/engine/link.py", "link"),
    ("evaluate", "scanner/engine/evaluate.py", "evaluate"),
    ("render text", "scanner/report/text.py", "render"),
    ("render json", "scanner/report/json_report.py", "render"),
    ("render sarif", "scanner/report/sarif.py", "render"),
    ("  sarif line hashes", "scanner/report/fingerprints.py", "line_hashes_of_files"),
    ("render markdown", "scanner/report/markdown.py", "render"),
]


SNAPSHOT_STAGES = [
    ("read + json.loads + schema + models", "scanner/aws/snapshot.py", "parse_snapshot"),
    ("  jsonschema validation", "scanner/aws/snapshot.py", "validate_document"),
    ("snapshot line locations", "scanner/aws/locate.py", "snapshot_locations"),
    ("resources from the units", "scanner/aws/units.py", "resources"),
    ("graph add_all", "scanner/model.py", "add_all"),
    ("link", "scanner/engine/link.py", "link"),
    ("evaluate", "scanner/engine/evaluate.py", "evaluate"),
    ("render json", "scanner/report/json_report.py", "render"),
]


def cache_entries(cache: Path) -> int:
    """Entries of airguard's file cache (a SQLite database; before, a file per entry)."""
    import sqlite3

    database = cache / "files" / "entries.sqlite3"
    if not database.is_file():
        return sum(1 for p in (cache / "files").glob("*.json")) if (cache / "files").exists() else 0
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM entries").fetchone()[0])


def _short(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    for marker in (str(REPO) + "/", "site-packages/", "/lib/python3."):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            if marker.startswith("/lib/python3."):
                filename = "stdlib/" + filename.split("/", 1)[1]
            break
    return f"{filename}:{line}:{name}" if filename != "~" else name


def print_profile(profiler: object, stages: list[tuple[str, str, str]], top: int) -> None:
    """Time per stage (cumulative time of the stage's functions) and the top functions."""
    import pstats

    entries = pstats.Stats(profiler).stats  # type: ignore[arg-type, attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in entries.values())
    print(f"  {'stage':<38} {'calls':>8} {'cum s':>8} {'share':>6}   (share of the profile's total own time "
          f"{total:.2f} s)")
    for label, suffix, func in stages:
        found = [v for k, v in entries.items() if k[0].endswith(suffix) and k[2] == func]
        if not found:
            print(f"  {label:<38} {'-':>8}")
            continue
        calls, cum = sum(v[1] for v in found), sum(v[3] for v in found)
        print(f"  {label:<38} {calls:>8} {cum:>8.3f} {100 * cum / total:>5.1f}%")
    for title, index in (("cumulative", 3), ("own (total) time", 2)):
        print(f"  top {top} by {title}:")
        print(f"    {'cum s':>7} {'own s':>7} {'share':>6} {'calls':>9}  function")
        ranked = sorted(entries.items(), key=lambda kv: kv[1][index], reverse=True)[:top]
        for key, (_cc, calls, tt, ct, _callers) in ranked:
            print(f"    {ct:>7.3f} {tt:>7.3f} {100 * (ct if index == 3 else tt) / total:>5.1f}% {calls:>9}  {_short(key)}")


def profile(tree: Tree, workdir: Path, top: int = 25) -> None:
    import cProfile

    sys.path.insert(0, str(REPO))
    cache = workdir / "cache-profile"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["AIRGUARD_CACHE_DIR"] = str(cache)
    from scanner.config import Config
    from scanner.report import ReportOptions, renderer
    from scanner.scan import run_scan

    run_scan([tree.root], Config(), tree.root, jobs=1)      # imports, validated rules into the cache
    shutil.rmtree(cache / "files", ignore_errors=True)
    started = time.perf_counter()
    scanned = run_scan([tree.root], Config(), tree.root, jobs=1)
    plain = time.perf_counter() - started
    renders = {}
    for fmt in ("text", "json", "sarif", "markdown"):   # best of 3, outside the profiler
        times = []
        for _ in range(3):
            started = time.perf_counter()
            size = len(renderer(fmt)(scanned, ReportOptions(fail_on="none")))
            times.append(time.perf_counter() - started)
        renders[fmt] = (min(times), size)
    del scanned
    shutil.rmtree(cache / "files", ignore_errors=True)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    result = run_scan([tree.root], Config(), tree.root, jobs=1)
    for fmt in ("text", "json", "sarif", "markdown"):
        renderer(fmt)(result, ReportOptions(fail_on="none"))
    profiler.disable()
    profiled = time.perf_counter() - started
    print(f"\nprofile: {tree.describe()}")
    print(f"  one cold scan in this process, --jobs 1, then every report format; without the profiler the scan "
          f"takes {plain:.2f} s, under it {profiled:.2f} s with the renders; {len(result.findings)} findings "
          f"(cProfile inflates Python-level code more than C: read shares, not seconds)")
    print("  render, best of 3 without the profiler, against the cold scan (goal: <= 10 %):")
    for fmt, (seconds, size) in renders.items():
        share = seconds / plain
        print(f"    {fmt:<9} {seconds:>7.3f} s  {100 * share:>5.1f} % of the scan  {size / 1e6:>6.2f} MB  "
              f"{verdict(share <= 0.10) if fmt in ('json', 'sarif') else ''}")
    print_profile(profiler, STAGES, top)


def profile_snapshot(groups: int, workdir: Path, top: int = 25) -> None:
    """`airguard scan --aws-snapshot FILE -f json` in this process under cProfile."""
    import contextlib
    import cProfile
    import io

    sys.path.insert(0, str(REPO))
    path = workdir / f"snapshot-profile-{groups}.json"
    generate_snapshot(path, groups)
    empty = workdir / "empty"
    empty.mkdir(exist_ok=True)
    from scanner.cli import main as cli_main

    argv = ["scan", "--aws-snapshot", str(path), "-f", "json", "--fail-on", "none", "-o", os.devnull]
    here = Path.cwd()
    os.chdir(empty)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            cli_main(argv)                                      # imports, rules
            started = time.perf_counter()
            cli_main(argv)
            plain = time.perf_counter() - started
            profiler = cProfile.Profile()
            profiler.enable()
            cli_main(argv)
            profiler.disable()
    finally:
        os.chdir(here)
    print(f"\nprofile: `airguard scan --aws-snapshot FILE -f json` with {groups} security groups, in this process; "
          f"{plain:.2f} s without the profiler")
    print_profile(profiler, SNAPSHOT_STAGES, top)


# --------------------------------------------------------------------------------------------------


def example_dag_files() -> list[Path]:
    """Example DAGs of the installed airflow and providers (example_dags folders, system tests)."""
    import importlib.util

    found: set[Path] = set()
    spec = importlib.util.find_spec("airflow")
    if spec is not None:
        for location in spec.submodule_search_locations or []:
            for path in Path(location).rglob("*.py"):
                parts = path.parts
                if "example_dags" in parts or ("tests" in parts and "system" in parts):
                    found.add(path)
    return sorted(found)


def copy_corpus(files: list[Path], target: Path) -> int:
    common = Path(os.path.commonpath([str(f.parent) for f in files]))
    for path in files:
        destination = target / path.relative_to(common)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,5000", help="files per generated tree (comma-separated)")
    parser.add_argument("--densities", default="dense,sparse", help="dense (~40%% with credentials), sparse (~5%%)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per corpus (best of them)")
    parser.add_argument("--cores", type=int, default=2, help="--jobs for the multi-core runs (default 2)")
    parser.add_argument("--tools", type=Path, help="bin folder holding bandit and detect-secrets")
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="example DAGs: every .py file under DIR")
    parser.add_argument("--no-examples", action="store_true", help="skip the example-DAG corpus")
    parser.add_argument("--no-generated", action="store_true", help="skip the generated trees")
    parser.add_argument("--no-precommit", action="store_true")
    parser.add_argument("--huge", type=int, default=0, metavar="N", help="also one very large tree (e.g. 100000)")
    parser.add_argument("--huge-density", default="dense", choices=sorted(DENSITY))
    parser.add_argument("--snapshot", type=int, default=0, metavar="N",
                        help="also an AWS snapshot with N security groups (e.g. 50000)")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold scan of the largest dense tree "
                        "(and, with --snapshot, one snapshot scan)")
    parser.add_argument("--profile-snapshot", type=int, default=10000, metavar="N",
                        help="security groups in the profiled snapshot (at most --snapshot; default 10000)")
    parser.add_argument("--format", default="json", choices=["json", "sarif", "text"], help="airguard report format")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument("--compare", metavar="REF", help="also run airguard as committed at git REF (e.g. HEAD~5), "
                        "interleaved: cold j1 and warm before/after in the same run")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        workdir = args.keep
    else:
        workdir = Path(tempfile.mkdtemp(prefix="airguard-bench-repos-"))
    bench = Bench(args, workdir)
    print(f"bench_repos: {os.cpu_count()} cores, load average {load_average()}, best of {args.repeat} interleaved "
          f"rounds (shared machine: the best run is the least disturbed), every number a whole process; "
          f"CPU and peak RSS from {'GNU time' if USE_GNU_TIME else 'wait4 (RSS floored at this process)'}")
    print(f"airguard: {' '.join(bench.airguard)} (-f {args.format} --fail-on none); python {sys.version.split()[0]}")
    print(f"bytecode: {bench.bytecode}, as a pip install leaves it")
    for tool in ("bandit", "detect-secrets"):
        if tool in bench.missing:
            print(f"{tool}: NOT INSTALLED (--tools {args.tools or 'not given'}): its runs and goals are skipped; "
                  f"install with: python3 -m venv /tmp/benchpeers && /tmp/benchpeers/bin/pip install bandit detect-secrets")
        else:
            version = run_child([str(args.tools / tool), "--version"], workdir, stdout=workdir / "version.txt")
            first = (workdir / "version.txt").read_text().strip().splitlines()
            print(f"{tool}: {first[0] if first else '?'} ({args.tools / tool}; exit {version.returncode})")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    densities = [d.strip() for d in args.densities.split(",") if d.strip()]
    trees: dict[tuple[str, int], Tree] = {}
    try:
        if not args.no_generated:
            for size in sizes:
                for density in densities:
                    root = workdir / f"{density}{size}"
                    shutil.rmtree(root, ignore_errors=True)
                    started = time.perf_counter()
                    tree = generate_tree(root, size, DENSITY[density], args.seed, f"{density} {size}")
                    trees[(density, size)] = tree
                    print(f"\n{tree.describe()}  (generated in {time.perf_counter() - started:.1f} s)")
                    bench.measure_corpus(f"[{density} {size}]", root, tree.files,
                                         3.0 if density == "dense" else 1.2, density == "dense", args.repeat)
        if not args.no_examples:
            sources = sorted(args.corpus.rglob("*.py")) if args.corpus else example_dag_files()
            origin = str(args.corpus) if args.corpus else "the installed airflow and provider packages"
            if sources:
                root = workdir / "examples"
                shutil.rmtree(root, ignore_errors=True)
                count = copy_corpus(sources, root)
                print(f"\nexample DAGs: {count} .py files from {origin} (example_dags and tests/system)")
                bench.measure_corpus("[examples]", root, count, 1.2, False, args.repeat)
            else:
                print(f"\nexample DAGs: none found in {origin}")
        if not args.no_precommit and trees:
            sample = trees.get(("dense", min(sizes))) or next(iter(trees.values()))
            bench.precommit(sample)
        if args.snapshot:
            bench.snapshot(args.snapshot)
        if args.huge:
            bench.huge(args.huge, DENSITY[args.huge_density])
        if args.profile and args.snapshot:
            profile_snapshot(min(args.snapshot, args.profile_snapshot), workdir)
        if args.profile:
            dense = [t for (d, _s), t in trees.items() if d == "dense"]
            target = max(dense or trees.values(), key=lambda t: t.files, default=None)
            if target is None:
                print("\nprofile: no generated tree (drop --no-generated)")
            else:
                profile(target, workdir)
        print(f"\ngoals (best of {args.repeat}, whole process; cold = --jobs {args.cores}):")
        for corpus, text, measured, ok in bench.goals:
            print(f"  {corpus:<18} {text:<48} {measured:>10}  {verdict(ok)}")
        passed = sum(1 for *_x, ok in bench.goals if ok)
        failed = sum(1 for *_x, ok in bench.goals if ok is False)
        print(f"  {passed} PASS, {failed} FAIL, {len(bench.goals) - passed - failed} not measured")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
