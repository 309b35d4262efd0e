"""`python -m scanner` runs the airguard command line."""

from scanner.cli import run

run()
