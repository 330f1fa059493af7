"""The program as it was at a git ref, unpacked into a temporary directory.

``git archive`` rather than ``git worktree add``: it writes nothing into the repository (no
worktree entry to prune if the run is interrupted) and needs no clean work tree. The ref's own
``tools/`` is left out: the preview runs the old *program* with today's tools, and a ``tools``
package beside the program would shadow them (the child interpreter puts the program's
directory first on ``sys.path``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.preview.errors import PreviewError


def resolve_ref(repo: Path, ref: str) -> str:
    """The commit ``ref`` names; ``PreviewError`` naming the ref when git does not know it."""
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PreviewError(f"--baseline {ref!r} is not a commit in {repo}")
    return result.stdout.strip()


@contextmanager
def checkout(repo: Path, ref: str) -> Iterator[Path]:
    """Unpack the tree of ``ref`` into a temporary directory; removed on exit."""
    commit = resolve_ref(repo, ref)
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", commit],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip()
        raise PreviewError(f"git archive {ref} failed: {message}")
    directory = Path(tempfile.mkdtemp(prefix="preview-baseline-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(directory, filter="data")
        shutil.rmtree(directory / "tools", ignore_errors=True)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
