"""One connection to the journal's database, used from one thread: transactions, migrations and plain queries.

The store is blocking on purpose; `Journal` runs it on its own thread so nothing else waits for it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from catalyst_tui.journal.dialects import POSTGRES, SQLITE, Dialect
from catalyst_tui.journal.errors import JournalError, JournalUnavailable, RecordError
from catalyst_tui.journal.migrations import MIGRATIONS
from catalyst_tui.journal.schema import migrate
from catalyst_tui.journal.urls import JournalTarget, parse_journal_url

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_SECONDS = 5
# SQLite's ways of saying "not now" (busy, locked, full, unreadable); anything else is a bad statement or record.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")


class Tx:
    """A cursor inside one transaction that speaks in templates (see `migrations`) and plain Python values."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor, self.dialect = cursor, dialect

    def execute(self, template: str, *values: Any) -> int:
        self.cursor.execute(self.dialect.sql(template), self.dialect.params(values))
        return int(self.cursor.rowcount)

    def rows(self, template: str, *values: Any) -> list[dict[str, Any]]:
        self.cursor.execute(self.dialect.sql(template), self.dialect.params(values))
        names = [d[0] for d in self.cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self.cursor.fetchall()]


class Store:
    def __init__(self, target: JournalTarget) -> None:
        self.target = target
        self.dialect = SQLITE if target.engine == "sqlite" else POSTGRES
        self._conn: Any = None

    def connect(self) -> None:
        try:
            self._conn = _connect_sqlite(self.target.location) if self.dialect is SQLITE else _connect_pg(self.target)
        except Exception as exc:
            raise self._translate(exc) from exc

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
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield Tx(cursor, self.dialect)
        except BaseException:
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
            return JournalUnavailable(f"journal {where} unavailable: {_first_line(exc)}")
        return RecordError(f"journal {where} refused a write: {_first_line(exc)}")

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


def _connect_pg(target: JournalTarget) -> psycopg.Connection[Any]:
    conn = psycopg.connect(target.location, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


def _unavailable(exc: Exception) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return str(getattr(exc, "sqlite_errorname", "")).startswith(_SQLITE_UNAVAILABLE)
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
