"""How fast the policy pack starts and answers a whole stack, over the analyzer protocol.

Prints (never asserts), best of ``--repeat`` runs, wall-clock seconds: starting the pack process
until it answers GetAnalyzerInfo/Configure; Analyze for every resource of the stack plus
AnalyzeStack once; the total; and the same stack answered again by the warm pack (the engine
starts the pack before running the program, so its IAM data is loaded by the time the resources
arrive). The resources are the stack's own, recorded once by running the program under the
offline preview's mocks.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


def main() -> None:
    """Measure and print the pack's figures for one stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from tools.policy_analyzer import PolicyPackProcess, load_policy_config
    from tools.preview.analysis import analyse
    from tools.preview.program import run_program
    from tools.preview.stack_config import load_stack_config

    stack = load_stack_config(REPO_ROOT, args.stack)
    pack_dir = REPO_ROOT / "policies"
    config_path = pack_dir / "config" / f"{args.stack}.json"
    pack_config = load_policy_config(config_path) if config_path.is_file() else None
    resources = run_program(stack).resources

    best = {k: float("inf") for k in ("start", "analyze", "total", "warm")}
    for _ in range(args.repeat):
        began = time.perf_counter()
        with PolicyPackProcess(pack_dir, config=pack_config, stack=args.stack) as pack:
            pack.info()
            started = time.perf_counter()
            analyse(pack, pack_dir, resources)
            done = time.perf_counter()
            analyse(pack, pack_dir, resources)
            best["warm"] = min(best["warm"], time.perf_counter() - done)
        best["start"] = min(best["start"], started - began)
        best["analyze"] = min(best["analyze"], done - started)
        best["total"] = min(best["total"], done - began)
    print(f"policy pack on stack {args.stack!r}: {len(resources)} resources, best of {args.repeat}")
    print(f"  start (process up, GetAnalyzerInfo, Configure)       {best['start']:6.3f} s")
    print(f"  Analyze every resource + AnalyzeStack                 {best['analyze']:6.3f} s")
    print(f"  total                                                 {best['total']:6.3f} s")
    print(f"  the same stack again, pack warm (as after the program) {best['warm']:6.3f} s")


if __name__ == "__main__":
    main()
