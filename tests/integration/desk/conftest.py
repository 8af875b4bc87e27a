"""The desk with real parts: the adapter against the simulator over TCP, and a SQLite journal."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from brokers.ibkr import IbkrBroker
from catalyst_tui.approvals import Approver, Autopilot, TerminalApprover, TerminalInput
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config import Mode, Settings
from catalyst_tui.config.schema import AgentSettings, RiskSettings
from catalyst_tui.desk import Desk
from catalyst_tui.journal import Journal, new_id
from catalyst_tui.models import OrderType, Proposal, Side
from catalyst_tui.risk import TradingStates
from tests.integration.conftest import until

APPROVAL_SECONDS = 30


def settings(mode: Mode = Mode.AUTOPILOT, **risk: Any) -> Settings:
    agent = replace(AgentSettings(), mode=mode, approval_timeout_seconds=APPROVAL_SECONDS)
    return Settings(agent=agent, risk=replace(RiskSettings(), **risk))


class Terminal:
    """What a headless operator sees and types."""

    def __init__(self) -> None:
        self.reader = asyncio.StreamReader()
        self.input = TerminalInput(self.reader)
        self.screen = io.StringIO()

    def type(self, line: str) -> None:
        self.reader.feed_data(f"{line}\n".encode())

    async def typed_ahead(self) -> None:
        """The line has reached the approver's queue, as a key pressed early does."""
        await until(lambda: not self.input.lines.empty(), what="the typed line to arrive")

    async def card_shown(self, count: int = 1) -> None:
        await until(lambda: self.screen.getvalue().count("── proposal") >= count, what="the approval card")


@pytest.fixture
async def terminal() -> AsyncIterator[Terminal]:
    made = Terminal()
    yield made
    await made.input.close()


def make_desk(broker: IbkrBroker, journal: Journal, clock: ControllableClock, config: Settings,
              terminal: Terminal | None = None) -> Desk:  # fmt: skip
    approver: Approver = (
        TerminalApprover(clock, APPROVAL_SECONDS, terminal.input, terminal.screen) if terminal else Autopilot(clock)
    )
    desk = Desk(broker, journal, TradingStates(clock, config.risk), clock, config, approver)
    desk.attach()
    return desk


async def quoted(broker: IbkrBroker, *symbols: str) -> None:
    await broker.watch(list(symbols))
    for symbol in symbols:
        await until(lambda s=symbol: (q := broker.quote(s)) is not None and q.ask is not None, what=f"{symbol} quote")


def buy(broker: IbkrBroker, symbol: str, quantity: int, stop_pct: str = "3", reward: str = "2",
        below_ask_pct: str = "0") -> Proposal:  # fmt: skip
    """A limit buy at (or under) the ask, with a stop `stop_pct` below and a target `reward` times as far above."""
    quote = broker.quote(symbol)
    assert quote is not None and quote.ask is not None
    entry = quote.ask * (1 - Decimal(below_ask_pct) / 100)
    stop = entry * (1 - Decimal(stop_pct) / 100)
    return Proposal(new_id("prop"), "execute_trade", symbol, Side.BUY, Decimal(quantity), OrderType.LIMIT,
                    entry, stop, entry + (entry - stop) * Decimal(reward), reason=f"test buy of {symbol}")  # fmt: skip
