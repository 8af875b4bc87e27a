"""Every check of the risk gate, one table: a known-good order, and the one change that makes each check pass, warn
or fail, with the value it measured and the limit it held it to, as the approval card shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalyst_tui.broker_models import InstrumentDetails, LinkPhase, LinkState, Session
from catalyst_tui.config import RiskSettings
from catalyst_tui.markets import normalize
from catalyst_tui.markets.ticks import tick_table
from catalyst_tui.models import (
    Account,
    Check,
    CheckOutcome,
    Instrument,
    Market,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Proposal,
    Quote,
    Side,
)
from catalyst_tui.risk import CHECK_NAMES, RiskGate, Snapshot, TradingState, Verdict

D = Decimal
PASS, WARN, FAIL = CheckOutcome.PASS, CheckOutcome.WARN, CheckOutcome.FAIL
HKT, ET = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("America/New_York")

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Hong Kong, Thursday 21:00 in New York
US_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday 10:00 in New York, 23:00 in Hong Kong
TENCENT, AAPL = normalize("0700.HK"), normalize("AAPL")


def hk_hours(*days: date) -> tuple[Session, ...]:
    """IB's liquid hours for an HKEX stock: the two continuous sessions of each trading day."""
    return tuple(
        Session(datetime.combine(d, time.fromisoformat(a), HKT), datetime.combine(d, time.fromisoformat(b), HKT))
        for d in days
        for a, b in (("09:30", "12:00"), ("13:00", "16:00"))
    )


def us_hours(*days: date) -> tuple[Session, ...]:
    return tuple(Session(datetime.combine(d, time(9, 30), ET), datetime.combine(d, time(16, 0), ET)) for d in days)


def details(instrument: Instrument, lot: int, name: str, hours: tuple[Session, ...]) -> InstrumentDetails:
    zone = "Asia/Hong_Kong" if instrument.market is Market.HK else "America/New_York"
    return InstrumentDetails(instrument, 100 + lot, name, lot, tick_table(instrument.market, NOW.date()), zone, hours,
                             hours)  # fmt: skip


TRADING_WEEK = (date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23))
BASE_ACCOUNT = Account("DU1234567", "USD", D(1_000_000), D(600_000), D(2_000_000), D(-2000), {"HKD": D("0.1285")})
BASE_SNAPSHOT = Snapshot(
    now=NOW,
    account=BASE_ACCOUNT,
    link=LinkState(LinkPhase.CONNECTED, NOW - timedelta(hours=3), account_id="DU1234567"),
    trading_state=TradingState.ACTIVE,
    orders_today=3,
    quotes={
        "0700.HK": Quote(TENCENT, NOW - timedelta(seconds=2), D("402.0"), D("402.2"), D("402.2"), D(3000), D(8000)),
        "AAPL": Quote(AAPL, NOW - timedelta(seconds=2), D("229.98"), D("230.00"), D("230.00"), D(300), D(500)),
    },
    details={
        "0700.HK": details(TENCENT, 100, "TENCENT HOLDINGS LTD", hk_hours(*TRADING_WEEK)),
        "AAPL": details(AAPL, 1, "APPLE INC", us_hours(*TRADING_WEEK)),
    },
)
BASE_PROPOSAL = Proposal("p-1", "execute_trade", "0700.HK", Side.BUY, D(300), OrderType.LIMIT, D("402.20"), D("390"),
                         D("425"), reason="breakout above the 20-day high")  # fmt: skip


@dataclass(frozen=True)
class World:
    proposal: Proposal
    snapshot: Snapshot
    limits: RiskSettings

    def verdict(self) -> Verdict:
        return RiskGate(self.limits).evaluate(self.proposal, self.snapshot)


BASE = World(BASE_PROPOSAL, BASE_SNAPSHOT, RiskSettings())
Change = Callable[[World], World]


def order(**changes: object) -> Change:
    return lambda w: replace(w, proposal=replace(w.proposal, **changes))


def snap(**changes: object) -> Change:
    return lambda w: replace(w, snapshot=replace(w.snapshot, **changes))


def limits(**changes: object) -> Change:
    return lambda w: replace(w, limits=replace(w.limits, **changes))


def account(**changes: object) -> Change:
    return lambda w: replace(w, snapshot=replace(w.snapshot, account=replace(w.snapshot.account, **changes)))


def link(phase: LinkPhase, ib_link: bool = True) -> Change:
    return snap(link=LinkState(phase, NOW - timedelta(seconds=20), ib_link=ib_link))


