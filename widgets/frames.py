"""When the main screen draws: as soon as something on it has changed, and at most once a period.

Textual 8.2 draws a screen from a timer on a fixed grid of 1/fps seconds, paused while nothing changes. A change
waits for the next point of the grid, and after a frame that ends past a point the timer skips to the point after
the next one: it waits between one and two periods. While quotes and the transcript streamed, frames of 10-15 ms
were common, and a key pressed during one waited up to two periods more for the frame that answered it: that wait
was most of the help's slowest key presses (bench/keypress.py, docs/performance.md).

`FramePacer` takes the timer's place: a change draws at once when no frame began in the last period, else when
the period is up. It keeps the timer's `pause()` and `resume()`, which are how Textual drives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class FramePacer:
    """Calls `draw` once after each `resume()`, at the first moment at least `period` seconds after the previous
    call began; `pause()` calls off a draw that has not happened yet. Must be used inside a running event loop."""

    def __init__(self, draw: Callable[[], None], period: float) -> None:
        if period < 0:
            raise ValueError(f"a frame period cannot be negative: {period}")
        self._draw = draw
        self.period = period
        self._pending: asyncio.TimerHandle | None = None
        self._last: float | None = None  # the loop time the last draw began

    @property
    def pending(self) -> bool:
        """A draw is due."""
        return self._pending is not None

    def resume(self) -> None:
        """Something changed: draw it as soon as the period allows (once, however many times this is called)."""
        if self._pending is not None:
            return
        loop = asyncio.get_running_loop()
        due = loop.time() if self._last is None else max(loop.time(), self._last + self.period)
        self._pending = loop.call_at(due, self._frame)

    def pause(self) -> None:
        """Call off the draw that is due, if any: the screen was drawn another way (a layout on resize)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _frame(self) -> None:
        self._pending = None
        self._last = asyncio.get_running_loop().time()
        self._draw()
