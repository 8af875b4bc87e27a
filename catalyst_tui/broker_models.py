"""Values the broker adapter reports upward: the connection, contract details, trade outcomes, bars and headlines.

They are plain frozen records so the engine, the risk gate, the journal and the UI can use them without knowing
anything of ib_async.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from catalyst_tui.markets.ticks import TickTable
from catalyst_tui.models import Fill, Instrument, Order


class LinkPhase(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    RECONCILING = "reconciling"
    DOWN = "down"


@dataclass(frozen=True)
class LinkState:
    """What the operator needs to see about the gateway connection, at one moment."""

    phase: LinkPhase
    since: datetime
    attempt: int = 0  # the reconnect attempt under way or next
    next_try: datetime | None = None
    reason: str = ""  # why it is down or reconnecting, in words
    client_id: int | None = None
    account_id: str | None = None
    ib_link: bool = True  # False between IB's 1100 (connectivity lost) and 1101/1102 (restored)
    farms: Mapping[str, bool] = field(default_factory=dict)  # data farm → OK

    def __post_init__(self) -> None:
        object.__setattr__(self, "farms", MappingProxyType(dict(self.farms)))

    @property
    def is_paper(self) -> bool | None:
        """IB paper accounts start with D; None until an account is known."""
        return None if self.account_id is None else self.account_id.upper().startswith("D")

    @property
    def can_trade(self) -> bool:
        return self.phase is LinkPhase.CONNECTED and self.ib_link


@dataclass(frozen=True)
class Session:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class InstrumentDetails:
    """What IB says about a contract, fetched once and cached: the authority for lots, ticks and hours."""

    instrument: Instrument
    con_id: int
    long_name: str
    lot: int
    ticks: TickTable
    time_zone: str
    trading_hours: tuple[Session, ...]
    liquid_hours: tuple[Session, ...]

    def is_open(self, t: datetime) -> bool:
        """Inside the liquid (regular) hours IB reports; they already leave out holidays and half-day afternoons."""
        return any(s.start <= t < s.end for s in self.liquid_hours)


class Outcome(StrEnum):
    SUBMITTED = "submitted"
    FILLED = "filled"
    REJECTED = "rejected"  # IB (or the adapter, before sending) said no
    REFUSED = "refused"  # not sent: the adapter cannot send now (down, reconciling)
    ALREADY_SENT = "already_sent"  # this intent reached the broker before; nothing new was sent


@dataclass(frozen=True)
class TradeResult:
    """What became of one order request, said so that the agent and the operator can act on it."""

    outcome: Outcome
    intent_id: str
    message: str
    orders: tuple[Order, ...] = ()
    fill_price: Decimal | None = None
    filled: Decimal = Decimal(0)
    code: int | None = None  # IB's error code on a rejection

    @property
    def sent(self) -> bool:
        return self.outcome in (Outcome.SUBMITTED, Outcome.FILLED, Outcome.ALREADY_SENT)


@dataclass(frozen=True)
class Reconciliation:
    """What the broker held when the adapter last caught up with it."""

    open_orders: tuple[Order, ...]
    completed_intents: frozenset[str]
    missed_fills: tuple[Fill, ...]  # executions that happened while we were not connected


@dataclass(frozen=True)
class Bar:
    time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True)
class Headline:
    time: datetime
    provider: str
    article_id: str
    text: str
