"""The console with its journal and data directory on a small disk that runs out of space, for `test_full_disk.py`.

The test starts this under `unshare`, with a tmpfs of its own mounted over DISK; the simulator runs in the test's
process. Each step is reported as one JSON line on stdout, and the next waits for the test's "go" on stdin, so the
test can look at the simulator's orders in between. The log goes to STATE, outside the small disk.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import RealClock
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
from catalyst_tui.desk import DeskResult
from catalyst_tui.engine import Engine
from catalyst_tui.journal import DecisionLogged, JournalError, JournalState
from catalyst_tui.logs import setup_logging
from tests.integration.desk.conftest import buy, quoted
from tests.integration.reliability.full_disk_cycle import FILLER, fill, free
from tests.tui.conftest import wait_for
from widgets.dialogs import ConfirmPanel, KillPanel
from widgets.orders import OrdersTable
from widgets.status import Banner, StatusBar

SIZE = (300, 50)  # wide enough for the status bar to keep its note, with the long path of a test's directory
LEFT_FREE = 64 * 1024  # what the filler leaves: the session's own writes run out the rest
ALL_BUT = 24 * 1024  # short decisions are written until no more than this is left
LONG = 3 << 20  # then a long one, as a long tool result would be: more than SQLite's page cache holds
MAX_WRITES = 200  # a disk that never fills fails the test rather than hang it


class Parent:
    """The test at the other end of stdin and stdout; stdout is the fd the process started with (Textual may take
    sys.stdout over)."""

    def __init__(self) -> None:
        self.out = os.dup(1)

    async def tell(self, step: str, **facts: Any) -> None:
        os.write(self.out, (json.dumps({"step": step, **facts}, default=str) + "\n").encode())
        answer = await asyncio.to_thread(sys.stdin.readline)
        if answer.strip() != "go":
            raise SystemExit(f"the test answered {answer!r}")


def console_settings(port: int) -> Settings:
    broker = BrokerSettings(source=BrokerSource.GATEWAY, host="127.0.0.1", port=port, connect_timeout_seconds=5)
    return Settings(
        broker=broker,
        markets=replace(MarketsSettings(), us_enabled=False),
        agent=replace(AgentSettings(), brain=Brain.RULES, mode=Mode.AUTOPILOT),
        schedule=replace(ScheduleSettings(), enabled=False),
    )


def status_bar(app: CatalystApp) -> str:
    return app.query_one(StatusBar).text


def toasts(app: CatalystApp) -> list[str]:
    """The notifications on screen, title and message (Textual keeps them in `_notifications`)."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def decision(engine: Engine, n: int, length: int) -> DecisionLogged:
    return DecisionLogged(engine.clock.now(), "no trade", f"decision {n}: waiting for a pullback ".ljust(length, "."))


async def run_out(engine: Engine, disk: Path) -> tuple[list[str], str]:
    """The session writes short decisions, each acknowledged, until the disk is all but full; then a long one, which
    SQLite has to spill to the disk in the middle of its transaction, is refused. Answers the acknowledged ids and
    the refusal."""
    acknowledged: list[str] = []
    while free(disk) > ALL_BUT:
        assert len(acknowledged) < MAX_WRITES, f"{MAX_WRITES} writes and {free(disk)} bytes are still free"
        record = decision(engine, len(acknowledged), 200)
        await engine.journal.write(record)
        acknowledged.append(record.record_id)
    try:
        await engine.journal.write(decision(engine, len(acknowledged), LONG))
    except JournalError as exc:
        return acknowledged, str(exc)
    raise AssertionError(f"a {LONG}-byte record went onto a disk with {free(disk)} bytes free")


async def entry(engine: Engine, symbol: str, quantity: int) -> DeskResult:
    """A bracket buy 2% under the ask: it passes the gate and works at the exchange without filling."""
    return await engine.desk.propose(buy(engine.broker, symbol, quantity, below_ask_pct="2"))


def outcome(result: DeskResult) -> dict[str, Any]:
    trade = result.trade
    return {"proposal": result.proposal.proposal_id, "decided_by": result.decision.decided_by,
            "reason": result.decision.reason, "intent": trade.intent_id if trade else None}  # fmt: skip


async def press_and_confirm(pilot: Pilot[Any], key: str, question: type, answer: str = "y") -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.question, question), f"the {question.__name__} after {key}")
    await pilot.press(answer)


async def session(pilot: Pilot[Any], app: CatalystApp, disk: Path, test: Parent) -> None:
    await wait_for(pilot, lambda: app.engine is not None and app.engine.broker.account() is not None, "the engine")
    engine = app.engine
    assert engine is not None
    await quoted(engine.broker, "700", "1299")
    working = [await entry(engine, "700", 200), await entry(engine, "1299", 400)]
    await test.tell("working", results=[outcome(r) for r in working])

    left = fill(disk, LEFT_FREE)
    acknowledged, refusal = await run_out(engine, disk)
    await wait_for(pilot, lambda: "JOURNAL FAILED" in status_bar(app), "the status bar to say the journal failed")
    await wait_for(pilot, lambda: any(t.startswith("Journal failed") for t in toasts(app)), "the toast")  # posted
    status = engine.journal.status
    await test.tell("full", left=left, acknowledged=acknowledged, refusal=refusal, status_bar=status_bar(app),
                    toasts=toasts(app), journal=[status.state, status.reason])  # fmt: skip

    refused = await entry(engine, "700", 200)
    await test.tell("refused", **outcome(refused))

    selected = app.query_one(OrdersTable).selected_intent()
    await press_and_confirm(pilot, "x", ConfirmPanel)
    await wait_for(pilot, lambda: selected not in {o.intent_id for o in engine.broker.open_orders()}, "the cancel")
    await press_and_confirm(pilot, "k", KillPanel)
    await wait_for(pilot, lambda: engine.broker.open_orders() == [], "the kill switch to cancel the rest")
    await wait_for(pilot, lambda: "HALTED" in app.query_one(Banner).text, "the banner")  # drawn at its rate
    await test.tell("cancelled", selected=selected, banner=app.query_one(Banner).text)

    (disk / FILLER).unlink()
    loop = asyncio.get_running_loop()
    freed = loop.time()
    await wait_for(pilot, lambda: engine.journal.status.state is JournalState.WRITING, "the journal to recover")
    recovered = loop.time() - freed
    await wait_for(pilot, lambda: any(t.startswith("Journal back") for t in toasts(app)), "the toast")  # posted
    await wait_for(pilot, lambda: "JOURNAL FAILED" not in status_bar(app), "the status bar")  # drawn at its rate
    await test.tell("recovered", seconds=recovered, status_bar=status_bar(app), toasts=toasts(app))

    await press_and_confirm(pilot, "r", ConfirmPanel)
    await wait_for(pilot, lambda: "ACTIVE" in app.query_one(Banner).text, "trading to resume")
    traded = await entry(engine, "700", 200)
    await test.tell("traded", **outcome(traded))
    await app.shut_down()


async def console(disk: Path, port: int, state: Path) -> None:
    setup_logging(state / "catalyst", "INFO", 1, [])
    env = {"XDG_DATA_HOME": str(disk), "XDG_STATE_HOME": str(state), "XDG_CONFIG_HOME": str(state / "config")}
    test = Parent()
    app = CatalystApp(console_settings(port), env, RealClock())
    async with app.run_test(size=SIZE) as pilot:
        await session(pilot, app, disk, test)
    await test.tell("closed")


if __name__ == "__main__":
    asyncio.run(console(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))
