"""Environment variables wherever they are written: `AIRFLOW_CONN_*` and `AIRFLOW__SECTION__KEY`."""

from __future__ import annotations

from scanner.airflow_config import ConfigBlock, build_config, env_setting
from scanner.collect.source import SourceFile, Span
from scanner.connections import conn_id_from_env, connection_from_value
from scanner.context import ScanContext
from scanner.model import Resource


def is_airflow_env(name: str) -> bool:
    return name.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))


class EnvBlock:
    """A group of env vars set together (a .env file, a compose service, a container's `env:`)."""

    def __init__(self, ctx: ScanContext, source: SourceFile, origin: str, name: str, span: Span) -> None:
        self.ctx = ctx
        self.source = source
        self.origin = origin
        self.config = ConfigBlock(origin=origin, location=source.span_location(span), name=name)
        self.resources: list[Resource] = []

    def add(self, name: str, value: object, span: Span, value_text_span: Span | None = None) -> None:
        """One variable; `span` is where the variable is written, `value_text_span` its value."""
        location = self.source.span_location(span)
        if value is None:
            return
        text = value if isinstance(value, str) else str(value)
        conn_id = conn_id_from_env(name)
        if conn_id is not None:
            search = value_text_span or span
            resource = connection_from_value(
                self.ctx, conn_id, text, origin=self.origin, location=location,
                locator=lambda needles: self.source.find(search, needles), env_var=name
            )
            if resource is not None:
                self.resources.append(resource)
            return
        setting = env_setting(name)
        if setting is not None:
            self.config.add(setting[0], setting[1], text, location)

    def finish(self) -> list[Resource]:
        config = build_config(self.ctx, self.config)
        return self.resources + ([config] if config else [])
