from __future__ import annotations

from ib_async import IB, Stock

from brokers.sim.server import SimGateway
from tests.integration.conftest import until


async def test_connect_gives_a_paper_account(ib: IB) -> None:
    assert ib.isConnected()
    assert ib.managedAccounts() == ["DU1234567"]
    assert ib.client.serverVersion() == 178


async def test_qualify_us_and_hk(ib: IB) -> None:
    aapl, tencent = Stock("AAPL", "SMART", "USD"), Stock("700", "SEHK", "HKD")
    await ib.qualifyContractsAsync(aapl, tencent)
    assert aapl.conId == 265598 and aapl.primaryExchange == "NASDAQ"
    assert tencent.conId == 9000700
    [details] = await ib.reqContractDetailsAsync(Stock("5", "SEHK", "HKD"))
    assert (details.minSize, details.sizeIncrement, details.minTick) == (400, 400, 0.05)
    assert details.timeZoneId == "Asia/Hong_Kong"
    assert "20261120:0930-20261120:1200" in details.liquidHours
    assert "20261121:CLOSED" in details.liquidHours


async def test_unknown_symbol_gives_none_and_error_200(ib: IB) -> None:
    errors: list[int] = []
    ib.errorEvent += lambda req_id, code, text, contract: errors.append(code)
    result = await ib.qualifyContractsAsync(Stock("NOPE", "SMART", "USD"))
    assert result == [None]
    assert 200 in errors


async def test_ticks_stream(ib: IB, gateway: SimGateway, clock) -> None:
    tencent = Stock("700", "SEHK", "HKD")
    await ib.qualifyContractsAsync(tencent)
    ticker = ib.reqMktData(tencent)
    updates = 0

    def count(_ticker) -> None:
        nonlocal updates
        updates += 1

    ticker.updateEvent += count
    await until(lambda: ticker.close == ticker.close and ticker.bid > 0, what="the first quote")
    assert ticker.bid < ticker.ask
    assert ticker.close == 512.5
    await clock.advance(10)
    await until(lambda: updates > 10 and ticker.volume > 0, what="streaming ticks")