def quote(display: str = "0700.HK", **changes: object) -> Change:
    def change(w: World) -> World:
        quotes = dict(w.snapshot.quotes)
        quotes[display] = replace(quotes[display], **changes)
        return replace(w, snapshot=replace(w.snapshot, quotes=quotes))

    return change


def no_quote(display: str = "0700.HK") -> Change:
    return lambda w: replace(
        w, snapshot=replace(w.snapshot, quotes={k: v for k, v in w.snapshot.quotes.items() if k != display})
    )


def liquid_hours(hours: tuple[Session, ...], display: str = "0700.HK") -> Change:
    def change(w: World) -> World:
        all_details = dict(w.snapshot.details)
        all_details[display] = replace(all_details[display], liquid_hours=hours, trading_hours=hours)
        return replace(w, snapshot=replace(w.snapshot, details=all_details))

    return change


def at(now: datetime) -> Change:
    """Move the snapshot to another instant; the quotes keep their age."""

    def change(w: World) -> World:
        shift = now - w.snapshot.now
        quotes = {k: replace(q, time=q.time + shift if q.time else None) for k, q in w.snapshot.quotes.items()}
        return replace(w, snapshot=replace(w.snapshot, now=now, quotes=quotes))

    return change


def holding(quantity: int, instrument: Instrument = TENCENT, avg_cost: str = "380") -> Change:
    position = Position(instrument, D(quantity), D(avg_cost), fx_rate=BASE_ACCOUNT.fx_rates[instrument.currency])
    return lambda w: replace(w, snapshot=replace(w.snapshot, positions=(*w.snapshot.positions, position)))


def working(side: Side, status: OrderStatus = OrderStatus.SUBMITTED, parent: str | None = None) -> Change:
    existing = Order("intent-7", TENCENT, side, D(200), OrderType.LIMIT, status, D("401.00"), parent_intent_id=parent)
    return snap(open_orders=(existing,))


def chain(*changes: Change) -> Change:
    def change(w: World) -> World:
        for each in changes:
            w = each(w)
        return w

    return change


def sell(quantity: int, price: str = "402.20", **more: object) -> Change:
    return order(**{"side": Side.SELL, "quantity": D(quantity), "limit_price": D(price), "stop_loss": None,
                    "take_profit": None, **more})  # fmt: skip


# A US stock in its session: lot 1, priced and limited in USD, nothing to convert.
US = chain(at(US_NOW), order(symbol="AAPL", quantity=D(50), limit_price=D("230.00"), stop_loss=D("224.00"),
                             take_profit=D("240.00")))  # fmt: skip
TRIM = chain(holding(300), sell(100))  # sell a third of a long
# The protective stop and target of a bought bracket of 200, both working: one-cancels-other, so 200 at most.
BRACKET = snap(open_orders=tuple(
    Order(f"buy-1:{role}", TENCENT, Side.SELL, D(200), kind, OrderStatus.SUBMITTED, price, parent_intent_id="buy-1")
    for role, kind, price in (("sl", OrderType.STOP, None), ("tp", OrderType.LIMIT, D("425")))
))  # fmt: skip
REDUCING = snap(trading_state=TradingState.REDUCING)
SHORTS = limits(allow_short=True)
NO_HKD_RATE = account(fx_rates={})
OTHER_POSITIONS = chain(*(holding(n, normalize(s)) for s, n in (
    ("9988.HK", 500), ("0005.HK", 800), ("1810.HK", 2000), ("3690.HK", 300), ("MSFT", 40), ("NVDA", 60),
)))  # fmt: skip


@dataclass(frozen=True)
class Case:
    check: str
    description: str
    change: Change
    outcome: CheckOutcome
    measured: tuple[str, ...] = ()  # every one of these appears in what the check measured
    limit: tuple[str, ...] = ()  # and these in the limit it held it to
    detail: str = ""


def case(check: str, description: str, change: Change, outcome: CheckOutcome, measured: str | tuple[str, ...] = (),
         limit: str | tuple[str, ...] = (), detail: str = "") -> Case:  # fmt: skip
    def strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else value

    return Case(check, description, change, outcome, strings(measured), strings(limit), detail)


def same(w: World) -> World:
    return w


