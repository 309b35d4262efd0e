"""`python -m airguard`: the same program as the `airguard` command (the code lives in `scanner`)."""

from scanner import __version__

__all__ = ["__version__"]
