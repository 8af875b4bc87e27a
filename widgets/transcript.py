"""The agent's transcript as it streams: a line-based scroll view that buffers and draws at the app's flush rate.

`add()` only appends the event to a list: a token costs a list append, never a repaint. `flush()` (the app calls it
at 10 Hz) turns what was buffered into lines and repaints once. Complete lines are kept (at most `max_lines`, the
oldest dropped first); the paragraph still streaming is kept apart as the *partial line*, which is re-wrapped and
drawn below the complete lines at each flush, so a growing paragraph shows as it grows without a write per token.

What each kind of event looks like (every mark is plain ASCII or a narrow glyph, so it reads without colour):

    ── 10:35 HK cycle cyc-3f9a1c2b7d4e (rules) ──     open_cycle()
    ~ the trend is up, volume confirms                 thinking (dimmed); "[thinking hidden]" once per block when hidden
    Tencent broke out above its 20-day high.           text, streamed or whole
    → get_quote {"symbol": "0700.HK"}                  a tool call
    ← 0700.HK bid 402.00 ask 402.20 (+3 lines)         the first line of its result
    ← ERROR: unknown symbol XYZ                        a failed tool call (styled as an error too)
    == The reply broke off; asking again.              a system note
    ── cycle cyc-3f9a1c2b7d4e done, model cost USD 0.0123 ──   close_cycle()

Blank lines inside a paragraph are dropped: the pane is small. A finished Entry with `streamed=True` is not drawn
again (its deltas were); it, any other Entry, or a delta of another kind, ends the paragraph being streamed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.events import Resize
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from catalyst_tui.agent.events import Delta, Entry
from catalyst_tui.journal.records import EntryKind
from widgets.scrolling import SteadyScrollbars
from widgets.strips import DrawnLines, StyleMemo, rendered

DEFAULT_MAX_LINES = 5000
THINKING_HIDDEN = "[thinking hidden]"
THINKING_MARK = "~ "
LINE_LIMIT = 4000  # characters kept of one line (a paragraph); the rest is summarised
ONE_LINE_LIMIT = 300  # characters kept of a tool call or of the first line of a result

# Row kinds, each drawn with the component class "transcript--<kind>".
CYCLE, TEXT, THINKING, CALL, RESULT, ERROR, SYSTEM = "cycle", "text", "thinking", "call", "result", "error", "system"
KINDS = (CYCLE, TEXT, THINKING, CALL, RESULT, ERROR, SYSTEM)


@dataclass(frozen=True, slots=True)
class _Line:
    """A line made by the view itself (a cycle's header or footer), buffered in order with the events."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class _Row:
    seq: int  # increases by one per row kept, so rows dropped at the top are known by number
    kind: str
    text: str
    block: int = 0  # which thinking block the row belongs to (0: not thinking)


@dataclass(frozen=True, slots=True)
class _Shown:
    seq: int  # the row shown
    height: int  # how many wrapped screen lines it takes
    text: str


@dataclass(frozen=True, slots=True, eq=False)  # kept by identity in DrawnLines
class _Wrapped:
    """One screen line of a kept row, as segments. Not a `Strip`: Textual caches inside a strip what it derives from
    it (cropped, styled, rendered to ANSI), and a transcript kept all session would hold every line's copies."""

    segments: tuple[Segment, ...]
    cells: int


class TranscriptView(SteadyScrollbars, ScrollView, can_focus=True):
    """The streaming transcript of the agent's cycles; see the module docstring for what it shows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"transcript--{kind}" for kind in KINDS}
    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        &:focus { background-tint: $foreground 5%; }
        & > .transcript--cycle { text-style: bold; color: $accent; }
        & > .transcript--text { }
        & > .transcript--thinking { text-style: dim italic; color: $text-muted; }
        & > .transcript--call { color: $secondary; }
        & > .transcript--result { color: $text-muted; }
        & > .transcript--error { text-style: bold; color: $error; }
        & > .transcript--system { color: $warning; }
    }
    """

    show_thinking: reactive[bool] = reactive(True, init=False)
    """Draw thinking in full (dimmed), or one "[thinking hidden]" line per block. The app toggles it with a key."""

    def __init__(
        self,
        max_lines: int = DEFAULT_MAX_LINES,
        *,
        show_thinking: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._base_style = StyleMemo(self)
        if max_lines < 1:
            raise ValueError(f"max_lines must be at least 1, not {max_lines}")
        self.max_lines = max_lines
        self.set_reactive(TranscriptView.show_thinking, show_thinking)
        self._buffer: list[Delta | Entry | _Line] = []
        # The model: complete rows, and the paragraph being streamed.
        self._rows: deque[_Row] = deque()
        self._seq = 0
        self._block = 0
        self._open_kind: EntryKind | None = None
        self._open_block = 0
        self._partial = ""
        self._cycle_id = ""
        # What is drawn: the wrapped strips of the shown rows, then of the partial line.
        self._width = 0
        self._shown: deque[_Shown] = deque()
        self._strips: list[_Wrapped] = []
        self._tail: list[_Wrapped] = []
        self._tail_text: str | None = None
        self._styles: dict[str, Style] = {}
        self._drawn = DrawnLines(self, self._base_style)

    # ---- what the app calls ----------------------------------------------------------------------------------

    def add(self, event: Delta | Entry) -> None:
        """Buffer one event; nothing is drawn until `flush()`."""
        self._buffer.append(event)

    def note(self, text: str) -> None:
        """Buffer a system note ("== text"), as the agent's own system entries are shown."""
        self._buffer.append(Entry("system", EntryKind.TEXT, text))

    def open_cycle(self, cycle_id: str, market: str, at: datetime, brain: str) -> None:
        """Write a cycle's header line, after everything buffered before it, and draw at once."""
        self._buffer.append(_Line(CYCLE, f"── {at:%H:%M} {market} cycle {cycle_id} ({brain}) ──"))
        self._cycle_id = cycle_id
        self.flush()

    def close_cycle(self, outcome: str, cost_usd: Decimal | None) -> None:
        """Write the cycle's footer with its model cost, and draw at once."""
        cost = f"USD {cost_usd:.4f}" if cost_usd is not None and cost_usd.is_finite() else "unknown"
        name = f"cycle {self._cycle_id}" if self._cycle_id else "cycle"
        self._buffer.append(_Line(CYCLE, f"── {name} {outcome}, model cost {cost} ──"))
        self._cycle_id = ""
        self.flush()

    def toggle_thinking(self) -> None:
        self.show_thinking = not self.show_thinking

    def flush(self) -> None:
        """Turn what was buffered into lines and draw them in one go; nothing to do when nothing was buffered."""
        if not self._buffer:
            return
        events, self._buffer = self._buffer, []
        first_new = self._seq
        tail_before = (self._open_kind, self._partial)
        for event in events:
            self._take(event)
        if self._width <= 0:
            return  # not laid out yet: everything is drawn at the first resize
        if self._seq == first_new and tail_before == (self._open_kind, self._partial):
            return
        at_end = self.is_vertical_scroll_end
        self._drop_shown_before(first_new)
        new = min(len(self._rows), self._seq - first_new)
        start = len(self._rows) - new
        previous = self._rows[start - 1] if start > 0 else None
        for row in islice(self._rows, start, None):
            self._show(row, previous)
            previous = row
        self._draw_tail()
        self._resized(at_end)

    @property
    def pending(self) -> int:
        """Events buffered and not yet drawn."""
        return len(self._buffer)

    @property
    def line_count(self) -> int:
        """Complete lines kept (at most `max_lines`); the streaming partial line is not counted."""
        return len(self._rows)

    def plain_lines(self) -> list[str]:
        """The lines drawn, as plain text and unwrapped, the partial line last: for tests and copying."""
        lines = [shown.text for shown in self._shown]
        if self._tail_text is not None:
            lines.append(self._tail_text)
        return lines

    # ---- the model ---------------------------------------------------------------------------------------------

    def _take(self, event: Delta | Entry | _Line) -> None:
        if isinstance(event, Delta):
            self._stream(event)
            return
        self._end_stream()
        if isinstance(event, _Line):
            self._keep(event.kind, event.text)
        elif not event.streamed:
            self._entry(event)

    def _stream(self, delta: Delta) -> None:
        kind = delta.kind if delta.kind is EntryKind.THINKING else EntryKind.TEXT
        if kind is not self._open_kind:
            self._end_stream()
            self._open_kind = kind
            if kind is EntryKind.THINKING:
                self._block += 1
                self._open_block = self._block
        *complete, self._partial = (self._partial + delta.text).split("\n")
        for line in complete:
            self._keep_streamed(line)

    def _keep_streamed(self, line: str) -> None:
        if not line.strip():
            return
        if self._open_kind is EntryKind.THINKING:
            self._keep(THINKING, THINKING_MARK + line, self._open_block)
        else:
            self._keep(TEXT, line)

    def _end_stream(self) -> None:
        if self._open_kind is not None:
            self._keep_streamed(self._partial)
        self._open_kind, self._partial = None, ""

    def _entry(self, entry: Entry) -> None:
        if entry.kind is EntryKind.TOOL_CALL:
            self._keep(CALL, "→ " + _one_line(entry.content))
        elif entry.kind is EntryKind.TOOL_RESULT:
            lines = entry.content.strip("\n").splitlines() or [""]
            more = f" (+{len(lines) - 1} {'line' if len(lines) == 2 else 'lines'})" if len(lines) > 1 else ""
            kind = ERROR if entry.content.lstrip().startswith("ERROR") else RESULT
            self._keep(kind, "← " + _one_line(lines[0]) + more)
        elif entry.kind is EntryKind.THINKING:
            self._block += 1
            for line in _nonblank(entry.content):
                self._keep(THINKING, THINKING_MARK + line, self._block)
        elif entry.role == "system":
            for line in _nonblank(entry.content):
                self._keep(SYSTEM, "== " + line)
        else:
            for line in _nonblank(entry.content):
                self._keep(TEXT, line)

    def _keep(self, kind: str, text: str, block: int = 0) -> None:
        text = text.rstrip()
        if len(text) > LINE_LIMIT:
            text = f"{text[:LINE_LIMIT]}… ({len(text)} characters)"
        self._rows.append(_Row(self._seq, kind, text, block))
        self._seq += 1
        if len(self._rows) > self.max_lines:
            self._rows.popleft()

    def _shown_text(self, row: _Row, previous: _Row | None) -> str | None:
        """What a row shows as: its text, the one line of a hidden thinking block, or nothing."""
        if row.kind != THINKING or self.show_thinking:
            return row.text
        if previous is not None and previous.kind == THINKING and previous.block == row.block:
            return None
        return THINKING_HIDDEN

    # ---- drawing -----------------------------------------------------------------------------------------------

    def _show(self, row: _Row, previous: _Row | None, *, first: bool = False) -> None:
        text = self._shown_text(row, previous)
        if text is None:
            return
        kind = row.kind
        strips = self._wrap(text, kind)
        shown = _Shown(row.seq, len(strips), text)
        if first:
            self._shown.appendleft(shown)
            self._strips[:0] = strips
        else:
            self._shown.append(shown)
            self._strips.extend(strips)

    def _drop_shown_before(self, first_new: int) -> None:
        """Forget the drawn lines of rows dropped at the top; a hidden thinking block that lost its first row (the
        one that showed "[thinking hidden]") gets the line back on the row now first."""
        oldest = self._rows[0].seq if self._rows else self._seq
        dropped = 0
        while self._shown and self._shown[0].seq < oldest:
            dropped += self._shown.popleft().height
        if dropped:
            del self._strips[:dropped]
        if self._rows and self._rows[0].seq < first_new and (not self._shown or self._shown[0].seq != oldest):
            self._show(self._rows[0], None, first=True)

    def _draw_tail(self) -> None:
        self._tail_text = self._tail_shown()
        self._tail = self._wrap(self._tail_text, THINKING if self._open_kind is EntryKind.THINKING else TEXT) if (
            self._tail_text is not None
        ) else []  # fmt: skip

    def _tail_shown(self) -> str | None:
        if self._open_kind is EntryKind.THINKING and not self.show_thinking:
            last = self._rows[-1] if self._rows else None
            started = last is not None and last.kind == THINKING and last.block == self._open_block
            return None if started else THINKING_HIDDEN
        text = self._partial.rstrip()
        if self._open_kind is None or not text.strip():
            return None
        if len(text) > LINE_LIMIT:
            text = f"…{text[-LINE_LIMIT:]}"  # the end is what is growing
        return THINKING_MARK + text if self._open_kind is EntryKind.THINKING else text

    def _rebuild(self) -> None:
        """Draw every kept row again: after a resize, a change of style or of `show_thinking`."""
        if self._width <= 0:
            return
        at_end = self.is_vertical_scroll_end
        self._shown.clear()
        self._strips = []
        previous = None
        for row in self._rows:
            self._show(row, previous)
            previous = row
        self._draw_tail()
        self._resized(at_end)

    def _resized(self, at_end: bool) -> None:
        size = Size(self._width, len(self._strips) + len(self._tail))
        if size.width == self.virtual_size.width:
            # Only taller: Textual's own scrollbar update, without the screen-wide layout that setting virtual_size
            # sets off (it repaints every pane, several times a second while the model streams).
            self.set_reactive(TranscriptView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size
        self.refresh()
        if at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _wrap(self, text: str, kind: str) -> list[_Wrapped]:
        console = self.app.console
        lines = Text(text, style=self._styles.get(kind, Style()), end="").wrap(console, self._width, overflow="fold")
        return [_Wrapped(tuple(rendered(line, console)), line.cell_len) for line in lines]

    def _read_styles(self) -> bool:
        """Read the component styles; True when they changed."""
        styles = {kind: self.get_component_rich_style(f"transcript--{kind}", partial=True) for kind in KINDS}
        changed = styles != self._styles
        self._styles = styles
        return changed

    def on_mount(self) -> None:
        self._read_styles()

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style.clear()
        if self.is_mounted and self._read_styles():
            self._rebuild()

    def watch_show_thinking(self) -> None:
        self._rebuild()

    def render_lines(self, crop: Region) -> list[Strip]:
        """A line already drawn is not drawn again as it scrolls up (see `DrawnLines`)."""
        return self._drawn.render(crop, self.scroll_offset.y, self._line_at, super().render_lines)

    def _line_at(self, index: int) -> _Wrapped | None:
        """The wrapped line at this index of the content; None below the last."""
        if index < len(self._strips):
            return self._strips[index]
        if index - len(self._strips) < len(self._tail):
            return self._tail[index - len(self._strips)]
        return None

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        style = self._base_style.base
        line = self._line_at(index)
        if line is None:
            return Strip.blank(width, style)
        return Strip(line.segments, line.cells).crop_extend(0, width, style).apply_style(style)


def _nonblank(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= ONE_LINE_LIMIT else line[: ONE_LINE_LIMIT - 1] + "…"
