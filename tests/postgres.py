"""A real PostgreSQL server for the tests: initdb and pg_ctl from the machine's install, in a temp dir, on a free
loopback port, run as an unprivileged user when the tests run as root (PostgreSQL refuses root).

Without PostgreSQL the journal's PostgreSQL tests skip, unless CATALYST_REQUIRE_POSTGRES=1 (as `.ci/run` sets):
then they fail, so CI can never pass without having run them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.net import free_port

# Not "catalyst": PostgreSQL searches a schema named after the user first, which would hide a missing schema prefix.
SUPERUSER = "pgadmin"


def postgres_bin() -> Path | None:
    """The directory of initdb and pg_ctl: on PATH, or the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(installed[-1]).parent if installed else None


def require_postgres() -> Path:
    bin_dir = postgres_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if os.environ.get("CATALYST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message}, and CATALYST_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return bin_dir


class PostgresServer:
    def __init__(self, bin_dir: Path, *, fsync: bool = False) -> None:
        """fsync is off by default: the tests kill clients, never the server, and run faster without it."""
        self.bin_dir = bin_dir
        self.fsync = fsync
        self.root = Path(tempfile.mkdtemp(prefix="catalyst-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._user = _unprivileged_user()
        if self._user:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--no-sync")
        self._databases = 0

    def start(self) -> None:
        fsync = "on" if self.fsync else "off"
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync={fsync}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        self._databases += 1
        name = f"journal_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def destroy(self) -> None:
        subprocess.run(
            [self.bin_dir / "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True, check=False, **self._as_user(),
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([self.bin_dir / program, *args], capture_output=True, text=True, **self._as_user())
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def _as_user(self) -> dict[str, int]:
        return {"user": self._user.pw_uid, "group": self._user.pw_gid} if self._user else {}


def _unprivileged_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("nobody", "postgres"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and there is no unprivileged user (nobody, postgres) to run PostgreSQL as")
