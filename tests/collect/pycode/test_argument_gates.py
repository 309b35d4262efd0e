"""`Analyzer._secret_arguments` lets a literal under a plain argument name (`_plain_argument`) go without
evaluating it, paying for its evaluation with `Evaluator.spend_constant`: a plain name must be one under which
`_named_kind` finds nothing in any text, and the budgets must run out exactly where evaluating it makes them."""

from __future__ import annotations

import ast

import pytest

from scanner.collect.pycode import analyzer
from scanner.collect.pycode.values import Evaluator, Scope
from tests.conftest import FIXTURES, REPO

_NAMES = [
    "task_id", "bash_command", "sql", "retries", "owner", "dag", "conn_id", "postgres_conn_id", "password",
    "PASSWORD", "db_password", "DB_PASS", "pass_through", "passwd", "pwd", "db_pw", "PGPASSWORD", "pgpassword",
    "PgPassword", "PGPASS", "pgpass", "MYSQL_PWD", "mysql_pwd", "token", "api_key", "apikey", "ApiKey", "key",
    "s3_key", "secret", "client_secret", "SecretId", "secret_name", "aws_access_key_id", "AccessKeyId",
    "aws_secret_access_key", "SecretAccessKey", "aws_session_token", "Authorization", "bearer", "credentials",
    "private_key", "token_url", "password_env_var", "keyfile_dict", "datadog_api_key", "dd_app_key", "value",
    "Value", "name", "pass", "pw", "passphrase", "auth", "x_api_key", "KEY_ID", "kms_key_id",
]
_TEXTS = [
    "", "a", "not a secret at all", "Sup3r-S3cret-Passw0rd!", "AKIAIOSFODNN7EXAMPLE", "AKIAZZPRETESTKEY0001",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "ghp_" + "a1B2" * 9, "xoxb-123456789012-abcdefghijkl",
    "Bearer abcdefghijklmnop", "changeme", "${PASSWORD}", "{{ var.value.pw }}", "0123456789abcdef0123456789abcdef",
    "prod/orders/db", "12345", "s3://bucket/key/path", "hunter2hunter2",
]


def _argument_names() -> set[str]:
    """Every keyword argument name of the tests' and fixtures' Python files, and the names above."""
    found = set(_NAMES)
    for root in (REPO / "tests", FIXTURES):
        for path in sorted(root.rglob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, ValueError, UnicodeDecodeError):
                continue
            found.update(node.arg for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg)
    return found


def test_a_plain_argument_name_holds_no_named_credential_in_any_text() -> None:
    names = _argument_names()
    plain = {name for name in names if analyzer._plain_argument(name)}
    assert len(plain) > 100 and len(names) - len(plain) > 30
    for name in names:
        kinds = {analyzer._named_kind(name, text, "password-argument") for text in _TEXTS}
        named = kinds != {None} or name in (*analyzer._AWS_KEY_ID_ARGUMENTS, *analyzer._AWS_SECRET_ARGUMENTS)
        if named:
            assert name not in plain, name
        if name not in plain:  # what makes a name not plain: a secret name, a client password variable, AWS
            assert named or analyzer.secret_shapes.name_strength(name) is not None \
                or analyzer._client_password_name(name, None), name
    # the answer is kept: asked again, the same
    assert {name for name in names if analyzer._plain_argument(name)} == plain


@pytest.mark.parametrize("file_left", [5, 1, 0, -3])
def test_spend_constant_spends_what_evaluating_a_constant_spends(file_left: int) -> None:
    def state(evaluator: Evaluator) -> tuple[int, int, bool, int]:
        return evaluator._floor, evaluator.file_left, evaluator.exhausted, evaluator._cuts

    evaluated, spent = Evaluator(), Evaluator()
    evaluated.file_left = spent.file_left = file_left
    for _ in range(3):
        value = evaluated.evaluate(ast.Constant("a literal text"), Scope()).value
        spent.spend_constant()
        assert state(spent) == state(evaluated)
        assert (value == "a literal text") == (evaluated.file_left >= 0)


@pytest.mark.parametrize("file_left", [5, 3, 2, 1, 0, -3])
@pytest.mark.parametrize("count", [1, 2, 3])
def test_spending_constants_at_once_spends_what_evaluating_each_spends(file_left: int, count: int) -> None:
    def state(evaluator: Evaluator) -> tuple[int, int, bool, int]:
        return evaluator._floor, evaluator.file_left, evaluator.exhausted, evaluator._cuts

    evaluated, spent = Evaluator(), Evaluator()
    evaluated.file_left = spent.file_left = file_left
    for _ in range(2):
        for _ in range(count):
            evaluated.evaluate(ast.Constant("a literal text"), Scope())
        spent.spend_constant(count)
        assert state(spent) == state(evaluated)
