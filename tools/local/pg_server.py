"""Start and stop a throw-away PostgreSQL server (Debian's binaries), also as root.

Used by the Lambda test fixtures, ``bench/api_handler.py`` and ``make local``. PostgreSQL
refuses to run as root, so when the caller is root the data directory is owned by ``postgres`` and
every server binary runs through ``runuser -u postgres``. The server listens on 127.0.0.1 only,
with password (SCRAM) authentication over TCP and over its Unix socket, and optionally TLS with a
certificate signed by a CA made on the spot. Nobody else on the machine gets in: the superuser's
password is random per server, and the directory holding the socket is private (0700) to the
user the server runs as.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pg8000.native
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tools.local.pg_cluster import SUPERUSER, give_to_server_user, new_cluster

PRIVATE_DIR_MODE = 0o700
"""Mode of the server's directory, which holds its Unix socket: its owner only."""
_BIN_CANDIDATES = ("/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL's server binaries are not installed on this machine."""


def find_bin_dir() -> Path:
    """Return the directory holding ``initdb`` and ``pg_ctl`` or fail with the fix to apply."""
    env = os.environ.get("PG_BIN_DIR")
    for candidate in ([env] if env else []) + list(_BIN_CANDIDATES):
        if (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise PostgresUnavailableError(
        "PostgreSQL server binaries not found (looked in "
        f"{', '.join(_BIN_CANDIDATES)}; set PG_BIN_DIR to override). Run .ci/run, or "
        "`apt-get install -y postgresql`, before running the Lambda tests."
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TlsMaterial:
    """PEM files of a CA made on the spot and of the server certificate it signed."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def make_ca_and_server_cert(
    directory: Path, common_name: str = "cw-analytics test CA"
) -> TlsMaterial:
    """Create a CA and a server certificate for 127.0.0.1/localhost under ``directory``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    material = TlsMaterial(
        ca_cert=directory / "ca.pem",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
    )
    material.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    material.server_cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    material.server_key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return material


@dataclass
class PgServer:
    """A running (or stopped) local PostgreSQL server owned by the test session."""

    base_dir: Path
    port: int
    bin_dir: Path
    tls: TlsMaterial | None = None
    superuser_password: str = field(default="", repr=False)
    """Random per server; the only way in as the superuser, over TCP or the socket."""
    _as_postgres: bool = field(default=False, repr=False)

    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.base_dir / "data"

    def _run(self, *args: str, input: str | None = None) -> None:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, input=input)
        if result.returncode != 0:
            log = self.data_dir / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n"
                f"{result.stderr}\n{tail}"
            )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.base_dir} -c listen_addresses={self.host}"
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        """Stop the server at once (clients are disconnected)."""
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"
        )

    @property
    def socket_path(self) -> Path:
        """The server's Unix socket, inside its private directory."""
        return self.base_dir / f".s.PGSQL.{self.port}"

    def superuser_connection(self, database: str = "postgres") -> pg8000.native.Connection:
        """A connection as the superuser over the Unix socket (SCRAM, the server's password).

        No TLS: PostgreSQL offers none on a Unix socket, and pg8000's default would build a
        context with the system's CA store (about 40 ms of CPU) for every connection only to
        be turned down.
        """
        return pg8000.native.Connection(
            SUPERUSER,
            unix_sock=str(self.socket_path),
            database=database,
            password=self.superuser_password,
            ssl_context=False,
        )

    def create_database(
        self,
        name: str,
        owner: str,
        password: str,
        *,
        connection: pg8000.native.Connection | None = None,
    ) -> None:
        """Create (or reset the password of) a login role and a database it owns; on the
        caller's superuser ``connection`` when given (it stays open), else on a new one."""
        con = connection if connection is not None else self.superuser_connection()
        try:
            exists = con.run("SELECT 1 FROM pg_roles WHERE rolname = :r", r=owner)
            verb = "ALTER" if exists else "CREATE"
            con.run(
                f"{verb} ROLE {pg8000.native.identifier(owner)} LOGIN PASSWORD "
                f"{pg8000.native.literal(password)}"
            )
            # FILE_COPY (PostgreSQL 15+): for a database the size of template1, copying the
            # files is quicker than PostgreSQL 15's default of writing them through the WAL,
            # and the database is dropped about twice as fast (the Lambda tests make hundreds).
            con.run(
                f"CREATE DATABASE {pg8000.native.identifier(name)} "
                f"OWNER {pg8000.native.identifier(owner)} STRATEGY FILE_COPY"
            )
        finally:
            if connection is None:
                con.close()

    def set_password(self, role: str, password: str) -> None:
        """Change a role's password (what a Secrets Manager rotation does)."""
        con = self.superuser_connection()
        try:
            con.run(
                f"ALTER ROLE {pg8000.native.identifier(role)} PASSWORD "
                f"{pg8000.native.literal(password)}"
            )
        finally:
            con.close()

    def terminate_backends(self, database: str) -> int:
        """Kill every other session connected to ``database``; return how many."""
        con = self.superuser_connection()
        try:
            rows = con.run(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()",
                d=database,
            )
            return len(rows)
        finally:
            con.close()

    def destroy(self) -> None:
        """Stop the server if it runs and delete its files."""
        try:
            self.stop()
        except RuntimeError:
            pass
        shutil.rmtree(self.base_dir, ignore_errors=True)


