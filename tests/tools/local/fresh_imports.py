"""What importing a module loads, seen in a fresh interpreter (this one has loaded everything)."""

from __future__ import annotations

import json
import subprocess
import sys

from tools.local import contract


def loaded_by_importing(module: str, packages: set[str]) -> list[str]:
    """Which of ``packages`` (top-level names) a fresh interpreter has loaded after importing
    ``module`` from the repository's root."""
    probe = (
        f"import json, sys, {module}; "
        f"print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}} & {packages!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=contract.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [str(name) for name in json.loads(result.stdout)]
