"""What the gate judges a proposal against, gathered by the desk at one moment; and the facts every check needs,
worked out once from it (the instrument, the position held, the entry price, the rate to base currency)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from catalyst_tui import markets
from catalyst_tui.broker_models import InstrumentDetails, LinkState
from catalyst_tui.config import RiskSettings
from catalyst_tui.markets import ticks
from catalyst_tui.models import Account, Instrument, Order, OrderType, Position, Proposal, Quote, Side
from catalyst_tui.risk.states import TradingState


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    account: Account | None
    link: LinkState | None
    trading_state: TradingState
    orders_today: int | None  # from the journal; None when it cannot say
    positions: tuple[Position, ...] = ()
    open_orders: tuple[Order, ...] = ()
    quotes: Mapping[str, Quote] = field(default_factory=dict)  # by display symbol
    details: Mapping[str, InstrumentDetails] = field(default_factory=dict)  # what the gateway said, by display


@dataclass(frozen=True)
class Subject:
    """A proposal seen against a snapshot. Anything that cannot be worked out is None, and the checks that need
    it fail saying so."""

    proposal: Proposal
    snapshot: Snapshot
    limits: RiskSettings
    instrument: Instrument | None
    details: InstrumentDetails | None
    quote: Quote | None
    held: Decimal  # the signed position in this instrument now
    quantity: Decimal | None  # the proposal's quantity if it is a finite positive number
    entry: Decimal | None  # the limit price, or the touch a market order would take
    fx: Decimal | None  # base currency per unit of the instrument's currency

    @property
    def signed(self) -> Decimal:
        return (self.quantity or Decimal(0)) * (1 if self.proposal.side is Side.BUY else -1)

    @property
    def after(self) -> Decimal:
        return self.held + self.signed

    @property
    def reduces(self) -> bool:
        """Shrinks the position without flipping it: always allowed to get smaller."""
        return self.quantity is not None and self.held != 0 and abs(self.after) < abs(self.held) and (
            self.after == 0 or (self.after > 0) == (self.held > 0)
        )  # fmt: skip

    @property
    def notional(self) -> Decimal | None:
        if self.quantity is None or self.entry is None:
            return None
        return self.quantity * self.entry

    def in_base(self, amount: Decimal | None) -> Decimal | None:
        return None if amount is None or self.fx is None else amount * self.fx

    @property
    def base_currency(self) -> str:
        account = self.snapshot.account
        return account.base_currency if account else "?"


def subject_of(proposal: Proposal, snapshot: Snapshot, limits: RiskSettings) -> Subject:
    instrument = _instrument(proposal.symbol)
    display = instrument.display if instrument else None
    details = snapshot.details.get(display) if display else None
    quote = snapshot.quotes.get(display) if display else None
    held = sum((p.quantity for p in snapshot.positions if p.instrument.display == display), Decimal(0))
    quantity = proposal.quantity if _positive(proposal.quantity) else None
    account = snapshot.account
    rate = account.fx_rates.get(instrument.currency) if account and instrument else None
    fx = rate if _positive(rate) else None  # at a rate of 0 (or -0.13, or NaN) any order would look small
    return Subject(proposal, snapshot, limits, instrument, details, quote, held, quantity,
                   _entry(proposal, quote, details), fx)  # fmt: skip


def _instrument(symbol: str) -> Instrument | None:
    try:
        return markets.normalize(symbol)
    except markets.SymbolError:
        return None


def _entry(proposal: Proposal, quote: Quote | None, details: InstrumentDetails | None) -> Decimal | None:
    """The price the order would really go at: a limit as the adapter will round it, else the touch."""
    if proposal.order_type is OrderType.LIMIT:
        if not _positive(proposal.limit_price) or details is None:
            return proposal.limit_price if _positive(proposal.limit_price) else None
        try:
            return ticks.round_in(
                details.ticks, proposal.limit_price, ticks.safe_direction(ticks.PriceRole.LIMIT, proposal.side)
            )  # type: ignore[arg-type]
        except ticks.PriceError:
            return None
    if quote is None:
        return None
    touch = quote.ask if proposal.side is Side.BUY else quote.bid
    return touch if _positive(touch) else (quote.last if _positive(quote.last) else None)


def _positive(value: Decimal | None) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value > 0
