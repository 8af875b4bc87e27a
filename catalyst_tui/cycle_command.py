"""`catalyst cycle`: agent cycles without the console. The transcript streams to the terminal; in supervised mode
each proposal is asked on it. Exit 0 when the cycle ran to its end (trade or not), 1 when it could not."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Mapping
from datetime import UTC
from typing import TextIO

from catalyst_tui.agent.cycle import CycleReport
from catalyst_tui.agent.events import CycleClosed, CycleOpened, Delta, Entry, Event
from catalyst_tui.approvals import TerminalApprover, TerminalInput
from catalyst_tui.clock import RealClock
from catalyst_tui.config import ConfigError, Mode, Settings
from catalyst_tui.engine import Engine
from catalyst_tui.journal import EntryKind

EXIT_OK, EXIT_FAILURE = 0, 1
SHOWN_RESULT_LINES = 6


class Printer:
    """Streams text as it comes; prints each tool call and the head of its result; thinking in brackets."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.midline = False  # streamed text is waiting for its line to end

    def __call__(self, event: Event) -> None:
        if isinstance(event, CycleOpened | CycleClosed):
            return  # the runner says both in words as well
        if isinstance(event, Delta):
            if event.kind is EntryKind.TEXT:
                self.out.write(event.text)
                self.midline = True
        elif not (event.streamed and event.kind is EntryKind.TEXT):
            self.out.write(("\n" if self.midline else "") + _entry_text(event) + "\n")
            self.midline = False
        self.out.flush()

    def end_line(self) -> None:
        if self.midline:
            self.out.write("\n")
            self.midline = False


def _entry_text(entry: Entry) -> str:
    if entry.kind is EntryKind.TOOL_CALL:
        return f"→ {entry.content}"
    if entry.kind is EntryKind.TOOL_RESULT:
        lines = entry.content.splitlines() or [""]
        more = f"\n   … {len(lines) - SHOWN_RESULT_LINES} more lines" if len(lines) > SHOWN_RESULT_LINES else ""
        return "← " + "\n   ".join(lines[:SHOWN_RESULT_LINES]) + more
    if entry.kind is EntryKind.THINKING:
        return f"[thinking] {entry.content}"
    return entry.content if entry.role == "assistant" else f"== {entry.content}"


def run_cycle_command(settings: Settings, env: Mapping[str, str], market: str, once: bool, live: bool) -> int:
    return asyncio.run(_run(settings, env, market, once, live, sys.stdout))


async def _run(settings: Settings, env: Mapping[str, str], market: str, once: bool, live: bool, out: TextIO) -> int:
    clock = RealClock()
    try:
        terminal = await TerminalInput.from_stdin() if settings.agent.mode is Mode.SUPERVISED else None
    except (ValueError, OSError) as exc:
        raise ConfigError("--mode", "supervised", f"needs a terminal or a pipe to ask on ({exc})") from None
    approver = TerminalApprover(clock, settings.agent.approval_timeout_seconds, terminal, out) if terminal else None
    try:
        async with Engine.started(settings, env, clock, approver, live) as engine:
            printer = Printer(out)
            engine.runner.listeners.append(printer)
            out.writelines(f"== {notice}\n" for notice in engine.notices)
            if once:
                report = await engine.runner.run(market, "command")
                printer.end_line()
                _summary(report, out)
                return EXIT_OK if report.completed else EXIT_FAILURE
            return await _scheduled(engine, out)
    finally:
        if terminal:
            await terminal.close()


async def _scheduled(engine: Engine, out: TextIO) -> int:
    """Cycles on the schedule until Ctrl-C or SIGTERM; a cycle under way is cancelled and journaled as such."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = engine.start_schedule()
    due = engine.scheduler.schedule.next_after(engine.clock.now())
    when = f"; next: {due.market} at {due.at.astimezone(UTC):%a %H:%M} UTC" if due else "; nothing is scheduled"
    out.write(f"== running cycles on the schedule{when}; Ctrl-C stops\n")
    await asyncio.wait({task, asyncio.ensure_future(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    for running in (task, engine.scheduler.running):
        if running is not None and not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    return EXIT_OK


def _summary(report: CycleReport, out: TextIO) -> None:
    out.write(f"== cycle {report.cycle_id} {report.outcome}: {report.orders_sent} order(s) sent, "
              f"model cost USD {report.cost_usd:.4f}{'; ' + report.reason if report.reason else ''}\n")  # fmt: skip
