"""The trading-state machine: the daily-loss breaker acts on its own, HALTED waits for an operator, every move is
told once to whoever listens, stamped with the session's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from catalyst_tui.clock import ControllableClock
from catalyst_tui.config import RiskSettings
from catalyst_tui.models import Account
from catalyst_tui.risk import StateChange, TradingState, TradingStates, daily_loss_pct

D = Decimal
START = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
ACTIVE, REDUCING, HALTED, RECONCILING = (TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED,
                                         TradingState.RECONCILING)  # fmt: skip


def day(pnl: str | None, start_equity: str = "100000") -> Account:
    """The account after a day's P&L, from a given starting equity (soft limit 1.5%, hard 2.0% by default)."""
    daily = None if pnl is None else D(pnl)
    equity = D(start_equity) + (daily or 0)
    return Account("DU1234567", "USD", equity, equity, equity * 2, daily)


class Machine:
    def __init__(self) -> None:
        self.clock = ControllableClock(START)
        self.states = TradingStates(self.clock, RiskSettings())
        self.changes: list[StateChange] = []
        self.states.listeners.append(self.changes.append)

    async def later(self, seconds: float = 60) -> datetime:
        await self.clock.advance(seconds)
        return self.clock.now()

    @property
    def moves(self) -> list[tuple[TradingState, TradingState]]:
        return [(c.old, c.new) for c in self.changes]


@pytest.fixture
def m() -> Machine:
    return Machine()


async def test_a_fresh_day_starts_active_and_a_small_loss_changes_nothing(m: Machine) -> None:
    assert m.states.state is ACTIVE
    m.states.observe(day("-1000"))
    m.states.observe(day("+5000"))
    m.states.observe(day(None))
    assert m.states.state is ACTIVE
    assert m.changes == []


async def test_the_soft_loss_limit_moves_to_reducing(m: Machine) -> None:
    at = await m.later(600)
    m.states.observe(day("-1500"))
    assert m.states.state is REDUCING
    [change] = m.changes
    assert (change.old, change.new, change.at, change.hard_limit) == (ACTIVE, REDUCING, at, False)
    assert change.cause == "daily loss 1.50% reached the soft limit 1.5%"
    assert m.states.cause == change.cause


async def test_the_hard_loss_limit_halts_and_says_it_was_the_limit(m: Machine) -> None:
    m.states.observe(day("-1600"))
    at = await m.later()
    m.states.observe(day("-2100"))
    assert m.states.state is HALTED
    assert m.moves == [(ACTIVE, REDUCING), (REDUCING, HALTED)]
    assert m.changes[-1].hard_limit
    assert m.changes[-1].at == at
    assert m.changes[-1].cause == "daily loss 2.10% reached the hard limit 2.0%"


async def test_a_gap_straight_past_the_hard_limit_halts_from_active(m: Machine) -> None:
    m.states.observe(day("-5000"))
    assert m.moves == [(ACTIVE, HALTED)]
    assert m.changes[0].hard_limit


async def test_reducing_is_not_left_by_a_recovery_but_by_a_new_day(m: Machine) -> None:
    m.states.observe(day("-1600"))
    m.states.observe(day("-100"))
    m.states.observe(day("+3000"))
    assert m.states.state is REDUCING
    at = await m.later(20 * 3600)
    m.states.new_day()
    assert m.states.state is ACTIVE
    assert m.moves == [(ACTIVE, REDUCING), (REDUCING, ACTIVE)]
    assert (m.changes[-1].cause, m.changes[-1].at) == ("a new trading day", at)


async def test_halted_is_not_left_by_a_recovery_nor_a_new_day_only_by_an_operator(m: Machine) -> None:
    m.states.observe(day("-2500"))
    m.states.observe(day("+1000"))
    m.states.observe(day("-1600"))  # a soft loss does not pull HALTED down to REDUCING either
    m.states.new_day()
    assert m.states.state is HALTED
    assert len(m.changes) == 1
    at = await m.later()
    m.states.resume("checked the positions, losses understood")
    assert m.states.state is ACTIVE
    assert m.moves == [(ACTIVE, HALTED), (HALTED, ACTIVE)]
    last = m.changes[-1]
    assert (last.cause, last.at, last.hard_limit) == ("operator: checked the positions, losses understood", at, False)


async def test_the_kill_switch_halts_once(m: Machine) -> None:
    m.states.halt("kill switch")
    m.states.halt("kill switch again")
    assert m.moves == [(ACTIVE, HALTED)]
    assert m.changes[0].cause == "kill switch"
    assert not m.changes[0].hard_limit


async def test_an_operator_may_end_reducing_early(m: Machine) -> None:
    m.states.observe(day("-1600"))
    m.states.resume("one position left to manage by hand")
    assert m.moves == [(ACTIVE, REDUCING), (REDUCING, ACTIVE)]


