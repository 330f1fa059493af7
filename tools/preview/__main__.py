"""``python -m tools.preview``: see ``tools.preview.cli``."""

import sys

from tools.preview.cli import main

sys.exit(main())
