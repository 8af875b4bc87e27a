"""The journal's tables, as numbered steps. A journal at version N runs steps N+1… in one transaction.

Steps are written once for both engines, with placeholders the dialect fills in:
`{s}` the schema prefix (PostgreSQL keeps our tables in a schema of their own, because the production database
is shared; a SQLite file is ours alone), `{id}` an auto-numbered key that keeps insertion order, `{money}` an exact
decimal, `{time}` an instant.

Never edit a step that has shipped: add one.
"""

from __future__ import annotations

V1_CORE = (
    """CREATE TABLE {s}cycles (
        id TEXT PRIMARY KEY, market TEXT, trigger TEXT, started_at {time}, ended_at {time},
        brain TEXT, model TEXT, input_tokens BIGINT, output_tokens BIGINT, cache_read_tokens BIGINT,
        cache_write_tokens BIGINT, cost_usd {money}, outcome TEXT, error TEXT)""",
    """CREATE TABLE {s}transcript (
        id {id}, cycle_id TEXT NOT NULL REFERENCES {s}cycles (id), seq INTEGER NOT NULL, at {time} NOT NULL,
        role TEXT NOT NULL, kind TEXT NOT NULL, content TEXT NOT NULL, UNIQUE (cycle_id, seq))""",
    """CREATE TABLE {s}proposals (
        id TEXT PRIMARY KEY, cycle_id TEXT REFERENCES {s}cycles (id), tool_use_id TEXT, tool TEXT NOT NULL,
        proposed_at {time} NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL, quantity {money} NOT NULL,
        order_type TEXT NOT NULL, limit_price {money}, stop_loss {money}, take_profit {money}, reason TEXT NOT NULL,
        decision TEXT, decided_by TEXT, decision_reason TEXT, decided_at {time})""",
    """CREATE TABLE {s}proposal_checks (
        proposal_id TEXT NOT NULL REFERENCES {s}proposals (id), position INTEGER NOT NULL, name TEXT NOT NULL,
        outcome TEXT NOT NULL, measured TEXT NOT NULL, limit_value TEXT NOT NULL, detail TEXT NOT NULL,
        PRIMARY KEY (proposal_id, position))""",
    """CREATE TABLE {s}orders (
        intent_id TEXT PRIMARY KEY, created_at {time} NOT NULL, symbol TEXT NOT NULL, market TEXT NOT NULL,
        currency TEXT NOT NULL, side TEXT NOT NULL, quantity {money} NOT NULL, order_type TEXT NOT NULL,
        limit_price {money}, stop_price {money}, role TEXT NOT NULL, parent_intent_id TEXT,
        proposal_id TEXT REFERENCES {s}proposals (id), cycle_id TEXT REFERENCES {s}cycles (id), reason TEXT NOT NULL,
        broker_order_id BIGINT, status TEXT NOT NULL, filled {money} NOT NULL, updated_at {time} NOT NULL)""",
    """CREATE TABLE {s}fills (
        exec_id TEXT PRIMARY KEY, intent_id TEXT, symbol TEXT NOT NULL, market TEXT NOT NULL, currency TEXT NOT NULL,
        side TEXT NOT NULL, quantity {money} NOT NULL, price {money} NOT NULL, commission {money},
        realized_pnl {money}, executed_at {time} NOT NULL)""",
    "CREATE INDEX orders_created ON {s}orders (created_at)",
    "CREATE INDEX fills_executed ON {s}fills (executed_at)",
)

V2_HISTORY = (
    """CREATE TABLE {s}order_events (
        id {id}, record_id TEXT NOT NULL UNIQUE, intent_id TEXT NOT NULL REFERENCES {s}orders (intent_id),
        at {time} NOT NULL, status TEXT NOT NULL, broker_order_id BIGINT, filled {money} NOT NULL,
        message TEXT NOT NULL)""",
    """CREATE TABLE {s}equity_snapshots (
        id {id}, record_id TEXT NOT NULL UNIQUE, at {time} NOT NULL, account_id TEXT NOT NULL,
        currency TEXT NOT NULL, equity {money} NOT NULL, cash {money} NOT NULL, buying_power {money} NOT NULL,
        daily_pnl {money})""",
    """CREATE TABLE {s}errors (
        id {id}, record_id TEXT NOT NULL UNIQUE, at {time} NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL,
        cycle_id TEXT)""",
    """CREATE TABLE {s}trading_states (
        id {id}, record_id TEXT NOT NULL UNIQUE, at {time} NOT NULL, old_state TEXT NOT NULL,
        new_state TEXT NOT NULL, cause TEXT NOT NULL)""",
    "CREATE INDEX cycles_started ON {s}cycles (started_at)",
)

V3_DECISION_LOG = (
    """CREATE TABLE {s}decision_log (
        id {id}, record_id TEXT NOT NULL UNIQUE, cycle_id TEXT REFERENCES {s}cycles (id), at {time} NOT NULL,
        decision TEXT NOT NULL, reasoning TEXT NOT NULL)""",
)

# Version 1 is the seed's journal (cycles, decisions, orders, fills); version 2 adds the order status history,
# equity, errors and trading states; version 3 the decisions that placed no order.
MIGRATIONS: tuple[tuple[str, ...], ...] = (V1_CORE, V2_HISTORY, V3_DECISION_LOG)
CURRENT_VERSION = len(MIGRATIONS)
