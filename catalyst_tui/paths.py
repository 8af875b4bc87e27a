"""Where Catalyst keeps its files, following the XDG base directories (the machines it runs on are Linux)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

APP = "catalyst"


def _base(env: Mapping[str, str], variable: str, fallback: str) -> Path:
    value = env.get(variable)
    return Path(value) if value else Path.home() / fallback


def data_dir(env: Mapping[str, str]) -> Path:
    """The journal's SQLite file and the spool live here."""
    return _base(env, "XDG_DATA_HOME", ".local/share") / APP


def state_dir(env: Mapping[str, str]) -> Path:
    """Daily log files live here."""
    return _base(env, "XDG_STATE_HOME", ".local/state") / APP


def default_journal_url(env: Mapping[str, str]) -> str:
    return f"sqlite:///{data_dir(env) / 'journal.sqlite3'}"
