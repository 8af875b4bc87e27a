"""The adapter against the gateway simulator over TCP, on the controllable clock."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.broker_models import LinkPhase
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import BrokerSettings
from tests.integration.conftest import until


def settings_for(port: int, client_id: int = 1) -> BrokerSettings:
    return BrokerSettings(host="127.0.0.1", port=port, client_id=client_id, connect_timeout_seconds=5,
                          reconnect_max_seconds=30)  # fmt: skip


@pytest.fixture
async def broker(gateway: SimGateway, clock: ControllableClock) -> AsyncIterator[IbkrBroker]:
    adapter = IbkrBroker(settings_for(gateway.port), clock, quote_stale_seconds=30, rng=random.Random(1))
    await adapter.connect()
    yield adapter
    await adapter.stop()


async def reconnected(broker: IbkrBroker, clock: ControllableClock, attempts: int = 12) -> None:
    """Walk the simulated clock through the adapter's backoff until it is connected again."""
    for _ in range(attempts):
        state = broker.state
        if state.phase is LinkPhase.CONNECTED:
            return
        assert state.phase is LinkPhase.RECONNECTING and state.next_try is not None, state
        await clock.advance_to(max(clock.now(), state.next_try))
        await until(
            lambda s=state: broker.state.phase is LinkPhase.CONNECTED or broker.state.attempt > s.attempt,
            timeout=10, what="the reconnect attempt to finish",
        )  # fmt: skip
    raise AssertionError(f"not reconnected after {attempts} attempts: {broker.state}")
