"""A trading day replayed on the controllable clock: losses move the desk to REDUCING, then HALTED; after HALTED
nothing but cancels gets through."""

from __future__ import annotations

from decimal import Decimal

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from brokers.sim.universe import find
from catalyst_tui.clock import ControllableClock
from catalyst_tui.journal import Journal
from catalyst_tui.models import DecisionKind
from catalyst_tui.risk import TradingState, daily_loss_pct
from tests.integration.conftest import until
from tests.integration.desk.conftest import buy, make_desk, quoted, settings
from tests.integration.desk.test_desk import at_the_sim
from tests.integration.desk.test_desk import recorded as journal_rows

# Tight limits, so that a few gaps in one stock reach them: soft at 0.3 % of equity, hard at 0.7 %.
LIMITS = {"daily_loss_soft_pct": Decimal("0.3"), "daily_loss_hard_pct": Decimal("0.7"),
          "max_order_value": Decimal(200_000), "max_position_pct": Decimal(20)}  # fmt: skip


async def gap(gateway: SimGateway, broker: IbkrBroker, symbol: str, percent: float) -> Decimal:
    """The stock gaps; returns today's loss once the account the adapter sees has caught up."""
    before = broker.account()
    gateway.move(find(symbol, "", "", 0), percent)  # type: ignore[arg-type]
    await until(lambda: broker.account() != before, what="the account to follow the gap")
    loss = daily_loss_pct(broker.account())  # type: ignore[arg-type]
    assert loss is not None
    return loss


async def test_losses_reduce_then_halt_and_then_only_cancels_pass(
    broker: IbkrBroker, gateway: SimGateway, journal: Journal, clock: ControllableClock
) -> None:
    desk = make_desk(broker, journal, clock, settings(**LIMITS))
    await quoted(broker, "700", "5", "1299")

    # 10:00 HKT, ACTIVE: a large Tencent position, a small HSBC one, and a resting AIA bid.
    for proposal in (buy(broker, "700", 2000, stop_pct="6", reward="1.5"), buy(broker, "5", 400)):
        assert (await desk.propose(proposal)).decision.kind is DecisionKind.AUTO
    resting = await desk.propose(buy(broker, "1299", 400, below_ask_pct="2"))
    assert resting.trade is not None and at_the_sim(gateway)[resting.trade.intent_id] == "Submitted"
    await until(lambda: len(broker.positions()) == 2, what="two positions")

    # 10:10: Tencent gaps down; the loss passes the soft limit.
    await clock.advance(600)
    loss = await gap(gateway, broker, "700", -3)
    desk.observe()
    assert Decimal("0.3") <= loss < Decimal("0.7") and desk.states.state is TradingState.REDUCING
    adding = await desk.propose(buy(broker, "700", 100))
    assert adding.decision.kind is DecisionKind.REJECTED and "trading_state" in adding.decision.reason
    closing = await desk.propose(desk.close_proposal("5", "REDUCING: take the small one off"))
    assert closing.decision.kind is DecisionKind.AUTO and closing.trade is not None and closing.trade.sent
    await until(lambda: len(broker.positions()) == 1, what="HSBC closed")

    # 10:25: Tencent gaps again; past the hard limit.
    await clock.advance(900)
    loss = await gap(gateway, broker, "700", -3)
    desk.observe()
    assert loss >= Decimal("0.7") and desk.states.state is TradingState.HALTED
    for refused in (buy(broker, "1299", 200), desk.close_proposal("700", "get out")):
        result = await desk.propose(refused)
        assert result.decision.kind is DecisionKind.REJECTED and "trading_state" in result.decision.reason
    cancelled = await desk.cancel(resting.trade.intent_id)
    intent = resting.trade.intent_id
    assert {o.intent_id for o in cancelled} == {intent, f"{intent}:tp", f"{intent}:sl"}  # the bracket goes whole
    await until(lambda: at_the_sim(gateway)[resting.trade.intent_id] == "Cancelled", what="the cancel")

    # A recovery does not lift HALTED; only an operator does.
    await gap(gateway, broker, "700", 8)
    desk.observe()
    assert desk.states.state is TradingState.HALTED
    await journal.caught_up()
    moves = journal_rows(journal, "SELECT old_state, new_state, cause FROM trading_states ORDER BY id")
    assert [(m["old_state"], m["new_state"]) for m in moves] == [("ACTIVE", "REDUCING"), ("REDUCING", "HALTED")]
    assert "soft limit" in str(moves[0]["cause"]) and "hard limit" in str(moves[1]["cause"])
