"""Config-side detection, file shape by file shape: exact findings (rule id, line) both ways, no secret in
the report, no error notice for what is not an error (Helm templates).

Each test writes a small file into a fresh tree, scans it, and compares every finding of that file with
the expected set: a new finding is as much a failure as a missing one. Every value is fake.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def _scan(run_cli, root: Path, *paths: str) -> dict:
    result = run_cli("scan", *(paths or (".",)), "-f", "json", "--fail-on", "none", cwd=root)
    assert result.exit_code in (0, 3), result.stderr
    return result.json()


def _found(report: dict, path: str, rules: set[str] | None = None) -> set[tuple[str, int]]:
    return {(f["rule_id"], f["location"]["start_line"]) for f in report["findings"]
            if f["location"] and f["location"]["path"] == path and (rules is None or f["rule_id"] in rules)}


def _no_leak(run_cli, root: Path, secrets: list[str]) -> None:
    for fmt in ("text", "json", "sarif", "markdown"):
        result = run_cli("scan", ".", "-f", fmt, "--fail-on", "none", cwd=root)
        output = result.stdout + result.stderr
        assert [s for s in secrets if s in output] == [], fmt


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# --------------------------------------------------------------------------------------------- .env files

ENV = """\
AIRFLOW_UID=50000
_AIRFLOW_WWW_USER_USERNAME=admin
_AIRFLOW_WWW_USER_PASSWORD=Tst-Www-Admin-Pw-01
ANALYTICS_DB_PASSWORD=Tst-Analytics-Db-Pw-02
AWS_ACCESS_KEY_ID=AKIATSTENVFILE000001
AWS_SECRET_ACCESS_KEY=TstEnvSecretKey0123456789abcdefGHIJKLmnop
AWS_DEFAULT_REGION=eu-west-1
AIRFLOW_VAR_LEGACY_DSN=postgresql://app:Tst-Var-Dsn-Pw-03@legacy.internal.example.com:5432/legacy
AIRFLOW_VAR_SEGMENT_WRITE_KEY=Tst-Segment-Write-Key-04aa
AIRFLOW_VAR_ENVIRONMENT=dev
AIRFLOW_VAR_ORDERS_SECRET_NAME=prod/orders/db
AIRFLOW_CONN_API='{"conn_type": "http", "host": "https://api.example.com", "extra": {"Authorization": "Bearer Tst-Api-Bearer-05"}}'
AIRFLOW_CONN_API_REF='{"conn_type": "http", "extra": {"Authorization": "Bearer {{ var.value.api_token }}"}}'
DB_PASSWORD_SECRET_ID=prod/orders/db
REPLICA_PWD=${REPLICA_PWD_FROM_VAULT}
LEDGER_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:x
"""
ENV_EXAMPLE = """\
AIRFLOW_CONN_CATALOG=mysql://reader:changeme@localhost:3306/catalog
AIRFLOW__WEBSERVER__SECRET_KEY=replace-me
AWS_ACCESS_KEY_ID=your-access-key-id
AWS_SECRET_ACCESS_KEY=your-secret-access-key
DD_API_KEY=
DB_PASSWORD=<password>
"""


def test_env_file_plain_variables_variables_and_connection_extras(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "proj/.env", ENV)
    _write(tmp_path, "proj/.env.example", ENV_EXAMPLE)
    report = _scan(run_cli, tmp_path)
    assert _found(report, "proj/.env") == {
        ("AG202", 3),                 # the web UI admin password of the official compose file
        ("AG302", 4),                 # a password in a plain env var
        ("AG301", 5), ("AG301", 6),   # AWS keys
        ("AG101", 8),                 # a DSN with a password in an Airflow Variable
        ("AG302", 9),                 # a secret-valued Variable (by its name, the value looks like a key)
        ("AG101", 12),                # a bearer token in a connection's extra
    }
    assert _found(report, "proj/.env.example") == set()   # placeholders, empty values
    assert report["errors"] == []
    _no_leak(run_cli, tmp_path, ["Tst-Www-Admin-Pw-01", "Tst-Analytics-Db-Pw-02", "AKIATSTENVFILE000001",
                                 "TstEnvSecretKey0123456789abcdefGHIJKLmnop", "Tst-Var-Dsn-Pw-03",
                                 "Tst-Segment-Write-Key-04aa", "Tst-Api-Bearer-05"])


# --------------------------------------------------------------------------------------------- shell scripts

SHELL = """\
#!/usr/bin/env bash
set -euo pipefail
export MYSQL_PWD="Tst-Shell-Mysql-Pwd-06"
export VENDOR_AWS_ACCESS_KEY_ID=AKIATSTSHELLVENDOR01
export REPLICA_PWD="$(aws secretsmanager get-secret-value --secret-id x --query SecretString --output text)"
airflow connections add 'wh' \\
    --conn-uri 'postgresql://loader:Tst-Shell-Conn-Pw-07@wh.cluster-abc123def456.eu-west-1.rds.amazonaws.com:5432/wh'
