"""``python -m tools.ci.stack_matrix``: the deploy/drift matrix, one entry per stack file.

Each ``Pulumi.<stack>.yaml`` at the repository root is a stack, so adding a stack file adds a
job. ``prod`` deploys through the ``production`` environment (required reviewers), every other
stack through an environment named after it, and production comes last: the deploy matrix runs
one job at a time, in this order, and stops at the first failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_STACK = "prod"
PRODUCTION_ENVIRONMENT = "production"


def stack_matrix(root: Path = REPO_ROOT) -> list[dict[str, str]]:
    """``[{"stack", "environment", "policyConfig"}, ...]``, production last."""
    stacks = sorted(
        path.name[len("Pulumi.") : -len(".yaml")] for path in root.glob("Pulumi.*.yaml")
    )
    if not stacks:
        raise SystemExit(f"no Pulumi.<stack>.yaml in {root}")
    ordered = sorted(stacks, key=lambda stack: (stack == PRODUCTION_STACK, stack))
    return [
        {
            "stack": stack,
            "environment": PRODUCTION_ENVIRONMENT if stack == PRODUCTION_STACK else stack,
            "policyConfig": f"policies/config/{stack}.json",
        }
        for stack in ordered
    ]


def main() -> int:
    """Print the matrix as compact JSON (for ``$GITHUB_OUTPUT``)."""
    sys.stdout.write(json.dumps({"include": stack_matrix()}, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
