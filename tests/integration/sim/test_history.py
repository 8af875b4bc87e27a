from __future__ import annotations

from ib_async import IB, Stock

from brokers.sim.server import SimGateway


async def test_daily_and_intraday_bars(ib: IB, gateway: SimGateway) -> None:
    tencent = Stock("700", "SEHK", "HKD")
    await ib.qualifyContractsAsync(tencent)
    daily = await ib.reqHistoricalDataAsync(tencent, "", "20 D", "1 day", "TRADES", True)
    assert len(daily) == 14  # twenty calendar days hold fourteen weekdays
    assert all(b.date.weekday() < 5 for b in daily)
    assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in daily)
    assert all(b.volume > 0 and b.volume % 100 == 0 for b in daily)
    intraday = await ib.reqHistoricalDataAsync(tencent, "", "3600 S", "5 mins", "TRADES", True)
    assert len(intraday) == 12
    assert intraday[-1].close == float(gateway.market.book(tencent.conId).last)
    assert intraday[-1].date.tzinfo is not None
    again = await ib.reqHistoricalDataAsync(tencent, "", "3600 S", "5 mins", "TRADES", True)
    assert [b.close for b in again] == [b.close for b in intraday]
    session = await ib.reqHistoricalDataAsync(tencent, "", "1 D", "5 mins", "TRADES", True)
    whole_day = await ib.reqHistoricalDataAsync(tencent, "", "1 D", "5 mins", "TRADES", False)
    assert (len(session), len(whole_day)) == (66, 288)  # regular hours: HKEX's 5.5 hours, not the whole clock


async def test_a_bad_bar_size_gets_an_error_not_silence(ib: IB) -> None:
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, text, contract: codes.append(code)
    tencent = Stock("700", "SEHK", "HKD")
    await ib.qualifyContractsAsync(tencent)
    bars = await ib.reqHistoricalDataAsync(tencent, "", "1 D", "7 mins", "TRADES", True, timeout=5)
    assert len(bars) == 0
    assert 162 in codes
