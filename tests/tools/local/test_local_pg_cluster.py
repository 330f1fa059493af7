"""Servers copied from one initdb'd template: each keeps its own password, the template stays
private, and a template others could have written is never used."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pg8000.native
import pytest
from pg8000.exceptions import DatabaseError

from tools.local.pg_cluster import ensure_template, server_uid, template_path, usable_template
from tools.local.pg_server import SUPERUSER, PgServer, find_bin_dir, start_server

pytestmark = pytest.mark.slow

AS_POSTGRES = os.geteuid() == 0


def _reachable_root() -> Path:
    """A new directory PostgreSQL can reach (as root the servers run as ``postgres``)."""
    root = Path(tempfile.mkdtemp(prefix="cwa-template-test-"))
    root.chmod(0o755)
    return root


@pytest.fixture(scope="module")
def template_root() -> Iterator[Path]:
    """One root for the module: its first server makes the template, the others copy it."""
    root = _reachable_root()
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def empty_root() -> Iterator[Path]:
    """A root of the test's own."""
    root = _reachable_root()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _tcp_login(server: PgServer, password: str) -> None:
    assert server.tls is not None
    pg8000.native.Connection(
        SUPERUSER, host=server.host, port=server.port, password=password
    ).close()


def test_pg_cluster_copies_of_one_template_keep_their_own_passwords(template_root: Path) -> None:
    first = start_server(tls=True, template_root=template_root)
    try:
        template = template_path(find_bin_dir(), AS_POSTGRES, template_root)
        made = template.stat().st_ino
        # A file PostgreSQL ignores, planted in the template: only a copy of it carries it.
        marker = template / "data" / "planted-in-the-template"
        marker.write_text("copied\n")
        os.chown(marker, server_uid(AS_POSTGRES), -1)
        second = start_server(tls=True, template_root=template_root)
        try:
            assert template.stat().st_ino == made, "the template was made again"
            copied = second.data_dir / marker.name
            assert copied.is_file(), "the second server was not copied from the template"
            assert first.superuser_password != second.superuser_password
            _tcp_login(first, first.superuser_password)
            _tcp_login(second, second.superuser_password)
            with pytest.raises(DatabaseError, match="28P01"):
                _tcp_login(second, first.superuser_password)
        finally:
            second.destroy()
    finally:
        first.destroy()


def test_pg_cluster_template_is_private_to_the_servers_user(template_root: Path) -> None:
    start_server(tls=False, template_root=template_root).destroy()
    template = template_path(find_bin_dir(), AS_POSTGRES, template_root)
    info = template.lstat()
    assert info.st_uid == server_uid(AS_POSTGRES)
    assert info.st_mode & 0o777 == 0o700, oct(info.st_mode)
    assert usable_template(template, AS_POSTGRES)


def test_pg_cluster_never_copies_a_template_others_can_write(empty_root: Path) -> None:
    """Someone made the template's name first, writable by all: it is left alone and the
    server is initdb'd with its own password instead."""
    planted = template_path(find_bin_dir(), AS_POSTGRES, empty_root)
    (planted / "data").mkdir(parents=True)
    (planted / "data" / "PG_VERSION").write_text("15\n")
    planted.chmod(0o777)
    assert not usable_template(planted, AS_POSTGRES)
    server = start_server(tls=True, template_root=empty_root)
    try:
        _tcp_login(server, server.superuser_password)
        assert sorted(p.name for p in (planted / "data").iterdir()) == ["PG_VERSION"]
    finally:
        server.destroy()


def test_pg_cluster_builds_no_template_where_the_name_is_taken(empty_root: Path) -> None:
    """An unusable template in the way is not worked around with a template that could never
    take its name: the server's own initdb is the only one."""
    planted = template_path(find_bin_dir(), AS_POSTGRES, empty_root)
    (planted / "data").mkdir(parents=True)
    planted.chmod(0o777)
    commands: list[tuple[object, ...]] = []
    template = ensure_template(
        lambda *command, **_: commands.append(command), find_bin_dir(), AS_POSTGRES, empty_root
    )
    assert template is None
    assert commands == [], "a template was built that could not be used"
