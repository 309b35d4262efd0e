"""Which collector reads a file: judged by its name (`kind_of`), or by its content when it is named
explicitly whatever its name (`sniff`). Shared by the collectors and by the suppression-comment reader,
which reads comments the way the file's collector reads the file."""

from __future__ import annotations

import re
from pathlib import Path

ENV_NAMES = {".env", ".envrc", "env"}
ENV_SUFFIXES = (".env", ".sh", ".bash", ".zsh", ".envrc")
YAML_SUFFIXES = (".yml", ".yaml")
PIP_CONFIG_NAMES = ("pip.conf", "pip.ini", ".pypirc")


def is_dockerfile(name: str) -> bool:
    lowered = name.lower()
    return lowered in ("dockerfile", "containerfile") or lowered.startswith(("dockerfile.", "containerfile.")) or \
        lowered.endswith((".dockerfile", ".containerfile"))


def is_requirements(name: str) -> bool:
    lowered = name.lower()
    if lowered in PIP_CONFIG_NAMES:
        return True
    if not lowered.endswith((".txt", ".in", ".pip")):
        return False
    return lowered.startswith(("requirements", "constraints", "dev-requirements", "test-requirements")) or \
        lowered.endswith((".pip", "-requirements.txt", "_requirements.txt"))


def kind_of(path: Path) -> str | None:
    """Which collector reads a file, judged by its name."""
    return kind_of_name(path.name)


def kind_of_name(name: str) -> str | None:
    """`kind_of` for a file name (the walk of a tree has names, not paths)."""
    name = name.lower()
    if name in ENV_NAMES or name.startswith(".env.") or name.endswith(ENV_SUFFIXES):
        return "env"
    if is_dockerfile(name):
        return "dockerfile"
    if is_requirements(name):
        return "requirements"
    if name.endswith((".tf", ".tfvars")):
        return "terraform"
    if name.endswith(YAML_SUFFIXES):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    if name == "airflow.cfg" or name.endswith((".cfg", ".ini")):
        return "cfg"
    if name.endswith(".py"):
        return "python"
    return None


def sniff(text: str) -> str:
    """The kind of a file named explicitly whatever its name, judged by its first lines."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if re.match(r"\[[A-Za-z_][\w.-]*\]\s*$", stripped.split("\n", 1)[0]) or "\n[core]" in text:
        return "cfg"
    if stripped.startswith(("{", "[")):
        return "json"
    first = stripped.split("\n", 1)[0]
    if "=" in first and ":" not in first.split("=", 1)[0]:
        return "env"
    return "yaml"
