"""Each pane mounted in a real (headless) Textual app, shown twice: what changes on screen, and what must not.

The operator's cursor stays on the row it was on, unchanged cells are not touched (the cell object is the same
one), quote rows keep their places, and every meaning is in the text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.widget import Widget

from catalyst_tui.broker_models import LinkPhase, LinkState
from catalyst_tui.markets import normalize
from catalyst_tui.models import BracketRole, Order, OrderStatus, OrderType, Position, Quote, Side
from widgets.keybar import KeyBar
from widgets.orders import OrdersTable
from widgets.positions import TOTAL_KEY, PositionsTable
from widgets.quotes import QuoteBoard
from widgets.status import Banner, StatusBar
from widgets.transcript import TranscriptView

D = Decimal
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TENCENT, ALIBABA, AAPL, MSFT, NVDA = (normalize(s) for s in ("700", "9988", "AAPL", "MSFT", "NVDA"))


class OnePane(App[None]):
    """The smallest app that mounts one widget, as the console does."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def texts(table: PositionsTable | OrdersTable) -> list[tuple[str, tuple[str, ...]]]:
    """What the table holds, read back from its cells (not from the widget's own bookkeeping)."""
    return [(row.key.value or "", tuple(cell.plain for cell in table.get_row(row.key))) for row in table.ordered_rows]


# Positions


def positions(aapl_price: str = "180") -> list[Position]:
    return [
        Position(AAPL, D(10), D("170"), D(aapl_price), fx_rate=D(1)),
        Position(TENCENT, D(200), D("380"), D("390"), fx_rate=D("0.1282")),
    ]


async def test_positions_patch_only_the_cells_that_changed_and_keep_the_cursor() -> None:
    table = PositionsTable()
    async with OnePane(table).run_test(size=(120, 20)) as pilot:
        table.show(positions(), "USD")
        await pilot.pause()
        assert [key for key, _ in texts(table)] == ["0700.HK", "AAPL", TOTAL_KEY]
        assert [c.label.plain for c in table.ordered_columns][5:] == ["Value", "Value USD", "Unrl P&L", "Unrl USD"]
        table.move_cursor(row=1)
        before = {key: list(table.get_row(key)) for key in ("0700.HK", "AAPL")}

        table.show(positions(aapl_price="181.5"), "USD")
        await pilot.pause()

        assert table.cursor_row == 1 and table.cursor_key() == "AAPL"
        assert texts(table)[1] == ("AAPL", ("AAPL", "US", "10", "170.00", "181.50", "1,815.00", "1,815.00",
                                            "+115.00", "+115.00"))  # fmt: skip
        assert texts(table)[2] == (TOTAL_KEY, ("TOTAL", "", "", "", "", "", "11,814.60", "", "+371.40"))
        after = {key: list(table.get_row(key)) for key in ("0700.HK", "AAPL")}
        assert all(a is b for a, b in zip(before["0700.HK"], after["0700.HK"], strict=True))  # untouched
        unchanged = [a is b for a, b in zip(before["AAPL"], after["AAPL"], strict=True)]
        assert unchanged == [True, True, True, True, False, False, False, False, False]


async def test_a_new_position_sorts_into_place_and_the_cursor_follows_its_row() -> None:
    table = PositionsTable()
    async with OnePane(table).run_test(size=(120, 20)) as pilot:
        table.show(positions(), "HKD")
        await pilot.pause()
        table.move_cursor(row=1)  # AAPL
        table.show([*positions(), Position(ALIBABA, D(100), D("80"))], "HKD")
        await pilot.pause()
        assert [key for key, _ in texts(table)] == ["0700.HK", "9988.HK", "AAPL", TOTAL_KEY]
        assert table.cursor_key() == "AAPL" and table.cursor_row == 2
        assert texts(table)[1][1] == ("9988.HK", "HK", "100", "80.00", "-", "-", "-", "-", "-")
        assert texts(table)[3][1][5] == "1 excluded"

        table.show(positions()[1:], "HKD")  # AAPL closed: the cursor stays where it was, on the next row
        await pilot.pause()
        assert [key for key, _ in texts(table)] == ["0700.HK", TOTAL_KEY]
        assert table.cursor_key() == TOTAL_KEY

        table.show([], "HKD")
        await pilot.pause()
        assert table.row_count == 0 and table.cursor_key() is None


