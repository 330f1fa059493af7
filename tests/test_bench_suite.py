"""``bench/suite.py``: the figures it prints are read correctly from pytest's JUnit report."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
<testcase classname="tests.tools.local.test_local_cli" name="test_serves[first]" time="12.5"/>
<testcase classname="tests.tools.test_graph.TestMermaid" name="test_edges" time="0.25">
  <failure message="boom">boom</failure></testcase>
<testcase classname="tests.tools.test_graph" name="test_doc" time="3.0">
  <skipped message="no node"/></testcase>
<testcase classname="tests.test_stack_settings" name="test_defaults" time="0.5"/>
</testsuite></testsuites>
"""


@pytest.fixture(scope="module")
def suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_suite", REPO_ROOT / "bench" / "suite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_bench_suite_reads_node_ids_directories_and_outcomes(
    suite: ModuleType, tmp_path: Path
) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(REPORT, encoding="utf-8")
    found = [(t.nodeid, t.directory, t.seconds, t.outcome) for t in suite.read_junit(report)]
    assert found == [
        (
            "tests/tools/local/test_local_cli.py::test_serves[first]",
            "tests/tools/local/",
            12.5,
            "passed",
        ),
        ("tests/tools/test_graph.py::TestMermaid::test_edges", "tests/tools/", 0.25, "failed"),
        ("tests/tools/test_graph.py::test_doc", "tests/tools/", 3.0, "skipped"),
        ("tests/test_stack_settings.py::test_defaults", "tests/", 0.5, "passed"),
    ]


def test_bench_suite_summary_lists_slowest_first_and_sums_each_directory(
    suite: ModuleType, tmp_path: Path
) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(REPORT, encoding="utf-8")
    text = suite.summary(suite.read_junit(report), suite.Timing(20.0, 31.5), slowest=2)
    assert "wall time: 20.0 s; CPU time: 31.5 s" in text
    assert "tests: 4 (1 failed, 2 passed, 1 skipped); test time summed: 16.2 s" in text
    slowest = text.split("2 slowest tests (s):\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[1] for line in slowest] == [
        "tests/tools/local/test_local_cli.py::test_serves[first]",
        "tests/tools/test_graph.py::test_doc",
    ]
    per_directory = text.split("summed over its tests):\n")[1].splitlines()
    assert [line.split() for line in per_directory] == [
        ["12.5", "1", "tests", "tests/tools/local/"],
        ["3.2", "2", "tests", "tests/tools/"],
        ["0.5", "1", "tests", "tests/"],
    ]


def test_bench_suite_timed_counts_the_cpu_of_the_processes_it_starts(suite: ModuleType) -> None:
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    code, timing = suite.timed([sys.executable, "-c", spin])
    assert code == 0
    assert timing.cpu >= 0.3
    assert timing.wall >= 0.3


def test_bench_suite_timed_returns_the_command_s_exit_status(suite: ModuleType) -> None:
    code, _ = suite.timed([sys.executable, "-c", "raise SystemExit(3)"])
    assert code == 3


def test_bench_suite_lint_runs_beside_the_suite_and_counts_its_own_cpu(
    suite: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    started = tmp_path / "lint-started"
    lint = (
        f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\n"
        "end = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
        "print('lint said this')\nraise SystemExit(4)"
    )
    monkeypatch.setattr(suite, "LINT", [sys.executable, "-c", lint])
    seen_beside: list[bool] = []

    def suite_run(pytest_args: list[str], junit: Path) -> tuple[int, object]:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen_beside.append(started.exists())
        # The suite's own processes, waited for while the lint still runs: not the lint's CPU.
        spin = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass"
        subprocess.run([sys.executable, "-c", spin], check=True)
        return 0, suite.Timing(1.0, 2.0)

    monkeypatch.setattr(suite, "run_suite", suite_run)
    code, timing, lint_code, lint_timing, both = suite.run_suite_with_lint([], tmp_path / "j.xml")
    assert seen_beside == [True], "the lint had not started while the suite ran"
    assert (code, timing, lint_code) == (0, suite.Timing(1.0, 2.0), 4)
    assert 0.3 <= lint_timing.cpu < 0.9, "the lint's CPU must be its own, not the suite's"
    assert both >= 1.0, "the wall time covers the suite and the lint"
    assert "lint said this" in capsys.readouterr().out
