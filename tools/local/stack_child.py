"""Child interpreter that runs the program under mocks for ``tools.local.stack``.

The preview's program child, with one difference: the Lambda archives are built without their
dependencies, in a throw-away build directory. The description the local system needs (table,
environments, schedule) does not depend on the code, and vendoring the dependencies from PyPI
would make the first ``make local`` of a fresh clone wait for the network.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from components.lib import lambda_function
from tools.preview import program_child


def _no_dependencies(arguments: Sequence[str], target: Path) -> None:
    """An installer that installs nothing."""


def main() -> int:
    """Run the request named by argv[1], as ``tools.preview.program_child`` does."""
    with tempfile.TemporaryDirectory(prefix="cwa-local-build-") as build:
        lambda_function.build_function_archive = functools.partial(
            lambda_function.build_function_archive,
            build_dir=Path(build),
            installer=_no_dependencies,
        )
        return program_child.main()


if __name__ == "__main__":
    sys.exit(main())
