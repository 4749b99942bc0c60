"""A throwaway PostgreSQL server for the differential ``plan --database postgresql://`` tests.

The server is the Debian packages' binaries (``/usr/lib/postgresql/<N>/bin``, which
``.ci/run`` installs) run on a fresh ``initdb`` cluster in a temporary directory: TCP on a
free port of 127.0.0.1 plus a unix socket in that directory, ``trust`` authentication, no
fsync. Nothing of the machine's own clusters is touched. PostgreSQL refuses to run as root,
so as root the cluster belongs to the ``postgres`` system user (``runuser -u postgres --``).

Without the binaries the tests skip with the reason, unless
``MIGRATION_LINT_REQUIRE_POSTGRES=1`` (CI) turns that into a failure: CI must never pass by
silently skipping the only PostgreSQL coverage.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "MIGRATION_LINT_REQUIRE_POSTGRES"


def postgres_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<N>/bin`` with ``initdb`` and ``pg_ctl``, or the
    directory of ``initdb`` on ``PATH`` (other distributions), or ``None``."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def free_port() -> int:
    """A TCP port nothing listens on right now (bound once by the kernel, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class PostgresServer:
    """A running server: superuser ``postgres``, no password."""

    host: str
    port: int
    socket_dir: Path
    user: str = "postgres"

    def url(self, database: str) -> str:
        """The TCP URL of ``database``, as ``plan --database`` takes it."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def socket_url(self, database: str) -> str:
        """The same database through the unix socket (libpq's ``?host=/dir`` form)."""
        return f"postgres://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def django_settings(self, database: str) -> dict[str, object]:
        """Django's ``DATABASES["default"]`` for ``database`` on this server."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": self.user,
            "HOST": self.host,
            "PORT": str(self.port),
        }

    def execute(self, *statements: str) -> None:
        """Run ``statements`` in autocommit on the ``postgres`` database (``CREATE
        DATABASE`` cannot run in a transaction)."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement.encode())

    def create_database(self, name: str) -> str:
        """A new empty database ``name``; returns its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_owner(command: list[str]) -> list[str]:
    """``command`` run as ``postgres`` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _unavailable(reason: str) -> None:
    """Skip, or fail when CI requires PostgreSQL."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def start_server() -> Iterator[PostgresServer]:
    """Start a server in a new temporary directory, yield it, then stop it and delete the
    directory (the body of a session fixture)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        _unavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH"
        )
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
        return
    # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="mlpg-"))
    data, sockets, log = base / "data", base / "sock", base / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    port = free_port()
    started = False
    try:
        subprocess.run(
            _as_owner(
                [
                    *(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres"),
                    *("--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"),
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        result = subprocess.run(
            _as_owner(
                [
                    *(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options),
                    *("-w", "-t", "60", "start"),
                ]
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{result.stderr}\n{server_log}")
        started = True
        server = PostgresServer("127.0.0.1", port, sockets)
        _wait_until_ready(server)
        yield server
    finally:
        if started:
            subprocess.run(
                _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


def _wait_until_ready(server: PostgresServer, timeout: float = 30.0) -> None:
    """``pg_ctl -w`` waits for the socket; also wait until TCP connections succeed."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.url("postgres"), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
