"""The session wiring: the gateway (or the embedded simulator), the adapter, the journal, the desk, the brain and
the cycle runner, started together and stopped together. `catalyst cycle` and the console both run on it."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from catalyst_tui import paths
from catalyst_tui.approvals import Approver, Autopilot
from catalyst_tui.clock import Clock
from catalyst_tui.config import Brain as BrainSetting
from catalyst_tui.config import BrokerSource, ConfigError, Settings
from catalyst_tui.desk import Desk
from catalyst_tui.journal import Journal, JournalError
from catalyst_tui.risk import TradingStates

if TYPE_CHECKING:
    from brokers.ibkr import IbkrBroker
    from catalyst_tui.agent.brain import Brain
    from catalyst_tui.agent.cycle import CycleRunner
    from catalyst_tui.agent.schedule import Scheduler

log = logging.getLogger(__name__)
SDK_RETRIES = 3  # the SDK's own retries of 429, 529 and dropped connections, with its backoff
SDK_TIMEOUT_SECONDS = 120
# Loaded by `started`, not with this module, which the console imports before its first frame (start-up time): the
# adapter with ib_async, the gateway simulator, the agent, and for the Claude brain the anthropic SDK (two seconds).
SESSION_MODULES = ("brokers.ibkr", "catalyst_tui.gateway", "catalyst_tui.agent.cycle", "catalyst_tui.agent.rules",
                   "catalyst_tui.agent.schedule")  # fmt: skip
CLAUDE_MODULES = ("catalyst_tui.agent.claude",)


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
        check_brain(settings, env)  # a configuration mistake stops us before anything connects
        await load_modules(SESSION_MODULES)
        from brokers.ibkr import IbkrBroker  # loaded just above, off the event loop (start-up time)
        from catalyst_tui.gateway import gateway_for  # loaded just above, off the event loop (start-up time)

        journal = Journal(settings.journal.url or paths.default_journal_url(env), paths.data_dir(env))
        await journal.open()
        try:
            async with gateway_for(settings.broker, clock) as target:
                broker = IbkrBroker(target, clock, settings.risk.quote_stale_seconds)
                await broker.start()
                try:
                    brain = await built_brain(settings, env)
                    yield await cls._assemble(settings, clock, broker, journal, brain, approver or Autopilot(clock),
                                              live and settings.broker.allow_live)  # fmt: skip
                finally:
                    await broker.stop()
        finally:
            await journal.close()

    @classmethod
    async def _assemble(cls, settings: Settings, clock: Clock, broker: IbkrBroker, journal: Journal, brain: Brain,
                        approver: Approver, live_allowed: bool) -> Engine:  # fmt: skip
        from catalyst_tui.agent.cycle import CycleRunner  # loaded by `started`, off the event loop (start-up time)
        from catalyst_tui.agent.schedule import Schedule, Scheduler  # loaded by `started`, as well (start-up time)

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
    from catalyst_tui.agent.cycle import close_interrupted  # loaded by `started`, off the event loop (start-up time)

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


async def load_modules(names: tuple[str, ...]) -> None:
    """What the session needs and the screen does not, imported on a thread: the console keeps drawing meanwhile."""
    await asyncio.to_thread(_import_all, names)


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:
        importlib.import_module(name)


async def built_brain(settings: Settings, env: Mapping[str, str]) -> Brain:
    """`make_brain`, called last in `started`: the Claude brain's SDK is the heaviest import of all, and by then the
    console's first frames are drawn, so they do not share the CPU with it."""
    if wants_claude(settings, env):
        await load_modules(CLAUDE_MODULES)
    return make_brain(settings, env)


def wants_claude(settings: Settings, env: Mapping[str, str]) -> bool:
    """Claude when asked, or when `auto` and a key is set; the rules brain otherwise."""
    choice = settings.agent.brain
    return choice is BrainSetting.CLAUDE or (choice is BrainSetting.AUTO and bool(env.get("ANTHROPIC_API_KEY")))


def check_brain(settings: Settings, env: Mapping[str, str]) -> None:
    """The configuration mistakes `make_brain` would stop at, found without loading the SDK, so that the console
    can say them in words before it takes the screen, at no cost to its start-up."""
    if not wants_claude(settings, env):
        return
    if not env.get("ANTHROPIC_API_KEY"):
        raise ConfigError("environment", "ANTHROPIC_API_KEY", "--brain claude needs the API key in the environment")
    system_prompt(settings)


def make_brain(settings: Settings, env: Mapping[str, str]) -> Brain:
    """The brain `wants_claude` chose; only the Claude brain loads the anthropic SDK."""
    check_brain(settings, env)
    if not wants_claude(settings, env):
        from catalyst_tui.agent.rules import RulesBrain  # the agent loads after the first frame (start-up time)

        return RulesBrain()
    import anthropic  # only the Claude brain needs the SDK: two seconds of imports (start-up time)

    from catalyst_tui.agent.claude import ClaudeBrain  # it imports the SDK (start-up time)

    client = anthropic.AsyncAnthropic(api_key=env["ANTHROPIC_API_KEY"], base_url=env.get("ANTHROPIC_BASE_URL") or None,
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
