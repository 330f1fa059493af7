"""``python -m tools.local`` as a user runs it: start, serve, stop on a signal, leave nothing."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.tools.local.fresh_imports import loaded_by_importing
from tools.local import contract
from tools.local.__main__ import banner, parse_args
from tools.local.pg_cluster import template_path, usable_template
from tools.local.pg_server import find_bin_dir, free_port
from tools.local.scratch import clean_stale_scratch_dirs

pytestmark = pytest.mark.slow

START_TIMEOUT = 120.0
STOP_SECONDS = 10.0


@dataclass
class Running:
    """A started CLI and what its banner said."""

    process: subprocess.Popen[str]
    port: int
    scratch: Path
    children: set[int]


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def private_tmp() -> Iterator[Path]:
    """A temporary directory (``TMPDIR``) for this module's runs alone.

    A start cleans up the scratch directories of runs that are gone in the temporary directory:
    in a shared one it could take another test's directory for a killed run's, or this module's
    killed run could be cleaned up by another test's start. PostgreSQL (``postgres`` when root)
    must reach it, as it does the system's temporary directory. The cluster template the
    servers are copied from is linked in from the system's temporary directory when there is
    one there, as a user's temporary directory would hold it after a first run; else the first
    run makes it here (``initdb``).
    """
    root = Path(tempfile.mkdtemp(prefix="cwa-local-cli-"))
    root.chmod(0o755)
    as_postgres = os.geteuid() == 0
    shared = template_path(find_bin_dir(), as_postgres)
    if usable_template(shared, as_postgres):
        subprocess.run(["cp", "-al", str(shared), str(root / shared.name)], check=False)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _start(
    port: int, stderr: Path, started: list[subprocess.Popen[str]], tmp: Path, every: str = "0"
) -> Running:
    """A run on ``port`` with ``TMPDIR`` ``tmp``, the aggregator every ``every`` seconds."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.local", "--port", str(port), "--aggregate-every", every],
        cwd=contract.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr.open("w"),
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    started.append(process)  # ended by the fixture whatever happens next
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    banner: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line)
        if line.startswith("Ctrl-C"):
            break
    text = "".join(banner)
    match = re.search(r"scratch:\s+(\S+)", text)
    assert match, f"no banner; stdout: {text!r}; stderr: {stderr.read_text()[-2000:]}"
    return Running(process, port, Path(match.group(1)), _children(process.pid))


