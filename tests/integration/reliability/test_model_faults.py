"""A model (or a proxy in front of it) that sends a tool call's JSON cut short or garbled: the real SDK against the
fake Messages API, the real adapter against the simulator over TCP. No tool runs on a guess, the cycle ends
cleanly, and the model's next, whole call is handled."""

from __future__ import annotations

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.clock import ControllableClock
from catalyst_tui.journal import Journal
from tests.fakes.anthropic_server import FakeClaude, end_after, text, tool_use, turn
from tests.integration.agent.conftest import claude_runner
from tests.integration.agent.test_claude_cycle import BRACKET
from tests.integration.desk.test_desk import at_the_sim
from tests.integration.desk.test_desk import recorded as journal_rows

# Every argument the gate needs, and the quantity cut after "100" of "1000": the SDK's partial parse makes this a
# whole-looking order for 100 shares, which the gate would pass.
CUT_JSON = ('{"symbol": "0700.HK", "side": "BUY", "order_type": "MKT", "stop_loss": 490, "take_profit": 560, '
            '"reason": "momentum above VWAP", "quantity": 100')  # fmt: skip
GARBLED_JSON = '{"symbol": "0700.HK", "side": "BUY", "quantity": 0100}'  # jiter refuses it outright


async def test_a_tool_call_with_cut_json_is_answered_as_an_error_and_the_whole_retry_trades(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    fake_claude.add(
        turn(text("Buying 0700.HK."), tool_use("get_portfolio", {}),
             tool_use("execute_trade", raw_json=CUT_JSON, id="toolu_cut")),
        turn(tool_use("execute_trade", BRACKET, id="toolu_whole")),
        turn(text("Bought 100 0700.HK.")),
    )  # fmt: skip
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")

    portfolio, cut = fake_claude.tool_results(1)
    assert not portfolio["is_error"]  # the rest of a complete turn runs
    assert cut["tool_use_id"] == "toolu_cut" and cut["is_error"]
    assert "not valid JSON" in cut["content"] and "nothing was run" in cut["content"]
    [whole] = fake_claude.tool_results(2)
    assert not whole["is_error"] and "filled" in whole["content"]
    assert report.outcome == "done" and report.orders_sent == 1
    await journal.caught_up()
    proposals = journal_rows(journal, "SELECT id, tool_use_id FROM proposals")
    assert [p["tool_use_id"] for p in proposals] == ["toolu_whole"]  # the cut call never became a proposal
    sent = journal_rows(journal, "SELECT intent_id, proposal_id FROM orders")
    assert {o["proposal_id"] for o in sent} == {proposals[0]["id"]} and len(at_the_sim(gateway)) == len(sent) == 3
    [cycle] = journal_rows(journal, "SELECT outcome, error FROM cycles")
    assert cycle == {"outcome": "done", "error": None}
    said = [
        (r["kind"], r["content"]) for r in journal_rows(journal, "SELECT kind, content FROM transcript ORDER BY seq")
    ]
    assert ("tool_call", "execute_trade " + CUT_JSON + " (not valid JSON)") in said  # as the model sent it
    assert any(kind == "tool_result" and content.startswith("ERROR: ") and "not valid JSON" in content
               for kind, content in said)  # fmt: skip


async def test_garbled_tool_json_the_sdk_cannot_read_is_asked_again_and_runs_nothing(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    decision = {"decision": "no trade", "reasoning": "the quote was unclear"}
    fake_claude.add(
        turn(text("Buying."), tool_use("execute_trade", raw_json=GARBLED_JSON)),
        turn(text("Standing aside."), tool_use("log_decision", decision)),
        turn(text("Done.")),
    )  # fmt: skip
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")

    assert report.outcome == "done" and report.orders_sent == 0 and at_the_sim(gateway) == {}
    assert [r.status for r in fake_claude.requests] == [200, 200, 200]
    assert fake_claude.request(1).messages == fake_claude.request(0).messages  # the same question, asked again
    await journal.caught_up()
    said = [r["content"] for r in journal_rows(journal, "SELECT content FROM transcript ORDER BY seq")]
    assert "Buying." not in said and not any(s.startswith("execute_trade") for s in said)  # the broken turn left none
    assert any(s.startswith("The reply could not be read") and "asking again" in s for s in said)
    assert journal_rows(journal, "SELECT decision FROM decision_log") == [{"decision": "no trade"}]
    assert journal_rows(journal, "SELECT id FROM proposals") == []


async def test_a_stream_a_proxy_ends_early_but_cleanly_is_asked_again_and_nothing_from_it_runs(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, fake_claude: FakeClaude
) -> None:
    broken = turn(text("Buying 0700.HK."), tool_use("execute_trade", BRACKET))
    fake_claude.add(end_after(10, broken), turn(text("Standing aside.")))  # both blocks whole, no message_delta
    runner, _ = claude_runner(broker, journal, clock, fake_claude)
    report = await runner.run("HK", "operator")

    assert report.outcome == "done" and report.orders_sent == 0 and at_the_sim(gateway) == {}
    assert len(fake_claude.requests) == 2
    await journal.caught_up()
    said = [r["content"] for r in journal_rows(journal, "SELECT content FROM transcript ORDER BY seq")]
    assert "Buying 0700.HK." not in said and "Standing aside." in said
    assert any(s.startswith("The reply could not be read (the stream ended before") for s in said)
