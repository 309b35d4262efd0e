"""`scanner.collect.files.discover`: the listing of a scan's files, as reports name them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.collect.files import _relative_prefix, discover
from scanner.context import ScanContext
from scanner.filekinds import kind_of


def _tree(base: Path) -> None:
    for relative in ("repo/.env", "repo/dags/a.py", "repo/dags/sub/b.py", "repo/dags/notes.md",
                     "repo/helm/values.yaml", "repo/.git/config.yaml", "outside/c.py", "outside/d/.env"):
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _expected(ctx: ScanContext, top: Path) -> list[tuple[str, str, str]]:
    """What discover lists, by the definitions it stands for: every file under `top` with a kind, outside
    the skipped folders, named by `ScanContext.relpath`."""
    listed = []
    for directory, subdirs, names in os.walk(top):
        subdirs[:] = [d for d in subdirs if d != ".git"]
        for name in names:
            path = Path(directory) / name
            if (kind := kind_of(path)) is not None:
                listed.append((str(path), kind, ctx.relpath(path)))
    return sorted(listed, key=lambda item: item[2])


def _listing(ctx: ScanContext, paths: list[Path], excludes: list[str] | None = None) -> list[tuple[str, str, str]]:
    return [(str(path), kind, relative) for path, kind, relative in discover(ctx, paths, excludes or [])]


@pytest.mark.parametrize("top", ["repo", "repo/dags", "outside", ""])
def test_discover_names_files_as_relpath_does(tmp_path: Path, top: str) -> None:
    _tree(tmp_path)
    ctx = ScanContext(root=tmp_path / "repo")
    listed = _listing(ctx, [tmp_path / top])
    assert listed == _expected(ctx, tmp_path / top)
    relatives = [relative for _, _, relative in listed]
    if top == "repo":
        assert relatives == [".env", "dags/a.py", "dags/sub/b.py", "helm/values.yaml"]
    if top == "outside":   # outside the report root: absolute paths, never shortened to a name
        assert relatives == [str(tmp_path / "outside/c.py"), str(tmp_path / "outside/d/.env")]


def test_discover_lists_a_file_once_when_scan_paths_overlap(tmp_path: Path) -> None:
    _tree(tmp_path)
    ctx = ScanContext(root=tmp_path / "repo")
    listed = _listing(ctx, [tmp_path / "repo", tmp_path / "repo/dags", tmp_path / "repo/dags/a.py"])
    assert [relative for _, _, relative in listed] == [".env", "dags/a.py", "dags/sub/b.py", "helm/values.yaml"]


def test_discover_from_a_relative_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.walk(".") names files "./x", their Paths "x": the listing holds the Paths' text."""
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path / "repo")
    ctx = ScanContext(root=tmp_path / "repo")
    listed = _listing(ctx, [Path("."), Path("dags")])
    assert listed == [(".env", "env", ".env"), ("dags/a.py", "python", "dags/a.py"),
                      ("dags/sub/b.py", "python", "dags/sub/b.py"),
                      ("helm/values.yaml", "yaml", "helm/values.yaml")]


def test_discover_excludes_by_report_path(tmp_path: Path) -> None:
    _tree(tmp_path)
    ctx = ScanContext(root=tmp_path / "repo")
    listed = _listing(ctx, [tmp_path / "repo"], ["dags/sub", "*.yaml"])
    assert [relative for _, _, relative in listed] == [".env", "dags/a.py"]


def test_relative_prefix() -> None:
    root = os.sep + "r"
    assert _relative_prefix(root, root) == ""
    assert _relative_prefix(root + os.sep + "a" + os.sep + "b", root) == "a/b/"
    assert _relative_prefix(os.sep + "rx", root) is None   # a sibling whose name starts like the root's
    assert _relative_prefix(root + os.sep + ".." + os.sep + "x", root) is None
    assert _relative_prefix(os.sep + "elsewhere", root) is None


def _symlinked_tree(base: Path) -> None:
    """`_tree` plus the ways a path can reach the root other than as written: a link to the root, a link to
    one of its folders, and file links into and out of it."""
    _tree(base)
    (base / "root-link").symlink_to(base / "repo")
    (base / "dags-link").symlink_to(base / "repo/dags")
    (base / "outside/into.py").symlink_to(base / "repo/dags/a.py")       # outside, pointing in
    (base / "repo/dags/out.py").symlink_to(base / "outside/c.py")        # inside, pointing out
    (base / "repo/dags/sub/dangling.py").symlink_to(base / "gone.py")


@pytest.mark.parametrize(("root", "top"), [
    ("repo", "repo"), ("repo", "dags-link"), ("repo", "outside"), ("repo", ""),
    ("root-link", "repo"), ("root-link", "root-link"), ("root-link", "dags-link"), ("root-link", "outside"),
])
def test_discover_names_files_as_relpath_does_through_symlinks(tmp_path: Path, root: str, top: str) -> None:
    """A folder's prefix is decided once for its files (`_folder_prefix`): the names must be relpath's for
    each file, a file link asked about itself, whether the root or the scanned folder is reached through a
    link or lies outside the root."""
    _symlinked_tree(tmp_path)
    ctx = ScanContext(root=tmp_path / root)
    listed = _listing(ctx, [tmp_path / top])
    # a link and its target can share a report path: their order between them is the walk's
    assert sorted(listed) == sorted(_expected(ctx, tmp_path / top))
    relatives = {relative for _, _, relative in listed}
    if top == "dags-link":   # reached through a link: named by its real place under the root
        assert {"a.py", "sub/b.py"} & relatives == set()
        assert {"dags/a.py", "dags/sub/b.py"} <= relatives
    if top == "outside":   # a link from outside into the root is named by where it points
        assert "dags/a.py" in relatives


def test_lexical_prefix() -> None:
    from scanner.collect.files import _lexical_prefix

    assert _lexical_prefix(os.sep + "r", os.sep + "r") == ""
    assert _lexical_prefix(os.sep + "r" + os.sep + "a", os.sep + "r") == "a/"
    assert _lexical_prefix(os.sep + "rx", os.sep + "r") is None
    assert _lexical_prefix(os.sep + "a" + os.sep + "b", os.sep) == "a/b/"