def start_server(
    tls: bool = True,
    force_ssl: bool = False,
    port: int | None = None,
    base_dir: Path | None = None,
    template_root: Path | None = None,
) -> PgServer:
    """A fresh cluster in a temporary directory (``tools.local.pg_cluster``: a copy of an
    initdb'd template), started; returns it.

    TCP and Unix-socket connections need a password (SCRAM); the superuser's is random
    (``server.superuser_password``) and the socket's directory is ``PRIVATE_DIR_MODE``. With
    ``tls`` the server also accepts TLS with a certificate signed by a fresh CA whose PEM is
    ``server.tls.ca_cert``. ``force_ssl`` (needs ``tls``) rejects plaintext TCP, as RDS does
    with ``rds.force_ssl=1``; without it plain TCP stays allowed. ``port``: a free one if None.
    ``base_dir``: an empty directory to use (and delete on ``destroy``); a new one if None.
    The CA's PEM is always ``<base_dir>/tls/ca.pem``. ``template_root``: where the cluster
    template is kept (the temporary directory if None).
    """
    if force_ssl and not tls:
        raise ValueError("force_ssl needs tls")
    bin_dir = find_bin_dir()
    base_dir = base_dir or Path(tempfile.mkdtemp(prefix="cwa-pg-"))
    base_dir.chmod(PRIVATE_DIR_MODE)
    as_postgres = os.geteuid() == 0
    data_dir = base_dir / "data"
    server = PgServer(
        base_dir=base_dir,
        port=port or free_port(),
        bin_dir=bin_dir,
        superuser_password=secrets.token_urlsafe(24),
        _as_postgres=as_postgres,
    )
    give_to_server_user(base_dir, as_postgres)
    new_cluster(
        server._run,
        bin_dir,
        data_dir,
        server.superuser_password,
        as_postgres,
        template_root=template_root,
    )
    conf = [
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "max_connections = 100",
        "log_min_messages = warning",
        # The directory is private already; the socket too, should it ever be moved out.
        "unix_socket_permissions = 0700",
    ]
    if tls:
        material = make_ca_and_server_cert(base_dir / "tls")
        for path in (material.server_cert, material.server_key):
            target = data_dir / path.name
            shutil.copy(path, target)
            target.chmod(0o600)
            give_to_server_user(target, as_postgres)
        conf += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        server.tls = material
    with (data_dir / "postgresql.conf").open("a") as fh:
        fh.write("\n" + "\n".join(conf) + "\n")
    if force_ssl:
        hba = data_dir / "pg_hba.conf"
        # First match wins: plaintext TCP is turned away before the scram-sha-256 host lines.
        hba.write_text("hostnossl all all all reject\n" + hba.read_text())
    server.start()
    return server
