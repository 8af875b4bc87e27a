"""The console as the operator sees it: the whole app, its engine and a seeded simulator, driven by keys.

Pilot tests run the app in the test's own event loop against a `SimGateway` on loopback whose clock the test moves.
Snapshot tests run the app in a loop of its own (`snap_compare` calls `app.run()`), so they use the embedded
simulator on a clock that never moves: every price, age and countdown on screen is the same on every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from brokers.sim.server import SimGateway
from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config import Settings
from catalyst_tui.config.schema import (
    AgentSettings,
    Brain,
    BrokerSettings,
    BrokerSource,
    MarketsSettings,
    Mode,
    ScheduleSettings,
)
from tests.integration.conftest import fail_on_ib_async_errors, running_gateway, until
from widgets.quotes import MISSING, QuoteBoard

__all__ = ["fail_on_ib_async_errors"]  # autouse here too: a malformed message from the simulator fails the test

SIZE = (120, 40)
DAWN = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)  # Friday 08:30 in Hong Kong
TRADED = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30: on this seeded day the rules brain proposes 1299.HK
FROZEN = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # the snapshots' clock: 10:00 in Hong Kong, never moved
WAIT_SECONDS = 15.0


def console_settings(broker: BrokerSettings, *, schedule: bool = False, **agent: Any) -> Settings:
    """The rules brain, supervised, HKEX only (NYSE is shut at these hours), no schedule unless asked."""
    return Settings(
        broker=broker,
        markets=replace(MarketsSettings(), us_enabled=False),
        agent=replace(AgentSettings(), brain=Brain.RULES, mode=Mode.SUPERVISED, **agent),
        schedule=replace(ScheduleSettings(), enabled=schedule),
    )


def xdg_env(tmp_path: Path) -> dict[str, str]:
    return {name: str(tmp_path / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object], what: str,
                   timeout: float = WAIT_SECONDS) -> None:  # fmt: skip
    """Let the app run until `condition()` holds; fail saying `what` did not happen within `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.02)


def ready(app: CatalystApp) -> bool:
    """The engine is up and has watched the watchlist, the account is known, every watched symbol's row on the
    board is complete, and the schedule (when on) knows its next cycle: what the console shows once it settles."""
    engine = app.engine
    if engine is None or engine.broker.account() is None or app.note.startswith("starting"):
        return False
    if app.settings.schedule.enabled and engine.scheduler.next_due is None:
        return False
    board = app.query_one(QuoteBoard)
    symbols = app.settings.markets.watchlist
    if board.symbols[: len(symbols)] != tuple(symbols):
        return False
    rows = [board.row_text(i).split() for i in range(len(symbols))]
    return all(len(cells) >= 7 and MISSING not in cells[1:7] for cells in rows)  # price, change, bid, ask, volume, age


# Pilot tests: a gateway on loopback, in the test's loop, on a clock the test moves


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(DAWN)


@pytest.fixture
async def gateway(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    """The seeded market from 08:30, run on to 10:30 so it has traded the morning."""
    async with running_gateway(clock, seed=7, step_seconds=5) as sim:
        await until(lambda: clock.sleepers > 0, what="the simulated market to start")  # else it would skip the morning
        await clock.advance_to(TRADED)
        yield sim


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return xdg_env(tmp_path)


@pytest.fixture
def make_app(gateway: SimGateway, clock: ControllableClock, env: dict[str, str]) -> Callable[..., CatalystApp]:
    """An app on the gateway; keyword arguments change the agent settings."""

    def make(**agent: Any) -> CatalystApp:
        broker = BrokerSettings(source=BrokerSource.GATEWAY, host="127.0.0.1", port=gateway.port,
                                connect_timeout_seconds=5)  # fmt: skip
        return CatalystApp(console_settings(broker, **agent), env, clock)

    return make


# Snapshot tests: the embedded simulator, on a clock that never moves


@pytest.fixture
def snapshot_app(tmp_path: Path) -> CatalystApp:
    """The embedded simulator (seed 7, trading around the clock) and the schedule on, so the status bar's countdown
    is drawn, from the frozen clock like everything else."""
    broker = replace(BrokerSettings(), source=BrokerSource.SIM, sim_always_open=True, sim_seed=7)
    return CatalystApp(console_settings(broker, schedule=True), xdg_env(tmp_path), ControllableClock(FROZEN))
