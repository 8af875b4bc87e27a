"""Claude's tool loop through the real SDK against a scripted fake Messages API, with the broker being the
simulator over TCP: what is sent, what comes back, and what must never run."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.agent.events import Delta
from catalyst_tui.clock import ControllableClock
from catalyst_tui.journal import EntryKind, Journal
from tests.fakes.anthropic_server import (
    FakeClaude,
    Usage,
    hang_up_after,
    overloaded,
    refusal,
    stall_after,
    stream_error_after,
    text,
    thinking,
    tool_use,
    turn,
)
from tests.integration.agent.conftest import claude_runner
from tests.integration.desk.test_desk import at_the_sim
from tests.integration.desk.test_desk import recorded as journal_rows

BRACKET = {"symbol": "0700.HK", "side": "BUY", "quantity": 100, "order_type": "MKT", "stop_loss": 490,
           "take_profit": 560, "reason": "momentum above VWAP"}  # fmt: skip


async def test_a_full_cycle_buys_with_a_bracket(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(
        turn(thinking("Tencent is strong; check the quote."), text("Checking 0700.HK."),
             tool_use("get_quote", {"symbol": "0700.HK"})),
        turn(text("Buying 100 with a bracket."), tool_use("execute_trade", BRACKET)),
        turn(text("Done: bought 100 0700.HK."), usage=Usage(input_tokens=3000, output_tokens=80)),
    )  # fmt: skip
    runner, shown = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")
    assert report.outcome == "done" and report.orders_sent == 1
    [quote_result] = fake_claude.tool_results(1)
    assert not quote_result["is_error"] and "0700.HK (TENCENT" in quote_result["content"]
    [trade_result] = fake_claude.tool_results(2)
    assert not trade_result["is_error"] and "filled" in trade_result["content"]
    roles = sorted(ref.rpartition(":")[2] if ":" in ref else "entry" for ref in at_the_sim(gateway))
    assert roles == ["entry", "sl", "tp"]
    first = fake_claude.request(0).body
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"} and first["tools"][-1]["cache_control"]
    assert first["system"][0]["text"].startswith("You are the trading agent inside Catalyst")  # the prompt file
    assert "0700.HK" in first["messages"][0]["content"]  # the context travels in the user message
    await journal.caught_up()
    [cycle] = journal_rows(journal, "SELECT outcome, input_tokens, output_tokens, cost_usd FROM cycles")
    assert cycle["outcome"] == "done" and cycle["input_tokens"] == 1200 * 2 + 3000
    assert (
        cycle["cost_usd"] == Decimal(cycle["input_tokens"]) * 2 / 10**6 + Decimal(cycle["output_tokens"]) * 10 / 10**6
    )
    kinds = [r["kind"] for r in journal_rows(journal, "SELECT kind FROM transcript ORDER BY seq")]
    assert kinds.count("thinking") == 1 and kinds.count("tool_call") == 2 and kinds.count("tool_result") == 2
    streamed = "".join(e.text for e in shown if isinstance(e, Delta) and e.kind is EntryKind.TEXT)
    assert streamed.startswith("Checking 0700.HK.Buying 100")  # text showed as it streamed, piece by piece


async def test_a_trade_that_breaks_a_limit_goes_back_as_an_error_and_nothing_is_sent(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(turn(tool_use("execute_trade", {**BRACKET, "quantity": 1e12})), turn(text("Understood.")))
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")
    [result] = fake_claude.tool_results(1)
    assert result["is_error"] and "max_order_value" in result["content"] and "USD 20,000.00" in result["content"]
    assert report.outcome == "done" and report.orders_sent == 0 and at_the_sim(gateway) == {}


async def test_malformed_input_and_an_unknown_tool_each_get_an_error_the_model_can_read(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(
        turn(tool_use("execute_trade", {"symbol": "0700.HK", "side": "HOLD"}), tool_use("buy_everything", {}),
             tool_use("get_quote", {"symbol": "X" * 10_000})),
        turn(text("I will stop here.")),
    )  # fmt: skip
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    await runner.run("HK", "operator")
    missing, unknown, huge = fake_claude.tool_results(1)
    assert missing["is_error"] and "execute_trade needs quantity, order_type, reason" in missing["content"]
    assert (
        unknown["is_error"] and "no tool 'buy_everything'" in unknown["content"] and "get_quote" in unknown["content"]
    )
    assert huge["is_error"] and "10000 characters; at most 32" in huge["content"]
    assert at_the_sim(gateway) == {}


async def test_an_overloaded_api_is_retried_and_the_cycle_completes(
    broker: IbkrBroker, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(overloaded(), turn(text("Nothing to do.")))
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    assert (await runner.run("HK", "operator")).outcome == "done"
    assert [r.status for r in fake_claude.requests] == [529, 200]


async def test_a_turn_broken_mid_stream_is_thrown_away_and_asked_again(
    broker: IbkrBroker, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    whole = turn(text("Looking at the account."), tool_use("get_portfolio", {}, id="toolu_once"))
    fake_claude.add(stream_error_after(4, whole), hang_up_after(5, whole), whole, turn(text("Done.")))
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")
    assert report.outcome == "done" and len(fake_claude.requests) == 4
    await journal.caught_up()
    said = [r["content"] for r in journal_rows(journal, "SELECT content FROM transcript WHERE role = 'assistant'")]
    assert said.count("Looking at the account.") == 1  # the broken attempts left nothing in the journal
    assert sum(c.startswith("get_portfolio") for c in said) == 1  # and ran nothing


async def test_a_reply_cut_at_max_tokens_runs_no_tool(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(turn(text("Buying now."), tool_use("execute_trade", raw_json='{"symbol": "0700.HK", "quan'),
                         stop_reason="max_tokens"))  # fmt: skip
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")
    assert report.outcome == "max_tokens" and "no tool from it was run" in report.reason
    assert len(fake_claude.requests) == 1 and at_the_sim(gateway) == {}


async def test_a_refusal_ends_the_cycle_without_a_trade(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(refusal(text("I can't help with that.")))
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")
    assert report.outcome == "refusal" and report.orders_sent == 0 and at_the_sim(gateway) == {}


async def test_the_daily_cost_cap_skips_cycles_before_a_token_is_spent(
    broker: IbkrBroker, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(turn(text("Expensive thoughts."), usage=Usage(input_tokens=600_000, output_tokens=20_000)))
    runner, _ = claude_runner(broker, journal, clock, fake_claude, daily_cost_cap=Decimal("1.00"))
    first = await runner.run("HK", "schedule")
    assert first.outcome == "done" and first.cost_usd == Decimal("1.4")  # 600k × $2/M + 20k × $10/M
    second = await runner.run("HK", "schedule")
    assert second.outcome == "skipped" and "daily cap USD 1.00" in second.reason
    assert len(fake_claude.requests) == 1


async def test_the_kill_switch_cancels_a_cycle_while_claude_is_still_talking(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    stalled = stall_after(3, turn(text("Thinking about buying."), tool_use("execute_trade", BRACKET)))
    fake_claude.add(stalled)
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    task = asyncio.ensure_future(runner.run("HK", "schedule"))
    await asyncio.to_thread(stalled.reached.wait, 10)
    await runner.desk.kill(flatten=False)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stalled.release()
    await journal.caught_up()
    [cycle] = journal_rows(journal, "SELECT outcome FROM cycles")
    assert cycle["outcome"] == "cancelled" and at_the_sim(gateway) == {}
