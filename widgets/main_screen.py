"""The console's main screen: drawn by `CoveringCompositor` (widgets/compositor.py), at the moments `FramePacer`
(widgets/frames.py) picks.

Both replace private parts of Textual's screen (its compositor, its update timer), which is acceptable only because
Textual is pinned (`textual==8.2.8` in pyproject.toml).
"""

from __future__ import annotations

from textual.screen import UPDATE_PERIOD, Screen

from widgets.compositor import CoveringCompositor
from widgets.frames import FramePacer


class MainScreen(Screen[object]):
    """A screen for a console that changes a few lines at a time, many times a second, and must answer keys at
    once: only the widgets that own a changed cell are drawn, as soon as the change is made (at most once every
    1/`TEXTUAL_FPS` seconds)."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._compositor = CoveringCompositor()
        self._pacer = FramePacer(self._paced_update, UPDATE_PERIOD)

    @property
    def _update_timer(self) -> FramePacer:  # type: ignore[override]
        """Textual's screen resumes this when something changed and pauses it when it draws, as its timer."""
        return self._pacer

    def _paced_update(self) -> None:
        """What Textual's timer does on a tick: draw, unless the app is on its way out; an error ends the app as an
        error in any of Textual's timers does."""
        if self.app._exit:
            return
        try:
            self._on_timer_update()
        except Exception as error:
            self.app._handle_exception(error)

    def on_unmount(self) -> None:
        self._pacer.pause()
