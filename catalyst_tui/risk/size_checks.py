"""Checks on size and risk, in the account's base currency: how big, how much of the account, how much to lose.

An order that only shrinks a position passes the sizing checks: getting smaller must never be blocked.
"""

from __future__ import annotations

from decimal import Decimal

from catalyst_tui.models import Check, Side
from catalyst_tui.risk.results import check, failed, money, passed, pct, warned
from catalyst_tui.risk.snapshot import Subject
from catalyst_tui.risk.states import daily_loss_pct

REDUCES = "reduces the position"


@check
def max_order_value(s: Subject) -> Check:
    limit = money(s.limits.max_order_value, s.base_currency)
    value = s.in_base(s.notional)
    if s.reduces:
        return passed("max_order_value", money(value, s.base_currency), limit, REDUCES)
    if value is None:
        return failed("max_order_value", "unknown", limit, _unknown_value(s))
    if value > s.limits.max_order_value:
        return failed("max_order_value", money(value, s.base_currency), limit)
    return passed("max_order_value", money(value, s.base_currency), limit)


@check
def max_position_pct(s: Subject) -> Check:
    limit = f"{s.limits.max_position_pct}% of equity"
    account, price = s.snapshot.account, s.entry
    if s.reduces:
        return passed("max_position_pct", "smaller", limit, REDUCES)
    value = s.in_base(abs(s.after) * price) if price is not None else None
    if account is None or value is None or account.equity <= 0:
        return failed("max_position_pct", "unknown", limit, _unknown_value(s))
    share = value / account.equity * 100
    if share > s.limits.max_position_pct:
        return failed("max_position_pct", pct(share), limit)
    return passed("max_position_pct", pct(share), limit)


@check
def max_positions(s: Subject) -> Check:
    limit = s.limits.max_positions
    held = {p.instrument.display for p in s.snapshot.positions if p.quantity != 0}
    pending = {
        o.instrument.display for o in s.snapshot.open_orders if o.parent_intent_id is None and o.status.is_working
    }
    display = s.instrument.display if s.instrument else None
    if s.held != 0 or display in pending:
        return passed("max_positions", len(held | pending), limit, "not a new position")
    count = len(held | pending) + 1
    if count > limit:
        return failed("max_positions", count, limit)
    return passed("max_positions", count, limit)


@check
def min_position_value(s: Subject) -> Check:
    limit = money(s.limits.min_position_value, s.base_currency)
    if s.after == 0 and s.quantity is not None:
        return passed("min_position_value", "flat", limit, "closes the position")
    value = s.in_base(abs(s.after) * s.entry) if s.entry is not None else None
    if s.reduces:  # what is left may be small; selling part of it must still be allowed
        return passed("min_position_value", money(value, s.base_currency), limit, REDUCES)
    if value is None:
        return failed("min_position_value", "unknown", limit, _unknown_value(s))
    if value < s.limits.min_position_value:
        return failed("min_position_value", money(value, s.base_currency), limit, "too small to be worth its fees")
    return passed("min_position_value", money(value, s.base_currency), limit)


@check
def buying_power(s: Subject) -> Check:
    account = s.snapshot.account
    value = s.in_base(s.notional)
    if s.reduces:
        return passed("buying_power", money(value, s.base_currency), "", REDUCES)
    if account is None or value is None:
        return failed("buying_power", "unknown", "the account's buying power", _unknown_value(s))
    limit = money(account.buying_power, s.base_currency)
    if value > account.buying_power:
        return failed("buying_power", money(value, s.base_currency), limit)
    return passed("buying_power", money(value, s.base_currency), limit)


@check
def daily_loss(s: Subject) -> Check:
    soft, hard = s.limits.daily_loss_soft_pct, s.limits.daily_loss_hard_pct
    loss = daily_loss_pct(s.snapshot.account) if s.snapshot.account else None
    limit = f"soft {soft}%, hard {hard}%"
    if s.reduces:
        return passed("daily_loss", pct(loss), limit, REDUCES)
    if loss is None:
        return failed("daily_loss", "unknown", limit, "the account has not reported today's P&L")
    if loss >= hard:
        return failed("daily_loss", pct(loss), limit)
    if loss >= soft:
        return failed("daily_loss", pct(loss), limit, "past the soft limit: reducing orders only")
    return passed("daily_loss", pct(loss), limit)


