"""What the console looks like, pictured: the main screen at two sizes, an approval card, the kill switch's
confirmation and the help. Review `snapshot_report.html` before accepting a change with `--snapshot-update`.

Each picture is of the embedded simulator (seed 7) on a clock fixed at 10:00 in Hong Kong that nothing moves, so
prices, quote ages and countdowns are the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from textual.pilot import Pilot

from catalyst_tui.app import CatalystApp
from catalyst_tui.models import OrderType, Proposal, Side
from catalyst_tui.risk import RiskGate
from tests.tui.conftest import SIZE, ready, wait_for
from widgets.approval import ApprovalCard
from widgets.dialogs import HelpPanel, KillPanel

SnapCompare = Callable[..., bool]


async def drawn(pilot: Pilot[Any]) -> None:
    """The console has settled (see `ready`) and today's LLM cost is read: its own timer fires after 10 s, which
    may be before or after the picture depending on the machine."""
    app = pilot.app
    assert isinstance(app, CatalystApp)
    await wait_for(pilot, lambda: ready(app), "the console to settle")
    app._refresh_cost()
    await wait_for(pilot, lambda: app.llm_cost is not None, "today's LLM cost to be read from the journal")
    app.draw()


def aia_buy() -> Proposal:
    """A bracket buy of AIA at the frozen market's ask of 72.25, a stop 4.5% under it and a target twice as far."""
    return Proposal(
        "prop-snapshot", "execute_trade", "1299.HK", Side.BUY, Decimal(1800), OrderType.LIMIT,
        limit_price=Decimal("72.25"), stop_loss=Decimal("69.00"), take_profit=Decimal("78.75"),
        reason="momentum: up on the day on more volume than usual, above VWAP; ATR stop",
    )  # fmt: skip


async def card_up(pilot: Pilot[Any]) -> None:
    """The desk's own way to a card: the gate judges the proposal on a snapshot of the account, the approver asks."""
    await drawn(pilot)
    app = pilot.app
    assert isinstance(app, CatalystApp) and app.engine is not None
    proposal = aia_buy()
    verdict = RiskGate(app.settings.risk).evaluate(proposal, await app.engine.desk.snapshot(proposal.symbol))
    assert verdict.passed, verdict.summary()
    app.run_worker(app.approver.decide(proposal, verdict), group="cycle", name="snapshot-card")
    await wait_for(pilot, lambda: isinstance(app.screen, ApprovalCard), "the approval card")


async def kill_asked(pilot: Pilot[Any]) -> None:
    await drawn(pilot)
    await pilot.press("k")
    await wait_for(pilot, lambda: isinstance(pilot.app.question, KillPanel), "the kill switch's confirmation")


async def help_shown(pilot: Pilot[Any]) -> None:
    await drawn(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: pilot.app.query_one(HelpPanel).display, "the help over the panes")


def test_main_screen(snap_compare: SnapCompare, snapshot_app: CatalystApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=drawn)


def test_main_screen_in_80_by_24_shows_one_pane(snap_compare: SnapCompare, snapshot_app: CatalystApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=drawn)


def test_quotes_pane_in_80_by_24(snap_compare: SnapCompare, snapshot_app: CatalystApp) -> None:
    assert snap_compare(snapshot_app, press=["3"], terminal_size=(80, 24), run_before=drawn)


def test_approval_card(snap_compare: SnapCompare, snapshot_app: CatalystApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=card_up)


def test_kill_switch_confirmation(snap_compare: SnapCompare, snapshot_app: CatalystApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=kill_asked)


def test_help(snap_compare: SnapCompare, snapshot_app: CatalystApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=help_shown)
