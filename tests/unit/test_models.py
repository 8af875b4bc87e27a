from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from catalyst_tui.markets import normalize
from catalyst_tui.models import Account, Order, OrderStatus, OrderType, Position, Quote, Side

D = Decimal
TENCENT = normalize("700")


def test_a_quote_with_missing_values_says_none_not_zero() -> None:
    quote = Quote(TENCENT)
    assert (quote.last, quote.mid, quote.change_pct) == (None, None, None)


def test_quote_change_and_mid() -> None:
    quote = Quote(TENCENT, bid=D("388.2"), ask=D("388.4"), last=D("388.4"), prev_close=D("380"))
    assert quote.mid == D("388.3")
    assert quote.change_pct == D("2.210526315789473684210526316")


def test_position_values_in_local_currency() -> None:
    pos = Position(TENCENT, quantity=D(200), avg_cost=D("380"), market_price=D("390"))
    assert (pos.market_value, pos.unrealized_pnl) == (D(78000), D(2000))
    assert Position(TENCENT, D(200), D("380")).unrealized_pnl is None


def test_order_remaining_and_working() -> None:
    order = Order("intent-1", TENCENT, Side.BUY, D(300), OrderType.LIMIT, OrderStatus.SUBMITTED, filled=D(100))
    assert order.remaining == D(200)
    assert order.status.is_working
    assert not OrderStatus.FILLED.is_working


def test_account_converts_with_ibs_rates_and_refuses_unknown_currencies() -> None:
    account = Account("DU1234567", "USD", D(100000), D(50000), D(200000), fx_rates={"HKD": D("0.1282")})
    assert account.to_base(D(78000), "HKD") == D("9999.6000")
    assert account.to_base(D(5), "USD") == D(5)
    with pytest.raises(ValueError, match="no exchange rate for JPY"):
        account.to_base(D(1), "JPY")


def test_paper_accounts_are_told_by_their_id() -> None:
    assert Account("DU1234567", "USD", D(0), D(0), D(0)).is_paper
    assert not Account("U7654321", "USD", D(0), D(0), D(0)).is_paper


def test_records_are_immutable() -> None:
    account = Account("DU1", "USD", D(0), D(0), D(0), fx_rates={"HKD": D("0.128")})
    with pytest.raises(dataclasses.FrozenInstanceError):
        account.equity = D(1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        account.fx_rates["HKD"] = D(1)  # type: ignore[index]
