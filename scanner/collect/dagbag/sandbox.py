"""The launcher that contains the `--dagbag` child (the process that runs DAG code).

Started by `runner.py` as ``python -I -S sandbox.py SPEC`` (standard library only, never imports airguard or
site-packages, so nothing the DAG code could have touched runs here with privileges). SPEC is a JSON file
the parent wrote into the run's private home. The launcher reports on stdout, once, before any DAG code
runs: ``ready MODE`` or ``fail REASON`` (exit code 125). Modes, strongest first:

``userns`` (not root) / ``ns`` (root, possibly through ``sudo -n``)
    New user (userns only), mount, PID, network, IPC and UTS namespaces. The DAG child sees a fresh root:
    read-only binds of the system folders, the Python installation, airguard's package and the scanned
    folders (their ``.git`` hidden), a writable bind of its own home only, a fresh /proc that shows its own
    PID namespace only (the parent and every other process are invisible), a private /tmp and /dev, and
    only a loopback network. It runs with no capabilities at all (bounding set empty, no_new_privs), as
    the invoking user (``ns`` drops supplementary groups too). Pid 1 of the namespace is a small trusted
    init that dies with the launcher (parent-death signal); when it ends, the kernel kills every process
    left in the namespace, so nothing started by DAG code (setsid, double fork) survives the run.
``uid`` (root, no namespaces: a container without CAP_SYS_ADMIN)
    The DAG child runs as a user id of its own with no groups and no_new_privs; the launcher is a child
    subreaper and, at the end, kills every process of that user id (``kill(-1)`` from that id).
``none`` (only with ``--dagbag-unsandboxed``)
    Same user, no containment; the launcher still kills what the child left behind (subreaper).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import signal
import socket
import struct
import sys

FAIL_EXIT = 125

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_MOVE, MS_REC = 0x20, 0x400, 0x800, 0x1000, 0x2000, 0x4000
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
MNT_DETACH = 0x2
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 0x1, 0x2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 4, 24, 28
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 38, 47, 4
SECURE_ALL_BITS_AND_LOCKS = 0x3F | 0xC0  # noroot, no_setuid_fixup, keep_caps (+locks), no_cap_ambient_raise (+lock)
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
_SYSCALLS = {  # pivot_root, mount_setattr
    "x86_64": (155, 442), "amd64": (155, 442), "aarch64": (41, 442), "arm64": (41, 442),
    "riscv64": (41, 442), "ppc64le": (203, 442), "s390x": (217, 442),
}

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """Containment could not be set up; the message says which step (never any file content)."""


def _check(result: int, what: str) -> int:
    if result == -1:
        number = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(number)}")
    return result


def _prctl(option: int, arg: int = 0, what: str = "prctl") -> int:
    return _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                              ctypes.c_ulong(0)), what)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def encode(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {fstype or 'bind'} on {target}")


def _syscall(index: int) -> int | None:
    numbers = _SYSCALLS.get(platform.machine().lower())
    return numbers[index] if numbers else None


def _report(line: str) -> None:
    """The one status line the parent reads (stdout is a pipe to it until DAG code starts)."""
    try:
        os.write(1, (line.replace("\n", " ")[:500] + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def _fail(reason: str) -> None:
    _report("fail " + reason)
    os._exit(FAIL_EXIT)


# ---------------------------------------------------------------------------------------------- namespaces


class _Tree:
    """Builds the DAG child's root file system on a tmpfs mounted at `top` (inside its private home)."""

    def __init__(self, top: str) -> None:
        self.top = top
        self.devices: set[int] = set()  # the tmpfs mounts of the tree itself: the only places it creates in

    def at(self, path: str) -> str:
        return self.top + path if path != "/" else self.top

    def tmpfs(self, path: str, flags: int, options: str) -> str:
        target = self.ensure(path)
        _mount("tmpfs", target, "tmpfs", flags, options)
        self.devices.add(os.lstat(target).st_dev)
        return target

    def ensure(self, path: str, directory: bool = True) -> str:
        """The mount point for `path` inside the tree; created only on the tree's own tmpfs (never on a
        bound host folder, which would write to the host), never through a symlink."""
        target = self.at(path)
        if os.path.islink(target):
            raise SetupError(f"{path} is a symlink inside the sandbox tree")
        if os.path.lexists(target):
            return target
        parent = os.path.dirname(path.rstrip("/")) or "/"
        parent_target = self.ensure(parent)
        if os.lstat(parent_target).st_dev not in self.devices:
            raise SetupError(f"no mount point for {path} inside a bound folder")
        if directory:
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        return target

    def link(self, path: str, target: str) -> None:
        where = self.at(path)
        if os.path.lexists(where):
            return
        parent = self.ensure(os.path.dirname(path) or "/")
        if os.lstat(parent).st_dev in self.devices:
            os.symlink(target, where)

    def bind(self, source: str, path: str | None = None) -> str:
        path = path or source
        target = self.ensure(path, directory=os.path.isdir(source))
        try:
            _mount(source, target, None, MS_BIND)
        except SetupError:  # a mount with locked submounts (user namespace) binds only as a whole
            _mount(source, target, None, MS_BIND | MS_REC)
        return target