CASES = [
    # trading_state
    case("trading_state", "ACTIVE takes any order", same, PASS, "ACTIVE", "ACTIVE or REDUCING"),
    case("trading_state", "REDUCING lets a sell of part of a long through", chain(REDUCING, TRIM), PASS, "REDUCING",
         "reducing orders only", "this order reduces"),
    case("trading_state", "REDUCING lets a short be bought back",
         chain(REDUCING, holding(-300), order(quantity=D(100))), PASS, "REDUCING", "reducing orders only"),
    case("trading_state", "REDUCING refuses a buy", REDUCING, FAIL, "REDUCING", "reducing orders only",
         "adds exposure"),
    case("trading_state", "REDUCING refuses adding to a long", chain(REDUCING, holding(300)), FAIL, "REDUCING",
         "reducing orders only"),
    case("trading_state", "REDUCING refuses a sell that flips a long short", chain(REDUCING, holding(300), sell(500)),
         FAIL, "REDUCING", "reducing orders only"),
    case("trading_state", "HALTED refuses a buy", snap(trading_state=TradingState.HALTED), FAIL, "HALTED",
         "ACTIVE or REDUCING", "cancels only"),
    case("trading_state", "HALTED refuses even a reducing sell", chain(snap(trading_state=TradingState.HALTED), TRIM),
         FAIL, "HALTED", "ACTIVE or REDUCING"),
    case("trading_state", "RECONCILING refuses a buy", snap(trading_state=TradingState.RECONCILING), FAIL,
         "RECONCILING", "ACTIVE or REDUCING"),
    case("trading_state", "RECONCILING refuses even a reducing sell",
         chain(snap(trading_state=TradingState.RECONCILING), TRIM), FAIL, "RECONCILING", "ACTIVE or REDUCING"),
    # market_open
    case("market_open", "HKEX morning session, by IB's liquid hours", same, PASS, "HK open", "open",
         "IB's liquid hours"),
    case("market_open", "HKEX lunch break, by IB's liquid hours", at(datetime(2026, 11, 20, 12, 30, tzinfo=HKT)), FAIL,
         "HK closed", "open", "IB's liquid hours"),
    case("market_open", "IB lists no session today: closed, whatever the calendar says",
         liquid_hours(hk_hours(date(2026, 11, 19), date(2026, 11, 23))), FAIL, "HK closed", "open",
         "IB's liquid hours"),
    case("market_open", "Chung Yeung holiday: IB's hours skip the day",
         chain(at(datetime(2026, 10, 19, 10, 0, tzinfo=HKT)),
               liquid_hours(hk_hours(date(2026, 10, 16), date(2026, 10, 20)))), FAIL, "HK closed", "open",
         "IB's liquid hours"),
    case("market_open", "IB has sent no hours: the calendar says open", liquid_hours(()), PASS, "HK open", "open",
         "the exchange calendar"),
    case("market_open", "IB's hours are last week's: the calendar decides",
         liquid_hours(hk_hours(date(2026, 11, 12), date(2026, 11, 13))), PASS, "HK open", "open",
         "the exchange calendar"),
    case("market_open", "a Saturday, by the calendar", chain(liquid_hours(()), at(NOW + timedelta(days=1))), FAIL,
         "HK closed", "open", "the exchange calendar"),
    case("market_open", "Christmas Eve afternoon: a half day, by the calendar",
         chain(liquid_hours(()), at(datetime(2026, 12, 24, 13, 30, tzinfo=HKT))), FAIL, "HK closed", "open",
         "the exchange calendar"),
    case("market_open", "a US stock at 10:00 New York time", US, PASS, "US open", "open", "IB's liquid hours"),
    case("market_open", "a US stock while New York sleeps", order(symbol="AAPL", quantity=D(50),
         limit_price=D("230.00")), FAIL, "US closed", "open"),
    case("market_open", "an unknown symbol has no market", order(symbol="??"), FAIL, "unknown market", "open"),
    # instrument_known
    case("instrument_known", "Tencent, as IB knows it", same, PASS, "0700.HK", "a contract IB knows",
         "TENCENT HOLDINGS LTD"),
    case("instrument_known", "700 is Tencent too", order(symbol="700"), PASS, "0700.HK", "a contract IB knows"),
    case("instrument_known", "a ticker IB did not confirm", order(symbol="ZZZZ"), FAIL, "ZZZZ", "a contract IB knows",
         "IB has no such contract"),
    case("instrument_known", "not a symbol at all", order(symbol="buy it all!"), FAIL, "buy it all!",
         "a HKEX or US stock symbol"),
    case("instrument_known", "a 10,000-character symbol is not echoed whole", order(symbol="7" * 10_000), FAIL,
         "(10000 characters)", "a HKEX or US stock symbol"),
    # order_type
    case("order_type", "a limit order", same, PASS, "LMT", "MKT or LMT"),
    case("order_type", "a market order", order(order_type=OrderType.MARKET, limit_price=None), PASS, "MKT",
         "MKT or LMT"),
    case("order_type", "a stop entry", order(order_type=OrderType.STOP), FAIL, "STP", "MKT or LMT", "use stop_loss"),
    case("order_type", "a limit order with no price", order(limit_price=None), FAIL, "LMT at None",
         "a positive limit price"),
    case("order_type", "a limit order at a negative price", order(limit_price=D("-402.20")), FAIL, "LMT at -402.20",
         "a positive limit price"),
    # quantity_positive
    case("quantity_positive", "300 shares", same, PASS, "300", "above 0"),
    case("quantity_positive", "zero", order(quantity=D(0)), FAIL, "0", "above 0"),
    case("quantity_positive", "negative", order(quantity=D(-300)), FAIL, "-300", "above 0"),
    case("quantity_positive", "NaN", order(quantity=D("NaN")), FAIL, "NaN", "above 0"),
    case("quantity_positive", "infinity", order(quantity=D("Infinity")), FAIL, "Infinity", "above 0"),
    # board_lot
    case("board_lot", "three lots of 100", same, PASS, "300", "a multiple of 100"),
    case("board_lot", "an odd lot", order(quantity=D(250)), FAIL, "250", "a multiple of 100", "try 200"),
    case("board_lot", "less than a lot", order(quantity=D(50)), FAIL, "50", "a multiple of 100", "try 100"),
    case("board_lot", "a fraction of a share", order(quantity=D("300.5")), FAIL, "300.5", "a multiple of 100"),
    case("board_lot", "a US stock trades single shares", chain(US, order(quantity=D(37))), PASS, "37",
         "a multiple of 1"),
    case("board_lot", "no contract, no lot", order(symbol="ZZZZ"), FAIL, "300", "whole board lots"),
    # tick_size
    case("tick_size", "every price on the 0.20 grid", same, PASS, "on the grid", "the tick grid"),
    case("tick_size", "a buy limit off the grid rounds down", order(limit_price=D("402.30")), WARN,
         "limit 402.30 → 402.20", "the tick grid", "rounded the safe way"),
    case("tick_size", "a sell limit off the grid rounds up", chain(TRIM, order(limit_price=D("402.30"))), WARN,
         "limit 402.30 → 402.40", "the tick grid"),
    case("tick_size", "a long's stop rounds up, toward the entry", order(stop_loss=D("390.10")), WARN,
         "stop_loss 390.10 → 390.20", "the tick grid"),
    case("tick_size", "a long's take-profit rounds down, toward the entry", order(take_profit=D("425.10")), WARN,
         "take_profit 425.10 → 425.00", "the tick grid"),
    case("tick_size", "a US price to the cent", chain(US, order(limit_price=D("229.99"))), PASS, "on the grid",
         "the tick grid"),
    case("tick_size", "a price above the HKEX table", order(limit_price=D("10000")), FAIL, "limit 10000",
         "a price on the tick grid", "outside the tick table"),
    case("tick_size", "a negative stop", order(stop_loss=D("-1")), FAIL, "stop_loss -1", "a price on the tick grid"),
    # price_collar
    case("price_collar", "at the last price", same, PASS, ("0.00%", "402.2"), "±3%"),
    case("price_collar", "4.4% above the last price", order(limit_price=D("420.00")), FAIL, ("4.43%", "402.2"), "±3%"),
    case("price_collar", "5.5% below the last price", order(limit_price=D("380.00")), FAIL, ("-5.52%", "402.2"), "±3%"),
    case("price_collar", "a market order takes the touch", order(order_type=OrderType.MARKET, limit_price=None), PASS,
         "market order", "±3%"),
    case("price_collar", "no quote to compare with", no_quote(), FAIL, "limit 402.20", "±3% of the last price",
         "no price to compare with"),
    # quote_fresh
    case("quote_fresh", "a tick 2 seconds ago", same, PASS, "2s old", "30s"),
    case("quote_fresh", "a tick 45 seconds ago", quote(time=NOW - timedelta(seconds=45)), FAIL, "45s old", "30s"),
    case("quote_fresh", "the feed flagged the quote stale", quote(stale=True), FAIL, "2s old", "30s"),
    case("quote_fresh", "no quote at all", no_quote(), FAIL, "no quote", "30s"),
    case("quote_fresh", "a quote with no tick yet", quote(time=None), FAIL, "no quote", "30s"),
    case("quote_fresh", "delayed data warns", quote(delayed=True), WARN, ("2s old", "delayed"), "30s",
         "15 minutes late"),
    # max_order_value
    case("max_order_value", "300 Tencent converted from HKD", same, PASS, "USD 15,504.81", "USD 20,000.00"),
    case("max_order_value", "500 Tencent is too big in USD", order(quantity=D(500)), FAIL, "USD 25,841.35",
         "USD 20,000.00"),
    case("max_order_value", "a market buy is valued at the ask",
         chain(order(order_type=OrderType.MARKET, limit_price=None), quote(ask=D("402.40"))), PASS, "USD 15,512.52",
         "USD 20,000.00"),
    case("max_order_value", "a US stock in USD, nothing converted", US, PASS, "USD 11,500.00", "USD 20,000.00"),
    case("max_order_value", "100 Apple at 230 is too big", chain(US, order(quantity=D(100))), FAIL, "USD 23,000.00",
         "USD 20,000.00"),
    case("max_order_value", "no HKD rate", NO_HKD_RATE, FAIL, "unknown", "USD 20,000.00", "no exchange rate for HKD"),
    case("max_order_value", "selling down a big long is not capped", chain(holding(1000), sell(800)), PASS,
         "USD 41,346.16", "USD 20,000.00", "reduces the position"),
    # max_position_pct
    case("max_position_pct", "a 1.55% position", same, PASS, "1.55%", "20% of equity"),
    case("max_position_pct", "adding to 4,000 shares makes 22%", holding(4000), FAIL, "22.22%", "20% of equity"),
    case("max_position_pct", "a small account", account(equity=D(50_000)), FAIL, "31.01%", "20% of equity"),
    case("max_position_pct", "no equity to measure against", account(equity=D(0)), FAIL, "unknown", "20% of equity",
         "no account"),
    case("max_position_pct", "trimming an oversized position", chain(holding(8000), sell(1000)), PASS, "smaller",
         "20% of equity", "reduces the position"),
    # max_positions
    case("max_positions", "the first position", same, PASS, "1", "6"),
    case("max_positions", "a seventh position", OTHER_POSITIONS, FAIL, "7", "6"),
    case("max_positions", "adding to a held name at the limit",
         chain(OTHER_POSITIONS, lambda w: replace(w, snapshot=replace(w.snapshot, positions=w.snapshot.positions[1:])),
               holding(300)), PASS, "6", "6", "not a new position"),
    # min_position_value
    case("min_position_value", "a position worth USD 15,504.81", same, PASS, "USD 15,504.81", "USD 1,000.00"),
    case("min_position_value", "3 Apple is not worth the fees", chain(US, order(quantity=D(3))), FAIL, "USD 690.00",
         "USD 1,000.00", "too small"),
    case("min_position_value", "selling the whole long", chain(holding(300), sell(300)), PASS, "flat",
         "USD 1,000.00", "closes the position"),
    case("min_position_value", "trimming a small position is still allowed",
         chain(US, holding(10, AAPL, "231"), order(side=Side.SELL, quantity=D(7), stop_loss=None, take_profit=None)),
         PASS, "USD 690.00", "USD 1,000.00", "reduces the position"),
    # buying_power
    case("buying_power", "plenty of buying power", same, PASS, "USD 15,504.81", "USD 2,000,000.00"),
    case("buying_power", "USD 10,000 of buying power", account(buying_power=D(10_000)), FAIL, "USD 15,504.81",
         "USD 10,000.00"),
    case("buying_power", "selling needs no buying power", chain(account(buying_power=D(0)), TRIM), PASS,
         "USD 5,168.27", "", "reduces the position"),
    case("buying_power", "no account", snap(account=None), FAIL, "unknown", "buying power"),
    # daily_loss
    case("daily_loss", "down 0.2% today", same, PASS, "0.20%", ("1.5%", "2.0%")),
    case("daily_loss", "a winning day", account(daily_pnl=D(12_000)), PASS, "0.00%", ("1.5%", "2.0%")),
    case("daily_loss", "past the soft limit", account(daily_pnl=D(-16_000)), FAIL, "1.57%", ("soft 1.5%", "hard 2.0%"),
         "reducing orders only"),
    case("daily_loss", "past the hard limit", account(daily_pnl=D(-25_000)), FAIL, "2.44%", ("soft 1.5%", "hard 2.0%")),
    case("daily_loss", "IB has not reported today's P&L", account(daily_pnl=None), FAIL, "unknown", "soft 1.5%",
         "has not reported"),
    case("daily_loss", "past the hard limit, a sell still reduces", chain(account(daily_pnl=D(-25_000)), TRIM), PASS,
         "2.44%", "hard 2.0%", "reduces the position"),
    # max_orders_per_day
    case("max_orders_per_day", "the 4th order today", same, PASS, "4", "20"),
    case("max_orders_per_day", "the 21st order today", snap(orders_today=20), FAIL, "21", "20"),
    case("max_orders_per_day", "the journal cannot count", snap(orders_today=None), FAIL, "unknown", "20",
         "cannot count"),
    case("max_orders_per_day", "a reducing order past the count", chain(snap(orders_today=20), TRIM), PASS, "20",
         "20", "reduces the position"),
    # stop_required
    case("stop_required", "a stop at 390", same, PASS, "390", "a stop-loss"),
    case("stop_required", "an opening order without a stop", order(stop_loss=None), FAIL, "no stop-loss",
         "a stop-loss on every opening order"),
    case("stop_required", "stops not required", chain(limits(require_stop=False), order(stop_loss=None)), PASS, "n/a",
         "a stop-loss", "require_stop is off"),
    case("stop_required", "a closing sell needs no stop", TRIM, PASS, "n/a", "a stop-loss", "reduces the position"),
    # stop_side
    case("stop_side", "a long's stop below the entry", same, PASS, ("stop 390", "entry 402.20"), "below the entry"),
    case("stop_side", "a long's stop above the entry", order(stop_loss=D("410")), FAIL, ("stop 410", "entry 402.20"),
         "below the entry"),
    case("stop_side", "a short's stop above the entry", chain(SHORTS, sell(300, stop_loss=D("414"))), PASS,
         ("stop 414", "entry 402.20"), "above the entry"),
    case("stop_side", "a short's stop below the entry", chain(SHORTS, sell(300, stop_loss=D("390"))), FAIL,
         ("stop 390", "entry 402.20"), "above the entry"),
    case("stop_side", "a stop of NaN", order(stop_loss=D("NaN")), FAIL, "stop NaN", "below the entry"),
    # max_stop_distance
    case("max_stop_distance", "a stop 3% away", same, PASS, "3.03%", "8%"),
    case("max_stop_distance", "a stop 10.5% away", order(stop_loss=D("360")), FAIL, "10.49%", "8%"),
    case("max_stop_distance", "no stop to measure", order(stop_loss=None), PASS, "no stop", "8%"),
    # min_reward_risk
    case("min_reward_risk", "22.80 to gain for 12.20 at risk", same, PASS, "1.87", "1.5"),
    case("min_reward_risk", "7.80 to gain for 12.20 at risk", order(take_profit=D("410")), FAIL, "0.64", "1.5"),
    case("min_reward_risk", "a take-profit below a long's entry", order(take_profit=D("400")), FAIL,
         ("take-profit 400", "entry 402.20"), "1.5", "wrong side"),
    case("min_reward_risk", "no take-profit warns", order(take_profit=None), WARN, "no take-profit", "1.5",
         "open-ended"),
    # max_risk_per_trade
    case("max_risk_per_trade", "USD 470 at the stop", same, PASS, ("USD 470.31", "0.05%"), "1.0% of equity"),
    case("max_risk_per_trade", "without a stop the whole order is at risk",
         chain(limits(require_stop=False), order(stop_loss=None)), FAIL, ("USD 15,504.81", "1.55%"), "1.0% of equity"),
    case("max_risk_per_trade", "a tighter limit", limits(max_risk_per_trade_pct=D("0.04")), FAIL,
         ("USD 470.31", "0.05%"), "0.04% of equity"),
    case("max_risk_per_trade", "a reducing order risks nothing new", TRIM, PASS, "n/a", "1.0% of equity"),
    # duplicate_order
    case("duplicate_order", "nothing working", same, PASS, "none working", "one working order per symbol and side"),
    case("duplicate_order", "a buy already working", working(Side.BUY), FAIL, "intent-7 already working",
         "one working order per symbol and side"),
    case("duplicate_order", "a working sell is the other side", working(Side.SELL), PASS, "none working",
         "one working order per symbol and side"),
    case("duplicate_order", "a filled buy is not working", working(Side.BUY, OrderStatus.FILLED), PASS,
         "none working", "one working order per symbol and side"),
    case("duplicate_order", "a bracket child is not an entry", working(Side.BUY, parent="intent-6"), PASS,
         "none working", "one working order per symbol and side"),
    # symbol_allowed
    case("symbol_allowed", "no lists", same, PASS, "0700.HK", "allowed"),
    case("symbol_allowed", "on the deny list", limits(symbol_deny=("0700.HK",)), FAIL, "0700.HK",
         "not in risk.symbol_deny"),
    case("symbol_allowed", "not on the allow list", limits(symbol_allow=("9988.HK", "AAPL")), FAIL, "0700.HK",
         "one of risk.symbol_allow (2)"),
    case("symbol_allowed", "on the allow list", limits(symbol_allow=("0700.HK",)), PASS, "0700.HK", "allowed"),
    case("symbol_allowed", "not a symbol", order(symbol="🚀"), FAIL, "🚀", "a valid symbol"),
    # no_short
    case("no_short", "a buy opens no short", same, PASS, "not opening a short"),
    case("no_short", "selling part of a long", TRIM, PASS, ("sell 100", "300 held"), "at most 300"),
    case("no_short", "selling more than the long", chain(holding(300), sell(400)), FAIL, ("sell 400", "300 held"),
         "at most 300", "would open a short"),
    case("no_short", "selling what is not held", sell(300), FAIL, ("sell 300", "0 held"), "at most 0"),
    case("no_short", "shorts allowed", chain(SHORTS, sell(300, stop_loss=D("414"))), PASS, "shorts allowed"),
    case("no_short", "a sell beside the bracket's working stop and target", chain(holding(300), BRACKET, sell(200)),
         FAIL, ("sell 200", "300 held", "200 already working to sell"), "at most 100", "close_position"),
    case("no_short", "what the working stop leaves may be sold", chain(holding(300), BRACKET, sell(100)), PASS,
         ("sell 100", "200 already working"), "at most 100"),
    case("no_short", "close_position cancels the bracket first", chain(holding(300), BRACKET,
         sell(300, tool="close_position", order_type=OrderType.MARKET, limit_price=None)), PASS, "sell 300",
         "at most 300"),
    # reconciling
    case("reconciling", "connected", same, PASS, "connected", "connected and reconciled"),
    case("reconciling", "re-reading the broker after a reconnect", link(LinkPhase.RECONCILING), FAIL, "reconciling",
         "connected and reconciled", "re-read"),
    case("reconciling", "IB's own link is down (1100)", link(LinkPhase.CONNECTED, ib_link=False), FAIL,
         ("connected", "IB link down"), "connected and reconciled"),
    case("reconciling", "reconnecting", link(LinkPhase.RECONNECTING), FAIL, "reconnecting", "connected and reconciled"),
    case("reconciling", "no gateway", snap(link=None), FAIL, "no gateway", "connected and reconciled"),
]  # fmt: skip


