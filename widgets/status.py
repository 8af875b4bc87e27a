"""The banner (what money is at stake and who decides) and the one-line status bar.

Both say everything in words, so the screen means the same over SSH with NO_COLOR; colour only repeats it.
Both are drawn from values the app passes in, `now` included: a widget never reads the clock, so a replayed day
shows replayed countdowns. The texts come from pure functions so that they can be tested without a screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widgets import Static

from catalyst_tui.broker_models import LinkPhase, LinkState
from widgets.positions import format_money

LOUD_WORDS = frozenset({"LIVE", "HALTED"})
"""Banner words that must not be missed: real money, or a session that only cancels."""

STATUS_WIDTH = 80
"""The status line fits this many cells when the bar's own width is not known yet."""

_SHORT_PHASES = {"closing auction": "auction", "after hours": "post", "pre-open": "pre"}


def banner_text(kind: str, mode: str, state: str) -> str:
    """ " SIMULATED | SUPERVISED | ACTIVE "; LIVE and HALTED are wrapped in "!!" so they shout without colour."""
    words = [word.upper() for word in (kind, mode, state)]
    return " " + " | ".join(f"!! {w} !!" if w in LOUD_WORDS else w for w in words) + " "


def duration_text(delta: timedelta) -> str:
    """A countdown coarse enough to read at a glance: "45s", "5m 10s", "2h 05m"."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def _clean(text: str) -> str:
    """One line: a reason or note with newlines or tabs would break the bar."""
    return " ".join(text.split())


def link_text(link: LinkState | None, now: datetime, *, short: bool = False) -> str:
    """The gateway connection in words; bad states are upper case and say the attempt and why."""
    if link is None:
        return "gateway not started"
    phase = link.phase
    if phase is LinkPhase.CONNECTED:
        if not link.ib_link:
            return "gateway IB LINK LOST" if short else "gateway connected, IB LINK LOST (gateway lost IB)"
        down = sorted(name for name, ok in link.farms.items() if not ok)
        if down:
            return "gateway connected, farm down" if short else f"gateway connected, farm down: {','.join(down)}"
        return "gateway connected"
    if phase in (LinkPhase.RECONNECTING, LinkPhase.DOWN):
        word = "RECONNECTING" if phase is LinkPhase.RECONNECTING else "DOWN"
        if short:
            return f"gateway {word} #{link.attempt}" if link.attempt else f"gateway {word}"
        details = [f"attempt {link.attempt}"] if link.attempt else []
        if link.next_try is not None:
            wait = link.next_try - now
            details.append(f"next try in {duration_text(wait)}" if wait > timedelta(0) else "retrying now")
        text = f"gateway {word}" + (f" ({', '.join(details)})" if details else "")
        return text + (f": {_clean(link.reason)}" if link.reason else "")
    if phase is LinkPhase.CONNECTING and link.attempt and not short:
        return f"gateway connecting (attempt {link.attempt})"
    return f"gateway {phase.value}"


def markets_text(hk_phase: str, us_phase: str, *, short: bool = False) -> str:
    """ "HKEX open | US closed"; the short form abbreviates the long phase names."""
    if short:
        return f"HK {_SHORT_PHASES.get(hk_phase, hk_phase)} | US {_SHORT_PHASES.get(us_phase, us_phase)}"
    return f"HKEX {hk_phase} | US {us_phase}"


def next_cycle_text(next_cycle: datetime | None, now: datetime, *, short: bool = False) -> str:
    """When the next scheduled cycle runs, in the time zone of `now` (the app's display zone), with a countdown."""
    if next_cycle is None:
        return "no cycle due" if short else "no cycle scheduled"
    at = next_cycle.astimezone(now.tzinfo) if next_cycle.tzinfo and now.tzinfo else next_cycle
    wait = next_cycle - now
    countdown = f"in {duration_text(wait)}" if wait > timedelta(0) else "due"
    return f"next {countdown}" if short else f"next cycle {at:%H:%M} ({countdown})"


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells, with "..." to say it was cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 3)) + "..."[: max(0, width)]


