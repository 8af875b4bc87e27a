"""The session wiring: the gateway (or the embedded simulator), the adapter, the journal, the desk, the brain and
the cycle runner, started together and stopped together. `catalyst cycle` and the console both run on it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anthropic

from brokers.ibkr import IbkrBroker
from catalyst_tui import paths
from catalyst_tui.agent.brain import Brain
from catalyst_tui.agent.claude import ClaudeBrain
from catalyst_tui.agent.cycle import CycleRunner, close_interrupted
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.agent.schedule import Schedule, Scheduler
from catalyst_tui.approvals import Approver, Autopilot
from catalyst_tui.clock import Clock
from catalyst_tui.config import Brain as BrainSetting
from catalyst_tui.config import BrokerSource, ConfigError, Settings
from catalyst_tui.desk import Desk
from catalyst_tui.gateway import gateway_for
from catalyst_tui.journal import Journal, JournalError
from catalyst_tui.risk import TradingStates

log = logging.getLogger(__name__)
SDK_RETRIES = 3  # the SDK's own retries of 429, 529 and dropped connections, with its backoff
SDK_TIMEOUT_SECONDS = 120


@dataclass
class Engine:
    settings: Settings
    clock: Clock
    broker: IbkrBroker
    journal: Journal
    desk: Desk
    runner: CycleRunner
    scheduler: Scheduler
    schedule_task: asyncio.Task[None] | None = None
    notices: tuple[str, ...] = ()  # what the operator must hear at start: what an earlier run left behind

    def start_schedule(self) -> asyncio.Task[None]:
        self.schedule_task = asyncio.ensure_future(self.scheduler.run())
        return self.schedule_task

    async def kill(self, flatten: bool) -> None:
        """The kill switch: stop the schedule and any cycle under way, then HALTED with every order cancelled."""
        for task in (self.schedule_task, self.scheduler.running):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.desk.kill(flatten)

    @classmethod
    @asynccontextmanager
    async def started(cls, settings: Settings, env: Mapping[str, str], clock: Clock,
                      approver: Approver | None = None, live: bool = False) -> AsyncIterator[Engine]:  # fmt: skip
        """`live` is the command line's --live; a real-money account also needs broker.allow_live."""
        brain = make_brain(settings, env)  # a configuration mistake stops us before anything connects
        journal = Journal(settings.journal.url or paths.default_journal_url(env), paths.data_dir(env))
        await journal.open()
        try:
            async with gateway_for(settings.broker, clock) as target:
                broker = IbkrBroker(target, clock, settings.risk.quote_stale_seconds)
                await broker.start()
                try:
                    yield await cls._assemble(settings, clock, broker, journal, brain, approver or Autopilot(clock),
                                              live and settings.broker.allow_live)  # fmt: skip
                finally:
                    await broker.stop()
        finally:
            await journal.close()

    @classmethod
    async def _assemble(cls, settings: Settings, clock: Clock, broker: IbkrBroker, journal: Journal, brain: Brain,
                        approver: Approver, live_allowed: bool) -> Engine:  # fmt: skip
        desk = Desk(broker, journal, TradingStates(clock, settings.risk), clock, settings, approver, live_allowed)
        desk.attach()
        runner = CycleRunner(desk, journal, settings, clock, brain)
        notices = await _clear_leftovers(desk, journal, clock)
        always_open = settings.broker.source is BrokerSource.SIM and settings.broker.sim_always_open
        schedule = Schedule(settings.schedule, settings.markets, always_open)
        return cls(settings, clock, broker, journal, desk, runner, Scheduler(schedule, clock, runner.run),
                   notices=notices)  # fmt: skip


async def _clear_leftovers(desk: Desk, journal: Journal, clock: Clock) -> tuple[str, ...]:
    """What a process killed mid-cycle left: its undecided proposals expire (never executed) and its open cycles
    end as interrupted. Said in the log and to the operator."""
    notices: list[str] = []
    try:
        expired = await desk.expire_leftovers()
        if expired:
            notices.append(f"{expired} proposal(s) left waiting by an earlier run were expired")
        interrupted = await close_interrupted(journal, clock)
        if interrupted:
            notices.append(f"{interrupted} cycle(s) left open by an earlier run ended as interrupted")
    except JournalError as exc:
        notices.append(f"could not look for what an earlier run left waiting: {exc}")
    for notice in notices:
        log.warning("%s", notice)
    return tuple(notices)


def make_brain(settings: Settings, env: Mapping[str, str]) -> Brain:
    """Claude when asked, or when `auto` and a key is set; the rules brain otherwise."""
    key = env.get("ANTHROPIC_API_KEY", "")
    choice = settings.agent.brain
    if choice is BrainSetting.RULES or (choice is BrainSetting.AUTO and not key):
        return RulesBrain()
    if not key:
        raise ConfigError("environment", "ANTHROPIC_API_KEY", "--brain claude needs the API key in the environment")
    client = anthropic.AsyncAnthropic(api_key=key, base_url=env.get("ANTHROPIC_BASE_URL") or None,
                                      max_retries=SDK_RETRIES, timeout=SDK_TIMEOUT_SECONDS)  # fmt: skip
    return ClaudeBrain(settings.agent, system_prompt(settings), client)


def system_prompt(settings: Settings) -> str:
    """`prompts/system.md` beside the settings file, or in ./config when the built-in defaults are used."""
    base = settings.source_file.parent if settings.source_file else Path("config")
    path = base / "prompts" / "system.md"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read the system prompt: {exc.strerror or exc}") from None
    if not text:
        raise ConfigError(str(path), "", "the system prompt is empty")
    return text
