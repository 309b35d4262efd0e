"""User configuration: ``[tool.airguard]`` in pyproject.toml or ``.airguard.toml``, found upward."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from scanner import safeio
from scanner.records import Record

CONFIG_FILE = ".airguard.toml"
SEVERITIES = ("critical", "high", "medium", "low", "info")


class ConfigError(Exception):
    pass


class Config(Record):
    """The settings. A configuration file's table is validated by pydantic (`_validated`) and built into this
    class; a scan without one builds it directly, and so never imports pydantic. A plain record, not a dataclass:
    every scan imports this module, and a dataclass cost ~3.5M instructions to create."""

    # The settings a file may set, each with its declared type (as `_EXACT_TYPES` names it), in order.
    SETTINGS: ClassVar[dict[str, str]] = {"profile": "str", "fail_on": "str", "select": "list[str]", "ignore": "list[str]",
                "exclude": "list[str]", "rule_dirs": "list[str]", "baseline": "str | None",
                "aws_snapshot": "str | None", "parameters": "dict[str, Any]",
                "rule_parameters": "dict[str, dict[str, Any]]"}
    __slots__ = _fields = (*SETTINGS, "path")

    def __init__(self, profile: str = "default", fail_on: str = "low", select: list[str] | None = None,
                 ignore: list[str] | None = None, exclude: list[str] | None = None,
                 rule_dirs: list[str] | None = None, baseline: str | None = None, aws_snapshot: str | None = None,
                 parameters: dict[str, Any] | None = None,
                 rule_parameters: dict[str, dict[str, Any]] | None = None) -> None:
        self.profile = profile
        self.fail_on = fail_on
        self.select = [] if select is None else select
        self.ignore = [] if ignore is None else ignore
        self.exclude = [] if exclude is None else exclude
        self.rule_dirs = [] if rule_dirs is None else rule_dirs
        self.baseline = baseline
        self.aws_snapshot = aws_snapshot
        self.parameters = {} if parameters is None else parameters
        self.rule_parameters = {} if rule_parameters is None else rule_parameters
        # Where the file was found; relative paths in it are relative to its folder. Not a key of the file.
        self.path: Path | None = None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """How pydantic validates into a Config (`TypeAdapter(Config)`): the table as `_file_settings()`, then
        the Config built from what that gives."""
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(lambda settings: cls(**settings),
                                                            handler(_file_settings()))

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolved_aws_snapshot(self) -> Path | None:
        """The AWS snapshot named in the file (relative to it), evaluated with every scan."""
        return (self.base_dir / self.aws_snapshot).resolve() if self.aws_snapshot else None

    def resolved_rule_dirs(self) -> list[Path]:
        return [(self.base_dir / d).resolve() for d in self.rule_dirs]


# The file's spelling of the settings whose attribute name differs; the attribute name is accepted too.
FILE_KEYS = {"fail_on": "fail-on", "rule_dirs": "rule-dirs", "aws_snapshot": "aws-snapshot",
             "rule_parameters": "rule-parameters"}
_ATTRIBUTES = {key: name for name, key in FILE_KEYS.items()}


def default_config() -> Config:
    """The configuration when no file sets one."""
    return Config()


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
    for name in Config.SETTINGS:
        mine, theirs = getattr(config, name), getattr(other, name)
        if mine == theirs:
            continue
        key = FILE_KEYS.get(name, name)
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
    tool = data.get("tool", {})
    tool = tool if isinstance(tool, dict) else {}
    table = tool.get("airguard", {}) if path.name == "pyproject.toml" else tool.get("airguard", data)
    prefix = "[tool.airguard] " if path.name == "pyproject.toml" else ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path.name}: {prefix}must be a table")
    config = _validated(table, f"{path.name}: {prefix}")
    if config.fail_on not in SEVERITIES + ("none",):
        raise ConfigError(f"{path.name}: {prefix}'fail-on' must be one of {', '.join(SEVERITIES)} or none")
    if config.profile not in ("default", "strict"):
        raise ConfigError(f"{path.name}: {prefix}'profile' must be 'default' or 'strict'")
    config.path = path.resolve()
    return config


def _validated(table: dict[str, Any], where: str) -> Config:
    """A file's table (keys in either spelling) validated by pydantic into a Config; ConfigError names every
    problem, each after `where` (the file and table)."""
    twice = [key for key in _ATTRIBUTES if key in table and _ATTRIBUTES[key] in table]
    if twice:
        raise ConfigError("\n".join(f"{where}'{key}' is set twice (also as '{_ATTRIBUTES[key]}')" for key in twice))
    settings = {_ATTRIBUTES.get(key, key): value for key, value in table.items()}
    if _plainly_valid(settings):
        return Config(**settings)
    from pydantic import TypeAdapter, ValidationError

    from scanner.report.text import visible

    try:
        return TypeAdapter(Config).validate_python(settings)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            spelled = [FILE_KEYS.get(str(part), part) if index == 0 else part for index, part in enumerate(error["loc"])]
            named = visible(".".join(str(part) for part in spelled))  # key names come from the file
            if error["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
                problems.append(f"{where}unknown key '{named}'")
            else:
                problems.append(f"{where}'{named}': {error['msg']}")
        raise ConfigError("\n".join(problems)) from None


@cache
def _file_settings() -> type:
    """What pydantic checks a file's table against: a typed dict of `Config.SETTINGS` (every key optional, no
    other key), built when a table needs it."""
    from pydantic import ConfigDict, with_config
    from typing_extensions import TypedDict  # pydantic needs typing_extensions' before Python 3.12

    types = {"str": str, "str | None": str | None, "list[str]": list[str], "dict[str, Any]": dict[str, Any],
             "dict[str, dict[str, Any]]": dict[str, dict[str, Any]]}
    settings = TypedDict("ConfigFile", {name: types[kind] for name, kind in Config.SETTINGS.items()},  # type: ignore[misc]
                         total=False)
    return with_config(ConfigDict(extra="forbid"))(settings)


# A setting's declared type -> whether a value is exactly of that type as TOML gives it (pydantic accepts such
# a value unchanged). A type not named here always goes through pydantic.
_EXACT_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda value: type(value) is str,
    "str | None": lambda value: type(value) is str,
    "list[str]": lambda value: type(value) is list and all(type(item) is str for item in value),
    "dict[str, Any]": lambda value: type(value) is dict and all(type(key) is str for key in value),
    "dict[str, dict[str, Any]]": lambda value: type(value) is dict and all(
        type(key) is str and type(item) is dict and all(type(name) is str for name in item)
        for key, item in value.items()),
}


def _plainly_valid(settings: dict[str, Any]) -> bool:
    """Whether pydantic would take `settings` as they are: every key a setting of the file, every value exactly
    of its declared type. Then `Config` is built directly and pydantic is not imported (its import and
    validator were half of a pre-commit run in a project with a configuration file); anything else, and every
    problem's message, is pydantic's."""
    for name, value in settings.items():
        check = _EXACT_TYPES.get(Config.SETTINGS.get(name, ""))
        if check is None or not check(value):
            return False
    return True