airflow connections add 'wh_iam' --conn-json '{"conn_type": "postgres", "host": "wh.cluster-abc123def456.eu-west-1.rds.amazonaws.com", "extra": {"iam": true}}'
airflow connections add 'reports' --conn-type postgres --conn-host reports.example.com --conn-password 'Tst-Shell-Fields-Pw-08'
airflow variables set api_secret "$API_SECRET"
airflow variables set slack_webhook_url 'https://hooks.slack.com/services/T0TST0AC/B0TST0QZ/TstFakeWebhookPart000'
airflow users create --role Admin --username ops --email ops@example.com \\
    --firstname Ops --lastname Team --password 'Tst-Shell-Admin-Pw-09'
mysql -h db.example.com -u admin -p'Tst-Shell-Mysql-Arg-10' catalog < seed.sql
PGPASSWORD="$(aws rds generate-db-auth-token --hostname h --port 5432 --username u)" psql -h h -f x.sql
pip install --extra-index-url https://ci:Tst-Shell-Index-Pw-11@pypi.example.com/simple acme-lib
cat <<EOF > /tmp/notes
mysql -pNotACommandInAHeredoc
EOF
echo "mysql -pNotACommandEither"
psql "postgresql://app:Tst-Shell-Psql-Uri-50@db.cluster-abc123def456.eu-west-1.rds.amazonaws.com/app" -c 'select 1'
export DATABASE_URL=mysql://app:Tst-Shell-Env-Dsn-51@db.internal.example.com/app
"""


def test_shell_script_commands_and_exports(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "scripts/bootstrap.sh", SHELL)
    report = _scan(run_cli, tmp_path)
    assert _found(report, "scripts/bootstrap.sh") == {
        ("AG303", 3),                 # export MYSQL_PWD=
        ("AG301", 4),                 # an AWS key id in an export
        ("AG101", 7), ("AG102", 7),   # connections add --conn-uri (on the continuation line)
        ("AG101", 9),                 # connections add --conn-password
        ("AG302", 11),                # variables set with a literal webhook
        ("AG202", 13),                # users create --password
        ("AG303", 14),                # mysql -p...
        ("AG302", 16),                # a password in an index URL
        ("AG101", 21), ("AG102", 21),  # a database URI with a password in a command
        ("AG101", 22),                # a DSN in a plain variable is a connection in all but name
    }
    assert report["errors"] == []
    _no_leak(run_cli, tmp_path, ["Tst-Shell-Mysql-Pwd-06", "AKIATSTSHELLVENDOR01", "Tst-Shell-Conn-Pw-07",
                                 "Tst-Shell-Fields-Pw-08", "TstFakeWebhookPart000", "Tst-Shell-Admin-Pw-09",
                                 "Tst-Shell-Mysql-Arg-10", "Tst-Shell-Index-Pw-11", "Tst-Shell-Psql-Uri-50",
                                 "Tst-Shell-Env-Dsn-51"])


def test_shell_splitting_keeps_quotes_continuations_and_substitutions() -> None:
    from scanner.collect.shell import split_commands

    text = ("export A='x y' B=\"$(cmd \"inner\" | tr -d ')')\"; run --opt=v \\\n  next # comment\n"
            "echo `date` done && other\n")
    words = [[(w.value, w.expanded) for w in command.words] for command in split_commands(text)]
    assert words == [
        [("export", False), ("A=x y", False), ("B=$(cmd \"inner\" | tr -d ')')", True)],
        [("run", False), ("--opt=v", False), ("next", False)],
        [("echo", False), ("`date`", True), ("done", False)],
        [("other", False)],
    ]


@pytest.mark.parametrize("text", ['"$(' * 50_000, "$(" * 100_000, "`" * 100_000, "${" * 100_000, "<<EOF\n" * 50_000])
def test_shell_splitting_is_iterative_and_linear(text: str) -> None:
    """Nesting is kept on an explicit stack: no recursion limit to reach, each character read once."""
    import time

    from scanner.collect.shell import split_commands

    started = time.perf_counter()
    split_commands(text)
    assert time.perf_counter() - started < 2.0


# --------------------------------------------------------------------------------------------- Dockerfile, pip

DOCKERFILE = """\
FROM quay.io/astronomer/astro-runtime:12.6.0
# ARG NOT_READ=https://ci:Tst-Commented-Out-12@example.com
ARG PIP_EXTRA_INDEX_URL=https://ci-deploy:Tst-Docker-Index-Pw-13@nexus.example.com/simple
ENV AIRFLOW__SECRETS__BACKEND=airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
ENV AIRFLOW__WEBSERVER__SECRET_KEY=Tst-Docker-Flask-Secret-14
ENV DD_API_KEY Tst0Docker0Legacy0Env0Key0015
ENV A=1 \\
    DBT_PASSWORD="Tst-Docker-Dbt-Pw-16"
