"""Immutable domain records shared by the broker adapter, the agent, the journal and the UI.

Money and quantities are `Decimal`; a value the market did not give is `None`, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType


class Market(StrEnum):
    HK = "HK"
    US = "US"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    MARKET = "MKT"
    LIMIT = "LMT"
    STOP = "STP"


class OrderStatus(StrEnum):
    PENDING = "PendingSubmit"
    SUBMITTED = "Submitted"
    PRESUBMITTED = "PreSubmitted"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    INACTIVE = "Inactive"
    REJECTED = "Rejected"

    @property
    def is_working(self) -> bool:
        return self in (OrderStatus.PENDING, OrderStatus.SUBMITTED, OrderStatus.PRESUBMITTED)


class BracketRole(StrEnum):
    """Where an order sits in a bracket; a plain order is an ENTRY with no children."""

    ENTRY = "entry"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"


@dataclass(frozen=True)
class Instrument:
    """A tradable stock, named the way IB wants it and the way operators read it."""

    market: Market
    symbol: str  # IB's symbol: "700", "AAPL", "BRK B"
    exchange: str  # "SEHK" or "SMART"
    currency: str  # "HKD" or "USD"
    display: str  # "0700.HK", "AAPL", "BRK.B"

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True)
class Quote:
    """The latest known market for one instrument; any field the feed has not given is None."""

    instrument: Instrument
    time: datetime | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    bid_size: Decimal | None = None
    ask_size: Decimal | None = None
    volume: Decimal | None = None
    prev_close: Decimal | None = None
    delayed: bool = False
    stale: bool = False

    def age(self, now: datetime) -> timedelta | None:
        """How long since the last tick; None before the first."""
        return None if self.time is None else now - self.time

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    @property
    def change_pct(self) -> Decimal | None:
        if self.last is None or not self.prev_close:
            return None
        return (self.last - self.prev_close) / self.prev_close * 100


@dataclass(frozen=True)
class Position:
    """A holding as the broker reports it, in the instrument's own currency; quantity < 0 is short."""

    instrument: Instrument
    quantity: Decimal
    avg_cost: Decimal
    market_price: Decimal | None = None
    fx_rate: Decimal | None = None  # base-currency units per unit of the instrument's currency

    @property
    def market_value(self) -> Decimal | None:
        if self.market_price is None:
            return None
        return self.quantity * self.market_price

    @property
    def unrealized_pnl(self) -> Decimal | None:
        if self.market_price is None:
            return None
        return (self.market_price - self.avg_cost) * self.quantity

    @property
    def market_value_base(self) -> Decimal | None:
        return _in_base(self.market_value, self.fx_rate)

    @property
    def unrealized_pnl_base(self) -> Decimal | None:
        return _in_base(self.unrealized_pnl, self.fx_rate)


def _in_base(amount: Decimal | None, rate: Decimal | None) -> Decimal | None:
    return None if amount is None or rate is None else amount * rate


@dataclass(frozen=True)
class Order:
    """One order; `intent_id` is ours, written before sending, and travels to IB as `orderRef`."""

    intent_id: str
    instrument: Instrument
    side: Side
    quantity: Decimal
    order_type: OrderType
    status: OrderStatus = OrderStatus.PENDING
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    filled: Decimal = Decimal(0)
    broker_order_id: int | None = None
    role: BracketRole = BracketRole.ENTRY
    parent_intent_id: str | None = None

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled


@dataclass(frozen=True)
class Fill:
    """One execution at the broker; `exec_id` is unique and makes journaling idempotent."""

    exec_id: str
    instrument: Instrument
    side: Side
    quantity: Decimal
    price: Decimal
    time: datetime
    intent_id: str | None = None
    commission: Decimal | None = None
    # IB's realised P&L, net of commission on a closing execution; 0 on an opening one (ib_async reads IB's
    # "unset" as 0); None until the commission report arrives.
    realized_pnl: Decimal | None = None


@dataclass(frozen=True)
class Account:
    """The account in its base currency; `fx_rates` maps a currency to base units per one unit of it."""

    account_id: str
    base_currency: str
    equity: Decimal
    cash: Decimal
    buying_power: Decimal
    daily_pnl: Decimal | None = None
    fx_rates: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rates = dict(self.fx_rates)
        rates[self.base_currency] = Decimal(1)
        object.__setattr__(self, "fx_rates", MappingProxyType(rates))

    @property
    def is_paper(self) -> bool:
        """IB paper accounts start with D (DU…, DF…); anything else trades real money."""
        return self.account_id.upper().startswith("D")

    def to_base(self, amount: Decimal, currency: str) -> Decimal:
        """Convert with IB's own rates; an unknown currency is an error, never a silent 1:1."""
        try:
            return amount * self.fx_rates[currency]
        except KeyError:
            raise ValueError(f"no exchange rate for {currency} in account {self.account_id}") from None


@dataclass(frozen=True)
class Proposal:
    """An order the brain asked for, as it asked: nothing here has been judged yet, so any value may be absurd
    (a symbol of 10,000 characters, a quantity of NaN or 1e12). The risk gate judges; the approver decides."""

    proposal_id: str
    tool: str  # the tool that asked: execute_trade or close_position
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    reason: str = ""
    cycle_id: str | None = None
    tool_use_id: str | None = None


class CheckOutcome(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One named rule of the risk gate, as it judged one proposal: what it measured against which limit."""

    name: str
    outcome: CheckOutcome
    measured: str = ""
    limit: str = ""
    detail: str = ""


class DecisionKind(StrEnum):
    APPROVED = "approved"  # by the operator
    AUTO = "auto"  # by autopilot, because the gate passed it
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def allows(self) -> bool:
        return self in (DecisionKind.APPROVED, DecisionKind.AUTO)


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    decided_by: str  # "operator", "autopilot", "gate", "restart"
    at: datetime
    reason: str = ""
