"""What the journal keeps: one frozen dataclass per kind of record, written whole or not at all.

Each record carries its own unique key (a cycle id, an intent id, an exec id, or a `record_id` made when the
record is made), so writing it twice — a spool replayed after a commit whose answer was lost — changes nothing.
Times come from the caller's clock; the journal never reads the time itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

# The risk gate's and the approvers' own types: a record carries them whole. Re-exported for the journal's callers.
from catalyst_tui.models import Account, Check, Decision, Fill, Order, Proposal
from catalyst_tui.models import CheckOutcome as CheckOutcome
from catalyst_tui.models import DecisionKind as DecisionKind


def new_id(prefix: str) -> str:
    """Short, unique and readable in a table: `cyc-3f9a1c2b7d4e`."""
    return f"{prefix}-{secrets.token_hex(6)}"


class EntryKind(StrEnum):
    TEXT = "text"
    THINKING = "thinking"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"


@dataclass(frozen=True)
class CycleStarted:
    cycle_id: str
    at: datetime
    market: str  # "HK", "US" or "all"
    trigger: str  # "schedule", "operator", "command"
    brain: str
    model: str | None = None


@dataclass(frozen=True)
class CycleEnded:
    cycle_id: str
    at: datetime
    outcome: str  # "done", "no_trade", "skipped", "cancelled", "error", "interrupted" (closed at the next start)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    error: str | None = None


@dataclass(frozen=True)
class TranscriptEntry:
    cycle_id: str
    seq: int
    at: datetime
    role: str  # "assistant", "user" or "system"
    kind: EntryKind
    content: str


@dataclass(frozen=True)
class ProposalMade:
    """An order the brain asked for, with the gate's verdict, before anyone decided."""

    proposal: Proposal
    at: datetime
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class ProposalDecided:
    proposal_id: str
    decision: Decision


@dataclass(frozen=True)
class IntentRecorded:
    """Written, and acknowledged, before the order goes to the broker: the orderRef is known before IB is."""

    order: Order
    at: datetime
    reason: str = ""
    proposal_id: str | None = None
    cycle_id: str | None = None


@dataclass(frozen=True)
class OrderChanged:
    """A status the broker reported; an order the journal has not seen (found at reconciliation) is added."""

    order: Order
    at: datetime
    message: str = ""
    record_id: str = field(default_factory=lambda: new_id("ord"))


@dataclass(frozen=True)
class FillRecorded:
    fill: Fill


@dataclass(frozen=True)
class EquitySnapshot:
    at: datetime
    account_id: str
    currency: str
    equity: Decimal
    cash: Decimal
    buying_power: Decimal
    daily_pnl: Decimal | None = None
    record_id: str = field(default_factory=lambda: new_id("eq"))

    @classmethod
    def of(cls, account: Account, at: datetime) -> EquitySnapshot:
        return cls(
            at, account.account_id, account.base_currency, account.equity, account.cash,
            account.buying_power, account.daily_pnl,
        )  # fmt: skip


@dataclass(frozen=True)
class ErrorRecorded:
    at: datetime
    source: str  # "broker", "brain", "tool", "journal", …
    message: str
    cycle_id: str | None = None
    record_id: str = field(default_factory=lambda: new_id("err"))


@dataclass(frozen=True)
class DecisionLogged:
    """A decision that placed no order (log_decision): "no trade, because …" is a decision the operator reads too."""

    at: datetime
    decision: str
    reasoning: str
    cycle_id: str | None = None
    record_id: str = field(default_factory=lambda: new_id("dec"))


@dataclass(frozen=True)
class TradingStateChanged:
    at: datetime
    old: str
    new: str
    cause: str
    record_id: str = field(default_factory=lambda: new_id("ts"))


Record = (
    CycleStarted | CycleEnded | TranscriptEntry | ProposalMade | ProposalDecided | IntentRecorded | OrderChanged
    | FillRecorded | EquitySnapshot | ErrorRecorded | TradingStateChanged | DecisionLogged
)  # fmt: skip
RECORD_TYPES: tuple[type, ...] = Record.__args__  # type: ignore[attr-defined]
