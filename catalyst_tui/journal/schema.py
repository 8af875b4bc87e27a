"""Bringing a journal to the version this code writes, in one transaction, or refusing a newer one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from catalyst_tui.journal.dialects import POSTGRES, POSTGRES_SCHEMA
from catalyst_tui.journal.errors import JournalVersionError

if TYPE_CHECKING:
    from catalyst_tui.journal.store import Store, Tx

_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS {s}schema_version (version INTEGER NOT NULL)"
_MIGRATION_LOCK = 7_262_022_184  # any constant: two processes opening one PostgreSQL journal take turns


def migrate(store: Store, migrations: Sequence[Sequence[str]]) -> int:
    """Run the steps past the journal's version; all of them commit, or the journal stays as it was."""
    with store.transaction() as tx:
        found = _version(tx)
        if found > len(migrations):
            raise JournalVersionError(
                f"the journal at {store.target.display} is at schema version {found}, newer than this Catalyst "
                f"understands (version {len(migrations)}); upgrade Catalyst, or use another journal with --journal"
            )
        for step in migrations[found:]:
            for statement in step:
                tx.execute(statement)
        tx.execute("UPDATE {s}schema_version SET version = ?", len(migrations))
    return len(migrations)


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