RUN mysql -u root -pTst-Docker-Run-Pw-17 -e 'select 1'
RUN echo "${PIP_EXTRA_INDEX_URL}" > /dev/null
"""
REQUIREMENTS = """\
--extra-index-url https://__token__:Tst-Req-Gitlab-Tok-18@gitlab.example.com/api/v4/projects/1/packages/pypi/simple
-i https://${PIP_USER}:${PIP_TOKEN}@nexus.example.com/simple
acme-lib @ git+https://ci:Tst-Req-Git-Pat-19@github.com/acme/lib.git@v1.2
psycopg2-binary==2.9.10 --hash=sha256:7a813c8bdbaaaab1f078014b9b0b13f5de757e2b5d9be6403639b298a04d218b
# --index-url https://old:Tst-Req-Commented-20@old.example.com/simple
"""


def test_dockerfile_and_requirements(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "Dockerfile", DOCKERFILE)
    _write(tmp_path, "requirements.txt", REQUIREMENTS)
    report = _scan(run_cli, tmp_path)
    assert _found(report, "Dockerfile") == {
        ("AG302", 3),    # ARG default: a password in an index URL (kept in the image history)
        ("AG202", 5),    # ENV AIRFLOW__WEBSERVER__SECRET_KEY
        ("AG302", 6),    # legacy `ENV NAME value`
        ("AG302", 8),    # a continuation line of ENV
        ("AG303", 9),    # RUN mysql -p...
    }
    assert _found(report, "requirements.txt") == {("AG302", 1), ("AG302", 3)}
    assert report["errors"] == []
    _no_leak(run_cli, tmp_path, ["Tst-Docker-Index-Pw-13", "Tst-Docker-Flask-Secret-14", "Tst0Docker0Legacy0Env0Key0015",
                                 "Tst-Docker-Dbt-Pw-16", "Tst-Docker-Run-Pw-17", "Tst-Req-Gitlab-Tok-18",
                                 "Tst-Req-Git-Pat-19"])


# --------------------------------------------------------------------------------------------- airflow.cfg

CFG = """\
[database]
sql_alchemy_conn = postgresql+psycopg2://meta:Tst-Cfg-Meta-Pw-21@meta.cluster-abc123def456.eu-west-1.rds.amazonaws.com:5432/airflow?sslmode=disable

