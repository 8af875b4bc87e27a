from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from catalyst_tui.markets import PriceError, PriceRole, Rounding, is_on_tick, round_price, round_to_tick, tick_size
from catalyst_tui.models import Market, Side

D = Decimal
BEFORE, AFTER = date(2025, 8, 1), date(2025, 8, 4)


@pytest.mark.parametrize(
    ("price", "on", "tick"),
    [
        ("0.25", AFTER, "0.001"),
        ("0.251", AFTER, "0.005"),
        ("10", AFTER, "0.01"),
        ("10.01", AFTER, "0.01"),
        ("10.02", BEFORE, "0.02"),
        ("20", AFTER, "0.01"),
        ("20.02", AFTER, "0.02"),
        ("20.05", BEFORE, "0.05"),
        ("50.05", AFTER, "0.05"),
        ("388.2", AFTER, "0.20"),
        ("500", AFTER, "0.20"),
        ("500.5", AFTER, "0.50"),
        ("9995", AFTER, "5"),
    ],
)
def test_hkex_spread_table_with_its_effective_date(price: str, on: date, tick: str) -> None:
    assert tick_size(Market.HK, D(price), on) == D(tick)


@pytest.mark.parametrize(("price", "tick"), [("0.5", "0.0001"), ("0.9999", "0.0001"), ("1", "0.01"), ("250", "0.01")])
def test_us_ticks(price: str, tick: str) -> None:
    assert tick_size(Market.US, D(price), AFTER) == D(tick)


@pytest.mark.parametrize("bad", [D(0), D(-1), D("NaN"), D("Infinity"), D("10000")])
def test_impossible_hk_prices_are_refused(bad: Decimal) -> None:
    with pytest.raises(PriceError):
        tick_size(Market.HK, bad, AFTER)


def test_rounding_is_not_to_nearest() -> None:
    # 388.35 sits between 388.2 and 388.4: a buy limit goes down, a sell limit up.
    assert round_price(Market.HK, D("388.35"), PriceRole.LIMIT, Side.BUY, AFTER) == D("388.20")
    assert round_price(Market.HK, D("388.35"), PriceRole.LIMIT, Side.SELL, AFTER) == D("388.40")
    # A long's stop at 371.3 rounds up toward the entry, its take-profit at 420.3 down toward it.
    assert round_price(Market.HK, D("371.3"), PriceRole.STOP_LOSS, Side.BUY, AFTER) == D("371.40")
    assert round_price(Market.HK, D("420.3"), PriceRole.TAKE_PROFIT, Side.BUY, AFTER) == D("420.20")


def test_us_rounding_across_one_dollar() -> None:
    assert round_to_tick(Market.US, D("0.99995"), Rounding.DOWN, AFTER) == D("0.9999")
    assert round_to_tick(Market.US, D("0.99995"), Rounding.UP, AFTER) == D("1.00")
    assert round_to_tick(Market.US, D("1.005"), Rounding.DOWN, AFTER) == D("1.00")


def test_a_price_below_the_smallest_tick_cannot_round_down() -> None:
    with pytest.raises(PriceError):
        round_to_tick(Market.HK, D("0.0004"), Rounding.DOWN, AFTER)


markets = st.sampled_from([Market.HK, Market.US])
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
sides = st.sampled_from([Side.BUY, Side.SELL])


def prices(market: Market) -> st.SearchStrategy[Decimal]:
    top = D("9995") if market is Market.HK else D("100000")
    return st.decimals(min_value=D("0.001"), max_value=top, places=5)


@given(data=st.data(), market=markets, on=days, side=sides)
def test_a_rounded_limit_is_on_the_grid_and_never_worse_than_asked(
    data: st.DataObject, market: Market, on: date, side: Side
) -> None:
    price = data.draw(prices(market))
    rounded = round_price(market, price, PriceRole.LIMIT, side, on)
    assert is_on_tick(market, rounded, on)
    if side is Side.BUY:
        assert rounded <= price
        assert price - rounded < tick_size(market, price, on)
    else:
        assert rounded >= price
        assert rounded - price < tick_size(market, price, on)


@given(
    data=st.data(),
    market=markets,
    on=days,
    side=sides,
    role=st.sampled_from([PriceRole.STOP_LOSS, PriceRole.TAKE_PROFIT]),
)
def test_stops_and_targets_round_toward_the_entry(
    data: st.DataObject, market: Market, on: date, side: Side, role: PriceRole
) -> None:
    # An entry is a price the exchange accepts: a rounded limit or a traded price.
    entry = round_to_tick(market, data.draw(prices(market)), Rounding.DOWN, on)
    fraction = data.draw(st.decimals(min_value=D("0.001"), max_value=D("0.5"), places=3))
    # A long's stop is below its entry and its target above; a short's the other way round.
    below = (role is PriceRole.STOP_LOSS) == (side is Side.BUY)
    asked = entry * (1 - fraction) if below else entry * (1 + fraction)
    assume(D("0.001") <= asked <= (D("9995") if market is Market.HK else D("100000")))
    rounded = round_price(market, asked, role, side, on)
    assert is_on_tick(market, rounded, on)
    assert abs(rounded - entry) <= abs(asked - entry)
    assert (rounded <= entry) if below else (rounded >= entry)  # toward the entry, never past it


@given(market=markets, on=days, direction=st.sampled_from(list(Rounding)), data=st.data())
def test_rounding_a_price_on_the_grid_leaves_it_alone(
    market: Market, on: date, direction: Rounding, data: st.DataObject
) -> None:
    price = data.draw(prices(market))
    once = round_to_tick(market, price, direction, on)
    assert round_to_tick(market, once, direction, on) == once
