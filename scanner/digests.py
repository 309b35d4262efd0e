"""SHA-256 and BLAKE2b, from CPython's built-in hash modules when it has them.

`import hashlib` loads OpenSSL's bindings (`_hashlib`: ~11M instructions, ~3 ms, a tenth of a pre-commit run)
to offer every algorithm; a scan needs two, which CPython also builds in: `_sha256` (`_sha2` from 3.12) and
`_blake2` (which `hashlib.blake2b` is anyway). They compute the same digests; on an interpreter without them
(another implementation, a build that left them out) hashlib's are used.
"""

from __future__ import annotations

__all__ = ["blake2b", "sha256"]   # called as hashlib's constructors are: (data=b"", **options) -> a hash object

try:
    from _sha256 import sha256  # CPython 3.11
except ImportError:
    try:
        from _sha2 import sha256  # CPython 3.12 and later
    except ImportError:
        from hashlib import sha256

try:
    from _blake2 import blake2b
except ImportError:
    from hashlib import blake2b