def result(world: World, name: str) -> Check:
    return next(c for c in world.verdict().checks if c.name == name)


def test_the_baseline_passes_every_check() -> None:
    verdict = BASE.verdict()
    assert [c.name for c in verdict.checks] == list(CHECK_NAMES)
    assert all(c.outcome is PASS for c in verdict.checks), verdict.summary()
    assert verdict.passed
    assert verdict.summary() == "passed all 25 checks"


def test_the_us_baseline_passes_every_check() -> None:
    verdict = US(BASE).verdict()
    assert verdict.passed and not verdict.warnings, verdict.summary()


def test_the_table_covers_every_check_passing_and_failing() -> None:
    for name in CHECK_NAMES:
        outcomes = {c.outcome for c in CASES if c.check == name}
        assert {PASS, FAIL} <= outcomes, name
    assert {c.check for c in CASES} == set(CHECK_NAMES)


@pytest.mark.parametrize("c", [pytest.param(c, id=f"{c.check}: {c.description}") for c in CASES])
def test_check(c: Case) -> None:
    found = result(c.change(BASE), c.check)
    assert found.outcome is c.outcome, found
    for part in c.measured:
        assert part in found.measured, found
    for part in c.limit:
        assert part in found.limit, found
    assert c.detail in found.detail, found


