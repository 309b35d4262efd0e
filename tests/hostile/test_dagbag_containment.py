"""`scan --dagbag` runs the attacker's DAG code: it must stay contained (see scanner/collect/dagbag/sandbox.py).

Real apache-airflow, real processes. Each DAG file below is what an attacker's pull request would add: it
reads the runner's environment through /proc, rewrites airguard's install, starts a grandchild that
outlives the load, or forges the child's result file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import sysconfig
import textwrap
import time
import uuid
from pathlib import Path

import pytest

import scanner
from scanner.collect.dagbag import result as dagbag_result
from scanner.collect.dagbag.result import Cleaner, ResultError, parse_result, read_capped
from tests.collect.test_dagbag import _require_airflow
from tests.hostile.conftest import GOOD_FINDING, RUNNER_SECRET, run_hostile

needs_airflow = pytest.mark.airflow
# "default": what a plain `--dagbag` picks here (namespaces as root, a user namespace otherwise);
# "userns": the unprivileged path GitHub's runners take, forced (root can create user namespaces too).
MODES = ["default", "userns"]
PLAIN_SECRET = "PlainParentValue-93c1d7e5"  # under a name nothing masks: only containment keeps it in


def _dag(root: Path, name: str, body: str) -> Path:
    folder = root / "dags"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("from airflow.sdk import DAG  # an airflow dag file\n" + textwrap.dedent(body).lstrip(), "utf-8")
    return path


def _env(mode: str, **extra: str) -> dict[str, str]:
    return {**({} if mode == "default" else {"AIRGUARD_DAGBAG_SANDBOX": mode}), **extra}


def _messages(run, rule_id: str) -> dict[str, str]:
    return {f["location"]["path"]: f["message"] for f in run.report()["findings"] if f["rule_id"] == rule_id}


def _dagbag_findings(run) -> set[tuple[str, str, int]]:
    """The DagBag rules' findings (AG4xx); the static scan's finding in good.env must be there too."""
    findings = run.findings()
    assert GOOD_FINDING in findings
    return {f for f in findings if f[0].startswith("AG4")}


def _line_of(path: Path, text: str) -> int:
    (number,) = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line]
    return number


def _processes_with(token: str) -> list[str]:
    """Command lines of every live process (this machine's view) that mention `token`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if token in command:
            found.append(f"{name}: {command}")
    return found


# ------------------------------------------------------------------------------------- (1) the environment

ENVIRON_PROBE = """
    import base64, os

    WANTED = {b"RUNNER_TOKEN", b"AWS_SECRET_ACCESS_KEY", b"CI_BUILD_NOTE"}


    def ancestors():
        pid, chain = os.getpid(), []
        while pid > 1:
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
            chain.append(pid)
        return chain


    blobs = {}
    for pid in {*(p for p in os.listdir("/proc") if p.isdigit()), *map(str, ancestors()), str(os.getppid())}:
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                blobs[pid] = handle.read()
        except OSError:
            pass
    found = sorted({pair.split(b"=", 1)[1].decode() for blob in blobs.values() for pair in blob.split(b"\\0")
                    if pair.split(b"=", 1)[0] in WANTED})
    shown = " ".join(v[::-1] + "|" + base64.b64encode(v.encode()).decode() for v in found) or "none"
    raise RuntimeError(f"planted values: {shown}")
"""


@needs_airflow
@pytest.mark.parametrize("mode", MODES)
def test_dag_code_cannot_read_the_runners_environment_through_proc(repo: Path, mode: str) -> None:
    _require_airflow()
    probe = _dag(repo, "environ_probe.py", ENVIRON_PROBE)
    run = run_hostile(repo, ".", "--dagbag", "--fail-on", "none", env=_env(mode, CI_BUILD_NOTE=PLAIN_SECRET))
    assert run.exit_code == 0, run.stderr
    assert _dagbag_findings(run) == {("AG401", "dags/environ_probe.py", _line_of(probe, "raise RuntimeError"))}
    assert _messages(run, "AG401")["dags/environ_probe.py"] == (
        "'dags/environ_probe.py' fails when Airflow imports it: RuntimeError: planted values: none")
    planted = [RUNNER_SECRET, PLAIN_SECRET]
    run.assert_clean(*planted, *(v[::-1] for v in planted), *(base64.b64encode(v.encode()).decode() for v in planted))


# ------------------------------------------------------------------------- (2) airguard's install, the tree

WRITE_PROBE = """
    import os, sysconfig

    import scanner

    here = os.path.dirname(os.path.abspath(__file__))
    targets = {
        "package": os.path.join(os.path.dirname(scanner.__file__), "__init__.py"),
        "site-packages": os.path.join(sysconfig.get_paths()["purelib"], "airguard_planted.pth"),
        "tree": os.path.join(here, "planted.py"),
        "reports": os.path.join(os.path.dirname(os.path.dirname(here)), "airguard-out", "report.sarif"),
    }
    outcomes = []
    for name, path in sorted(targets.items()):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))  # writes no byte
            outcomes.append(f"{name}=WRITABLE")
        except OSError as exc:
            outcomes.append(f"{name}={type(exc).__name__}")
    raise RuntimeError(" ".join(outcomes))
"""


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@needs_airflow
@pytest.mark.parametrize("mode", MODES)
def test_dag_code_cannot_write_airguards_install_the_tree_or_the_reports(repo: Path, mode: str) -> None:
    _require_airflow()
    package_init = Path(scanner.__file__)
    planted_pth = Path(sysconfig.get_paths()["purelib"]) / "airguard_planted.pth"
    assert not planted_pth.exists()
    before = _digest(package_init)
    _dag(repo, "write_probe.py", WRITE_PROBE)
    try:
        run = run_hostile(repo, ".", "--dagbag", "--fail-on", "none", env=_env(mode))
    finally:
        planted_existed = planted_pth.exists()
        planted_pth.unlink(missing_ok=True)
    assert run.exit_code == 0, run.stderr
    message = _messages(run, "AG401")["dags/write_probe.py"]
    prefix = "'dags/write_probe.py' fails when Airflow imports it: RuntimeError: "
    assert message.startswith(prefix)
    outcomes = dict(item.split("=") for item in message[len(prefix):].split())
    assert sorted(outcomes) == ["package", "reports", "site-packages", "tree"]
    # Read-only (OSError EROFS) or not this user's (PermissionError); the reports folder is not even there.
    assert {name: outcome in ("OSError", "PermissionError") for name, outcome in outcomes.items()
            if name != "reports"} == {"package": True, "site-packages": True, "tree": True}
    assert outcomes["reports"] == "FileNotFoundError"
    assert _digest(package_init) == before
    assert planted_existed is False
    assert not (repo / "dags" / "planted.py").exists()
    json.loads(run.outputs["report.sarif"])  # the parent's report, whole
    run.assert_clean()


# --------------------------------------------------------------------------- (3, 4) processes left behind

GRANDCHILD = """
    import os, sys, time

    if os.fork() == 0:  # a double fork into a session of its own: out of the child's process group
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c",
                     "import sys, time; time.sleep(3); open(sys.argv[1], 'w').write('escaped')", {marker!r}, {token!r}])
        os._exit(0)
    os.wait()
    {then}
"""


@needs_airflow
@pytest.mark.parametrize("mode", MODES)
def test_a_grandchild_in_its_own_session_dies_with_the_load(repo: Path, mode: str) -> None:
    _require_airflow()
    token, marker = f"airguard-grandchild-{uuid.uuid4().hex}", repo / "dags" / "escaped.txt"
    _dag(repo, "grandchild.py", GRANDCHILD.format(marker=str(marker), token=token,
                                                  then='raise RuntimeError("grandchild started")'))
    run = run_hostile(repo, ".", "--dagbag", "--fail-on", "none", env=_env(mode))
    assert _processes_with(token) == []
    assert run.exit_code == 0, run.stderr
    assert _messages(run, "AG401")["dags/grandchild.py"] == (
        "'dags/grandchild.py' fails when Airflow imports it: RuntimeError: grandchild started")
    time.sleep(4)  # past the grandchild's own delay
    assert not marker.exists()
    run.assert_clean()


@needs_airflow
def test_a_load_that_hangs_is_stopped_with_its_grandchild_and_the_scan_is_partial(repo: Path) -> None:
    _require_airflow()
    token, marker = f"airguard-grandchild-{uuid.uuid4().hex}", repo / "dags" / "escaped.txt"
    _dag(repo, "hangs.py", GRANDCHILD.format(marker=str(marker), token=token, then="time.sleep(3600)"))
    started = time.monotonic()
    run = run_hostile(repo, ".", "--dagbag", "--dagbag-timeout", "15", "--fail-on", "none", timeout=120)
    assert time.monotonic() - started < 60
    assert _processes_with(token) == []
    assert run.exit_code == 3, run.stderr
    assert [(n["kind"], n["message"], n["path"], n["level"]) for n in run.notices()] == [
        ("dagbag", "DagBag load timed out after 15 s and was stopped (while importing dags/hangs.py)",
         "dags/hangs.py", "error")]
    assert _dagbag_findings(run) == set()
    time.sleep(4)
    assert not marker.exists()
    run.assert_clean()


# ---------------------------------------------------------------------------------- the forged result file

FORGER = """
    import atexit, json, os, sys

    RESULT = sys.argv[1]  # the child's result file: written before exit, then replaced by this


    def forge():
        {forge}


    atexit.register(forge)
"""

FORGED_RESULT = """
        here = os.path.abspath(__file__)
        json.dump({
            "dags": [{"dag_id": "stolen", "fileloc": "/proc/self/environ", "tasks": []},
                     {"dag_id": "forged", "fileloc": here, "extra": {"ignored": True},
                      "tasks": [{"task_id": 5},
                                {"task_id": "t1", "operator_class": "evil.Op", "mapped": "yes",
                                 "conn_ids": ["forged_conn", 7, "x" * 1000]}]}],
            "errors": [{"file": "/etc/passwd", "message": "m", "line": 1},
                       {"file": here, "message": "postgresql://etl:Pl4ntedForged99@db.internal/x " + "A" * 100000,
                        "line": "9", "kind": "duplicate", "dag_id": "forged", "also_in": "/etc/shadow",
                        "exception": "Exc"}],
            "files": ["/etc/hostname", here],
            "unknown_field": [1, 2, 3],
        }, open(RESULT, "w"))
"""


@needs_airflow
def test_a_forged_result_is_validated_field_by_field(repo: Path) -> None:
    _require_airflow()
    _dag(repo, "forger.py", FORGER.format(forge=FORGED_RESULT.strip()))
    run = run_hostile(repo, ".", "--dagbag", "--fail-on", "none", "-f", "json")
    assert run.exit_code == 3, run.stderr
    assert [(n["kind"], n["message"], n["level"]) for n in run.notices()] == [
        ("dagbag", ("6 record(s) of the DagBag result were malformed or named files outside the scanned folders "
                    "and were ignored"), "error")]
    assert _dagbag_findings(run) == {("AG401", "dags/forger.py", 1)}
    message = _messages(run, "AG401")["dags/forger.py"]
    assert message.startswith("'dags/forger.py' fails when Airflow imports it: postgresql://etl:****@db.internal/x AAA")
    assert len(message) < 2100
    paths = {f["location"]["path"] for f in run.report()["findings"] if f.get("location")}
    assert paths <= {"good.env", "dags/forger.py"}
    run.assert_clean("Pl4ntedForged99", "root:x:0:0")


@needs_airflow
@pytest.mark.parametrize(("forge", "problem"), [
    ('open(RESULT, "w").write("{not json")', "not valid JSON"),
    ("os.unlink(RESULT); os.symlink('/etc/passwd', RESULT)", "cannot open: Too many levels of symbolic links"),
    ("os.unlink(RESULT); os.mkfifo(RESULT)", "not a regular file"),
])
def test_an_unreadable_result_is_a_notice_not_a_crash_or_a_hang(repo: Path, forge: str, problem: str) -> None:
    _require_airflow()
    _dag(repo, "forger.py", FORGER.format(forge=forge))
    run = run_hostile(repo, ".", "--dagbag", "--fail-on", "none")
    assert run.exit_code == 3, run.stderr
    assert [(n["kind"], n["message"]) for n in run.notices()] == [
        ("dagbag", f"DagBag result unreadable ({problem})")]
    assert _dagbag_findings(run) == set()
    run.assert_clean("root:x:0:0")


# ------------------------------------------------------------------------------------ no containment at all

REFUSAL = ("airguard: error: --dagbag runs the DAG files' code and no containment for it is available here "
           "({reasons}); pass --dagbag-unsandboxed to run it without containment (it could then read this "
           "process's environment and write wherever this user can)\n")


@needs_airflow
def test_without_containment_dagbag_mode_is_refused_unless_explicitly_unsandboxed(repo: Path) -> None:
    _require_airflow()
    _dag(repo, "broken.py", 'raise ImportError("vendor sdk missing")\n')
    refused = run_hostile(repo, ".", "--dagbag", env={"AIRGUARD_DAGBAG_SANDBOX": "none"})
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert refused.stderr == REFUSAL.format(reasons="no containment mode allowed")
    assert refused.outputs == {}
    allowed = run_hostile(repo, ".", "--dagbag", "--dagbag-unsandboxed", "--fail-on", "none",
                          env={"AIRGUARD_DAGBAG_SANDBOX": "none"})
    assert allowed.exit_code == 0, allowed.stderr
    assert [(n["kind"], n["message"], n["level"]) for n in allowed.notices()] == [
        ("dagbag", ("DagBag loaded the DAG files WITHOUT containment (--dagbag-unsandboxed): their code could read "
                    "this process's environment and write wherever this user can"), "warning")]
    assert _dagbag_findings(allowed) == {("AG401", "dags/broken.py", 2)}


def _fake_sudo(folder: Path, body: str) -> dict[str, str]:
    folder.mkdir()
    sudo = folder / "sudo"
    sudo.write_text("#!/bin/sh\n" + body)
    sudo.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"}


@needs_airflow
def test_modes_are_tried_in_order_and_each_failure_is_named(repo: Path, tmp_path: Path) -> None:
    _require_airflow()
    _dag(repo, "broken.py", 'raise ImportError("vendor sdk missing")\n')
    denied = _fake_sudo(tmp_path / "denied", 'echo "sudo: a password is required" >&2\nexit 1\n')
    refused = run_hostile(repo, ".", "--dagbag", env={**denied, "AIRGUARD_DAGBAG_SANDBOX": "sudo-ns,sudo-uid"})
    assert refused.exit_code == 2
    assert refused.stderr == REFUSAL.format(reasons="sudo-ns: exit code 1 (sudo: a password is required); "
                                                    "sudo-uid: exit code 1 (sudo: a password is required)")
    # A password-less sudo (this one only drops its options: the tests run as the user sudo would give):
    # the launcher runs through it and the load goes on; after a failed mode the next one is used.
    granted = _fake_sudo(tmp_path / "granted", 'while [ "$1" = -n ] || [ "$1" = -- ]; do shift; done\nexec "$@"\n')
    for modes, env in (("sudo-ns", granted), ("sudo-ns,userns", denied)):
        run = run_hostile(repo, ".", "--dagbag", "--fail-on", "none", env={**env, "AIRGUARD_DAGBAG_SANDBOX": modes})
        assert run.exit_code == 0, (modes, run.stderr)
        assert _dagbag_findings(run) == {("AG401", "dags/broken.py", 2)}
        assert run.notices() == []


# --------------------------------------------------------- the launcher itself, with a shell for DAG code

def _launch(folder: Path, script: str, timeout: float = 30):
    from scanner.collect.dagbag.runner import DagbagRun

    run = DagbagRun([folder], timeout, command=["/bin/sh", "-c", script])
    return run.mode, run.wait()


LAUNCHER_MODES = ["ns", "userns", "uid"] if os.geteuid() == 0 else ["userns"]


@pytest.mark.parametrize("mode", LAUNCHER_MODES)
@pytest.mark.parametrize("ends", ["exits", "times out"])
def test_nothing_the_contained_process_starts_survives_it(monkeypatch: pytest.MonkeyPatch, mode: str, ends: str) -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="airguard-launcher-test-"))  # readable by an unprivileged user too
    try:
        folder.chmod(0o755)
        token = f"airguard-survivor-{uuid.uuid4().hex}"
        monkeypatch.setenv("AIRGUARD_DAGBAG_SANDBOX", mode)
        script = (f"setsid sh -c 'sleep 60; : {token}' & (setsid sh -c 'sleep 60; : {token}' &); "
                  f"sh -c 'trap \"\" TERM HUP; sleep 60; : {token}' & sleep 1; echo started >&2"
                  + ("; sleep 60" if ends == "times out" else ""))
        started = time.monotonic()
        chosen, outcome = _launch(folder, script, timeout=6 if ends == "times out" else 30)
        assert chosen == mode
        assert _processes_with(token) == []
        if ends == "times out":
            assert outcome.problem == "DagBag load timed out after 6 s and was stopped"
            assert time.monotonic() - started < 20
        else:
            assert outcome.problem == "DagBag child process ended (exit code 0) without a result: started"
    finally:
        folder.rmdir()


