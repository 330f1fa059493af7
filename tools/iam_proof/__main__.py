"""``python -m tools.iam_proof``: one line per function; exit 1 when a call would be denied or a
grant is unused without a reason in ``tools/iam_proof/justified_grants.yaml``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.iam_proof.calls import read_recording
from tools.iam_proof.grants import JUSTIFIED_GRANTS, load_justifications
from tools.iam_proof.model import check_iam_data
from tools.iam_proof.proof import FunctionProof, prove
from tools.iam_proof.run import RunError, gather
from tools.iam_proof.stack import StackError, from_resources


def report(proofs: Sequence[FunctionProof], *, verbose: bool = False) -> list[str]:
    """The lines to print: a summary per function, then why any failed (or, verbose, the
    justified grants)."""
    lines = [p.summary() for p in proofs]
    for proof in proofs:
        lines += [f"  {line}" for line in proof.details()]
        if verbose:
            lines += [f"  justified {g.label}: {j.reason}" for g, j in proof.justified]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the proof for a stack."""
    parser = argparse.ArgumentParser(prog="python -m tools.iam_proof", description=__doc__)
    parser.add_argument("--stack", default="dev", help="stack to prove (dev)")
    parser.add_argument("--preview", type=Path, default=None, help="reuse this preview JSON")
    parser.add_argument("--justified", type=Path, default=JUSTIFIED_GRANTS)
    parser.add_argument(
        "--function-tests",
        type=Path,
        default=None,
        metavar="LOG",
        help="calls recorded while the functions' own tests ran (CWA_AWS_CALL_LOG=LOG pytest "
        "tests/functions): each action must be granted to the function's role",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list justified grants")
    args = parser.parse_args(argv)
    try:
        check_iam_data()
        justifications = load_justifications(args.justified)
        inputs = gather(args.stack, args.preview)
        stack = from_resources(inputs.resources, inputs.region)
        tests = read_recording(args.function_tests) if args.function_tests else None
        if args.function_tests and not tests:
            raise ValueError(f"{args.function_tests} holds no recorded call")
        proofs = prove(stack, inputs.recordings, justifications, tests)
    except (RunError, StackError, ValueError) as exc:
        print(f"iam-proof: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report(proofs, verbose=args.verbose)))
    return 0 if all(p.passed for p in proofs) else 1


if __name__ == "__main__":
    sys.exit(main())
