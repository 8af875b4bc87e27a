"""SIGKILL in the middle of a cycle, with one order working at IB and another waiting on its approval card, then start
again: the waiting proposal is expired and never sent, the working order is found by its orderRef and shown, the cut
cycle is closed as interrupted, and nothing reached the broker twice.

Everything is a real process: `catalyst sim-gateway` outlives the app, which runs as the operator runs it, in tmux,
supervised, with Claude at a fake Messages API on 127.0.0.1 (so the proposals are known in advance).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from ib_async import IB, Stock

from brokers.sim.universe import find, tick_for
from catalyst_tui.agent.cycle import INTERRUPTED, close_interrupted
from catalyst_tui.cli import main
from catalyst_tui.clock import ControllableClock
from catalyst_tui.journal import CycleEnded, CycleStarted, Journal
from tests.fakes.anthropic_server import FakeClaude, text, tool_use, turn
from tests.integration.conftest import HK_MORNING, journal_rows
from tests.integration.test_cli_sim_gateway import start_sim_gateway
from tests.net import free_port
from tests.tui.conftest import xdg_env
from tests.tui.test_tmux import CARD, CYCLE_DONE, Tmux, tmux
from tests.tui.test_tmux import until as on_screen

__all__ = ["tmux"]  # the tmux fixture: a tmux server of the test's own
REPO = Path(__file__).resolve().parents[3]
ORDER_LINE = re.compile(r"^(\S+) placed (\d+): (.*)$")  # a line of the simulator's `orders`


@dataclass
class Simulator:
    """`catalyst sim-gateway --always-open` in the background; its stdin takes commands."""

    process: subprocess.Popen[str]
    port: int

    def orders(self) -> dict[str, tuple[int, str]]:
        """orderRef -> (how many times it was placed, the order now), from the `orders` command."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("orders\n")
        self.process.stdin.flush()
        count = int(self.process.stdout.readline().split()[0])
        lines = [self.process.stdout.readline().strip() for _ in range(count)]
        return {ref: (int(placed), now) for ref, placed, now in (ORDER_LINE.findall(line)[0] for line in lines)}


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[Simulator]:
    port = free_port()
    process = start_sim_gateway(tmp_path, port, "--always-open", stdin=subprocess.PIPE)
    assert process.stdout is not None and "gateway simulator on" in process.stdout.readline()
    try:
        yield Simulator(process, port)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


async def last_prices(port: int, *codes: str) -> dict[str, Decimal]:
    """What each HKEX stock trades at now, read by a client of the test's own."""
    ib = IB()
    await ib.connectAsync("127.0.0.1", port, clientId=90, timeout=5)
    try:
        prices = {}
        for code in codes:
            [contract] = await ib.qualifyContractsAsync(Stock(code, "SEHK", "HKD"))
            [bar] = await ib.reqHistoricalDataAsync(contract, "", "1 D", "1 day", "TRADES", True)
            prices[code] = Decimal(str(bar.close))
        return prices
    finally:
        ib.disconnect()


def on_tick(code: str, price: Decimal) -> Decimal:
    """`price` rounded down to the stock's tick, as an order must be."""
    stock = find(code, "SEHK", "HKD", 0)
    assert stock is not None
    tick = tick_for(stock, price)
    return (price / tick).to_integral_value(ROUND_FLOOR) * tick


def buy_below(code: str, last: Decimal, below_pct: str) -> dict[str, Any]:
    """A limit bid under the market, with a stop 5% under it and a target 10% over: a bracket the gate passes."""
    limit = on_tick(code, last * (1 - Decimal(below_pct) / 100))
    return {"symbol": f"{code}.HK", "side": "BUY", "quantity": 100, "order_type": "LMT", "limit_price": float(limit),
            "stop_loss": float(on_tick(code, limit * Decimal("0.95"))),
            "take_profit": float(on_tick(code, limit * Decimal("1.10"))), "reason": "pullback to support"}  # fmt: skip


def start_console(tmux: Tmux, tmp_path: Path, port: int, claude: FakeClaude) -> int:
    """`catalyst` in tmux at 120x40, supervised (the default), on the running simulator; returns its pid."""
    env = {**xdg_env(tmp_path), "LANG": "C.UTF-8", "ANTHROPIC_API_KEY": "test-key",
           "ANTHROPIC_BASE_URL": claude.base_url}  # fmt: skip
    app = [sys.executable, "-m", "catalyst_tui", "--config", str(tmp_path / "config" / "settings.yaml"), "--gateway",
           f"127.0.0.1:{port}", "--brain", "claude", "--journal", journal_url(tmp_path)]  # fmt: skip
    variables = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    # exec: the pane's process is Catalyst itself, so the kill reaches it and nothing else.
    tmux.start(f"cd {shlex.quote(str(tmp_path))} && exec env {variables} {shlex.join(app)}", 120, 40)
    on_screen(lambda: "PAPER" in tmux.screen(), "the console to connect to the simulator", tmux)
    return int(tmux.run("display-message", "-p", "-t", "catalyst", "#{pane_pid}").strip())


def journal_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.sqlite3'}"


def settings_file(tmp_path: Path) -> None:
    """No schedule: the only cycles are the ones the test starts with c."""
    config = tmp_path / "config"
    (config / "prompts").mkdir(parents=True)
    (config / "settings.yaml").write_text("schedule:\n  enabled: false\n")
    (config / "prompts" / "system.md").write_text((REPO / "config" / "prompts" / "system.md").read_text())


