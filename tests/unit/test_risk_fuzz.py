"""The gate against anything a model, a feed or a bad day can hand it.

(a) It never raises and always says one thing per check, in order.
(b) Autopilot sends exactly what the gate passes, so: nothing the gate passes breaks a hard limit. The hard limits
    are worked out here again, simply and apart from the gate's code, for every order it lets through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import event, given, settings
from hypothesis import strategies as st

from catalyst_tui.broker_models import InstrumentDetails, LinkPhase, LinkState, Session
from catalyst_tui.config import RiskSettings
from catalyst_tui.markets import SymbolError, normalize
from catalyst_tui.markets.ticks import tick_table
from catalyst_tui.models import (
    Account,
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
from catalyst_tui.risk import CHECK_NAMES, RiskGate, Snapshot, TradingState

D = Decimal
HKT, ET = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Known:
    instrument: Instrument
    lot: int
    price: Decimal  # where it trades today
    step: Decimal  # a price step of about 0.05%, on the tick grid
    unit: int  # what the fuzz orders in multiples of: a lot, or a few
    ib_knows: bool = True


KNOWN = {
    k.instrument.display: k
    for k in (
        Known(normalize("0700.HK"), 100, D("402.20"), D("0.20"), 100),
        Known(normalize("9988.HK"), 100, D("150.30"), D("0.10"), 200),
        Known(normalize("0005.HK"), 400, D("98.05"), D("0.05"), 400),
        Known(normalize("AAPL"), 1, D("230.00"), D("0.10"), 10),
        Known(normalize("MSFT"), 1, D("415.50"), D("0.20"), 10, ib_knows=False),  # IB never confirmed the contract
    )
}
SPECIALS = [D(v) for v in ("NaN", "-NaN", "sNaN", "-sNaN", "Infinity", "-Infinity", "0", "-0", "-100", "1e12", "-1e12",
            "1E+999999", "-1E+999999", "1E-999999", "0.5", "100.0000000000000000000000000000001", "1E+30")]  # fmt: skip


def _hkt(d: date, hhmm: str) -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), HKT)


def _et(d: date, hhmm: str) -> datetime:
    return datetime.combine(d, time.fromisoformat(hhmm), ET)


def _hk(*days: date) -> tuple[Session, ...]:
    return tuple(Session(_hkt(d, a), _hkt(d, b)) for d in days for a, b in (("09:30", "12:00"), ("13:00", "16:00")))


def _us(*days: date) -> tuple[Session, ...]:
    return tuple(Session(datetime.combine(d, time(9, 30), ET), datetime.combine(d, time(16), ET)) for d in days)


@dataclass(frozen=True)
class Scene:
    """A moment, the liquid hours IB gave for each market (empty: none yet), and whether each market is open,
    written down by hand from the exchanges' timetables."""

    now: datetime
    hk_hours: tuple[Session, ...]
    us_hours: tuple[Session, ...]
    hk_open: bool
    us_open: bool


WEEK = (date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23))
HK_WEEK, US_WEEK = _hk(*WEEK), _us(*WEEK)
FRI, SAT = date(2026, 11, 20), date(2026, 11, 21)
SCENES = [
    Scene(_hkt(FRI, "10:00"), HK_WEEK, US_WEEK, True, False),
    Scene(_hkt(FRI, "09:30"), HK_WEEK, US_WEEK, True, False),  # the bell
    Scene(_hkt(FRI, "09:29"), HK_WEEK, US_WEEK, False, False),  # the pre-opening auction
    Scene(_hkt(FRI, "12:00"), HK_WEEK, US_WEEK, False, False),  # lunch starts
    Scene(_hkt(FRI, "12:30"), HK_WEEK, US_WEEK, False, False),
    Scene(_hkt(FRI, "15:59"), HK_WEEK, US_WEEK, True, False),
    Scene(_hkt(FRI, "16:00"), HK_WEEK, US_WEEK, False, False),  # the closing auction
    Scene(_hkt(FRI, "10:00"), _hk(WEEK[0], WEEK[2]), US_WEEK, False, False),  # IB: no session today
    Scene(_hkt(FRI, "10:00"), (), (), True, False),  # no hours from IB yet: the calendar
    Scene(_hkt(FRI, "12:30"), (), (), False, False),
    Scene(_et(FRI, "10:00"), HK_WEEK, US_WEEK, False, True),
    Scene(_et(FRI, "16:00"), HK_WEEK, US_WEEK, False, False),
    Scene(_et(FRI, "10:00"), (), (), False, True),
    Scene(_hkt(SAT, "10:00"), HK_WEEK, US_WEEK, False, False),
    Scene(_hkt(date(2026, 10, 19), "10:00"), (), (), False, False),  # Chung Yeung; Sunday night in New York
    Scene(_et(date(2026, 11, 26), "11:00"), (), (), False, False),  # Thanksgiving; midnight in Hong Kong
    Scene(_hkt(date(2026, 12, 24), "11:00"), (), (), True, False),  # Christmas Eve: a morning session only
    Scene(_hkt(date(2026, 12, 24), "13:30"), (), (), False, False),
]

