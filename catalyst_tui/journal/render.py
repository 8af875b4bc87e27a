"""A journal report as JSON, CSV or a table for the terminal.

JSON and CSV carry every column, exactly: Decimals as plain strings ("402.20", never a float nor 4.022E+2), times
as ISO 8601 in UTC with their offset. The table is for reading: the main columns only, times in this machine's time
zone, long text cut with …, and columns left out (least useful first) when the terminal is too narrow for them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from catalyst_tui.journal.report import Kind, Report, Row

MIN_FLEX = 10  # a free-text column is never cut narrower than this
MAX_FLEX = 60  # nor drawn wider, so one long reason does not stretch every line
GAP = "  "


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def render(report: Report, fmt: Format, width: int = 120) -> str:
    """The whole output, ending in a newline; `width` is the terminal's, for the table."""
    if fmt is Format.JSON:
        return json.dumps([{c: plain(row[c]) for c in report.columns} for row in report.rows], indent=2) + "\n"
    if fmt is Format.CSV:
        return _csv(report)
    return _table(report, width)


def plain(value: Any) -> Any:
    """A value JSON and CSV can hold without losing anything."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report.columns)
    writer.writerows([["" if row[c] is None else plain(row[c]) for c in report.columns] for row in report.rows])
    return out.getvalue()


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Row], str]
    right: bool = False  # numbers line up on the right
    flex: bool = False  # free text: cut to fit the terminal
    drop: int = 0  # above 0: left out when the terminal is too narrow, the highest first


def text(name: str) -> Callable[[Row], str]:
    return lambda row: "-" if row[name] is None or row[name] == "" else " ".join(str(row[name]).split())


def number(name: str) -> Callable[[Row], str]:
    return lambda row: "-" if row[name] is None else str(plain(row[name]))


def local_time(name: str) -> Callable[[Row], str]:
    return lambda row: "-" if row[name] is None else row[name].astimezone().strftime("%Y-%m-%d %H:%M")


def _price(row: Row) -> str:
    """A limit order's limit, a stop order's stop, a market order's nothing."""
    value = row["limit_price"] if row["limit_price"] is not None else row["stop_price"]
    return "-" if value is None else str(plain(value))


def _cache(row: Row) -> str:
    return f"{row['cache_read_tokens'] or 0}/{row['cache_write_tokens'] or 0}"


TABLES: dict[Kind, tuple[Column, ...]] = {
    Kind.CYCLES: (
        Column("started", local_time("started_at")), Column("id", text("id"), drop=3),
        Column("market", text("market")), Column("trigger", text("trigger"), drop=4),
        Column("brain", text("brain"), drop=2), Column("model", text("model"), drop=6),
        Column("outcome", text("outcome")), Column("tok in", number("input_tokens"), right=True, drop=1),
        Column("tok out", number("output_tokens"), right=True, drop=1),
        Column("cache r/w", _cache, right=True, drop=5), Column("usd", number("cost_usd"), right=True),
        Column("error", text("error"), flex=True),
    ),
    Kind.DECISIONS: (
        Column("proposed", local_time("proposed_at")), Column("id", text("proposal_id"), drop=6),
        Column("symbol", text("symbol")), Column("side", text("side")),
        Column("qty", number("quantity"), right=True), Column("type", text("order_type"), drop=2),
        Column("limit", number("limit_price"), right=True, drop=3), Column("decision", text("decision")),
        Column("by", text("decided_by"), drop=1), Column("because", text("decision_reason"), flex=True, drop=4),
        Column("checks", text("checks"), flex=True), Column("reason", text("reason"), flex=True, drop=5),
    ),
    Kind.ORDERS: (
        Column("created", local_time("created_at")), Column("intent", text("intent_id"), drop=6),
        Column("symbol", text("symbol")), Column("side", text("side")),
        Column("qty", number("quantity"), right=True), Column("type", text("order_type"), drop=3),
        Column("price", _price, right=True), Column("role", text("role"), drop=5),
        Column("status", text("status")), Column("filled", number("filled"), right=True, drop=2),
        Column("decision", text("decision")), Column("by", text("decided_by"), drop=1),
        Column("reason", text("reason"), flex=True),
    ),
    Kind.FILLS: (
        Column("executed", local_time("executed_at")), Column("exec id", text("exec_id"), drop=4),
        Column("intent", text("intent_id"), drop=3), Column("symbol", text("symbol")),
        Column("side", text("side")), Column("qty", number("quantity"), right=True),
        Column("price", number("price"), right=True), Column("commission", number("commission"), right=True, drop=2),
        Column("realized", number("realized_pnl"), right=True, drop=1), Column("ccy", text("currency")),
    ),
}  # fmt: skip


def _table(report: Report, width: int) -> str:
    if not report.rows:
        return f"no {report.kind} {_when(report.since)}\n"
    columns = list(TABLES[report.kind])
    cells = {c.header: [c.cell(row) for row in report.rows] for c in columns}
    widths = {c.header: _natural(c, cells[c.header]) for c in columns}
    _fit(columns, widths, width)
    rows = [[c.header for c in columns], ["-" * widths[c.header] for c in columns]]
    rows += [[cells[c.header][i] for c in columns] for i in range(len(report.rows))]
    return "".join(_line(columns, row, widths) + "\n" for row in rows)


def _when(since: datetime | None) -> str:
    if since is None:
        return "in the journal"
    return f"since {since.astimezone().strftime('%Y-%m-%d %H:%M %Z')}"


def _natural(column: Column, cells: list[str]) -> int:
    widest = max(len(column.header), *(len(cell) for cell in cells))
    return min(widest, MAX_FLEX) if column.flex else widest


def _fit(columns: list[Column], widths: dict[str, int], width: int) -> None:
    """Leave out columns by their `drop` rank until the rest fit with free text at MIN_FLEX (narrower still if
    nothing is left to drop), then share what room is left among the free-text columns, up to their natural widths.
    """
    natural = dict(widths)
    for column in columns:
        if column.flex:
            widths[column.header] = min(natural[column.header], max(MIN_FLEX, len(column.header)))

    def total() -> int:
        return sum(widths[c.header] for c in columns) + len(GAP) * (len(columns) - 1)

    for column in sorted((c for c in columns if c.drop), key=lambda c: -c.drop):
        if total() <= width:
            break
        columns.remove(column)
    for column in [c for c in columns if c.flex]:  # the last resort: free text down to its header's width
        widths[column.header] -= max(min(total() - width, widths[column.header] - len(column.header)), 0)
    flexible = sorted((c for c in columns if c.flex), key=lambda c: natural[c.header])
    for left, column in enumerate(flexible):
        share = max(width - total(), 0) // (len(flexible) - left)
        widths[column.header] = min(natural[column.header], widths[column.header] + share)


def _line(columns: list[Column], cells: list[str], widths: dict[str, int]) -> str:
    parts = []
    for column, cell in zip(columns, cells, strict=True):
        size = widths[column.header]
        cell = cell if len(cell) <= size else cell[: size - 1] + "…"
        parts.append(cell.rjust(size) if column.right else cell.ljust(size))
    return GAP.join(parts).rstrip()
