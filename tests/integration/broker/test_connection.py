"""The adapter's connection: state for the UI, paper detection, 326, IB's system messages, and reconnects."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest
from ib_async import IB

from brokers.ibkr import ConnectError, IbkrBroker
from brokers.ibkr_link import Link
from brokers.sim.server import SimGateway
from catalyst_tui.broker_models import LinkPhase, Outcome
from catalyst_tui.clock import ControllableClock
from catalyst_tui.models import OrderType, Side
from tests.integration.broker.conftest import reconnected, settings_for
from tests.integration.conftest import HK_MORNING, until


async def test_connects_as_paper_and_reports_its_state(gateway: SimGateway, clock: ControllableClock) -> None:
    adapter = IbkrBroker(settings_for(gateway.port), clock)
    phases: list[LinkPhase] = []
    adapter.link.listeners.append(lambda s: phases.append(s.phase))
    await adapter.connect()
    try:
        state = adapter.state
        assert (state.phase, state.account_id, state.is_paper, state.client_id) == (
            LinkPhase.CONNECTED, "DU1234567", True, 1,
        )  # fmt: skip
        assert state.farms.get("hfarm") is True
        assert phases[0] is LinkPhase.CONNECTING and phases[-1] is LinkPhase.CONNECTED
        assert LinkPhase.RECONCILING in phases
    finally:
        await adapter.stop()
    assert adapter.state.phase is LinkPhase.DOWN


async def test_a_client_id_in_use_moves_to_the_next(broker: IbkrBroker, gateway: SimGateway, clock) -> None:
    second = IbkrBroker(settings_for(gateway.port, client_id=1), clock)
    await second.connect()
    try:
        assert second.state.client_id == 2 and second.state.phase is LinkPhase.CONNECTED
        assert broker.state.phase is LinkPhase.CONNECTED
    finally:
        await second.stop()


async def test_a_closed_port_says_whether_the_gateway_runs(clock: ControllableClock) -> None:
    closed = IbkrBroker(settings_for(1), clock)
    try:
        await closed.connect()
    except ConnectError as exc:
        assert str(exc) == "connection refused: is IB Gateway running on 127.0.0.1:1?"
    else:
        raise AssertionError("connected to a closed port")


async def test_1100_and_1102_become_state_and_block_orders(
    broker: IbkrBroker, gateway: SimGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ib_async")
    gateway.connectivity(1100)
    await until(lambda: not broker.state.ib_link, what="1100 to become state")
    result = await broker.execute_trade("700", Side.BUY, 100, OrderType.LIMIT, 400, intent_id="during-1100")
    assert result.outcome is Outcome.REFUSED and "1100" in result.message
    gateway.connectivity(1102)
    await until(lambda: broker.state.ib_link, what="1102 to restore")
    assert broker.state.phase is LinkPhase.CONNECTED
    assert [r.getMessage() for r in caplog.records if "110" in r.getMessage() and r.name.startswith("ib_async")] == []


async def test_a_drop_reconnects_with_backoff_and_restores_quotes(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock
) -> None:
    await broker.watch(["700"])
    await until(lambda: (q := broker.quote("700")) is not None and q.bid is not None, what="the first quote")
    gateway.drop_all()
    await until(lambda: broker.state.phase is LinkPhase.RECONNECTING, what="the adapter to notice")
    assert broker.state.attempt == 1 and "lost" in broker.state.reason
    await reconnected(broker, clock)
    before = broker.quote("700").time
    await clock.advance(5)
    await until(lambda: broker.quote("700").time != before, what="quotes to stream again")
    assert broker.quote("700").stale is False


async def test_orders_wait_while_reconciling(broker: IbkrBroker, gateway: SimGateway, clock) -> None:
    gateway.drop_all()
    await until(lambda: broker.state.phase is LinkPhase.RECONNECTING, what="the drop")
    broker.link.listeners.append(lambda s: gateway.pause() if s.phase is LinkPhase.RECONCILING else None)
    await clock.advance_to(broker.state.next_try)
    await until(lambda: broker.state.phase is LinkPhase.RECONCILING, what="reconciling")
    result = await broker.execute_trade("700", Side.BUY, 100, OrderType.LIMIT, 400, intent_id="while-reconciling")
    assert result.outcome is Outcome.REFUSED and "reconciling" in result.message
    broker.link.listeners.clear()
    gateway.resume()
    await until(lambda: broker.state.phase is LinkPhase.CONNECTED, what="reconciled")


async def test_backoff_grows_to_the_ceiling_with_jitter_through_one_task() -> None:
    link = Link(IB(), settings_for(1), ControllableClock(HK_MORNING), _nothing, lambda: None, random.Random(3))
    delays = [link.backoff(n) for n in range(1, 9)]
    ceilings = [1, 2, 4, 8, 16, 30, 30, 30]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len({round(d / c, 6) for d, c in zip(delays, ceilings, strict=True)}) > 1  # jittered, not fixed
    link._schedule("first drop")
    task = link._task
    link._schedule("second drop")
    link._on_disconnected()
    assert link._task is task and sum(t.get_name() == "ibkr-reconnect" for t in asyncio.all_tasks()) == 1
    await link.stop()


async def _nothing() -> None:
    return None
