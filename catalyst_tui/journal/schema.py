"""Bringing a journal to the version this code writes, in one transaction, or refusing a newer one; and checking,
without changing anything, that a journal can be read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from catalyst_tui.journal.dialects import POSTGRES, POSTGRES_SCHEMA
from catalyst_tui.journal.errors import JournalError, JournalVersionError

if TYPE_CHECKING:
    from catalyst_tui.journal.store import Store, Tx

_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS {s}schema_version (version INTEGER NOT NULL)"
_MIGRATION_LOCK = 7_262_022_184  # any constant: two processes opening one PostgreSQL journal take turns
# The reports of `catalyst journal` read only tables that exist since version 1 (cycles, proposals, their checks,
# orders, fills), so any journal from 1 up to this code's version reads as it is, without being upgraded.
READABLE_FROM = 1


def migrate(store: Store, migrations: Sequence[Sequence[str]]) -> int:
    """Run the steps past the journal's version; all of them commit, or the journal stays as it was."""
    with store.transaction() as tx:
        found = _version(tx)
        if found > len(migrations):
            raise JournalVersionError(_too_new(store, found, len(migrations)))
        for step in migrations[found:]:
            for statement in step:
                tx.execute(statement)
        tx.execute("UPDATE {s}schema_version SET version = ?", len(migrations))
    return len(migrations)


def check_readable(store: Store, known: int) -> int:
    """The journal's version, if this code can read it. Reading never upgrades: a reader may run beside an older
    Catalyst still writing that journal, and may lack the privileges to change it."""
    with store.transaction() as tx:
        found = stored_version(tx)
    if found is None or found < READABLE_FROM:
        raise JournalError(f"the journal at {store.target.display} is empty: Catalyst has not written to it yet")
    if found > known:
        raise JournalVersionError(_too_new(store, found, known))
    return found


def stored_version(tx: Tx) -> int | None:
    """Like `_version`, but creates nothing: None where Catalyst never wrote."""
    if tx.dialect is POSTGRES:
        found = tx.rows("SELECT COUNT(to_regclass(?)) AS n", f"{POSTGRES_SCHEMA}.schema_version")
    else:
        found = tx.rows("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    if not found[0]["n"]:
        return None
    rows = tx.rows("SELECT version FROM {s}schema_version")
    return int(rows[0]["version"]) if rows else None


def _too_new(store: Store, found: int, known: int) -> str:
    return (
        f"the journal at {store.target.display} is at schema version {found}, newer than this Catalyst understands "
        f"(version {known}); upgrade Catalyst, or use another journal with --journal"
    )


def current_version(store: Store) -> int:
    with store.transaction() as tx:
        return _version(tx)


def _version(tx: Tx) -> int:
    if tx.dialect is POSTGRES:
        tx.rows("SELECT pg_advisory_xact_lock(?)", _MIGRATION_LOCK)
        if not tx.rows("SELECT 1 FROM pg_namespace WHERE nspname = ?", POSTGRES_SCHEMA):
            tx.execute(f"CREATE SCHEMA {POSTGRES_SCHEMA}")
    tx.execute(_VERSION_TABLE)
    rows = tx.rows("SELECT version FROM {s}schema_version")
    if not rows:
        tx.execute("INSERT INTO {s}schema_version (version) VALUES (0)")
        return 0
    return int(rows[0]["version"])
