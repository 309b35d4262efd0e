"""`scanner.safeio.read_regular`: a regular file's bytes, whole or its tail, never more than the cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner import safeio

MIB = 1024 * 1024


@pytest.mark.parametrize("size", [0, 1, MIB - 1, MIB, MIB + 1, 5 * MIB + 3])
def test_a_file_is_read_whole(tmp_path: Path, size: int) -> None:
    """Small files in one chunk, large ones in one read of their size (and a byte more, to see them grow)."""
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert safeio.read_regular(path, 8 * MIB) == data


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"y" * (2 * MIB + 1))
    with pytest.raises(safeio.ReadRefused) as refused:
        safeio.read_regular(path, 2 * MIB)
    assert refused.value.too_large
    assert safeio.read_regular(path, 2 * MIB + 1) == b"y" * (2 * MIB + 1)   # at the cap: read


def test_the_tail_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * (3 * MIB) + b"the end")
    assert safeio.read_regular(path, 1, tail=7) == b"the end"
    assert safeio.read_regular(path, 1, tail=3 * MIB + 7) == b"a" * (3 * MIB) + b"the end"
