"""`python -m scanner` runs the airguard command line."""

import sys

from scanner.cli import main

sys.exit(main())