@check
def max_orders_per_day(s: Subject) -> Check:
    limit = s.limits.max_orders_per_day
    count = s.snapshot.orders_today
    if s.reduces:
        return passed("max_orders_per_day", "unknown" if count is None else count, limit, REDUCES)
    if count is None:
        return failed("max_orders_per_day", "unknown", limit, "the journal cannot count today's orders")
    if count + 1 > limit:
        return failed("max_orders_per_day", count + 1, limit)
    return passed("max_orders_per_day", count + 1, limit)


@check
def stop_required(s: Subject) -> Check:
    if s.reduces or not s.limits.require_stop:
        return passed("stop_required", "n/a", "a stop-loss", REDUCES if s.reduces else "risk.require_stop is off")
    if s.proposal.stop_loss is None:
        return failed("stop_required", "no stop-loss", "a stop-loss on every opening order")
    return passed("stop_required", s.proposal.stop_loss, "a stop-loss")


@check
def stop_side(s: Subject) -> Check:
    stop, entry = s.proposal.stop_loss, s.entry
    if stop is None or s.reduces:
        return passed("stop_side", "no stop", "", REDUCES if s.reduces else "")
    want = "below the entry" if s.proposal.side is Side.BUY else "above the entry"
    if entry is None or not stop.is_finite():
        return failed("stop_side", f"stop {stop}", want, "no entry price to compare with")
    right = stop < entry if s.proposal.side is Side.BUY else stop > entry
    measured = f"stop {stop} vs entry {entry}"
    return passed("stop_side", measured, want) if right else failed("stop_side", measured, want)


@check
def max_stop_distance(s: Subject) -> Check:
    limit = f"{s.limits.max_stop_distance_pct}%"
    distance = _stop_distance_pct(s)
    if s.proposal.stop_loss is None or s.reduces:
        return passed("max_stop_distance", "no stop", limit)
    if distance is None:
        return failed("max_stop_distance", "unknown", limit, "no entry price or stop to measure")
    if distance > s.limits.max_stop_distance_pct:
        return failed("max_stop_distance", pct(distance), limit)
    return passed("max_stop_distance", pct(distance), limit)


@check
def min_reward_risk(s: Subject) -> Check:
    limit = f"{s.limits.min_reward_risk}"
    p, entry = s.proposal, s.entry
    if s.reduces or p.stop_loss is None:
        return passed("min_reward_risk", "n/a", limit, REDUCES if s.reduces else "no stop")
    if p.take_profit is None:
        return warned("min_reward_risk", "no take-profit", limit, "the reward is open-ended")
    if entry is None or not (p.stop_loss.is_finite() and p.take_profit.is_finite()) or entry == p.stop_loss:
        return failed("min_reward_risk", "unknown", limit, "no entry price, or the stop sits on it")
    ratio = abs(p.take_profit - entry) / abs(entry - p.stop_loss)
    on_side = p.take_profit > entry if p.side is Side.BUY else p.take_profit < entry
    if not on_side:
        return failed("min_reward_risk", f"take-profit {p.take_profit} vs entry {entry}", limit, "wrong side")
    if ratio < s.limits.min_reward_risk:
        return failed("min_reward_risk", f"{ratio:.2f}", limit)
    return passed("min_reward_risk", f"{ratio:.2f}", limit)


@check
def max_risk_per_trade(s: Subject) -> Check:
    """The loss at the stop; with no stop, the whole notional is at risk."""
    limit = f"{s.limits.max_risk_per_trade_pct}% of equity"
    account, entry, stop = s.snapshot.account, s.entry, s.proposal.stop_loss
    if s.reduces:
        return passed("max_risk_per_trade", "n/a", limit, REDUCES)
    per_share = entry if stop is None or entry is None else abs(entry - stop)
    at_risk = s.in_base(s.quantity * per_share) if s.quantity is not None and per_share is not None else None
    if account is None or at_risk is None or account.equity <= 0:
        return failed("max_risk_per_trade", "unknown", limit, _unknown_value(s))
    share = at_risk / account.equity * 100
    measured = f"{money(at_risk, s.base_currency)} = {pct(share)}"
    if share > s.limits.max_risk_per_trade_pct:
        return failed("max_risk_per_trade", measured, limit)
    return passed("max_risk_per_trade", measured, limit)


def _stop_distance_pct(s: Subject) -> Decimal | None:
    stop, entry = s.proposal.stop_loss, s.entry
    if stop is None or entry is None or not stop.is_finite():
        return None
    return abs(entry - stop) / entry * 100


def _unknown_value(s: Subject) -> str:
    if s.quantity is None:
        return "no valid quantity"
    if s.entry is None:
        return "no price: no limit price and no quote"
    if s.fx is None:
        return f"no exchange rate for {s.instrument.currency if s.instrument else 'the instrument'}"
    return "no account"
