"""How long the test suite takes, and where the time goes.

Runs ``python -m pytest`` as ``make pytest`` does (the project's pytest options, so in parallel
over the cores when those options say so) and prints, from pytest's JUnit report: the wall time,
the CPU time of the processes it started (user + system of the workers and of everything they
ran and waited for; a server that detaches, like PostgreSQL's postmaster, is not counted: the
figure a 2-core machine divides by two at best), the outcome counts, the slowest tests
(set-up, call and tear-down together) and the time per test directory (the sum of its tests'
times: worker time, which exceeds the wall time when tests run side by side). ``--lint`` runs
``make lint-code`` beside the suite, as ``make test`` does, and prints when both have ended: what
``make test`` costs. Prints, never asserts::

    python bench/suite.py                        # the suite once
    python bench/suite.py --runs 3 --burners 2   # three runs with two CPU burners alongside
    python bench/suite.py --lint                 # the code lint beside the suite: make test
    python bench/suite.py --junit report.xml     # the figures of an earlier run's JUnit report
    python bench/suite.py -- -n 0 tests/tools    # extra arguments go to pytest

``--burners N`` starts N processes that spin on a core for the whole measurement (and ends them
afterwards): the suite must pass, not only be fast, when the machine is busy with other work.
The exit status is pytest's (of the last failing run, else 0).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BURN = "while True: pass"


@dataclass(frozen=True)
class TestTime:
    """One test's outcome and seconds, as the JUnit report gives them."""

    nodeid: str
    directory: str
    seconds: float
    outcome: str


def _outcome(case: ET.Element) -> str:
    for tag, outcome in (
        ("failure", "failed"),
        ("error", "error"),
        ("skipped", "skipped"),
    ):
        if case.find(tag) is not None:
            return outcome
    return "passed"


def read_junit(path: Path) -> list[TestTime]:
    """Every test case of a pytest JUnit report (``classname`` is the module's dotted path,
    followed by the class for tests in a class)."""
    found = []
    for case in ET.parse(path).getroot().iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        parts = classname.split(".")
        # tests.tools.local.test_local_cli(.TestClass): the module is the first test_* part.
        index = next((i for i, p in enumerate(parts) if p.startswith("test_")), len(parts) - 1)
        directory = "/".join(parts[:index]) or "."
        module = "/".join(parts[: index + 1]) + ".py"
        nodeid = "::".join([module, *parts[index + 1 :], name])
        found.append(
            TestTime(nodeid, directory + "/", float(case.get("time") or 0.0), _outcome(case))
        )
    return found


@dataclass(frozen=True)
class Timing:
    """Wall seconds of a run and the CPU seconds (user + system) of every process it started."""

    wall: float
    cpu: float


def children_cpu() -> float:
    """User + system seconds of this process's finished (and waited-for) descendants so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary(tests: Sequence[TestTime], timing: Timing | None, slowest: int) -> str:
    """The printed figures: wall and CPU time, counts, the slowest tests, seconds per directory."""
    counts = Counter(t.outcome for t in tests)
    total = sum(t.seconds for t in tests)
    lines = []
    if timing is not None:
        lines.append(f"wall time: {timing.wall:.1f} s; CPU time: {timing.cpu:.1f} s")
    lines.append(
        f"tests: {len(tests)} ("
        + ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
        + f"); test time summed: {total:.1f} s"
    )
    lines += ["", f"{slowest} slowest tests (s):"]
    for test in sorted(tests, key=lambda t: t.seconds, reverse=True)[:slowest]:
        lines.append(f"  {test.seconds:7.2f}  {test.nodeid}")
    per_directory: dict[str, list[float]] = defaultdict(list)
    for test in tests:
        per_directory[test.directory].append(test.seconds)
    lines += ["", "time per directory (s, summed over its tests):"]
    for directory, times in sorted(per_directory.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"  {sum(times):7.1f}  {len(times):5d} tests  {directory}")
    return "\n".join(lines)


@contextmanager
def burners(count: int) -> Iterator[None]:
    """``count`` processes spinning on a core each, ended on the way out."""
    started = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(count)]
    try:
        yield
    finally:
        for process in started:
            process.kill()
            process.wait()


def timed(command: Sequence[str]) -> tuple[int, Timing]:
    """Run ``command`` in the repository; its exit status, wall and CPU time."""
    cpu_before, started = children_cpu(), time.perf_counter()
    done = subprocess.run(list(command), cwd=REPO_ROOT, check=False)
    return done.returncode, Timing(time.perf_counter() - started, children_cpu() - cpu_before)


def run_suite(pytest_args: Sequence[str], junit: Path) -> tuple[int, Timing]:
    """One run of the suite; pytest's exit status and its timing."""
    return timed([sys.executable, "-m", "pytest", "-q", f"--junitxml={junit}", *pytest_args])


LINT = ["make", "--no-print-directory", "lint-code"]


def run_suite_with_lint(
    pytest_args: Sequence[str], junit: Path
) -> tuple[int, Timing, int, Timing, float]:
    """The suite with ``make lint-code`` beside it, as ``make test`` runs them: pytest's exit
    status and timing, the lint's, and the wall time until both had ended. The lint's output is
    kept and printed after the suite's, as ``make test`` prints it."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        lint = subprocess.Popen(LINT, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        # The lint is not waited for until the suite ends: the suite's CPU figure is its own.
        code, timing = run_suite(pytest_args, junit)
        cpu_before = children_cpu()
        lint_code = lint.wait()
        both = time.perf_counter() - started
        lint_timing = Timing(both, children_cpu() - cpu_before)
        log.seek(0)
        sys.stdout.write(log.read().decode(errors="replace"))
    return code, timing, lint_code, lint_timing, both


def main(argv: Sequence[str] | None = None) -> int:
    """Run (or read) the suite and print its figures; pytest's exit status."""
    parser = argparse.ArgumentParser(
        prog="python bench/suite.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=1, help="run the suite this many times")
    parser.add_argument("--burners", type=int, default=0, help="CPU burners during the runs")
    parser.add_argument("--slowest", type=int, default=15, help="how many slowest tests to list")
    parser.add_argument("--junit", type=Path, help="report on this JUnit file instead of running")
    parser.add_argument(
        "--lint", action="store_true", help="run `make lint-code` beside each run, as make test"
    )
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.burners < 0 or args.slowest < 0:
        parser.error("--runs must be at least 1; --burners and --slowest at least 0")

    if args.junit is not None:
        print(summary(read_junit(args.junit), None, args.slowest))
        return 0

    status = 0
    walls = []
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as scratch, burners(args.burners):
        for run in range(1, args.runs + 1):
            junit = Path(scratch) / f"run{run}.xml"
            if args.lint:
                code, timing, lint_code, lint, both = run_suite_with_lint(args.pytest_args, junit)
                status = lint_code or status
            else:
                code, timing = run_suite(args.pytest_args, junit)
                both = timing.wall
            walls.append(both)
            status = code or status
            print(f"\n=== run {run} of {args.runs} (burners: {args.burners}): exit {code}")
            if junit.is_file():
                print(summary(read_junit(junit), timing, args.slowest))
            if args.lint:
                print(
                    f"\nmake lint-code beside it: exit {lint_code}; CPU {lint.cpu:.1f} s\n"
                    f"lint and suite (make test): {both:.1f} s"
                )
            sys.stdout.flush()
    if args.runs > 1:
        print("\nwall times: " + ", ".join(f"{w:.1f} s" for w in walls))
    return status


if __name__ == "__main__":
    sys.exit(main())