def _setup_root(spec: dict) -> None:
    """Mount the child's file system (read-only but for its home and scratch space) and switch to it."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing propagates back to the host
    tree = _Tree(spec["root"])
    _mount("tmpfs", tree.top, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    tree.devices.add(os.lstat(tree.top).st_dev)
    tmp = tree.tmpfs("/tmp", MS_NOSUID | MS_NODEV, "mode=1777,size=64m")
    dev = tree.tmpfs("/dev", MS_NOSUID, "mode=0755,size=64k")
    for name, target in spec["links"]:
        tree.link(name, target)
    for path in spec["ro"]:
        if os.path.exists(path) and not os.path.islink(tree.at(path)):
            tree.bind(path)
    for path in spec["hide"]:  # .git folders inside bound trees: an empty read-only tmpfs over each
        target = tree.at(path)
        if os.path.isdir(target) and not os.path.islink(target):
            _mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    writable = [tree.bind(spec["home"])]
    if "/tmp" not in spec["ro"]:
        writable.append(tmp)
    for node in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists("/dev/" + node):
            tree.bind("/dev/" + node)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    writable.append(tree.tmpfs("/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777,size=64m"))
    try:  # this PID namespace's own processes only; refused where the host's /proc is partly masked (a
        # container) in a user namespace: then there is no /proc at all, which hides the parent as well
        _mount("proc", tree.ensure("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except SetupError:
        if not spec.get("proc_optional", True):
            raise
    _read_only(tree.top, writable)
    _switch_root(tree.top)


def _read_only(top: str, writable: list[str]) -> None:
    """Every mount of the tree read-only (and nosuid), except the writable ones."""
    number = _syscall(1)
    if number is not None:
        attr = struct.pack("QQQQ", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
        result = _libc.syscall(ctypes.c_long(number), ctypes.c_int(AT_FDCWD), top.encode(),
                               ctypes.c_uint(AT_RECURSIVE), ctypes.c_char_p(attr), ctypes.c_size_t(len(attr)))
        if result == 0:
            clear = struct.pack("QQQQ", 0, MOUNT_ATTR_RDONLY, 0, 0)
            for path in writable:
                _check(_libc.syscall(ctypes.c_long(number), ctypes.c_int(AT_FDCWD), path.encode(), ctypes.c_uint(0),
                                     ctypes.c_char_p(clear), ctypes.c_size_t(len(clear))), f"writable {path}")
            return
        if ctypes.get_errno() not in (errno.ENOSYS, errno.EINVAL, errno.EPERM):
            _check(-1, "read-only remount")
    _read_only_by_remount(top, writable)


_MOUNT_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                  "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}


def _read_only_by_remount(top: str, writable: list[str]) -> None:
    """Kernels before 5.12 (no mount_setattr): remount each mount, keeping the flags a user namespace locks."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        entries = [line.split() for line in handle]
    for fields in entries:
        point = fields[4].encode().decode("unicode_escape")
        if point != top and not point.startswith(top + "/"):
            continue
        flags = MS_BIND | MS_REMOUNT | MS_NOSUID
        for option in fields[5].split(","):
            flags |= _MOUNT_OPTIONS.get(option, 0)
        if point not in writable:
            flags |= MS_RDONLY
        _mount(None, point, None, flags)


