"""One safe reader: nothing outside the scanned tree is read, no special file is opened, every file kind is
capped, and each refusal is a notice naming the path that makes the scan partial (exit 3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.conftest import GOOD_FINDING, OUTSIDE_SECRET, RUNNER_SECRET, run_hostile

REFUSED_OUTSIDE = "refused: the path resolves outside the scanned folder (symlink?); not read"
REFUSED_PSEUDO = "refused: the path resolves into /proc, /sys or /dev; not read"


def _read_errors(run) -> set[tuple[str, str, str]]:
    return {(n["path"], n["level"], n["message"]) for n in run.notices() if n["kind"] == "read-error"}


def test_symlink_to_proc_self_environ_is_not_read(repo: Path) -> None:
    (repo / "dags").mkdir()
    (repo / "dags" / "x.py").symlink_to("/proc/self/environ")
    (repo / "config.env").symlink_to("/proc/self/environ")
    run = run_hostile(repo, ".")
    run.assert_clean()
    assert run.exit_code == 1  # the good file's findings fail the scan; the refusals are errors too
    assert GOOD_FINDING in run.findings()
    # /proc/self/environ is outside the tree: refused on that ground before its file system is looked at
    assert _read_errors(run) == {("dags/x.py", "error", REFUSED_OUTSIDE), ("config.env", "error", REFUSED_OUTSIDE)}
    assert run.report()["summary"]["partial"] is True


def test_symlinks_to_files_outside_the_tree_are_not_read(repo: Path, outside: Path) -> None:
    (repo / "config").mkdir()
    (repo / "config" / ".env").symlink_to(outside / "credentials")
    (repo / "dags.py").symlink_to(outside / "credentials")
    (repo / "inside.env").symlink_to(repo / "good.env")  # inside the tree: read like any file
    run = run_hostile(repo, ".", "--fail-on", "none")
    run.assert_clean()
    assert run.exit_code == 3
    assert _read_errors(run) == {("config/.env", "error", REFUSED_OUTSIDE), ("dags.py", "error", REFUSED_OUTSIDE)}
    assert {GOOD_FINDING, ("AG101", "inside.env", 1)} <= run.findings()


def test_a_scan_path_that_is_a_symlink_out_of_the_tree_is_not_walked(repo: Path, outside: Path) -> None:
    (repo / "config").symlink_to("/")
    (repo / "other").symlink_to(outside)
    run = run_hostile(repo, "config", "other", "good.env", "--fail-on", "none", timeout=30)
    run.assert_clean()
    assert run.exit_code == 3
    assert run.seconds < 10
    assert _read_errors(run) == {("config", "error", REFUSED_OUTSIDE), ("other", "error", REFUSED_OUTSIDE)}
    assert run.findings() == {GOOD_FINDING, ("AG102", "good.env", 1)}


def test_symlinked_folders_inside_the_tree_are_not_followed(repo: Path) -> None:
    (repo / "loop").symlink_to(repo)
    (repo / "up").symlink_to(repo.parent)
    run = run_hostile(repo, ".", "--fail-on", "none", timeout=30)
    run.assert_clean()
    assert run.exit_code == 0
    assert run.findings() == {GOOD_FINDING, ("AG102", "good.env", 1)}


def _deep_folders(base: Path, levels: int) -> list[str]:
    """`levels` nested folders of 200-character names under `base`, made one beside the other through
    folder descriptors: their paths pass PATH_MAX (4096 bytes), which no path-based call can open."""
    names = [f"{index:02d}" + "d" * 198 for index in range(levels)]
    descriptor = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        secret = os.open(".env", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(secret, b"AIRFLOW_CONN_DEEP=postgres://u:Deep-Folder-Pw-77@db.example.com:5432/app\n")
        os.close(secret)
    finally:
        os.close(descriptor)
    return names


def test_a_folder_that_cannot_be_listed_makes_the_scan_partial(repo: Path) -> None:
    """A folder the walk cannot list (here: its path is longer than the system allows; as well, one this user
    may not read) could hold findings: a notice names it and the scan is partial, never a silent pass."""
    names = _deep_folders(repo, 22)
    run = run_hostile(repo, ".", "--fail-on", "none", timeout=60)
    run.assert_clean()
    assert run.exit_code == 3
    assert run.findings() == {GOOD_FINDING, ("AG102", "good.env", 1)}
    [(path, level, message)] = _read_errors(run)
    assert (level, message) == ("error", "folder cannot be listed (File name too long); its files were not scanned")
    assert path in {"/".join(names[:depth]) for depth in range(1, len(names) + 1)}
    assert len(str(repo / path).encode()) >= 4096 > len(str(repo / path).rsplit("/", 1)[0].encode())
    assert run.report()["summary"]["partial"] is True


def test_fifo_and_devices_do_not_block_or_stream(repo: Path) -> None:
    os.mkfifo(repo / "pipe.env")
    (repo / "zero.yaml").symlink_to("/dev/zero")
    (repo / "random.py").symlink_to("/dev/urandom")
    run = run_hostile(repo, ".", "--fail-on", "none", timeout=30)
    run.assert_clean()
    assert run.exit_code == 3
    assert run.seconds < 10
    assert _read_errors(run) == {
        ("pipe.env", "error", "refused: not a regular file (FIFO, device or socket); not read"),
        ("zero.yaml", "error", REFUSED_OUTSIDE),
        ("random.py", "error", REFUSED_OUTSIDE),
    }
    assert GOOD_FINDING in run.findings()


def test_a_scan_root_of_slash_still_refuses_proc(tmp_path: Path) -> None:
    from scanner import safeio

    with pytest.raises(safeio.ReadRefused) as refused:
        safeio.read_bytes("/proc/self/environ", 1024, [Path("/")])
    assert refused.value.message == REFUSED_PSEUDO
    with pytest.raises(safeio.ReadRefused):
        safeio.read_bytes("/dev/zero", 1024, None)


@pytest.mark.parametrize("name", ["big.py", "big.env", "big.yaml", "big.json", "airflow.cfg"])
def test_every_file_kind_is_capped_and_an_oversized_file_makes_the_scan_partial(repo: Path, name: str) -> None:
    line = {"big.py": "PASSWORD = 'Big-File-Pw-2020'\n", "big.env": "DB_PASSWORD=Big-File-Pw-2020\n",
            "big.yaml": "password: Big-File-Pw-2020\n", "big.json": '{"password": "Big-File-Pw-2020"}\n',
            "airflow.cfg": "[database]\nsql_alchemy_conn = postgresql://a:Big-File-Pw-2020@h/db\n"}[name]
    filler = "#" + "x" * 1022 + "\n" if name != "big.json" else " " * 1023 + "\n"
    (repo / name).write_text(line + filler * (5 * 1024 + 1))
    run = run_hostile(repo, ".", "--fail-on", "none")
    run.assert_clean("Big-File-Pw-2020")
    assert run.exit_code == 3  # never a silent pass: the file could hold findings
    assert _read_errors(run) == {(name, "error", "file is larger than 5 MiB; not scanned")}
    assert GOOD_FINDING in run.findings()


def test_the_runner_environment_never_reaches_a_report(repo: Path) -> None:
    (repo / "dags").mkdir()
    (repo / "dags" / "env.py").symlink_to("/proc/self/environ")
    (repo / "dags" / "parent.py").symlink_to(f"/proc/{os.getpid()}/environ")
    run = run_hostile(repo, ".", "--fail-on", "none", env={"DATABASE_URL": f"postgres://u:{RUNNER_SECRET}@h/db"})
    run.assert_clean()
    assert OUTSIDE_SECRET not in run.everything()


def test_modules_in_the_scanned_tree_are_never_imported(repo: Path) -> None:
    marker = repo.parent / "imported-marker"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    for name in ("yaml.py", "pydantic.py", "json.py", "attr.py", "typing_extensions.py"):
        (repo / name).write_text(payload)
    (repo / "scanner").mkdir()
    (repo / "scanner" / "__init__.py").write_text(payload)
    (repo / "scanner" / "__main__.py").write_text(payload)
    run = run_hostile(repo, ".", "--fail-on", "none")
    assert not marker.exists()
    assert GOOD_FINDING in run.findings()
