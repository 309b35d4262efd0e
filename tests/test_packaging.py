"""What users install: the wheel's contents and metadata, and both module entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    wheelhouse = REPO / ".wheelhouse"  # the README's test command puts hatchling there: builds offline
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--find-links",
                    str(wheelhouse), "-w", str(out), str(REPO)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("airguard-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_the_program_not_the_test_harness(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert {"scanner/cli.py", "airguard/__main__.py", "scanner/py.typed",
            "scanner/builtin_rules/connections/AG101-connection-literal-password.yaml",
            "scanner/builtin_rules/validated.sha256"} <= names  # built-in rules load without jsonschema
    assert not [n for n in names if n.endswith(("/testing.py", "/bench.py", "/local_aws.py"))]  # harness stays out
    assert not [n for n in names if n.startswith(("tests/", "fixtures/", "scripts/"))]


def test_the_wheel_metadata_names_licence_urls_and_python_versions(wheel: zipfile.ZipFile) -> None:
    (metadata_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = wheel.read(metadata_name).decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "License-File: LICENSE" in metadata
    assert any(n.endswith("licenses/LICENSE") for n in wheel.namelist())
    assert "Project-URL: Source, " in metadata
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Classifier: Programming Language :: Python :: {version}" in metadata
    assert "Requires-Python: >=3.10" in metadata


@pytest.mark.parametrize("module", ["airguard", "scanner"])
def test_python_dash_m_runs_the_command(module: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--version"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("airguard ")