KILLED_PARENT = """
import os, signal, sys, time
from pathlib import Path
from scanner.collect.dagbag.runner import DagbagRun

run = DagbagRun([Path(sys.argv[1])], 120, command=["/bin/sh", "-c", sys.argv[2]])
print(run.mode, run.base, flush=True)
deadline = time.monotonic() + 30
while not (run.home / "started").exists() and time.monotonic() < deadline:
    time.sleep(0.05)
os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no atexit: only the launcher's parent-death signal
"""


@pytest.mark.parametrize("mode", LAUNCHER_MODES)
def test_when_airguard_itself_is_killed_the_contained_processes_die_too(mode: str) -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="airguard-launcher-test-"))
    folder.chmod(0o755)
    token = f"airguard-orphan-{uuid.uuid4().hex}"
    script = (f"setsid sh -c 'sleep 60; : {token}' & (setsid sh -c 'sleep 60; : {token}' &); sleep 0.5; "
              f'touch "$HOME/started"; sleep 60; : {token}')
    completed = subprocess.run([sys.executable, "-c", KILLED_PARENT, str(folder), script], capture_output=True,
                               text=True, timeout=60, check=False, cwd=Path(scanner.__file__).parent.parent,
                               env={**os.environ, "AIRGUARD_DAGBAG_SANDBOX": mode})
    try:
        assert completed.returncode == -signal.SIGKILL, completed.stderr
        chosen, base = completed.stdout.split()
        assert chosen == mode
        assert (Path(base) / "home" / "started").exists()  # the shell ran and started its sleepers
        deadline = time.monotonic() + 15
        while _processes_with(token) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_with(token) == []
    finally:
        folder.rmdir()
        if completed.stdout.split()[1:]:
            shutil.rmtree(completed.stdout.split()[1], ignore_errors=True)