[webserver]
web_server_ssl_cert = /opt/airflow/certs/tls.crt
web_server_ssl_key = /opt/airflow/certs/tls.key
secret_key_cmd = cat /run/secrets/key

[smtp]
smtp_user = AKIATSTCFGSESUSER001
smtp_password = Tst-Cfg-Ses-Smtp-Pw-22

[kafka]
sasl_enabled = False
sasl_mechanism = PLAIN

[celery]
ssl_active = False
ssl_key =
flower_basic_auth = admin:Tst-Cfg-Flower-Pw-23

[api_auth]
jwt_secret = Tst-Cfg-Jwt-Secret-24

[openlineage]
transport = {"type": "http", "url": "https://marquez.example.com", "auth": {"type": "api_key", "apiKey": "Tst-Cfg-Ol-Key-25"}}

[secrets]
backend = airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
"""


def test_airflow_cfg_credentials_tls_and_stock_settings(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "airflow.cfg", CFG)
    report = _scan(run_cli, tmp_path)
    assert _found(report, "airflow.cfg") == {
        ("AG202", 2), ("AG103", 2),   # the metadata DB: its password, TLS off to RDS (no AG101/AG102: not a DAG connection)
        ("AG301", 10),                # an SES SMTP user is an access key id
        ("AG202", 11),
        ("AG202", 20),                # flower_basic_auth user:password
        ("AG202", 23),                # jwt_secret (a setting, not the `_secret` form of `jwt`)
        ("AG202", 26),                # an API key in the OpenLineage transport
    }
    _no_leak(run_cli, tmp_path, ["Tst-Cfg-Meta-Pw-21", "AKIATSTCFGSESUSER001", "Tst-Cfg-Ses-Smtp-Pw-22",
                                 "Tst-Cfg-Flower-Pw-23", "Tst-Cfg-Jwt-Secret-24", "Tst-Cfg-Ol-Key-25"])


# --------------------------------------------------------------------------------------------- Helm charts

OFFICIAL = """\
defaultAirflowRepository: apache/airflow
executor: CeleryExecutor
fernetKeySecretName: airflow-fernet-key
enableBuiltInSecretEnvVars:
  AIRFLOW__CORE__FERNET_KEY: true
  AIRFLOW__WEBSERVER__SECRET_KEY: false
data:
  metadataConnection:
    user: meta
    pass: Tst-Helm-Meta-Pw-26
    host: meta.cluster-abc123def456.eu-west-1.rds.amazonaws.com
    sslmode: disable
  brokerUrl: redis://:Tst-Helm-Broker-Pw-27@redis:6379/0
env:
  - name: DD_API_KEY
    value: "tst0helm0datadog0api0key0000028"
  - name: DD_SITE
    value: "datadoghq.eu"
  - name: AIRFLOW_VAR_SLACK_WEBHOOK_URL
    value: "https://hooks.slack.com/services/T0TST0AC/B0TSTPRD/TstFakeProdWebhook29"
config:
  smtp:
    smtp_user: AKIATSTHELMSESUSER01
  webserver:
    web_server_ssl_key: /opt/airflow/certs/tls.key
  kafka:
    sasl_enabled: 'False'
  secrets:
    backend: airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend
webserver:
  defaultUser:
    enabled: true
    password: Tst-Helm-Default-User-30
dags:
  gitSync:
    repo: https://ci-bot:Tst-Helm-Git-Pat-31@github.com/acme/dags.git
flower:
  username: admin
  password: Tst-Helm-Flower-Pw-49
