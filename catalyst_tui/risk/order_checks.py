"""Checks on the order itself and on the state it would be sent in: may anything be sent, to this market, in this
form, at this price?"""

from __future__ import annotations

from decimal import Decimal

from catalyst_tui import markets
from catalyst_tui.markets import ticks
from catalyst_tui.models import Check, OrderType, Side
from catalyst_tui.risk.results import check, failed, passed, pct, shown, warned
from catalyst_tui.risk.snapshot import Subject
from catalyst_tui.risk.states import TradingState


@check
def trading_state(s: Subject) -> Check:
    state = s.snapshot.trading_state
    if state is TradingState.ACTIVE:
        return passed("trading_state", state, "ACTIVE or REDUCING")
    if state is TradingState.REDUCING and s.reduces:
        return passed("trading_state", state, "REDUCING: reducing orders only", "this order reduces the position")
    if state is TradingState.REDUCING:
        return failed("trading_state", state, "REDUCING: reducing orders only", "this order adds exposure")
    return failed("trading_state", state, "ACTIVE or REDUCING", "no new orders; cancels only")


@check
def reconciling(s: Subject) -> Check:
    link = s.snapshot.link
    if link is not None and link.can_trade:
        return passed("reconciling", link.phase, "connected and reconciled")
    why = "no gateway" if link is None else f"{link.phase}{', IB link down' if not link.ib_link else ''}"
    return failed("reconciling", why, "connected and reconciled", "orders wait until the broker has been re-read")


@check
def instrument_known(s: Subject) -> Check:
    if s.instrument is None:
        return failed("instrument_known", shown(s.proposal.symbol), "a HKEX or US stock symbol")
    if s.details is None:
        return failed("instrument_known", s.instrument.display, "a contract IB knows", "IB has no such contract")
    return passed("instrument_known", s.instrument.display, "a contract IB knows", s.details.long_name)


@check
def symbol_allowed(s: Subject) -> Check:
    limits = s.limits
    if s.instrument is None:
        return failed("symbol_allowed", shown(s.proposal.symbol), "a valid symbol")
    display = s.instrument.display
    if display in limits.symbol_deny:
        return failed("symbol_allowed", display, "not in risk.symbol_deny")
    if limits.symbol_allow and display not in limits.symbol_allow:
        return failed("symbol_allowed", display, f"one of risk.symbol_allow ({len(limits.symbol_allow)})")
    return passed("symbol_allowed", display, "allowed")


@check
def market_open(s: Subject) -> Check:
    """IB's liquid hours for the contract (holidays and half days included); the calendar if IB has not said."""
    if s.instrument is None:
        return failed("market_open", "unknown market", "open")
    now, hours = s.snapshot.now, s.details.liquid_hours if s.details else ()
    from_ib = bool(hours) and hours[0].start <= now <= hours[-1].end  # IB's hours span now: they are the authority
    is_open = any(h.start <= now < h.end for h in hours) if from_ib else markets.is_open(s.instrument.market, now)
    source = "IB's liquid hours" if from_ib else "the exchange calendar"
    if is_open:
        return passed("market_open", f"{s.instrument.market} open", "open", source)
    return failed("market_open", f"{s.instrument.market} closed", "open", source)


@check
def order_type(s: Subject) -> Check:
    p = s.proposal
    if p.order_type is OrderType.STOP:
        return failed("order_type", p.order_type, "MKT or LMT", "stop entries are not supported; use stop_loss")
    if p.order_type is OrderType.LIMIT and s.entry is None:
        return failed("order_type", f"LMT at {p.limit_price}", "LMT with a positive limit price")
    return passed("order_type", p.order_type, "MKT or LMT")


@check
def quantity_positive(s: Subject) -> Check:
    if s.quantity is None:
        return failed("quantity_positive", s.proposal.quantity, "a number above 0")
    return passed("quantity_positive", s.quantity, "a number above 0")


@check
def board_lot(s: Subject) -> Check:
    if s.details is None or s.quantity is None:
        return failed("board_lot", s.proposal.quantity, "whole board lots", "instrument or quantity unknown")
    lot = s.details.lot
    if s.quantity % lot != 0:
        lower = markets.whole_lots(s.quantity, lot)
        return failed("board_lot", s.quantity, f"a multiple of {lot}", f"try {lower or lot}")
    return passed("board_lot", s.quantity, f"a multiple of {lot}")


