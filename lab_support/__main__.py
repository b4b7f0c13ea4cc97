"""Entry point of `python -m lab_support`."""

import sys

from lab_support.cli import main

sys.exit(main())
