"""airguard on the labelled corpus of realistic projects (fixtures/realistic, see its README.md).

The labels say what a demanding user wants reported, line by line. airguard does not do all of it
yet, so the test holds it to: labels - KNOWN_MISSES + KNOWN_FALSE_ALARMS, exactly. A new miss or a
new false alarm fails, and so does a known one that got fixed: take it off the list (the failure
message says which). `scripts/detection_table.py` prints the same comparison with the peers.
"""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "detection_table.py"
CORPUS = REPO / "fixtures" / "realistic"


def _load_script():
    spec = importlib.util.spec_from_file_location("detection_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("detection_table", module)
    spec.loader.exec_module(module)
    return sys.modules["detection_table"]


dt = _load_script()

# ------------------------------------------------------------------------------------------------
# What airguard misses today: (rule id, path in the corpus, line, class). Each class is a to-do.
# ------------------------------------------------------------------------------------------------
VAR_DSN = "DSN with a password in an Airflow Variable (AIRFLOW_VAR_*, variables export/settings/chart)"
VAR_SECRET = "secret-valued Airflow Variable (token, webhook, key)"
CONN_EXTRA_TOKEN = "bearer token in a connection's extra (Authorization)"
ENV_AWS = "AWS keys in a .env file or a shell export"
DOCKERFILE = "Dockerfile ENV/ARG not read"
INDEX_TOKEN = "credentials in a package index / git URL"
YAML_ALIAS = "YAML alias reusing an anchored password: only the anchor line is reported"
OP_KWARGS = "password in PythonOperator op_kwargs"
BEARER = "bearer token literal in a headers dict"
BASH_ENV = "PGPASSWORD literal in BashOperator(env=...)"
K8S_ENV = "secret in KubernetesPodOperator V1EnvVar(value=...)"
ECS_ENV = "secret in ECS overrides environment"
WEBHOOK = "Slack webhook URL constant"
DEFAULT_ARG = "secret in a function default argument (custom hook/operator)"
SECRET_NAME_PW = "secret constant named *_PW not recognised (reported at the f-string that uses it)"
WWW_ADMIN = "web UI admin password (_AIRFLOW_WWW_USER_PASSWORD, airflow users create --password)"
PLAIN_ENV_SECRET = "password/key in a plain environment variable (.env, compose, chart env)"
META_TLS = "TLS off to RDS for the metadata database (sql_alchemy_conn, metadataConnection, externalDatabase)"
SES_USER = "SES SMTP user that is an AWS access key id"
CFG_EXTRA = "credential in an Airflow setting airguard does not know (flower_basic_auth, openlineage transport)"
URLCREATE_TLS = "URL.create: TLS finding at the call line, not the query= line"
CROSS_MODULE = "connection dict unpacked into a driver call in another module"
UMBRELLA = "umbrella chart: official chart values nested under `airflow:` not read"
AWS_CONN_LOGIN = "aws connection: key id in login not reported (only the secret)"
EMAIL_CONN_LOGIN = "SES key id as the login of an email connection"
CLI_CONN = "`airflow connections add --conn-uri/--conn-password` in a shell script"
CLI_VAR = "`airflow variables set` with a literal in a shell script"
SHELL_PW = "database password in a shell script (mysql -p..., export MYSQL_PWD=...)"
COMMUNITY = "community chart (airflow-helm) key not read"
HELM_BROKER = "Helm data.brokerUrl with a password"
HELM_TLS = "Helm metadataConnection.sslmode: disable to RDS"
MWAA_TF = "MWAA airflow_configuration_options in Terraform"

KNOWN_MISSES: list[tuple[str, str, int, str]] = [
    # astro-orders
    # dataplatform-monorepo
    # mwaa-finance
]

# ------------------------------------------------------------------------------------------------
# What airguard reports today on lines labelled ok or not labelled at all.
# ------------------------------------------------------------------------------------------------
ASSET = "Airflow 3 Asset URI read as a connection"
SECRET_NAME = "the name or id of a secret, not a secret (PASSWORD_KEY, SecretId, *_SECRET constants)"
AT_USE = "reported at the f-string that uses a password constant, not at the literal"
IAM_TOKEN = "password is an IAM auth token (generate_db_auth_token), or the engine signs one per connect"
STOCK_CFG = "stock airflow.cfg path or boolean read as a credential (ssl key path, sasl_*)"
BUILTIN_TOGGLE = "Helm enableBuiltInSecretEnvVars toggle read as a secret"
PLACEHOLDER = "placeholder in .env.example read as a secret"
GO_TEMPLATE = "Helm Go template read as a literal password"

KNOWN_FALSE_ALARMS: list[tuple[str, str, int, str]] = [
]


def _triples(entries: list[tuple[str, str, int, str]]) -> set[tuple[str, str, int]]:
    return {(rule, path, line) for rule, path, line, _ in entries}


@pytest.fixture(scope="module")
def labels():
    return dt.load_labels(CORPUS)


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, int]]:
    """One airguard scan of the whole corpus for the module: (rule id, corpus path, line)."""
    report = dt.airguard_report(CORPUS, env={"AIRGUARD_CACHE_DIR": str(tmp_path_factory.mktemp("corpus-cache"))})
    return {(f.rule, f.path, f.line) for f in dt.airguard_findings(report, CORPUS)}


