"""How long the offline preview of the dev stack takes, and where the time goes.

Prints (never asserts): the whole ``python -m tools.preview --stack dev`` as CI runs it; its two
halves measured apart — the program under mocks (a child interpreter: imports, program,
recording) and the policy analysis (starting the pack, GetAnalyzerInfo/Configure, Analyze per
resource, AnalyzeStack); and the floor, importing ``pulumi_aws`` and ``pulumi_policy`` in fresh
interpreters. The tool overlaps the two halves (the pack starts while the program runs), so the
whole is less than their sum. Best of ``--repeat`` runs, wall-clock seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


def best_of(repeat: int, action: Callable[[], object]) -> float:
    """The fastest of ``repeat`` timed calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def _fresh(*args: str) -> None:
    subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    """Measure and print the figures for the dev stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--repeat", type=int, default=3)
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

    def analysis() -> None:
        with PolicyPackProcess(pack_dir, config=pack_config) as pack:
            analyse(pack, pack_dir, resources)

    rows = [
        (
            "whole tool: python -m tools.preview",
            best_of(args.repeat, lambda: _fresh("-m", "tools.preview", "--stack", args.stack)),
        ),
        (
            "  program under mocks (child interpreter)",
            best_of(args.repeat, lambda: run_program(stack)),
        ),
        ("  policy analysis (pack start + Analyze + AnalyzeStack)", best_of(args.repeat, analysis)),
        (
            "floor: import pulumi_aws (fresh interpreter)",
            best_of(args.repeat, lambda: _fresh("-c", "import pulumi_aws")),
        ),
        (
            "floor: import pulumi_policy (fresh interpreter)",
            best_of(args.repeat, lambda: _fresh("-c", "import pulumi_policy")),
        ),
        ("floor: empty interpreter", best_of(args.repeat, lambda: _fresh("-c", "pass"))),
    ]
    print(
        f"offline preview of stack {args.stack!r}: {len(resources)} resources, "
        f"best of {args.repeat}"
    )
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