"""
UMBRELLA = """\
airflow:
  executor: KubernetesExecutor
  webserverSecretKey: Tst-Umbrella-Web-Key-32
  data:
    metadataConnection:
      user: meta
      pass: Tst-Umbrella-Meta-Pw-33
      host: meta-stg.cluster-abc123def456.eu-west-1.rds.amazonaws.com
      sslmode: require
  config:
    api_auth:
      jwt_secret: Tst-Umbrella-Jwt-34
"""
COMMUNITY = """\
airflow:
  legacyCommands: false
  executor: CeleryExecutor
  fernetKey: "Tst0Community0Fernet0Key0000000000000000035="
  config:
    AIRFLOW__CORE__LOAD_EXAMPLES: "False"
  users:
    - username: admin
      password: Tst-Community-Admin-36
      role: Admin
    - username: viewer
      password: ${VIEWER_PASSWORD}
  connections:
    - id: warehouse
      type: postgres
      host: wh.cluster-abc123def456.us-east-1.rds.amazonaws.com
      login: loader
      password: Tst-Community-Wh-37
    - id: aws_legacy
      type: aws
      extra: |-
        { "aws_access_key_id": "AKIATSTCOMMUNITY0001",
          "aws_secret_access_key": "TstCommunityLegacySecret0123456789abcdefGH",
          "region_name": "us-east-1" }
  variables:
    - key: "vendor_sftp_dsn"
      value: "sftp://upload:Tst-Community-Sftp-38@sftp.example.com:22/in"
    - key: "environment"
      value: "prod"
  extraEnv:
    - name: DATADOG_API_KEY
      value: "tst0community0datadog0key0000039"
externalDatabase:
  type: postgres
  host: meta.cluster-abc123def456.us-east-1.rds.amazonaws.com
  passwordSecret: airflow-metadata-db
  properties: "?sslmode=disable"
redis:
  password: Tst-Community-Redis-40
