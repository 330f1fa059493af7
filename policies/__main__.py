"""Entry point the Pulumi engine runs (cwd = this directory): build the cw-analytics-guard pack.

``pulumi policy publish`` archives this folder alone, so the pack imports its rules as the
top-level package ``rules`` found next to this file, never through the repository around it.
Tests import the same modules as ``policies.rules``; the rules use relative imports only, so both
names work.
"""

import sys
from pathlib import Path

_PACK_DIR = str(Path(__file__).resolve().parent)
if _PACK_DIR not in sys.path:
    sys.path.insert(0, _PACK_DIR)

import threading  # noqa: E402

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402
from rules import iam_data  # noqa: E402
from rules.registry import PACK_NAME, POLICIES  # noqa: E402

# The engine starts the pack before it runs the program: read the IAM data (~0.3 s) meanwhile,
# so the first Analyze does not wait for it. The load happens once, under a lock: an Analyze that
# arrives first waits for it instead of seeing the data half loaded.
threading.Thread(target=iam_data.warm_up, name="iam-data", daemon=True).start()

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=POLICIES,
)
