"""Shared test set-up: the repository on sys.path, the suite's scratch space and test order."""

from __future__ import annotations

import gc
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from tests.run_once import bind_session

# Property tests draw the same examples on every run unless asked otherwise: a green suite stays
# green and a red one is reproducible on any machine. HYPOTHESIS_PROFILE=explore draws fresh
# examples each run, to hunt for new counterexamples on purpose (README).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SHARED_MEMORY = Path("/dev/shm")


def _memory_scratch_root() -> Path | None:
    """``/dev/shm/cw-analytics-tests-<uid>``, made if missing; None when it cannot be used.

    The directory must be this user's own and no link: ``/dev/shm`` is writable by everyone,
    so another user could have made the name first.
    """
    if not SHARED_MEMORY.is_dir() or not os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        return None
    root = SHARED_MEMORY / f"cw-analytics-tests-{os.getuid()}"
    try:
        # 0o755: PostgreSQL runs as ``postgres`` when the tests run as root and must reach
        # the data directories made below it.
        root.mkdir(mode=0o755, exist_ok=True)
        info = root.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    return root


def pytest_configure(config: pytest.Config) -> None:
    """Temporary files of the whole run (pytest's ``tmp_path``, the PostgreSQL clusters and
    local systems the tests start, every subprocess's) in memory when the machine has a tmpfs.

    The tests create and delete many small files: a PostgreSQL cluster per local system, a
    database per Lambda test, scratch programs. On a disk shared with other work, deleting a
    cluster alone took seconds, enough to push a stop past the bound a test sets for it.
    ``TMPDIR`` set here reaches every subprocess and (inherited) the xdist workers.
    """
    del config
    if os.environ.get("TMPDIR"):
        return  # chosen by whoever runs the suite (or by the controller, for an xdist worker)
    root = _memory_scratch_root()
    if root is not None:
        os.environ["TMPDIR"] = str(root)
        tempfile.tempdir = None  # recomputed from TMPDIR at its next use


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Test files holding a ``slow`` test first, the others after, each file's order kept.

    ``make pytest`` hands whole files to its workers in this order (``--no-loadscope-reorder``
    keeps xdist from sorting them by test count): a long file started last would leave one core
    idle while the other finishes it. The sort is stable and depends only on the collected
    items, so every worker sees the same order (xdist requires that).
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(scope="session", autouse=True)
def _bind_session(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The session's shared directory for results that readers ask for without a factory
    (``tests.shared_runs.stack_run``, the components' ``whole_stack``)."""
    bind_session(tmp_path_factory)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """One full garbage collection, then the survivors frozen out of later ones.

    After the session pytest collects garbage five times over to surface exceptions raised in
    finalizers; with pulumi_aws, moto and botocore loaded each pass walks millions of objects
    (0.7 CPU-s apiece, at the very end of every worker). This pass runs those finalizers; what
    survives it is live and stays so, and the passes after it skip it.
    """
    del session
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection loaded (pulumi_aws, moto, botocore, the test modules and their items)
    frozen out of the garbage collector's passes, and the passes made rarer.

    Each full pass walked millions of those objects, live for the whole session: about 7 CPU-s
    per worker over a run, for garbage the tests' own cycles made up a sliver of. Cycles the
    tests leave are still collected, in larger batches; ``pytest_sessionfinish`` collects the
    rest.
    """
    del session
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