LINKS = [LinkState(phase, datetime(2026, 1, 1, tzinfo=UTC), ib_link=ib) for phase in LinkPhase for ib in (True, False)]
CONNECTED = LinkState(LinkPhase.CONNECTED, datetime(2026, 1, 1, tzinfo=UTC))

# ---- strategies: built once, mostly sampled from short lists. Each part of the world is sane nine times in ten,
# so that the gate has plenty to pass, and anything at all the tenth ----

WILD = st.sampled_from([False] * 9 + [True])


def mostly(sane: list, wild: list) -> st.SearchStrategy:
    """One of `sane` nine times in ten, else one of `wild`."""
    return st.sampled_from(sane * 9 * len(wild) + wild * len(sane))


WILD_DECIMALS = st.one_of(st.sampled_from(SPECIALS), st.decimals(allow_nan=True, allow_infinity=True),
                          st.integers(-(10**6), 10**6).map(D))  # fmt: skip
WILD_PRICES = st.one_of(st.none(), WILD_DECIMALS)
SANE_SYMBOLS = st.sampled_from(["0700.HK", "700", "HK:700", "9988.HK", "5", "0005.HK", "AAPL", "aapl"])
WILD_SYMBOLS = st.one_of(
    st.sampled_from(["MSFT", "BRK.B", "ZZZZ", "", " ", "0", "0700.HK\x00", "700.HK.HK", "١٢٣"]),
    st.text(max_size=12),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1, 20_000)),
)
SIDES = st.sampled_from(Side)
ORDER_TYPES = mostly([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET], [OrderType.STOP])
UNITS = mostly([1, 1, 1, 2, 2, 3, 4, 6], [0, -1])  # how many units (a lot, two, ten shares) the order is for
# Steps of about 0.05% from the price: a limit within ±2%, a stop up to 10% away, a take-profit up to 20%.
LIMIT_STEPS = st.one_of(st.sampled_from([0, 0, -1, 1, -5, 5, -20]), st.integers(-40, 40))
STOP_STEPS = st.one_of(st.sampled_from([10, 20, 40, 60, 100, 150]), st.integers(-10, 200))
TAKE_STEPS = st.one_of(st.sampled_from([40, 80, 150, 250, 400]), st.integers(-10, 400))


def _instrument_of(symbol: str) -> Instrument | None:
    try:
        return normalize(symbol)
    except SymbolError:
        return None


@st.composite
def proposals(draw: st.DrawFn) -> Proposal:
    symbol = draw(WILD_SYMBOLS if draw(WILD) else SANE_SYMBOLS)
    instrument = _instrument_of(symbol)
    known = KNOWN.get(instrument.display) if instrument else None
    unit, ref, step = (known.unit, known.price, known.step) if known else (100, D(100), D("0.1"))
    side = draw(SIDES)
    away = 1 if side is Side.BUY else -1  # a take-profit's way from the entry; a stop goes the other

    def price(around: Decimal, steps: st.SearchStrategy[int], sign: int) -> Decimal | None:
        return draw(WILD_PRICES) if draw(WILD) else around + sign * draw(steps) * step

    quantity = draw(WILD_DECIMALS) if draw(WILD) else D(draw(UNITS) * unit)
    limit = price(ref, LIMIT_STEPS, 1)
    entry = limit if isinstance(limit, Decimal) and limit.is_finite() else ref
    stop, take = price(entry, STOP_STEPS, -away), price(entry, TAKE_STEPS, away)
    return Proposal("p", "execute_trade", symbol, side, quantity, draw(ORDER_TYPES), limit, stop, take)


# A quote's prices as a share of where the stock trades (None: not given), its age in seconds, delayed, stale.
SANE_QUOTES = [(1, 1, 1, 0, False, False), (D("0.999"), 1, 1, 2, False, False), (1, D("1.001"), 1, 5, True, False),
               (1, 1, D("1.002"), 29, False, False)]  # fmt: skip
