"""Headlines for reqHistoricalNews and articles for reqNewsArticle: a deterministic wire per seed, plus injected items.

Generated headlines are ordinary market chatter. Tests inject their own (hostile ones included) to prove that
nothing a headline says can move the risk limits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from brokers.sim.universe import STOCKS, Stock, find

PROVIDERS = (("SIMW", "Catalyst Simulated Newswire"), ("SIMB", "Catalyst Simulated Briefing"))
MAX_RESULTS = 300  # IB's cap on totalResults
MAX_DAYS = 366
TIME_FORMATS = ("%Y%m%d %H:%M:%S UTC", "%Y%m%d %H:%M:%S", "%Y%m%d-%H:%M:%S", "%Y-%m-%d %H:%M:%S.0", "%Y%m%d")
TEMPLATES = (
    ("{name} shares {move} as investors weigh sector outlook", "Trading in {code} was {adjective} on the day."),
    ("{name} to report quarterly results next week", "Analysts expect revenue broadly in line with guidance."),
    ("Brokerage {verb} {name} price target", "The note cites margins and capital returns."),
    ("{name} announces share buyback of up to {amount} million", "The repurchase runs over twelve months."),
    ("Funds {flow} {name} holdings, filings show", "Position changes were disclosed in routine filings."),
    ("{name} chairman comments on strategy at investor day", "Management reiterated its medium-term targets."),
)


class NewsError(ValueError):
    """A request IB refuses; `code` is the error it answers with."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code


@dataclass(frozen=True)
class Headline:
    time: datetime  # UTC
    provider: str
    article_id: str
    con_id: int
    text: str
    body: str

    @property
    def wire_time(self) -> str:
        """IB's format for historical news times: UTC, with a trailing fraction."""
        return f"{self.time.astimezone(UTC):%Y-%m-%d %H:%M:%S}.0"


def parse_time(text: str) -> datetime | None:
    """A request's start or end time (UTC unless it says otherwise); None when left empty."""
    text = text.strip()
    if not text:
        return None
    for form in TIME_FORMATS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise NewsError(322, f"Error processing request: invalid date/time {text!r}")


def parse_providers(codes: str) -> set[str]:
    known = {code for code, _ in PROVIDERS}
    wanted = {c for c in codes.split("+") if c}
    if not wanted or not wanted <= known:
        raise NewsError(10276, f"News feed is not allowed: {codes!r}")
    return wanted


class NewsDesk:
    def __init__(self, seed: int, stocks: tuple[Stock, ...] = STOCKS) -> None:
        self.seed = seed
        self.stocks = stocks
        self._injected: list[Headline] = []

    def inject(self, stock: Stock, text: str, at: datetime, body: str = "", provider: str = "SIMW") -> Headline:
        """Put a headline on the wire; it is returned like any other, newest first."""
        text, body = text.replace("\0", " "), body.replace("\0", " ")  # a NUL would end the wire field
        item = Headline(at.astimezone(UTC), provider, f"{provider}$inj{len(self._injected) + 1}", stock.con_id, text,
                        body or text)  # fmt: skip
        self._injected.append(item)
        return item

    def headlines(
        self, stock: Stock, providers: set[str], start: datetime, end: datetime, limit: int
    ) -> list[Headline]:
        """Headlines for one stock between start and end, newest first, at most `limit`."""
        first = max(start, end - timedelta(days=MAX_DAYS))
        found = [h for h in self._injected if h.con_id == stock.con_id]
        day = first.date()
        while day <= end.date():
            found.extend(self._generated(stock, day))
            day += timedelta(days=1)
        chosen = [h for h in found if h.provider in providers and start <= h.time <= end]
        chosen.sort(key=lambda h: (h.time, h.article_id), reverse=True)
        return chosen[: max(0, min(limit, MAX_RESULTS))]

    def article(self, article_id: str) -> Headline | None:
        for item in self._injected:
            if item.article_id == article_id:
                return item
        _, _, rest = article_id.partition("$")
        con_id, _, stamp = rest.partition("-")
        if not con_id.isdigit() or len(stamp) < 9 or not stamp.isdigit():
            return None
        stock = find("", "", "", int(con_id), self.stocks)
        if stock is None:
            return None
        day = datetime.strptime(stamp[:8], "%Y%m%d").replace(tzinfo=UTC).date()
        return next((h for h in self._generated(stock, day) if h.article_id == article_id), None)

    def _generated(self, stock: Stock, day: date) -> list[Headline]:
        rng = random.Random(f"{self.seed}:{stock.symbol}:news:{day:%Y%m%d}")
        count = rng.choice((0, 1, 1, 2, 3))
        name = stock.long_name.title()
        items = []
        for n in range(count):
            headline, body = rng.choice(TEMPLATES)
            words = {
                "name": name, "code": stock.symbol, "move": rng.choice(("rise", "slip", "edge higher", "fall")),
                "adjective": rng.choice(("active", "light", "heavy")), "verb": rng.choice(("raises", "cuts")),
                "amount": rng.choice((500, 1000, 2000)), "flow": rng.choice(("add to", "trim")),
            }  # fmt: skip
            seconds = rng.randrange(86400)
            provider = PROVIDERS[rng.randrange(len(PROVIDERS))][0]
            at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)
            article_id = f"{provider}${stock.con_id}-{day:%Y%m%d}{n}"
            items.append(Headline(at, provider, article_id, stock.con_id, headline.format(**words),
                                  f"{headline.format(**words)}. {body.format(**words)}"))  # fmt: skip
        return items
