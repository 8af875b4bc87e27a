from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalyst_tui.agent.scan import ScanInput, ScanRow, describe_scan, rank, scan_row, score_of
from catalyst_tui.broker_models import Bar
from catalyst_tui.markets import normalize
from catalyst_tui.models import Quote

D = Decimal
HK = ZoneInfo("Asia/Hong_Kong")
TODAY = date(2024, 3, 15)


def day_bar(day: date, close: str | int, open_: str | int | None = None, volume: str | int = 1000) -> Bar:
    """A daily bar dated at the market's midnight, as the adapter gives them."""
    c = D(close)
    o = c if open_ is None else D(open_)
    return Bar(datetime.combine(day, time(0), HK), o, max(o, c) + 1, min(o, c) - 1, c, D(volume))


def history(closes: list[int | str], volume: int = 1000) -> list[Bar]:
    """Past sessions ending yesterday, oldest first."""
    return [day_bar(TODAY - timedelta(days=len(closes) - i), c, volume=volume) for i, c in enumerate(closes)]


# 20 past sessions: the close 5 sessions ago is 96, yesterday's 100; every one traded 1000 shares
PAST = history([90] * 15 + [96, 97, 98, 99, 100])


def quote(symbol: str, last: str | None = "102", prev_close: str | None = "100", volume: str | None = "1500") -> Quote:
    return Quote(
        normalize(symbol),
        last=None if last is None else D(last),
        prev_close=None if prev_close is None else D(prev_close),
        volume=None if volume is None else D(volume),
    )


def item(symbol: str = "700", bars: list[Bar] | None = None, q: Quote | None = None, **kw: Decimal) -> ScanInput:
    bars = [*PAST, day_bar(TODAY, 102, open_=101)] if bars is None else bars
    return ScanInput(symbol, bars, quote(symbol) if q is None else q, TODAY, **kw)


def test_a_full_row_by_hand() -> None:
    row = scan_row(item(session_fraction=D("0.5")))
    assert row.last == D(102)
    assert row.change_pct == D(2)  # 102 vs 100
    assert row.momentum_pct == D("6.25")  # 102 vs 96, five sessions ago
    assert row.gap_pct == D(1)  # today's open 101 vs yesterday's close 100
    assert row.volume_ratio == D(3)  # 1500 so far / (1000 a day × half the session)
    assert row.score == D("20.5")  # (6.25 + 2 × 2) × boost min(3 / 1.5, 2) = 2
    assert row.note == ""


def test_without_a_session_fraction_volume_is_compared_with_a_whole_day() -> None:
    row = scan_row(item())
    assert row.volume_ratio == D("1.5")
    assert row.score == D("10.25")  # 1.5 is not above 1.5: no boost


def test_score_boost_is_capped_and_confirms_moves_both_ways() -> None:
    assert score_of(D(1), D(1), None) == D(3)
    assert score_of(D(1), D(1), D("1.5")) == D(3)
    assert score_of(D(1), D(1), D("2.25")) == D("4.5")  # boost 1.5
    assert score_of(D(1), D(1), D(6)) == D(6)  # boost capped at 2
    assert score_of(D(-1), D(-1), D(3)) == D(-6)  # a heavy sell-off sinks further
    assert score_of(None, D(1), D(3)) is None
    assert score_of(D(1), None, D(3)) is None


def test_no_quote_is_kept_and_noted_never_scored_as_zero() -> None:
    row = scan_row(ScanInput("700", [*PAST, day_bar(TODAY, 102, open_=101)], None, TODAY))
    assert (row.last, row.change_pct, row.momentum_pct, row.score) == (None, None, None, None)
    assert row.gap_pct == D(1)  # what the bars can still say, they say
    assert row.volume_ratio == D(1)  # today's bar volume, 1000, when there is no quote
    assert row.note == "no quote"


def test_a_quote_without_a_last_price() -> None:
    row = scan_row(item(q=quote("700", last=None)))
    assert row.score is None and row.last is None
    assert "no last price" in row.note


def test_too_few_bars_for_momentum() -> None:
    row = scan_row(item(bars=history([97, 98, 99, 100])))
    assert row.momentum_pct is None and row.score is None
    assert row.change_pct == D(2)
    assert "only 4 past sessions, momentum needs 5" in row.note
    assert "only 4 past sessions, volume ratio needs 10" in row.note


