"""Pure conversions at the ib_async boundary: missing values, market rules, intents."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from brokers.ibkr_quotes import decimal_or_none
from brokers.ibkr_views import intent_of
from catalyst_tui.markets import ticks
from catalyst_tui.models import BracketRole

D = Decimal


@pytest.mark.parametrize("missing", [None, math.nan, -1.0, 0.0])
def test_missing_prices_are_none_never_zero(missing: float | None) -> None:
    assert decimal_or_none(missing) is None


def test_values_become_exact_decimals() -> None:
    assert decimal_or_none(231.41) == D("231.41")
    assert decimal_or_none(0.0, allow_zero=True) == D("0")
    assert decimal_or_none(math.nan, allow_zero=True) is None


def test_a_market_rule_becomes_a_tick_table() -> None:
    table = ticks.table_from_rule([(D("0"), D("0.001")), (D("0.25"), D("0.005")), (D("10"), D("0.02"))], date.today())
    assert table.band_for(D("0.1")).tick == D("0.001")
    assert table.band_for(D("10")).tick == D("0.02")  # an edge belongs to the band above it, as in IB's rules
    assert ticks.round_in(table, D("10.03"), ticks.Rounding.DOWN) == D("10.02")
    with pytest.raises(ticks.PriceError):
        ticks.table_from_rule([], date.today())


def test_intents_come_back_from_order_refs() -> None:
    assert intent_of("abc") == ("abc", BracketRole.ENTRY)
    assert intent_of("abc:tp") == ("abc", BracketRole.TAKE_PROFIT)
    assert intent_of("abc:sl") == ("abc", BracketRole.STOP_LOSS)