# Orders


def bracket(entry_status: OrderStatus = OrderStatus.SUBMITTED) -> list[Order]:
    return [
        Order("ord-a", TENCENT, Side.BUY, D(200), OrderType.LIMIT, entry_status, limit_price=D("380")),
        Order("ord-a:tp", TENCENT, Side.SELL, D(200), OrderType.LIMIT, OrderStatus.PRESUBMITTED,
              limit_price=D("400"), role=BracketRole.TAKE_PROFIT, parent_intent_id="ord-a"),
        Order("ord-a:sl", TENCENT, Side.SELL, D(200), OrderType.STOP, OrderStatus.PRESUBMITTED,
              stop_price=D("370"), role=BracketRole.STOP_LOSS, parent_intent_id="ord-a"),
    ]  # fmt: skip


def plain(filled: str = "0", status: OrderStatus = OrderStatus.SUBMITTED) -> Order:
    return Order("ord-b", AAPL, Side.SELL, D(100), OrderType.LIMIT, status, limit_price=D("181"), filled=D(filled))


async def test_orders_group_brackets_and_keep_the_highlighted_order() -> None:
    table = OrdersTable()
    async with OnePane(table).run_test(size=(120, 20)) as pilot:
        table.show([*bracket(), plain()])
        await pilot.pause()
        assert [(key, cells[0]) for key, cells in texts(table)] == [
            ("ord-a", "ord-a"), ("ord-a:sl", "  └ stop"), ("ord-a:tp", "  └ target"), ("ord-b", "ord-b"),
        ]  # fmt: skip
        assert texts(table)[1][1] == ("  └ stop", "0700.HK", "SELL", "200", "STP", "370.00", "PreSubmitted", "0/200")
        table.move_cursor(row=2)
        assert table.selected_intent() == "ord-a"  # cancelling the target cancels its bracket
        b_before = list(table.get_row("ord-b"))

        table.show([plain(filled="40"), *bracket()])  # a partial fill; the broker's order of orders changed
        await pilot.pause()
        assert [key for key, _ in texts(table)] == ["ord-a", "ord-a:sl", "ord-a:tp", "ord-b"]  # nothing moved
        assert table.cursor_row == 2 and table.selected_intent() == "ord-a"
        b_after = list(table.get_row("ord-b"))
        assert [a is b for a, b in zip(b_before, b_after, strict=True)] == [True] * 7 + [False]
        assert b_after[-1].plain == "40/60"


async def test_a_filled_entry_leaves_its_bracket_legs_showing_under_its_name() -> None:
    table = OrdersTable()
    async with OnePane(table).run_test(size=(120, 20)) as pilot:
        table.show([*bracket(), plain()])
        await pilot.pause()
        table.move_cursor(row=2)  # the target
        table.show([*bracket(OrderStatus.FILLED), plain()])
        await pilot.pause()
        assert [(key, cells[0]) for key, cells in texts(table)] == [
            ("ord-a:sl", "ord-a └ stop"), ("ord-a:tp", "ord-a └ target"), ("ord-b", "ord-b"),
        ]  # fmt: skip
        assert table.cursor_row == 1 and table.selected_intent() == "ord-a"
        assert table.selected_order() is not None and table.selected_order().intent_id == "ord-a:tp"  # type: ignore[union-attr]

        table.show([plain(status=OrderStatus.CANCELLED)])
        await pilot.pause()
        assert table.row_count == 0 and table.selected_intent() is None


# Quotes


