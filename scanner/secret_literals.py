"""The literal words the secret shapes (`secret_shapes`) and secret names need, without their regexes.

The DAG-file pre-check (`scanner.collect.pycode.precheck`) searches a file's bytes for them; a warm scan
pre-checks every DAG file and analyses none, so it reads these and never compiles the shapes' regexes.
"""

from __future__ import annotations

# What every AWS access key id starts with (the shapes, the redactor's pre-tests and the pre-check read them).
AWS_KEY_ID_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA")

# Every literal a shape needs, lower-cased: a byte pre-check (the DAG-file one) that holds none of these
# cannot see a shape. `://` + `@` stands for URLs with a password.
PRECHECK_LITERALS = (*(prefix.lower().encode() for prefix in AWS_KEY_ID_PREFIXES), b"hooks.slack.com", b"xox", b"gho_", b"ghp_", b"ghu_",
                     b"ghs_", b"ghr_", b"github_pat_", b"glpat-", b"k_live_", b"aiza", b"private key",
                     b"eyj", b"bearer")

# `<word> key` names that are secrets whatever the value looks like (`consumer_key`, `SEGMENT_WRITE_KEY`).
KEY_NAME_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"),
                            ("signing", "key"), ("encryption", "key"), ("master", "key"), ("app", "key"),
                            ("consumer", "key"), ("write", "key"), ("routing", "key"), ("integration", "key"),
                            ("license", "key"), ("service", "key"), ("account", "key"), ("sas", "key"),
                            ("shared", "key"), ("session", "key"), ("fernet", "key")})
