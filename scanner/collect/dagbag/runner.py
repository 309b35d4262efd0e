"""The parent side of `--dagbag`: start the contained child, wait with a timeout, read its result.

The child runs DAG code, so it is started through `sandbox.py` (see there for what each mode contains),
trying, in order (the first that sets up wins):

- as root: ``ns`` (mount, PID, network, IPC, UTS namespaces; runs as nobody when nobody can read the DAG
  folders and Python, else as uid 0 without any capability), then ``uid`` (an unused user id of its own,
  no namespaces);
- otherwise: ``userns`` (the same namespaces inside an unprivileged user namespace), then ``sudo-ns`` and
  ``sudo-uid`` (the same through ``sudo -n`` where it needs no password, as on GitHub's runners when
  Ubuntu restricts user namespaces; the child still runs as the caller, without groups).

``AIRGUARD_DAGBAG_SANDBOX`` (comma-separated modes) restricts and orders the modes tried. When none sets
up, DagBag mode is refused (`SandboxUnavailable`, exit 2) unless `--dagbag-unsandboxed` was given.

The child is started before the static scan and collected after it, so the two run side by side. At a
timeout the launcher kills the child and everything it started; a timeout or a crash becomes an error
notice. Its result file is hostile input (`result.py`): read with a cap, validated, scrubbed.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scanner
from scanner.collect import dagbag
from scanner.collect.dagbag.result import TAIL_CHARS, Cleaner, ResultError, parse_result, read_capped
from scanner.config import ConfigError

# The only variables copied from the parent; everything else (AWS_*, AIRFLOW_CONN_*, AIRFLOW_VAR_*,
# tokens, passwords, GITHUB_*, ...) never reaches DAG code.
ALLOWED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT")
SANDBOX_SCRIPT = Path(__file__).with_name("sandbox.py")
MODES_VARIABLE = "AIRGUARD_DAGBAG_SANDBOX"
ROOT_MODES = ("ns", "uid")
USER_MODES = ("userns", "sudo-ns", "sudo-uid")
KNOWN_MODES = ("ns", "uid", "userns", "sudo-ns", "sudo-uid")
SETUP_SECONDS = 60.0     # launcher start and containment set-up, before any DAG code runs
STOP_GRACE_SECONDS = 10.0
SANDBOX_FAIL_EXIT = 125
NOBODY = 65534
# Folders every Python needs (libraries, the loader's cache, /etc/passwd for getpwuid); read-only.
SYSTEM_FOLDERS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/nix/store")


class SandboxUnavailable(ConfigError):
    """No containment could be set up for DAG code (the CLI reports it as a usage error, exit 2)."""


def child_environment(dag_paths: list[Path], home: Path) -> dict[str, str]:
    """A minimal environment: an allow-list of the parent's variables plus Airflow settings that
    keep the load local (temporary AIRFLOW_HOME and SQLite file, no examples, no .pyc files).
    PYTHONPATH holds only airguard's own package root, so the child module can be found."""
    environment = {name: os.environ[name] for name in ALLOWED_ENV if name in os.environ}
    folders = [str(p if p.is_dir() else p.parent) for p in dag_paths]
    package_parent = str(Path(scanner.__file__).resolve().parent.parent)
    airflow_home = home / "airflow"
    environment.update({
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "AIRFLOW_HOME": str(airflow_home),
        "PYTHONPATH": package_parent,  # the child appends the DAG folders to sys.path, as Airflow does
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "AIRFLOW__CORE__DAGS_FOLDER": folders[0] if folders else str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH": "100",  # keep the DAG file's frame
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__SECRETS__BACKEND": "",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "False",
        "AIRFLOW__METRICS__STATSD_ON": "False",
        "AIRFLOW__TRACES__OTEL_ON": "False",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    return environment


def modes_to_try(euid: int | None = None) -> list[str]:
    """The containment modes for this user, strongest first (restricted by AIRGUARD_DAGBAG_SANDBOX)."""
    euid = os.geteuid() if euid is None else euid
    default = ROOT_MODES if euid == 0 else USER_MODES
    wanted = os.environ.get(MODES_VARIABLE, "").strip()
    if not wanted:
        return list(default)
    if wanted == "none":  # no containment mode at all: refused unless --dagbag-unsandboxed
        return []
    allowed = set(KNOWN_MODES) if euid == 0 else set(USER_MODES)  # root may take the unprivileged paths too
    return [m for m in dict.fromkeys(p.strip() for p in wanted.split(",")) if m in allowed]


def _existing(paths: list[str]) -> list[str]:
    return [p for p in dict.fromkeys(paths) if p and os.path.isabs(p) and os.path.exists(p)]


def _mapped_library_folders() -> list[str]:
    """Folders of the shared libraries this Python has loaded (libpython, libssl, ...), wherever they live."""
    folders: list[str] = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/") and ".so" in parts[5]:
                    folders.append(os.path.dirname(parts[5].strip()))
    except OSError:
        pass
    return folders


def _symlinked_prefixes(paths: list[str]) -> list[tuple[str, str]]:
    """(path, link target) of every symlink along `paths`, so they resolve inside the sandbox as outside."""
    links: dict[str, str] = {}
    for path in paths:
        current = ""
        for part in Path(path).parts[1:]:
            current = f"{current}/{part}"
            if os.path.islink(current):
                links.setdefault(current, os.readlink(current))
                current = os.path.realpath(current)
    return list(links.items())


def _mount_points() -> set[str]:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as handle:
            return {line.split()[4].encode().decode("unicode_escape") for line in handle if len(line.split()) > 4}
    except (OSError, UnicodeError):
        return set()


def _outermost(paths: list[str]) -> list[str]:
    """`paths` (sorted) without those a kept ancestor already shows: same mount, no mount point between."""
    points = _mount_points()
    kept: list[str] = []
    for path in paths:
        ancestor = next((k for k in reversed(kept) if path.startswith(k.rstrip("/") + "/")), None)
        if ancestor is not None and not any(point.startswith(ancestor.rstrip("/") + "/")
                                            and (path == point or path.startswith(point + "/")) for point in points):
            continue
        kept.append(path)
    return kept


def sandbox_layout(dag_paths: list[Path], base: Path, program: str = sys.executable) -> dict[str, Any]:
    """What the sandbox binds read-only, the symlinks it recreates, the .git folders it hides and the
    paths the DAG child must be able to read."""
    package = str(Path(scanner.__file__).resolve().parent)
    folders = [str(p if p.is_dir() else p.parent) for p in dag_paths]
    python = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, os.path.dirname(sys.executable),
              os.path.dirname(os.path.realpath(sys.executable))]
    # sys.path but the working folder (`python -m` puts it first; the child does not need it)
    imports = [p for p in sys.path if p and os.path.abspath(p) != os.getcwd()]
    wanted = [*SYSTEM_FOLDERS, *python, *imports, *_mapped_library_folders(), package, *folders]
    wanted = list(dict.fromkeys(wanted))
    real = _existing([os.path.realpath(p) for p in wanted])
    base_real = os.path.realpath(base)
    # Never "/" itself (the sandbox's root is its own), nor a folder that holds the run's private base
    # (a sys.path entry in /tmp, say), unless it is a scanned folder.
    real = [p for p in real if p != "/" and (p in folders or not (base_real == p or base_real.startswith(p + "/")))]
    links = _symlinked_prefixes(_existing(wanted))
    link_paths = {name for name, _ in links}
    real = [p for p in real if p not in link_paths]
    ro = _outermost(sorted(real))
    hide = sorted({os.path.join(p, ".git") for p in real if os.path.isdir(os.path.join(p, ".git"))})
    readable = _existing([program, os.path.realpath(program), package, *folders])
    return {"ro": ro, "links": links, "hide": hide, "readable": readable, "root": str(base / "root")}


@dataclass
class DagbagOutcome:
    """What the child reported (`data`), or why there is nothing (`problem`); `warnings` for the notices."""

    data: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    last_file: str | None = None
    seconds: float = 0.0
    exclude: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mode: str | None = None


class DagbagRun:
    """One running child process, contained (see the module doc)."""

    def __init__(self, dag_paths: list[Path], timeout: float, exclude: list[str] | None = None,
                 command: list[str] | None = None) -> None:
        """Start the contained child; `command` replaces the DagBag child (tests run a shell in the sandbox).
        Raises SandboxUnavailable when no containment sets up and --dagbag-unsandboxed was not given."""
        self.timeout = timeout
        self.command = command
        self.exclude = list(exclude or [])
        self.dag_paths = [p.resolve() for p in dag_paths]
        self.cleaner = Cleaner.from_environment(os.environ)
        # base (0700, this user's): the spec, the stderr file and the sandbox's mount point, which DAG code
        # never sees; base/home: the child's only writable folder (handed to the user it runs as).
        self.base = Path(tempfile.mkdtemp(prefix="airguard-dagbag-"))
        self.home = self.base / "home"
        self.home.mkdir(mode=0o700)
        (self.base / "root").mkdir(mode=0o755)
        for name in ("tmp", "airflow"):
            (self.home / name).mkdir(mode=0o755)
        self.result_file = self.home / "result.json"
        self.progress_file = self.home / "progress.txt"
        self.spec_file = self.base / "spec.json"
        # The parent keeps its own descriptor: DAG code can write to it, never replace it.
        self.stderr = open(self.base / "stderr.txt", "w+b")  # noqa: SIM115 - closed in _abandon
        self.process: subprocess.Popen[bytes] | None = None
        self.mode: str | None = None
        self.start_problem: str | None = None
        self.warnings: list[str] = []
        self.started = time.monotonic()
        # If the scan dies before wait() (an internal error, Ctrl-C), the child must not outlive it.
        atexit.register(self._abandon)
        failures: list[str] = []
        for mode in modes_to_try():
            reason = self._start(mode)
            if reason is None:
                self.mode = mode
                break
            failures.append(f"{mode}: {reason}")
        else:
            if not dagbag.unsandboxed_allowed():
                self._abandon()
                atexit.unregister(self._abandon)
                raise SandboxUnavailable(
                    "--dagbag runs the DAG files' code and no containment for it is available here ("
                    + ("; ".join(failures) or "no containment mode allowed")
                    + "); pass --dagbag-unsandboxed to run it without containment (it could then read this "
                      "process's environment and write wherever this user can)")
            self.warnings.append("DagBag loaded the DAG files WITHOUT containment (--dagbag-unsandboxed): their "
                                 "code could read this process's environment and write wherever this user can")
            reason = self._start("none")
            self.mode = "none" if reason is None else None
            self.start_problem = None if reason is None else f"cannot start the DagBag child process: {reason}"
        self.started = time.monotonic()

    # ---------------------------------------------------------------------------------------- starting

    def _spec(self, mode: str) -> dict[str, Any]:
        launcher_mode = mode.removeprefix("sudo-")
        argv = self.command or [sys.executable, "-m", "scanner.collect.dagbag.child", str(self.result_file),
                                str(self.progress_file), *map(str, self.dag_paths)]
        spec: dict[str, Any] = {"mode": launcher_mode, "home": str(self.home), "base": str(self.base), "argv": argv,
                                "env": child_environment(self.dag_paths, self.home),
                                "deadline_seconds": self.timeout + STOP_GRACE_SECONDS + SETUP_SECONDS}
        spec.update(sandbox_layout(self.dag_paths, self.base, argv[0]))
        if mode == "ns":
            spec["identities"] = [[NOBODY, NOBODY], [0, 0]]
        elif mode == "sudo-ns":
            spec["identities"] = [[os.getuid(), os.getgid()]]
        elif launcher_mode == "uid":
            spec["uid"] = _unused_uid()
        return spec

    def _start(self, mode: str) -> str | None:
        """Start the launcher in `mode` and wait for its report: None once the DAG child starts, else why not."""
        spec = self._spec(mode)
        descriptor = os.open(self.spec_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(spec, handle)
        command = [sys.executable, "-I", "-S", str(SANDBOX_SCRIPT), str(self.spec_file)]
        if mode.startswith("sudo-"):
            if _writable_by_others(SANDBOX_SCRIPT):  # sudo runs it as root: nobody else may change it
                return "the launcher script is writable by other users"
            command = ["sudo", "-n", "--", *command]
        self.stderr.seek(0)
        self.stderr.truncate()
        try:
            process = subprocess.Popen(command, cwd=self.base, env=spec["env"], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=self.stderr, start_new_session=True)
        except OSError as exc:
            return f"cannot start {command[0]}: {exc.strerror or type(exc).__name__}"
        line = _read_line(process, SETUP_SECONDS)
        assert process.stdout is not None
        process.stdout.close()
        if line.startswith("ready"):
            self.process = process
            return None
        self._stop(process)
        code = process.returncode
        if line.startswith("fail "):
            return self.cleaner.text(line[5:].strip(), 300)
        tail = self._stderr_tail()
        return f"exit code {code}" + (f" ({tail})" if tail else "")

    # ------------------------------------------------------------------------------------------ waiting

    def wait(self) -> DagbagOutcome:
        try:
            return self._wait()
        finally:
            atexit.unregister(self._abandon)
            self._abandon()

    def _wait(self) -> DagbagOutcome:
        if self.process is None:
            return DagbagOutcome(problem=self.start_problem or "DagBag child process not started",
                                 warnings=self.warnings)
        remaining = max(0.0, self.timeout - (time.monotonic() - self.started))
        try:
            code = self.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self._stop(self.process)
            return DagbagOutcome(problem=f"DagBag load timed out after {self.timeout:g} s and was stopped",
                                 last_file=self._last_file(), seconds=time.monotonic() - self.started,
                                 warnings=self.warnings, mode=self.mode)
        seconds = time.monotonic() - self.started
        outcome = DagbagOutcome(seconds=seconds, warnings=self.warnings, mode=self.mode, exclude=self.exclude)
        try:
            raw = read_capped(self.result_file)
        except FileNotFoundError:
            tail = self._stderr_tail()
            outcome.problem = (f"DagBag child process ended (exit code {code}) without a result"
                               + (f": {tail}" if tail else ""))
            outcome.last_file = self._last_file()
            return outcome
        except ResultError as exc:
            outcome.problem = f"DagBag result unreadable ({exc})"
            return outcome
        try:
            data = parse_result(raw, self.dag_paths, self.cleaner)
        except ResultError as exc:
            outcome.problem = f"DagBag result unreadable ({exc})"
            return outcome
        if "fatal" in data:
            outcome.problem = f"DagBag load failed: {data['fatal']}"
            return outcome
        outcome.data = data
        return outcome

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop the launcher: SIGTERM makes it kill the child and everything it started, and wait for them;
        if it does not end in time, SIGKILL (its child then dies through its parent-death signal)."""
        if process.poll() is not None:
            return
        for number, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
            try:
                process.send_signal(number)
                if number == signal.SIGKILL:
                    os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def _abandon(self) -> None:
        if self.process is not None:
            self._stop(self.process)
        try:
            self.stderr.close()
        except OSError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)

    # ------------------------------------------------------------------------------- what the child left

    def _last_file(self) -> str | None:
        """The file the child was importing (its progress file: hostile too, so validated)."""
        try:
            lines = read_capped(self.progress_file, tail=8192).decode("utf-8", "replace").splitlines()
        except (OSError, ResultError):
            return None
        for line in reversed(lines):
            path = self.cleaner.path(line, self.dag_paths)
            if path is not None:
                return path
        return None

    def _stderr_tail(self) -> str:
        """The child's last stderr line, short and scrubbed (never more of its output)."""
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - 8192))
            text = self.stderr.read(8192).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        return self.cleaner.text(lines[-1], TAIL_CHARS) if lines else ""


