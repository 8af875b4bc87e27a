"""Tick tables and price rounding in the direction that is safe for each order role.

The tables are dated data: when an exchange changes them, add a row with its effective date.
When connected, IB's market rules for a contract are the authority; these tables are the offline fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from catalyst_tui.models import Market, Side

D = Decimal


class PriceError(ValueError):
    """A price no exchange would accept: not positive, or outside the tick table."""


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal
    tick: Decimal


@dataclass(frozen=True)
class TickTable:
    """Bands of prices and their ticks, in force from a date.

    HKEX bands run from just above the lower bound up to and including the upper one; US bands include
    the lower bound ("$0.01 at or above $1.00"), so `closed_below` picks which end a band owns.
    """

    effective_from: date
    bands: tuple[Band, ...]
    closed_below: bool = False

    def band_for(self, price: Decimal) -> Band:
        for band in self.bands:
            inside = band.lower <= price < band.upper if self.closed_below else band.lower < price <= band.upper
            if inside:
                return band
        raise PriceError(f"price {price} is outside the tick table ({self.bands[0].lower}–{self.bands[-1].upper})")


def _bands(rows: list[tuple[str, str, str]]) -> tuple[Band, ...]:
    return tuple(Band(D(lo), D(hi), D(tick)) for lo, hi, tick in rows)


_HK_BEFORE_2025_08_04 = [
    ("0", "0.25", "0.001"),
    ("0.25", "0.50", "0.005"),
    ("0.50", "10", "0.01"),
    ("10", "20", "0.02"),
    ("20", "50", "0.05"),
    ("50", "100", "0.05"),
    ("100", "200", "0.10"),
    ("200", "500", "0.20"),
    ("500", "1000", "0.50"),
    ("1000", "2000", "1"),
    ("2000", "5000", "2"),
    ("5000", "9995", "5"),
]
# Phase 1 of HKEX's spread reduction for equities and REITs: 10–20 → 0.01 and 20–50 → 0.02.
_HK_FROM_2025_08_04 = [
    row if row[0] not in ("10", "20") else (row[0], row[1], {"10": "0.01", "20": "0.02"}[row[0]])
    for row in _HK_BEFORE_2025_08_04
]

HK_TICK_TABLES: tuple[TickTable, ...] = (
    TickTable(date(2000, 1, 1), _bands(_HK_BEFORE_2025_08_04)),
    TickTable(date(2025, 8, 4), _bands(_HK_FROM_2025_08_04)),
)
US_TICK_TABLES: tuple[TickTable, ...] = (
    TickTable(date(2000, 1, 1), _bands([("0", "1", "0.0001"), ("1", "Infinity", "0.01")]), closed_below=True),
)


def tick_table(market: Market, on: date) -> TickTable:
    tables = HK_TICK_TABLES if market is Market.HK else US_TICK_TABLES
    current = [t for t in tables if t.effective_from <= on]
    if not current:
        raise PriceError(f"no {market} tick table in force on {on}")
    return max(current, key=lambda t: t.effective_from)


def tick_size(market: Market, price: Decimal, on: date) -> Decimal:
    """The minimum price step at this price on this day."""
    _check_positive(price)
    return tick_table(market, on).band_for(price).tick


def is_on_tick(market: Market, price: Decimal, on: date) -> bool:
    return price % tick_size(market, price, on) == 0


class Rounding(StrEnum):
    DOWN = "down"
    UP = "up"


class PriceRole(StrEnum):
    """What a price is for; the role decides which way is safe to round."""

    LIMIT = "limit"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"


def safe_direction(role: PriceRole, entry_side: Side) -> Rounding:
    """Buy limits round down, sell limits up; a stop or a take-profit rounds toward the entry.

    `entry_side` is the side of the order that opens the position (for a limit, the order's own side).
    A long's stop sits below the entry and its take-profit above; a short's the other way round.
    """
    buying = entry_side is Side.BUY
    if role is PriceRole.LIMIT:
        return Rounding.DOWN if buying else Rounding.UP
    if role is PriceRole.STOP_LOSS:
        return Rounding.UP if buying else Rounding.DOWN
    return Rounding.DOWN if buying else Rounding.UP


def round_to_tick(market: Market, price: Decimal, direction: Rounding, on: date) -> Decimal:
    """The nearest price on the tick grid in the given direction (the price itself if already on it).

    Band bounds are multiples of the ticks on both sides, so rounding within a band may land on a bound
    but never off the grid.
    """
    return round_in(tick_table(market, on), price, direction)


def round_in(table: TickTable, price: Decimal, direction: Rounding) -> Decimal:
    """`round_to_tick` on a given table: the dated fallback, or the one IB's market rule gives a contract."""
    _check_positive(price)
    tick = table.band_for(price).tick
    mode = ROUND_FLOOR if direction is Rounding.DOWN else ROUND_CEILING
    rounded = (price / tick).to_integral_value(rounding=mode) * tick
    if rounded <= 0:
        raise PriceError(f"price {price} rounds to nothing")
    return rounded.quantize(table.band_for(rounded).tick)


def table_from_rule(increments: list[tuple[Decimal, Decimal]], effective_from: date) -> TickTable:
    """IB's market rule as a tick table: each (low edge, increment) applies from its edge up to the next."""
    rows = sorted(increments)
    if not rows or rows[0][0] != 0 or any(inc <= 0 for _, inc in rows):
        raise PriceError(f"not a usable market rule: {rows}")
    uppers = [edge for edge, _ in rows[1:]] + [D("Infinity")]
    bands = tuple(Band(lo, hi, inc) for (lo, inc), hi in zip(rows, uppers, strict=True))
    return TickTable(effective_from, bands, closed_below=True)


def round_price(market: Market, price: Decimal, role: PriceRole, entry_side: Side, on: date) -> Decimal:
    """Round a price for its role, in the direction that never makes the order worse than asked."""
    return round_to_tick(market, price, safe_direction(role, entry_side), on)


def _check_positive(price: Decimal) -> None:
    if not isinstance(price, Decimal) or not price.is_finite():
        raise PriceError(f"not a price: {price!r}")
    if price <= 0:
        raise PriceError(f"a price must be positive, got {price}")
