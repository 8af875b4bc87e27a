"""The positions pane: HKEX and US holdings in one table, with a TOTAL row in the account's base currency.

`KeyedTable` is the diff-and-patch `DataTable` the positions and orders panes share: `clear()` would reset the
cursor (the operator loses the row they were on) and `update_cell` on an unchanged value still re-renders every
visible cell, so each `show()` touches only the cells whose text changed and keeps the cursor on its row by key.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from catalyst_tui.models import Position
from widgets.quotes import MISSING, format_price
from widgets.scrolling import SteadyScrollbars

TOTAL_KEY = "__total__"
"""Row key of the TOTAL row; no instrument displays as this."""


def format_money(value: Decimal | None, *, signed: bool = False) -> str:
    """Money with thousands separators and 2 decimals ("-1,234.56"); "-" when unknown, never "0.00".

    `signed` puts "+" on gains, so a P&L reads right without colour.
    """
    if value is None or not value.is_finite():
        return MISSING
    q = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if q == 0:
        return "0.00"  # never "-0.00"
    return f"{q:+,.2f}" if signed else f"{q:,.2f}"


def format_quantity(value: Decimal | None) -> str:
    """A share count as written: "1,000", "-200", "0.5" (no trailing zeros)."""
    if value is None or not value.is_finite():
        return MISSING
    if value == 0:
        return "0"
    return f"{value.normalize():,f}"


def sum_known(values: Sequence[Decimal | None]) -> tuple[Decimal | None, int]:
    """The sum of the known values and how many were unknown; None when nothing is known, so an unpriced
    book shows "-" rather than a reassuring 0.00."""
    known = [v for v in values if v is not None]
    return (sum(known, Decimal(0)) if known else None), len(values) - len(known)


class KeyedTable(SteadyScrollbars, DataTable[Text]):
    """A `DataTable` patched in place from rows keyed by a stable string.

    Subclasses set `COLUMNS` as (key, label, right-aligned) and call `patch()` with every row they want shown,
    in order. Rows whose text is unchanged are not touched; new and departed rows are added and removed; a row
    that must move is re-added (rare: a new position sorting into the middle, a bracket child arriving late).
    """

    COLUMNS: ClassVar[tuple[tuple[str, str, bool], ...]] = ()

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes, cursor_type="row")
        self._shown: dict[str, tuple[str, ...]] = {}  # row key -> the text of each cell, as drawn

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        # Columns need the app's console to measure their labels, so they are added once mounted.
        if not self.columns:
            for key, label, right in self.COLUMNS:
                self.add_column(Text(label, justify="right" if right else "left"), key=key)

    def shown_rows(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every row as (key, cell texts), top to bottom: what the operator sees, for tests and copying."""
        return [(row.key.value or "", self._shown[row.key.value or ""]) for row in self.ordered_rows]

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def patch(self, rows: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        """Make the table show exactly `rows` (key, cell texts), in that order, changing as little as possible."""
        self._ensure_columns()
        under_cursor = self.cursor_key()
        wanted = dict(rows)
        order = list(dict.fromkeys(key for key, _ in rows))  # a key given twice is shown once
        current = [row.key.value or "" for row in self.ordered_rows]
        for key in current:
            if key not in wanted:
                self._drop(key)
        current = [key for key in current if key in wanted]
        prefix = 0
        while prefix < min(len(current), len(order)) and current[prefix] == order[prefix]:
            prefix += 1
        for key in current[prefix:]:  # out of place: re-added below, in order
            self._drop(key)
        for key in order[:prefix]:
            self._update(key, wanted[key])
        for key in order[prefix:]:
            self.add_row(*self._cells(wanted[key]), key=key)
            self._shown[key] = wanted[key]
        if under_cursor in self._shown:
            index = self.get_row_index(under_cursor)
            if index != self.cursor_row:
                self.move_cursor(row=index)

    def _drop(self, key: str) -> None:
        self.remove_row(key)
        del self._shown[key]

    def _update(self, key: str, texts: tuple[str, ...]) -> None:
        old = self._shown[key]
        for (column, _, right), before, after in zip(self.COLUMNS, old, texts, strict=True):
            if before != after:
                # Re-measuring the column is costly: only when the new text is wider than the column's content.
                wider = cell_len(after) > self.columns[column].content_width  # type: ignore[index]
                self.update_cell(key, column, self._cell(after, right), update_width=wider)
        self._shown[key] = texts

    def _cells(self, texts: tuple[str, ...]) -> list[Text]:
        return [self._cell(text, right) for text, (_, _, right) in zip(texts, self.COLUMNS, strict=True)]

    @staticmethod
    def _cell(text: str, right: bool) -> Text:
        # Text, not str: DataTable reads a str as markup, and a "[" in a symbol or a reason must stay literal.
        return Text(text, justify="right" if right else "left", no_wrap=True, end="")


def position_cells(position: Position) -> tuple[str, ...]:
    """One position's row. Local columns are in the instrument's own currency (HKEX: HKD, US: USD)."""
    instrument = position.instrument
    return (
        instrument.display,
        instrument.market.value,
        format_quantity(position.quantity),
        format_price(position.avg_cost),
        format_price(position.market_price),
        format_money(position.market_value),
        format_money(position.market_value_base),
        format_money(position.unrealized_pnl, signed=True),
        format_money(position.unrealized_pnl_base, signed=True),
    )


def total_cells(positions: Sequence[Position]) -> tuple[str, ...]:
    """The TOTAL row: base-currency sums only (local currencies do not add up); a position without a price or an
    exchange rate is left out, and the row says how many were."""
    value, unknown_value = sum_known([p.market_value_base for p in positions])
    pnl, unknown_pnl = sum_known([p.unrealized_pnl_base for p in positions])
    unknown = max(unknown_value, unknown_pnl)
    return ("TOTAL", "", "", "", "", f"{unknown} excluded" if unknown else "", format_money(value),
            "", format_money(pnl, signed=True))  # fmt: skip


class PositionsTable(KeyedTable):
    """Every position, HKEX first then US, by symbol, and a final TOTAL row in the base currency."""

    COLUMNS: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("symbol", "Symbol", False),
        ("market", "Mkt", False),
        ("qty", "Qty", True),
        ("avg_cost", "Avg cost", True),
        ("last", "Last", True),
        ("value", "Value", True),
        ("value_base", "Value base", True),
        ("pnl", "Unrl P&L", True),
        ("pnl_base", "Unrl base", True),
    )
    BASE_LABELS: ClassVar[dict[str, str]] = {"value_base": "Value {}", "pnl_base": "Unrl {}"}

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._base_currency = ""

    def show(self, positions: Sequence[Position], base_currency: str) -> None:
        """Patch the table to these positions; unchanged cells are not touched and the cursor stays on its row."""
        self._ensure_columns()
        self._label_base(base_currency)
        ordered = sorted(positions, key=lambda p: (p.instrument.market.value, p.instrument.display))
        rows = [(p.instrument.display, position_cells(p)) for p in ordered]
        self.patch([*rows, (TOTAL_KEY, total_cells(ordered))] if rows else [])

    def _label_base(self, base_currency: str) -> None:
        """Name the base currency in the headers; it is known once the account arrives and then never changes."""
        if base_currency == self._base_currency:
            return
        self._base_currency = base_currency
        for key, label in self.BASE_LABELS.items():
            column = self.columns[key]  # type: ignore[index]
            column.label = Text(label.format(base_currency), justify="right")
            column.content_width = max(column.content_width, cell_len(column.label.plain))
        self._clear_caches()  # the header row is cached like any other row
        self.refresh()