def quote(instrument: object, last: str, *, age: float = 3, **kw: object) -> Quote:
    fields: dict[str, object] = {"bid": D(last) - D("0.2"), "ask": D(last), "volume": D(1_234_567),
                                 "prev_close": D("380"), **kw}  # fmt: skip
    return Quote(instrument, NOW - timedelta(seconds=age), last=D(last), **fields)  # type: ignore[arg-type]


def lines(board: QuoteBoard) -> list[str]:
    """The board as drawn, read through its line API."""
    return [board.render_line(y).text.rstrip() for y in range(board.size.height)]


async def test_the_quote_board_draws_values_flags_and_dashes() -> None:
    board = QuoteBoard()
    async with OnePane(board).run_test(size=(80, 10)) as pilot:
        board.show({"0700.HK": quote(TENCENT, "388.4"), "AAPL": quote(AAPL, "181", delayed=True), "MSFT": None}, NOW)
        await pilot.pause()
        drawn = lines(board)
        assert drawn[0].split() == ["Symbol", "Last", "Chg%", "Bid", "Ask", "Age", "Flags", "Volume"]
        assert drawn[1].split() == ["0700.HK", "388.40", "+2.21%", "388.20", "388.40", "3s", "1.2M"]
        assert drawn[2].split() == ["AAPL", "181.00", "-52.37%", "180.80", "181.00", "3s", "DLY", "1.2M"]
        assert drawn[3].split() == ["MSFT", "-", "-", "-", "-", "-", "-"]  # no tick yet: dashes, never 0
        assert drawn[4:] == [""] * 6
        assert board.virtual_size.height == 4


async def test_quote_rows_keep_their_places_and_only_changed_lines_repaint() -> None:
    board = QuoteBoard()
    async with OnePane(board).run_test(size=(80, 10)) as pilot:
        tencent = quote(TENCENT, "388.4")
        board.show({"0700.HK": tencent, "AAPL": quote(AAPL, "181"), "MSFT": None}, NOW)
        await pilot.pause()
        repainted: list[int] = []
        original = board.refresh

        def refresh(*regions: Region, **kwargs: Any) -> QuoteBoard:
            repainted.extend(region.y for region in regions)
            return original(*regions, **kwargs)

        board.refresh = refresh  # type: ignore[method-assign]

        later = NOW + timedelta(milliseconds=500)  # 0700.HK's age still reads 3s
        stale = quote(AAPL, "182", age=125, stale=True)
        board.show({"NVDA": quote(NVDA, "140"), "AAPL": stale, "0700.HK": tencent, "MSFT": None}, later)
        await pilot.pause()

        assert board.symbols == ("0700.HK", "AAPL", "MSFT", "NVDA")  # AAPL kept its row, NVDA appended
        assert repainted == [2, 4]  # the AAPL line and the new NVDA line, nothing else
        drawn = lines(board)
        assert drawn[2].split()[-3:-1] == ["2m", "STALE"]
        assert drawn[4].split()[0] == "NVDA"

        board.show({"AAPL": stale, "NVDA": quote(NVDA, "140")}, later)  # the app stopped showing two symbols
        await pilot.pause()
        assert board.symbols == ("AAPL", "NVDA")
        assert [line.split()[0] if line else "" for line in lines(board)[:4]] == ["Symbol", "AAPL", "NVDA", ""]


async def test_a_quote_with_no_new_tick_ages_on_screen_every_second() -> None:
    board = QuoteBoard()
    async with OnePane(board).run_test(size=(80, 6)) as pilot:
        tencent = quote(TENCENT, "388.4")  # 3 s old at NOW; the app passes the same quote while no tick comes
        for later, age in ((0, "3s"), (0.5, "3s"), (1, "4s"), (2, "5s")):
            board.show({"0700.HK": tencent}, NOW + timedelta(seconds=later))
            await pilot.pause()
            assert lines(board)[1].split()[5] == age


