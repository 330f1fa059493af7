"""Command line: ``python -m tools.plan_guard PREVIEW.json [--allow plan-guard-allow.yaml]``.

Exit status: 0 the plan loses nothing guarded (or only what the allow file names), 1 refused
(each refused step printed with what it loses), 2 bad input (the file and the problem named).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.plan_guard.allow import Allowance, AllowFileError, load_allow_file
from tools.plan_guard.digest import DigestError, load_digest
from tools.plan_guard.guard import Verdict, judge

EXIT_ALLOWED = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Judge one plan file; print the verdict; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.plan_guard",
        description="Refuse a Pulumi plan that deletes or replaces a stateful resource or an "
        "account-level setting, unless an allow file names its URN with a reason.",
    )
    parser.add_argument("preview", type=Path, help="the JSON `pulumi preview --json` wrote")
    parser.add_argument(
        "--allow", type=Path, default=None, help="allow file (YAML: allow: [{urn, reason}])"
    )
    args = parser.parse_args(argv)
    try:
        digest = load_digest(args.preview)
        allowances: dict[str, Allowance] = (
            load_allow_file(args.allow) if args.allow is not None else {}
        )
    except (DigestError, AllowFileError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_BAD_INPUT
    verdict = judge(digest, allowances)
    sys.stdout.write(render(args.preview, verdict))
    return EXIT_REFUSED if verdict.refused else EXIT_ALLOWED


def render(source: Path, verdict: Verdict) -> str:
    """The printout: refused first, then allowed and retained, then unused allowances."""
    refused = verdict.refused
    passed = [j for j in verdict.judgements if not j.refused]
    out = []
    for judgement in refused:
        out.append(f"REFUSED {judgement.explain()}")
    for judgement in passed:
        label = "RETAINED" if judgement.retained and judgement.allowance is None else "ALLOWED"
        out.append(f"{label} {judgement.explain()}")
    for allowance in verdict.unused:
        out.append(f"note: the allow file names {allowance.urn}, which this plan does not lose")
    if refused:
        out.append(
            f"plan guard: {source} refused: {len(refused)} step(s) lose data or an "
            "account-wide setting. Change the program so they keep the resource (aliases, "
            "the same physical name, retainOnDelete), or name the URN in the allow file with "
            "the reason the loss is accepted."
        )
    else:
        out.append(
            f"plan guard: {source} allowed ({len(passed)} guarded delete/replace step(s), "
            "each allowed or retained)"
        )
    return "\n".join(out) + "\n"
