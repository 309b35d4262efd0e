"""The `--aws-unit-timeout` flag, apart from `deadline.py`: the command line builds its parser on every
run (the pre-commit path included), and must not load the AWS machinery to do it."""

from __future__ import annotations

import argparse
import os
from typing import Any

UNIT_TIMEOUT_ENV = "AIRGUARD_AWS_UNIT_TIMEOUT"


class UnitTimeoutAction(argparse.Action):
    """``--aws-unit-timeout SECONDS`` on the command line: checked, then made the default of every
    `SessionOptions` the run builds (through `AIRGUARD_AWS_UNIT_TIMEOUT`, as ``--no-cache`` sets its variable)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        try:
            seconds = float(values)
        except (TypeError, ValueError):
            parser.error(f"{option_string}: not a number of seconds: {values!r}")
        if not 0 < seconds < float("inf"):
            parser.error(f"{option_string}: must be more than 0 seconds: {values!r}")
        os.environ[UNIT_TIMEOUT_ENV] = repr(seconds)
        setattr(namespace, self.dest, seconds)