async def test_the_quote_board_scrolls_under_a_fixed_header() -> None:
    board = QuoteBoard()
    async with OnePane(board).run_test(size=(80, 6)) as pilot:
        board.show({f"S{n:02d}": None for n in range(20)}, NOW)
        await pilot.pause()
        board.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        drawn = [line.split()[0] if line else "" for line in lines(board)]
        assert drawn[0] == "Symbol" and drawn[-1] == "S19"


# Banner and status bar


async def test_the_banner_is_loud_for_live_money_and_a_halt() -> None:
    banner = Banner()
    async with OnePane(banner).run_test(size=(80, 5)) as pilot:
        banner.show("SIMULATED", "SUPERVISED", "ACTIVE")
        await pilot.pause()
        assert banner.text == " SIMULATED | SUPERVISED | ACTIVE " and not banner.has_class("-loud")
        banner.show("LIVE", "AUTOPILOT", "HALTED")
        await pilot.pause()
        assert banner.text == " !! LIVE !! | AUTOPILOT | !! HALTED !! "
        assert banner.has_class("-loud") and banner.has_class("-live") and banner.has_class("-halted")


async def test_the_status_bar_fits_its_width_and_counts_down_from_the_given_now() -> None:
    bar = StatusBar()
    link = LinkState(LinkPhase.CONNECTED, NOW)
    async with OnePane(bar).run_test(size=(80, 5)) as pilot:
        due = NOW + timedelta(minutes=5, seconds=10)
        bar.show(link, "open", "closed", due, NOW, D("-1234.56"), "USD", D("0.42"), "a note that will not fit")
        await pilot.pause()
        assert bar.text == "gateway connected | HKEX open | US closed | next in 5m 10s | P&L USD -1,234.56"
        bar.show(link, "open", "closed", due, NOW + timedelta(minutes=5), D("-1234.56"), "USD", D("0.42"))
        await pilot.pause()
        assert "next in 10s" in bar.text and len(bar.text) <= 80
        assert not bar.has_class("-alert")
        down = LinkState(LinkPhase.DOWN, NOW, attempt=4, reason="refused")
        bar.show(down, "open", "closed", None, NOW, None, "USD", None)
        await pilot.pause()
        assert bar.text.startswith("gateway DOWN (attempt 4): refused |") and bar.has_class("-alert")


async def test_plain_lines_keep_their_style() -> None:
    """rich draws a Text without spans unstyled: the header must still be bold, and a system note the warning
    colour, on lines where nothing else is styled."""
    board, transcript = QuoteBoard(), TranscriptView()
    async with TwoPanes(board, transcript).run_test(size=(80, 12)) as pilot:
        board.show({"MSFT": None}, NOW)
        transcript.note("the journal is back")
        transcript.flush()
        await pilot.pause()
        header = board.render_line(0)
        assert header.text.startswith("Symbol") and all(
            seg.style and seg.style.bold for seg in header if seg.text.strip()
        )
        warning = transcript.get_component_rich_style("transcript--system", partial=True).color
        note = next(line for line in (transcript.render_line(y) for y in range(5)) if "journal is back" in line.text)
        assert all(seg.style and seg.style.color == warning for seg in note if seg.text.strip())


class TwoPanes(App[None]):
    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets


class KeyedApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("a", "press('a')", "Alpha"), Binding("b", "press('b')", "Beta"),
                                             Binding("z", "press('z')", "Hidden", show=False)]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_press(self, key: str) -> None:
        self.pressed.append(key)


async def test_the_key_bar_shows_the_keys_and_a_click_presses_one() -> None:
    app = KeyedApp()
    async with app.run_test(size=(60, 3)) as pilot:
        bar = app.query_one(KeyBar)
        await pilot.pause()
        assert bar.text == " a Alpha  b Beta "  # the hidden binding is not shown
        await pilot.click(KeyBar, offset=(bar.text.index("Beta"), 0))
        await pilot.click(KeyBar, offset=(1, 0))
        assert app.pressed == ["b", "a"]