def status_text(
    link: LinkState | None,
    hk_phase: str,
    us_phase: str,
    next_cycle: datetime | None,
    now: datetime,
    pnl: Decimal | None,
    base_currency: str,
    llm_cost: Decimal | None,
    note: str = "",
    width: int = STATUS_WIDTH,
) -> str:
    """The status line, fitted to `width` cells by giving up the least important parts first.

    In full: "gateway connected | HKEX open | US closed | next cycle 12:34 (in 5m 10s) | P&L USD -1,234.56 |
    LLM USD 0.42 | note". When that is too wide: the note is cut, then dropped; the LLM cost goes; the next cycle
    keeps only its countdown; the market phases and P&L are abbreviated; the next cycle goes; the link's reason
    is cut (or dropped); the market phases go. The link state is the last thing standing.
    The LLM cost is in USD whatever the base currency: that is what the model is billed in.
    """
    money = format_money(pnl, signed=True)
    parts: dict[str, str | None] = {
        "link": link_text(link, now),
        "markets": markets_text(hk_phase, us_phase),
        "next": next_cycle_text(next_cycle, now),
        "pnl": f"P&L {base_currency} {money}",
        "cost": f"LLM USD {format_money(llm_cost)}",
    }

    def joined() -> str:
        return " | ".join(p for p in parts.values() if p)

    def link_in_room() -> str:
        # The reason the gateway is down matters more than anything dropped before it: cut it, keep what fits.
        full, short = link_text(link, now), link_text(link, now, short=True)
        bare = link_text(replace(link, reason=""), now) if link is not None else full
        room = width - cell_len(joined()) + cell_len(parts["link"] or "")
        return fit(full, room) if room >= cell_len(bare) + 12 else short

    steps: list[tuple[str, Callable[[], str | None]]] = [
        ("cost", lambda: None),
        ("next", lambda: next_cycle_text(next_cycle, now, short=True)),
        ("markets", lambda: markets_text(hk_phase, us_phase, short=True)),
        ("pnl", lambda: f"P&L {money}"),
        ("next", lambda: None),
        ("link", link_in_room),
        ("markets", lambda: None),
    ]
    for name, replacement in steps:
        if cell_len(joined()) <= width:
            break
        parts[name] = replacement()
    line = joined()
    note = _clean(note)
    room = width - cell_len(line) - 3
    if note and room >= min(12, cell_len(note)):
        line = f"{line} | {fit(note, room)}"
    return fit(line, width)


class OneLine(Static):
    """A one-line bar drawn at the app's rate: it repaints only when its words change."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes, markup=False)
        self._text = ""

    @property
    def text(self) -> str:
        """What the bar says."""
        return self._text

    def say(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update(Text(text, no_wrap=True, end=""), layout=False)


class Banner(OneLine):
    """One line: SIMULATED / PAPER / LIVE, SUPERVISED / AUTOPILOT, and the trading state.

    CSS classes: `-live` (real money) and `-halted` (only cancels) for the loud style; `-loud` when either is on.
    """

    DEFAULT_CSS = """
    Banner { width: 1fr; height: 1; background: $panel; color: $text; text-style: bold; }
    Banner.-loud { background: $error; color: $text; }
    """

    def show(self, kind: str, mode: str, state: str) -> None:
        """Say what is at stake; called at the app's drawing rate, so an unchanged banner costs nothing."""
        text = banner_text(kind, mode, state)
        live, halted = kind.upper() == "LIVE", state.upper() == "HALTED"
        self.set_class(live, "-live")
        self.set_class(halted, "-halted")
        self.set_class(live or halted, "-loud")
        self.say(text)


class StatusBar(OneLine):
    """One line: gateway link, market phases, next cycle, today's P&L, today's LLM cost, and a note.

    CSS class `-alert` while the gateway is not usable (down, reconnecting, IB link or a data farm lost).
    """

    DEFAULT_CSS = """
    StatusBar { width: 1fr; height: 1; background: $panel; color: $text; }
    StatusBar.-alert { background: $warning; color: $text; }
    """

    def show(
        self,
        link: LinkState | None,
        hk_phase: str,
        us_phase: str,
        next_cycle: datetime | None,
        now: datetime,
        pnl: Decimal | None,
        base_currency: str,
        llm_cost: Decimal | None,
        note: str = "",
    ) -> None:
        """Redraw the line for `now` (the app's clock), fitted to the bar's width (80 before it is laid out)."""
        width = self.size.width or STATUS_WIDTH
        text = status_text(link, hk_phase, us_phase, next_cycle, now, pnl, base_currency, llm_cost, note, width)
        healthy = link is not None and link.can_trade and all(link.farms.values())
        self.set_class(link is not None and not healthy, "-alert")
        self.say(text)
