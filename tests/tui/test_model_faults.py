"""The console stays up whatever the model does: `c` after `c`, each cycle met by a different fault of the Messages
API (the real SDK against the fake server on loopback), on autopilot against the seeded simulator.

Each broken reply carries an order the gate would pass, so a tool run from an incomplete turn, or from a guessed
input, would reach the simulator. After every fault the operator sees how the cycle ended, nothing was sent, and
the keys still work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from textual.pilot import Pilot

from brokers.sim.server import SimGateway
from catalyst_tui.agent.claude import TURN_ATTEMPTS
from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import Brain, BrokerSettings, BrokerSource, Mode
from catalyst_tui.engine import SDK_RETRIES
from tests.fakes.anthropic_server import (
    FakeClaude,
    Reply,
    end_after,
    hang_up_after,
    loopback_only,
    overloaded,
    rate_limited,
    refusal,
    scrub_environment,
    stream_error_after,
    text,
    tool_use,
    turn,
)
from tests.integration.desk.test_desk import at_the_sim
from tests.tui.conftest import SIZE, console_settings, ready, wait_for
from tests.tui.test_console import journal, order_rows, transcript
from widgets.dialogs import HelpPanel
from widgets.status import StatusBar

CLOSED = re.compile(r"^── cycle (\S+) (\w+), model cost ")
# The events of a turn with a text block and a tool call: message_start, 4 for the text, 5 for the call, message_delta,
# message_stop. Cut at WHOLE_TURN - 2, both blocks are whole and the message is not.
WHOLE_TURN = 12


@dataclass(frozen=True)
class Fault:
    name: str
    replies: tuple[Reply, ...]  # what the fake server answers this cycle's requests with
    outcome: str  # how the cycle's closing line in the Transcript says it ended
    shows: str  # what the cycle's transcript says happened


def faults(guess: dict[str, Any]) -> list[Fault]:
    """`guess` is a trade the gate passes; the cut JSON is the same trade with "quantity": 1000 cut after "100", so
    a partial parser reads it as `guess`."""
    whole = json.dumps({**guess, "quantity": guess["quantity"] * 10})
    cut = whole[: whole.rindex(str(guess["quantity"])) + len(str(guess["quantity"]))]
    broken = turn(text("Buying 0700.HK."), tool_use("execute_trade", guess))
    aside = turn(text("Standing aside."))
    garbled = turn(tool_use("execute_trade", raw_json='{"symbol": "0700.HK", "quantity": 0100}'))
    cut_at_max = turn(text("Buying."), tool_use("execute_trade", raw_json=cut), stop_reason="max_tokens")
    huge = turn(tool_use("execute_trade", {**guess, "quantity": 1e12}))
    long_symbol = turn(tool_use("execute_trade", {**guess, "symbol": "X" * 10_000}))
    limited = (rate_limited(),) * (SDK_RETRIES + 1)  # the first request and each of the SDK's retries
    overloaded_mid_stream = (stream_error_after(WHOLE_TURN - 2, broken),) * TURN_ATTEMPTS
    return [
        Fault("429 until the SDK gives up", limited, "error", "Ended: error: RateLimitError"),
        Fault("529, then an answer", (overloaded(), aside), "done", "Standing aside."),
        Fault("hang-up mid-stream", (hang_up_after(WHOLE_TURN - 2, broken), aside), "done", "The reply broke off"),
        Fault("stream ended early, cleanly", (end_after(WHOLE_TURN - 2, broken), aside), "done", "could not be read"),
        Fault("error event mid-stream, every time", overloaded_mid_stream, "error", "Ended: error: APIStatusError"),
        Fault("truncated tool JSON", (turn(tool_use("execute_trade", raw_json=cut)), aside), "done", "not valid JSON"),
        Fault("tool JSON the SDK cannot parse", (garbled, aside), "done", "The reply could not be read"),
        Fault("max_tokens in a tool call", (cut_at_max,), "max_tokens", "no tool from it was run"),
        Fault("refusal", (refusal(text("I can't help with that.")),), "refusal", "Claude declined"),
        Fault("unknown tool", (turn(tool_use("buy_everything", {"symbol": "0700.HK"})), aside), "done", "no tool"),
        Fault("quantity 1e12", (huge, aside), "done", "Not sent: the risk gate refused it."),
        Fault("10,000-character symbol", (long_symbol, aside), "done", "10000 characters; at most 32"),
    ]


@pytest.fixture
def claude_app(gateway: SimGateway, clock: ControllableClock, env: dict[str, str],
               monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeClaude], CatalystApp]:  # fmt: skip
    """`--brain claude` on autopilot, its key and base URL pointing at the fake server."""
    scrub_environment(monkeypatch)
    loopback_only(monkeypatch)

    def make(claude: FakeClaude) -> CatalystApp:
        broker = BrokerSettings(source=BrokerSource.GATEWAY, host="127.0.0.1", port=gateway.port,
                                connect_timeout_seconds=5)  # fmt: skip
        settings = console_settings(broker)
        settings = replace(settings, agent=replace(settings.agent, brain=Brain.CLAUDE, mode=Mode.AUTOPILOT))
        return CatalystApp(settings, {**env, "ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": claude.base_url},
                           clock)  # fmt: skip

    return make


def closed(app: CatalystApp) -> list[tuple[int, str, str]]:
    """Each closed cycle as (the transcript line it closed on, its id, its outcome)."""
    return [(n, m.group(1), m.group(2)) for n, line in enumerate(transcript(app)) if (m := CLOSED.match(line))]


def gate_passing_trade(app: CatalystApp) -> dict[str, Any]:
    assert app.engine is not None
    quote = app.engine.broker.quote("0700.HK")
    assert quote is not None and quote.last is not None
    price = quote.last
    return {"symbol": "0700.HK", "side": "BUY", "order_type": "MKT", "stop_loss": int(price * Decimal("0.96")),
            "take_profit": int(price * Decimal("1.08")) + 1, "reason": "momentum", "quantity": 100}  # fmt: skip


async def keys_still_work(pilot: Pilot[Any], app: CatalystApp) -> None:
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: app.pane(HelpPanel).display, "? to open the help")
    await pilot.press("escape")
    await wait_for(pilot, lambda: not app.pane(HelpPanel).display, "escape to close the help")


async def cycle_meets(fault: Fault, pilot: Pilot[Any], claude: FakeClaude, gateway: SimGateway) -> None:
    """The operator presses `c`; the fake answers with `fault`; the cycle ends where the operator can see it."""
    app = pilot.app
    assert isinstance(app, CatalystApp)
    count, before, asked = len(closed(app)) + 1, len(transcript(app)), len(claude.requests)
    claude.add(*fault.replies)
    await pilot.press("c")
    await wait_for(pilot, lambda: len(closed(app)) == count, f"the cycle met by {fault.name} to end")
    [*_, (line, _, outcome)] = closed(app)
    said = "\n".join(transcript(app)[before:line])
    assert outcome == fault.outcome, f"{fault.name}:\n{said}"
    assert fault.shows in said, f"{fault.name}:\n{said}"
    if fault.outcome == "error":
        status = app.query_one(StatusBar)
        await wait_for(pilot, lambda: "last cycle error" in status.text, f"the status bar to say {fault.name} failed")
    assert claude.pending == 0 and len(claude.requests) - asked == len(fault.replies), fault.name
    assert app.is_running and at_the_sim(gateway) == {} and order_rows(app) == {}, fault.name
    await keys_still_work(pilot, app)


async def test_the_console_stays_up_through_every_model_fault_and_sends_nothing(
    claude_app: Callable[[FakeClaude], CatalystApp], gateway: SimGateway
) -> None:
    with FakeClaude() as claude:
        app = claude_app(claude)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready(app), "the console to connect and draw the quotes")
            guess = gate_passing_trade(app)
            control = Fault("the guess, checked", (turn(tool_use("check_risk", guess)), turn(text("Fine."))), "done",
                            "Risk gate: PASS")  # fmt: skip
            await cycle_meets(control, pilot, claude, gateway)  # sent whole, the guess would trade

            for fault in faults(guess):
                await cycle_meets(fault, pilot, claude, gateway)

            shown = {cycle: outcome for _, cycle, outcome in closed(app)}
            assert list(shown.values()) == ["done", *(f.outcome for f in faults(guess))]
            cycles = await journal(app, "SELECT id, outcome FROM cycles")
            assert {c["id"]: c["outcome"] for c in cycles} == shown  # the journal says what the screen said
            assert await journal(app, "SELECT intent_id FROM orders") == []
