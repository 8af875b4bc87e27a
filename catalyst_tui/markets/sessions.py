"""Trading sessions for HKEX and NYSE on the `holidays` financial calendars (XHKG, XNYS), half days included.

"Open" means continuous trading: HKEX's auctions and lunch break are not open. Times go in and come out
timezone-aware; the exchange's own zone is used inside. When connected, a contract's liquid hours from IB
are the authority; this is the calendar for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from catalyst_tui.models import Market

_LOOKAHEAD_DAYS = 20  # longer than any run of closed days (Lunar New Year plus a weekend)


class Phase(StrEnum):
    CLOSED = "closed"
    PRE_OPEN = "pre-open"
    OPEN = "open"
    LUNCH = "lunch"
    CLOSING_AUCTION = "closing auction"
    AFTER_HOURS = "after hours"


class DayKind(StrEnum):
    CLOSED = "closed"
    FULL = "full"
    HALF = "half"


@dataclass(frozen=True)
class Segment:
    start: time
    end: time
    phase: Phase


@dataclass(frozen=True)
class Exchange:
    market: Market
    name: str
    zone: ZoneInfo
    calendar: str  # the `holidays` financial calendar code
    full_day: tuple[Segment, ...]
    half_day: tuple[Segment, ...]


def _seg(start: str, end: str, phase: Phase) -> Segment:
    return Segment(time.fromisoformat(start), time.fromisoformat(end), phase)


HKEX = Exchange(
    market=Market.HK,
    name="HKEX",
    zone=ZoneInfo("Asia/Hong_Kong"),
    calendar="XHKG",
    full_day=(
        _seg("09:00", "09:30", Phase.PRE_OPEN),
        _seg("09:30", "12:00", Phase.OPEN),
        _seg("12:00", "13:00", Phase.LUNCH),
        _seg("13:00", "16:00", Phase.OPEN),
        _seg("16:00", "16:10", Phase.CLOSING_AUCTION),
    ),
    half_day=(
        _seg("09:00", "09:30", Phase.PRE_OPEN),
        _seg("09:30", "12:00", Phase.OPEN),
        _seg("12:00", "12:10", Phase.CLOSING_AUCTION),
    ),
)

NYSE = Exchange(
    market=Market.US,
    name="NYSE",
    zone=ZoneInfo("America/New_York"),
    calendar="XNYS",
    full_day=(
        _seg("04:00", "09:30", Phase.PRE_OPEN),
        _seg("09:30", "16:00", Phase.OPEN),
        _seg("16:00", "20:00", Phase.AFTER_HOURS),
    ),
    half_day=(
        _seg("04:00", "09:30", Phase.PRE_OPEN),
        _seg("09:30", "13:00", Phase.OPEN),
        _seg("13:00", "17:00", Phase.AFTER_HOURS),
    ),
)

EXCHANGES: dict[Market, Exchange] = {Market.HK: HKEX, Market.US: NYSE}


@lru_cache(maxsize=16)
def _calendar(code: str, year: int, category: str) -> frozenset[date]:
    import holidays  # loaded at the first question about a holiday, not before the first frame (start-up time)

    return frozenset(holidays.financial_holidays(code, years=year, categories=(category,)).keys())


def day_kind(market: Market, day: date) -> DayKind:
    """Whether the exchange trades on this local date, and for how long."""
    exchange = EXCHANGES[market]
    if day.weekday() >= 5 or day in _calendar(exchange.calendar, day.year, "public"):
        return DayKind.CLOSED
    if day in _calendar(exchange.calendar, day.year, "half_day"):
        return DayKind.HALF
    return DayKind.FULL


@lru_cache(maxsize=256)
def _segments(market: Market, day: date) -> tuple[tuple[datetime, datetime, Phase], ...]:
    exchange = EXCHANGES[market]
    kind = day_kind(market, day)
    if kind is DayKind.CLOSED:
        return ()
    plan = exchange.half_day if kind is DayKind.HALF else exchange.full_day
    zone = exchange.zone
    return tuple((datetime.combine(day, s.start, zone), datetime.combine(day, s.end, zone), s.phase) for s in plan)


def phase(market: Market, t: datetime) -> Phase:
    """The session phase of `market` at instant `t` (timezone-aware)."""
    local = _local(market, t)
    for start, end, seg_phase in _segments(market, local.date()):
        if start <= local < end:
            return seg_phase
    return Phase.CLOSED


def is_open(market: Market, t: datetime) -> bool:
    """True during continuous trading."""
    return phase(market, t) is Phase.OPEN


def session_fraction(market: Market, t: datetime) -> Decimal | None:
    """How much of the day's continuous trading has gone by at `t` (0 to 1), e.g. to judge volume so far against
    a whole day's; None on a day the exchange does not trade."""
    local = _local(market, t)
    spans = [(start, end) for start, end, seg_phase in _segments(market, local.date()) if seg_phase is Phase.OPEN]
    total = sum(((end - start).total_seconds() for start, end in spans), 0.0)
    if not total:
        return None
    done = sum((min(max(local, start), end) - start).total_seconds() for start, end in spans)
    return Decimal(str(round(done / total, 4)))


def next_open(market: Market, t: datetime) -> datetime:
    """The next instant strictly after `t` at which continuous trading starts (after lunch counts)."""
    return _next_edge(market, t, at_start=True)


def next_close(market: Market, t: datetime) -> datetime:
    """The next instant strictly after `t` at which continuous trading stops (lunch counts)."""
    return _next_edge(market, t, at_start=False)


def _next_edge(market: Market, t: datetime, at_start: bool) -> datetime:
    local = _local(market, t)
    for offset in range(_LOOKAHEAD_DAYS):
        for start, end, seg_phase in _segments(market, local.date() + timedelta(days=offset)):
            edge = start if at_start else end
            if seg_phase is Phase.OPEN and edge > local:
                return edge
    raise LookupError(f"{EXCHANGES[market].name} has no session in the {_LOOKAHEAD_DAYS} days after {t}")


def _local(market: Market, t: datetime) -> datetime:
    if t.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    return t.astimezone(EXCHANGES[market].zone)
