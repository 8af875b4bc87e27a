"""The console driven by keys, as the operator drives it: the rules brain against the seeded simulator on loopback.

At 10:30 in Hong Kong on this seeded day the rules brain proposes a bracket buy of 1299.HK, so `c` always brings up
an approval card. The simulator's clock moves only when a test moves it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from catalyst_tui import paths
from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import ControllableClock
from catalyst_tui.models import DecisionKind
from tests.integration.conftest import journal_rows
from tests.tui.conftest import SIZE, ready, wait_for
from widgets.approval import ApprovalCard
from widgets.dialogs import ConfirmPanel, HelpPanel, KillPanel
from widgets.keybar import KeyBar
from widgets.orders import OrdersTable
from widgets.positions import PositionsTable
from widgets.status import Banner
from widgets.transcript import TranscriptView

MakeApp = Callable[..., CatalystApp]


# What the operator sees


def transcript(app: CatalystApp) -> list[str]:
    return app.query_one(TranscriptView).plain_lines()


def cycle_done(app: CatalystApp) -> bool:
    return any(line.startswith("── cycle ") and " done, " in line for line in transcript(app))


def order_rows(app: CatalystApp) -> dict[str, tuple[str, ...]]:
    return dict(app.query_one(OrdersTable).shown_rows())


def position_rows(app: CatalystApp) -> dict[str, tuple[str, ...]]:
    return dict(app.query_one(PositionsTable).shown_rows())


def banner(app: CatalystApp) -> str:
    return app.query_one(Banner).text


# Steps


async def started(pilot: Pilot[Any]) -> CatalystApp:
    app = pilot.app
    assert isinstance(app, CatalystApp)
    await wait_for(pilot, lambda: ready(app), "the console to connect and draw the quotes")
    return app


async def proposal_on_screen(pilot: Pilot[Any]) -> ApprovalCard:
    """Press `c` and wait for the rules brain's proposal to come up on a card."""
    app = await started(pilot)
    await pilot.press("c")
    await wait_for(pilot, lambda: app.card is not None and app.screen is app.card, "the proposal's approval card")
    assert app.card is not None
    return app.card


async def approved(pilot: Pilot[Any]) -> str:
    """Approve the proposal; the bracket's entry is working at the (simulated) exchange. Answers its intent id."""
    app = pilot.app
    assert isinstance(app, CatalystApp)
    await proposal_on_screen(pilot)
    await pilot.press("y")
    await wait_for(pilot, lambda: cycle_done(app), "the cycle to finish after the approval")
    await wait_for(pilot, lambda: order_rows(app), "the order in the Orders pane")
    [entry] = [key for key, cells in order_rows(app).items() if cells[0] == key]
    return entry


async def journal(app: CatalystApp, sql: str) -> list[dict[str, Any]]:
    assert app.engine is not None
    await app.engine.journal.caught_up()
    return journal_rows(paths.default_journal_url(app.env), sql)


# Tests


async def test_c_runs_a_rules_cycle_and_its_proposal_waits_on_a_card(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card = await proposal_on_screen(pilot)

        assert (card.proposal.symbol, card.proposal.side.value, card.verdict.passed) == ("1299.HK", "BUY", True)
        assert any(line.startswith("── ") and " all cycle " in line and "(rules)" in line for line in transcript(app))
        assert any("proposing 1800 @ 72.3" in line for line in transcript(app))
        assert app.engine is not None and app.engine.broker.open_orders() == []  # nothing is sent before y
        assert not cycle_done(app)  # the cycle waits on the operator


async def test_n_and_enter_reject_the_proposal_and_the_journal_says_the_operator_did(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card = await proposal_on_screen(pilot)
        await pilot.press("n", "enter")
        await wait_for(pilot, lambda: cycle_done(app), "the cycle to finish after the rejection")

        assert app.card is None and not isinstance(app.screen, ApprovalCard)
        assert any("Not sent: rejected by operator" in line for line in transcript(app))
        assert order_rows(app) == {} and app.engine is not None and app.engine.broker.open_orders() == []
        decided = await journal(app, "SELECT id, symbol, decision, decided_by FROM proposals")
        assert decided == [{"id": card.proposal.proposal_id, "symbol": "1299.HK", "decision": "rejected",
                            "decided_by": "operator"}]  # fmt: skip
        assert await journal(app, "SELECT intent_id FROM orders") == []


async def test_y_approves_and_the_order_works_then_fills_into_a_position(
    make_app: MakeApp, clock: ControllableClock
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        entry = await approved(pilot)

        # At the ask of 72.30 the book had 1,400 shares: the rest of the entry works, its stop and target wait on it.
        orders = order_rows(app)
        assert orders[entry][1:] == ("1299.HK", "BUY", "1,800", "LMT", "72.30", "Submitted", "1,400/400")
        assert [cells[0] for cells in orders.values()] == [entry, "  └ stop", "  └ target"]
        await wait_for(pilot, lambda: "1299.HK" in position_rows(app), "the partial fill in the Positions pane")
        assert position_rows(app)["1299.HK"][2] == "1,400"

        await clock.advance(5)  # the simulator's next step: the rest of the entry fills
        await wait_for(pilot, lambda: position_rows(app)["1299.HK"][2] == "1,800", "the whole position to be shown")
        await wait_for(pilot, lambda: entry not in order_rows(app), "the filled entry to leave the Orders pane")
        assert [cells[-2] for cells in order_rows(app).values()] == ["Submitted", "Submitted"]  # stop and target
        filled = await journal(app, "SELECT intent_id, status, filled FROM orders WHERE role = 'entry'")
        assert [(row["intent_id"], row["status"]) for row in filled] == [(entry, "Filled")]


async def test_k_then_y_cancels_every_working_order_and_halts(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await approved(pilot)
        assert banner(app) == " PAPER | SUPERVISED | ACTIVE "

        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.question, KillPanel), "the kill switch's confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: "HALTED" in banner(app), "the banner to say HALTED")
        await wait_for(pilot, lambda: order_rows(app) == {}, "every working order to be cancelled")

        assert banner(app) == " PAPER | SUPERVISED | !! HALTED !! "
        assert app.engine is not None and app.engine.broker.open_orders() == []
        statuses = await journal(app, "SELECT DISTINCT status FROM orders WHERE role <> 'entry'")
        assert statuses == [{"status": "Cancelled"}]


async def test_an_unanswered_card_expires_and_nothing_is_sent(make_app: MakeApp, clock: ControllableClock) -> None:
    app = make_app(approval_timeout_seconds=5)
    async with app.run_test(size=SIZE) as pilot:
        card = await proposal_on_screen(pilot)
        await clock.advance(6)
        # The app's 1 Hz timer calls this; calling it here saves waiting a real second for the timer to fire.
        app._tick_card()
        await wait_for(pilot, lambda: cycle_done(app), "the cycle to finish after the card expired")

        assert card.decision is not None and card.decision.kind is DecisionKind.EXPIRED
        assert not isinstance(app.screen, ApprovalCard) and app.card is None
        assert order_rows(app) == {} and app.engine is not None and app.engine.broker.open_orders() == []
        decided = await journal(app, "SELECT decision, decided_by, decision_reason FROM proposals")
        assert decided == [{"decision": "expired", "decided_by": "operator", "decision_reason": "no answer within 5 s"}]
        assert await journal(app, "SELECT intent_id FROM orders") == []


async def test_q_with_a_working_order_asks_first_and_y_exits_with_0(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await approved(pilot)

        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.question, ConfirmPanel), "the quit confirmation")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.question is None, "the confirmation to close")
        await pilot.pause()
        assert app.is_running and app.return_code is None

        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.question, ConfirmPanel), "the quit confirmation, again")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0


