"""`--dagbag`: load DAG folders with apache-airflow's own DagBag in a child process.

DagBag imports the DAG files, so their top-level code runs: in a contained child process (`sandbox.py`:
namespaces or an unprivileged user id; no view of this process, read-only installation and tree, no
survivors) with a scrubbed environment, a temporary AIRFLOW_HOME and a timeout. Without containment DagBag
mode is refused unless `--dagbag-unsandboxed` is given. Nothing here imports airflow: the check for it
looks at the installed files only.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "--dagbag needs apache-airflow: pip install 'airguard[airflow]'"
DEFAULT_TIMEOUT_SECONDS = 120.0


@dataclass
class DagbagRequest:
    paths: list[Path]
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    exclude: list[str] = field(default_factory=list)  # `--exclude` globs: their files' results are dropped


def airflow_available() -> bool:
    """True when apache-airflow 3.x (with `airflow.dag_processing.dagbag`) is installed, without importing it."""
    try:
        spec = importlib.util.find_spec("airflow")
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    return any((Path(location) / "dag_processing" / "dagbag.py").is_file()
               for location in (spec.submodule_search_locations or []))


_UNSANDBOXED = {"allowed": False}


def unsandboxed_allowed() -> bool:
    """Whether `--dagbag-unsandboxed` was given: DAG code may then run without containment."""
    return _UNSANDBOXED["allowed"]


def allow_unsandboxed() -> None:
    """`--dagbag-unsandboxed` was given (`scanner.cli`): when no containment is available, run DAG code
    without it (instead of exit 2)."""
    _UNSANDBOXED["allowed"] = True