def _switch_root(top: str) -> None:
    os.chdir(top)
    number = _syscall(0)
    if number is not None and _libc.syscall(ctypes.c_long(number), b".", b".") == 0:
        _check(_libc.umount2(b".", ctypes.c_int(MNT_DETACH)), "detach the old root")  # the host's tree is gone
    else:
        _mount(top, "/", None, MS_MOVE)
        os.chroot(".")
    os.chdir("/")


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        import fcntl

        flags = struct.unpack("16sH22x", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _write(path: str, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)


# ------------------------------------------------------------------------------------------------ privileges


def _last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return 63


PR_CAPBSET_READ, PR_GET_NO_NEW_PRIVS, PR_CAP_AMBIENT_IS_SET = 23, 39, 1


def _drop_privileges(uid: int | None, gid: int | None, set_groups: bool, last_cap: int) -> None:
    """No capabilities left or obtainable (bounding set, ambient, securebits, no_new_privs), then `uid`/`gid`.
    Checked through the system calls themselves (the sandbox may have no /proc)."""
    _libc.prctl(ctypes.c_int(PR_SET_SECUREBITS), ctypes.c_ulong(SECURE_ALL_BITS_AND_LOCKS), 0, 0, 0)  # best effort
    for capability in range(last_cap + 1):
        if _libc.prctl(ctypes.c_int(PR_CAPBSET_DROP), ctypes.c_ulong(capability), 0, 0, 0) == -1 \
                and ctypes.get_errno() != errno.EINVAL:
            _check(-1, "drop the capability bounding set")
    if set_groups:
        os.setgroups([])
    if gid is not None:
        os.setresgid(gid, gid, gid)
    if uid is not None:
        os.setresuid(uid, uid, uid)
    _libc.prctl(ctypes.c_int(PR_CAP_AMBIENT), ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    header = ctypes.create_string_buffer(struct.pack("Ii", 0x20080522, 0), 8)
    _check(_libc.capset(header, ctypes.create_string_buffer(24)), "clear capabilities")
    _prctl(PR_SET_NO_NEW_PRIVS, 1, "no_new_privs")
    data = ctypes.create_string_buffer(24)
    _check(_libc.capget(header, data), "read capabilities")
    if any(struct.unpack("6I", data.raw)):
        raise SetupError("capabilities remain")
    for capability in range(last_cap + 1):
        if _libc.prctl(ctypes.c_int(PR_CAPBSET_READ), ctypes.c_ulong(capability), 0, 0, 0) == 1 or _libc.prctl(
                ctypes.c_int(PR_CAP_AMBIENT), ctypes.c_ulong(PR_CAP_AMBIENT_IS_SET), ctypes.c_ulong(capability), 0, 0) == 1:
            raise SetupError("capabilities remain in the bounding or ambient set")
    if _libc.prctl(ctypes.c_int(PR_GET_NO_NEW_PRIVS), 0, 0, 0, 0) != 1:
        raise SetupError("no_new_privs not set")


# ---------------------------------------------------------------------------------------------------- child


def _exec_child(spec: dict, mode: str) -> None:
    """In the forked DAG child: stdin/stdout to /dev/null, report ready, exec. Never returns."""
    try:
        null = os.open("/dev/null", os.O_RDWR)
        os.chdir(spec["home"])
        os.dup2(null, 0)
        _report("ready " + mode)
        os.dup2(null, 1)
        os.closerange(3, 65536)
        os.execve(spec["argv"][0], spec["argv"], spec["env"])
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, f"airguard-sandbox: cannot start the DagBag child: {type(exc).__name__}\n".encode())
        finally:
            os._exit(127)


def _set_parent_death_signal() -> None:
    """SIGTERM when the parent dies: handled like the parent's own stop (the child and all it started die)."""
    before = os.getppid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM, "parent-death signal")
    if os.getppid() != before:  # the parent died before the signal was armed
        os._exit(FAIL_EXIT)