def _read_line(process: subprocess.Popen[bytes], seconds: float) -> str:
    """The launcher's one status line (at most 1 KiB), or "" at end of file, exit or after `seconds`."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    deadline = time.monotonic() + seconds
    data = b""
    while b"\n" not in data and len(data) < 1024:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([descriptor], [], [], left)
        if not ready:
            break
        chunk = os.read(descriptor, 1024 - len(data))
        if not chunk:
            break
        data += chunk
    return re.sub(r"[\x00-\x1f\x7f]", " ", data.split(b"\n", 1)[0].decode("utf-8", "replace")).strip()


def _writable_by_others(path: Path) -> bool:
    """Whether a user other than its owner (or root) could change `path` or the folder holding it."""
    for item in (path, path.parent):
        try:
            status = item.stat()
        except OSError:
            return True
        if status.st_mode & 0o022 or status.st_uid not in (0, os.geteuid()):
            return True
    return False


def _unused_uid() -> int:
    """A user id no account and no process uses, so killing "every process of it" hits this run only."""
    import secrets

    used: set[int] = set()
    try:
        with open("/etc/passwd", encoding="utf-8", errors="replace") as handle:
            used = {int(line.split(":")[2]) for line in handle if line.count(":") >= 3 and line.split(":")[2].isdigit()}
    except OSError:
        pass
    running = set()
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit():
            try:
                running.add(os.stat(f"/proc/{name}").st_uid)
            except OSError:
                continue
    while True:
        uid = 0x7A000000 + secrets.randbelow(1 << 20)
        if uid not in used and uid not in running:
            return uid
