"""Ranks a universe of symbols for the `scan_market` tool: who is moving, and on what volume.

Pure arithmetic on bars and quotes the caller already fetched. The rule that shapes this module: a symbol whose data
is missing is kept, at the bottom, with a note saying what is missing — never dropped and never scored as if the
missing number were 0. (In the field, missing data written as 0 made the scanner find nothing for days while every
health check said healthy; a row reading "no quote" would have shown the fault on the first scan.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from catalyst_tui.agent.technicals import display, price_places
from catalyst_tui.broker_models import Bar
from catalyst_tui.models import Quote

MOMENTUM_SESSIONS = 5  # momentum compares the last price with the close this many sessions before today
VOLUME_SESSIONS = 20  # the average daily volume is taken over up to this many past sessions…
MIN_VOLUME_SESSIONS = 10  # …and needs at least this many (a HK holiday week can leave 30 days with < 20 sessions)
CHANGE_WEIGHT = Decimal(2)  # today's move counts double: the scan is for what is moving now
VOLUME_BOOST_FROM = Decimal("1.5")  # volume below 1.5× normal does not confirm a move
MAX_VOLUME_BOOST = Decimal(2)  # so one freak print, or a ratio early in the session, cannot dominate the ranking


@dataclass(frozen=True)
class ScanInput:
    """What the scanner knows of one symbol.

    `bars` are daily bars, oldest first (about 30 days), dated at the market's midnight as the adapter gives them;
    the last may be today's partial bar. `today` is the market's trading date, so today's bar can be told from past
    sessions without this module reading a clock. `session_fraction` is how much of today's regular session has
    elapsed, 0 to 1; without it today's volume is compared with a whole day's.
    """

    symbol: str
    bars: Sequence[Bar]
    quote: Quote | None
    today: date
    session_fraction: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "bars", tuple(self.bars))


@dataclass(frozen=True)
class ScanRow:
    """One symbol's scan result. Percentages are in percent (1.5 means 1.5%); any figure may be None.

    `score` is None when the symbol could not be ranked; `note` then says why, and otherwise lists any lesser gaps
    (e.g. "no open today") so the model knows which figures are absent rather than zero.
    """

    symbol: str
    last: Decimal | None
    change_pct: Decimal | None
    momentum_pct: Decimal | None
    gap_pct: Decimal | None
    volume_ratio: Decimal | None
    score: Decimal | None
    note: str = field(default="")


def _pct(now: Decimal, before: Decimal) -> Decimal | None:
    """Percent change; None when the base is not a positive price (a 0 base is missing data, not a price)."""
    if before <= 0:
        return None
    return (now - before) / before * 100


def score_of(momentum_pct: Decimal | None, change_pct: Decimal | None, volume_ratio: Decimal | None) -> Decimal | None:
    """momentum + 2 × change, multiplied by a volume boost; None unless both momentum and change are known.

    The boost is 1 up to a volume ratio of 1.5, then ratio / 1.5, capped at 2 (reached at 3× normal volume). It
    multiplies the whole score, so heavy volume pushes a strong rise up and a heavy sell-off further down: volume
    confirms a move in either direction. A missing volume ratio means no boost, not a penalty.
    """
    if momentum_pct is None or change_pct is None:
        return None
    boost = Decimal(1)
    if volume_ratio is not None and volume_ratio > VOLUME_BOOST_FROM:
        boost = min(volume_ratio / VOLUME_BOOST_FROM, MAX_VOLUME_BOOST)
    return (momentum_pct + CHANGE_WEIGHT * change_pct) * boost


def scan_row(item: ScanInput) -> ScanRow:
    """Compute one symbol's figures and score, noting each one that cannot be computed and why.

    - last: the quote's last price (a non-positive last is treated as missing).
    - change_pct: last vs the quote's previous close, or the previous session's bar close if the quote has none.
    - momentum_pct: last vs the close `MOMENTUM_SESSIONS` sessions before today.
    - gap_pct: today's open (from the last bar, only if it is dated today) vs the previous session's close.
    - volume_ratio: today's volume (the quote's, else today's bar's) / the average of up to 20 past sessions,
      divided by `session_fraction` when given, so 1.0 means "normal for this time of day" — assuming volume
      builds evenly through the session, which overstates the ratio just after the open.
    """
    quote = item.quote
    notes: list[str] = []
    past = [b for b in item.bars if b.time.date() < item.today]
    today_bar = item.bars[-1] if item.bars and item.bars[-1].time.date() == item.today else None

    last = None
    if quote is None:
        notes.append("no quote")
    elif quote.last is None or quote.last <= 0:
        notes.append("no last price")
    else:
        last = quote.last

    change_pct = None
    prev_close = quote.prev_close if quote is not None and quote.prev_close else None
    if prev_close is None and past:
        prev_close = past[-1].close
    if prev_close is None:
        notes.append("no previous close")
    elif last is not None:
        change_pct = _pct(last, prev_close)
        if change_pct is None:
            notes.append("bad previous close")

    momentum_pct = None
    if len(past) < MOMENTUM_SESSIONS:
        notes.append(f"only {len(past)} past sessions, momentum needs {MOMENTUM_SESSIONS}")
    elif last is not None:
        momentum_pct = _pct(last, past[-MOMENTUM_SESSIONS].close)
        if momentum_pct is None:
            notes.append(f"bad close {MOMENTUM_SESSIONS} sessions ago")

    gap_pct = None
    if today_bar is None:
        notes.append("no open today")
    elif past:
        gap_pct = _pct(today_bar.open, past[-1].close)

    volume_ratio = _volume_ratio(quote, today_bar, past, item.session_fraction, notes)
    score = score_of(momentum_pct, change_pct, volume_ratio)
    return ScanRow(item.symbol, last, change_pct, momentum_pct, gap_pct, volume_ratio, score, "; ".join(notes))


def _volume_ratio(
    quote: Quote | None, today_bar: Bar | None, past: Sequence[Bar], fraction: Decimal | None, notes: list[str]
) -> Decimal | None:
    volume = quote.volume if quote is not None and quote.volume is not None else None
    if volume is None and today_bar is not None:
        volume = today_bar.volume
    if volume is None:
        notes.append("no volume today")
        return None
    history = past[-VOLUME_SESSIONS:]
    if len(history) < MIN_VOLUME_SESSIONS:
        notes.append(f"only {len(history)} past sessions, volume ratio needs {MIN_VOLUME_SESSIONS}")
        return None
    average = sum((b.volume for b in history), Decimal(0)) / len(history)
    if average <= 0:
        notes.append("no past volume")
        return None
    if fraction is None:
        return volume / average
    if fraction <= 0:
        notes.append("session not started, no volume ratio")
        return None
    return volume / (average * min(fraction, Decimal(1)))


def rank(rows_input: Iterable[ScanInput], limit: int) -> list[ScanRow]:
    """The `limit` best-scoring symbols, highest score first, then every symbol that could not be scored.

    Unscored rows are always returned, in input order, whatever `limit` is: the limit trims the ranking, never the
    evidence that data is missing. Ties in score go to the symbol name so the order is the same on every run.
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, not {limit}")
    rows = [scan_row(item) for item in rows_input]
    scored = sorted((-r.score, r.symbol, i) for i, r in enumerate(rows) if r.score is not None)
    return [rows[i] for _, _, i in scored[:limit]] + [r for r in rows if r.score is None]