async def test_resume_and_new_day_when_active_say_nothing(m: Machine) -> None:
    m.states.resume("nothing to resume")
    m.states.new_day()
    m.states.reconciling(False, "not reconciling")
    assert m.changes == []
    assert m.states.state is ACTIVE


async def test_reconciling_covers_the_state_underneath_and_gives_it_back(m: Machine) -> None:
    m.states.reconciling(True, "reconnected: re-reading the broker")
    assert m.states.state is RECONCILING
    m.states.reconciling(True, "still re-reading")  # no change, no event
    at = await m.later(5)
    m.states.reconciling(False, "broker re-read")
    assert m.states.state is ACTIVE
    assert m.moves == [(ACTIVE, RECONCILING), (RECONCILING, ACTIVE)]
    assert (m.changes[0].cause, m.changes[1].cause, m.changes[1].at) == (
        "reconnected: re-reading the broker",
        "broker re-read",
        at,
    )


async def test_reconciling_gives_back_reducing(m: Machine) -> None:
    m.states.observe(day("-1600"))
    m.states.reconciling(True, "reconnected")
    m.states.reconciling(False, "broker re-read")
    assert m.moves == [(ACTIVE, REDUCING), (REDUCING, RECONCILING), (RECONCILING, REDUCING)]


async def test_a_soft_loss_seen_while_reconciling_shows_when_reconciling_ends(m: Machine) -> None:
    m.states.reconciling(True, "reconnected")
    m.states.observe(day("-1600"))
    assert m.states.state is RECONCILING
    m.states.reconciling(False, "broker re-read")
    assert m.states.state is REDUCING
    assert m.moves == [(ACTIVE, RECONCILING), (RECONCILING, REDUCING)]


async def test_halted_outranks_reconciling(m: Machine) -> None:
    m.states.reconciling(True, "reconnected")
    m.states.observe(day("-2500"))
    assert m.states.state is HALTED
    assert m.changes[-1].hard_limit
    m.states.reconciling(False, "broker re-read")  # HALTED stays; nothing visible changed
    m.states.reconciling(True, "reconnected again")
    assert m.states.state is HALTED
    assert m.moves == [(ACTIVE, RECONCILING), (RECONCILING, HALTED)]
    m.states.resume("operator checked")  # back to what lies underneath: still re-reading the broker
    assert m.states.state is RECONCILING
    m.states.reconciling(False, "broker re-read")
    assert m.moves[-2:] == [(HALTED, RECONCILING), (RECONCILING, ACTIVE)]


async def test_every_listener_hears_every_change_once(m: Machine) -> None:
    second: list[StateChange] = []
    m.states.listeners.append(second.append)
    m.states.observe(day("-1600"))
    m.states.observe(day("-1700"))
    m.states.halt("kill switch")
    m.states.halt("kill switch")
    m.states.resume("operator")
    assert second == m.changes
    assert m.moves == [(ACTIVE, REDUCING), (REDUCING, HALTED), (HALTED, ACTIVE)]


async def test_changes_carry_the_clock_time_not_the_wall_clock(m: Machine) -> None:
    times = []
    for pnl in ("-1600", "-2100"):
        times.append(await m.later(3600))
        m.states.observe(day(pnl))
    assert [c.at for c in m.changes] == times == [START + timedelta(hours=1), START + timedelta(hours=2)]


@pytest.mark.parametrize(
    ("equity", "pnl", "loss"),
    [
        ("98000", "-2000", D(2)),  # started the day at 100,000
        ("100000", "-1500", D(1500) / D(101500) * 100),
        ("103000", "3000", D(0)),  # a winning day loses nothing
        ("100000", "0", D(0)),
        ("50000", "-50000", D(50)),
    ],
)
def test_daily_loss_is_a_share_of_the_equity_the_day_started_with(equity: str, pnl: str, loss: Decimal) -> None:
    account = Account("DU1", "USD", D(equity), D(0), D(0), D(pnl))
    assert daily_loss_pct(account) == loss


@pytest.mark.parametrize(("equity", "pnl"), [("100000", None), ("1000", "5000"), ("0", "0")])
def test_daily_loss_is_unknown_without_a_pnl_or_a_starting_equity(equity: str, pnl: str | None) -> None:
    assert daily_loss_pct(Account("DU1", "USD", D(equity), D(0), D(0), None if pnl is None else D(pnl))) is None


async def test_an_unknown_daily_pnl_moves_nothing(m: Machine) -> None:
    m.states.observe(Account("DU1", "USD", D(0), D(0), D(0), D(5)))  # no starting equity to measure by
    m.states.observe(day(None))
    assert m.changes == []