WILD_QUOTES = [
    None, (None, None, None, 1, False, False), (None, None, 1, 1, False, False), (D("NaN"), D("NaN"), D("NaN"), 1,
    False, False), (0, 0, 1, 1, False, False), (-1, -1, -1, 1, False, False), (D("0.97"), D("1.03"), 1, 1, False,
    False), (1, 1, 1, 30, False, False), (1, 1, 1, 31, False, False), (1, 1, 1, 600, False, False), (1, 1, 1, None,
    False, False), (1, 1, 1, 1, False, True), (1, 1, 1, -5, False, False), (D("0.5"), 2, 1, 1, False, False),
]  # fmt: skip
QUOTE_KINDS = mostly(SANE_QUOTES, WILD_QUOTES)


def _quote(known: Known, now: datetime, kind: tuple | None) -> Quote | None:
    if kind is None:
        return None
    *shares, age, delayed, stale = kind
    bid, ask, last = (None if f is None else known.price * f for f in shares)
    return Quote(known.instrument, None if age is None else now - timedelta(seconds=age), bid, ask, last,
                 delayed=delayed, stale=stale)  # fmt: skip


def _account(base: str, rates: dict[str, Decimal | None], equity: Decimal, pnl: Decimal | None,
             buying_power: Decimal) -> Account:  # fmt: skip
    fx = {currency: rate for currency, rate in rates.items() if rate is not None}
    return Account("DU1234567", base, equity, equity, buying_power, pnl, fx)


USD_ACCOUNTS, HKD_ACCOUNTS = (
    st.builds(_account, st.just("USD"), st.sampled_from([{"HKD": D("0.1285")}, {"HKD": D("0.1282")}]),
              st.sampled_from([D(1_000_000), D(250_000)]), st.sampled_from([D(0), D(2500), D(-2000), D(-15_500)]),
              st.sampled_from([D(2_000_000), D(50_000)])),
    st.builds(_account, st.just("HKD"), st.just({"USD": D("7.782")}), st.just(D(8_000_000)),
              st.sampled_from([D(0), D(-16_000)]), st.just(D(16_000_000))),
)  # fmt: skip
BASES = st.sampled_from([USD_ACCOUNTS] * 4 + [HKD_ACCOUNTS])
WILD_ACCOUNT_FIELDS = {  # a sane account with one thing wrong, so that the rest of it can still pass
    "fx_rates": st.sampled_from([None, D(0), D("-0.1285"), D("NaN"), D("1E+999999")]),
    "equity": st.sampled_from([D(0), D(-5000), D(30_000), D("NaN")]),
    "daily_pnl": st.one_of(st.none(), st.integers(-50_000, 50_000).map(D), st.sampled_from([D(-30_000), D("NaN")])),
    "buying_power": st.sampled_from([D(0), D(-1), D(10_000), D("NaN")]),
}
WILD_FIELDS = st.sampled_from(sorted(WILD_ACCOUNT_FIELDS))


@st.composite
def wild_accounts(draw: st.DrawFn) -> Account | None:
    account = draw(USD_ACCOUNTS)
    field = draw(WILD_FIELDS)
    if field == "equity" and draw(WILD):
        return None
    value = draw(WILD_ACCOUNT_FIELDS[field])
    if field == "fx_rates":
        value = {} if value is None else {"HKD": value}
    return replace(account, **{field: value})


SCENE_PICKS = {  # mostly a moment when the stock's market is open
    market: mostly([sc for sc in SCENES if (sc.hk_open if market is Market.HK else sc.us_open)], SCENES)
    for market in Market
}
HOLDINGS = st.sampled_from([0] * 6 + [1, 3, 10, 50, -2])
WORKING = mostly([None], [(Side.BUY, "0700.HK"), (Side.SELL, "0700.HK"), (Side.BUY, "AAPL")])
LINK_PICKS = mostly([CONNECTED], [None, *LINKS])
STATES = mostly([TradingState.ACTIVE] * 4 + [TradingState.REDUCING], [TradingState.HALTED, TradingState.RECONCILING])
ORDER_COUNTS = mostly(list(range(20)), [None, 20, 21, 99])
DETAILS = {  # what IB said about each contract, in each scene
    (scene, display): InstrumentDetails(
        k.instrument, 1, display, k.lot, tick_table(k.instrument.market, scene.now.date()), "", (),
        scene.hk_hours if k.instrument.market is Market.HK else scene.us_hours,
    )
    for scene in SCENES for display, k in KNOWN.items()
}  # fmt: skip