async def test_question_mark_shows_the_keys_over_the_panes_and_only_its_own_keys_work_until_it_closes(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        panel, main, focused = app.pane(HelpPanel), app.screen, app.focused
        assert isinstance(focused, PositionsTable)  # the first pane, not anything in the hidden help

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: panel.display, "the help over the panes")
        listed = str(panel.query_one("#help-list").render())
        assert "c  Cycle" in listed and "k  Kill" in listed and "?  Help" in listed
        assert app.screen is main and app.focused is focused  # no screen change, the pane keeps its focus
        assert app.query_one(KeyBar).text.split() == ["?", "Help", "esc", "Close"]  # the other keys are hidden

        await pilot.press("c", "k")  # modal, as a dialog is: no cycle, no kill switch
        await pilot.pause()
        assert panel.display and app.screen is main
        assert not any(w.group == "cycle" for w in app.workers) and banner(app) == " PAPER | SUPERVISED | ACTIVE "

        for close in ("escape", "question_mark", "q"):
            await pilot.press(close)
            await wait_for(pilot, lambda: not panel.display, f"{close} to close the help")
            assert app.is_running and "Cycle" in app.query_one(KeyBar).text
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: panel.display, "the help again")


async def test_a_question_over_the_panes_takes_the_keys_until_it_is_answered(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        main, focused = app.screen, app.focused
        assert isinstance(focused, PositionsTable)  # a table, which has an enter key of its own

        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.question, ConfirmPanel), "the mode switch's question")
        assert app.screen is main and app.focused is focused  # over the panes: no screen, no focus moved
        assert app.query_one(KeyBar).text.split() == ["y", "Yes", "n", "No"]
        await pilot.press("c", "question_mark", "k")  # none of the console's other keys work meanwhile
        await pilot.pause()
        assert not any(w.group == "cycle" for w in app.workers) and not app.help_panel.display
        assert isinstance(app.question, ConfirmPanel)

        await pilot.press("n")
        await wait_for(pilot, lambda: app.question is None, "the question to close")
        assert banner(app) == " PAPER | SUPERVISED | ACTIVE " and "Cycle" in app.query_one(KeyBar).text

        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.question, ConfirmPanel), "the question again")
        await pilot.press("enter")  # the question's, not the focused table's
        await wait_for(pilot, lambda: "AUTOPILOT" in banner(app), "the switch to autopilot")


async def test_a_card_that_comes_up_over_a_question_takes_its_own_keys(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.question, ConfirmPanel), "the mode switch's question")
        question = app.question
        app.start_cycle("all", "operator")  # the schedule's way: the rules brain proposes, a card comes up
        await wait_for(pilot, lambda: app.card is not None and app.screen is app.card, "the card over the question")

        await pilot.press("n", "enter")  # the card's no, not the question's
        await wait_for(pilot, lambda: cycle_done(app), "the cycle to finish after the rejection")
        assert any("Not sent: rejected by operator" in line for line in transcript(app))
        assert app.question is question and not question.answered.done()  # still open, still unanswered
        await pilot.press("n")
        await wait_for(pilot, lambda: app.question is None, "the question to close")
        assert banner(app) == " PAPER | SUPERVISED | ACTIVE "
