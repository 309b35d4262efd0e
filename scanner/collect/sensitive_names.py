"""The names a deployment adds to the fields Airflow masks: `[core] sensitive_var_conn_names` in
airflow.cfg, or `AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES` in an env file, compose file or Helm values.

Airflow then hides the values of connection extras and Variables under those names; airguard must not
show them either. They are found in the config files' bytes before any is collected (read once by
`collect_files`; a byte search, and only files that mention the setting are looked at more closely), so every collector already treats
them as sensitive and the file cache keys include them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SETTING = b"sensitive_var_conn_names"
# `sensitive_var_conn_names = a,b` (cfg) / `AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES=a,b` / `...: "a,b"`;
# bounded, anchored on the literal name: linear on any line
_VALUE = re.compile(r"sensitive_var_conn_names[\"']?[ \t]{0,16}[=:][ \t]{0,16}[\"']?([A-Za-z0-9_, .-]{1,1000})",
                    re.IGNORECASE)


def extra_sensitive_names(contents: Iterable[bytes]) -> frozenset[str]:
    """Every name the scanned configuration files (their bytes) add, lower-cased as Airflow compares them."""
    names: set[str] = set()
    for data in contents:
        if _SETTING not in data.lower():
            continue
        text = data.decode("utf-8", errors="replace")
        for match in _VALUE.finditer(text):
            names.update(part.strip().lower() for part in match.group(1).split(",") if part.strip())
    return frozenset(names)
