"""The transcript, the approval card and the dialogs, each in a small Textual app driven by keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from catalyst_tui.agent.events import Delta, Entry
from catalyst_tui.journal.records import EntryKind
from catalyst_tui.models import Check, CheckOutcome, DecisionKind, Instrument, Market, OrderType, Proposal, Quote, Side
from catalyst_tui.risk.gate import Facts, Verdict
from widgets.approval import CANNOT_APPROVE, ApprovalCard
from widgets.dialogs import ConfirmPanel, HelpPanel, KillPanel, Question
from widgets.transcript import THINKING_HIDDEN, TranscriptView

T0 = datetime(2026, 11, 20, 2, 35, tzinfo=UTC)
TENCENT = Instrument(Market.HK, "700", "SEHK", "HKD", "0700.HK")
SIZE = (100, 40)


class Host(App[None]):
    """Pushes one screen at mount and keeps every result it is dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.pushed = screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.pushed, self.results.append)


class TranscriptHost(App[None]):
    def __init__(self, view: TranscriptView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def proposal(reason: str = "Breakout above the 20-day high on rising volume") -> Proposal:
    return Proposal(
        "prop-1", "execute_trade", "0700.HK", Side.BUY, Decimal(300), OrderType.LIMIT,
        limit_price=Decimal("402.20"), stop_loss=Decimal("390.00"), take_profit=Decimal("425.00"), reason=reason,
    )  # fmt: skip


def verdict(*, fail: bool = False) -> Verdict:
    checks = [
        Check("board_lot", CheckOutcome.PASS, "300", "multiple of 100"),
        Check("max_stop_distance", CheckOutcome.WARN, "3.0%", "5.0%", "close to the limit"),
        Check("max_order_value", CheckOutcome.FAIL if fail else CheckOutcome.PASS, "USD 15,468.61", "USD 10,000.00"),
    ]
    quote = Quote(TENCENT, T0 - timedelta(seconds=2), Decimal("402.00"), Decimal("402.20"), Decimal("402.20"),
                  prev_close=Decimal("397.00"))  # fmt: skip
    facts = Facts(TENCENT, Decimal("120660.00"), Decimal("15468.61"), "USD", quote)
    return Verdict(tuple(checks), facts)


def text_of(within: Widget, selector: str) -> str:
    return str(within.query_one(selector, Static).render())


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


# ---- the approval card ---------------------------------------------------------------------------------------------


async def test_the_card_shows_the_order_its_size_reason_checks_and_quote() -> None:
    clock = Clock()
    card = ApprovalCard(proposal(), verdict(), 120, clock, queued=2)
    app = Host(card)
    async with app.run_test(size=SIZE):
        assert text_of(card, "#card-order") == "BUY 300 0700.HK limit 402.20, stop 390.00, target 425.00"
        assert text_of(card, "#card-notional") == "notional: HKD 120,660.00 = USD 15,468.61"
        assert "Breakout above the 20-day high" in text_of(card, "#card-reason")
        assert "2 pass, 1 warn, 0 fail" in text_of(card, "#card-verdict")
        table = card.query_one("#card-checks")
        assert table.get_row_at(0)[:4] == ["WARN", "max_stop_distance", "3.0%", "5.0%"]  # failures, warnings first
        assert "bid 402.00" in text_of(card, "#card-quote")
        assert "(2 s ago)" in text_of(card, "#card-quote")
        assert text_of(card, "#card-countdown") == "expires in 120 s"
        assert card.query_one("#card").border_subtitle == "(+2 more waiting)"


async def test_y_approves_a_card_that_passed_and_it_is_dismissed_once() -> None:
    clock = Clock()
    card = ApprovalCard(proposal(), verdict(), 120, clock)
    app = Host(card)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(5)
        await pilot.press("y", "y")  # the second y must not dismiss the screen beneath
        await pilot.pause()
        assert len(app.results) == 1
        decision = app.results[0]
        assert (decision.kind, decision.decided_by, decision.at) == (DecisionKind.APPROVED, "operator", clock.at)
        assert len(app.screen_stack) == 1 and app.screen is not card


async def test_y_cannot_approve_a_failed_card_and_n_rejects_with_the_typed_reason() -> None:
    clock = Clock()
    card = ApprovalCard(proposal(), verdict(fail=True), 120, clock)
    app = Host(card)
    async with app.run_test(size=SIZE) as pilot:
        assert "cannot be approved" in text_of(card, "#card-verdict")
        await pilot.press("y")
        assert app.results == [] and app.screen is card
        assert text_of(card, "#card-message") == CANNOT_APPROVE
        assert card.query_one("#card-message").display
        clock.advance(3)
        card.tick()
        assert not card.query_one("#card-message").display  # the flash goes at the next tick after 3 s

        await pilot.press("n")
        assert card.query_one("#card-reason-input", Input).has_focus
        await type_text(pilot, "not yet, why now")  # y and n typed here are text, not keys of the card
        await pilot.press("enter")
        await pilot.pause()
        assert [(d.kind, d.reason, d.at) for d in app.results] == [
            (DecisionKind.REJECTED, "not yet, why now", clock.at)
        ]
        assert app.screen is not card


async def test_an_empty_reason_rejects_and_escape_goes_back_to_the_card() -> None:
    card = ApprovalCard(proposal(), verdict(), 120, Clock())
    app = Host(card)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "x", "escape")
        reason = card.query_one("#card-reason-input", Input)
        assert not reason.display and reason.value == "" and app.results == []
        await pilot.press("n", "enter")
        await pilot.pause()
        assert [(d.kind, d.reason) for d in app.results] == [(DecisionKind.REJECTED, "rejected")]


