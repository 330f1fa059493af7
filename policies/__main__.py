"""Entry point the Pulumi engine runs (cwd = this directory): build the cw-analytics-guard pack."""

import sys
from pathlib import Path

# The engine runs this file with policies/ as the working directory, so `policies` is not
# importable yet; tests import it from the repository root. Put the root on sys.path for both.
_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.rules.registry import PACK_NAME, POLICIES  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=POLICIES,
)
