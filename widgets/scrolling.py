"""What the scrolling panes (quotes, transcript, positions, orders) share: scrollbars drawn only when they change."""

from __future__ import annotations

from textual.geometry import Size


class SteadyScrollbars:
    """A ScrollView that ignores a layout of the screen which leaves its size, its content and its container as
    they were.

    Textual 8.2's ScrollView takes every layout of the screen (the help opening, a toast) as a resize: the
    compositor hands it a virtual size that is not its own, so it redraws its scrollbars and is sent a Resize.
    Drawing a scrollbar costs more than anything else in a small partial update: with four panes that was most of
    the time from `?` to the help on screen (bench/keypress.py).

    A mixin, put first among the bases of a ScrollView: not a widget itself, so that Textual still finds the
    widget's own CSS and component classes through its first widget base.
    """

    _steady: tuple[Size, Size, Size] | None = None
    virtual_size: Size  # the ScrollView's

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        seen = (size, self.virtual_size, container_size)
        if seen == self._steady:
            return False
        self._steady = seen
        return super()._size_updated(size, virtual_size, container_size, layout)  # type: ignore[misc]