async def test_the_card_counts_down_and_expires_once_when_its_time_is_up() -> None:
    clock = Clock()
    card = ApprovalCard(proposal(), verdict(), 30, clock)
    app = Host(card)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(10.5)
        card.tick()
        assert text_of(card, "#card-countdown") == "expires in 20 s"
        assert app.results == []
        clock.advance(19.5)
        card.tick()
        card.tick()
        await pilot.press("y")
        await pilot.pause()
        assert [(d.kind, d.decided_by, d.reason, d.at) for d in app.results] == [
            (DecisionKind.EXPIRED, "operator", "no answer within 30 s", T0 + timedelta(seconds=30)),
        ]
        assert len(app.screen_stack) == 1


class Above(ModalScreen[None]):
    """Any screen pushed over a card; escape pops it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen")]


async def test_a_card_that_expires_under_another_screen_is_dismissed_when_that_one_closes() -> None:
    clock = Clock()
    card = ApprovalCard(proposal(), verdict(), 30, clock)
    app = Host(card)
    async with app.run_test(size=SIZE) as pilot:
        above = Above()
        await app.push_screen(above)
        clock.advance(31)
        card.tick()
        await pilot.pause()
        assert app.screen is above and app.results == []  # the dialog above was not popped in its place
        assert card.decision is not None and card.decision.kind is DecisionKind.EXPIRED
        await pilot.press("escape")
        await pilot.pause()
        assert [d.kind for d in app.results] == [DecisionKind.EXPIRED]
        assert len(app.screen_stack) == 1


async def test_the_card_shows_the_quote_it_is_given() -> None:
    clock = Clock()
    card = ApprovalCard(proposal(), verdict(), 120, clock)
    app = Host(card)
    async with app.run_test(size=SIZE):
        card.update_quote(Quote(TENCENT, T0, Decimal("403.00"), Decimal("403.20"), Decimal("403.40"), stale=True))
        shown = text_of(card, "#card-quote")
        assert "bid 403.00" in shown and "last 403.40" in shown and "STALE" in shown
        assert "last vs limit +0.30%" in shown
        card.update_quote(None)
        assert text_of(card, "#card-quote") == "quote: none"


async def test_an_unreadable_proposal_shows_without_numbers_it_does_not_have() -> None:
    wild = Proposal("prop-2", "execute_trade", "X" * 10_000, Side.SELL, Decimal("NaN"), OrderType.MARKET)
    card = ApprovalCard(wild, Verdict((Check("instrument_known", CheckOutcome.FAIL, "unreadable proposal"),)), 60,
                        Clock())  # fmt: skip
    app = Host(card)
    async with app.run_test(size=(80, 24)):
        order = text_of(card, "#card-order")
        assert order.startswith("SELL NaN XXXX") and order.endswith("… market") and len(order) < 80
        assert text_of(card, "#card-notional") == "notional: unknown"
        assert text_of(card, "#card-quote") == "quote: none"


# ---- dialogs ---------------------------------------------------------------------------------------------------------


class Asking(App[None]):
    """Shows one question, as the console does (the console routes its keys: tests/tui/test_console.py)."""

    def __init__(self, question: Question[Any]) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield self.question


async def test_the_kill_switch_lists_its_choices_and_takes_the_first_answer_only() -> None:
    question = KillPanel()
    async with Asking(question).run_test(size=(100, 24)):
        assert "Kill switch: cancel every working order and HALT?" in text_of(question, "#kill-question")
        choices = [line.split()[0] for line in text_of(question, "#kill-choices").splitlines()]
        assert choices == ["y", "f", "n"]
        assert not question.answer("halt")  # nothing asked yet
        answered = question.open()
        assert question.answer("flatten") and not question.answer(None)  # a second key queued behind changes nothing
        assert answered.result() == "flatten"


async def test_the_confirmation_shows_its_question_detail_and_keys() -> None:
    question = ConfirmPanel("Switch to AUTOPILOT?", "Orders that pass every check will go out unasked.")
    async with Asking(question).run_test(size=(80, 24)) as pilot:
        assert text_of(question, "#confirm-question") == "Switch to AUTOPILOT?"
        assert "unasked" in text_of(question, "#confirm-detail")
        assert text_of(question, "#confirm-keys").split() == ["y", "/", "enter", "yes", "n", "/", "escape", "no"]
        question.put("Resume trading (back to ACTIVE)?")
        await pilot.pause()
        assert text_of(question, "#confirm-question") == "Resume trading (back to ACTIVE)?"
        assert not question.query_one("#confirm-detail").display  # no detail: no blank line for it


class PanelHost(App[None]):
    def compose(self) -> ComposeResult:
        yield HelpPanel([("c", "run a cycle now"), ("k", "kill switch"), ("?", "this help")])


async def test_the_help_lists_the_keys_in_a_column_and_says_how_it_closes() -> None:
    app = PanelHost()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(HelpPanel)
        assert text_of(panel, "#help-list").splitlines() == ["c  run a cycle now", "k  kill switch", "?  this help"]
        assert text_of(panel, "#help-close") == "escape, ? or q closes this help"
        panel.list_keys([("ctrl+r", "refresh"), ("?", "help")])
        await pilot.pause()
        assert text_of(panel, "#help-list").splitlines() == ["ctrl+r  refresh", "?       help"]
        panel.list_keys([])
        await pilot.pause()
        assert text_of(panel, "#help-list") == "(no keys)"


# ---- the transcript ------------------------------------------------------------------------------------------------


def drawn(view: TranscriptView) -> list[str]:
    """What the widget paints, row by row, as plain text."""
    return [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)]


async def test_the_transcript_buffers_until_flushed_and_draws_everything_then() -> None:
    view = TranscriptView()
    app = TranscriptHost(view)
    async with app.run_test(size=(80, 24)) as pilot:
        refreshes = 0
        original = view.refresh

        def counting_refresh(*args: Any, **kwargs: Any) -> Any:
            nonlocal refreshes
            refreshes += 1
            return original(*args, **kwargs)

        view.refresh = counting_refresh  # type: ignore[method-assign]
        for word in ("Tencent", "broke", "out", "above", "its", "20-day", "high.\nVolume", "confirms"):
            view.add(Delta(EntryKind.TEXT, word + " "))
        view.add(Entry("assistant", EntryKind.TOOL_CALL, 'get_quote {"symbol": "0700.HK"}'))
        assert refreshes == 0 and view.plain_lines() == [] and view.pending == 9
        await pilot.pause()
        assert drawn(view)[0] == ""

        view.flush()
        assert refreshes > 0
        expected = ["Tencent broke out above its 20-day high.", "Volume confirms", '→ get_quote {"symbol": "0700.HK"}']
        assert view.plain_lines() == expected
        await pilot.pause()
        assert drawn(view)[:4] == [*expected, ""]


async def test_a_streamed_paragraph_grows_at_each_flush_and_is_not_written_twice() -> None:
    view = TranscriptView()
    app = TranscriptHost(view)
    async with app.run_test(size=(80, 24)):
        view.add(Delta(EntryKind.TEXT, "The trend "))
        view.flush()
        assert view.plain_lines() == ["The trend"]
        view.add(Delta(EntryKind.TEXT, "is up."))
        view.flush()
        assert view.plain_lines() == ["The trend is up."]
        assert view.line_count == 0  # still the partial line
        view.add(Entry("assistant", EntryKind.TEXT, "The trend is up.", streamed=True))
        view.add(Entry("system", EntryKind.TEXT, "The reply broke off; asking again."))
        view.add(Entry("assistant", EntryKind.TEXT, "A rules-brain paragraph, not streamed."))
        view.flush()
        assert view.plain_lines() == [
            "The trend is up.",
            "== The reply broke off; asking again.",
            "A rules-brain paragraph, not streamed.",
        ]


async def test_tool_calls_and_results_take_one_line_each_and_errors_are_marked() -> None:
    view = TranscriptView()
    app = TranscriptHost(view)
    async with app.run_test(size=(80, 24)):
        view.add(Entry("assistant", EntryKind.TOOL_CALL, 'get_quote {"symbol": "0700.HK"}'))
        view.add(Entry("user", EntryKind.TOOL_RESULT, "0700.HK bid 402.00 ask 402.20\nlast 402.20\nvolume 1.2M"))
        view.add(Entry("assistant", EntryKind.TOOL_CALL, 'get_quote {"symbol": "XYZ"}'))
        view.add(Entry("user", EntryKind.TOOL_RESULT, "ERROR: unknown symbol XYZ"))
        view.flush()
        assert view.plain_lines() == [
            '→ get_quote {"symbol": "0700.HK"}',
            "← 0700.HK bid 402.00 ask 402.20 (+2 lines)",
            '→ get_quote {"symbol": "XYZ"}',
            "← ERROR: unknown symbol XYZ",
        ]


async def test_thinking_is_shown_or_collapsed_to_one_line_per_block() -> None:
    view = TranscriptView()
    app = TranscriptHost(view)
    async with app.run_test(size=(80, 24)):
        view.add(Delta(EntryKind.THINKING, "volume is rising\nthe stop "))
        view.flush()
        assert view.plain_lines() == ["~ volume is rising", "~ the stop"]
        view.add(Delta(EntryKind.THINKING, "fits the rules"))
        view.add(Delta(EntryKind.TEXT, "Buying Tencent."))
        view.add(Entry("assistant", EntryKind.THINKING, "volume is rising\nthe stop fits the rules", streamed=True))
        view.add(Entry("assistant", EntryKind.TEXT, "Buying Tencent.", streamed=True))
        view.add(Entry("assistant", EntryKind.THINKING, "second thought\nstill rising"))
        view.flush()
        shown = ["~ volume is rising", "~ the stop fits the rules", "Buying Tencent.", "~ second thought",
                 "~ still rising"]  # fmt: skip
        assert view.plain_lines() == shown

        view.show_thinking = False
        assert view.plain_lines() == [THINKING_HIDDEN, "Buying Tencent.", THINKING_HIDDEN]
        view.add(Delta(EntryKind.THINKING, "a third block, streaming"))
        view.flush()
        assert view.plain_lines() == [THINKING_HIDDEN, "Buying Tencent.", THINKING_HIDDEN, THINKING_HIDDEN]

        view.toggle_thinking()
        assert view.plain_lines() == [*shown, "~ a third block, streaming"]


async def test_the_transcript_keeps_at_most_max_lines() -> None:
    view = TranscriptView(max_lines=10, show_thinking=False)
    app = TranscriptHost(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.add(Entry("assistant", EntryKind.THINKING, "\n".join(f"thought {i}" for i in range(6))))
        for i in range(7):
            view.add(Entry("assistant", EntryKind.TEXT, f"line {i}"))
        view.flush()
        # three of the six thought lines remain: still one "[thinking hidden]" for them
        assert view.line_count == 10
        assert view.plain_lines() == [THINKING_HIDDEN, *(f"line {i}" for i in range(7))]
        for i in range(7, 30):
            view.add(Entry("assistant", EntryKind.TEXT, f"line {i}"))
            view.flush()
        assert view.line_count == 10
        assert view.plain_lines() == [f"line {i}" for i in range(20, 30)]
        await pilot.pause()
        assert drawn(view)[:11] == [*(f"line {i}" for i in range(20, 30)), ""]
        view.show_thinking = True
        assert view.plain_lines() == [f"line {i}" for i in range(20, 30)]


async def test_cycle_header_and_footer_and_long_lines_wrap() -> None:
    view = TranscriptView()
    app = TranscriptHost(view)
    async with app.run_test(size=(40, 12)) as pilot:
        view.open_cycle("cyc-3f9a1c2b7d4e", "HK", datetime(2026, 11, 20, 10, 35), "rules")
        view.add(Entry("assistant", EntryKind.TEXT, "word " * 20))
        view.flush()
        view.close_cycle("done", Decimal("0.0123"))
        lines = view.plain_lines()
        assert lines[0] == "── 10:35 HK cycle cyc-3f9a1c2b7d4e (rules) ──"
        assert lines[-1] == "── cycle cyc-3f9a1c2b7d4e done, model cost USD 0.0123 ──"
        await pilot.pause()
        rows = drawn(view)
        assert all(len(row) <= view.scrollable_content_region.width for row in rows)
        assert sum(row.count("word") for row in rows) == 20  # wrapped, nothing cut


async def test_the_transcript_follows_new_lines_unless_the_operator_scrolled_up() -> None:
    view = TranscriptView()
    app = TranscriptHost(view)
    async with app.run_test(size=(80, 12)) as pilot:
        for i in range(40):
            view.add(Entry("assistant", EntryKind.TEXT, f"line {i}"))
        view.flush()
        await pilot.pause()
        assert drawn(view)[-1] == "line 39"
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        view.add(Entry("assistant", EntryKind.TEXT, "line 40"))
        view.flush()
        await pilot.pause()
        assert drawn(view)[0] == "line 0"  # reading back: not pulled to the end
        view.scroll_end(animate=False, immediate=True)
        view.add(Delta(EntryKind.TEXT, "streaming"))
        view.flush()
        await pilot.pause()
        assert drawn(view)[-2:] == ["line 40", "streaming"]
