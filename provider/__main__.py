"""Entry point of the component package: serve the repository's components to Pulumi.

The library lives one directory up (``components/``); the language host starts this file with
the plugin directory as the working directory, so the repository root goes on the path first.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.provider import main  # noqa: E402 - needs the repository root on the path

if __name__ == "__main__":
    main()
