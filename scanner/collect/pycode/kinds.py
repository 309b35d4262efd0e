"""Resource types of the DAG analyser that other modules look for without importing it (a warm scan, or
one whose DAG files the pre-check turns away, never loads the analyser)."""

from __future__ import annotations

# Marks a file whose connections, credentials or session durations take values from names it imports from
# other modules (`scanner.collect.pycode.project` analyses it again with those modules once all are read,
# and drops the marker).
CROSS_MODULE = "code.cross_module"