@pytest.mark.parametrize(
    "name", ["max_order_value", "max_position_pct", "min_position_value", "buying_power", "max_risk_per_trade"]
)
def test_a_missing_fx_rate_fails_every_base_currency_check_saying_which_rate(name: str) -> None:
    found = result(NO_HKD_RATE(BASE), name)
    assert found.outcome is FAIL
    assert found.measured == "unknown"
    assert found.detail == "no exchange rate for HKD"


@pytest.mark.parametrize("rate", ["0", "-0.1285", "NaN"])
def test_an_unusable_fx_rate_is_no_rate(rate: str) -> None:
    """At a rate of 0 a million Tencent shares would measure USD 0.00 and pass every size limit."""
    world = chain(account(fx_rates={"HKD": D(rate)}), limits(min_position_value=D(0)), order(quantity=D(1_000_000)))
    verdict = world(BASE).verdict()
    assert not verdict.passed
    for name in ("max_order_value", "max_position_pct", "min_position_value", "buying_power", "max_risk_per_trade"):
        found = result(world(BASE), name)
        assert (found.outcome, found.measured, found.detail) == (FAIL, "unknown", "no exchange rate for HKD")


def test_a_us_stock_needs_no_rate() -> None:
    verdict = chain(US, NO_HKD_RATE)(BASE).verdict()
    assert verdict.passed, verdict.summary()