def _using(directory: Path) -> list[str]:
    """Command lines naming ``directory`` (PostgreSQL daemonises: it is nobody's child)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(directory) in text and "pytest" not in text:
            found.append(text)
    return found


def _port_free(port: int) -> bool:
    """Nothing listens and a server can bind it (connections in TIME_WAIT do not count)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _health(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as response:
        return int(response.status)


def _postmaster(directory: Path) -> int:
    """The pid of the PostgreSQL server running on a run's scratch directory."""
    return int((directory / "data" / "postmaster.pid").read_text().splitlines()[0])


STOPS = {"first": signal.SIGTERM, "second": signal.SIGINT, "third": signal.SIGHUP}
"""How each run after the killed one is stopped: SIGTERM, Ctrl-C, a closed terminal."""
SCHEDULED = {"first": "3600"}
"""Runs with the aggregator scheduled (an hour: never due during the test), so that both
function processes run; the others leave it unscheduled, and it has no process."""


def _function_workers(children: set[int]) -> list[str]:
    """The functions (their directories' names) whose worker processes are among ``children``."""
    found = []
    for pid in children:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(args) > 2 and args[1].endswith(b"worker.py"):
            found.append(Path(args[2].decode()).name)
    return sorted(found)


def _wait_gone(pid: int) -> bool:
    """Whether ``pid`` has ended, waiting up to ``STOP_SECONDS``."""
    deadline = time.monotonic() + STOP_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, private_tmp: Path
) -> Iterator[dict[str, object]]:
    """Four runs one after the other, each a real ``python -m tools.local``.

    A run killed with SIGKILL, which gives it no chance to clean up; then three runs on one
    port, each started at once after the last stopped: the first (whose start must clean up
    after the killed run) stopped with SIGTERM, the second with SIGINT, the third with SIGHUP.
    """
    logs = tmp_path_factory.mktemp("local-cli")
    outcome: dict[str, object] = {}
    started: list[subprocess.Popen[str]] = []
    killed: Running | None = None
    try:
        killed = _start(free_port(), logs / "killed.err", started, private_tmp)
        outcome["killed_scratch_is_private"] = killed.scratch.parent == private_tmp
        killed_server = _postmaster(killed.scratch)
        killed.process.kill()
        killed.process.wait(timeout=STOP_SECONDS)
        outcome["killed_server_outlived_its_run"] = _alive(killed_server)
        port = free_port()
        for name, signum in STOPS.items():
            running = _start(
                port, logs / f"{name}.err", started, private_tmp, SCHEDULED.get(name, "0")
            )
            outcome[f"{name}_workers"] = _function_workers(running.children)
            server = _postmaster(running.scratch)
            outcome[f"{name}_health"] = _health(port)
            began = time.monotonic()
            running.process.send_signal(signum)
            outcome[f"{name}_code"] = running.process.wait(timeout=STOP_SECONDS * 3)
            outcome[f"{name}_stop_seconds"] = time.monotonic() - began
            outcome[f"{name}_port_free"] = _port_free(port)
            outcome[f"{name}_scratch_left"] = running.scratch.exists()
            outcome[f"{name}_server_left"] = _alive(server)
            outcome[f"{name}_children_left"] = sorted(p for p in running.children if _alive(p))
            outcome[f"{name}_using_scratch"] = _using(running.scratch)
            if name == "first":
                outcome["killed_server_left"] = not _wait_gone(killed_server)
                outcome["killed_scratch_left"] = killed.scratch.exists()
                outcome["first_stderr"] = (logs / "first.err").read_text()
                outcome["killed_scratch"] = killed.scratch
        yield outcome
    finally:
        for process in started:
            if process.poll() is None:
                # SIGTERM first: a killed run could not stop PostgreSQL, which is not its child.
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if killed is not None and killed.scratch.exists():
            clean_stale_scratch_dirs(
                find_bin_dir() / "pg_ctl", root=killed.scratch.parent, log=lambda _: None
            )


RUNS = list(STOPS)


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_serves_health(runs: dict[str, object], name: str) -> None:
    assert runs[f"{name}_health"] == 200, f"{name} run"


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_stops_on_signal_within_seconds(runs: dict[str, object], name: str) -> None:
    """SIGTERM, SIGINT and SIGHUP (the terminal closed) all stop the run cleanly."""
    assert runs[f"{name}_code"] == 0, f"{name} run ({STOPS[name].name}) exit status"
    assert float(runs[f"{name}_stop_seconds"]) < STOP_SECONDS, f"{name} run took too long"  # type: ignore[arg-type]


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_frees_its_port(runs: dict[str, object], name: str) -> None:
    assert runs[f"{name}_port_free"], f"{name} run left its port bound"


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_removes_its_scratch_directory(runs: dict[str, object], name: str) -> None:
    assert runs[f"{name}_scratch_left"] is False, f"{name} run left its scratch directory"


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_ends_its_child_processes(runs: dict[str, object], name: str) -> None:
    assert runs[f"{name}_children_left"] == [], f"{name} run left processes behind"


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_starts_the_aggregator_only_when_it_is_scheduled(
    runs: dict[str, object], name: str
) -> None:
    expected = ["api_handler", "metric_aggregator"] if name in SCHEDULED else ["api_handler"]
    assert runs[f"{name}_workers"] == expected, f"{name} run"


@pytest.mark.parametrize("name", RUNS)
def test_local_cli_ends_postgresql(runs: dict[str, object], name: str) -> None:
    """PostgreSQL runs in its own session (pg_ctl detaches it): it must be stopped explicitly,
    on SIGHUP too, which would otherwise end the run without its clean-up."""
    assert runs[f"{name}_server_left"] is False, f"{name} run left its PostgreSQL server running"
    assert runs[f"{name}_using_scratch"] == [], f"{name} run left processes naming its scratch"


def test_local_cli_killed_run_leaves_postgresql_running(runs: dict[str, object]) -> None:
    """SIGKILL gives no chance to clean up: the server outlives the run (why the next start
    cleans up)."""
    assert runs["killed_server_outlived_its_run"] is True


def test_local_cli_start_cleans_a_killed_runs_server_and_directory(
    runs: dict[str, object],
) -> None:
    assert runs["killed_server_left"] is False, "PostgreSQL of the killed run still runs"
    assert runs["killed_scratch_left"] is False, "scratch directory of the killed run left behind"


