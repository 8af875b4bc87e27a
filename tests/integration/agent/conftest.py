"""A cycle with real parts: the adapter against the simulator over TCP, a SQLite journal, and the real anthropic
SDK talking to a fake Messages API on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from brokers.ibkr import IbkrBroker
from catalyst_tui.agent.claude import ClaudeBrain
from catalyst_tui.agent.cycle import CycleRunner
from catalyst_tui.agent.events import Event
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config import Settings
from catalyst_tui.engine import system_prompt
from catalyst_tui.journal import Journal
from tests.fakes.anthropic_server import FakeClaude
from tests.integration.desk.conftest import make_desk, settings


def claude_runner(broker: IbkrBroker, journal: Journal, clock: ControllableClock, claude: FakeClaude,
                  config: Settings | None = None, **agent: Any) -> tuple[CycleRunner, list[Event]]:  # fmt: skip
    """A runner whose brain is Claude at the fake server; the events it showed, for the test to read."""
    config = config or settings()
    config = replace(config, agent=replace(config.agent, **agent))
    brain = ClaudeBrain(config.agent, system_prompt(config), claude.async_client(max_retries=2))
    runner = CycleRunner(make_desk(broker, journal, clock, config), journal, config, clock, brain)
    shown: list[Event] = []
    runner.listeners.append(shown.append)
    return runner, shown