def test_reducing_lets_a_trim_through_and_refuses_a_buy() -> None:
    reducing_day = chain(REDUCING, account(daily_pnl=D(-16_000)), holding(300))
    trim = chain(reducing_day, sell(100))(BASE).verdict()
    assert trim.passed, trim.summary()
    buy = reducing_day(BASE).verdict()
    assert {f.name for f in buy.failures} == {"trading_state", "daily_loss"}


def test_a_reducing_order_passes_every_sizing_check() -> None:
    """Getting smaller is never blocked by size: a 2,000-share sale, far above the order cap, with no stop, past
    the daily hard loss, the order count and the buying power, out of a position that is a third of the account."""
    world = chain(holding(8000), sell(2000), account(daily_pnl=D(-25_000), buying_power=D(0)), snap(orders_today=20))(
        BASE
    )
    verdict = world.verdict()
    sizing = ("max_order_value", "max_position_pct", "max_positions", "min_position_value", "buying_power",
              "daily_loss", "max_orders_per_day", "stop_required", "stop_side", "max_stop_distance", "min_reward_risk",
              "max_risk_per_trade")  # fmt: skip
    assert all(c.outcome is PASS for c in verdict.checks if c.name in sizing), verdict.summary()
    assert verdict.passed, verdict.summary()