def test_local_cli_start_says_it_removed_the_killed_runs_directory(
    runs: dict[str, object],
) -> None:
    """The run that cleans up names what it removed, and it is the killed run's directory, made
    in this module's own temporary directory (not another test's)."""
    assert runs["killed_scratch_is_private"] is True, runs["killed_scratch"]
    said = str(runs["first_stderr"])
    assert f"removed {runs['killed_scratch']}, left by an earlier run" in said, said[-2000:]
    assert f"left running by an earlier run in {runs['killed_scratch']}" in said, said[-2000:]


def test_local_cli_port_in_use_exits_2_naming_the_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "tools.local", "--port", str(port)],
            cwd=contract.REPO_ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )
    assert result.returncode == 2, result.stderr
    assert f"port {port}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_local_cli_binds_its_port_before_loading_the_system() -> None:
    """What ``main`` imports before it binds the port leaves out the system's dependencies
    (moto, boto3, the functions' code, PostgreSQL's driver): a taken port is reported at once."""
    heavy = {"aggregator", "boto3", "botocore", "moto", "pg8000", "cryptography", "functions"}
    assert loaded_by_importing("tools.local.__main__", heavy) == []


def test_local_cli_rejects_a_negative_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--aggregate-every", "-5"])
    assert exit_info.value.code == 2
    assert "--aggregate-every" in capsys.readouterr().err


def _scratch_of(worker: int) -> Path | None:
    """The PostgreSQL directory a function worker was given (its DB_CA_BUNDLE lives there)."""
    try:
        environ = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for entry in environ:
        if entry.startswith(b"DB_CA_BUNDLE="):
            return Path(entry.split(b"=", 1)[1].decode()).parent.parent
    return None


def _main_thread_children(pid: int) -> list[int]:
    """The processes ``pid``'s main thread started (the function workers): one small read,
    where ``_children`` reads every process's status, too slow to poll."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_local_cli_signal_during_start_up_cleans_up(tmp_path: Path, private_tmp: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.local", "--port", "0", "--aggregate-every", "0"],
        cwd=contract.REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "err").open("w"),
        env={**os.environ, "TMPDIR": str(private_tmp)},
    )
    try:
        scratch = None
        deadline = time.monotonic() + START_TIMEOUT
        while scratch is None and time.monotonic() < deadline and process.poll() is None:
            # The function workers start while PostgreSQL is still starting.
            scratch = next(filter(None, map(_scratch_of, _main_thread_children(process.pid))), None)
            time.sleep(0.02)
        assert scratch is not None, "never saw the system starting"
        children = _children(process.pid)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=STOP_SECONDS * 3)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
    assert code == 130, (tmp_path / "err").read_text()[-2000:]
    assert not scratch.exists(), f"{scratch} left behind"
    assert _using(scratch) == [], "PostgreSQL left running"
    assert [p for p in children if _alive(p)] == [], "function workers left running"


def _banner_of(aggregate_every: float, next_run: datetime | None) -> list[str]:
    """The banner of a stand-in system (only what ``banner`` reads)."""
    system = SimpleNamespace(
        base_url="http://127.0.0.1:8080",
        api_key="k",
        stack=SimpleNamespace(
            stack="dev",
            schedule_seconds=300,
            region="eu-west-1",
            table=SimpleNamespace(name="cw-analytics-dev-metrics"),
        ),
        emulator=SimpleNamespace(endpoint="http://127.0.0.1:5000"),
        options=SimpleNamespace(aggregate_every=aggregate_every),
        temp_dirs=[],
        next_aggregation=next_run,
    )
    return banner(system, 1.0).splitlines()  # type: ignore[arg-type]


def test_local_banner_says_when_metrics_stop_being_empty() -> None:
    """The sample GET /metrics answers an empty list until a run after the requests' minute."""
    lines = _banner_of(60, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    [note] = [line for line in lines if '{"series":[]}' in line]
    assert "minute" in note and "03:04:05 UTC" in note and "every 60 s" in note, note
    assert lines.index(note) == 1 + next(i for i, x in enumerate(lines) if "/metrics'" in x)


def test_local_banner_says_metrics_stay_empty_without_a_schedule() -> None:
    [note] = [line for line in _banner_of(0, None) if '{"series":[]}' in line]
    assert "not scheduled" in note, note
