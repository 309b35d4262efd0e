"""User configuration: ``[tool.airguard]`` in pyproject.toml or ``.airguard.toml``, found upward."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner import safeio

CONFIG_FILE = ".airguard.toml"
SEVERITIES = ("critical", "high", "medium", "low", "info")


class ConfigError(Exception):
    pass


class Config(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", populate_by_name=True)

    profile: str = "default"
    fail_on: str = Field(default="low", alias="fail-on")
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    rule_dirs: list[str] = Field(default_factory=list, alias="rule-dirs")
    baseline: str | None = None
    aws_snapshot: str | None = Field(default=None, alias="aws-snapshot")
    parameters: dict[str, Any] = Field(default_factory=dict)
    rule_parameters: dict[str, dict[str, Any]] = Field(default_factory=dict, alias="rule-parameters")
    # Where the file was found; relative paths in it are relative to its folder.
    path: Path | None = Field(default=None, exclude=True)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolved_aws_snapshot(self) -> Path | None:
        """The AWS snapshot named in the file (relative to it), evaluated with every scan."""
        return (self.base_dir / self.aws_snapshot).resolve() if self.aws_snapshot else None

    def resolved_rule_dirs(self) -> list[Path]:
        return [(self.base_dir / d).resolve() for d in self.rule_dirs]


def default_config() -> Config:
    """The configuration when no file sets one: nothing to validate, so constructed. Its list and dict
    defaults are made here: `model_construct` would ask `inspect.signature` whether each factory takes the
    validated data, on every call (the first call also compiles tokenize's pattern: ~2 ms of a start)."""
    empty = {name: field.default_factory() for name, field in Config.model_fields.items()
             if field.default_factory in (list, dict)}
    return Config.model_construct(_fields_set=set(), **empty)


# What each setting does when a configuration changes it (said when a fork's configuration is ignored).
_EFFECTS = {
    "select": "only these rules would run",
    "ignore": "these rules would be switched off",
    "exclude": "these paths would not be scanned",
    "rule_dirs": "rules would be loaded from these folders",
    "baseline": "findings recorded in this baseline would not count",
    "fail_on": "the lowest severity that fails",
    "profile": "the parameter profile",
    "aws_snapshot": "this AWS snapshot would be evaluated",
}


def config_differences(config: Config, other: Config) -> list[tuple[str, str]]:
    """What `config` sets differently from `other`, as (setting, value and effect) pairs in the file's
    own key names: `("ignore", "AG101, AG102 (these rules would be switched off)")`."""
    changes: list[tuple[str, str]] = []
    for name, field in Config.model_fields.items():
        if name == "path":
            continue
        mine, theirs = getattr(config, name), getattr(other, name)
        if mine == theirs:
            continue
        key = field.alias or name
        if name == "parameters":
            changes += [(f"parameters.{k}", repr(v)) for k, v in sorted(mine.items()) if theirs.get(k) != v]
        elif name == "rule_parameters":
            changes += [(f"rule-parameters.{rule}.{k}", repr(v)) for rule, values in sorted(mine.items())
                        for k, v in sorted(values.items()) if theirs.get(rule, {}).get(k) != v]
        else:
            value = ", ".join(mine) if isinstance(mine, list) else str(mine)
            changes.append((key, f"{value or '(none)'} ({_EFFECTS[name]})" if name in _EFFECTS else value))
    return changes


def _toml() -> ModuleType:
    """The TOML parser, imported when a TOML file is there to read: a tree without one never needs it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def find_config(start: Path) -> Path | None:
    """The nearest .airguard.toml, or pyproject.toml with a [tool.airguard] table, upward from start."""
    directory = start.resolve()
    if directory.is_file():
        directory = directory.parent
    for folder in (directory, *directory.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _names_airguard(pyproject):
            return pyproject
        if (folder / ".git").exists():
            break
    return None


def _names_airguard(pyproject: Path) -> bool:
    """Whether this pyproject.toml has a `tool.airguard` entry (an unreadable or invalid file has none)."""
    try:
        text = safeio.read_text(pyproject, safeio.CONFIG_CAP)
    except (safeio.ReadRefused, ValueError):
        return False
    # Most projects' pyproject.toml never mention airguard: not parsed then (importing tomllib is ~6M
    # instructions, parsing ~2M a KB: 1-3 % of a small scan). Only a backslash can spell the name otherwise:
    # an escape in a quoted key or string (`"\u0061irguard"`), a line continuation in a string.
    if "airguard" not in text and "\\" not in text:
        return False
    tomllib = _toml()
    try:
        return "airguard" in tomllib.loads(text).get("tool", {})
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return False


def load_config(path: Path) -> Config:
    tomllib = _toml()
    try:
        data = tomllib.loads(safeio.read_text(path, safeio.CONFIG_CAP))
    except safeio.ReadRefused as exc:
        raise ConfigError(f"{path.name}: cannot read configuration ({exc.message})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer past Python's digit limit, deep nesting
        raise ConfigError(f"{path.name}: invalid TOML: {type(exc).__name__}") from None
    table = data.get("tool", {}).get("airguard", {}) if path.name == "pyproject.toml" else data.get("tool", {}).get(
        "airguard", data)
    prefix = "[tool.airguard] " if path.name == "pyproject.toml" else ""
    try:
        config = Config.model_validate(table)
    except ValidationError as exc:
        from scanner.report.text import visible

        problems = []
        for error in exc.errors():
            where = visible(".".join(str(p) for p in error["loc"]))  # key names come from the file
            if error["type"] == "extra_forbidden":
                problems.append(f"{path.name}: {prefix}unknown key '{where}'")
            else:
                problems.append(f"{path.name}: {prefix}'{where}': {error['msg']}")
        raise ConfigError("\n".join(problems)) from None
    if config.fail_on not in SEVERITIES + ("none",):
        raise ConfigError(f"{path.name}: {prefix}'fail-on' must be one of {', '.join(SEVERITIES)} or none")
    if config.profile not in ("default", "strict"):
        raise ConfigError(f"{path.name}: {prefix}'profile' must be 'default' or 'strict'")
    config.path = path.resolve()
    return config
