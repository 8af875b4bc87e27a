"""`catalyst journal`: what the journal holds, one kind of row at a time, oldest first.

The question it answers is the operator's, of any order: why was it placed, who allowed it, and what became of it.
So an order comes with its proposal's decision, and a decision with the risk checks that failed or warned.
Each report is plain columns and rows (Decimals, aware UTC datetimes, ints, text, None); `render` lays them out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from catalyst_tui.journal.schema import stored_version
from catalyst_tui.journal.store import Tx, open_for_reading

Row = dict[str, Any]


class Kind(StrEnum):
    CYCLES = "cycles"
    DECISIONS = "decisions"
    ORDERS = "orders"
    FILLS = "fills"


@dataclass(frozen=True)
class Report:
    kind: Kind
    since: datetime | None  # None: the whole journal
    columns: tuple[str, ...]
    rows: list[Row]  # each row has exactly `columns`, in that order


SINCE_HELP = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"


def parse_since(text: str) -> datetime:
    """An ISO date or date and time; without an offset it is this machine's local time, as the operator reads a
    clock (a date alone is local midnight). Raises ValueError with words fit for the operator."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected {SINCE_HELP}, got {text!r}") from None
    return value.astimezone() if value.tzinfo is None else value


def read_report(url: str, kind: Kind, since: datetime | None) -> Report:
    """Opens the journal read-only (see `open_for_reading`), reads one report in one transaction, and closes."""
    store = open_for_reading(url)
    try:
        rows: list[Row] = store.run(lambda tx: _QUERIES[kind](tx, since))
    finally:
        store.close_quietly()
    return Report(kind, since, _COLUMNS[kind], [{c: row[c] for c in _COLUMNS[kind]} for row in rows])


CYCLE_COLUMNS = (
    "id", "market", "trigger", "started_at", "ended_at", "brain", "model", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "cost_usd", "outcome", "error",
)  # fmt: skip
DECISION_COLUMNS = (
    "proposal_id", "proposed_at", "symbol", "side", "quantity", "order_type", "limit_price", "stop_loss",
    "take_profit", "reason", "decision", "decided_by", "decision_reason", "decided_at", "checks", "tool", "cycle_id",
)  # fmt: skip
ORDER_COLUMNS = (
    "intent_id", "created_at", "symbol", "currency", "side", "quantity", "order_type", "limit_price", "stop_price",
    "role", "parent_intent_id", "status", "filled", "broker_order_id", "reason", "decision", "decided_by",
    "decision_reason", "decided_at", "updated_at", "proposal_id", "cycle_id",
)  # fmt: skip
FILL_COLUMNS = (
    "exec_id", "executed_at", "intent_id", "symbol", "side", "quantity", "price", "commission", "realized_pnl",
    "currency",
)  # fmt: skip


def _after(column: str, since: datetime | None) -> tuple[str, tuple[Any, ...]]:
    """The condition for --since: inclusive, on the moment the row came to be."""
    return (f"{column} >= ?", (since,)) if since is not None else ("1 = 1", ())


def _cycles(tx: Tx, since: datetime | None) -> list[Row]:
    when, values = _after("started_at", since)
    return tx.rows(f"SELECT * FROM {{s}}cycles WHERE {when} ORDER BY started_at, id", *values)


def _decisions(tx: Tx, since: datetime | None) -> list[Row]:
    when, values = _after("p.proposed_at", since)
    rows = tx.rows(
        f"SELECT p.*, p.id AS proposal_id FROM {{s}}proposals p WHERE {when} ORDER BY p.proposed_at, p.id", *values
    )
    flagged: dict[str, list[str]] = defaultdict(list)
    for check in tx.rows(
        "SELECT c.proposal_id, c.name, c.outcome, c.measured, c.limit_value, c.detail FROM {s}proposal_checks c"
        f" JOIN {{s}}proposals p ON p.id = c.proposal_id WHERE {when} AND c.outcome <> 'pass'"
        " ORDER BY c.proposal_id, c.position",
        *values,
    ):
        flagged[check["proposal_id"]].append(check_summary(check))
    proposed = [{**row, "checks": "; ".join(flagged[row["proposal_id"]])} for row in rows]
    return sorted(proposed + _logged(tx, since), key=lambda r: (r["proposed_at"], r["proposal_id"]))


def _logged(tx: Tx, since: datetime | None) -> list[Row]:
    """Decisions that placed no order ("no trade, because …"), as rows of the same report; journals older than
    version 3 have none."""
    if (stored_version(tx) or 0) < 3:
        return []
    when, values = _after("at", since)
    logged = tx.rows(f"SELECT * FROM {{s}}decision_log WHERE {when} ORDER BY at, id", *values)
    return [{c: None for c in DECISION_COLUMNS} | {
        "proposal_id": r["record_id"], "proposed_at": r["at"], "tool": "log_decision", "cycle_id": r["cycle_id"],
        "decision": r["decision"], "reason": r["reasoning"], "decided_by": "agent", "decided_at": r["at"],
        "checks": "",
    } for r in logged]  # fmt: skip


def check_summary(check: Row) -> str:
    """`max_order_value fail (HKD 120,000 vs limit HKD 100,000; detail)`: enough to see why without the gate."""
    measured, limit, detail = check["measured"], check["limit_value"], check["detail"]
    figures = f"{measured} vs limit {limit}" if measured and limit else measured or (limit and f"limit {limit}")
    said = "; ".join(part for part in (figures, detail) if part)
    return f"{check['name']} {check['outcome']}" + (f" ({said})" if said else "")


def _orders(tx: Tx, since: datetime | None) -> list[Row]:
    """A bracket's stop and target carry no proposal of their own: they were allowed with their parent's."""
    when, values = _after("o.created_at", since)
    return tx.rows(
        "SELECT o.intent_id, o.created_at, o.symbol, o.currency, o.side, o.quantity, o.order_type, o.limit_price,"
        " o.stop_price, o.role, o.parent_intent_id, o.status, o.filled, o.broker_order_id, o.reason, p.decision,"
        " p.decided_by, p.decision_reason, p.decided_at, o.updated_at, p.id AS proposal_id, o.cycle_id"
        " FROM {s}orders o LEFT JOIN {s}orders parent ON parent.intent_id = o.parent_intent_id"
        " LEFT JOIN {s}proposals p ON p.id = COALESCE(o.proposal_id, parent.proposal_id)"
        f" WHERE {when} ORDER BY o.created_at, o.intent_id",
        *values,
    )


def _fills(tx: Tx, since: datetime | None) -> list[Row]:
    when, values = _after("executed_at", since)
    return tx.rows(f"SELECT * FROM {{s}}fills WHERE {when} ORDER BY executed_at, exec_id", *values)


_QUERIES: dict[Kind, Callable[[Tx, datetime | None], list[Row]]] = {
    Kind.CYCLES: _cycles,
    Kind.DECISIONS: _decisions,
    Kind.ORDERS: _orders,
    Kind.FILLS: _fills,
}
_COLUMNS = {
    Kind.CYCLES: CYCLE_COLUMNS,
    Kind.DECISIONS: DECISION_COLUMNS,
    Kind.ORDERS: ORDER_COLUMNS,
    Kind.FILLS: FILL_COLUMNS,
}