@pytest.mark.parametrize("state", [TradingState.HALTED, TradingState.RECONCILING])
def test_halted_and_reconciling_refuse_everything(state: TradingState) -> None:
    for change in (same, TRIM, US, chain(holding(300), sell(300))):
        verdict = chain(change, snap(trading_state=state))(BASE).verdict()
        assert [f.name for f in verdict.failures] == ["trading_state"]


def test_a_short_sale_is_refused_with_shorts_off_and_passes_with_them_on() -> None:
    short = sell(300, stop_loss=D("414"), take_profit=D("380"))
    assert [f.name for f in short(BASE).verdict().failures] == ["no_short"]
    assert chain(SHORTS, short)(BASE).verdict().passed


def test_verdict_with_warnings_still_passes() -> None:
    verdict = chain(quote(delayed=True), order(limit_price=D("402.30")))(BASE).verdict()
    assert verdict.passed
    assert [w.name for w in verdict.warnings] == ["tick_size", "quote_fresh"]
    assert verdict.failures == ()
    assert verdict.summary() == "passed all 25 checks (warnings: tick_size, quote_fresh)"


def test_verdict_failures_and_summary() -> None:
    verdict = chain(order(quantity=D(500)), snap(orders_today=20))(BASE).verdict()
    assert not verdict.passed
    assert [f.name for f in verdict.failures] == ["max_order_value", "max_orders_per_day"]
    assert verdict.summary() == (
        "failed: max_order_value (USD 25,841.35 vs USD 20,000.00); max_orders_per_day (21 vs 20)"
    )


def test_a_proposal_that_cannot_be_read_fails_every_check_without_raising() -> None:
    verdict = order(quantity=D("NaN"), limit_price=D("sNaN"), stop_loss=D("-Infinity"), symbol="x" * 10_000)(
        BASE
    ).verdict()
    assert [c.name for c in verdict.checks] == list(CHECK_NAMES)
    assert not verdict.passed
    assert "quantity_positive" in {f.name for f in verdict.failures}


@pytest.mark.parametrize("quantity", ["1E+999999", "1e12", "sNaN", "-Infinity"])
def test_an_absurd_quantity_is_refused_not_raised(quantity: str) -> None:
    verdict = order(quantity=D(quantity))(BASE).verdict()
    assert [c.name for c in verdict.checks] == list(CHECK_NAMES)
    assert not verdict.passed
    assert verdict.facts is not None and verdict.facts.instrument == TENCENT
    if quantity == "1e12":
        assert verdict.facts.notional_base == D("51682700000000.0000")
    else:
        assert (verdict.facts.notional, verdict.facts.notional_base) == (None, None)