@pytest.mark.parametrize("mode", ["ns", "userns"] if os.geteuid() == 0 else ["userns"])
def test_the_namespaced_child_sees_only_itself_and_no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               mode: str) -> None:
    monkeypatch.setenv("AIRGUARD_DAGBAG_SANDBOX", mode)
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / ".git").mkdir()
    (tmp_path / "dags" / ".git" / "config").write_text("[http]\nextraheader = AUTHORIZATION: basic c2VjcmV0\n")
    script = (f'echo "parent=$(test -e /proc/{os.getpid()} && echo visible || echo absent)'
              ' init=$(grep -c sandbox.py /proc/1/cmdline)'
              ' pid1env=$(cat /proc/1/environ >/dev/null 2>&1 && echo read || echo denied)'
              ' net=$(sed -n "3,\\$p" /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" ,)'
              ' git=$(ls -A .git 2>/dev/null | wc -l) home=$(test -w "$HOME" && echo writable)'
              ' tree=$(touch x 2>/dev/null && echo writable || echo ro)'
              ' caps=$(grep CapEff /proc/self/status | tr -d "\\t")" >&2')
    chosen, outcome = _launch(tmp_path / "dags", f"cd {tmp_path / 'dags'} && {script}")
    assert chosen == mode
    assert outcome.problem == ("DagBag child process ended (exit code 0) without a result: parent=absent init=1 "
                               "pid1env=denied net=lo, git=0 home=writable tree=ro caps=CapEff:0000000000000000")
    assert not (tmp_path / "dags" / "x").exists()


