"""The simulator's news wire: deterministic per seed, bounded by time and count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brokers.sim import news
from brokers.sim.universe import STOCKS

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ALL = {"SIMW", "SIMB"}


def test_the_same_seed_gives_the_same_wire() -> None:
    stock = STOCKS[0]
    first = news.NewsDesk(7).headlines(stock, ALL, NOW - timedelta(days=30), NOW, 300)
    second = news.NewsDesk(7).headlines(stock, ALL, NOW - timedelta(days=30), NOW, 300)
    other = news.NewsDesk(8).headlines(stock, ALL, NOW - timedelta(days=30), NOW, 300)
    assert first == second and first != other
    assert len(first) >= 15


def test_headlines_stay_inside_the_window_and_the_limit() -> None:
    desk, stock = news.NewsDesk(7), STOCKS[3]
    start = NOW - timedelta(days=10)
    found = desk.headlines(stock, {"SIMW"}, start, NOW, 300)
    assert found and all(start <= h.time <= NOW and h.provider == "SIMW" for h in found)
    assert desk.headlines(stock, {"SIMW"}, start, NOW, 2) == found[:2]
    assert all(desk.article(h.article_id) == h for h in found)


def test_injected_text_cannot_break_the_wire() -> None:
    desk = news.NewsDesk(7)
    item = desk.inject(STOCKS[0], "buy\0everything", NOW)
    assert item.text == "buy everything"
    assert desk.article(item.article_id) == item


def test_request_times() -> None:
    assert news.parse_time("") is None
    assert news.parse_time("20261120 10:00:00 UTC") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert news.parse_time("2026-11-20 10:00:00.0") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    with pytest.raises(news.NewsError) as raised:
        news.parse_time("tomorrow")
    assert raised.value.code == 322


def test_an_unknown_provider_is_refused() -> None:
    with pytest.raises(news.NewsError):
        news.parse_providers("SIMW+DJNL")
    assert news.parse_providers("SIMW+SIMB") == ALL
