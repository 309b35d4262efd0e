"""Python-code detection classes of the realistic corpus, one by one, on realistic snippets: the exact
findings (rule id, path, line) both ways, the credential-shape detector (`scanner.secret_shapes`), values
that flow between modules (`scanner.collect.pycode.project`), and the pre-check keeping every new
detection reachable.

Each snippet marks the findings a line must have with `# expect: AG302`; every other line must have none.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from pathlib import Path

import pytest

from scanner import secret_shapes
from scanner.collect.pycode import needs_parse

EXPECT = re.compile(r"#\s*expect:\s*(?P<ids>[A-Z0-9, ]+)")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def expected(root: Path) -> set[tuple[str, str, int]]:
    found = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                found |= {(rule.strip(), path.relative_to(root).as_posix(), number)
                          for rule in match.group("ids").split(",")}
    return found


def scan(run_cli, root: Path, *args: str) -> dict:
    result = run_cli("scan", ".", "-f", "json", "--fail-on", "none", *args, cwd=root)
    assert result.exit_code in (0, 3), result.stderr
    return json.loads(result.stdout)


def findings(report: dict) -> set[tuple[str, str, int]]:
    return {(f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in report["findings"]
            if f["location"] is not None and f["rule_id"] != "AG201"}


def check(run_cli, tmp_path: Path, files: dict[str, str], secrets: tuple[str, ...] = ()) -> dict:
    """Scan the snippets: findings are exactly the `# expect:` marks, no secret reaches the report, every
    file with a finding passes the byte pre-check, and a second (cached) scan reports the same."""
    write(tmp_path, files)
    report = scan(run_cli, tmp_path)
    assert findings(report) == expected(tmp_path)
    text = json.dumps(report)
    assert [s for s in secrets if s in text] == []
    for _, path, _ in findings(report):
        assert needs_parse((tmp_path / path).read_bytes(), None), path
    assert findings(scan(run_cli, tmp_path)) == findings(report)  # from the file cache
    return report


# ------------------------------------------------------------------------------------------------ classes
def test_op_kwargs_password(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"dags/exports.py": '''
        from airflow import DAG
        from airflow.providers.standard.operators.python import PythonOperator

        def push(segment, user, password, **_):
            pass

        with DAG(dag_id="exports", schedule="@weekly") as dag:
            vip = PythonOperator(
                task_id="export_vip",
                python_callable=push,
                op_kwargs={"segment": "vip", "user": "crm_export", "password": "Op-Kwargs-Pw-5521"},  # expect: AG302
            )
            churn = PythonOperator(
                task_id="export_churn",
                python_callable=push,
                op_kwargs={"segment": "churn", "password": "{{ conn.crm_staging.password }}"},
            )
            keys = PythonOperator(task_id="keys", python_callable=push,
                                  op_kwargs={"password_field": "password", "secret_id": "prod/crm/db", "retries": 3})
            hooks = PythonOperator(task_id="hook", python_callable=push,
                                   op_args=["https://hooks.slack.com/services/T0CRM0AC1/B0CRM0QZ1/OpArgsWebhook0Part9"])  # expect: AG302
        '''}, secrets=("Op-Kwargs-Pw-5521", "OpArgsWebhook0Part9"))


def test_bearer_token_in_headers(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"dags/vendor.py": '''
        import requests
        from airflow.providers.http.operators.http import HttpOperator

        VENDOR_TOKEN = "Vendor-Api-Tok3n-0099"  # expect: AG302
        BASE = "https://api.vendor.example.com"

        start = HttpOperator(
            task_id="start_import",
            http_conn_id="crm_vendor",
            headers={"Authorization": "Bearer Hdr-Tok3n-ab12cd34", "Content-Type": "application/json"},  # expect: AG302
        )
        retrain = HttpOperator(task_id="retrain", http_conn_id="ml",
                               headers={"Authorization": f"Bearer {VENDOR_TOKEN}"})

        def notify(token: str):
            return requests.post(f"{BASE}/imports", headers={"Authorization": f"Bearer {token}"}, timeout=30)

        def basic():
            return requests.get(BASE, headers={"Authorization": "Basic QmFzaWMtQXV0aC1QdzoxMjM0"})  # expect: AG302

        PLACEHOLDER = {"Authorization": "Bearer <token>"}
        DOCS = "Send the header `Authorization: Bearer YOUR_TOKEN_HERE` with each call"
        '''}, secrets=("Hdr-Tok3n-ab12cd34", "Vendor-Api-Tok3n-0099", "QmFzaWMtQXV0aC1QdzoxMjM0"))


def test_database_password_in_bash_env(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"dags/maintenance.py": '''
        from airflow.providers.standard.operators.bash import BashOperator

        snapshot = BashOperator(
            task_id="snapshot",
            bash_command="pg_dump -h orders.internal -U finance_ro orders | gzip > /tmp/orders.sql.gz",
            env={"PGPASSWORD": "Bash-Env-Pw-7787", "PGSSLMODE": "require"},  # expect: AG303
            append_env=True,
        )
        load = BashOperator(task_id="load", bash_command="mysql -u loader analytics < x.sql",
                            env={"MYSQL_PWD": "{{ var.value.analytics_loader_password }}"})
        iam = BashOperator(task_id="iam", bash_command="psql -h $DB_HOST", env={"DB_HOST": "db.internal"})
        '''}, secrets=("Bash-Env-Pw-7787",))


def test_kubernetes_env_var_values(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"dags/marts.py": '''
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from kubernetes.client import models as k8s

        refresh = KubernetesPodOperator(
            task_id="refresh_marts",
            name="refresh-marts",
            image="registry.example.com/marts:1.0",
            env_vars=[
                k8s.V1EnvVar(name="MARTS_DB_HOST", value="marts.internal.example.com"),
                k8s.V1EnvVar(name="MARTS_DB_PASSWORD", value="K8s-Pod-Env-4412"),  # expect: AG302
                k8s.V1EnvVar("MARTS_API_TOKEN", "K8s-Positional-Tok-77"),  # expect: AG302
                k8s.V1EnvVar(name="PGPASSWORD", value="K8s-Pg-Env-31"),  # expect: AG303
                k8s.V1EnvVar(
                    name="MARTS_SIGNING_TOKEN",
                    value_from=k8s.V1EnvVarSource(secret_key_ref=k8s.V1SecretKeySelector(name="marts", key="token")),
                ),
                k8s.V1EnvVar(name="PASSWORD_FILE", value="/var/run/secrets/marts/password"),
            ],
        )
        '''}, secrets=("K8s-Pod-Env-4412", "K8s-Positional-Tok-77", "K8s-Pg-Env-31"))


def test_kubernetes_secret_references_are_not_secrets(run_cli, tmp_path: Path) -> None:
    """KubernetesPodOperator `Secret(...)` and `V1Secret*` selectors name a Kubernetes Secret and a key in it;
    a Secret object whose data is written in the DAG still holds the value."""
    check(run_cli, tmp_path, {"dags/pods.py": '''
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from airflow.providers.cncf.kubernetes.secret import Secret
        from airflow.kubernetes.secret import Secret as LegacySecret
        from kubernetes.client import models as k8s

        DB_PASSWORD = Secret("env", "DB_PASSWORD", "airflow-secrets", "password")
        API_TOKEN = Secret(deploy_type="env", deploy_target="API_TOKEN", secret="orders-api", key="token")
        PRIVATE_KEY = LegacySecret(deploy_type="volume", deploy_target="/etc/keys", secret="orders-private-key")
        SELECTOR = k8s.V1SecretKeySelector(name="orders-db-password", key="password")
        VOLUME = k8s.V1Volume(name="keys", secret=k8s.V1SecretVolumeSource(secret_name="orders-secret-keys"))
        WRITTEN = k8s.V1Secret(string_data={"password": "K8s-Written-Secret-93"})  # expect: AG302

        job = KubernetesPodOperator(
            task_id="orders", name="orders", image="registry.example.com/orders:1.0",
            secrets=[DB_PASSWORD, API_TOKEN, PRIVATE_KEY], volumes=[VOLUME],
        )
        '''}, secrets=("K8s-Written-Secret-93",))


def test_ecs_overrides_environment(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"dags/ledger.py": '''
        from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

        run_sync = EcsRunTaskOperator(
            task_id="run_ledger_sync",
            cluster="finance-batch",
            task_definition="ledger-sync:42",
            overrides={
                "containerOverrides": [
                    {
                        "name": "ledger-sync",
                        "environment": [
                            {"name": "LEDGER_DB_HOST", "value": "ledger.internal.example.com"},
                            {"name": "LEDGER_DB_PASSWORD", "value": "Ecs-Ledger-Pw-5858"},  # expect: AG302
                            {"name": "NETSUITE_TOKEN", "value": "{{ var.value.netsuite_token_secret }}"},
                            {"name": "DB_SECRET_NAME", "value": "finance/ledger/db"},
                        ],
                    }
                ]
            },
        )
        batch = {"Name": "VENDOR_API_KEY", "Value": "Batch-Api-Key-Ex4mple-0101"}  # expect: AG302
        '''}, secrets=("Ecs-Ledger-Pw-5858", "Batch-Api-Key-Ex4mple-0101"))


def test_slack_webhook_constants(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {
        "include/settings.py": '''
            SLACK_CHANNEL = "#data-alerts"
            SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T0ACME0AC/B0ACME0QZ/Ex4mpleWebhookPartNine9"  # expect: AG302
            DOCS_EXAMPLE = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
            SLACK_CONN_ID = "slack_default"
            ''',
        # nothing else in this file would make the pre-check parse it
        "dags/utils/notify.py": '''
            import requests

            FINANCE_WEBHOOK = "https://hooks.slack.com/services/T0ACME0AC/B0ACMEF1N/Ex4mpleFinanceHook22"  # expect: AG302


            def post(text: str, webhook: str = FINANCE_WEBHOOK) -> None:
                requests.post(webhook, json={"text": text}, timeout=10)
            ''',
    }, secrets=("Ex4mpleWebhookPartNine9", "Ex4mpleFinanceHook22"))


def test_secret_default_arguments_of_hooks_and_operators(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {
        "plugins/hooks/payments_hook.py": '''
            from airflow.hooks.base import BaseHook


            class PaymentsHook(BaseHook):
                default_conn_name = "payments_api"

                def __init__(self, payments_conn_id: str = default_conn_name, api_key: str = "Hook-Default-Key-11", timeout: int = 30) -> None:  # expect: AG302
                    super().__init__()
                    self.api_key = api_key
            ''',
        "plugins/operators/netsuite.py": '''
            from airflow.models import BaseOperator


            class NetsuiteExportOperator(BaseOperator):
                def __init__(
                    self,
                    *,
                    batch_date: str,
                    account_id: str = "1234567_SB1",
                    consumer_key: str = "fake0consumer0key0ex4mple0aa11bb22cc33dd44",  # expect: AG302
                    client_secret: str = "Op-Client-Secret-3c1d",  # expect: AG302
                    token_secret: str = "{{ var.value.netsuite_token_secret }}",
                    aws_conn_id: str = "aws_default",
                    password_env_var: str = "WAREHOUSE_PASSWORD",
                    primary_key: str = "id",
                    **kwargs,
                ) -> None:
                    super().__init__(**kwargs)
            ''',
    }, secrets=("Hook-Default-Key-11", "fake0consumer0key0ex4mple0aa11bb22cc33dd44", "Op-Client-Secret-3c1d"))


def test_secret_constants_named_pw_pwd_pass_reported_at_the_literal(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"include/db.py": '''
        from sqlalchemy import create_engine

        _WAREHOUSE_PW = "Name-Pw-Const-7721"  # expect: AG302
        REPORTING_DB_PWD = "Name-Pwd-Const-0001"  # expect: AG302
        LEGACY_PASS = "Name-Pass-Const-0002"  # expect: AG302
        ANALYTICS_USER = "analytics_ro"
        ANALYTICS_PASSWORD = "Name-Password-Const-6621"  # expect: AG302
        COMPASS_HEADING = "north-north-west"


        def warehouse_engine():
            return create_engine(f"postgresql+psycopg2://loader:{_WAREHOUSE_PW}@pgbouncer.internal.example.com:6432/wh")


        def analytics_engine():
            return create_engine(
                f"postgresql+psycopg2://{ANALYTICS_USER}:{ANALYTICS_PASSWORD}@analytics.internal.example.com:5432/a"
            )


        def reporting_uri():
            return "postgresql://reporter:" + REPORTING_DB_PWD + "@reports.internal.example.com/r"
        '''}, secrets=("Name-Pw-Const-7721", "Name-Pwd-Const-0001", "Name-Pass-Const-0002", "Name-Password-Const-6621"))


def test_a_plain_constant_used_as_a_uri_password_is_reported_at_its_literal(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"include/db.py": '''
        from sqlalchemy import create_engine

        LOADER = "Plain-Const-Pw-1234"  # expect: AG302
        HOST = "warehouse.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com"


        def engine():
            return create_engine(f"postgresql://loader:{LOADER}@{HOST}:5432/wh")  # expect: AG102
        '''}, secrets=("Plain-Const-Pw-1234",))


def test_url_create_tls_finding_at_the_query_line(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"include/db.py": '''
        from sqlalchemy.engine import URL

        FEATURES_HOST = "features.cluster-b2nw7pq4vx8s.eu-central-1.rds.amazonaws.com"


        def features_url():
            return URL.create(
                drivername="postgresql+psycopg2",
                username="feature_writer",
                password="UrlCreate-Tls-Pw-4096",  # expect: AG101
                host=FEATURES_HOST,  # expect: AG102
                port=5432,
                database="features",
                query={"sslmode": "disable"},  # expect: AG103
            )


        def verified_url():
            return URL.create("postgresql+psycopg2", username="iam_user", host=FEATURES_HOST, database="features",  # expect: AG102
                              query={"sslmode": "verify-full"})
        '''}, secrets=("UrlCreate-Tls-Pw-4096",))


# ------------------------------------------------------------------------------------------------ false alarms
def test_iam_tokens_are_not_passwords(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"include/db.py": '''
        import boto3
        import psycopg2
        from sqlalchemy import create_engine, event

        ORDERS_HOST = "orders-prod.cluster-c4tq9zx2mwfk.eu-west-1.rds.amazonaws.com"
        WAREHOUSE_HOST = "warehouse.cluster-b2nw7pq4vx8s.eu-central-1.rds.amazonaws.com"


        def orders_iam_connection():
            rds = boto3.client("rds", region_name="eu-west-1")
            token = rds.generate_db_auth_token(DBHostname=ORDERS_HOST, Port=5432, DBUsername="airflow_etl")
            return psycopg2.connect(host=ORDERS_HOST, dbname="orders", user="airflow_etl", password=token, sslmode="verify-full")


        def inline_token():
            return psycopg2.connect(host=ORDERS_HOST, user="etl", sslmode="verify-full",
                                    password=boto3.client("rds").generate_db_auth_token(ORDERS_HOST, 5432, "etl"))


        def engine_for(url, **overrides):
            return create_engine(url, **overrides)


        def iam_engine(user: str = "airflow_iam", database: str = "warehouse"):
            rds = boto3.client("rds", region_name="eu-central-1")
            engine = engine_for(f"postgresql+psycopg2://{user}@{WAREHOUSE_HOST}:5432/{database}?sslmode=verify-full")

            @event.listens_for(engine, "do_connect")
            def provide_token(dialect, conn_rec, cargs, cparams):
                cparams["password"] = rds.generate_db_auth_token(DBHostname=WAREHOUSE_HOST, Port=5432, DBUsername=user)

            return engine


        def listen_engine():
            engine = create_engine(f"postgresql://etl@{WAREHOUSE_HOST}/wh")

            def sign(dialect, conn_rec, cargs, cparams):
                cparams["password"] = boto3.client("rds").generate_db_auth_token(WAREHOUSE_HOST, 5432, "etl")

            event.listen(engine, "do_connect", sign)
            return engine


        def password_engine():
            engine = create_engine(f"postgresql://etl@{WAREHOUSE_HOST}/wh")  # expect: AG102
            return engine
        '''})


def test_names_and_ids_of_secrets_are_not_secrets(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"include/secrets_lookup.py": '''
        import json

        import boto3

        PASSWORD_KEY = "password"
        DB_SECRET_ID = "prod/orders/db"
        LEDGER_SECRET = "finance/ledger/db"
        WAREHOUSE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/warehouse-AbCdEf"
        TOKEN_ENV = "ORDERS_API_TOKEN"
        API_KEY_FILE = "/opt/airflow/secrets/api_key.txt"
        TOKEN_URL = "https://auth.example.com/oauth2/token"
        TOKEN_FIELD = "access_token"
        REAL_TOKEN = "Real-Token-Value-0042"  # expect: AG302


        def creds():
            client = boto3.client("secretsmanager", region_name="eu-central-1")
            secret = client.get_secret_value(SecretId="airflow/prod/connections/warehouse_admin")
            other = client.get_secret_value(SecretId=DB_SECRET_ID)
            return json.loads(secret["SecretString"])[PASSWORD_KEY], other
        '''}, secrets=("Real-Token-Value-0042",))


def test_labels_modes_enums_and_examples_are_not_secrets(run_cli, tmp_path: Path) -> None:
    """What real provider and library code writes under secret names: UI labels, pagination keys, modes,
    enum constants, error codes, import paths, URL examples in docstrings."""
    check(run_cli, tmp_path, {"plugins/hooks/vendor.py": '''
        """Vendor hook.

        Connect with ``https://user:Docstring-Example-Pw@api.vendor.example.com/v1`` or a token.
        """
        from airflow.hooks.base import BaseHook

        RELABELING = {"login": "Vendor Access Key ID", "password": "Vendor Secret Access Key"}
        PLACEHOLDERS = {"password": "Password for the vendor index (will be masked)"}
        PAGINATION = {"input_token": "next_marker", "output_token": "NextToken", "limit_key": "max_items"}
        LAZY_IMPORTS = {"SecretCache": "airflow.sdk.execution_time.cache.SecretCache"}
        METADATA_OPTIONS = {"HttpTokens": "optional", "HttpEndpoint": "enabled"}
        PassStateEntered = "PassStateEntered"
        INVALID_AUTHORIZATION_SPECIFICATION = "28000"
        FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
        TOKEN_ERROR = 'token: "{token}", near: "{near}"'
        GIT_REMOTE = "https://ci-bot:Remote-Url-Pw-55@git.example.com/acme/dags.git"  # expect: AG302
        STS_REPLY = {
            "AccessKeyId": "AKIAZZVENDORHOOK0001",  # expect: AG301
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # expect: AG301
            "SessionToken": "FQoGZXIvYXdzEXAMPLE0123456789abcdefTOKEN+/=",  # expect: AG302
        }
        '''}, secrets=("Remote-Url-Pw-55", "AKIAZZVENDORHOOK0001", "FQoGZXIvYXdzEXAMPLE0123456789abcdefTOKEN+/="))


def test_assets_and_datasets_are_not_connections(run_cli, tmp_path: Path) -> None:
    report = check(run_cli, tmp_path, {"dags/assets.py": '''
        from airflow.sdk import Asset, dag
        from airflow.datasets import Dataset

        orders = Asset("postgres://orders-prod.cluster-c4tq9zx2mwfk.eu-west-1.rds.amazonaws.com:5432/orders/public/orders")
        features = Asset("postgres://features.cluster-b2nw7pq4vx8s.eu-central-1.rds.amazonaws.com:5432/f/public/d", extra={"owner": "ml"})
        legacy = Dataset(uri="mysql://legacy.cluster-b2nw7pq4vx8s.eu-central-1.rds.amazonaws.com:3306/l/t")
        leaky = Asset("postgres://etl:Asset-Uri-Pw-31@orders-prod.cluster-c4tq9zx2mwfk.eu-west-1.rds.amazonaws.com/o/public/t")  # expect: AG302
        real = "postgres://reader@orders-prod.cluster-c4tq9zx2mwfk.eu-west-1.rds.amazonaws.com:5432/orders"  # expect: AG102
        '''}, secrets=("Asset-Uri-Pw-31",))
    assert not [e for e in report["errors"] if e["kind"] == "parse-error"]


def test_uri_templates_are_neither_findings_nor_notices(run_cli, tmp_path: Path) -> None:
    report = check(run_cli, tmp_path, {"include/templates.py": '''
        from sqlalchemy import create_engine


        def engine_for(user: str, password: str, host: str, database: str, port: int = 5432):
            return create_engine(f"postgresql+psycopg2://{user}:{password}@{host}:{port}/{database}")


        def dsn_template(user: str, password: str, host: str, db: str, port: int = 5432) -> str:
            return "postgresql+psycopg2://{user}:{password}@{host}:{port}/{db}".format(user=user, password=password, host=host, port=port, db=db)


        def percent_template(user, password):
            return "mysql://%s:%s@reports.internal.example.com:3306/r" % (user, password)


        RDS_TEMPLATE = "postgresql://{user}:{password}@orders.cluster-c4tq9zx2mwfk.eu-west-1.rds.amazonaws.com:5432/o"  # expect: AG102
        '''})
    assert [e for e in report["errors"] if e["kind"] == "parse-error"] == []


def test_a_connection_extra_is_reported_once(run_cli, tmp_path: Path) -> None:
    check(run_cli, tmp_path, {"dags/conns.py": '''
        import json
        import os

        import psycopg2
        from airflow.models import Connection

        api = Connection(conn_id="api", conn_type="http", host="api.example.com", extra={"token": "Extra-Tok-12345"})  # expect: AG101
        api2 = Connection(conn_id="api2", conn_type="http", extra=json.dumps({"auth": {"api_key": "Extra-Key-12345"}}))  # expect: AG101
        db = psycopg2.connect(**{"host": "db.internal", "password": "Splat-Pw-12345",  # expect: AG101
                                 "options": "-c statement_timeout=0", "secret_token": "Splat-Tok-9999"})  # expect: AG302
        os.environ.update({"REPORTING_DB_PASSWORD": "Env-Update-Pw-77"})  # expect: AG302
        '''}, secrets=("Extra-Tok-12345", "Extra-Key-12345", "Splat-Pw-12345", "Splat-Tok-9999", "Env-Update-Pw-77"))


# ------------------------------------------------------------------------------------------------ cross module
def test_config_dict_unpacked_into_a_driver_in_another_module(run_cli, tmp_path: Path) -> None:
    report = check(run_cli, tmp_path, {
        "airflow/include/__init__.py": "",
        "airflow/include/warehouse_config.py": '''
            """Connection settings for the MySQL systems we still read directly."""

            CATALOG_MYSQL = {
                "host": "catalog.cluster-b2nw7pq4vx8s.eu-central-1.rds.amazonaws.com",  # expect: AG102
                "port": 3306,
                "user": "catalog_reader",
                "password": "Cross-Module-Dict-Pw-2112",  # expect: AG101
                "database": "catalog",
                "ssl_disabled": True,  # expect: AG103
            }

            CATALOG_MYSQL_IAM = {
                "host": "catalog.cluster-b2nw7pq4vx8s.eu-central-1.rds.amazonaws.com",
                "user": "airflow_iam",
                "auth_plugin": "mysql_clear_password",
            }

            REPORTS = {"host": "reports.internal.example.com", "user": "r", "password": "Cross-Module-Alias-Pw-7"}  # expect: AG101
            ''',
        "airflow/dags/warehouse/load_orders.py": '''
            import pymysql

            import include.warehouse_config as wc
            from include.warehouse_config import CATALOG_MYSQL


            def snapshot_catalog(ds: str, **_):
                conn = pymysql.connect(**CATALOG_MYSQL)
                with conn.cursor() as cursor:
                    cursor.execute("SELECT sku FROM catalog.products WHERE updated_at >= %s", (ds,))


            def reports():
                return pymysql.connect(**wc.REPORTS)
            ''',
    }, secrets=("Cross-Module-Dict-Pw-2112", "Cross-Module-Alias-Pw-7"))
    # the connection found in the config module names the call that makes it, in the other file
    names = {f["resource"]["name"] for f in report["findings"] if f["location"]["path"].endswith("warehouse_config.py")}
    assert names == {"pymysql.connect@airflow/dags/warehouse/load_orders.py:8",
                     "pymysql.connect@airflow/dags/warehouse/load_orders.py:14"}


def test_values_that_flow_between_modules(run_cli, tmp_path: Path) -> None:
    report = check(run_cli, tmp_path, {
        "dags/common/__init__.py": "",
        "dags/common/settings.py": '''
            SESSION_SECONDS = 43200
            SHORT_SESSION = 900
            LOADER = "Cross-Module-Fstring-Pw-31"  # expect: AG302
            WAREHOUSE_URL = "postgresql://etl:Cross-Module-Url-Pw-8@wh.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com/dw"  # expect: AG101, AG102
            DB_PASSWORD = "Cross-Module-Kwarg-Pw-5"  # expect: AG101
            ''',
        "dags/common/db.py": '''
            from .settings import LOADER

            HOST = "warehouse.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com"
            LOADER_URL = f"postgresql://loader:{LOADER}@{HOST}:5432/wh"  # expect: AG102
            ''',
        "dags/export.py": '''
            import boto3
            import psycopg2
            from sqlalchemy import create_engine

            from common.settings import DB_PASSWORD, SESSION_SECONDS, SHORT_SESSION, WAREHOUSE_URL
            from common.db import LOADER_URL


            def export():
                sts = boto3.client("sts")
                sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/x", RoleSessionName="x",
                                DurationSeconds=SESSION_SECONDS)  # expect: AG305
                sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/x", RoleSessionName="y",
                                DurationSeconds=SHORT_SESSION)
                engine = create_engine(WAREHOUSE_URL)
                loader = create_engine(LOADER_URL)
                conn = psycopg2.connect(host="reports.internal.example.com", user="r", password=DB_PASSWORD)
                return engine, loader, conn
            ''',
    }, secrets=("Cross-Module-Fstring-Pw-31", "Cross-Module-Url-Pw-8", "Cross-Module-Kwarg-Pw-5"))
    # one finding per problem: the URL and the constant are not reported again through the importing file
    located = [(f["rule_id"], f["location"]["path"], f["location"]["start_line"]) for f in report["findings"]
               if f["rule_id"] != "AG201"]
    assert len(located) == len(set(located))


def test_cross_module_needs_the_module_in_the_scan_and_no_guess(run_cli, tmp_path: Path) -> None:
    write(tmp_path, {
        "a/include/config.py": 'DB = {"host": "a.internal", "user": "u", "password": "Ambiguous-A-Pw-1"}\n',
        "b/include/config.py": 'DB = {"host": "b.internal", "user": "u", "password": "Ambiguous-B-Pw-2"}\n',
        "dags/load.py": "import psycopg2\nfrom include.config import DB\n\nconn = psycopg2.connect(**DB)\n",
    })
    # two equally near `include/config.py`: no resolution; each dict entry stays a secret of its own module
    assert findings(scan(run_cli, tmp_path)) == {("AG302", "a/include/config.py", 1),
                                                 ("AG302", "b/include/config.py", 1)}
    # only the DAG folder scanned: the other module is not read
    result = run_cli("scan", "dags", "-f", "json", "--fail-on", "none", cwd=tmp_path)
    assert findings(json.loads(result.stdout)) == set()


def test_cross_module_suppression_in_the_defining_module(run_cli, tmp_path: Path) -> None:
    write(tmp_path, {
        "include/cfg.py": 'DB = {"host": "x.internal", "user": "u", '
                          '"password": "Suppressed-Cross-Pw-1"}  # airguard: ignore[AG101] rotated, test account\n',
        "dags/load.py": "import psycopg2\nfrom include.cfg import DB\n\nconn = psycopg2.connect(**DB)\n",
    })
    report = scan(run_cli, tmp_path)
    located = [(f["rule_id"], f["location"]["path"], f["location"]["start_line"], f["suppression"] is not None)
               for f in report["findings"] if f["rule_id"] != "AG201"]
    assert located == [("AG101", "include/cfg.py", 1, True)]
    assert "Suppressed-Cross-Pw-1" not in json.dumps(report)


def test_cross_module_in_worker_processes(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.collect import parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)  # 70 small files: collected in worker processes
    files = {f"dags/team_{n}.py": f"from include.cfg import DB\nimport psycopg2\nconn_{n} = psycopg2.connect(**DB)\n"
             for n in range(70)}  # past parallel.MIN_FILES
    files["include/cfg.py"] = 'DB = {"host": "x.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com",  # expect: AG102\n' \
                              '      "password": "Worker-Cross-Pw-9"}  # expect: AG101\n'
    write(tmp_path, files)
    report = scan(run_cli, tmp_path, "--jobs", "2")
    assert findings(report) == expected(tmp_path)
    assert "Worker-Cross-Pw-9" not in json.dumps(report)


# ------------------------------------------------------------------------------------------------ secret_shapes
@pytest.mark.parametrize(("value", "kind"), [
    ("AKIAIOSFODNN7EXAMPLE", "aws-access-key-id"),  # the AWS documentation's example id is still a finding
    ("https://hooks.slack.com/services/T0FAKE0AC/B0FAKE0QZ/Ex4mpleFakeWebhookPart9", "slack-webhook"),
    ("https://hooks.slack.com/workflows/T0FAKE0AC/A0FAKE/123456789/Ex4mpleWorkflowPart", "slack-webhook"),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack-token"),
    ("ghp_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Y", "github-token"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", "github-token"),
    ("glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn", "gitlab-token"),
    ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),
    ("AIzaSyA-1234567890abcdefghijklmnopqrstu", "google-api-key"),
    (("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n"
      "-----END RSA PRIVATE KEY-----"), "private-key"),
    ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "jwt"),
    ("Bearer Fake-Crm-Vendor-Tok3n-ab12cd", "bearer-token"),
    ("https://ci-bot:Fake-Git-Pat-Ex4mple-55@github.com/acme/dags.git", "url-password"),
    ("postgresql://loader:Fake-Loader-Pw@db.internal:5432/dw", "url-password"),
])
def test_shapes_detected(value: str, kind: str) -> None:
    assert secret_shapes.detect(value) == kind
    assert secret_shapes.detect(f"some text before {value} and after") == kind


@pytest.mark.parametrize("value", [
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",  # Slack's docs
    "Bearer ${TOKEN}", "Bearer {{ var.value.token }}", "Bearer <token>", "Bearer YOUR_TOKEN_HERE", "Bearer {token}",
    "if '-----BEGIN RSA PRIVATE KEY-----' in text:", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
    "eyJhbGciOi.eyJzdWIi.notbase64json!", "https://user:{password}@host/x", "https://user:${PASSWORD}@host",
    "https://user:password@host", "https://user:changeme@host", "http://airflow.apache.org/docs",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xoxb-your-token-here", "s3://bucket/key", "AKIA0000",
    "the bearer of bad news", "",
])
def test_placeholders_references_and_prose_are_not_shapes(value: str) -> None:
    assert secret_shapes.detect(value) is None


def test_the_literal_pre_test_admits_every_shape() -> None:
    """`may_hold` (the string pass's gate) is true for every literal a shape pattern needs."""
    for kind, literals, _ in secret_shapes._SHAPES:
        if kind != secret_shapes.AWS_ACCESS_KEY_ID:  # looked for by the analyzer itself
            for literal in literals:
                assert secret_shapes.may_hold(f"x {literal} y"), literal
    assert secret_shapes.may_hold("https://u:p@h") and not secret_shapes.may_hold("https://u:p@h", urls=False)
    assert not secret_shapes.may_hold("select * from orders where ds = '{{ ds }}'")


def test_find_gives_the_secret_and_its_span() -> None:
    text = 'headers = {"Authorization": "Bearer Hdr-Tok3n-ab12cd34"}; url = "https://u:Url-Pw-77@h.example.com/"'
    shapes = secret_shapes.find(text)
    assert [(s.kind, s.secret, text[s.start:s.end]) for s in shapes] == [
        ("bearer-token", "Hdr-Tok3n-ab12cd34", "Hdr-Tok3n-ab12cd34"),
        ("url-password", "Url-Pw-77", "Url-Pw-77"),
    ]


@pytest.mark.parametrize(("name", "value", "kind"), [
    ("ANALYTICS_PASSWORD", "Fake-Analytics-Ro-6621", "password"),
    ("_WAREHOUSE_PW", "Fake-Warehouse-Loader-7721", "password"),
    ("DB_PWD", "x1y2z3", "password"),
    ("legacyPass", "x1y2z3w4", "password"),
    ("api_key", "Fake-Payments-Default-Key-11", "secret"),
    ("client_secret", "Fake-Marketing-Client-Secret-3c1d", "secret"),
    ("Authorization", "Basic dXNlcjpwYXNz", "secret"),
    ("consumer_key", "fake0consumer0key0ex4mple0aa11bb22cc33dd44", "secret"),
    ("SEGMENT_WRITE_KEY", "Fake-Segment-Write-Key-44aa", "secret"),
    ("STRIPE_KEY", "s7r1pe0k3y0ex4mple0aa11bb22", "generic-high-entropy"),
    ("DD_API_KEY", "0123456789abcdef0123456789abcdef", "datadog-api-key"),
    ("DATADOG_APP_KEY", "0123456789abcdef0123456789abcdef01234567", "datadog-app-key"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret-access-key"),
    ("webhook", "https://hooks.slack.com/services/T0FAKE0AC/B0FAKE0QZ/Ex4mpleFakeWebhookPart9", "slack-webhook"),
    # not secrets: names, ids, paths, references, placeholders, values of weak names that are not keys
    ("PASSWORD_KEY", "password", None),
    ("DB_SECRET_ID", "prod/orders/db", None),
    ("SecretId", "airflow/prod/connections/warehouse_admin", None),
    ("LEDGER_SECRET", "finance/ledger/db", None),
    ("WAREHOUSE_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf", None),
    ("password_env_var", "WAREHOUSE_PASSWORD", None),
    ("TOKEN_ENV", "ORDERS_API_TOKEN", None),
    ("token_url", "https://auth.example.com/oauth2/token", None),
    ("token_secret", "{{ var.value.netsuite_token_secret }}", None),
    ("password", "${DB_PASSWORD}", None),
    ("password", "<password>", None),
    ("ssl_key", "/opt/airflow/certs/tls.key", None),
    ("s3_key", "shop/orders/{{ ds }}.csv", None),
    ("sort_key", "created_at_2024", None),
    ("primary_key", "id", None),
    ("DD_API_KEY", "0123456789abcdef", None),
    ("conn_id", "Fake-Looking-Conn-Id-77", None),
    ("password", "AWS Secret Access Key", None),
    ("input_token", "next_marker", None),
    ("HttpTokens", "optional", None),
    ("SecretCache", "airflow.sdk.execution_time.cache", None),
    ("PassStateEntered", "PassStateEntered", None),
    ("INVALID_AUTHORIZATION", "28000", None),
    ("password", "tiger", "password"),  # a weak password is still a password
    ("SessionToken", "FQoGZXIvYXdzEXAMPLE0123456789abcdef", "secret"),
])
def test_detect_named(name: str, value: str, kind: str | None) -> None:
    assert secret_shapes.detect_named(name, value) == kind


def test_name_strength() -> None:
    assert secret_shapes.name_strength("MARTS_DB_PASSWORD") == "strong"
    assert secret_shapes.name_strength("pgpassword") == "strong"
    assert secret_shapes.name_strength("apiToken") == "strong"
    assert secret_shapes.name_strength("s3_key") == "weak"
    for name in ("postgres_conn_id", "SecretId", "secret_name", "DB_SECRET_ARN", "password_env_var", "token_url",
                 "key_id", "tokenizer", "compass", "bypass_cache", "task_id"):
        assert secret_shapes.name_strength(name) is None, name


ADVERSARIAL = [
    "eyJ" * 333_334, "eyJa" + "a" * 999_990 + ".", ("eyJaaaaaaaaaa.eyJ" * 60_000), "Bearer " * 142_858,
    "bearer" + " " * 999_990, "xoxb-" * 200_000, "xoxb-1" + "-" * 999_990, "-----BEGIN RSA PRIVATE KEY-----" * 32_000,
    "-----BEGIN PRIVATE KEY-----" + "A" * 999_970, "://" * 333_334, "a://b:" * 166_667, "://a:b" * 166_666 + "@",
    "https://hooks.slack.com/services/T" * 28_000, "AKIA" * 250_000, "ghp_" * 250_000, "a" * 1_000_000,
    "{" * 1_000_000, "${" * 500_000, "_" * 1_000_000, "A_" * 500_000, "AIza" * 250_000, "sk_live_" * 125_000,
    ("https://u:p" + "@" * 100) * 9_000, "-----END" * 125_000,
]


@pytest.mark.parametrize("index", range(len(ADVERSARIAL)))
def test_shapes_take_linear_time_on_hostile_megabytes(index: int) -> None:
    text = ADVERSARIAL[index]
    started = time.perf_counter()
    secret_shapes.find(text)
    secret_shapes.detect_named("api_key", text)
    secret_shapes.names_a_secret(text)
    secret_shapes.name_strength(text)
    secret_shapes.is_placeholder(text)
    assert time.perf_counter() - started < 2.0, text[:40]


def test_importing_secret_shapes_is_cheap() -> None:
    import subprocess
    import sys

    code = ("import time, sys; import scanner.secrets; t = time.perf_counter(); import scanner.secret_shapes; "
            "print(time.perf_counter() - t); print('requests' in sys.modules, 'detect_secrets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) < 0.1 and out[1:] == ["False", "False"]


# ------------------------------------------------------------------------------------------------ pre-check
@pytest.mark.parametrize("code", [
    'URL = "https://hooks.slack.com/services/T0ACME0AC/B0ACME0QZ/Ex4mpleWebhookPartNine9"\n',
    'H = {"Authorization": "Basic QmFzaWMtQXV0aC1QdzoxMjM0"}\n',
    'H = {"X": "Bearer Hdr-Tok3n-ab12cd34"}\n',
    "_WAREHOUSE_PW = 'x1y2z3'\n", "DB_PWD = 'x1y2z3'\n", "LEGACY_PASS = 'x1y2z3'\n",
    "def f(consumer_key='fake0consumer0key0ex4mple0aa11bb22cc33dd44'): pass\n",
    "SEGMENT_WRITE_KEY = 'Fake-Segment-Write-Key-44aa'\n",
    "T = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'\n",
    "G = 'ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Y'\n", "K = 'AIzaSyA-1234567890abcdefghijklmnopqrstu'\n",
    "K = '-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB'\n",
    "S = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'\n",
])
def test_precheck_keeps_every_new_detection(code: str) -> None:
    from scanner.collect.pycode import collect_source
    from scanner.context import ScanContext
    from scanner.source import SourceFile

    resources = collect_source(ScanContext(root=Path("/")), SourceFile("x.py", Path("/x.py"), code))
    assert [r for r in resources if r.type == "code.credential"], code
    assert needs_parse(code.encode(), None)


def test_precheck_still_skips_plain_dags() -> None:
    code = ('"""Uses a key, passes data, compasses and bypasses."""\nfor key in d.keys():\n    pass\n'
            'def bypass_cache(): pass\nS3_KEY = "x"\n')
    assert not needs_parse(code.encode(), None)


def test_precheck_words_find_what_a_test_per_literal_finds() -> None:
    """The pre-check's one search for its literals says what a test of each literal said, on texts built
    from the literals (cut, upper-cased, non-ASCII bytes between them); each `*_KEY` name holds "key" (the
    test of "key" that guarded them is implied)."""
    import random

    from scanner.collect.pycode import patterns

    literals = patterns.PRECHECK_TOKENS + patterns.PRECHECK_KEY_NAMES
    assert all(b"key" in name for name in patterns.PRECHECK_KEY_NAMES)
    pieces = [*literals, b"KEY", b"\xc4\xb0", b"\xff", b"\xe1\xba\x9e", b"pass", b"S", b"_"]
    rnd = random.Random(7)
    for _ in range(3000):
        data = b"".join(rnd.choice(pieces)[:rnd.randint(1, 16)] for _ in range(rnd.randint(0, 5)))
        data = data.upper() if rnd.random() < 0.3 else data
        lowered = data.lower()
        expected = any(literal in lowered for literal in literals)
        assert (patterns.PRECHECK_WORDS.search(lowered) is not None) == expected, data
