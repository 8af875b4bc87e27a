"""Where the broker connection goes: a real IB Gateway from settings, or the embedded simulator started here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from brokers.sim.server import SimGateway
from catalyst_tui.clock import Clock
from catalyst_tui.config.schema import BrokerSettings, BrokerSource

SIM_WARM_UP_HOURS = 6.5  # a session's worth of trading before the console connects: a live market at once


@asynccontextmanager
async def gateway_for(settings: BrokerSettings, clock: Clock) -> AsyncIterator[BrokerSettings]:
    """Settings to connect with; for the embedded default, a simulator on a free loopback port while in use."""
    if settings.source is not BrokerSource.SIM:
        yield settings
        return
    warm = SIM_WARM_UP_HOURS if settings.sim_always_open else 0
    # The warm-up is a quarter of a second of CPU: on a thread, so that the console draws its first frames meanwhile.
    sim = await asyncio.to_thread(SimGateway, clock, seed=settings.sim_seed, always_open=settings.sim_always_open,
                                  warm_up_hours=warm)  # fmt: skip
    port = await sim.start("127.0.0.1", 0)
    try:
        yield replace(settings, host="127.0.0.1", port=port)
    finally:
        await sim.close()
