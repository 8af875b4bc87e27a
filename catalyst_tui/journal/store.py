"""One connection to the journal's database, used from one thread: transactions, migrations and plain queries.

The store is blocking on purpose; `Journal` runs it on its own thread so nothing else waits for it.
`open_for_reading` gives a store that cannot change the journal, for `catalyst journal`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalyst_tui.journal.dialects import POSTGRES, SQLITE, Dialect
from catalyst_tui.journal.errors import JournalError, JournalUnavailable, RecordError
from catalyst_tui.journal.migrations import MIGRATIONS
from catalyst_tui.journal.schema import check_readable, migrate
from catalyst_tui.journal.urls import JournalTarget, parse_journal_url

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_SECONDS = 5
# SQLite's ways of saying "not now" (busy, locked, full, unreadable); anything else is a bad statement or record.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")
NEARLY_FULL_BYTES = 1 << 20  # with less free, SQLite's "disk I/O error" (its -shm file not sized, say) is a full disk


class Tx:
    """A cursor inside one transaction that speaks in templates (see `migrations`) and plain Python values."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor, self.dialect = cursor, dialect

    def execute(self, template: str, *values: Any) -> int:
        self.cursor.execute(self.dialect.sql(template), self.dialect.params(values))
        return int(self.cursor.rowcount)

    def execute_many(self, template: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """One statement for many rows: psycopg pipelines them into one round trip to PostgreSQL, not one a row."""
        if rows:
            self.cursor.executemany(self.dialect.sql(template), [self.dialect.params(r) for r in rows])

    def rows(self, template: str, *values: Any) -> list[dict[str, Any]]:
        self.cursor.execute(self.dialect.sql(template), self.dialect.params(values))
        names = [d[0] for d in self.cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self.cursor.fetchall()]


class Store:
    def __init__(self, target: JournalTarget, *, read_only: bool = False) -> None:
        self.target = target
        self.dialect = SQLITE if target.engine == "sqlite" else POSTGRES
        self.read_only = read_only
        self._conn: Any = None

    def connect(self) -> None:
        try:
            if self.dialect is SQLITE:
                location = self.target.location
                self._conn = _connect_sqlite_reader(location) if self.read_only else _connect_sqlite(location)
            else:
                self._conn = _connect_pg(self.target, self.read_only)
        except Exception as exc:  # whatever stops a connection (refused, a missing directory) is an availability matter
            self._conn = None
            raise JournalUnavailable(self._unavailable(exc)) from exc

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Everything inside commits together or not at all; a failure arrives as a JournalError."""
        if self._conn is None:
            self.connect()
        try:
            if self.dialect is SQLITE:
                yield from self._sqlite_transaction()
            else:
                with self._conn.transaction():
                    yield Tx(self._conn.cursor(), self.dialect)
        except JournalError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc

    def _sqlite_transaction(self) -> Iterator[Tx]:
        cursor = self._conn.cursor()
        # A reader must not take the write lock: the app's writer would wait for it.
        cursor.execute("BEGIN" if self.read_only else "BEGIN IMMEDIATE")
        try:
            yield Tx(cursor, self.dialect)
        except BaseException:
            if self._conn.in_transaction:  # SQLite has already rolled back after some errors, a full disk among them
                cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def rows(self, template: str, *values: Any) -> list[dict[str, Any]]:
        with self.transaction() as tx:
            return tx.rows(template, *values)

    def run(self, work: Callable[[Tx], Any]) -> Any:
        with self.transaction() as tx:
            return work(tx)

    def _translate(self, exc: Exception) -> JournalError:
        where = self.target.display
        if _unavailable(exc):
            self.close_quietly()
            return JournalUnavailable(self._unavailable(exc))
        if self.read_only:
            return JournalError(f"journal {where} could not be read: {self._why(exc)}")
        return RecordError(f"journal {where} refused a write: {self._why(exc)}")

    def require_room(self) -> None:
        """Raises JournalUnavailable when a SQLite journal's disk has less than NEARLY_FULL_BYTES free."""
        if self.dialect is SQLITE and _free_bytes(Path(self.target.location).parent) < NEARLY_FULL_BYTES:
            raise JournalUnavailable(f"no space left on device for the journal at {self.target.location}")

    def _unavailable(self, exc: Exception) -> str:
        """A full disk said as such, with the file's path, where SQLite says "database or disk is full" or "disk I/O
        error"."""
        if self.dialect is SQLITE and _no_space(exc, Path(self.target.location).parent):
            return f"no space left on device for the journal at {self.target.location}"
        return f"journal {self.target.display} unavailable: {self._why(exc)}"

    def _why(self, exc: Exception) -> str:
        """The error's first line, without the password: libpq quotes back a URL it cannot parse."""
        text = self.target.scrub(str(exc)).strip().splitlines()
        return text[0] if text else type(exc).__name__

    def close_quietly(self) -> None:
        try:
            self.close()
        except Exception:
            log.debug("closing a broken journal connection", exc_info=True)
        self._conn = None


def open_store(url: str, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> Store:
    """Connect and bring the schema up to date."""
    store = Store(parse_journal_url(url))
    store.connect()
    try:
        migrate(store, migrations)
    except BaseException:
        store.close_quietly()
        raise
    return store


def open_for_reading(url: str, known: int = len(MIGRATIONS)) -> Store:
    """Connect without creating, migrating or locking anything, after checking the journal can be read.

    A missing SQLite file, a database Catalyst never wrote to and a journal newer than `known` are refused
    (JournalError, JournalVersionError); an older journal is read as it is (see `schema.check_readable`).
    """
    target = parse_journal_url(url)
    if target.engine == "sqlite" and not Path(target.location).is_file():
        raise JournalError(f"no journal at {target.display}: the file does not exist")
    store = Store(target, read_only=True)
    try:
        check_readable(store, known)
    except BaseException:
        store.close_quietly()
        raise
    return store


def _connect_sqlite(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES, timeout=CONNECT_TIMEOUT_SECONDS,
        check_same_thread=False,
    )  # fmt: skip
    # WAL lets the `catalyst journal` command read while the app writes; FULL makes each commit survive a crash.
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _connect_sqlite_reader(path: str) -> sqlite3.Connection:
    """mode=ro: nothing this connection runs can change the file (nor create it, nor switch its journal mode)."""
    return sqlite3.connect(
        f"{Path(path).absolute().as_uri()}?mode=ro", uri=True, isolation_level=None,
        detect_types=sqlite3.PARSE_DECLTYPES, timeout=CONNECT_TIMEOUT_SECONDS, check_same_thread=False,
    )  # fmt: skip


def _connect_pg(target: JournalTarget, read_only: bool = False) -> psycopg.Connection[Any]:
    import psycopg  # only PostgreSQL journals load the driver (start-up time)

    conn = psycopg.connect(target.location, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    conn.execute("SET TIME ZONE 'UTC'")
    if read_only:
        # The server refuses any write; each report reads one snapshot (a proposal and its checks agree).
        conn.execute("SET default_transaction_read_only = on")
        conn.execute("SET default_transaction_isolation = 'repeatable read'")
    return conn


def _unavailable(exc: Exception) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return _sqlite_error(exc).startswith(_SQLITE_UNAVAILABLE)
    if not type(exc).__module__.startswith("psycopg"):
        return False
    import psycopg  # loaded already, by the connection that raised this (start-up time)

    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def _no_space(exc: Exception, directory: Path) -> bool:
    name = _sqlite_error(exc)
    if name.startswith("SQLITE_FULL"):
        return True
    return name.startswith("SQLITE_IOERR") and _free_bytes(directory) < NEARLY_FULL_BYTES


def _free_bytes(directory: Path) -> int:
    """What an unprivileged writer may still use there; unknown counts as plenty, so only a full disk is called so."""
    try:
        stat = os.statvfs(directory)
    except OSError:
        return NEARLY_FULL_BYTES
    return stat.f_bavail * stat.f_frsize


def _sqlite_error(exc: Exception) -> str:
    """SQLite's name for the error (SQLITE_FULL, SQLITE_BUSY, …), or "" for anything else."""
    return str(getattr(exc, "sqlite_errorname", "")) if isinstance(exc, sqlite3.Error) else ""
