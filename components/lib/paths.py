"""Where the Lambda sources and the build output are, in the repository and when installed.

In the repository ``functions/`` sits next to ``components/``. ``pip install`` copies it into the
installed package (``cw_analytics_components/functions/``), so a program that only installed the
library still packages the same Lambda code.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""``components/`` in the repository, ``cw_analytics_components/`` when installed."""
BUILD_DIR_ENV = "CW_ANALYTICS_BUILD_DIR"

_INSTALLED_FUNCTIONS = PACKAGE_ROOT / "functions"
INSTALLED = _INSTALLED_FUNCTIONS.is_dir()
"""Whether this is the installed library rather than the repository's ``components/``."""
FUNCTIONS_DIR = _INSTALLED_FUNCTIONS if INSTALLED else PACKAGE_ROOT.parent / "functions"
"""The Lambda sources: ``functions/<name>/`` per function, ``functions/shared/`` for all."""
REPO_ROOT = PACKAGE_ROOT.parent
"""The repository root (meaningful only when not ``INSTALLED``)."""


def default_build_dir() -> Path:
    """``$CW_ANALYTICS_BUILD_DIR`` if set, else ``.build`` in the repository or, installed, in
    the working directory (the Pulumi project the program runs in), never in site-packages."""
    override = os.environ.get(BUILD_DIR_ENV)
    if override:
        return Path(override)
    return Path.cwd() / ".build" if INSTALLED else REPO_ROOT / ".build"