def test_todays_partial_bar_is_not_a_past_session() -> None:
    four_and_today = [*history([97, 98, 99, 100]), day_bar(TODAY, 102, open_=101)]
    row = scan_row(item(bars=four_and_today))
    assert row.momentum_pct is None
    assert "only 4 past sessions" in row.note


def test_no_bar_for_today_means_no_gap_but_still_a_score() -> None:
    row = scan_row(item(bars=PAST))
    assert row.gap_pct is None
    assert row.score == D("10.25")
    assert row.note == "no open today"


def test_previous_close_falls_back_to_the_last_past_bar() -> None:
    row = scan_row(item(q=quote("700", prev_close=None)))
    assert row.change_pct == D(2)  # 102 vs yesterday's bar close, 100
    assert row.note == ""


def test_volume_falls_back_to_todays_bar_and_says_when_missing() -> None:
    bars = [*PAST, day_bar(TODAY, 102, open_=101, volume=2000)]
    assert scan_row(item(bars=bars, q=quote("700", volume=None))).volume_ratio == D(2)
    row = scan_row(item(bars=PAST, q=quote("700", volume=None)))
    assert row.volume_ratio is None
    assert row.score == D("10.25")  # no boost, no penalty
    assert "no volume today" in row.note


def test_session_not_started_gives_no_volume_ratio() -> None:
    row = scan_row(item(session_fraction=D(0)))
    assert row.volume_ratio is None
    assert "session not started" in row.note


def test_zero_prices_in_the_data_are_noted_not_divided_by() -> None:
    bars = history([90] * 15 + [0, 97, 98, 99, 100])
    row = scan_row(item(bars=bars))
    assert row.momentum_pct is None and row.score is None
    assert "bad close 5 sessions ago" in row.note
    row = scan_row(item(bars=history([0] * 20)))  # no volume history, zero closes: nothing raises
    assert row.score is None


def test_rank_sorts_by_score_and_keeps_the_unscored_at_the_bottom() -> None:
    inputs = [
        item("5", q=quote("5", last="101")),  # change 1, momentum 5.2083… → about 7.2
        ScanInput("9988", PAST, None, TODAY),  # no quote
        item("700", session_fraction=D("0.5")),  # 20.5
        item("1299", bars=history([99, 100])),  # too few bars
        item("388", q=quote("388", last="99")),  # falling: change -1, momentum 3.125 → 1.125
    ]
    rows = rank(inputs, limit=10)
    assert [r.symbol for r in rows] == ["700", "5", "388", "9988", "1299"]
    assert [r.score is None for r in rows] == [False, False, False, True, True]
    # the limit trims the ranking, never the symbols whose data is missing
    assert [r.symbol for r in rank(inputs, limit=1)] == ["700", "9988", "1299"]
    assert [r.symbol for r in rank(inputs, limit=0)] == ["9988", "1299"]


def test_rank_breaks_ties_by_symbol() -> None:
    assert [r.symbol for r in rank([item("B"), item("A")], 5)] == ["A", "B"]


def test_rank_rejects_a_negative_limit() -> None:
    with pytest.raises(ValueError):
        rank([], -1)


def test_describe_scan_table() -> None:
    inputs = [
        item("700", session_fraction=D("0.5")),
        item("5", bars=PAST, q=quote("5", last="101")),
        ScanInput("9988", PAST, None, TODAY),
        ScanInput("1810", PAST, None, TODAY),
        item("1299", bars=history([99, 100])),
    ]
    assert describe_scan(rank(inputs, 10)) == "\n".join(
        [
            "symbol       last    chg%   mom5%    gap%    vol   score",
            "700        102.00   +2.00   +6.25   +1.00   3.0x   20.50",
            "5          101.00   +1.00   +5.21     n/a   1.5x    7.21  (no open today)",
            "not scored (no quote; no open today; no volume today): 9988, 1810",
            "not scored (only 2 past sessions, momentum needs 5; no open today; "
            "only 2 past sessions, volume ratio needs 10): 1299",
        ]
    )


def test_describe_scan_when_nothing_could_be_scored() -> None:
    text = describe_scan(rank([ScanInput("700", [], None, TODAY)], 10))
    assert text.splitlines()[0] == "no symbol could be scored"
    assert text.splitlines()[1].startswith("not scored (no quote")
    assert describe_scan([]) == "scan: no symbols"


def test_rows_are_plain_frozen_records() -> None:
    row = ScanRow("700", None, None, None, None, None, None, "no quote")
    assert row.note == "no quote"
    assert hash(item()) is not None  # bars become a tuple, so inputs are hashable
