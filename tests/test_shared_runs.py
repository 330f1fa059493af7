"""Results shared by a test run: built once whoever asks first, a failure shared, never a hang;
and the shared previews are what the command reports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from tests import run_once, shared_runs
from tests.components.support import whole_stack
from tests.run_once import SharedRunError, once, shared_directory

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60

# A process asking for result KEY in DIRECTORY: the build logs its process id, takes a while,
# and returns it, or fails, or dies holding the lock; the process prints what it got.
ASKER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from tests.run_once import SharedRunError, once

    directory, key, behaviour = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def build():
        with (directory / "builds.log").open("a") as log:
            log.write(f"{os.getpid()}\\n")
        time.sleep(0.5)
        if behaviour == "fail":
            raise ValueError("the build broke on purpose")
        if behaviour == "die":
            os._exit(9)
        return os.getpid()

    try:
        print("value", once(directory, key, build))
    except SharedRunError as error:
        print("error", str(error).splitlines()[-1])
    """
)


def _start(directory: Path, key: str, behaviour: str = "build") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ASKER, str(directory), key, behaviour],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answer(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    return out.strip()


def _builds(directory: Path) -> list[str]:
    log = directory / "builds.log"
    return log.read_text().split() if log.exists() else []


def test_once_builds_once_when_two_processes_ask_at_once(tmp_path: Path) -> None:
    first, second = _start(tmp_path, "result"), _start(tmp_path, "result")
    answers = {_answer(first), _answer(second)}
    builds = _builds(tmp_path)
    assert len(builds) == 1, f"built {len(builds)} times"
    assert answers == {f"value {builds[0]}"}, answers


def test_once_gives_every_caller_the_first_build_s_failure(tmp_path: Path) -> None:
    assert (
        _answer(_start(tmp_path, "result", "fail"))
        == "error ValueError: the build broke on purpose"
    )
    later = [_start(tmp_path, "result"), _start(tmp_path, "result")]
    assert {_answer(p) for p in later} == {"error ValueError: the build broke on purpose"}
    assert len(_builds(tmp_path)) == 1, "a caller built again after the build had failed"


def test_once_raises_the_failure_in_the_building_process_too(tmp_path: Path) -> None:
    def build() -> int:
        raise ValueError("no result")

    for _ in range(2):
        with pytest.raises(SharedRunError, match="ValueError: no result"):
            once(tmp_path, "result", build)


@pytest.mark.parametrize(
    "stop", [lambda: sys.exit(3), lambda: pytest.fail("timed out")], ids=["exit", "pytest-fail"]
)
def test_once_keeps_a_build_that_exits_or_fails_the_test(
    tmp_path: Path, stop: Callable[[], None]
) -> None:
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        stop()
        return 0

    for _ in range(2):
        with pytest.raises(SharedRunError):
            once(tmp_path, "result", build)
    assert builds == [1], "a build that exited or failed ran again for the next caller"


def test_once_builds_again_when_the_builder_died_holding_the_lock(tmp_path: Path) -> None:
    dead = _start(tmp_path, "result", "die")
    dead.communicate(timeout=TIMEOUT)
    assert dead.returncode == 9
    answer = _answer(_start(tmp_path, "result"))
    builds = _builds(tmp_path)
    assert len(builds) == 2 and answer == f"value {builds[1]}", (answer, builds)


def test_once_refuses_a_key_that_is_not_a_plain_file_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a plain file name"):
        once(tmp_path, "../escape", lambda: 1)


class _Factory:
    """The part of pytest's TempPathFactory ``shared_directory`` reads."""

    def __init__(self, basetemp: Path) -> None:
        self.basetemp = basetemp

    def getbasetemp(self) -> Path:
        return self.basetemp


@pytest.mark.parametrize(
    ("worker", "expected"),
    [("gw1", "run/shared-runs"), (None, "run/popen-gw1/shared-runs")],
)
def test_shared_directory_is_the_run_s_under_xdist_and_the_session_s_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker: str | None, expected: str
) -> None:
    # Under xdist a worker's base is <run>/popen-gw1; without xdist the session's own base.
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    base = tmp_path / "run" / "popen-gw1"
    base.mkdir(parents=True)
    directory = shared_directory(cast(pytest.TempPathFactory, _Factory(base)))
    assert directory == tmp_path / expected and directory.is_dir()


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shared_stack_resources_are_what_the_stack_preview_reports(
    tmp_path_factory: pytest.TempPathFactory, stack: str
) -> None:
    preview = shared_runs.stack_preview(tmp_path_factory, stack)
    assert preview.report is not None, preview.describe()
    reported = {(r["urn"], r["type"], r["parent"]) for r in preview.report["resources"]}
    registered = shared_runs.stack_resources(tmp_path_factory, stack)
    assert {(r.urn, r.type, r.parent or None) for r in registered} == reported


def test_session_directory_without_a_bound_session_names_who_binds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run_once, "_SESSION_DIRECTORY", [])
    with pytest.raises(RuntimeError, match=r"no test session is bound \(tests/conftest.py"):
        run_once.session_directory()


def test_session_directory_is_the_bound_factory_s_shared_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_once, "_SESSION_DIRECTORY", [])
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    run_once.bind_session(cast(pytest.TempPathFactory, _Factory(tmp_path)))
    assert run_once.session_directory() == tmp_path / "shared-runs"


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shared_stack_resources_decode_the_one_run_every_reader_shares(
    tmp_path_factory: pytest.TempPathFactory, stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The components' whole_stack, the previewed resources and the run a worker reads by stack
    # name alone are one run of the program, not three.
    shared = shared_runs.stack_run(stack)
    assert shared_runs.stack_run(stack, tmp_path_factory) is shared
    assert whole_stack(stack) is shared.run

    def run_again(config: object) -> None:
        raise AssertionError(f"the program ran again for {config}")

    monkeypatch.setattr(shared_runs, "program_run", run_again)
    monkeypatch.setattr(shared_runs, "_PREVIEWED", {})  # decoded afresh, from the stored run
    previewed = shared_runs.stack_resources(tmp_path_factory, stack)
    assert [r.urn for r in previewed] == [r.urn for r in shared.run.resources]
    assert shared.seconds > 0
