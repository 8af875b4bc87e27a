"""Helpers for the adapter's tests; the `broker` fixture itself is in tests/integration/conftest.py."""

from __future__ import annotations

from brokers.ibkr import IbkrBroker
from catalyst_tui.broker_models import LinkPhase
from catalyst_tui.clock import ControllableClock
from tests.integration.conftest import settings_for, until

__all__ = ["reconnected", "settings_for"]


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
