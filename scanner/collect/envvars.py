"""Environment variables wherever they are written: `AIRFLOW_CONN_*`, `AIRFLOW__SECTION__KEY`, `AIRFLOW_VAR_*`,
the official compose file's `_AIRFLOW_WWW_USER_PASSWORD`, and (where a block is known to be an environment:
.env files, shell exports, compose `environment:`, container `env:`) plain variables holding secrets."""

from __future__ import annotations

from scanner.airflow_config import ConfigBlock, build_config_resources, env_setting
from scanner.collect import credentials, variables
from scanner.connections import conn_id_from_env, connection_from_value
from scanner.context import ScanContext
from scanner.model import Resource
from scanner.source import SourceFile, Span

# The official docker-compose creates the web UI admin from these (airflow-init).
WWW_USER_PASSWORD = "_AIRFLOW_WWW_USER_PASSWORD"


# The prefixes of the variables Airflow reads itself (connections, settings, Variables).
AIRFLOW_ENV_PREFIXES = ("AIRFLOW_CONN_", "AIRFLOW__", variables.VAR_PREFIX)


def is_airflow_env(name: str) -> bool:
    return name.startswith(AIRFLOW_ENV_PREFIXES) or name == WWW_USER_PASSWORD


def is_env_name(name: object) -> bool:
    """A name a process environment can hold as written in config (`DD_API_KEY`, `dbt_password`)."""
    return isinstance(name, str) and 0 < len(name) <= 256 and (name[0].isalpha() or name[0] == "_") and \
        all(c.isalnum() or c == "_" for c in name)


class EnvBlock:
    """A group of env vars set together (a .env file, a compose service, a container's `env:`)."""

    def __init__(self, ctx: ScanContext, source: SourceFile, origin: str, name: str, span: Span,
                 lenient: bool = False) -> None:
        self.ctx = ctx
        self.source = source
        self.origin = origin
        self.lenient = lenient  # a templated file: a connection value that does not parse is a template
        self.config = ConfigBlock(origin=origin, location=source.span_location(span), name=name)
        self.resources: list[Resource] = []

    def add(self, name: str, value: object, span: Span, value_text_span: Span | None = None,
            plain: bool = False) -> None:
        """One variable; `span` is where the variable is written, `value_text_span` its value. `plain`: the
        block is an environment, so a variable of any name is judged (a secret in `DD_API_KEY`)."""
        location = self.source.span_location(span)
        if value is None:
            return
        text = value if isinstance(value, str) else str(value)
        search = value_text_span or span
        conn_id = conn_id_from_env(name)
        if conn_id is not None:
            if self.lenient and not _parses(text):
                return
            resource = connection_from_value(
                self.ctx, conn_id, text, origin=self.origin, location=location,
                locator=lambda needles: self.source.find(search, needles), env_var=name
            )
            if resource is not None:
                self.resources.append(resource)
                self.resources.extend(credentials.connection_login_key(
                    self.ctx, resource, lambda needles: self.source.find(search, needles)))
            return
        setting = env_setting(name)
        if setting is not None:
            self.config.add(setting[0], setting[1], text, location)
            return
        key = variables.key_from_env(name)
        if key is not None:
            self.resources.extend(variables.variable(
                self.ctx, key, text, location, origin=self.origin,
                locator=lambda needles: self.source.find(search, needles), via=f"env {name} (Airflow Variable)"))
            return
        if name == WWW_USER_PASSWORD:
            self.config.add("webserver_user", "password", text, location, secret=True)
            return
        if plain and is_env_name(name):
            if variables.is_dsn(text):  # `DATABASE_URL=postgresql://app:pw@host/db`: a connection in all but name
                resource = connection_from_value(
                    self.ctx, f"env:{name}", text.strip(), origin=self.origin, location=location,
                    locator=lambda needles: self.source.find(search, needles), env_var=name)
                if resource is not None:
                    self.resources.append(resource)
                return
            judged = credentials.judge(name, text)
            if judged is not None:
                kind, secret = judged
                where = self.source.find(search, [secret]) or location
                self.resources.append(credentials.resource(self.ctx, kind, secret, where, f"env {name}"))

    def finish(self) -> list[Resource]:
        return credentials.dedupe(self.resources + build_config_resources(self.ctx, self.config))


def _parses(value: str) -> bool:
    from scanner.airflow_uri import ConnectionValueError, parse_value

    try:
        parse_value(value)
    except ConnectionValueError:
        return False
    return True
