"""A new PostgreSQL data directory: copied from an initdb'd template kept for reuse, or initdb'd.

``initdb`` costs about 0.7 s of CPU and 1.5 s on a busy machine, every time, for the same bytes.
The first server made on a machine keeps a pristine cluster in the temporary directory
(``cwa-pg-template-<key>``, private to the user the servers run as); later servers copy it
(about 0.1 s) and set their own random superuser password in single-user mode before the server
first starts, so no server ever accepts another's password. The key covers the binaries and the
``initdb`` options: another PostgreSQL installation gets its own template. A template that is not
a private directory of that user is never used; the server is then initdb'd as before.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pg8000.native

SUPERUSER = "postgres"
TEMPLATE_PREFIX = "cwa-pg-template-"
INITDB_OPTIONS = (
    "-U",
    SUPERUSER,
    "--auth-local=scram-sha-256",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
)
"""Password (SCRAM) authentication everywhere; the superuser is ``postgres``."""

Runner = Callable[..., None]
"""Runs a command as the user the server runs as (``PgServer._run``); ``input`` goes to stdin."""


def server_uid(as_postgres: bool) -> int:
    """The user id the servers run as: ``postgres`` when the caller is root, else the caller."""
    return pwd.getpwnam("postgres").pw_uid if as_postgres else os.geteuid()


def give_to_server_user(path: Path, as_postgres: bool) -> None:
    """Make ``postgres`` the owner of ``path`` when the servers run as ``postgres`` (the caller
    is root); else the caller already owns it."""
    if as_postgres:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def initdb(run: Runner, bin_dir: Path, data_dir: Path, password: str, as_postgres: bool) -> None:
    """``initdb`` a cluster in ``data_dir`` whose superuser's password is ``password`` (passed in
    a private file beside ``data_dir``, removed afterwards)."""
    pwfile = data_dir.parent / "pwfile"
    pwfile.touch(mode=0o600)
    pwfile.write_text(password + "\n")
    give_to_server_user(pwfile, as_postgres)
    try:
        run(str(bin_dir / "initdb"), "-D", str(data_dir), *INITDB_OPTIONS, f"--pwfile={pwfile}")
    finally:
        pwfile.unlink()


def template_path(bin_dir: Path, as_postgres: bool, root: Path | None = None) -> Path:
    """Where the template for these binaries and options lives (under ``root``, by default the
    temporary directory)."""
    postgres = (bin_dir / "postgres").stat()
    identity = "\0".join(
        [
            str(bin_dir.resolve()),
            str(postgres.st_size),
            str(postgres.st_mtime_ns),
            str(server_uid(as_postgres)),
            *INITDB_OPTIONS,
        ]
    )
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(root or tempfile.gettempdir()) / f"{TEMPLATE_PREFIX}{key}"


def usable_template(directory: Path, as_postgres: bool) -> bool:
    """Whether ``directory`` is a finished template that only the servers' user can reach: a
    real directory (no link), owned by that user, closed to everyone else."""
    try:
        info = directory.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == server_uid(as_postgres)
        and not info.st_mode & 0o077
        and (directory / "data" / "PG_VERSION").is_file()
    )


def ensure_template(
    run: Runner, bin_dir: Path, as_postgres: bool, root: Path | None = None
) -> Path | None:
    """The template's directory, made first if missing; None if the one there is not usable.

    It is built under another name and renamed into place, so a server never copies a half-made
    template, and of two made at the same time one wins and the other is removed.
    """
    target = template_path(bin_dir, as_postgres, root)
    if os.path.lexists(target) and not usable_template(target, as_postgres):
        return None  # taken by something no server may copy: the rename below would fail too
    if not usable_template(target, as_postgres):
        build = Path(tempfile.mkdtemp(prefix=f"{TEMPLATE_PREFIX}build-", dir=target.parent))
        try:
            give_to_server_user(build, as_postgres)
            # A password nobody keeps: every copy sets its own before it first starts.
            initdb(run, bin_dir, build / "data", secrets.token_urlsafe(24), as_postgres)
            os.rename(build, target)
        except OSError:
            pass  # another run made it first (or a stranger's file has the name)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    return target if usable_template(target, as_postgres) else None


def new_cluster(
    run: Runner,
    bin_dir: Path,
    data_dir: Path,
    password: str,
    as_postgres: bool,
    *,
    template_root: Path | None = None,
) -> None:
    """A cluster in ``data_dir`` whose only way in is the superuser with ``password``."""
    template = ensure_template(run, bin_dir, as_postgres, template_root)
    if template is None:
        initdb(run, bin_dir, data_dir, password, as_postgres)
        return
    run("cp", "-a", str(template / "data"), str(data_dir))
    # Single-user mode: the password is changed before the server ever listens. It arrives on
    # stdin, out of sight of other users' ``ps``.
    statement = f"ALTER ROLE {SUPERUSER} PASSWORD {pg8000.native.literal(password)}\n"
    run(str(bin_dir / "postgres"), "--single", "-D", str(data_dir), SUPERUSER, input=statement)