# -------------------------------------------------------------------------------------- result file, unit

def test_result_files_are_read_only_when_regular_and_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    regular = tmp_path / "result.json"
    regular.write_bytes(b'{"files": []}')
    assert read_capped(regular) == b'{"files": []}'
    link = tmp_path / "link.json"
    link.symlink_to(regular)
    with pytest.raises(ResultError, match="^cannot open: Too many levels of symbolic links$"):
        read_capped(link)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ResultError, match="^not a regular file$"):
        read_capped(fifo)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 * 1024 * 1024 + 1))
    with pytest.raises(ResultError, match="^larger than 2 MiB$"):
        read_capped(big, cap=2 * 1024 * 1024)
    assert read_capped(big, tail=10) == b" " * 10
    with pytest.raises(FileNotFoundError):
        read_capped(tmp_path / "missing.json")


def test_a_result_keeps_known_fields_of_the_right_type_inside_the_scanned_folders(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    good = dags / "good.py"
    good.write_text("x = 1\n")
    (dags / "out.py").symlink_to("/etc/passwd")
    cleaner = Cleaner.from_environment({"RUNNER_TOKEN": "tok-123456789", "PWD": "/work/x", "HOME": "/home/runner",
                                        "NOTE": "not-a-secret-name"})
    assert cleaner.secrets == ["tok-123456789"]
    document = {
        "dags": [{"dag_id": "ok", "fileloc": str(good), "tasks": [
                     {"task_id": "t", "operator_class": "m.Op", "mapped": True, "conn_ids": ["a", "a", "tok-123456789"],
                      "custom_operator_name": "@task", "unknown": 1},
                     {"task_id": "bad id!"}, "not a dict"]},
                 {"dag_id": "escape", "fileloc": str(dags / "out.py"), "tasks": []},
                 {"dag_id": "relative", "fileloc": "dags/good.py", "tasks": []}],
        "errors": [{"file": str(good), "message": "boom tok-123456789\x1b[31m", "line": True, "kind": "cycle",
                    "dag_id": "ok", "task_id": "t", "exception": "Not An Identifier"}],
        "files": [str(good), str(tmp_path), 17],
        "load_seconds": float("nan"), "airflow_import_seconds": 1.5, "other": "ignored"}
    data = parse_result(json.dumps(document).encode(), [dags], cleaner)
    assert data == {
        "dags": [{"dag_id": "ok", "fileloc": str(good), "tasks": [
            {"task_id": "t", "operator_class": "m.Op", "mapped": True, "conn_ids": ["a", "****"],
             "custom_operator_name": "@task"}]}],
        "errors": [{"file": str(good), "kind": "cycle", "line": None, "message": "boom **** [31m",
                    "exception": None, "dag_id": "ok", "task_id": "t"}],
        "files": [str(good)], "airflow_import_seconds": 1.5, "dropped": 6}
    assert parse_result(b'{"fatal": "' + b"x" * 5000 + b'"}', [dags], cleaner) == {
        "fatal": "x" * (dagbag_result.MESSAGE_CHARS - 1) + "…"}
    for raw, problem in ((b"[1]", "not a JSON object"), (b"\xff", "not valid JSON"), (b"[" * 100000, "not valid JSON")):
        with pytest.raises(ResultError, match=f"^{problem}$"):
            parse_result(raw, [dags], cleaner)


def test_the_launcher_uses_only_the_standard_library() -> None:
    """It runs before any containment (as root under sudo): nothing from site-packages or airguard."""
    launcher = Path(scanner.__file__).parent / "collect" / "dagbag" / "sandbox.py"
    code = (f"import runpy, sys; runpy.run_path({str(launcher)!r}, run_name='imported'); "
            "print(sorted(n for n in sys.modules if n.split('.')[0] in ('scanner', 'airflow', 'pydantic')))")
    completed = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=False,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_sudo_runs_the_launcher_only_when_no_one_else_can_change_it(tmp_path: Path) -> None:
    from scanner.collect.dagbag.runner import _writable_by_others

    folder = tmp_path / "pkg"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    script = folder / "sandbox.py"
    script.write_text("")
    script.chmod(0o644)
    assert _writable_by_others(script) is False
    script.chmod(0o664)
    assert _writable_by_others(script) is True
    script.chmod(0o644)
    folder.chmod(0o777)
    assert _writable_by_others(script) is True
    folder.chmod(0o755)
    assert _writable_by_others(folder / "missing.py") is True
