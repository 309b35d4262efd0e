"""Where airguard keeps its caches (validated rules, per-file collection results)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    """`$AIRGUARD_CACHE_DIR` (set but empty = caching off), else `$XDG_CACHE_HOME/airguard` or ~/.cache/airguard."""
    configured = os.environ.get("AIRGUARD_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "airguard" if base else Path.home() / ".cache" / "airguard"
