"""Left-overs of earlier runs: a directory is removed only when the run that made it is gone, and
its server stopped first. (The CLI end to end, SIGHUP and a killed run included: test_local_cli.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.local.test_local_cli import _alive, _postmaster
from tools.local.pg_server import PgServer, find_bin_dir, start_server
from tools.local.scratch import (
    OWNER_FILE,
    SCRATCH_PREFIX,
    clean_stale_scratch_dirs,
    new_scratch_dir,
)


def _dead_pid() -> int:
    """The pid of a process that has just ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture()
def pg_ctl() -> Path:
    return find_bin_dir() / "pg_ctl"


def _stale(root: Path, *, owner: int | None, postmaster: int | None) -> Path:
    directory = root / f"{SCRATCH_PREFIX}test"
    (directory / "data").mkdir(parents=True)
    if owner is not None:
        (directory / OWNER_FILE).write_text(f"{owner}\n")
    if postmaster is not None:
        (directory / "data" / "postmaster.pid").write_text(f"{postmaster}\n/x\n")
    return directory


def test_clean_stale_removes_a_directory_whose_run_and_server_are_gone(
    tmp_path: Path, pg_ctl: Path
) -> None:
    """A crash (or a reboot) leaves postmaster.pid naming a process that no longer exists."""
    directory = _stale(tmp_path, owner=_dead_pid(), postmaster=_dead_pid())
    assert clean_stale_scratch_dirs(pg_ctl, root=tmp_path, log=lambda _: None) == [directory]
    assert not directory.exists()


def test_clean_stale_keeps_a_directory_of_a_run_still_going(tmp_path: Path, pg_ctl: Path) -> None:
    """Another ``make local`` on this machine owns it: its server must keep running."""
    directory = _stale(tmp_path, owner=os.getppid(), postmaster=_dead_pid())
    assert clean_stale_scratch_dirs(pg_ctl, root=tmp_path, log=lambda _: None) == []
    assert directory.exists()


def test_clean_stale_keeps_a_directory_without_owner_mark(tmp_path: Path, pg_ctl: Path) -> None:
    directory = _stale(tmp_path, owner=None, postmaster=_dead_pid())
    assert clean_stale_scratch_dirs(pg_ctl, root=tmp_path, log=lambda _: None) == []
    assert directory.exists()


def test_clean_stale_ignores_directories_without_its_prefix(tmp_path: Path, pg_ctl: Path) -> None:
    """Test sessions' servers and other programs' files under the same temporary directory."""
    other = tmp_path / "cwa-pg-test"
    (other / "data").mkdir(parents=True)
    (other / OWNER_FILE).write_text(f"{_dead_pid()}\n")
    assert clean_stale_scratch_dirs(pg_ctl, root=tmp_path, log=lambda _: None) == []
    assert other.exists()


def test_clean_stale_does_not_signal_a_reused_postmaster_pid(tmp_path: Path, pg_ctl: Path) -> None:
    """postmaster.pid outlives a killed server; if its pid now names an unrelated process, that
    process is left alone and the directory is removed."""
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        directory = _stale(tmp_path, owner=_dead_pid(), postmaster=bystander.pid)
        assert clean_stale_scratch_dirs(pg_ctl, root=tmp_path, log=lambda _: None) == [directory]
        assert bystander.poll() is None, "an unrelated process was signalled"
    finally:
        bystander.kill()
        bystander.wait()


@pytest.fixture()
def reachable_root() -> Iterator[Path]:
    """A directory PostgreSQL can reach (pytest's tmp_path is private to this user; as root
    the server runs as ``postgres``)."""
    root = Path(tempfile.mkdtemp(prefix="cwa-scratch-test-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_clean_stale_stops_a_live_orphan_server(reachable_root: Path, pg_ctl: Path) -> None:
    """A server whose run is gone is stopped with pg_ctl before its directory goes."""
    directory = new_scratch_dir(root=reachable_root)
    server: PgServer | None = None
    try:
        server = start_server(tls=False, base_dir=directory)
        pid = _postmaster(directory)
        (directory / OWNER_FILE).write_text(f"{_dead_pid()}\n")
        removed = clean_stale_scratch_dirs(pg_ctl, root=reachable_root, log=lambda _: None)
        assert removed == [directory]
        assert not _alive(pid), f"PostgreSQL {pid} still runs"
        assert not directory.exists()
    finally:
        if server is not None and directory.exists():
            server.destroy()


def test_new_scratch_dir_marks_this_process_as_owner(tmp_path: Path) -> None:
    directory = new_scratch_dir(root=tmp_path)
    assert directory.name.startswith(SCRATCH_PREFIX)
    assert (directory / OWNER_FILE).read_text().strip() == str(os.getpid())
