"""The one way airguard opens a file it did not write itself.

Everything airguard reads (scanned files, its configuration, a baseline, an AWS snapshot, rule files,
`.airflowignore`) may have been written by the author of a pull request. So a read:

- resolves the path and refuses it when its real location is outside the allowed folders (a symlink
  `config/.env -> ~/.aws/credentials` or `dags/x.py -> /proc/self/environ` is never opened);
- refuses the kernel's pseudo file systems (`/proc`, `/sys`, `/dev`) wherever they are reached from;
- opens with ``O_NOFOLLOW | O_NONBLOCK`` and reads only regular files (no FIFO that blocks forever, no
  device that never ends);
- reads at most ``cap + 1`` bytes, so a file over its cap is refused without being loaded.

A refusal is a `ReadRefused` with a message that names no file content; callers turn it into a notice.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

MIB = 1024 * 1024

# Caps per kind of file (bytes). Scanned files of every kind, DAG code included, share one cap.
SCANNED_FILE_CAP = 5 * MIB
CONFIG_CAP = 1 * MIB          # .airguard.toml, pyproject.toml, .airflowignore
RULE_FILE_CAP = 1 * MIB
BASELINE_CAP = 64 * MIB
SNAPSHOT_CAP = 512 * MIB

_PSEUDO_FILE_SYSTEMS = ("/proc", "/sys", "/dev")
_READ_CHUNK = 1 * MIB


class ReadRefused(Exception):
    """A file airguard would not (or could not) read; `message` is safe to print."""

    def __init__(self, message: str, *, too_large: bool = False, not_regular: bool = False,
                 cause: OSError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large
        self.not_regular = not_regular
        self.cause = cause  # the error of a read that failed


def real_path(path: Path | str) -> Path:
    """The path with every symlink resolved (lexically absolute when it does not exist)."""
    return Path(os.path.realpath(path))


def is_within(path: Path, folders: Iterable[Path]) -> bool:
    """Whether `path` (already real) is one of `folders` (already real) or below one of them."""
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


def _pseudo(path: Path) -> bool:
    text = path.as_posix()
    return any(text == top or text.startswith(top + "/") for top in _PSEUDO_FILE_SYSTEMS)


def check_location(path: Path | str, within: Iterable[Path] | None) -> Path:
    """The real path of `path`, or ReadRefused when it lies outside `within` or on a pseudo file system."""
    real = real_path(path)
    if within is not None and not is_within(real, within):
        raise ReadRefused("refused: the path resolves outside the scanned folder (symlink?); not read")
    if _pseudo(real):
        raise ReadRefused("refused: the path resolves into /proc, /sys or /dev; not read")
    return real


def read_bytes(path: Path | str, cap: int, within: Iterable[Path] | None = None) -> bytes:
    """At most `cap` bytes of a regular file whose real location is inside `within` (any, when None)."""
    real = check_location(path, within)
    try:
        return read_regular(real, cap)
    except OSError as exc:
        raise ReadRefused(f"cannot read file: {os_reason(exc)}") from None


def read_regular(path: Path | str, cap: int, *, tail: int | None = None) -> bytes:
    """At most `cap` bytes of the regular file at `path` itself, whose location is not checked (`read_bytes`
    checks it first; a file airguard made calls this directly); a symlink there is not followed. With
    `tail`, the last `tail` bytes of the file whatever its size (a log's end). OSError when it cannot be
    opened; ReadRefused when it is not a regular file (`not_regular`), is over the cap (`too_large`) or
    cannot be read (`cause`)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ReadRefused("refused: not a regular file (FIFO, device or socket); not read", not_regular=True)
        if tail is not None:
            os.lseek(descriptor, max(0, status.st_size - tail), os.SEEK_SET)
            cap = tail
        elif status.st_size > cap:
            raise ReadRefused(f"file is larger than {_size(cap)}; not scanned", too_large=True)
        chunks: list[bytes] = []
        remaining = cap + 1
        # the whole file in the first read (a byte more, to see it grow), then chunks: a large file read in
        # chunks was joined into one more copy of itself (195 MB for a 50,000-security-group snapshot)
        size = max(_READ_CHUNK, status.st_size + 1) if tail is None else _READ_CHUNK
        while remaining > 0:
            chunk = os.read(descriptor, min(size, remaining))
            size = _READ_CHUNK
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        if tail is not None:  # grew while being read: its last bytes still
            return b"".join(chunks)[-cap:]
        if remaining <= 0:  # grew past the cap while being read
            raise ReadRefused(f"file is larger than {_size(cap)}; not scanned", too_large=True)
        return b"".join(chunks)
    except OSError as exc:
        raise ReadRefused(f"cannot read file: {os_reason(exc)}", cause=exc) from None
    finally:
        os.close(descriptor)


def os_reason(exc: OSError) -> str:
    """Why an OS call failed, in words that name no file content (`Permission denied`)."""
    return exc.strerror or type(exc).__name__


def read_text(path: Path | str, cap: int, within: Iterable[Path] | None = None) -> str:
    """`read_bytes` decoded as UTF-8 (BOM dropped, undecodable bytes replaced)."""
    return decode_text(read_bytes(path, cap, within))


def decode_text(data: bytes) -> str:
    """A file's bytes as text: UTF-8 with its BOM dropped and undecodable bytes replaced."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def _size(cap: int) -> str:
    return f"{cap // MIB} MiB" if cap >= MIB and cap % MIB == 0 else f"{cap} bytes"


def scan_boundaries(paths: Iterable[Path], root: Path) -> list[Path]:
    """The real folders a scan may read from: the report root for every path written inside it (so a
    symlink in the tree cannot lead out of it), and a path named outside the root as its own real self
    (the user chose it)."""
    lexical_root = Path(os.path.abspath(root))
    real_root = real_path(root)
    boundaries: list[Path] = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        if absolute == lexical_root or absolute.is_relative_to(lexical_root) or absolute.is_relative_to(real_root):
            boundary = real_root
        else:
            real = real_path(absolute)
            boundary = real if real.is_dir() else real.parent
        if boundary not in boundaries:
            boundaries.append(boundary)
    return boundaries
