"""Nothing reaches the broker unless the gate and, in supervised mode, the operator allowed it, and the journal
recorded it first."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config import Mode
from catalyst_tui.journal import Journal, ProposalMade
from catalyst_tui.models import DecisionKind, OrderType, Proposal, Side
from tests.integration.conftest import journal_rows, until
from tests.integration.desk.conftest import APPROVAL_SECONDS, Terminal, buy, make_desk, quoted, settings


def at_the_sim(gateway: SimGateway) -> dict[str, str]:
    return {o.order_ref: o.status for o in gateway.broker.orders.values()}


def recorded(journal: Journal, sql: str) -> list[dict[str, object]]:
    return journal_rows(f"sqlite:///{journal.target.location}", sql)


async def test_autopilot_sends_what_the_gate_passed_and_journals_it_first(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock
) -> None:
    desk = make_desk(broker, journal, clock, settings())
    await quoted(broker, "700")
    result = await desk.propose(buy(broker, "700", 200))
    assert result.verdict.passed and result.decision.kind is DecisionKind.AUTO and result.trade is not None
    intent = result.trade.intent_id
    assert at_the_sim(gateway) == {intent: "Filled", f"{intent}:tp": "Submitted", f"{intent}:sl": "Submitted"}
    await until(lambda: len(broker.executions_today()) == 1, what="the fill")
    await journal.caught_up()
    orders = recorded(journal, "SELECT intent_id, role, status, proposal_id FROM orders ORDER BY intent_id")
    assert [(o["intent_id"], o["role"]) for o in orders] == [
        (intent, "entry"), (f"{intent}:sl", "stop_loss"), (f"{intent}:tp", "take_profit"),
    ]  # fmt: skip
    assert orders[0]["status"] == "Filled" and orders[0]["proposal_id"] == result.proposal.proposal_id
    [fill] = recorded(journal, "SELECT intent_id, quantity FROM fills")
    assert fill == {"intent_id": intent, "quantity": Decimal(200)}
    [proposal] = recorded(journal, "SELECT decision, decided_by FROM proposals")
    assert proposal == {"decision": "auto", "decided_by": "autopilot"}


async def test_autopilot_refuses_a_failed_check_without_asking_anyone(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock
) -> None:
    desk = make_desk(broker, journal, clock, settings())
    await quoted(broker, "700")
    odd_lot = buy(broker, "700", 150)
    result = await desk.propose(odd_lot)
    assert result.decision.kind is DecisionKind.REJECTED and result.decision.decided_by == "gate"
    assert "board_lot" in result.decision.reason and result.trade is None
    assert at_the_sim(gateway) == {}
    [row] = recorded(journal, "SELECT decision, decided_by, decision_reason FROM proposals")
    assert row["decision"] == "rejected" and "board_lot" in str(row["decision_reason"])


async def test_a_proposal_the_journal_cannot_record_is_not_traded(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock, tmp_path: Path
) -> None:
    (tmp_path / "nowhere").write_text("a file where the journal's directory should be")
    broken = Journal(f"sqlite:///{tmp_path / 'nowhere' / 'j.sqlite3'}", tmp_path / "nowhere" / "spool")
    await broken.open()
    desk = make_desk(broker, broken, clock, settings())
    await quoted(broker, "700")
    result = await desk.propose(buy(broker, "700", 200))
    assert result.decision.decided_by == "journal" and result.trade is None
    assert at_the_sim(gateway) == {}
    await broken.close()


async def test_the_operator_approves_at_the_terminal(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, terminal: Terminal
) -> None:
    desk = make_desk(broker, journal, clock, settings(Mode.SUPERVISED), terminal)
    await quoted(broker, "700")
    terminal.type("y")  # typed before any card: must not count
    await terminal.typed_ahead()
    task = asyncio.ensure_future(desk.propose(buy(broker, "700", 200)))
    await terminal.card_shown()
    assert "BUY 200 700 LMT" in terminal.screen.getvalue() and "notional HKD" in terminal.screen.getvalue()
    assert not task.done()
    terminal.type("y looks right")
    result = await task
    assert result.decision.kind is DecisionKind.APPROVED and result.decision.reason == "looks right"
    assert result.trade is not None and at_the_sim(gateway)[result.trade.intent_id] == "Filled"


async def test_a_failed_check_is_shown_and_cannot_be_approved(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, terminal: Terminal
) -> None:
    desk = make_desk(broker, journal, clock, settings(Mode.SUPERVISED), terminal)
    await quoted(broker, "700")
    terminal.type("y")
    result = await desk.propose(buy(broker, "700", 150))
    assert "FAIL board_lot" in terminal.screen.getvalue() and "cannot be approved" in terminal.screen.getvalue()
    assert result.decision.kind is DecisionKind.REJECTED and result.decision.decided_by == "gate"
    assert at_the_sim(gateway) == {}


async def test_an_unanswered_card_expires_and_a_late_yes_approves_nothing(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, terminal: Terminal
) -> None:
    desk = make_desk(broker, journal, clock, settings(Mode.SUPERVISED), terminal)
    await quoted(broker, "700", "1299")
    first = asyncio.ensure_future(desk.propose(buy(broker, "700", 200)))
    await terminal.card_shown()
    await clock.advance(APPROVAL_SECONDS)
    expired = await first
    assert expired.decision.kind is DecisionKind.EXPIRED and expired.trade is None
    terminal.type("y")  # too late for the first card, and typed before the second was shown
    await terminal.typed_ahead()
    second = asyncio.ensure_future(desk.propose(buy(broker, "1299", 400)))
    await terminal.card_shown(2)
    await clock.advance(APPROVAL_SECONDS)
    assert (await second).decision.kind is DecisionKind.EXPIRED
    assert at_the_sim(gateway) == {}
    rows = recorded(journal, "SELECT decision FROM proposals")
    assert [r["decision"] for r in rows] == ["expired", "expired"]


async def test_an_approval_is_judged_again_at_sending(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock, terminal: Terminal
) -> None:
    """The kill switch went while the card was up: the operator's yes no longer sends anything."""
    desk = make_desk(broker, journal, clock, settings(Mode.SUPERVISED), terminal)
    await quoted(broker, "700")
    task = asyncio.ensure_future(desk.propose(buy(broker, "700", 200)))
    await terminal.card_shown()
    await desk.kill(flatten=False)
    terminal.type("y")
    result = await task
    assert result.decision.kind is DecisionKind.REJECTED and "then at sending" in result.decision.reason
    assert "trading_state" in result.decision.reason and at_the_sim(gateway) == {}


async def test_proposals_a_dead_process_left_waiting_are_expired(
    broker: IbkrBroker, journal: Journal, clock: ControllableClock
) -> None:
    left = Proposal("prop-left", "execute_trade", "700", Side.BUY, Decimal(100), OrderType.MARKET)
    await journal.write(ProposalMade(left, clock.now()))
    desk = make_desk(broker, journal, clock, settings())
    assert await desk.expire_leftovers() == 1
    assert await journal.pending_proposals() == []
    [row] = recorded(journal, "SELECT decision, decided_by FROM proposals")
    assert row == {"decision": "expired", "decided_by": "restart"}