def describe_scan(rows: Sequence[ScanRow]) -> str:
    """A compact fixed-width table for the model: scored rows first, then unscored symbols grouped by reason.

    Missing figures read "n/a". Percentages and scores have 2 decimals, the volume ratio 1 with an "x".
    """
    if not rows:
        return "scan: no symbols"
    scored = [r for r in rows if r.score is not None]
    lines: list[str] = []
    if scored:
        width = max(len("symbol"), *(len(r.symbol) for r in scored))
        header = f"{'symbol':<{width}} {'last':>10} {'chg%':>7} {'mom5%':>7} {'gap%':>7} {'vol':>6} {'score':>7}"
        lines.append(header)
        for r in scored:
            ratio = "n/a" if r.volume_ratio is None else display(r.volume_ratio, 1) + "x"
            line = (
                f"{r.symbol:<{width}} {display(r.last, price_places(r.last)):>10} "
                f"{_signed(r.change_pct):>7} {_signed(r.momentum_pct):>7} {_signed(r.gap_pct):>7} "
                f"{ratio:>6} {display(r.score, 2):>7}"
            )
            lines.append(f"{line}  ({r.note})" if r.note else line)
    else:
        lines.append("no symbol could be scored")
    groups: dict[str, list[str]] = {}
    for r in rows:
        if r.score is None:
            groups.setdefault(r.note or "not scored", []).append(r.symbol)
    lines += [f"not scored ({reason}): {', '.join(symbols)}" for reason, symbols in groups.items()]
    return "\n".join(lines)


def _signed(value: Decimal | None) -> str:
    return display(value, 2, signed=True)
