"""Run the benchmark: python -m lab_support.bench [--json] [--quick]."""

import sys

from lab_support.bench import main

sys.exit(main())
