"""airguard's own inputs (configuration, baseline, AWS snapshot, rule files) are read with the same care as
scanned files: a pull request can plant any of them, as a symlink, a device or a crafted document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.conftest import OUTSIDE_SECRET, run_hostile


def _usage_error(run) -> str:
    assert run.exit_code == 2, run.stderr
    assert run.seconds < 15
    run.assert_clean()
    assert "Traceback" not in run.stderr
    return run.stderr.strip()


@pytest.mark.parametrize(("key", "target"), [("baseline", "/dev/zero"), ("aws-snapshot", "/dev/zero"),
                                             ("baseline", "OUTSIDE"), ("aws-snapshot", "OUTSIDE")])
def test_repo_config_cannot_point_own_files_at_devices_or_outside(repo: Path, outside: Path, key: str,
                                                                  target: str) -> None:
    link = repo / "own.json"
    link.symlink_to(outside / "credentials" if target == "OUTSIDE" else target)
    (repo / ".airguard.toml").write_text(f'{key} = "own.json"\n')
    message = _usage_error(run_hostile(repo, "."))
    assert message == f"airguard: error: .airguard.toml: {key} 'own.json' resolves outside the repository; not read"


def test_repo_config_cannot_name_a_rule_folder_outside(repo: Path, outside: Path) -> None:
    (repo / ".airguard.toml").write_text('rule-dirs = ["../outside"]\n')
    message = _usage_error(run_hostile(repo, "."))
    assert message == "airguard: error: .airguard.toml: rule-dirs '../outside' resolves outside the repository; not read"


def test_a_rule_file_linked_out_of_its_folder_is_refused(repo: Path, outside: Path) -> None:
    rules = repo / "myrules"
    rules.mkdir()
    (rules / "stolen.yaml").symlink_to(outside / "credentials")
    message = _usage_error(run_hostile(repo, ".", "--rules", "myrules"))
    assert message == ("airguard: error: invalid rules:\n"
                       "  stolen.yaml: refused: the path resolves outside the scanned folder (symlink?); not read")


def test_config_that_is_a_link_to_proc_is_refused(repo: Path) -> None:
    (repo / ".airguard.toml").symlink_to("/proc/self/environ")
    message = _usage_error(run_hostile(repo, "."))
    assert message == ("airguard: error: .airguard.toml: cannot read configuration "
                       "(refused: the path resolves into /proc, /sys or /dev; not read)")


@pytest.mark.parametrize("content", [
    '{"format": "airguard-baseline", "version": 1, "findings": [' + "1" * 5000 + "]}",
    '{"format": "airguard-baseline", "version": 1, "findings": ["\\ud800"]}',
    "[" * 100_000 + "]" * 100_000,
    "\x00\xff" * 1000,
])
def test_a_crafted_baseline_is_a_clear_error(repo: Path, content: str) -> None:
    (repo / "baseline.json").write_text(content, errors="surrogateescape")
    message = _usage_error(run_hostile(repo, ".", "--baseline", "baseline.json"))
    assert message.startswith("airguard: error: baseline baseline.json")


def test_a_baseline_given_as_a_device_is_refused_without_reading_it(repo: Path) -> None:
    message = _usage_error(run_hostile(repo, ".", "--baseline", "/dev/zero"))
    assert message == ("airguard: error: cannot read baseline /dev/zero: "
                       "refused: the path resolves into /proc, /sys or /dev; not read")


@pytest.mark.parametrize("content", [
    '{"format": "airguard-aws-snapshot", "version": ' + "9" * 5000 + "}",
    "[" * 100_000,
    json.dumps({"format": "airguard-aws-snapshot", "version": 1, "x": OUTSIDE_SECRET}),
])
def test_a_crafted_snapshot_is_a_clear_error(repo: Path, content: str) -> None:
    (repo / "snap.json").write_text(content)
    message = _usage_error(run_hostile(repo, ".", "--aws-snapshot", "snap.json"))
    assert message.startswith(("airguard: error: snap.json: ", "airguard: error: cannot read"))
