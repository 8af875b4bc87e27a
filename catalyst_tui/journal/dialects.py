"""The few places SQLite and PostgreSQL differ: names, types, placeholders, and how values cross over.

Both engines hand back the same Python values: `Decimal` for money (PostgreSQL NUMERIC; SQLite text, since a REAL
would round), aware UTC `datetime` for instants (TIMESTAMPTZ; fixed-width ISO text, which sorts as time does).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

# SQLite picks a column's affinity from its declared type: both names contain TEXT (so the value is kept as
# written) and neither contains INT; the converters below turn them back into Python values on the way out.
_SQLITE_MONEY, _SQLITE_TIME = "DECIMALTEXT", "TIMESTAMPTEXT"
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"

sqlite3.register_converter(_SQLITE_MONEY, lambda raw: Decimal(raw.decode()))
sqlite3.register_converter(_SQLITE_TIME, lambda raw: datetime.fromisoformat(raw.decode()))


@dataclass(frozen=True)
class Dialect:
    name: str
    prefix: str  # where our tables live: "catalyst." in a shared PostgreSQL database
    id_type: str
    money_type: str
    time_type: str
    placeholder: str

    def sql(self, template: str) -> str:
        text = template.format(s=self.prefix, id=self.id_type, money=self.money_type, time=self.time_type)
        return text.replace("?", self.placeholder) if self.placeholder != "?" else text

    def param(self, value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"the journal keeps aware times only, got {value!r}")
            return value.astimezone(UTC).strftime(_SQLITE_TIME_FORMAT) if self.name == "sqlite" else value
        if isinstance(value, Decimal) and self.name == "sqlite":
            return str(value)
        return value

    def params(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(self.param(v) for v in values)


SQLITE = Dialect("sqlite", "", "INTEGER PRIMARY KEY", _SQLITE_MONEY, _SQLITE_TIME, "?")
POSTGRES_SCHEMA = "catalyst"
POSTGRES = Dialect(
    "postgresql", f"{POSTGRES_SCHEMA}.", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "NUMERIC", "TIMESTAMPTZ",
    "%s",
)  # fmt: skip
