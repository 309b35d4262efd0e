"""`--no-repo-config`: a configuration the scanned tree carries (`.airguard.toml`, `[tool.airguard]` in
pyproject.toml) cannot switch rules off, exclude files, load its own rules or name a baseline that records
everything; `--config FILE` from a trusted place still applies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.conftest import GOOD_FINDING, run_hostile

GOOD = {GOOD_FINDING, ("AG102", "good.env", 1)}
BROKEN_RULE = "id: XX\nname: broken\n"   # fails the rule schema: a scan that loads it stops with exit 2


@pytest.mark.parametrize(("name", "text"), [
    (".airguard.toml", 'ignore = ["AG1"]\n'),
    (".airguard.toml", 'select = ["AG0"]\n'),
    (".airguard.toml", 'exclude = ["*.env"]\n'),
    (".airguard.toml", 'fail-on = "none"\n'),
    ("pyproject.toml", '[tool.airguard]\nignore = ["AG101", "AG102"]\n'),
])
def test_the_trees_own_config_applies_only_without_the_flag(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    changed = run_hostile(repo, ".")
    assert (changed.exit_code, changed.findings()) != (1, GOOD)   # the tree's config does change the scan ...
    run = run_hostile(repo, ".", "--no-repo-config")        # ... unless it is ignored
    assert (run.exit_code, run.findings()) == (1, GOOD), run.stderr
    run.assert_clean()


def test_a_rules_folder_and_a_baseline_of_the_tree_are_not_used(repo: Path) -> None:
    (repo / "myrules").mkdir()
    (repo / "myrules" / "xx.yaml").write_text(BROKEN_RULE)
    (repo / ".airguard.toml").write_text('rule-dirs = ["myrules"]\n')
    assert run_hostile(repo, ".").exit_code == 2
    assert run_hostile(repo, ".", "--no-repo-config").findings() == GOOD
    baseline = subprocess.run([sys.executable, "-m", "scanner", "baseline", "-o", "all.json", "."], cwd=repo,
                              env={**os.environ, "AIRGUARD_CACHE_DIR": ""}, capture_output=True, text=True,
                              check=False)
    assert baseline.returncode == 2   # the rules folder breaks `baseline` too ...
    baseline = subprocess.run([sys.executable, "-m", "scanner", "baseline", "--no-repo-config", "-o", "all.json",
                               "."], cwd=repo, env={**os.environ, "AIRGUARD_CACHE_DIR": ""}, capture_output=True,
                              text=True, check=False)
    assert baseline.returncode == 0, baseline.stderr  # ... and `baseline --no-repo-config` ignores it
    (repo / ".airguard.toml").write_text('baseline = "all.json"\n')
    assert run_hostile(repo, ".").findings() == set()  # everything is in the tree's baseline
    run = run_hostile(repo, ".", "--no-repo-config")
    assert run.findings() == GOOD and run.report()["summary"]["baselined"] == 0


def test_an_explicit_config_from_a_trusted_place_still_applies(repo: Path, tmp_path: Path) -> None:
    (repo / ".airguard.toml").write_text('ignore = ["AG101", "AG102"]\n')
    trusted = tmp_path / "trusted.toml"
    trusted.write_text('ignore = ["AG102"]\n')
    run = run_hostile(repo, ".", "--no-repo-config", "--config", str(trusted))
    assert run.findings() == {GOOD_FINDING}
    # a wrongly typed parameter in the tree's own config is not even read
    (repo / ".airguard.toml").write_text('[rule-parameters.AG507]\nmax_session_seconds = "abc"\n')
    assert run_hostile(repo, ".").exit_code == 2
    assert run_hostile(repo, ".", "--no-repo-config").exit_code == 1