def _can_read(uid: int, gid: int, paths: list[str]) -> bool:
    """Whether `uid`/`gid` (no groups) can read every path: checked in a throw-away child."""
    helper = os.fork()
    if helper == 0:
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            os._exit(0 if all(os.access(p, os.R_OK) for p in paths) else 1)
        except BaseException:  # noqa: BLE001
            os._exit(2)
    _, status = os.waitpid(helper, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _hand_over(home: str, uid: int, gid: int) -> None:
    """Give the (parent-made, still empty) home to the user the child runs as."""
    for folder, names, files in os.walk(home):
        for name in [folder, *(os.path.join(folder, n) for n in names + files)]:
            os.lchown(name, uid, gid)


def _pick_identity(spec: dict) -> tuple[int | None, int | None]:
    """The first of the spec's (uid, gid) candidates that can read what the load needs (its home is then
    handed to it); none given: keep the current ids (a user namespace maps only the caller)."""
    candidates = spec.get("identities") or []
    if not candidates:
        return None, None
    for uid, gid in candidates:
        if _can_read(uid, gid, spec["readable"]):
            _hand_over(spec["home"], uid, gid)
            return uid, gid
    raise SetupError("the DAG folders or the Python installation are not readable by the sandbox user")


def _init(spec: dict, mode: str, launcher_alive: int) -> None:
    """Pid 1 of the new PID namespace: build the file system, drop privileges, run the DAG child, reap.
    When it exits, the kernel kills every other process of the namespace. Never returns."""
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, "parent-death signal")
        # The launcher holds the other end open; a hang-up means it died before the signal was armed.
        import select

        if select.select([launcher_alive], [], [], 0)[0]:
            os._exit(FAIL_EXIT)
        for name in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(name, signal.SIG_DFL)
        last_cap = _last_capability()  # read while the host's /proc is still there
        _setup_root(spec)
        try:
            _loopback_up()
        except OSError:
            pass
        try:
            socket.sethostname("airguard-dagbag")
        except OSError:
            pass
        uid, gid = _pick_identity(spec)
        _drop_privileges(uid, gid, set_groups=mode == "ns", last_cap=last_cap)
        _prctl(PR_SET_DUMPABLE, 0, "not dumpable")  # DAG code (same uid) cannot ptrace this init
    except (SetupError, OSError) as exc:
        _fail(str(exc))
    child = os.fork()
    if child == 0:
        os.close(launcher_alive)
        _exec_child(spec, mode)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 1)  # the status pipe stays with the DAG child only until it starts
    code = 1
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            break
    os._exit(code if code >= 0 else 128 - code)


def _run_namespaced(spec: dict, mode: str) -> int:
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if mode == "userns":
        flags |= CLONE_NEWUSER
    try:
        _check(_libc.unshare(ctypes.c_int(flags)), "unshare")
        if mode == "userns":
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
            _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
    except (SetupError, OSError) as exc:
        _fail(str(exc))
    alive_read, alive_write = os.pipe()
    return _supervise(spec, lambda: (os.close(alive_write), _init(spec, mode, alive_read)), cleanup=None,
                      keep_open=alive_write)


# ---------------------------------------------------------------------------------------- uid / none modes