def _where(triples) -> str:
    return "\n".join(f"  ({rule!r}, {path!r}, {line})," for rule, path, line in
                     sorted(triples, key=lambda t: (t[1], t[2], t[0])))


def test_labels_are_well_formed(labels) -> None:
    assert 80 <= len(labels.problems) and 40 <= len(labels.ok_lines)
    rule_id = re.compile(r"AG\d{3}")
    assert all(rule_id.fullmatch(rule) for rules in labels.problems.values() for rule in rules)
    # a labelled line is never blank, and a label never names a project-level rule
    for (path, line), rules in labels.by_line.items():
        assert (CORPUS / path).read_text(encoding="utf-8").splitlines()[line - 1].strip(), (path, line)
        assert not rules & dt.UNSCORED_RULES, (path, line)


def test_known_lists_are_consistent(labels) -> None:
    expected = labels.triples()
    misses, false_alarms = _triples(KNOWN_MISSES), _triples(KNOWN_FALSE_ALARMS)
    assert len(misses) == len(KNOWN_MISSES) and len(false_alarms) == len(KNOWN_FALSE_ALARMS), "duplicate entries"
    assert not misses - expected, "KNOWN_MISSES entries that are not labels:\n" + _where(misses - expected)
    assert not false_alarms & expected, "KNOWN_FALSE_ALARMS entries that are labels:\n" + _where(false_alarms & expected)


def test_airguard_matches_labels_minus_known_gaps(labels, reported) -> None:
    expected = labels.triples()
    misses, false_alarms = _triples(KNOWN_MISSES), _triples(KNOWN_FALSE_ALARMS)
    wanted = (expected - misses) | false_alarms
    problems = []
    new_misses = (expected - misses) - reported
    fixed_misses = misses & reported
    new_false_alarms = reported - expected - false_alarms
    fixed_false_alarms = false_alarms - reported
    if new_misses:
        problems.append("new misses (labelled, not reported):\n" + _where(new_misses))
    if fixed_misses:
        problems.append("known misses now reported: remove them from KNOWN_MISSES:\n" + _where(fixed_misses))
    if new_false_alarms:
        problems.append("new false alarms (reported, not labelled on that line):\n" + _where(new_false_alarms))
    if fixed_false_alarms:
        problems.append("known false alarms gone: remove them from KNOWN_FALSE_ALARMS:\n" + _where(fixed_false_alarms))
    assert reported == wanted, "\n".join(problems)


def test_nothing_is_reported_on_ok_lines_except_known(labels, reported) -> None:
    on_ok = {(rule, path, line) for rule, path, line in reported if (path, line) in labels.ok_lines}
    assert on_ok <= _triples(KNOWN_FALSE_ALARMS), _where(on_ok - _triples(KNOWN_FALSE_ALARMS))
