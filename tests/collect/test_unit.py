"""Outcomes merged into a scan share their strings: one object per distinct id, type, path, key and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import Config
from scanner.scan import run_scan
from tests.conftest import REPO


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_merged_resources_share_their_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str) -> None:
    monkeypatch.setenv("AIRGUARD_CACHE_DIR", str(tmp_path / "cache"))
    paths = [REPO / "fixtures" / "demo", REPO / "fixtures" / "collectors", REPO / "fixtures" / "dags"]
    result = run_scan(paths, Config(), REPO, jobs=1)
    if cache == "warm":
        result = run_scan(paths, Config(), REPO, jobs=1)
    files = [r for r in result.graph if r.source.file is not None]
    by_type: dict[str, list[int]] = {}
    for resource in files:
        by_type.setdefault(resource.type, []).append(id(resource.type))
    shared = [kind for kind, ids in by_type.items() if len(ids) > 1]
    assert shared and all(len(set(by_type[kind])) == 1 for kind in shared)
    for resource in files:
        paths_seen = {id(location.path) for location in resource.locations.values()
                      if location.path == resource.source.file.path}
        assert len(paths_seen) <= 1
    keys: dict[str, set[int]] = {}
    for resource in files:
        for key in resource.attributes:
            keys.setdefault(key, set()).add(id(key))
    assert all(len(ids) == 1 for ids in keys.values())
