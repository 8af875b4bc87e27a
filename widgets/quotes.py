"""The streaming quote board: one line per symbol, drawn with the line API.

A `DataTable` re-renders every visible cell whenever one cell changes (its update counter is part of every cell's
cache key), which costs most of a core at quote rates. Here each row is one cached `Strip`, rebuilt and refreshed
only when its text changed, so a 10 Hz flush of hundreds of quotes costs a few percent.

The text alone carries every meaning (signs, "STALE", "DLY", "-" for a value the feed has not given), so the board
reads the same with NO_COLOR; colour only repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import ClassVar, NamedTuple, TypeGuard

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from catalyst_tui.models import Quote
from widgets.scrolling import SteadyScrollbars
from widgets.strips import StyleMemo, rendered

MISSING = "-"
"""What a value the market has not given looks like: never 0, which would be a price."""

# (header, width, right-aligned): the board is 76 cells wide, so it fits an 80-column pane with its border.
COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("Symbol", 8, False),
    ("Last", 9, True),
    ("Chg%", 7, True),
    ("Bid", 9, True),
    ("Ask", 9, True),
    ("Age", 4, True),
    ("Flags", 9, False),
    ("Volume", 8, True),
)  # what a narrow pane cuts off last is what matters least: the volume
LINE_WIDTH = sum(width for _, width, _ in COLUMNS) + len(COLUMNS) - 1
_CHANGE_COLUMN = 2


def _usable(value: Decimal | None) -> TypeGuard[Decimal]:
    """A feed can hand over NaN or infinity; neither is a price anyone should read."""
    return value is not None and value.is_finite()


def format_price(value: Decimal | None) -> str:
    """A price with thousands separators and 2 to 4 decimals: HKEX ticks go down to 0.001, IB's average costs
    carry many more digits than anyone reads."""
    if not _usable(value):
        return MISSING
    q = value.quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
    if q == 0:
        q = q.copy_abs()  # never "-0.00"
    whole, _, frac = f"{q:,.4f}".partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def format_change(pct: Decimal | None) -> str:
    """A change in percent with its sign, so up and down read without colour."""
    if not _usable(pct):
        return MISSING
    q = pct.quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return "0.00%" if q == 0 else f"{q:+.2f}%"


def format_volume(volume: Decimal | None) -> str:
    """Volume in at most 8 cells: exact below 100,000, then K, M and B."""
    if not _usable(volume):
        return MISSING
    n = int(volume)
    for limit, divisor, suffix in ((10**5, 1, ""), (10**6, 10**3, "K"), (10**9, 10**6, "M")):
        if abs(n) < limit:
            return f"{n:,}" if divisor == 1 else f"{n / divisor:.1f}{suffix}"
    return f"{n / 10**9:.2f}B"


def age_text(age: timedelta | None) -> str:
    """How old the last tick is, coarsely ("3s", "2m", "1h", "4d"); "-" before the first tick."""
    if age is None:
        return MISSING
    seconds = max(0, int(age.total_seconds()))  # a tick stamped a little ahead of our clock is fresh, not negative
    for limit, unit, size in ((60, "s", 1), (3600, "m", 60), (86400, "h", 3600)):
        if seconds < limit:
            return f"{seconds // size}{unit}"
    return f"{seconds // 86400}d"


def quote_flags(quote: Quote | None) -> str:
    """The words that say a quote cannot be trusted as live: "STALE" (no ticks lately), "DLY" (delayed data)."""
    if quote is None:
        return ""
    return " ".join(word for word, on in (("STALE", quote.stale), ("DLY", quote.delayed)) if on)


def quote_cells(symbol: str, quote: Quote | None, now: datetime) -> tuple[str, ...]:
    """The text of each column for one symbol; `quote` is None while the feed has sent nothing for it."""
    if quote is None:
        return (symbol, MISSING, MISSING, MISSING, MISSING, MISSING, "", MISSING)
    return (
        symbol,
        format_price(quote.last),
        format_change(quote.change_pct),
        format_price(quote.bid),
        format_price(quote.ask),
        age_text(quote.age(now)),
        quote_flags(quote),
        format_volume(quote.volume),
    )


def quote_line(cells: tuple[str, ...]) -> str:
    """Cells laid out in the fixed columns; a number wider than its column pushes on rather than being cut."""
    parts = []
    for text, (_, width, right) in zip(cells, COLUMNS, strict=True):
        parts.append(f"{text:>{width}}" if right else f"{text[:width]:<{width}}")
    return " ".join(parts).rstrip()


HEADER = quote_line(tuple(header for header, _, _ in COLUMNS))


class _Row(NamedTuple):
    """One rendered row, compared as a whole to decide whether its line needs repainting."""

    text: str
    stale: bool
    delayed: bool
    direction: int  # sign of the change: -1, 0, 1


def _row(symbol: str, quote: Quote | None, now: datetime) -> _Row:
    cells = quote_cells(symbol, quote, now)
    change = quote.change_pct if quote is not None else None
    direction = 0 if change is None or change == 0 else (1 if change > 0 else -1)
    stale, delayed = (quote.stale, quote.delayed) if quote is not None else (False, False)
    return _Row(quote_line(cells), stale, delayed, direction)


def _span(column: int) -> tuple[int, int]:
    start = sum(width + 1 for _, width, _ in COLUMNS[:column])
    return start, start + COLUMNS[column][1]


class LiveQuotes(Mapping[str, "Quote | None"]):
    """Symbols in display order, each quote read only when asked for: the board reads only the rows it shows."""

    def __init__(self, symbols: Sequence[str], quote_of: Callable[[str], Quote | None]) -> None:
        self._symbols = tuple(dict.fromkeys(symbols))
        self._known = frozenset(self._symbols)
        self._quote_of = quote_of

    def __getitem__(self, symbol: str) -> Quote | None:
        if symbol not in self._known:
            raise KeyError(symbol)
        return self._quote_of(symbol)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._symbols)

    def __len__(self) -> int:
        return len(self._symbols)


class QuoteBoard(SteadyScrollbars, ScrollView, can_focus=True):
    """Latest quote per symbol, one line each under a fixed header line.

    `show()` is called by the app at its flush rate with the symbols in the order it wants them; a symbol keeps
    its row for as long as it is shown (an updating quote never moves), new symbols append at the bottom, and a
    symbol the app stops sending is removed (the rows below it move up by one).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "quote-board--header",
        "quote-board--stale",
        "quote-board--delayed",
        "quote-board--up",
        "quote-board--down",
    }
    DEFAULT_CSS = """
    QuoteBoard { height: 1fr; }
    QuoteBoard > .quote-board--header { text-style: bold; }
    QuoteBoard > .quote-board--stale { color: $error; text-style: dim; }
    QuoteBoard > .quote-board--delayed { text-style: dim; }
    QuoteBoard > .quote-board--up { color: $success; }
    QuoteBoard > .quote-board--down { color: $error; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._symbols: list[str] = []
        self._rows: list[_Row | None] = []  # as last read; trusted only for the rows on screen then (`_fresh`)
        self._quotes: Mapping[str, Quote | None] = {}
        self._now = datetime.min.replace(tzinfo=UTC)
        self._fresh = range(0)  # the rows on screen at the last show(): read then, so their rows are current
        self._strips: dict[int, Strip] = {}  # row index -> the row's uncropped line
        self._header: Strip | None = None
        self._styles = StyleMemo(self)
        self._read: dict[str, tuple[Quote | None, int]] = {}  # symbol → the quote its row was made from, and when

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols in display order."""
        return tuple(self._symbols)

    def row_text(self, index: int) -> str:
        """The plain text of one row, as it is drawn (for tests and for copying)."""
        return self._row_at(index).text

    def show(self, quotes: Mapping[str, Quote | None], now: datetime) -> None:
        """Patch the board to `quotes` (in display order), repainting only the lines whose text changed.

        Only the rows on screen are read from `quotes` now; the others are read when they scroll into view, so
        `quotes` may be a lazy mapping and a board of hundreds of symbols costs what its visible rows cost.
        `now` comes from the app's clock: ages are computed from it, never from the system clock.
        """
        self._quotes, self._now = quotes, now
        order = list(quotes)
        if order != self._symbols:
            self._follow(order)
        self._fresh = shown = self._shown_rows()
        second = int(now.timestamp())  # the age column counts seconds
        for index in shown:
            symbol = self._symbols[index]
            quote = quotes[symbol]
            if self._rows[index] is not None and self._read.get(symbol) == (quote, second):
                continue  # the same quote object in the same second: the same row
            self._read[symbol] = (quote, second)
            row = _row(symbol, quote, now)
            if row != self._rows[index]:
                self._rows[index] = row
                self._strips.pop(index, None)
                self._refresh_row(index)
        size = Size(LINE_WIDTH, len(self._rows) + 1)
        if self.virtual_size != size:
            self.virtual_size = size

    def _refresh_row(self, index: int) -> None:
        """Repaint one row's line, and only the board's own cells.

        ScrollView.refresh_line marks the whole virtual width, which reaches over the scrollbar whenever the board
        is wider than its pane: the scrollbar was then drawn again with every row that changed."""
        line = index + 1 - self.scroll_offset.y  # line 0 is the header
        self.refresh(Region(0, line, self.scrollable_content_region.width, 1))

    def _follow(self, order: list[str]) -> None:
        """Drop the symbols no longer given (the rows below move up) and append the new ones at the bottom."""
        wanted = set(order)
        if any(symbol not in wanted for symbol in self._symbols):
            kept = [(s, r) for s, r in zip(self._symbols, self._rows, strict=True) if s in wanted]
            self._symbols = [s for s, _ in kept]
            self._rows = [r for _, r in kept]
            self._read = {s: read for s, read in self._read.items() if s in wanted}
            self._strips.clear()
            self.refresh()  # rows moved up: every line below the first removed one is now different
        known = set(self._symbols)
        for symbol in order:
            if symbol not in known:
                self._symbols.append(symbol)
                self._rows.append(None)
                known.add(symbol)

    def _shown_rows(self) -> range:
        """The rows between the header and the horizontal scrollbar, if the board has one, right now."""
        top = self.scroll_offset.y
        return range(top, min(len(self._rows), top + max(0, self.scrollable_content_region.height - 1)))

    def _row_at(self, index: int) -> _Row:
        """A row read at the last `show()` if it was on screen then; otherwise read now (it has scrolled in)."""
        row = self._rows[index]
        if row is None or index not in self._fresh:
            symbol = self._symbols[index]
            fresh = _row(symbol, self._quotes.get(symbol), self._now)
            if fresh != row:
                self._rows[index] = fresh
                self._strips.pop(index, None)
            return fresh
        return row

    def notify_style_update(self) -> None:
        """A theme or CSS change restyles every line: drop the cached strips."""
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._header = None

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header and never scrolls; line y > 0 is row `scroll_y + y - 1`."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self._styles.base
        if y == 0:
            strip = self._header_strip(base)
        else:
            index = scroll_y + y - 1
            if not 0 <= index < len(self._rows):
                return Strip.blank(width, base)
            strip = self._row_strip(index, base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _header_strip(self, base: Style) -> Strip:
        if self._header is None:
            text = Text(HEADER, style=base + self._styles.component("quote-board--header"), end="")
            self._header = Strip(rendered(text, self.app.console), cell_len(HEADER))
        return self._header

    def _row_strip(self, index: int, base: Style) -> Strip:
        """Built straight from segments, not through rich's Text: a busy board rebuilds dozens of rows a second."""
        row = self._row_at(index)
        strip = self._strips.get(index)
        if strip is None:
            flags = [self._styles.component(c) for c, on in (("quote-board--delayed", row.delayed),
                                                              ("quote-board--stale", row.stale)) if on]  # fmt: skip
            whole = Style.chain(base, *flags)
            start, end = _span(_CHANGE_COLUMN)
            change = whole
            if row.direction:
                direction = self._styles.component("quote-board--up" if row.direction > 0 else "quote-board--down")
                change = Style.chain(base, direction, *flags)
            if change == whole:
                parts: tuple[tuple[str, Style], ...] = ((row.text, whole),)
            else:
                parts = ((row.text[:start], whole), (row.text[start:end], change), (row.text[end:], whole))
            strip = Strip([Segment(text, style) for text, style in parts if text], cell_len(row.text))
            self._strips[index] = strip
        return strip