def journal_cycles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str | None]:
    """`catalyst journal cycles`, as the operator reads it: cycle id -> outcome (None: still running)."""
    capsys.readouterr()
    assert main(["journal", "--journal", journal_url(tmp_path), "cycles", "--format", "json"], xdg_env(tmp_path)) == 0
    return {row["id"]: row["outcome"] for row in json.loads(capsys.readouterr().out)}


def card_shown(tmux: Tmux, other_than: str = "") -> str:
    """The proposal id on the approval card, once one other than `other_than` is up."""
    found: list[str] = []

    def shown() -> bool:
        card = CARD.search(tmux.screen())
        if card and card.group(1) != other_than:
            found.append(card.group(1))
        return bool(found)

    on_screen(shown, "an approval card", tmux)
    return found[0]


def test_a_kill_during_a_pending_approval_expires_it_and_keeps_the_working_order(
    simulator: Simulator, tmux: Tmux, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file(tmp_path)
    prices = asyncio.run(last_prices(simulator.port, "700", "9988"))
    resting, waiting = buy_below("700", prices["700"], "2"), buy_below("9988", prices["9988"], "1")
    with FakeClaude(
        turn(text("Tencent is back at support."), tool_use("execute_trade", resting)),
        turn(text("A bid is resting under the market.")),
        turn(text("Alibaba too."), tool_use("execute_trade", waiting)),  # the cycle that is cut off
    ) as claude:
        pid = start_console(tmux, tmp_path, simulator.port, claude)

        # First cycle: the operator approves; the entry rests at IB with its stop and target behind it.
        tmux.press("c")
        approved = card_shown(tmux)
        tmux.press("y")
        on_screen(lambda: CYCLE_DONE.search(tmux.screen()), "the first cycle to finish", tmux)
        [intent] = [r["intent_id"] for r in journal_rows(journal_url(tmp_path), "SELECT intent_id FROM orders WHERE "
                    f"proposal_id = '{approved}' AND parent_intent_id IS NULL")]  # fmt: skip
        bracket = {intent, f"{intent}:tp", f"{intent}:sl"}
        on_screen(lambda: set(simulator.orders()) == bracket, "the bracket at the simulator", tmux)
        placed, entry = simulator.orders()[intent]
        working, limit = entry.rsplit(" ", 1)
        limit_price = Decimal(str(resting["limit_price"]))
        assert (placed, working, Decimal(limit)) == (1, "Submitted BUY 100 700 LMT", limit_price)  # resting, unfilled

        # Second cycle: its card is up, the proposal journaled and undecided; then the process dies, mid-cycle.
        tmux.press("c")
        pending = card_shown(tmux, other_than=approved)
        [row] = journal_rows(journal_url(tmp_path), f"SELECT decision FROM proposals WHERE id = '{pending}'")
        assert row == {"decision": None}
        os.kill(pid, signal.SIGKILL)
        on_screen(lambda: tmux.screen() == "", "the killed console's pane to close", tmux)

    cycles = journal_cycles(tmp_path, capsys)
    [first, cut] = cycles
    assert cycles == {first: "done", cut: None}  # the dead process could not end it: it reads as still running

    # Second run, against the same gateway and journal, with nothing left for Claude to say.
    with FakeClaude() as claude:
        start_console(tmux, tmp_path, simulator.port, claude)
        screen = tmux.screen
        on_screen(lambda: intent in screen() and "└ stop" in screen() and "└ target" in screen(),
                  "the working bracket found by orderRef in the Orders pane", tmux)  # fmt: skip
        notices = ("1 proposal(s) left waiting by an earlier run were expired",
                   "1 cycle(s) left open by an earlier run ended as interrupted")  # fmt: skip
        on_screen(lambda: all(n in screen() for n in notices), "the operator told in the transcript", tmux)
        assert claude.requests == []

    [expired] = journal_rows(journal_url(tmp_path), "SELECT decision, decided_by FROM proposals WHERE id = "
                             f"'{pending}'")  # fmt: skip
    assert expired == {"decision": "expired", "decided_by": "restart"}
    assert journal_rows(journal_url(tmp_path), f"SELECT intent_id FROM orders WHERE proposal_id = '{pending}'") == []
    at_the_broker = simulator.orders()
    assert set(at_the_broker) == bracket  # nothing for the expired proposal (9988) ever reached the broker
    assert [placed for placed, _ in at_the_broker.values()] == [1, 1, 1]  # and nothing was placed twice
    assert journal_cycles(tmp_path, capsys) == {first: "done", cut: INTERRUPTED}


async def test_cycles_a_dead_process_left_open_end_as_interrupted(journal: Journal) -> None:
    clock = ControllableClock(HK_MORNING)
    await journal.write(CycleStarted("cyc-done", clock.now(), "HK", "schedule", "rules"),
                        CycleEnded("cyc-done", clock.now(), "done"),
                        CycleStarted("cyc-cut", clock.now(), "HK", "operator", "claude"))  # fmt: skip
    await clock.advance(60)
    assert await close_interrupted(journal, clock) == 1
    assert await close_interrupted(journal, clock) == 0  # once closed, it stays closed
    views = {view.started.cycle_id: view.ended for view in await journal.recent_cycles(10)}
    done, cut = views["cyc-done"], views["cyc-cut"]
    assert done is not None and done.outcome == "done"
    assert cut is not None and (cut.outcome, cut.at) == (INTERRUPTED, clock.now())