def _kill_uid(uid: int) -> None:
    """Kill every process of `uid` (a user id of this run only): kill(-1) from that user id, until none."""
    for _ in range(100):
        helper = os.fork()
        if helper == 0:
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
                os._exit(0)
            except ProcessLookupError:
                os._exit(3)  # nothing left
            except BaseException:  # noqa: BLE001
                os._exit(4)
        _, status = os.waitpid(helper, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(name))
    return found


def _kill_descendants() -> None:
    """As a child subreaper: kill every child (orphans land here too) until none is left."""
    for _ in range(1000):
        children = _children(os.getpid())
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap(block=False)
    _reap(block=False)


def _reap(block: bool) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        if pid == 0:
            return


def _run_subreaped(spec: dict, mode: str) -> int:
    try:
        _prctl(PR_SET_CHILD_SUBREAPER, 1, "child subreaper")
    except SetupError as exc:
        if mode != "none":
            _fail(str(exc))

    def child() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if mode == "uid":
            uid = int(spec["uid"])
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                resource.setrlimit(resource.RLIMIT_NPROC, (256, 256))
                _prctl(PR_SET_NO_NEW_PRIVS, 1, "no_new_privs")
                if not all(os.access(path, os.R_OK) for path in spec["readable"]):
                    raise SetupError("the DAG folders or the Python installation are not readable by an "
                                     "unprivileged user")
                if any(os.path.exists(path) and os.access(path, os.W_OK) for path in spec["ro"]):
                    raise SetupError("the installation or the DAG folders are writable by an unprivileged user")
            except (SetupError, OSError) as exc:
                _fail(str(exc))
        _exec_child(spec, mode)

    def cleanup() -> None:
        if mode == "uid":
            _kill_uid(int(spec["uid"]))
        _kill_descendants()
        _reap(block=True)

    if mode == "uid":
        try:
            os.chmod(spec["base"], 0o711)  # the child's way to its home; the rest stays private
            _hand_over(spec["home"], int(spec["uid"]), int(spec["uid"]))
        except OSError as exc:
            _fail(f"cannot hand the home over: {exc.strerror}")
    return _supervise(spec, child, cleanup)


# ---------------------------------------------------------------------------------------------- supervising


def _supervise(spec: dict, start, cleanup, keep_open: int | None = None) -> int:
    """Fork the contained process and wait for it. SIGTERM (the parent's timeout) kills it; `cleanup`
    then removes everything it left behind."""
    stop = {"child": 0}

    def on_signal(number: int, frame: object) -> None:
        if stop["child"]:
            try:
                os.kill(stop["child"], signal.SIGKILL)
            except ProcessLookupError:
                pass

    mask = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM}
    signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    for number in mask:
        signal.signal(number, on_signal)
    child = os.fork()
    if child == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, mask)
        start()
        os._exit(FAIL_EXIT)
    stop["child"] = child
    # Its own deadline, should the parent be gone without a word (killed, or behind sudo).
    signal.setitimer(signal.ITIMER_REAL, float(spec.get("deadline_seconds") or 3600))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, mask)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    if cleanup is not None:
        cleanup()
    if keep_open is not None:
        os.close(keep_open)
    return code if code >= 0 else 128 - code


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        _fail("usage: sandbox.py SPEC")
    try:
        with open(argv[0], encoding="utf-8") as handle:
            spec = json.load(handle)
        mode = spec["mode"]
    except (OSError, ValueError, KeyError) as exc:
        _fail(f"unreadable sandbox spec ({type(exc).__name__})")
    if not sys.platform.startswith("linux"):
        if mode != "none":
            _fail("containment needs Linux")
        _exec_child(spec, mode)
    try:
        _set_parent_death_signal()  # the parent (or sudo) dies: this launcher stops the child as on a timeout
    except SetupError as exc:
        _fail(str(exc))
    if mode in ("ns", "userns"):
        return _run_namespaced(spec, mode)
    if mode in ("uid", "none"):
        return _run_subreaped(spec, mode)
    _fail(f"unknown mode {mode!r}")
    return FAIL_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
