"""What the scrolling panes (quotes, transcript, positions, orders) share: scrollbars drawn only when they change."""

from __future__ import annotations

from collections.abc import Hashable

from rich.style import Style
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from widgets.strips import look_of


class SteadyScrollbars:
    """A ScrollView that ignores a layout of the screen which leaves its size, its content and its container as
    they were, and whose vertical scrollbar is a `SteadyScrollBar`.

    Textual 8.2's ScrollView takes every layout of the screen (the help opening, a toast) as a resize: the
    compositor hands it a virtual size that is not its own, so it redraws its scrollbars and is sent a Resize.
    Drawing a scrollbar costs more than anything else in a small partial update: with four panes that was most of
    the time from `?` to the help on screen (bench/keypress.py).

    A mixin, put first among the bases of a ScrollView: not a widget itself, so that Textual still finds the
    widget's own CSS and component classes through its first widget base.
    """

    _steady: tuple[Size, Size, Size] | None = None
    virtual_size: Size  # the ScrollView's
    _vertical_scrollbar: ScrollBar | None  # the Widget's
    scrollbar_size_vertical: int

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        seen = (size, self.virtual_size, container_size)
        if seen == self._steady:
            return False
        self._steady = seen
        return super()._size_updated(size, virtual_size, container_size, layout)  # type: ignore[misc]

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Made as Textual's Widget makes it, of the steady kind."""
        if self._vertical_scrollbar is None:
            bar = SteadyScrollBar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)  # type: ignore[attr-defined]
        return self._vertical_scrollbar


class SteadyScrollBar(ScrollBar):
    """A scrollbar that draws again only when its drawing changes.

    Textual redraws a scrollbar whenever its pane's virtual size or scroll position changes. A pane that grows by
    a line and follows it (the transcript while the model streams, several times a second) moves its thumb by a
    fraction of an eighth of a cell at each line: the drawing is the same for dozens of lines, yet each redraw
    went through Textual's styles, row by row: 0.9 ms a line, 0.15 ms this way (bench/transcript_scroll.py). The
    thumb's segments, the crop and how the bar looks are compared with the last drawing's first.
    """

    _drawn: tuple[Hashable, Region, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        drawing = self._drawing()
        if self._drawn is not None and drawing is not None and self._drawn[:2] == (drawing, crop):
            return self._drawn[2]
        strips = super().render_lines(crop)
        self._drawn = None if drawing is None else (drawing, crop, strips)
        return strips

    def _drawing(self) -> Hashable | None:
        """The thumb's segments as Textual's renderer lays them out, with what the bar's look depends on; None
        when Textual would draw something else (a bar without colours)."""
        bar = self.render()
        if not isinstance(bar, ScrollBarRender) or not isinstance(bar.style, Style):
            return None
        back, thumb = bar.style.bgcolor, bar.style.color
        if back is None or thumb is None:
            return None
        length, thickness = (self.size.height, self.size.width) if bar.vertical else self.size
        segments = bar.render_bar(
            size=length,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=thickness,
            vertical=bar.vertical,
            back_color=back,
            bar_color=thumb,
        )
        return tuple(segments.segments), look_of(self)