@st.composite
def snapshots(draw: st.DrawFn, market: Market) -> tuple[Snapshot, Scene]:
    scene = draw(SCENE_PICKS[market])
    positions = tuple(
        Position(k.instrument, D(n * k.lot), k.price) for k in KNOWN.values() if (n := draw(HOLDINGS)) != 0
    )
    working = draw(WORKING)
    open_orders = ()
    if working:
        side, display = working
        open_orders = (Order("i-1", KNOWN[display].instrument, side, D(100), OrderType.LIMIT, OrderStatus.SUBMITTED),)
    snapshot = Snapshot(
        now=scene.now,
        account=draw(wild_accounts() if draw(WILD) else draw(BASES)),
        link=draw(LINK_PICKS),
        trading_state=draw(STATES),
        orders_today=draw(ORDER_COUNTS),
        positions=positions,
        open_orders=open_orders,
        quotes={d: q for d, k in KNOWN.items() if (q := _quote(k, scene.now, draw(QUOTE_KINDS))) is not None},
        details={d: DETAILS[scene, d] for d, k in KNOWN.items() if k.ib_knows},
    )
    return snapshot, scene


risk_limits = st.builds(
    lambda short, stop, floor, orders: replace(RiskSettings(), allow_short=short, require_stop=stop,
                                               min_position_value=floor, max_orders_per_day=orders),
    st.booleans(), mostly([True], [False]), st.sampled_from([D(1000), D(0)]), mostly([20], [1, 0]),
)  # fmt: skip


# ---- the properties ----


def _positive(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value > 0


def assert_no_hard_limit_is_broken(p: Proposal, snap: Snapshot, scene: Scene, limits: RiskSettings) -> None:
    instrument = normalize(p.symbol)  # a symbol that is no symbol was never approved
    details = snap.details[instrument.display]  # nor one IB does not know
    q = p.quantity
    assert _positive(q), q
    assert q == q.to_integral_value() and int(q) % details.lot == 0, (q, details.lot)
    held = sum((pos.quantity for pos in snap.positions if pos.instrument == instrument), D(0))
    reducing = q <= held if p.side is Side.SELL else q <= -held  # never through zero, never from flat
    assert snap.trading_state is TradingState.ACTIVE or (snap.trading_state is TradingState.REDUCING and reducing)
    assert snap.link is not None and snap.link.phase is LinkPhase.CONNECTED and snap.link.ib_link
    assert scene.hk_open if instrument.market is Market.HK else scene.us_open, scene
    assert p.order_type in (OrderType.LIMIT, OrderType.MARKET)
    if not limits.allow_short and p.side is Side.SELL:
        assert held - q >= 0, (held, q)
    if reducing:
        return
    if p.order_type is OrderType.LIMIT:
        price = p.limit_price
    else:
        quote = snap.quotes[instrument.display]
        touch = quote.ask if p.side is Side.BUY else quote.bid
        price = touch if _positive(touch) else quote.last
    assert _positive(price), price
    account = snap.account
    assert account is not None
    rate = account.fx_rates[instrument.currency]
    assert _positive(rate), rate  # a limit in base currency means nothing at a rate of 0 or -0.13
    value = q * price * rate
    assert value <= limits.max_order_value, value
    assert value <= account.buying_power, (value, account.buying_power)
    if limits.require_stop:
        assert p.stop_loss is not None
    assert snap.orders_today is not None and snap.orders_today + 1 <= limits.max_orders_per_day
    assert account.daily_pnl is not None
    start = account.equity - account.daily_pnl
    assert start > 0 and -account.daily_pnl / start * 100 < limits.daily_loss_soft_pct  # the breaker


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Proposal, Snapshot, Scene]:
    proposal = draw(proposals())
    instrument = _instrument_of(proposal.symbol)
    return proposal, *draw(snapshots(instrument.market if instrument else Market.HK))


@settings(max_examples=10_000)
@given(world=worlds(), limits=risk_limits)
def test_the_gate_never_raises_and_never_approves_an_order_past_a_hard_limit(
    world: tuple[Proposal, Snapshot, Scene], limits: RiskSettings
) -> None:
    proposal, snapshot, scene = world
    verdict = RiskGate(limits).evaluate(proposal, snapshot)

    assert tuple(c.name for c in verdict.checks) == CHECK_NAMES
    assert all(isinstance(c.outcome, CheckOutcome) for c in verdict.checks)
    assert all(isinstance(c.measured, str) and isinstance(c.limit, str) for c in verdict.checks)
    assert isinstance(verdict.summary(), str)

    approved = verdict.passed  # what autopilot sends
    event("approved" if approved else "refused")
    if approved:
        assert_no_hard_limit_is_broken(proposal, snapshot, scene, limits)
