"""The local system's scratch directories: made with an owner mark, and left-overs cleaned.

``pg_ctl`` starts PostgreSQL in its own session, so a run that dies without its clean-up (SIGKILL,
a crash, a closed terminal before SIGHUP was handled) leaves the server running and its directory
behind. The next run removes such directories: only those with this tool's prefix, and only
when the run that made them is gone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

SCRATCH_PREFIX = "cwa-local-pg-"
"""Prefix of the directories this tool makes (the test sessions' servers use another one)."""
OWNER_FILE = "owner.pid"
"""Holds the process id of the run that made the directory."""
PG_STOP_TIMEOUT_SECONDS = 30


def new_scratch_dir(root: Path | None = None) -> Path:
    """A new scratch directory under ``root`` (the system's temporary directory), marked with
    this process as its owner."""
    directory = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=root))
    (directory / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
    return directory


def _read_pid(path: Path) -> int | None:
    """The process id on the first line of ``path``; None if absent or not a number."""
    try:
        first = path.read_text(encoding="ascii", errors="replace").splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Whether ``pid`` names a running process (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True
    return fields[0] != "Z"


def _server_of(data_dir: Path) -> int | None:
    """The pid of the PostgreSQL server running on ``data_dir``, or None.

    ``postmaster.pid`` outlives a killed server, and its pid may since name another process:
    the pid only counts while that process is a postgres whose command line names this data
    directory (where /proc cannot tell, a live pid counts).
    """
    pid = _read_pid(data_dir / "postmaster.pid")
    if pid is None or not _alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid
    args = [part.decode(errors="replace") for part in cmdline]
    names_dir = any(arg == str(data_dir) or arg.endswith(f"={data_dir}") for arg in args)
    return pid if args and "postgres" in Path(args[0]).name and names_dir else None


def _stop_server(data_dir: Path, pg_ctl: Path) -> None:
    """``pg_ctl stop`` as the user that owns the data directory (root cannot run PostgreSQL)."""
    command = [str(pg_ctl), "-D", str(data_dir), "-m", "fast", "-w", "stop"]
    if os.geteuid() == 0 and data_dir.stat().st_uid != 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=PG_STOP_TIMEOUT_SECONDS
    )


def clean_stale_scratch_dirs(
    pg_ctl: Path, root: Path | None = None, log: Callable[[str], None] = print
) -> list[Path]:
    """Remove this tool's scratch directories under ``root`` whose run is gone; return them.

    A directory stays while the process in its ``owner.pid`` runs (another ``make local``) or
    when it has no owner mark (not ours to judge). Otherwise a server still running on it is
    stopped with ``pg_ctl`` first; a directory whose server stays up is left alone.
    """
    base = root if root is not None else Path(tempfile.gettempdir())
    removed = []
    for directory in sorted(base.glob(f"{SCRATCH_PREFIX}*")):
        if not directory.is_dir() or directory.is_symlink():
            continue
        owner = _read_pid(directory / OWNER_FILE)
        if owner is None or owner == os.getpid() or _alive(owner):
            continue
        data_dir = directory / "data"
        if _server_of(data_dir) is not None:
            log(f"stopping PostgreSQL left running by an earlier run in {directory}")
            _stop_server(data_dir, pg_ctl)
            if _server_of(data_dir) is not None:
                log(f"could not stop PostgreSQL in {directory}; leaving it")
                continue
        shutil.rmtree(directory, ignore_errors=True)
        log(f"removed {directory}, left by an earlier run")
        removed.append(directory)
    return removed
