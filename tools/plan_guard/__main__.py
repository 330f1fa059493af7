"""Entry point for ``python -m tools.plan_guard``."""

import sys

from tools.plan_guard.cli import main

sys.exit(main())