"""


def test_official_umbrella_and_community_chart_values(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "official/values.yaml", OFFICIAL)
    _write(tmp_path, "umbrella/values-staging.yaml", UMBRELLA)
    _write(tmp_path, "community/values.yaml", COMMUNITY)
    report = _scan(run_cli, tmp_path)
    assert _found(report, "official/values.yaml") == {
        ("AG202", 10),                # metadataConnection.pass
        ("AG103", 12),                # metadataConnection.sslmode: disable to RDS
        ("AG202", 13),                # brokerUrl with a password
        ("AG302", 16),                # DD_API_KEY in env
        ("AG302", 20),                # a Slack webhook in a Variable
        ("AG301", 23),                # SES SMTP user
        ("AG202", 33),                # webserver.defaultUser.password
        ("AG302", 36),                # a token in the git-sync repository URL
        ("AG202", 39),                # flower.password (the chart's Flower basic auth)
    }
    assert _found(report, "umbrella/values-staging.yaml") == {("AG201", 2), ("AG202", 3), ("AG202", 7), ("AG202", 12)}
    assert _found(report, "community/values.yaml") == {
        ("AG201", 1),                 # no secrets backend in this deployment
        ("AG202", 4),                 # airflow.fernetKey
        ("AG202", 9),                 # users[].password
        ("AG102", 16), ("AG101", 18),
        ("AG104", 22), ("AG104", 23),  # key id and secret on two lines of the extra
        ("AG101", 27),                # a DSN in a Variable
        ("AG302", 32),                # extraEnv
        ("AG103", 37),                # externalDatabase.properties
        ("AG202", 39),                # redis.password
    }
    assert report["errors"] == []
    _no_leak(run_cli, tmp_path, ["Tst-Helm-Meta-Pw-26", "Tst-Helm-Broker-Pw-27", "tst0helm0datadog0api0key0000028",
                                 "TstFakeProdWebhook29", "AKIATSTHELMSESUSER01", "Tst-Helm-Default-User-30",
                                 "Tst-Helm-Git-Pat-31", "Tst-Helm-Flower-Pw-49", "Tst-Umbrella-Web-Key-32", "Tst-Umbrella-Meta-Pw-33",
                                 "Tst-Umbrella-Jwt-34", "Tst0Community0Fernet0Key0000000000000000035=",
                                 "Tst-Community-Admin-36", "Tst-Community-Wh-37", "AKIATSTCOMMUNITY0001",
                                 "TstCommunityLegacySecret0123456789abcdefGH", "Tst-Community-Sftp-38",
                                 "tst0community0datadog0key0000039", "Tst-Community-Redis-40"])


TEMPLATE = """\
{{- if .Values.enabled }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-connections
  labels:
    {{- include "chart.labels" . | nindent 4 }}
stringData:
  AIRFLOW_CONN_WAREHOUSE: {{ printf "postgresql://%s:%s@%s/dw" .Values.user .Values.password .Values.host | quote }}
  AIRFLOW_CONN_JSON: |-
    {"conn_type": "postgres", "host": {{ .Values.host | quote }}, "password": {{ .Values.password | quote }}}
  AIRFLOW_CONN_TYPED_IN: "postgresql://etl:Tst-Template-Literal-41@{{ .Values.host }}/dw"
{{- end }}
"""


def test_helm_templates_are_read_leniently_without_an_error(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "chart/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 0.1.0\n")
    _write(tmp_path, "chart/templates/secret.yaml", TEMPLATE)
    result = run_cli("scan", ".", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 1, result.stderr   # findings, and no exit 3: the scan is complete
    report = result.json()
    assert report["errors"] == []
    # what the chart fills in is no literal; what is typed into the template is
    assert _found(report, "chart/templates/secret.yaml") == {("AG101", 12)}
    assert "Tst-Template-Literal-41" not in result.stdout


# --------------------------------------------------------------------------------------------- YAML, JSON exports

SETTINGS = """\
airflow:
  connections:
    - conn_id: orders_rw
      conn_type: postgres
      conn_host: orders.internal.example.com
      conn_password: &orders_pw Tst-Anchor-Pw-42
    - conn_id: orders_backfill
      conn_type: postgres
      conn_host: backfill.internal.example.com
      conn_password: *orders_pw
  variables:
    - variable_name: orders_api_token
      variable_value: Tst-Astro-Var-Token-43
    - variable_name: orders_db_secret_name
      variable_value: prod/orders/db
"""
VARIABLES = """\
{
    "dbt_target": "prod",
    "client_secret": "Tst-Var-Client-Secret-44",
    "reports_dsn": "mysql://app:Tst-Var-Reports-Dsn-45@reports.cluster-abc123def456.us-east-1.rds.amazonaws.com:3306/r",
    "warehouse_secret_name": "airflow/prod/connections/warehouse",
    "template_dsn": "postgresql://{{ conn.wh.login }}@{{ conn.wh.host }}/wh",
    "pagerduty_routing_key": "R0TST0PAGERDUTY0ROUTING0KEY0046",
    "sftp_private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\\nTstKeyMaterialNotARealKey0123456789abcdefghijklmnop\\n-----END OPENSSH PRIVATE KEY-----\\n",
    "feature_flags": {"dry_run": false}
}
"""
EXPORT = """\
smtp_default:
  conn_type: email
  host: email-smtp.eu-west-1.amazonaws.com
  login: AKIATSTEXPORTSES0001
  password: Tst-Export-Smtp-Pw-47
aws_partner:
  conn_type: aws
  login: AKIATSTEXPORTAWS0001
  password: TstExportPartnerSecret0123456789abcdefGHI
"""


def test_settings_alias_variables_and_connection_exports(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "airflow_settings.yaml", SETTINGS)
    _write(tmp_path, "ops/variables.json", VARIABLES)
    _write(tmp_path, "ops/connections.yaml", EXPORT)
    report = _scan(run_cli, tmp_path)
    # the password is reported where it is written and where an alias puts it into a second connection
    assert _found(report, "airflow_settings.yaml") == {("AG101", 6), ("AG101", 10), ("AG302", 13)}
    assert _found(report, "ops/variables.json") == {("AG302", 3), ("AG101", 4), ("AG102", 4), ("AG302", 7),
                                                    ("AG302", 8)}
    assert _found(report, "ops/connections.yaml") == {("AG301", 4), ("AG101", 5), ("AG104", 8), ("AG104", 9)}
    _no_leak(run_cli, tmp_path, ["Tst-Anchor-Pw-42", "Tst-Astro-Var-Token-43", "Tst-Var-Client-Secret-44",
                                 "Tst-Var-Reports-Dsn-45", "R0TST0PAGERDUTY0ROUTING0KEY0046",
                                 "TstKeyMaterialNotARealKey0123456789abcdefghijklmnop", "AKIATSTEXPORTSES0001",
                                 "Tst-Export-Smtp-Pw-47", "AKIATSTEXPORTAWS0001",
                                 "TstExportPartnerSecret0123456789abcdefGHI"])


# --------------------------------------------------------------------------------------------- MWAA

TERRAFORM = """\
resource "aws_mwaa_environment" "finance" {
  name = "finance-prod"
  airflow_configuration_options = {
    "core.load_examples"   = "false"
    "secrets.backend"      = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    "smtp.smtp_user"       = "AKIATSTMWAASESUSER01"
    "smtp.smtp_password"   = "Tst-Mwaa-Smtp-Pw-48"
    "webserver.secret_key" = var.webserver_secret_key
  }
}
"""


def test_mwaa_configuration_options_in_terraform(run_cli, tmp_path: Path) -> None:
    _write(tmp_path, "infra/mwaa.tf", TERRAFORM)
    report = _scan(run_cli, tmp_path)
    assert _found(report, "infra/mwaa.tf") == {("AG301", 6), ("AG202", 7)}
    _no_leak(run_cli, tmp_path, ["AKIATSTMWAASESUSER01", "Tst-Mwaa-Smtp-Pw-48"])


# --------------------------------------------------------------------------------------------- AG201 per deployment

COMPOSE = """\
x-common: &common
  environment: &env
    AIRFLOW__CORE__EXECUTOR: CeleryExecutor
services:
  scheduler:
    <<: *common
  worker:
    <<: *common
    environment:
      <<: *env
      AIRFLOW__CORE__PARALLELISM: "8"
  webserver:
    environment:
      AIRFLOW__WEBSERVER__EXPOSE_CONFIG: "False"
"""


@pytest.mark.parametrize(("backend_in", "expected"), [
    (None, {("AG201", "compose/docker-compose.yaml")}),        # once per deployment, not per service
    ("compose/config/airflow.cfg", set()),                     # config/ mounted by the compose project
    ("compose/.env", set()),                                   # the .env next to the compose file
    ("elsewhere/.env", {("AG201", "compose/docker-compose.yaml")}),  # another deployment's backend
])
def test_no_secrets_backend_is_judged_once_per_deployment(run_cli, tmp_path: Path, backend_in: str | None,
                                                          expected: set[tuple[str, str]]) -> None:
    _write(tmp_path, "compose/docker-compose.yaml", COMPOSE)
    backend = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
    if backend_in is not None and backend_in.endswith(".cfg"):
        _write(tmp_path, backend_in, f"[core]\nexecutor = CeleryExecutor\n\n[secrets]\nbackend = {backend}\n")
    elif backend_in is not None:
        _write(tmp_path, backend_in, f"AIRFLOW__SECRETS__BACKEND={backend}\n")
    report = _scan(run_cli, tmp_path)
    found = {(f["rule_id"], f["location"]["path"]) for f in report["findings"] if f["rule_id"] == "AG201"}
    assert found == expected