@check
def tick_size(s: Subject) -> Check:
    """The adapter rounds every price the safe way; a price off the grid warns, one that cannot be a price fails."""
    if s.details is None:
        return failed("tick_size", "instrument unknown", "prices on the tick grid")
    prices = [(role, price) for role, price in (
        (ticks.PriceRole.LIMIT, s.proposal.limit_price if s.proposal.order_type is OrderType.LIMIT else None),
        (ticks.PriceRole.STOP_LOSS, s.proposal.stop_loss), (ticks.PriceRole.TAKE_PROFIT, s.proposal.take_profit),
    ) if price is not None]  # fmt: skip
    moved = []
    for role, price in prices:
        try:
            rounded = ticks.round_in(s.details.ticks, price, ticks.safe_direction(role, s.proposal.side))
        except ticks.PriceError as exc:
            return failed("tick_size", f"{role} {price}", "a price on the tick grid", str(exc))
        if rounded != price:
            moved.append(f"{role} {price} → {rounded}")
    if moved:
        return warned("tick_size", "; ".join(moved), "the tick grid", "rounded the safe way before sending")
    return passed("tick_size", "on the grid" if prices else "no prices", "the tick grid")


@check
def price_collar(s: Subject) -> Check:
    limit = s.limits.price_collar_pct
    if s.proposal.order_type is not OrderType.LIMIT:
        return passed("price_collar", "market order", f"±{limit}%", "takes the touch; see quote_fresh")
    reference = s.quote.last or s.quote.mid if s.quote else None
    if s.entry is None or not reference:
        return failed("price_collar", f"limit {s.proposal.limit_price}", f"±{limit}% of the last price",
                      "no price to compare with")  # fmt: skip
    away = (s.entry - reference) / reference * 100
    measured = f"{pct(away)} from {reference}"
    if abs(away) > limit:
        return failed("price_collar", measured, f"±{limit}%")
    return passed("price_collar", measured, f"±{limit}%")


@check
def quote_fresh(s: Subject) -> Check:
    limit = s.limits.quote_stale_seconds
    quote = s.quote
    if quote is None or quote.time is None:
        return failed("quote_fresh", "no quote", f"a tick within {limit}s")
    age = (s.snapshot.now - quote.time).total_seconds()
    if quote.stale or age > limit:
        return failed("quote_fresh", f"{age:.0f}s old", f"{limit}s")
    if quote.delayed:
        return warned("quote_fresh", f"{age:.0f}s old, delayed data", f"{limit}s", "prices are 15 minutes late")
    return passed("quote_fresh", f"{age:.0f}s old", f"{limit}s")


@check
def duplicate_order(s: Subject) -> Check:
    display = s.instrument.display if s.instrument else None
    same = [o for o in s.snapshot.open_orders if o.instrument.display == display and o.side is s.proposal.side
            and o.parent_intent_id is None and o.status.is_working]  # fmt: skip
    if same:
        return failed(
            "duplicate_order", f"{same[0].intent_id} already working", "one working order per symbol and side"
        )
    return passed("duplicate_order", "none working", "one working order per symbol and side")


@check
def no_short(s: Subject) -> Check:
    """Counts the sells already working too: a sell plus a working stop must not leave a short between them.
    close_position is exempt: it cancels the position's stop and target before it sells."""
    if s.limits.allow_short or s.proposal.side is Side.BUY:
        return passed("no_short", "not opening a short" if s.proposal.side is Side.BUY else "shorts allowed", "")
    if s.quantity is None:
        return failed("no_short", s.proposal.quantity, f"at most the {s.held} held")
    working = Decimal(0) if s.proposal.tool == "close_position" else _working_sells(s)
    measured = f"sell {s.quantity} with {s.held} held" + (f" and {working} already working to sell" if working else "")
    room = max(s.held - working, Decimal(0))
    if s.quantity > room:
        hint = "; close_position cancels the working stop and target first" if working else ""
        return failed("no_short", measured, f"at most {room}", f"would open a short; risk.allow_short is off{hint}")
    return passed("no_short", measured, f"at most {room}")


def _working_sells(s: Subject) -> Decimal:
    """A bracket's stop and target are one-cancels-other: at most the larger of the two can fill."""
    display = s.instrument.display if s.instrument else None
    by_parent: dict[str, Decimal] = {}
    for order in s.snapshot.open_orders:
        if order.instrument.display == display and order.side is Side.SELL and order.status.is_working:
            key = order.parent_intent_id or order.intent_id
            by_parent[key] = max(by_parent.get(key, Decimal(0)), order.remaining)
    return sum(by_parent.values(), Decimal(0))
